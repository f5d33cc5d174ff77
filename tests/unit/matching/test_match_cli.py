"""`matchmaker match`, `search cases` and `eval` on the tiny corpus (hashing encoder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.settings import Settings


@pytest.fixture
def cli(loaded: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MATCHMAKER_HOME", str(loaded.home))
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    return CliRunner()


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_repeated_cities_answer_one_json_line_each(cli: CliRunner) -> None:
    result = cli.invoke(
        app, ["match", "providers", "--city", "lumen", "--city", "Verde", "--top", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    lines = _lines(result.stdout)
    assert [line["query"] for line in lines] == ["lumen", "verde"]
    first = lines[0]["results"]
    assert isinstance(first, list)
    assert len(first) == 2
    assert set(first[0]) >= {"id", "score", "explanation"}


def test_match_cities_for_a_city_and_for_a_provider(cli: CliRunner) -> None:
    result = cli.invoke(app, ["match", "cities", "--city", "lumen", "--json"])
    assert result.exit_code == 0, result.output
    ids = [r["id"] for r in _lines(result.stdout)[0]["results"]]  # type: ignore[index]
    assert "lumen" not in ids
    result = cli.invoke(app, ["match", "cities", "--provider", "prov-floodwatch", "--top", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert _lines(result.stdout)[0]["results"][0]["id"] == "rivo"  # type: ignore[index]


def test_match_cases_and_search_cases(cli: CliRunner) -> None:
    result = cli.invoke(app, ["match", "cases", "--city", "lumen", "--json"])
    assert result.exit_code == 0, result.output
    result = cli.invoke(app, ["search", "cases", "river floods", "overflowing bins", "--top", "1", "--json"])
    assert result.exit_code == 0, result.output
    lines = _lines(result.stdout)
    assert [line["query"] for line in lines] == ["river floods", "overflowing bins"]
    assert [line["results"][0]["id"] for line in lines] == ["case-rivo-flood", "case-port-bins"]  # type: ignore[index]


def test_the_table_output_shows_reasons(cli: CliRunner) -> None:
    result = cli.invoke(app, ["match", "providers", "--city", "lumen", "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "prov-brightway" in result.stdout
    assert "Providers for Lumen" in result.stdout  # titled by the name, not the id


def test_the_table_shows_bracketed_text_as_written(cli: CliRunner) -> None:
    """A relation label, an English gloss and any bracket in a name are text, not terminal styling."""
    answer = cli.invoke(app, ["match", "cities", "--city", "lumen", "--top", "3", "--json"])
    assert answer.exit_code == 0, answer.output
    relations = {r["relation"] for r in _lines(answer.stdout)[0]["results"]}  # type: ignore[union-attr]
    table = cli.invoke(app, ["match", "cities", "--city", "lumen", "--top", "3"], env={"COLUMNS": "300"})
    assert table.exit_code == 0, table.output
    assert relations
    for relation in relations:
        assert f"[{relation}]" in table.stdout


def test_unknown_city_exits_with_a_message(cli: CliRunner) -> None:
    result = cli.invoke(app, ["match", "providers", "--city", "zzzzzzzz"])
    assert result.exit_code != 0
    assert "zzzzzzzz" in result.output


def test_an_unknown_city_among_several_does_not_stop_the_others(cli: CliRunner) -> None:
    """Each --city is answered in turn: the known ones print their JSON line, the unknown one its
    message on standard error, and the exit code says that one query failed."""
    result = cli.invoke(
        app, ["match", "providers", "--city", "lumen", "--city", "zzzzzzzz", "--city", "verde", "--json"]
    )
    assert result.exit_code == 1, result.output
    assert [line["query"] for line in _lines(result.stdout)] == ["lumen", "verde"]
    assert "zzzzzzzz" in result.stderr
    assert "zzzzzzzz" not in result.stdout


def test_every_command_with_repeated_queries_answers_the_others(cli: CliRunner) -> None:
    commands = [
        ["match", "cities", "--city", "zzzzzzzz", "--city", "lumen"],
        ["match", "cases", "--city", "lumen", "--city", "zzzzzzzz"],
        ["match", "cities", "--provider", "prov-floodwatch", "--provider", "zzzzzzzz"],
    ]
    for command in commands:
        result = cli.invoke(app, [*command, "--json"])
        assert result.exit_code == 1, (command, result.output)
        assert len(_lines(result.stdout)) == 1, command
        assert result.stderr.startswith("error: "), command
        assert "zzzzzzzz" in result.stderr, command
    table = cli.invoke(app, ["match", "providers", "--city", "zzzzzzzz", "--city", "lumen"])
    assert table.exit_code == 1, table.output
    assert "Providers for Lumen" in table.stdout
    assert "zzzzzzzz" in table.stderr


def test_an_ambiguous_city_among_several_lists_its_candidates(cli: CliRunner) -> None:
    result = cli.invoke(app, ["match", "providers", "--city", "lumen", "--city", "r", "--json"])
    assert result.exit_code == 2, result.output
    assert [line["query"] for line in _lines(result.stdout)] == ["lumen"]
    assert "candidates" in result.stderr


def test_an_empty_search_text_among_several_does_not_stop_the_others(cli: CliRunner) -> None:
    result = cli.invoke(app, ["search", "cases", "river floods", " ", "overflowing bins", "--json"])
    assert result.exit_code == 2, result.output
    assert [line["query"] for line in _lines(result.stdout)] == ["river floods", "overflowing bins"]
    assert result.stderr == "error: the search text is empty\n"


def test_a_search_text_without_a_letter_or_digit_is_refused_as_the_api_refuses_it(cli: CliRunner) -> None:
    """ "!!!" looks for nothing: it is refused, as the API refuses ?q=!!!, not answered with every case
    study ranked by noise."""
    result = cli.invoke(app, ["search", "cases", "river floods", "!!! ...", "--json"])
    assert result.exit_code == 2, result.output
    assert [line["query"] for line in _lines(result.stdout)] == ["river floods"]
    assert result.stderr == "error: the search text must contain at least one letter or digit\n"


def test_city_and_provider_together_are_refused(cli: CliRunner) -> None:
    result = cli.invoke(app, ["match", "cities", "--city", "lumen", "--provider", "prov-floodwatch"])
    assert result.exit_code == 2


def test_eval_reports_every_retriever_per_kind(cli: CliRunner, tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "city_provider.tsv").write_text(
        "lumen\tprov-brightway\t3\nlumen\tprov-farlight\t2\nrivo\tprov-floodwatch\t3\n", encoding="utf-8"
    )
    (labels / "text_case.tsv").write_text("q1\tcase-port-bins\t3\n", encoding="utf-8")
    (labels / "queries.tsv").write_text("q1\tgarbage trucks and bins\n", encoding="utf-8")
    result = cli.invoke(app, ["eval", "--labels", str(labels), "--json"])
    assert result.exit_code == 0, result.output
    rows = _lines(result.stdout)
    assert {(r["kind"], r["mode"]) for r in rows} == {
        (k, m) for k in ("city_provider", "text_case") for m in ("base", "dense", "lexical", "full")
    }
    full = next(r for r in rows if r["kind"] == "city_provider" and r["mode"] == "full")
    assert full["queries"] == 2
    assert 0.0 <= float(full["ndcg"]) <= 1.0  # type: ignore[arg-type]
    assert 0.0 <= float(full["pair_loss"]) <= 1.0  # type: ignore[arg-type]
    table = cli.invoke(app, ["eval", "--labels", str(labels), "--kind", "city_provider"])
    assert table.exit_code == 0, table.output
    assert "| city_provider | 2 |" in table.stdout
    assert "full − base" in table.stdout
    assert "pair loss base" in table.stdout


def test_eval_leaves_each_signal_out_and_refuses_an_unknown_profile(cli: CliRunner, tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "city_provider.tsv").write_text("lumen\tprov-brightway\t3\n", encoding="utf-8")
    result = cli.invoke(app, ["eval", "--labels", str(labels), "--leave-one-out", "--json"])
    assert result.exit_code == 0, result.output
    modes = {r["mode"] for r in _lines(result.stdout)}
    assert {"full", "-dense", "-lexical", "-vocab", "-context_fit"} <= modes
    table = cli.invoke(app, ["eval", "--labels", str(labels), "--profile", "full", "--profile", "-lexical"])
    assert "Δ -lexical" in table.stdout
    bad = cli.invoke(app, ["eval", "--labels", str(labels), "--profile", "nonsense"])
    assert bad.exit_code == 2
    assert "nonsense" in bad.output


def test_eval_rejects_a_malformed_judgement_file(cli: CliRunner, tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "city_provider.tsv").write_text("lumen prov-brightway three\n", encoding="utf-8")
    result = cli.invoke(app, ["eval", "--labels", str(labels)])
    assert result.exit_code == 2
    assert "city_provider.tsv:1" in result.output


def test_eval_names_a_judgement_file_that_is_not_utf8_and_reads_one_with_a_byte_order_mark(
    cli: CliRunner, tmp_path: Path
) -> None:
    """A spreadsheet's export in Latin-1 ended in "unexpected failure (UnicodeDecodeError ...)"; one
    saved as UTF-8 with a byte-order mark lost its first query as "not an indexed city"."""
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "city_provider.tsv").write_bytes(
        "lumen\tprov-brightway\t3\nrivo\tprov-flo\u00f6\t1\n".encode("latin-1")
    )
    result = cli.invoke(app, ["eval", "--labels", str(labels)])
    assert result.exit_code == 2, result.output
    assert (
        "city_provider.tsv: not valid UTF-8 (first bad byte on line 2); save the file as UTF-8"
        in result.output
    )
    assert "unexpected" not in result.output
    (labels / "city_provider.tsv").write_text("lumen\tprov-brightway\t3\n", encoding="utf-8-sig")
    result = cli.invoke(app, ["eval", "--labels", str(labels), "--json", "--profile", "full"])
    assert result.exit_code == 0, result.output
    assert [(r["kind"], r["queries"]) for r in _lines(result.stdout)] == [("city_provider", 1)]


def test_eval_of_free_text_judgements_without_their_queries_says_which_file_to_add(
    cli: CliRunner, tmp_path: Path
) -> None:
    """It ended in "unexpected failure (FileNotFoundError ...)"."""
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "text_case.tsv").write_text("q1\tcase-port-bins\t3\n", encoding="utf-8")
    result = cli.invoke(app, ["eval", "--labels", str(labels)])
    assert result.exit_code == 2, result.output
    assert f"needs {labels / 'queries.tsv'} beside it" in result.output
    assert "unexpected" not in result.output


def test_eval_that_can_measure_no_query_says_why_instead_of_printing_an_empty_table(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Judgements of cities that are not stored, or a folder without judgements, printed a table of
    no rows with a broken header and exited 0, as if the engine had been measured."""
    labels = tmp_path / "labels"
    labels.mkdir()
    empty = cli.invoke(app, ["eval", "--labels", str(labels)])
    assert empty.exit_code == 2, empty.output
    assert "holds no judgement file to evaluate; give one of city_provider.tsv" in empty.output
    (labels / "city_provider.tsv").write_text("atlantis\tprov-brightway\t3\n", encoding="utf-8")
    for extra in ([], ["--json"]):
        result = cli.invoke(app, ["eval", "--labels", str(labels), *extra])
        assert result.exit_code == 2, result.output
        assert "|" not in result.stdout
        assert f"no labelled query of {labels} could be evaluated" in result.output


def test_eval_refuses_a_pair_graded_twice_with_two_grades(cli: CliRunner, tmp_path: Path) -> None:
    """The later grade was kept and the earlier dropped without a word."""
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "city_provider.tsv").write_text(
        "lumen\tprov-brightway\t3\nlumen\tprov-farlight\t2\nlumen\tprov-farlight\t2\nlumen\tprov-brightway\t0\n",
        encoding="utf-8",
    )
    result = cli.invoke(app, ["eval", "--labels", str(labels)])
    assert result.exit_code == 2, result.output
    assert (
        "city_provider.tsv:4: lumen prov-brightway is graded 0 here and 3 on line 1; give it one grade"
        in (" ".join(result.output.split()))
    )


def test_schedule_without_scores_takes_them_from_the_matcher(cli: CliRunner, tmp_path: Path) -> None:
    problem = {
        "slots": [{"id": "s1", "start": "2038-03-02T09:00", "end": "2038-03-02T09:20"}],
        "tables": 1,
        "participants": [
            {"id": "rivo", "side": "city"},
            {"id": "prov-floodwatch", "side": "provider"},
            {"id": "prov-taxcloud", "side": "provider"},
        ],
    }
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    result = cli.invoke(app, ["schedule", str(path), "--json", "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    meetings = json.loads(result.stdout)["meetings"]
    assert [(m["a"], m["b"]) for m in meetings] == [("rivo", "prov-floodwatch")]
    assert meetings[0]["score"] > 0


def test_a_city_provider_pair_gets_one_score_from_both_sides(cli: CliRunner) -> None:
    from_cities = cli.invoke(
        app, ["match", "providers", "--city", "lumen", "--city", "rivo", "--top", "100", "--json"]
    )
    assert from_cities.exit_code == 0, from_cities.output
    by_city = {
        (line["query"], r["id"]): r["score"]
        for line in _lines(from_cities.stdout)
        for r in line["results"]  # type: ignore[attr-defined]
    }
    providers = sorted({p for _, p in by_city})
    args = [a for p in providers for a in ("--provider", p)]
    from_providers = cli.invoke(app, ["match", "cities", *args, "--top", "100", "--json"])
    assert from_providers.exit_code == 0, from_providers.output
    by_provider = {
        (r["id"], line["query"]): r["score"]
        for line in _lines(from_providers.stdout)
        for r in line["results"]  # type: ignore[attr-defined]
        if r["id"] in {"lumen", "rivo"}  # type: ignore[index]
    }
    assert len(by_city) == 2 * len(providers) >= 6
    assert by_provider == by_city
    assert all(0.0 <= float(s) <= 1.0 for s in by_city.values())  # type: ignore[arg-type]


def test_match_cities_without_a_query_names_both_options(cli: CliRunner) -> None:
    result = cli.invoke(app, ["match", "cities"])
    assert result.exit_code == 2
    assert result.stderr == "error: give --city ID or --provider ID\n"
