"""Reading and validating corpus files: every bad input gets a clear one-line reason."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from matchmaker.corpus.reader import UnreadableFileError, discover, discover_with_skips, kind_of, read_file
from matchmaker.corpus.validate import validate_record
from matchmaker.errors import RecordRejectedError

CITY = {"id": "kukes", "name": "Kukës", "country": "AL", "summary": "A mountain town with flooding."}


def _jsonl(path: Path, *records: Any) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _lines(path: Path, max_bytes: int = 1_000_000) -> list[Any]:
    _kind, lines = read_file(path, max_bytes)
    return list(lines)


def test_jsonl_lines_are_numbered_and_parsed(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "cities.jsonl", CITY, CITY | {"id": "osh", "name": "Ош", "country": "KG"})
    lines = _lines(path)
    assert [raw.line for raw in lines] == [1, 2]
    assert lines[1].record["name"] == "Ош"


def test_kind_comes_from_the_file_name(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "towns.jsonl", CITY)
    with pytest.raises(UnreadableFileError, match=r"cities\.jsonl"):
        read_file(path, 1000)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("cities.jsonl", "city"),
        ("focal_cities.jsonl", "city"),
        ("bad_cities.jsonl", "city"),
        ("cities-2027.csv", "city"),
        ("2027-providers.jsonl", "provider"),
        ("Providers.CSV", "provider"),
        ("use-cases.jsonl", "case"),
        ("cases_2026_q1.csv", "case"),
    ],
)
def test_kind_is_read_from_names_as_people_write_them(name: str, kind: str) -> None:
    assert kind_of(Path(name)) == kind


def test_a_name_with_two_kinds_or_none_is_refused_with_a_hint() -> None:
    with pytest.raises(UnreadableFileError, match="more than one record kind"):
        kind_of(Path("cities-and-providers-2027.jsonl"))
    with pytest.raises(UnreadableFileError, match="--kind"):
        kind_of(Path("towns.jsonl"))
    with pytest.raises(UnreadableFileError, match=r"\.jsonl or \.csv"):
        kind_of(Path("cities.json"))


def test_given_kind_overrides_the_file_name(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "towns.jsonl", CITY)
    kind, lines = read_file(path, 1000, "city")
    assert kind == "city"
    assert [raw.record["id"] for raw in lines if raw.record] == ["kukes"]


def test_a_missing_path_says_no_such_file(tmp_path: Path) -> None:
    for name in ("cities.jsonl", "towns.jsonl"):
        with pytest.raises(UnreadableFileError, match="no such file"):
            read_file(tmp_path / name, 1000)


def test_a_folder_lists_every_file_it_skips_and_why(tmp_path: Path) -> None:
    _jsonl(tmp_path / "focal_cities.jsonl", CITY)
    _jsonl(tmp_path / "towns.jsonl", CITY)
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    found = discover_with_skips([tmp_path])
    assert found.files == [tmp_path / "focal_cities.jsonl"]
    reasons = {s.path.name: s.reason for s in found.skipped}
    assert set(reasons) == {"towns.jsonl", "notes.txt"}
    assert "cannot tell the record kind" in reasons["towns.jsonl"]
    assert ".jsonl or .csv" in reasons["notes.txt"]
    with_kind = discover_with_skips([tmp_path], "city")
    assert {p.name for p in with_kind.files} == {"focal_cities.jsonl", "towns.jsonl"}
    assert [s.path.name for s in with_kind.skipped] == ["notes.txt"]


def test_hidden_files_and_folders_inside_a_folder_are_not_read(tmp_path: Path) -> None:
    """A corpus kept in git listed every file of its .git folder as skipped, and the ._cities.jsonl a
    Mac leaves beside a file on a USB stick was read, refused as not UTF-8 and made the ingest fail."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    cities = _jsonl(folder / "cities.jsonl", CITY)
    (folder / "._cities.jsonl").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    for n in range(50):
        (folder / ".git" / "objects" / f"{n:02d}").mkdir(parents=True)
        (folder / ".git" / "objects" / f"{n:02d}" / "abc").write_bytes(b"x")
    _jsonl(folder / ".git" / "cities.jsonl", CITY)
    found = discover_with_skips([folder])
    assert found.files == [cities]
    assert [(s.path.name, s.reason) for s in found.skipped] == [
        ("._cities.jsonl", "a hidden file; name it directly to read it"),
        (".git", "a hidden folder; name it directly to read it"),
    ]
    assert discover([folder / "._cities.jsonl"]) == [folder / "._cities.jsonl"]


def test_a_folder_that_cannot_be_listed_is_reported_not_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its files were passed over without a word, as if the folder held none."""
    folder = tmp_path / "corpus"
    (folder / "open").mkdir(parents=True)
    (folder / "locked").mkdir()
    cities = _jsonl(folder / "open" / "cities.jsonl", CITY)
    _jsonl(folder / "locked" / "cases.jsonl", {"id": "c1"})
    listing = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover_with_skips([folder])
    assert found.files == [cities]
    assert [(s.path, s.reason) for s in found.skipped] == [
        (folder / "locked", "cannot read folder: Permission denied")
    ]


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    """A folder and a file in it, or one file under two spellings: the file was read once per name,
    its records counted twice, and each warned about as given again in itself."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    cities = _jsonl(folder / "cities.jsonl", CITY)
    cases = _jsonl(folder / "cases.jsonl", {"id": "c1"})
    found = discover([folder, cities, folder / ".." / "corpus" / "cities.jsonl", cases])
    assert [path.resolve() for path in found] == [cities.resolve(), cases.resolve()]


def test_empty_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "cities.jsonl"
    path.write_bytes(b"")
    with pytest.raises(UnreadableFileError, match="empty"):
        _lines(path)


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n", b"\n" * 5000 + b"  \n" * 5000])
@pytest.mark.parametrize("name", ["cities.jsonl", "cities.csv"])
def test_a_file_of_a_byte_order_mark_or_blank_lines_alone_is_empty(
    tmp_path: Path, content: bytes, name: str
) -> None:
    """It was read as a file with nothing in it ("0 accepted, 0 rejected", exit 1 with no reason), or
    as a CSV lacking every required column."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError, match=r"^file is empty$"):
        _lines(path)


def test_utf16_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "cities.jsonl"
    path.write_bytes(json.dumps(CITY).encode("utf-16"))
    with pytest.raises(UnreadableFileError, match="UTF-8"):
        _lines(path)


def test_a_latin1_line_is_rejected_alone(tmp_path: Path) -> None:
    path = tmp_path / "cities.jsonl"
    good = json.dumps(CITY).encode() + b"\n"
    bad = '{"id": "x", "name": "Kukës"}\n'.encode("latin-1")
    path.write_bytes(good + bad + good.replace(b"kukes", b"korca"))
    lines = _lines(path)
    assert [r.line for r in lines if r.record] == [1, 3]
    assert "not valid UTF-8" in (lines[1].error or "")


def test_json_array_gets_a_conversion_hint(tmp_path: Path) -> None:
    path = tmp_path / "cities.jsonl"
    path.write_text(json.dumps([CITY, CITY], indent=1), encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="JSON array"):
        _lines(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_json_objects_written_over_several_lines_get_a_conversion_hint(tmp_path: Path, encoding: str) -> None:
    """As a JSON formatter writes them; every line was rejected as broken JSON, counted as a record."""
    path = tmp_path / "cities.jsonl"
    path.write_text(json.dumps(CITY, indent=2) + "\n" + json.dumps(CITY, indent=2), encoding=encoding)
    with pytest.raises(UnreadableFileError, match=r"over several lines.*jq -c \.\)$"):
        _lines(path)


def test_a_50_mb_line_is_rejected_without_losing_its_neighbours(tmp_path: Path) -> None:
    path = tmp_path / "cities.jsonl"
    huge = json.dumps(CITY | {"id": "huge", "summary": "x" * 50_000_000})
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(CITY) + "\n" + huge + "\n" + json.dumps(CITY | {"id": "after"}) + "\n")
    lines = _lines(path)
    assert [r.record["id"] for r in lines if r.record] == ["kukes", "after"]
    assert lines[1].line == 2
    assert "longer than" in (lines[1].error or "")


def test_a_csv_row_longer_than_the_limit_is_rejected_without_losing_its_neighbours(tmp_path: Path) -> None:
    """As a JSON line: the long row is named by its line, and the rows after it are read."""
    path = tmp_path / "cities.csv"
    path.write_text(
        "id,name,country,summary\n"
        "kukes,Kukës,AL,Flooding\n"
        f'huge,Huge,AL,"{"x" * 5_000}"\n'
        "after,After,AL,Roads\n"
        'last,Last,AL,"Two\nlines"\n',
        encoding="utf-8",
    )
    lines = _lines(path, max_bytes=1_000)
    assert [r.record["id"] for r in lines if r.record] == ["kukes", "after", "last"]
    (refused,) = [r for r in lines if r.record is None]
    assert refused.line == 3
    assert refused.error == "row is longer than 1000 bytes"


def test_broken_json_line_says_where(tmp_path: Path) -> None:
    path = tmp_path / "cities.jsonl"
    path.write_text(json.dumps(CITY) + '\n{"id": "x",\n', encoding="utf-8")
    lines = _lines(path)
    assert lines[1].record is None
    assert "not valid JSON" in (lines[1].error or "")


def test_csv_lists_use_semicolons_and_nested_columns(tmp_path: Path) -> None:
    path = tmp_path / "cities.csv"
    path.write_text(
        "id,name,country,summary,priorities,population,focal_point.email,website\n"
        'kukes,Kukës,AL,"Flooding, no data",mobility; energy_buildings,47000,a@example.org,x\n',
        encoding="utf-8",
    )
    (raw,) = _lines(path)
    assert raw.record["priorities"] == ["mobility", "energy_buildings"]
    assert validate_record("city", raw.record).population == 47000
    assert raw.record["focal_point"] == {"email": "a@example.org"}


def test_csv_nested_columns_join_the_object_column_of_the_same_name(tmp_path: Path) -> None:
    """A focal point given as an object and as ``focal_point.email`` keeps every field of both; a field
    given both ways with two values, or an object column that is not an object, is refused by line."""
    path = tmp_path / "cities.csv"
    path.write_text(
        "id,name,country,summary,focal_point,focal_point.email\n"
        'kukes,Kukës,AL,Roads,"{""name"": ""Ana"", ""phone"": ""+355 1""}",ana@example.org\n'
        'osh,Osh,KG,Roads,"{""email"": ""b@example.org""}",ana@example.org\n'
        "ub,Ub,RS,Roads,Ana,ana@example.org\n"
        'fier,Fier,AL,Roads,"{""email"": ""ana@example.org""}",ana@example.org\n',
        encoding="utf-8",
    )
    kukes, osh, ub, fier = _lines(path)
    assert kukes.record["focal_point"] == {"name": "Ana", "phone": "+355 1", "email": "ana@example.org"}
    assert (osh.line, osh.record, osh.error) == (3, None, "focal_point.email: given 2 times; give it once")
    assert ub.record is None
    assert ub.error == "focal_point: given as a column and as focal_point.* columns; give it one way"
    assert fier.record["focal_point"] == {"email": "ana@example.org"}


def test_a_csv_list_written_as_a_list_is_read_as_its_items(tmp_path: Path) -> None:
    """A JSON Lines file converted to CSV writes a list as ``["a", "b"]`` (Python tools as
    ``['a', 'b']``): its items are read, not one item holding the brackets and quotes."""
    path = tmp_path / "cities.csv"
    path.write_text(
        "id,name,country,summary,priorities,challenges\n"
        'kukes,Kukës,AL,Roads,"[""mobility"", ""energy_buildings""]","[\'floods\', \'no data; none\']"\n'
        "osh,Osh,KG,Roads,[mobility; energy_buildings],[]\n",
        encoding="utf-8",
    )
    kukes, osh = _lines(path)
    assert kukes.record["priorities"] == ["mobility", "energy_buildings"]
    assert kukes.record["challenges"] == ["floods", "no data; none"]
    # Not a list written whole: split at ";" as before, the brackets kept as typed.
    assert osh.record["priorities"] == ["[mobility", "energy_buildings]"]
    assert osh.record["challenges"] == []


@pytest.mark.parametrize("separator", [";", "\t"])
def test_csv_saved_with_semicolons_or_tabs_between_cells_is_read(tmp_path: Path, separator: str) -> None:
    """Spreadsheets in locales whose decimal mark is a comma save CSV with semicolons between cells;
    a list field is then quoted."""
    path = tmp_path / "cities.csv"
    header = separator.join(["id", "name", "country", "summary", "priorities"])
    row = separator.join(["fes", "Fès", "MA", '"Buses, trams; more."', '"mobility;energy_buildings"'])
    path.write_text(f"{header}\r\n{row}\r\n", encoding="utf-8-sig")
    (raw,) = _lines(path)
    assert raw.record["id"] == "fes"
    assert raw.record["summary"] == "Buses, trams; more."
    assert raw.record["priorities"] == ["mobility", "energy_buildings"]


@pytest.mark.parametrize("separator", [",", ";"])
def test_a_csv_saved_with_old_mac_line_ends_is_read(tmp_path: Path, separator: str) -> None:
    """A CSV whose lines end in a carriage return alone (as older Mac spreadsheets save it) is read
    row by row; it ended the ingest with "unexpected failure" and a parser message about new-lines."""
    path = tmp_path / "cities.csv"
    header = separator.join(["id", "name", "country", "summary"])
    rows = [separator.join(["fes", "Fès", "MA", "Buses."]), separator.join(["osh", "Osh", "KG", "Water."])]
    path.write_text("\r".join([header, *rows]) + "\r", encoding="utf-8", newline="")
    fes, osh = _lines(path)
    assert (fes.line, fes.record["id"], fes.record["summary"]) == (2, "fes", "Buses.")
    assert (osh.line, osh.record["id"]) == (3, "osh")


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_csv_whose_first_line_names_its_separator_is_read(tmp_path: Path, end: str) -> None:
    """A first line "sep=;" (written so that spreadsheets open the file right in any locale) was read
    as the header, and the file refused as lacking every required column."""
    path = tmp_path / "cities.csv"
    lines = ["sep=;", "id;name;country;summary", 'fes;Fès;MA;"Buses, trams; more."', "osh;Osh;KG"]
    path.write_text(end.join(lines) + end, encoding="utf-8-sig", newline="")
    fes, osh = _lines(path)
    assert (fes.line, fes.record["summary"]) == (3, "Buses, trams; more.")
    assert (osh.line, osh.record) == (4, {"id": "osh", "name": "Osh", "country": "KG"})


def test_a_csv_cell_whose_quote_is_never_closed_rejects_its_row_and_says_so(tmp_path: Path) -> None:
    """The cell took every line after it: the record was stored with the next rows in its summary,
    and those rows were lost without a word (exit 0)."""
    path = tmp_path / "cities.csv"
    path.write_text(
        'id,name,country,summary\nfes,Fès,MA,"Buses, ""trams""."\nq1,K,AL,"Floods in the valley\n'
        "q2,K2,AL,Water leaks\nq3,K3,AL,Roads are bad\n",
        encoding="utf-8",
    )
    fes, q1 = _lines(path)
    assert fes.record["summary"] == 'Buses, "trams".'
    assert (q1.line, q1.record) == (3, None)
    assert q1.error.startswith('a cell opened with " on this line is never closed')
    # Left open on the last line, it takes no other line: read as before.
    path.write_text('id,name,country,summary\nq1,K,AL,Floods\nq2,K2,AL,"Water leaks\n', encoding="utf-8")
    assert [raw.record["summary"] for raw in _lines(path)] == ["Floods", "Water leaks"]
    # A quote inside an unquoted cell (an inch mark) is text, as before.
    path.write_text('id,name,country,summary\nq1,K,AL,5" screens\nq2,K2,AL,Water\n', encoding="utf-8")
    assert [raw.record["summary"] for raw in _lines(path)] == ['5" screens', "Water"]


def test_a_csv_of_a_header_alone_says_it_holds_no_records(tmp_path: Path) -> None:
    """Not "nothing could be read" without a file or a reason: the file is named with what it lacks."""
    path = tmp_path / "cities.csv"
    path.write_text("id,name,country,summary\n\n\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match=r"^the file has a header row but no records$"):
        _lines(path)


def test_a_csv_value_under_a_column_without_a_name_is_refused_not_kept_unnamed(tmp_path: Path) -> None:
    """A trailing separator in the header is harmless while its cells are empty; a value under it was
    stored as a field with no name."""
    path = tmp_path / "cities.csv"
    path.write_text(
        "id,name,country,summary,\nkukes,Kukës,AL,Roads,\nosh,Osh,KG,Roads,Budget 2027\n", encoding="utf-8"
    )
    kukes, osh = _lines(path)
    assert kukes.record is not None
    assert "" not in kukes.record
    assert (osh.line, osh.record) == (3, None)
    assert (
        osh.error == "a value is given in column 5, which the header leaves without a name; name that column"
    )


def test_csv_values_under_two_columns_without_a_name_are_each_reported(tmp_path: Path) -> None:
    """Under one shared empty name a row kept the last cell only: the value in the earlier column was
    lost without a word."""
    path = tmp_path / "cities.csv"
    path.write_text(
        "id,,name,country,summary,\nkukes,Budget 2027,Kukës,AL,Roads,\nosh,Budget 2026,Osh,KG,Roads,Floods\n",
        encoding="utf-8",
    )
    kukes, osh = _lines(path)
    assert kukes.error == (
        "a value is given in column 2, which the header leaves without a name; name that column"
    )
    assert osh.error == (
        "values are given in columns 2 and 6, which the header leaves without a name; name those columns"
    )


@pytest.mark.parametrize("population", ["47,000", "47 000", "47.000", "47000"])
def test_a_population_gets_the_same_answer_in_csv_and_jsonl(tmp_path: Path, population: str) -> None:
    """A CSV "47,000" was stored as 47000 while JSON Lines refused it, and "47.000" became 47 in both."""
    csv_path = tmp_path / "cities.csv"
    csv_path.write_text(f'id,name,country,summary,population\nkukes,Kukës,AL,Roads,"{population}"\n', "utf-8")
    answers = []
    for path in (csv_path, _jsonl(tmp_path / "more-cities.jsonl", CITY | {"population": population})):
        (raw,) = _lines(path)
        try:
            answers.append(validate_record("city", raw.record).population)
        except RecordRejectedError as exc:
            answers.append(exc.message)
    assert answers[0] == answers[1]
    if population == "47000":
        assert answers[0] == 47000
    else:
        assert answers[0] == f"population: must be a whole number such as 10 (got '{population}')"


def test_csv_missing_required_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "providers.csv"
    path.write_text("id,name,country\nacme,Acme,TR\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="description"):
        _lines(path)


def test_required_names_written_with_capitals_are_named_in_the_refusal(tmp_path: Path) -> None:
    """The refusal said the CSV lacked id, name, country and summary, of a header that has them all
    (``ID,Name,Country,Summary``), and a record lacked the fields it gives as ``Name``."""
    path = tmp_path / "cities.csv"
    path.write_text("ID,Name,country,Summary\nkukes,Kukës,AL,Floods.\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError) as refused:
        _lines(path)
    assert refused.value.message == (
        "CSV lacks required columns: id, name, summary (given as 'ID', 'Name', 'Summary': column names are"
        " lower case, with _ between words)"
    )
    with pytest.raises(RecordRejectedError) as rejected:
        validate_record("city", {"id": "kukes", "Name": "Kukës", "country": "AL", "summary": "Floods."})
    assert rejected.value.message == (
        "missing required field: name (given as 'Name': field names are lower case, with _ between words)"
    )


def test_discover_orders_cities_providers_cases(tmp_path: Path) -> None:
    for name in ("cases.jsonl", "providers.csv", "cities.jsonl", "notes.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in discover([tmp_path])] == ["cities.jsonl", "providers.csv", "cases.jsonl"]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"id": "has space", "name": "A", "country": "AL", "summary": "s"}, "id"),
        ({"id": "a/b", "name": "A", "country": "AL", "summary": "s"}, "id"),
        ({"id": "a", "name": "A", "country": "Albania", "summary": "s"}, "country"),
        ({"id": "a", "name": "A", "country": "AL"}, "summary"),
        ({"id": "a", "name": "A", "country": "AL", "summary": "s", "language": "xx"}, "language"),
        ({"id": "a", "name": "A", "country": "AL", "summary": "s", "population": "many"}, "population"),
        ({"id": "a", "name": "A", "country": "AL", "summary": "s" * 20_001}, "summary"),
        ({"id": 7, "name": "A", "country": "AL", "summary": "s"}, "id"),
    ],
)
def test_invalid_records_are_rejected_with_the_field_named(record: dict[str, Any], reason: str) -> None:
    with pytest.raises(RecordRejectedError) as info:
        validate_record("city", record)
    assert reason in info.value.message
    assert "\n" not in info.value.message


def test_a_field_of_another_kind_is_kept_as_unknown_whatever_it_holds() -> None:
    """A provider's "city" (its head office, as an object or null) or a city's "title" was refused
    as "must be a string", though unknown fields are kept."""
    provider = {"id": "acme", "name": "Acme", "country": "TR", "description": "GIS."}
    office = {"name": "Istanbul", "district": "Kadıköy"}
    kept = validate_record("provider", provider | {"city": office, "title": None})
    assert kept.extra == {"city": office, "title": None}
    city = validate_record("city", CITY | {"title": ["Mayor"], "city": 7})
    assert city.extra == {"title": ["Mayor"], "city": 7}
    with pytest.raises(RecordRejectedError, match=r"^city: must be a string, got int$"):
        validate_record("case", {"id": "c1", "title": "T", "city": 7, "country": "AL", "text": "x"})


def test_kosovo_and_unknown_fields_are_accepted() -> None:
    record = validate_record("city", {**CITY, "country": "xk", "mayor_party": "independent"})
    assert record.country == "XK"
    assert record.extra == {"mayor_party": "independent"}


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({**CITY, "extra": "founded 1920"}, "extra"),
        ({**CITY, "focal_point": {"name": "Ana", "extra": ["+355 69 000 1111"]}}, "focal_point.extra"),
    ],
)
def test_an_extra_that_is_not_an_object_is_refused_not_dropped(record: dict[str, Any], field: str) -> None:
    with pytest.raises(RecordRejectedError) as info:
        validate_record("city", record)
    assert info.value.message.startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({**CITY, "extra": {"budget": "1 M EUR"}, "budget": "2 M EUR"}, "budget"),
        (
            {**CITY, "focal_point": {"name": "Ana", "extra": {"mobile": "+355 1"}, "mobile": "+355 2"}},
            "focal_point.mobile",
        ),
    ],
)
def test_a_field_given_both_in_extra_and_beside_it_is_refused_not_overwritten(
    record: dict[str, Any], field: str
) -> None:
    """An unknown field is kept in ``extra``; one given there and again beside it with another value
    would keep one of the two and drop the other without a word, so the record is refused."""
    with pytest.raises(RecordRejectedError) as info:
        validate_record("city", record)
    assert info.value.message.startswith(f"{field}: given twice"), info.value.message


def test_a_field_given_both_in_extra_and_beside_it_with_one_value_is_kept() -> None:
    record = validate_record("city", {**CITY, "extra": {"budget": "1 M EUR"}, "budget": "1 M EUR"})
    assert record.extra["budget"] == "1 M EUR"


@pytest.mark.parametrize("kind", ["city", "provider", "case"])
def test_a_country_written_as_a_name_is_refused_as_not_a_country_code(kind: str) -> None:
    """A record with ``"country": "Albania"`` was refused with "country: must be at most 2 characters";
    the reason now says the value is not a country code."""
    base = {
        "city": CITY,
        "provider": {"id": "p1", "name": "P", "country": "AL", "description": "Street naming."},
        "case": {"id": "c1", "title": "T", "city": "Kukës", "country": "AL", "text": "It worked."},
    }[kind]
    with pytest.raises(RecordRejectedError) as info:
        validate_record(kind, {**base, "country": "Albania"})  # type: ignore[arg-type]
    assert info.value.message.startswith("country: country 'Albania' is not an ISO 3166-1 alpha-2 code")


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Albania", "AL"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("ALB", "AL"),
        ("UK", "GB"),
        ("EL", "GR"),
        ("Kosovo", "XK"),
    ],
)
def test_a_country_written_otherwise_is_refused_with_the_code_to_give(written: str, code: str) -> None:
    """The refusal said the value was no code, and left people to find the code themselves."""
    with pytest.raises(RecordRejectedError) as info:
        validate_record("city", {**CITY, "country": written})
    assert (
        info.value.message == f"country: country {written!r} is not an ISO 3166-1 alpha-2 code; give {code}"
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("id,name,country", "CSV lacks required column: description"),
        ("id,name", "CSV lacks required columns: country, description"),
    ],
)
def test_csv_missing_required_columns_are_counted_right(tmp_path: Path, header: str, expected: str) -> None:
    path = tmp_path / "providers.csv"
    path.write_text(f"{header}\nacme,Acme,TR\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError) as info:
        _lines(path)
    assert info.value.message == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"id": "a", "name": "A", "country": "AL"}, "missing required field: summary"),
        ({"id": "a", "name": "A"}, "missing required fields: country, summary"),
    ],
)
def test_missing_required_fields_are_counted_right(record: dict[str, Any], expected: str) -> None:
    with pytest.raises(RecordRejectedError) as info:
        validate_record("city", record)
    assert info.value.message == expected


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (CITY | {"": "Budget 2027"}, "a value is given under a field with no name; name that field"),
        (
            CITY | {"extra": {" ": "Budget 2027"}},
            "a value is given under a field with no name; name that field",
        ),
        (
            CITY | {"focal_point": {"name": "Ana", "": "+355 69 000 1111"}},
            "focal_point: a value is given under a field with no name; name that field",
        ),
    ],
)
def test_a_jsonl_value_under_a_field_with_no_name_is_refused_as_in_csv(
    record: dict[str, Any], reason: str
) -> None:
    """A CSV value under a column without a name is refused; in JSON Lines it was kept as a field named ""."""
    with pytest.raises(RecordRejectedError) as info:
        validate_record("city", record)
    assert info.value.message == reason
