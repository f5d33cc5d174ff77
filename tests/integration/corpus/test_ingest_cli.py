"""``matchmaker ingest``, ``list`` and ``show`` end to end, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.settings import Settings

DEMO = Path(__file__).resolve().parents[3] / "corpora" / "demo"

FOCAL = {"name": "Arta Hoxha", "email": "arta.hoxha@example.org", "phone": "+355 000 000"}
KUKES = {
    "id": "kukes",
    "name": "Kukës",
    "country": "AL",
    "summary": "Kukës has frequent floods and no open data portal.",
    "focal_point": FOCAL,
    "festival": "Summer Day",
}
OSH = {"id": "osh", "name": "Ош", "country": "KG", "summary": "Street lighting is old; budget is tight."}


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def listed(kind: str) -> list[dict[str, Any]]:
    result = run("list", kind, "--json")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_ingest_stores_valid_records_and_reports_each_rejected_one(
    tmp_path: Path, db_settings: Settings
) -> None:
    path = write_jsonl(
        tmp_path / "cities.jsonl",
        [
            json.dumps(KUKES, ensure_ascii=False),
            '{"id": "bad id", "name": "X", "country": "AL", "summary": "s"}',
            "{not json",
            json.dumps(OSH, ensure_ascii=False),
            '{"id": "nowhere", "name": "Nowhere", "country": "ZZ", "summary": "s"}',
        ],
    )
    result = run("ingest", str(path))
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert f"{path}:2: " in "\n".join(errors)
    assert any(line.startswith(f"{path}:3: ") and "JSON" in line for line in errors)
    assert any(line.startswith(f"{path}:5: ") and "country" in line for line in errors)
    assert [c["id"] for c in listed("cities")] == ["kukes", "osh"]


def test_reingest_updates_and_never_duplicates(tmp_path: Path, db_settings: Settings) -> None:
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES), json.dumps(OSH)])
    assert run("ingest", str(path)).exit_code == 0
    changed = KUKES | {"summary": "Kukës now wants smart water meters."}
    write_jsonl(path, [json.dumps(changed), json.dumps(OSH)])
    second = run("ingest", str(path), "--json")
    assert second.exit_code == 0
    report = json.loads(second.stdout.strip().splitlines()[-1])
    assert report["files"][0]["created"] == 0
    assert report["files"][0]["updated"] == 2
    cities = listed("cities")
    assert len(cities) == 2
    assert next(c for c in cities if c["id"] == "kukes")["summary"].startswith("Kukës now wants")


def test_an_id_given_twice_in_one_file_reports_the_line_that_was_not_stored(
    tmp_path: Path, db_settings: Settings
) -> None:
    later = KUKES | {"summary": "Kukës, second version."}
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES), json.dumps(OSH), json.dumps(later)])
    result = run("ingest", str(path))
    assert result.exit_code == 2, "a record of the file was not stored"
    assert f"{path}:1: id 'kukes' is given again on line 3, which was stored instead" in result.stderr
    assert "2 accepted" in result.stdout
    assert next(c for c in listed("cities") if c["id"] == "kukes")["summary"] == "Kukës, second version."


def test_an_id_given_in_two_files_of_one_ingest_is_reported_with_the_version_stored(
    tmp_path: Path, db_settings: Settings
) -> None:
    """Two files of one ingest that give the same id: the record of the earlier file is replaced by
    the later one, and the report says so, rather than counting two records stored without a word."""
    first = write_jsonl(tmp_path / "in" / "a-cities.jsonl", [json.dumps(KUKES), json.dumps(OSH)])
    second = tmp_path / "in" / "b-cities.csv"
    second.write_text("id,name,country,summary\nkukes,Kukës,AL,Kukës corrected.\n", encoding="utf-8")
    result = run("ingest", str(tmp_path / "in"))
    assert result.exit_code == 0, result.output
    assert (
        f"warning: city id 'kukes' of {first}:1 is given again in {second}:2, which was stored instead"
        in result.stderr
    )
    assert next(c for c in listed("cities") if c["id"] == "kukes")["summary"] == "Kukës corrected."
    assert "osh" not in result.stderr


def test_unknown_fields_are_kept_and_focal_point_is_staff_only(tmp_path: Path, db_settings: Settings) -> None:
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES, ensure_ascii=False)])
    assert run("ingest", str(path)).exit_code == 0
    public = run("show", "city", "kukes", "--json")
    assert public.exit_code == 0
    assert "arta.hoxha" not in public.stdout
    assert json.loads(public.stdout)["extra"] == {"festival": "Summer Day"}
    assert all("arta.hoxha" not in json.dumps(c) for c in listed("cities"))
    staff = run("show", "city", "Kukes", "--json", "--confidential")
    assert json.loads(staff.stdout)["focal_point"]["email"] == FOCAL["email"]


def test_unknown_focal_point_fields_are_kept_and_staff_only(tmp_path: Path, db_settings: Settings) -> None:
    contact = FOCAL | {"mail": "Rruga e Pazarit 3, Kukes", "phone2": "+355 69 000 1111"}
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES | {"focal_point": contact})])
    assert run("ingest", str(path)).exit_code == 0
    staff = run("show", "city", "kukes", "--json", "--confidential")
    assert json.loads(staff.stdout)["focal_point"] == FOCAL | {
        "extra": {"mail": "Rruga e Pazarit 3, Kukes", "phone2": "+355 69 000 1111"}
    }
    readable = run("show", "city", "kukes", "--confidential").stdout
    assert "mail: Rruga e Pazarit 3, Kukes" in readable
    assert "phone2: +355 69 000 1111" in readable
    for shown in (run("show", "city", "kukes", "--json").stdout, run("list", "cities", "--json").stdout):
        assert "Rruga e Pazarit" not in shown
        assert "000 1111" not in shown


def test_extra_fields_marked_internal_are_shown_only_with_confidential(
    tmp_path: Path, db_settings: Settings
) -> None:
    """``internal_*``, ``private_*``, ``confidential_*`` and ``_*`` fields are staff-only, as the focal
    point is: ``list`` and ``show`` print them only with ``--confidential``, as the API shows them
    only to staff."""
    secret = {"internal_budget": "Hidden reserve 4.2M", "_ranking": "Tier one secretly"}
    cities = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES | secret, ensure_ascii=False)])
    provider = {"id": "acme", "name": "Acme", "country": "TR", "description": "GIS for towns."}
    providers = write_jsonl(
        tmp_path / "providers.jsonl", [json.dumps(provider | {"private_margin": "Margin of 42 percent"})]
    )
    assert run("ingest", str(cities), str(providers)).exit_code == 0
    for shown in (
        run("show", "city", "kukes", "--json").stdout,
        run("show", "city", "kukes").stdout,
        run("list", "cities", "--json").stdout,
        run("show", "provider", "acme", "--json").stdout,
        run("show", "provider", "acme").stdout,
        run("list", "providers", "--json").stdout,
    ):
        assert "Hidden reserve" not in shown
        assert "Tier one" not in shown
        assert "Margin of 42" not in shown
    assert json.loads(run("show", "city", "kukes", "--json").stdout)["extra"] == {"festival": "Summer Day"}
    staff = json.loads(run("show", "city", "kukes", "--json", "--confidential").stdout)
    assert staff["extra"] == {"festival": "Summer Day"} | secret
    staff = json.loads(run("show", "provider", "acme", "--json", "--confidential").stdout)
    assert staff["extra"] == {"private_margin": "Margin of 42 percent"}


def test_a_provider_or_case_studys_focal_point_is_staff_only_as_a_citys_is(
    tmp_path: Path, db_settings: Settings
) -> None:
    """A provider's file that names its contact person as a city's does (``focal_point``, or columns
    ``focal_point.email`` in a CSV) kept it as a public field, shown to every city."""
    provider = {"id": "acme", "name": "Acme", "country": "TR", "description": "GIS for towns."}
    contact = {"name": "Selin Acar", "email": "selin.acar@acme.example", "phone": "+90 555 010 0101"}
    providers = write_jsonl(tmp_path / "providers.jsonl", [json.dumps(provider | {"focal_point": contact})])
    case = {"id": "c1", "title": "Bins", "city": "Kukës", "country": "AL", "text": "Sensors in bins."}
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "id,title,city,country,text,focal_point_email\n"
        f"c1,Bins,Kukës,AL,Sensors in bins.,{contact['email']}\n",
        encoding="utf-8",
    )
    result = run("ingest", str(providers), str(cases))
    assert result.exit_code == 0, result.output
    for shown in (
        run("show", "provider", "acme", "--json").stdout,
        run("show", "provider", "acme").stdout,
        run("list", "providers", "--json").stdout,
        run("show", "case", "c1", "--json").stdout,
        run("list", "cases", "--json").stdout,
    ):
        assert "Selin" not in shown
        assert "selin.acar" not in shown
    staff = json.loads(run("show", "provider", "acme", "--json", "--confidential").stdout)
    assert staff["extra"] == {"focal_point": contact}
    staff = json.loads(run("show", "case", "c1", "--json", "--confidential").stdout)
    assert staff["extra"] == {"focal_point_email": contact["email"]}
    assert {k: v for k, v in staff.items() if k in case} == case


ACME = {
    "id": "acme",
    "name": "Acme GIS",
    "country": "TR",
    "description": "Street addressing and GIS for municipalities.",
}


def test_unknown_solution_fields_are_kept_and_shown_with_the_solution(
    tmp_path: Path, db_settings: Settings
) -> None:
    solution = {
        "title": "Street addressing",
        "description": "Names and numbers every street.",
        "licence": "open source (GPL)",
        "languages": ["tr", "en"],
    }
    second = {"title": "Flood maps", "price_band": "low"}
    path = write_jsonl(tmp_path / "providers.jsonl", [json.dumps(ACME | {"solutions": [solution, second]})])
    ingested = run("ingest", str(path))
    assert ingested.exit_code == 0, ingested.output
    shown = json.loads(run("show", "provider", "acme", "--json").stdout)
    assert [s["extra"] for s in shown["solutions"]] == [
        {"licence": "open source (GPL)", "languages": ["tr", "en"]},
        {"price_band": "low"},
    ]
    assert listed("providers")[0]["solutions"][1]["extra"] == {"price_band": "low"}
    readable = run("show", "provider", "acme").stdout
    assert "licence: open source (GPL)" in readable
    assert "price band: low" in readable or "price_band: low" in readable


def test_a_solution_field_given_beside_extra_and_inside_it_with_other_values_is_refused(
    tmp_path: Path, db_settings: Settings
) -> None:
    twice = {"title": "Street addressing", "licence": "GPL", "extra": {"licence": "MIT"}}
    path = write_jsonl(tmp_path / "providers.jsonl", [json.dumps(ACME | {"solutions": [twice]})])
    result = run("ingest", str(path))
    assert result.exit_code == 2
    assert "solutions[0].licence: given twice, beside 'extra' and inside it" in result.stderr


def test_a_solution_field_marked_internal_is_refused_since_solutions_are_public(
    tmp_path: Path, db_settings: Settings
) -> None:
    marked = {"title": "Street addressing", "internal_price": "9,000 EUR a year"}
    path = write_jsonl(tmp_path / "providers.jsonl", [json.dumps(ACME | {"solutions": [marked]})])
    result = run("ingest", str(path))
    assert result.exit_code == 2
    assert (
        "solutions[0].extra: 'internal_price' is marked internal (staff only), but a solution is public"
        in result.stderr
    )
    assert "9,000 EUR" not in run("list", "providers", "--json").stdout


def test_unreadable_input_exits_1_and_loses_nothing(tmp_path: Path, db_settings: Settings) -> None:
    good = write_jsonl(tmp_path / "ok" / "cities.jsonl", [json.dumps(KUKES), json.dumps(OSH)])
    assert run("ingest", str(good)).exit_code == 0
    empty = tmp_path / "empty" / "cities.jsonl"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    array = tmp_path / "array" / "cities.jsonl"
    array.parent.mkdir()
    array.write_text(json.dumps([KUKES, OSH], indent=2), encoding="utf-8")
    utf16 = tmp_path / "utf16" / "cities.jsonl"
    utf16.parent.mkdir()
    utf16.write_bytes(json.dumps(KUKES).encode("utf-16"))
    for path, reason in ((empty, "empty"), (array, "JSON array"), (utf16, "UTF-8")):
        result = run("ingest", str(path))
        assert result.exit_code == 1, result.output
        assert reason in result.stderr
        assert "\n" not in result.stderr.strip()
    missing = run("ingest", str(tmp_path / "nothing-here"))
    assert missing.exit_code == 1
    assert {c["id"] for c in listed("cities")} == {"kukes", "osh"}


def test_csv_with_missing_column_exits_1(tmp_path: Path, db_settings: Settings) -> None:
    path = tmp_path / "providers.csv"
    path.write_text("id,name,country\nacme,Acme,TR\n", encoding="utf-8")
    result = run("ingest", str(path))
    assert result.exit_code == 1
    assert "description" in result.stderr


def test_probable_duplicates_are_warned_about(tmp_path: Path, db_settings: Settings) -> None:
    twin = KUKES | {"id": "kukes-municipality", "name": "Kukes Municipality"}
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES), json.dumps(twin)])
    result = run("ingest", str(path))
    assert result.exit_code == 0
    assert "probable duplicate" in result.stderr
    assert "kukes-municipality" in result.stderr


def test_one_city_in_two_scripts_or_romanisations_is_warned_about(
    tmp_path: Path, db_settings: Settings
) -> None:
    def city(city_id: str, name: str, country: str) -> str:
        return json.dumps(
            {"id": city_id, "name": name, "country": country, "summary": "s"}, ensure_ascii=False
        )

    path = write_jsonl(
        tmp_path / "cities.jsonl",
        [
            city("tj-khujand", "Khujand", "TJ"),
            city("tj-khudzhand", "Худжанд", "TJ"),  # Russian: Khudzhand
            city("az-ganja", "Ganja", "AZ"),
            city("az-gyandzha", "Gyandzha", "AZ"),
            city("kg-osh", "Osh", "KG"),
            city("kg-os", "Os", "KG"),  # a sound apart: another name
            city("de-minden", "Minden", "DE"),
            city("de-munden", "Münden", "DE"),  # other vowels between the same consonants: another town
        ],
    )
    result = run("ingest", str(path))
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "probable duplicate" in line]
    assert len(warned) == 2, warned
    assert "tj-khujand (Khujand) and tj-khudzhand (Худжанд) in TJ" in warned[0] + warned[1]
    assert "az-ganja (Ganja) and az-gyandzha (Gyandzha) in AZ" in warned[0] + warned[1]


def test_region_words_the_region_check_cannot_read_are_warned_about(
    tmp_path: Path, db_settings: Settings
) -> None:
    serving = ACME | {"regions_served": ["Western Balkans", "Wester Balkans", "Belgique"]}
    path = write_jsonl(tmp_path / "providers.jsonl", [json.dumps(serving)])
    result = run("ingest", str(path))
    assert result.exit_code == 0
    assert "provider acme" in result.stderr
    assert "'Wester Balkans' names no country or region the region check knows" in result.stderr
    assert "Belgique" not in result.stderr  # a country's name in French is read


def test_ingest_takes_files_as_people_name_them_and_says_what_it_skipped(
    tmp_path: Path, db_settings: Settings
) -> None:
    folder = tmp_path / "drop"
    write_jsonl(folder / "focal_cities.jsonl", [json.dumps(KUKES, ensure_ascii=False)])
    write_jsonl(folder / "towns.jsonl", [json.dumps(OSH, ensure_ascii=False)])
    (folder / "README.md").write_text("notes", encoding="utf-8")
    result = run("ingest", str(folder))
    assert result.exit_code == 0, result.stderr
    assert f"skipped {folder / 'towns.jsonl'}: cannot tell the record kind" in result.stderr
    assert f"skipped {folder / 'README.md'}: not a corpus file" in result.stderr
    assert [c["id"] for c in listed("cities")] == ["kukes"]

    result = run("ingest", str(folder / "towns.jsonl"), "--kind", "city")
    assert result.exit_code == 0, result.stderr
    assert {c["id"] for c in listed("cities")} == {"kukes", "osh"}


def test_ingest_if_empty_loads_only_an_empty_home_and_keeps_edits(
    tmp_path: Path, db_settings: Settings
) -> None:
    original = write_jsonl(tmp_path / "demo" / "cities.jsonl", [json.dumps(KUKES, ensure_ascii=False)])
    first = run("ingest", "--if-empty", "--no-index", str(original.parent))
    assert first.exit_code == 0, first.stderr
    assert "is empty; ingesting" in first.stdout
    edited = write_jsonl(tmp_path / "edit" / "cities.jsonl", [json.dumps(KUKES | {"name": "Kukës Edited"})])
    run("ingest", "--no-index", str(edited))

    again = run("ingest", "--if-empty", "--no-index", str(original.parent))
    assert again.exit_code == 0, again.stderr
    assert "already holds 1 record (1 city); not ingesting" in again.stdout
    assert [c["name"] for c in listed("cities")] == ["Kukës Edited"]


def test_ingest_if_empty_with_json_prints_json_alone_on_standard_output(
    tmp_path: Path, db_settings: Settings
) -> None:
    """Its notes ("... is empty; ingesting ...", "... already holds ...; not ingesting") were printed
    on standard output as plain text, before the JSON report or instead of it."""
    original = write_jsonl(tmp_path / "demo" / "cities.jsonl", [json.dumps(KUKES, ensure_ascii=False)])
    first = run("ingest", "--if-empty", "--no-index", "--json", str(original.parent))
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["accepted"] == 1
    assert "is empty; ingesting" in first.stderr
    again = run("ingest", "--if-empty", "--no-index", "--json", str(original.parent))
    assert again.exit_code == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["accepted"] == 0
    assert report["files"] == []
    assert "already holds 1 record (1 city); not ingesting" in report["not_ingested"]
    assert "already holds 1 record (1 city); not ingesting" in again.stderr


def test_a_known_field_written_with_capitals_is_warned_about_and_kept(
    tmp_path: Path, db_settings: Settings
) -> None:
    """``Population`` or ``regions served`` was kept as an extra field without a word, and the record
    stored without its population or regions."""
    provider = ACME | {"Regions Served": ["AL", "XK"], "Website": "https://acme.example"}
    path = write_jsonl(tmp_path / "providers.jsonl", [json.dumps(provider)])
    result = run("ingest", "--no-index", str(path))
    assert result.exit_code == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warned == [
        f"warning: {path}:1: provider 'acme': extra.Regions Served: is not read as 'regions_served' (field"
        " names are lower case, with _ between words); it is kept as an extra field",
        f"warning: {path}:1: provider 'acme': extra.Website: is not read as 'website' (field names are lower"
        " case, with _ between words); it is kept as an extra field",
    ]
    assert json.loads(run("show", "provider", "acme", "--json").stdout)["extra"] == {
        "Regions Served": ["AL", "XK"],
        "Website": "https://acme.example",
    }


def test_an_index_that_cannot_be_updated_says_the_records_were_stored(
    tmp_path: Path, db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ingest ended with the model's error alone, as if nothing had been stored, and the run was
    not recorded; the records were stored."""
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES), json.dumps(OSH)])
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", str(tmp_path / "no-such-model"))
    result = run("ingest", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: 2 records stored (city), but the indexes could not be brought up to date: cannot load the"
        " embedding model"
    )
    assert result.stderr.rstrip().endswith("once that is fixed, run `matchmaker index build`")
    assert {c["id"] for c in listed("cities")} == {"kukes", "osh"}


def test_show_prints_readable_fields(tmp_path: Path, db_settings: Settings) -> None:
    city = KUKES | {"priorities": ["mobility", "energy"], "maturity": {"mobility": "L1"}}
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(city, ensure_ascii=False)])
    run("ingest", "--no-index", str(path))
    result = run("show", "city", "kukes", "--confidential")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "name: Kukës" in lines
    assert "priorities: mobility, energy" in lines
    assert "maturity: mobility: L1" in lines
    assert "focal point: name: Arta Hoxha; email: arta.hoxha@example.org; phone: +355 000 000" in lines
    assert not any(mark in result.stdout for mark in ("['", "{'", "']", "'}"))


def test_ingest_of_a_missing_path_says_no_such_file(tmp_path: Path, db_settings: Settings) -> None:
    result = run("ingest", str(tmp_path / "focal_cities.jsonl"), str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'focal_cities.jsonl'}: no such file" in result.stderr
    assert f"{tmp_path / 'nothing'}: no such file" in result.stderr


def test_unknown_name_says_no_city_matches(tmp_path: Path, db_settings: Settings) -> None:
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES), json.dumps(OSH)])
    run("ingest", str(path), "--no-index")
    result = run("show", "city", "Atlantis")
    assert result.exit_code == 1
    assert "no city matches 'Atlantis'" in result.stderr
    assert "ambiguous" not in result.stderr


def test_ambiguous_name_lists_candidates_and_fails(tmp_path: Path, db_settings: Settings) -> None:
    rows = [
        {"id": "novi-pazar", "name": "Novi Pazar", "country": "RS", "summary": "s"},
        {"id": "novi-sad", "name": "Novi Sad", "country": "RS", "summary": "s"},
    ]
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(r) for r in rows])
    run("ingest", str(path))
    result = run("show", "city", "Novi")
    assert result.exit_code != 0
    assert "novi-pazar" in result.stderr
    assert "novi-sad" in result.stderr


def test_match_finds_a_city_by_a_word_and_lists_candidates_for_a_short_one(
    tmp_path: Path, db_settings: Settings
) -> None:
    cities = [
        {"id": "kosovo-polje", "name": "Fushë Kosovë", "country": "XK", "summary": "Flooded streets."},
        {"id": "kamez", "name": "Kamëz", "country": "AL", "summary": "Waste collection is late."},
        {"id": "kars", "name": "Kars", "country": "TR", "summary": "Old street lighting."},
    ]
    provider = {"id": "prov-flood", "name": "FloodCast", "country": "GB", "description": "Flood alerts."}
    write_jsonl(tmp_path / "corpus" / "cities.jsonl", [json.dumps(c, ensure_ascii=False) for c in cities])
    write_jsonl(tmp_path / "corpus" / "providers.jsonl", [json.dumps(provider)])
    assert run("ingest", str(tmp_path / "corpus")).exit_code == 0

    for query in ("kosovo", "fushe kosove"):
        found = run("match", "providers", "--city", query, "--json")
        assert found.exit_code == 0, found.stderr
        assert json.loads(found.stdout)["query"] == "kosovo-polje"
    listing = run("match", "providers", "--city", "Ka")
    assert listing.exit_code != 0
    assert "kamez (Kamëz)" in listing.stderr
    assert "kars (Kars)" in listing.stderr
    assert "kosovo-polje (Fushë Kosovë)" in run("show", "city", "Ko").stderr


@pytest.mark.slow
def test_demo_corpus_ingests_cleanly(db_settings: Settings) -> None:
    result = run("ingest", str(DEMO), "--no-index")
    assert result.exit_code == 0, result.stderr
    assert len(listed("cities")) >= 40
    assert len(listed("providers")) >= 80
    assert len(listed("cases")) >= 50


def test_the_summary_counts_rejected_records_apart_from_files_not_read(
    tmp_path: Path, db_settings: Settings
) -> None:
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES, ensure_ascii=False), "{not json"])
    result = run("ingest", "--no-index", str(path), str(tmp_path / "providers.jsonl"))
    assert result.exit_code == 2
    assert result.stdout.splitlines()[-1] == "1 record stored, 1 rejected; 1 file not read"
    nothing = run("ingest", "--no-index", str(tmp_path / "providers.jsonl"))
    assert nothing.exit_code == 1
    assert nothing.stdout.splitlines()[-1] == "0 records stored, 0 rejected; 1 file not read"


def test_a_number_too_long_to_read_rejects_its_record_alone(tmp_path: Path, db_settings: Settings) -> None:
    digits = "9" * 5000
    line = '{"id": "big", "name": "Big", "country": "AL", "summary": "s", "population": ' + digits + "}"
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES), line, json.dumps(OSH)])
    result = run("ingest", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:2: not valid JSON: a number has more than 4300 digits" in result.stderr
    assert "unexpected" not in result.output
    assert [c["id"] for c in listed("cities")] == ["kukes", "osh"]


def test_a_csv_cell_with_a_number_too_long_to_read_is_kept_as_written(
    tmp_path: Path, db_settings: Settings
) -> None:
    path = tmp_path / "cities.csv"
    cell = '"{""ministry_model"": ' + "9" * 5000 + '}"'
    rows = f"id,name,country,summary,maturity\nbig,Big,AL,Floods every spring.,{cell}\n"
    path.write_text(rows, encoding="utf-8")
    result = run("ingest", str(path))
    assert "unexpected" not in result.output
    assert result.exit_code == 0, result.output
    assert [c["id"] for c in listed("cities")] == ["big"]


def test_a_csv_cell_of_json_naming_a_key_twice_rejects_the_row_rather_than_keeping_one_value(
    tmp_path: Path, db_settings: Settings
) -> None:
    path = tmp_path / "cities.csv"
    cell = '"{""energy"": ""L2"", ""energy"": ""L4""}"'
    rows = (
        "id,name,country,summary,maturity\n"
        f"twice,Twice,AL,Floods every spring.,{cell}\n"
        'once,Once,AL,Floods every spring.,"{""energy"": ""L2""}"\n'
    )
    path.write_text(rows, encoding="utf-8")
    result = run("ingest", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:2: maturity.energy: given 2 times; give it once" in result.stderr
    assert [c["id"] for c in listed("cities")] == ["once"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('"name": "Ku\\u0000kes"', "name: contains a NUL character"),
        ('"name": "Bad", "focal_point": {"name": "A\\u0000B"}', "focal_point.name: contains a NUL character"),
        ('"name": "Bad", "festival": "\\ud800"', "festival: contains an unpaired surrogate"),
    ],
)
def test_text_no_database_can_store_rejects_its_record_alone(
    tmp_path: Path, db_settings: Settings, line: str, reason: str
) -> None:
    bad = '{"id": "bad", "country": "AL", "summary": "s", ' + line + "}"
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES), bad, json.dumps(OSH)])
    result = run("ingest", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:2: {reason}" in result.stderr
    assert [c["id"] for c in listed("cities")] == ["kukes", "osh"]


def test_a_field_named_twice_in_a_record_rejects_it_rather_than_keeping_one_value(
    tmp_path: Path, db_settings: Settings
) -> None:
    twice = (
        '{"id": "twice", "name": "One", "name": "Two", "country": "AL", "summary": "s", '
        '"focal_point": {"email": "a@one.example", "email": "b@two.example"}}'
    )
    path = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(KUKES), twice, json.dumps(OSH)])
    result = run("ingest", str(path))
    assert result.exit_code == 2, result.output
    assert (
        f"{path}:2: name: given 2 times; give it once; focal_point.email: given 2 times; give it once"
        in result.stderr
    )
    assert [c["id"] for c in listed("cities")] == ["kukes", "osh"]


def test_vocabulary_labels_no_term_matches_are_warned_about_and_kept(
    tmp_path: Path, db_settings: Settings
) -> None:
    """A priority, domain, obstacle or stage that no term of the vocabulary matches was stored and never
    matched, without a word."""
    city = KUKES | {"priorities": ["mobility", "heritage"]}
    case = {
        "id": "tuzla-led",
        "title": "LED street lighting",
        "city": "Tuzla",
        "country": "BA",
        "text": "Tuzla replaced its street lights.",
        "obstacles": ["fundingg", "zzzz"],
        "stages": ["do"],
    }
    provider = ACME | {"solutions": [{"title": "Lights", "description": "LED lights.", "domains": ["qqqq"]}]}
    cities = write_jsonl(tmp_path / "cities.jsonl", [json.dumps(city)])
    cases = write_jsonl(tmp_path / "cases.jsonl", [json.dumps(case)])
    providers = write_jsonl(tmp_path / "providers.jsonl", [json.dumps(provider)])
    result = run("ingest", str(cities), str(providers), str(cases))
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "matches nothing" in line]
    assert any(
        f"{cities}:1: city 'kukes': priorities: 'heritage' is no known domain" in line for line in warned
    ), warned
    assert any(
        f"{cases}:1: case study 'tuzla-led': obstacles: 'zzzz' is no known obstacle" in w for w in warned
    )
    assert any(f"{providers}:1: provider 'acme': solutions[0].domains: 'qqqq'" in w for w in warned), warned
    assert not any("'mobility'" in w or "'do'" in w or "'fundingg'" in w for w in warned), warned
    assert json.loads(run("show", "city", "kukes", "--json").stdout)["priorities"] == city["priorities"]


def test_a_focal_point_contact_typed_into_public_text_is_warned_about_by_field(
    tmp_path: Path, db_settings: Settings
) -> None:
    city = KUKES | {"summary": f"Floods. Write to {FOCAL['email']} or call {FOCAL['phone']}."}
    result = run("ingest", str(write_jsonl(tmp_path / "cities.jsonl", [json.dumps(city)])))
    assert result.exit_code == 0, result.output
    (warned,) = [line for line in result.stderr.splitlines() if "focal point" in line]
    assert "city 'kukes': summary: holds the focal point's email and phone" in warned
    assert FOCAL["email"] not in result.output


def test_list_and_show_redact_a_contact_typed_into_public_text_as_the_api_does(
    tmp_path: Path, db_settings: Settings
) -> None:
    """``list`` and ``show`` printed a focal point's e-mail typed into the summary as it was, while the
    API shows ``[redacted]`` to everyone but staff and the city itself."""
    city = KUKES | {"summary": f"Floods. Write to {FOCAL['email']}."}
    assert run("ingest", str(write_jsonl(tmp_path / "cities.jsonl", [json.dumps(city)]))).exit_code == 0
    for command in (
        ("list", "cities", "--json"),
        ("show", "city", "kukes", "--json"),
        ("show", "city", "kukes"),
    ):
        shown = run(*command).stdout
        assert FOCAL["email"] not in shown, command
        assert "Floods. Write to [redacted]." in shown, command
    staff = run("show", "city", "kukes", "--json", "--confidential").stdout
    assert json.loads(staff)["summary"] == city["summary"]
    listed_in_full = run("list", "cities", "--json", "--confidential").stdout
    assert json.loads(listed_in_full)["summary"] == city["summary"]


def test_an_internal_value_copied_into_public_text_is_warned_about_and_redacted_in_the_listing(
    tmp_path: Path, db_settings: Settings
) -> None:
    """A staff-only ``internal_*`` value copied into the description was stored without a word and
    printed as it was by ``list``, while the API shows it as [redacted] to everyone but staff."""
    provider = ACME | {
        "description": "LED lights; discount code ACME-4471-Q.",
        "internal_code": "ACME-4471-Q",
    }
    result = run("ingest", str(write_jsonl(tmp_path / "providers.jsonl", [json.dumps(provider)])))
    assert result.exit_code == 0, result.output
    assert (
        "provider 'acme': description: holds the value of the internal field 'internal_code'" in result.stderr
    )
    assert "ACME-4471-Q" not in result.stderr
    (listed_acme,) = listed("providers")
    assert listed_acme["description"] == "LED lights; discount code [redacted]."


def test_two_priorities_written_as_one_csv_item_are_warned_about(
    tmp_path: Path, db_settings: Settings
) -> None:
    """``mobility, energy_buildings`` in a CSV cell is one item, read as one domain: mobility was
    dropped without a word."""
    path = tmp_path / "cities.csv"
    path.write_text(
        "id,name,country,summary,priorities\n"
        'kukes,Kukës,AL,Floods every spring.,"mobility, energy_buildings"\n',
        encoding="utf-8",
    )
    result = run("ingest", str(path))
    assert result.exit_code == 0, result.output
    assert (
        f"{path}:2: city 'kukes': priorities: 'mobility, energy_buildings' names more than one domain, but is"
        " read as 'energy_buildings' alone; give each as an item of its own (separated by ';' in a CSV cell)"
    ) in result.stderr
