"""`matchmaker eval --split` and `--by-language` on hand-made labels over the tiny corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import InvalidInputError
from matchmaker.evaluation import queries_in, read_split
from matchmaker.settings import Settings

SPLIT = "# comment line\nlumen\ttune\nkent\ttune\nverde\theldout\nrivo\theldout\nq1\ttune\nq2\theldout\n"


@pytest.fixture
def cli(loaded: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MATCHMAKER_HOME", str(loaded.home))
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    return CliRunner()


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "city_provider.tsv").write_text(
        "lumen\tprov-brightway\t3\nlumen\tprov-farlight\t2\nkent\tprov-brightway\t3\n"
        "verde\tprov-binroute\t3\nrivo\tprov-floodwatch\t3\nrivo\tprov-taxcloud\t1\n",
        encoding="utf-8",
    )
    (folder / "text_case.tsv").write_text("q1\tcase-port-bins\t3\nq2\tcase-rivo-flood\t3\n", encoding="utf-8")
    (folder / "queries.tsv").write_text("q1\tgarbage trucks and bins\nq2\triver floods\n", encoding="utf-8")
    (folder / "split.tsv").write_text(SPLIT, encoding="utf-8")
    return folder


def _rows(cli: CliRunner, labels: Path, *extra: str) -> dict[tuple[str, str], dict[str, object]]:
    result = cli.invoke(app, ["eval", "--labels", str(labels), "--json", *extra])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return {(str(r["kind"]), str(r["mode"])): r for r in rows}


def test_read_split_maps_each_query_to_its_half(tmp_path: Path) -> None:
    path = tmp_path / "split.tsv"
    path.write_text(SPLIT, encoding="utf-8")
    assert read_split(path) == {
        "lumen": "tune",
        "kent": "tune",
        "verde": "heldout",
        "rivo": "heldout",
        "q1": "tune",
        "q2": "heldout",
    }
    assert queries_in(tmp_path, "heldout") == frozenset({"verde", "rivo", "q2"})
    assert queries_in(tmp_path, "all") is None


def test_read_split_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "split.tsv"
    path.write_text("lumen\ttune\nverde\ttest\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"split\.tsv:2"):
        read_split(path)
    path.write_text("lumen\ttune\nlumen\theldout\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="both halves"):
        read_split(path)


def test_each_half_counts_only_its_own_queries(cli: CliRunner, labels: Path) -> None:
    everything = _rows(cli, labels)
    tune = _rows(cli, labels, "--split", "tune")
    heldout = _rows(cli, labels, "--split", "heldout")
    assert everything[("city_provider", "full")]["queries"] == 4
    assert tune[("city_provider", "full")]["queries"] == 2
    assert heldout[("city_provider", "full")]["queries"] == 2
    assert tune[("text_case", "full")]["queries"] == 1
    assert heldout[("text_case", "full")]["queries"] == 1
    assert {r["split"] for r in tune.values()} == {"tune"}
    assert {r["split"] for r in everything.values()} == {"all"}
    # The whole set is the query-weighted mean of its two halves, metric by metric.
    for key, row in everything.items():
        if key not in tune or key not in heldout:
            continue
        n_t, n_h = int(tune[key]["queries"]), int(heldout[key]["queries"])  # type: ignore[call-overload]
        for metric in ("ndcg", "recall", "mrr"):
            mean = (float(tune[key][metric]) * n_t + float(heldout[key][metric]) * n_h) / (n_t + n_h)  # type: ignore[arg-type]
            assert float(row[metric]) == pytest.approx(mean, abs=2e-4)  # type: ignore[arg-type]
    # Kent's summary is Turkish and it is in the tuning half: the held-out half has no non-English city.
    assert ("city_provider/non-en", "full") in tune
    assert ("city_provider/non-en", "full") not in heldout


def test_the_table_says_which_half_it_measured(cli: CliRunner, labels: Path) -> None:
    result = cli.invoke(
        app, ["eval", "--labels", str(labels), "--split", "heldout", "--kind", "city_provider"]
    )
    assert result.exit_code == 0, result.output
    assert "| city_provider | 2 |" in result.stdout
    assert "heldout half" in result.stdout


def test_by_language_adds_a_row_per_query_language(cli: CliRunner, labels: Path) -> None:
    rows = _rows(cli, labels, "--by-language", "--kind", "city_provider")
    assert rows[("city_provider/tr", "full")]["queries"] == 1
    assert rows[("city_provider/en", "full")]["queries"] == 3
    assert ("city_provider/tr", "full") not in _rows(cli, labels, "--kind", "city_provider")


def test_a_half_without_a_split_file_is_refused(cli: CliRunner, labels: Path) -> None:
    (labels / "split.tsv").unlink()
    result = cli.invoke(app, ["eval", "--labels", str(labels), "--split", "tune"])
    assert result.exit_code == 2
    assert "split.tsv" in result.output
    result = cli.invoke(app, ["eval", "--labels", str(labels), "--split", "half"])
    assert result.exit_code == 2
    assert "unknown split" in result.output
