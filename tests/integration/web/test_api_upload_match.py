"""Corpus upload with per-record reports, and the match queries: CLI JSON, pagination, exclusions."""

from __future__ import annotations

import json

import pytest
from litestar.testing import TestClient
from web_support import CITY_ID, PROVIDER_ID, SharedApp, Tokens

from form_support import MULTIPART, many_headers, many_parts
from matchmaker.services.matching import Matcher


@pytest.fixture
def api(shared_app: SharedApp) -> TestClient:  # type: ignore[type-arg]
    """This module's tests share one app (see ``shared_app``)."""
    return shared_app.client


@pytest.fixture
def tokens(shared_app: SharedApp) -> Tokens:
    """Tokens of the shared app."""
    return shared_app.tokens


def _upload(api: TestClient, tokens: Tokens, *files: tuple[str, bytes]) -> object:  # type: ignore[type-arg]
    return api.post(
        "/api/v1/corpus",
        files=[("files", (name, content, "application/octet-stream")) for name, content in files],
        headers=tokens.of("staff"),
    )


def test_upload_reports_each_rejected_record_and_stores_the_rest(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    lines = [
        {
            "id": "up-1",
            "name": "Uplink",
            "country": "TR",
            "description": "Fibre backhaul for municipalities.",
        },
        {"id": "up-2", "name": "Broken", "country": "Narnia", "description": "x"},
        {"id": "up-3", "name": "Gridco", "country": "TR", "description": "Smart meters.", "founded": 2001},
    ]
    content = "\n".join(json.dumps(line) for line in lines).encode() + b"\n{not json\n"
    csv = (
        b"id,title,city,country,text,obstacles\n"
        b"case-up,Bins,Kadikoy,TR,Smart bins cut trips,funding;procurement\n"
    )
    r = _upload(api, tokens, ("providers.jsonl", content), ("cases.csv", csv))
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    report = r.json()  # type: ignore[attr-defined]
    assert report["status"] == "partial"
    assert report["accepted"] == 3
    assert len(report["rejected"]) == 2
    assert report["rejected"][0].startswith("providers.jsonl:2: ")
    assert "country" in report["rejected"][0]
    assert report["rejected"][1].startswith("providers.jsonl:4: ")
    assert {f["path"] for f in report["files"]} == {"providers.jsonl", "cases.csv"}
    staff = tokens.of("staff")
    kept = api.get("/api/v1/providers/up-3", headers=staff).json()
    assert kept["extra"] == {"founded": 2001}
    assert api.get("/api/v1/cases/case-up", headers=staff).json()["obstacles"] == ["funding", "procurement"]
    # The index was refreshed: the new provider can be suggested.
    ranking = api.get(f"/api/v1/match/providers?city={CITY_ID}&top=200", headers=staff).json()
    assert "up-1" in {item["id"] for item in ranking["results"]}


def test_upload_refuses_what_it_cannot_read(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    r = _upload(api, tokens, ("notes.txt", b"hello"))
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "cities.jsonl" in r.json()["detail"]  # type: ignore[attr-defined]
    r = _upload(api, tokens, ("towns.jsonl", b"{}\n"))
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "end the name in cities, providers or cases" in r.json()["detail"]  # type: ignore[attr-defined]
    assert "--kind" not in r.json()["detail"]  # type: ignore[attr-defined]
    r = _upload(api, tokens, ("cities.jsonl", b"{broken\n"))
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "cities.jsonl:1" in r.json()["detail"]  # type: ignore[attr-defined]
    r = api.post("/api/v1/corpus", json={"files": []}, headers=tokens.of("staff"))
    assert 400 <= r.status_code < 500


def test_a_refused_file_name_in_an_upload_of_several_files_is_named(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    city = b'{"id": "named-1", "name": "Named", "country": "KG", "summary": "A town."}\n'
    for name, reason in (
        ("cities2.jsonl", "cannot tell the record kind from the file name"),
        ("notes.txt", "not a corpus file"),
        ("cities-providers-2027.csv", "the file name names more than one record kind"),
    ):
        r = _upload(api, tokens, ("cities.jsonl", city), (name, b"{}\n"))
        assert r.status_code == 422, r.text  # type: ignore[attr-defined]
        assert r.json()["detail"].startswith(f"{name}: {reason}"), r.json()  # type: ignore[attr-defined]
    assert api.get("/api/v1/cities/named-1", headers=tokens.of("staff")).status_code == 404, "nothing stored"


def test_a_part_of_an_upload_not_named_files_is_refused_not_ignored(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    """A file sent under another part name (``file``, as the console's form names it) was dropped
    without a word while the files beside it were stored; nothing is stored and the part is named."""
    city = b'{"id": "parted-1", "name": "Parted", "country": "KG", "summary": "A town."}\n'
    other = b'{"id": "parted-2", "name": "Other", "country": "KG", "summary": "A town."}\n'
    r = api.post(
        "/api/v1/corpus",
        files=[
            ("files", ("cities.jsonl", city, "application/octet-stream")),
            ("file", ("more-cities.jsonl", other, "application/octet-stream")),
        ],
        headers=tokens.of("staff"),
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "the upload has a part named 'file'; send every file as a `files` part"
    assert api.get("/api/v1/cities/parted-1", headers=tokens.of("staff")).status_code == 404


def test_a_files_part_of_text_is_refused_as_not_a_file(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    """``-F files=cities.jsonl`` (the name, not the file) was refused in the reader's words,
    "Unsupported type: <class 'str'>"."""
    r = api.post("/api/v1/corpus", files=[("files", (None, "cities.jsonl"))], headers=tokens.of("staff"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "files[0]: must be a file, not text (attach it: -F files=@cities.jsonl)"


def test_match_json_is_the_cli_json_plus_pagination(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    shared_app: SharedApp,
) -> None:
    # The service over the same instance the API serves (earlier tests of this module upload records).
    shared = shared_app.services
    matcher = Matcher(shared.settings, shared.database, shared.indexes)
    expected = matcher.providers_for_city(CITY_ID, top=12).model_dump(mode="json")
    staff = tokens.of("staff")
    whole = api.get(f"/api/v1/match/providers?city={CITY_ID}&top=12", headers=staff).json()
    assert whole["query"] == expected["query"]
    assert whole["results"] == expected["results"]
    assert whole["offset"] == 0
    assert whole["top"] == 12
    assert whole["has_more"] is True
    pages = [
        api.get(f"/api/v1/match/providers?city={CITY_ID}&top=5&offset={offset}", headers=staff).json()
        for offset in (0, 5, 10)
    ]
    joined = [item for page in pages for item in page["results"]][:12]
    assert [i["id"] for i in joined] == [i["id"] for i in expected["results"]]
    scores = [i["score"] for i in whole["results"]]
    assert scores == sorted(scores, reverse=True)


def test_names_resolve_and_a_query_never_returns_itself(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    by_name = api.get("/api/v1/match/cities?city=Kukes&top=200", headers=staff).json()
    assert by_name["query"] == CITY_ID
    assert CITY_ID not in {item["id"] for item in by_name["results"]}
    everything = api.get(f"/api/v1/match/cities?provider={PROVIDER_ID}&top=200", headers=staff).json()
    assert everything["has_more"] is False
    assert len(everything["results"]) == 45
    r = api.get(f"/api/v1/match/cities?city={CITY_ID}&provider={PROVIDER_ID}", headers=staff)
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("name", "city_id"),
    [
        ("Худжанд", "khujand"),
        ("Гянджа", "ganja"),
        ("Кахул", "cahul"),
        ("Գյումրի", "gyumri"),
        ("Нөкис", "nukus"),
    ],
)
def test_a_city_named_in_its_own_script_or_romanisation_is_matched(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    name: str,
    city_id: str,
) -> None:
    answer = api.get("/api/v1/match/providers", params={"city": name, "top": 3}, headers=tokens.of("staff"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["query"] == city_id


def test_index_status_and_rebuild(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    status = api.get("/api/v1/indexes", headers=staff).json()
    assert {k["kind"]: k["stale"] for k in status["kinds"]} == {
        "city": False,
        "provider": False,
        "case": False,
    }
    rebuilt = api.post("/api/v1/indexes/rebuild", headers=staff).json()
    assert {k["kind"] for k in rebuilt["kinds"]} == {"city", "provider", "case"}
    assert api.get("/ready").status_code == 200
    assert api.get(f"/api/v1/match/cases?city={CITY_ID}&top=3", headers=staff).status_code == 200


def test_rate_limit_on_expensive_endpoints(shared_app: SharedApp, tokens: Tokens) -> None:
    from matchmaker.web import create_app

    settings = shared_app.settings.model_copy(update={"rate_limit_per_minute": 3})
    with TestClient(create_app(settings)) as client:
        city = tokens.of("city")
        codes = [client.get("/api/v1/search/cases?q=lighting", headers=city).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        limited = client.get("/api/v1/search/cases?q=lighting", headers=city)
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.headers["content-type"].startswith("application/problem+json")
        # Cheap reads and other callers are not limited.
        assert client.get("/api/v1/cities", headers=city).status_code == 200
        assert client.get("/api/v1/search/cases?q=lighting", headers=tokens.of("staff")).status_code == 200


def test_a_csv_naming_a_column_twice_is_refused_not_half_read(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    """Two cells under one column name kept only the last and dropped the other without a word; the
    file is refused with the column named."""
    content = "id,name,country,summary, summary\ntwice,Twice,AL,Floods every spring.,Roads are poor.\n"
    r = _upload(api, tokens, ("cities.csv", content.encode()))
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    assert "cities.csv: the header names the column 'summary' twice" in r.json()["detail"]  # type: ignore[attr-defined]
    assert api.get("/api/v1/cities/twice", headers=tokens.of("staff")).status_code == 404


@pytest.mark.parametrize(
    ("name", "measured"),
    [
        ("a" * 300 + "-cities.jsonl", "313 characters"),
        ("ü" * 200 + "-cities.jsonl", "213 characters, 413 bytes"),
    ],
)
def test_a_file_name_too_long_to_save_is_refused_with_the_limit(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    name: str,
    measured: str,
) -> None:
    r = _upload(api, tokens, (name, b'{"id": "long-name", "name": "X", "country": "KG", "summary": "s"}\n'))
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    assert r.json()["detail"] == (  # type: ignore[attr-defined]
        f"the file name is too long ({measured}); the limit is 255 bytes (255 plain letters and digits;"
        " an accented or non-Latin letter takes 2 to 4 of them); rename the file"
    )
    assert api.get("/api/v1/cities/long-name", headers=tokens.of("staff")).status_code == 404


def test_a_file_name_longer_than_the_form_reader_takes_is_named_as_such(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
) -> None:
    r = _upload(api, tokens, ("a" * 5000 + "-cities.jsonl", b'{"id": "x", "name": "X", "country": "KG"}\n'))
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    assert r.json()["detail"] == (  # type: ignore[attr-defined]
        "the file name is too long; the limit is 255 bytes (255 plain letters and digits;"
        " an accented or non-Latin letter takes 2 to 4 of them); rename the file"
    )
    assert "Entity" not in r.text  # type: ignore[attr-defined]


def test_a_form_of_more_parts_than_the_form_reader_takes_is_refused_with_the_limit(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
) -> None:
    r = api.post("/api/v1/corpus", content=many_parts(1001), headers={**tokens.of("staff"), **MULTIPART})
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "the form has more than 1,000 parts (fields and files); the limit is 1,000"
    assert "Entity" not in r.text


def test_a_form_part_with_more_headers_than_the_form_reader_takes_is_refused_with_the_limit(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
) -> None:
    r = api.post("/api/v1/corpus", content=many_headers(9), headers={**tokens.of("staff"), **MULTIPART})
    assert r.status_code == 413, r.text
    assert r.json()["detail"] == "a part of the form has more than 8 headers; the limit is 8"
    assert "Entity" not in r.text
