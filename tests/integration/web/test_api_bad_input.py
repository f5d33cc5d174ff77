"""Bad input of every kind gets a 4xx problem-details answer with a clear message, never a 500."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import TestClient
from web_support import CASE_ID, CITY_ID, PROVIDER_ID, SharedApp, Tokens

from matchmaker.web import create_app

UNICODE_EDGES = [
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff lone",
    "\u202e\u202dRTL override",
    "\ufeffBOM",
    "e\u0301\u0301\u0301",  # stacked combining marks
    "🏙️👩‍👩‍👧‍👦",
    "\u0000\u0001\u001f\u007f",
    "x" * 5000,
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "İstanbul ǅ ß ﬁ",
]


@pytest.fixture
def api(shared_app: SharedApp) -> TestClient:  # type: ignore[type-arg]
    """This module's tests share one app (see ``shared_app``)."""
    return shared_app.client


@pytest.fixture
def tokens(shared_app: SharedApp) -> Tokens:
    """Tokens of the shared app."""
    return shared_app.tokens


def _is_problem(response: Any) -> None:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert body["status"] == response.status_code
    assert isinstance(body["detail"], str)
    assert body["detail"]


def test_malformed_json_is_400(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    for raw in (b"{bad", b"", b"[1,2", b"\xff\xfe", b'{"id": "x",}', b"null", b"42"):
        r = api.post(
            "/api/v1/cities", content=raw, headers={**tokens.of("staff"), "content-type": "application/json"}
        )
        assert 400 <= r.status_code < 500, (raw, r.status_code, r.text)
        _is_problem(r)


def test_wrong_types_are_4xx_with_the_field_named(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    bodies: list[Any] = [
        {"id": "x1", "name": 3, "country": "AL", "summary": "s"},
        {"id": "x2", "name": "X", "country": "ZZ", "summary": "s"},
        {"id": "x3", "name": "X", "country": "AL", "summary": "s", "population": "many"},
        {"id": "x4", "name": "X", "country": "AL", "summary": "s", "population": -5},
        {"id": "bad id/", "name": "X", "country": "AL", "summary": "s"},
        {"id": "x5", "name": "X", "country": "AL", "summary": "s", "unknown_field": 1},
        {"id": "x6", "name": "X", "country": "AL", "summary": "s", "focal_point": {"email": "not-an-email"}},
        {"id": "x7", "name": "X", "country": "AL", "summary": "   "},
        {"id": "x8", "name": "X", "country": "AL", "summary": "s", "priorities": "energy"},
        ["not", "an", "object"],
    ]
    for body in bodies:
        r = api.post("/api/v1/cities", json=body, headers=tokens.of("staff"))
        assert r.status_code in (400, 422), (body, r.status_code, r.text)
        _is_problem(r)
    r = api.post("/api/v1/cities", json=bodies[1], headers=tokens.of("staff"))
    assert "country" in r.json()["detail"]


def test_patch_that_breaks_a_rule_is_422_and_changes_nothing(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    before = api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("staff")).json()
    for change in (
        {"name": None},
        {"country": "Atlantis"},
        {"summary": ""},
        {"programme_level": 9},
        {"id": "new"},
    ):
        r = api.patch(f"/api/v1/cities/{CITY_ID}", json=change, headers=tokens.of("staff"))
        assert r.status_code in (400, 422), (change, r.text)
        _is_problem(r)
    after = api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("staff")).json()
    assert after == before


def test_unknown_ids_are_404(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    for path in ("/api/v1/cities/nowhere", "/api/v1/providers/nobody", "/api/v1/cases/nothing"):
        r = api.get(path, headers=staff)
        assert r.status_code == 404
        _is_problem(r)
        assert api.patch(path, json={}, headers=staff).status_code == 404
        assert api.delete(path, headers=staff).status_code == 404
    r = api.get("/api/v1/match/providers?city=zzzzqqqq", headers=staff)
    assert r.status_code == 404
    _is_problem(r)
    assert api.get("/api/v1/no/such/route", headers=staff).status_code == 404


def test_duplicate_create_is_409(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    body = {"id": CITY_ID, "name": "Again", "country": "AL", "summary": "s"}
    r = api.post("/api/v1/cities", json=body, headers=tokens.of("staff"))
    assert r.status_code == 409
    _is_problem(r)


def test_oversize_json_body_is_413(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    big = {"id": "big", "name": "Big", "country": "AL", "summary": "x" * 1_200_000}
    r = api.post("/api/v1/cities", json=big, headers=tokens.of("staff"))
    assert r.status_code == 413
    _is_problem(r)
    assert r.json()["detail"] == "the request body is 1.2 MB; the limit is 1 MB"
    # The OpenAPI document shows the same words a client gets.
    schema = api.get("/schema/openapi.json").json()
    example = schema["paths"]["/api/v1/cities"]["post"]["responses"]["413"]["content"]
    shown = next(iter(example["application/problem+json"]["examples"].values()))["value"]["detail"]
    assert shown == r.json()["detail"]


def test_oversize_upload_is_413(shared_app: SharedApp, tokens: Tokens) -> None:
    settings = shared_app.settings.model_copy(update={"max_upload_bytes": 2_000})
    line = json.dumps({"id": "p", "name": "P", "country": "TR", "description": "d" * 500}) + "\n"
    with TestClient(create_app(settings)) as client:
        r = client.post(
            "/api/v1/corpus",
            files={"files": ("providers.jsonl", (line * 10).encode(), "application/jsonl")},
            headers=tokens.of("staff"),
        )
    assert r.status_code == 413, r.text
    _is_problem(r)
    detail = r.json()["detail"]
    assert re.fullmatch(r"the upload is [\d.]+ KB; the limit is 2 KB", detail), "as the console's page says"


@pytest.mark.parametrize("top", ["0", "-1", "201", "1000000000", "99999999999999999999999", "abc", "1.5", ""])
def test_absurd_top_is_4xx(api: TestClient, tokens: Tokens, top: str) -> None:  # type: ignore[type-arg]
    for path in (
        f"/api/v1/match/providers?city={CITY_ID}&top={top}",
        f"/api/v1/match/cities?city={CITY_ID}&top={top}",
        f"/api/v1/match/cases?city={CITY_ID}&top={top}",
        f"/api/v1/search/cases?q=lighting&top={top}",
        f"/api/v1/cities?limit={top}",
    ):
        if top == "201" and "limit=" in path:
            continue  # a page of 201 records is fine; 201 is only over the ranking limit (max_top)
        r = api.get(path, headers=tokens.of("staff"))
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
        _is_problem(r)


def test_absurd_offset_is_4xx(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    for offset in ("-1", "10000000", "x"):
        r = api.get(f"/api/v1/match/providers?city={CITY_ID}&offset={offset}", headers=tokens.of("staff"))
        assert 400 <= r.status_code < 500, r.text


@pytest.mark.parametrize("text", UNICODE_EDGES, ids=range(len(UNICODE_EDGES)))
def test_unicode_edges_in_paths_and_queries(api: TestClient, tokens: Tokens, text: str) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    q = quote(text.encode("utf-8", "surrogatepass"), safe="")
    for path in (
        f"/api/v1/cities/{q}",
        f"/api/v1/providers/{q}",
        f"/api/v1/cases/{q}",
        f"/api/v1/search/cases?q={q}",
        f"/api/v1/match/providers?city={q}",
        f"/api/v1/match/cities?provider={q}",
    ):
        r = api.get(path, headers=staff)
        assert r.status_code < 500, (path, r.status_code, r.text)
        if r.status_code >= 400:
            _is_problem(r)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/match/providers?city=ku%00kes", "city"),
        ("/api/v1/match/cities?city=%00", "city"),
        ("/api/v1/match/cases?city=ku%00kes", "city"),
        ("/api/v1/match/cities?provider=prov%00", "provider"),
    ],
)
def test_a_name_no_record_can_have_is_refused_naming_its_parameter(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    path: str,
    field: str,
) -> None:
    """A NUL in ``?city=`` is named as the caller's mistake, not sent to the database to be refused
    there (which answered that "a value in the request" cannot be stored, and logged a traceback)."""
    r = api.get(path, headers=tokens.of("staff"))
    assert r.status_code == 422, r.text
    _is_problem(r)
    assert r.json()["detail"].startswith(f"{field}: contains a"), r.text


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/events/ws%00x", "event_id"),
        ("/api/v1/events/ws%00x/agenda/kukes", "event_id"),
        ("/api/v1/events/ws%00x/feedback", "event_id"),
        ("/api/v1/events/ws%00x/statistics", "event_id"),
        ("/api/v1/events/ws1/agenda/ku%00kes", "participant_id"),
        ("/api/v1/events/ws1/agenda/ku%00kes/ics", "participant_id"),
    ],
)
def test_an_event_or_participant_id_no_event_can_have_is_refused_naming_it(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    path: str,
    name: str,
) -> None:
    """A NUL in an event's or participant's id reached the database, which answered that "a value in
    the request cannot be stored" (422) and logged a traceback; or it was read past (404 for the
    event)."""
    r = api.get(path, headers=tokens.of("staff"))
    assert r.status_code == 400, r.text
    _is_problem(r)
    assert name in r.json()["detail"], r.text
    assert "cannot be stored" not in r.text


def test_unicode_edges_in_bodies(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    # One test for every text, so the index is refreshed by the writes but the matching engine is not
    # rebuilt between them (no query runs here).
    staff = {**tokens.of("staff"), "content-type": "application/json"}
    for text in UNICODE_EDGES:
        body = {"id": "uni", "name": text, "country": "AL", "summary": text, "challenges": [text]}
        r = api.post("/api/v1/cities", content=json.dumps(body).encode(), headers=staff)
        assert r.status_code < 500, (text, r.text)
        if r.status_code == 201:
            assert api.delete("/api/v1/cities/uni", headers=staff).status_code == 204
        else:
            _is_problem(r)
        r = api.patch(
            f"/api/v1/cities/{CITY_ID}", content=json.dumps({"summary": text}).encode(), headers=staff
        )
        assert r.status_code < 500, (text, r.text)


def test_bad_tokens_are_401(api: TestClient) -> None:  # type: ignore[type-arg]
    for header in (
        "Bearer",
        "Bearer ",
        "Basic abc",
        "Bearer mm_" + "x" * 400,
        "Bearer \u00e9\u00e9".encode("latin-1"),
        "Token x",
    ):
        r = api.get("/api/v1/me", headers={"Authorization": header})
        assert r.status_code == 401, (header, r.text)
        _is_problem(r)
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_wrong_method_is_405(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    r = api.put("/api/v1/cities", json={}, headers=tokens.of("staff"))
    assert r.status_code == 405
    _is_problem(r)


def test_a_refused_body_names_the_field_and_the_rule_in_plain_words(shared_app: SharedApp) -> None:
    api, tokens = shared_app.client, shared_app.tokens
    city = {"id": "plain-words", "name": "Plain", "country": "ZZ", "summary": " "}
    r = api.post("/api/v1/cities", json=city, headers=tokens.of("staff"))
    _is_problem(r)
    problem = r.json()
    assert "country: country 'ZZ' is not an ISO 3166-1 alpha-2 code" in problem["detail"]
    assert "summary: summary must not be empty" in problem["detail"]
    assert "Value error" not in r.text
    assert {e["key"]: e["message"] for e in problem["errors"]}["country"].startswith("country 'ZZ'")


@pytest.mark.parametrize(
    ("plural", "record_id", "body"),
    [
        ("cities", CITY_ID, {"id": "new-city", "name": "New", "summary": "s"}),
        ("providers", PROVIDER_ID, {"id": "new-provider", "name": "New", "description": "d"}),
        ("cases", CASE_ID, {"id": "new-case", "title": "New", "city": "Somewhere", "text": "t"}),
    ],
)
def test_a_value_that_breaks_a_rule_is_422_whether_created_or_changed(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    plural: str,
    record_id: str,
    body: dict[str, Any],
) -> None:
    """api/README.md: a value that breaks a rule is a 422 listing the field, on POST as on PATCH."""
    staff = tokens.of("staff")
    answers = {
        "create": api.post(f"/api/v1/{plural}", json={**body, "country": "ZZ"}, headers=staff),
        "change": api.patch(f"/api/v1/{plural}/{record_id}", json={"country": "ZZ"}, headers=staff),
    }
    for what, r in answers.items():
        assert r.status_code == 422, (what, r.text)
        _is_problem(r)
        problem = r.json()
        assert problem["title"] == "Invalid input"
        assert [e["key"] for e in problem["errors"]] == ["country"], (what, problem)
        assert "country 'ZZ' is not an ISO 3166-1 alpha-2 code" in problem["detail"]
    assert answers["create"].json()["detail"] == answers["change"].json()["detail"]
    wrong_type = api.post(f"/api/v1/{plural}", json={**body, "country": "AL", "id": 3}, headers=staff)
    assert wrong_type.status_code == 422, wrong_type.text
    not_an_object = api.post(f"/api/v1/{plural}", json=["not", "an", "object"], headers=staff)
    assert not_an_object.status_code == 422, not_an_object.text


def test_what_cannot_be_read_and_bad_parameters_stay_400(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    malformed = api.post(
        "/api/v1/cities", content=b'{"id": "x",', headers={**staff, "content-type": "application/json"}
    )
    assert malformed.status_code == 400, malformed.text
    _is_problem(malformed)
    for path in ("/api/v1/cities?limit=0", "/api/v1/cities?limit=abc"):
        r = api.get(path, headers=staff)
        assert r.status_code == 400, (path, r.text)
        _is_problem(r)
        assert r.json()["errors"][0]["source"] == "query"


@pytest.mark.parametrize(
    ("path", "key", "words"),
    [
        (f"/api/v1/match/providers?city={CITY_ID}&top=201", "top", "must be 200 or less (got 201)"),
        (f"/api/v1/match/providers?city={CITY_ID}&top=10001", "top", "must be 200 or less (got 10001)"),
        (
            f"/api/v1/match/cases?city={CITY_ID}&top=200&offset=10001",
            "offset",
            "must be 10000 or less (got 10001)",
        ),
        ("/api/v1/match/providers", "city", "give ?city=ID"),
        ("/api/v1/match/cities", "city", "give ?city=ID or ?provider=ID"),
        (f"/api/v1/match/cities?city={CITY_ID}&provider={PROVIDER_ID}", "provider", "not both"),
        ("/api/v1/search/cases?q=%21%21%21", "q", "must contain at least one letter or digit"),
        ("/api/v1/search/cases?q=" + "a" * 5001, "q", "at most 5000 characters, got 5001"),
    ],
)
def test_a_query_parameter_out_of_its_range_is_400_naming_it(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    path: str,
    key: str,
    words: str,
) -> None:
    """api/README.md: a query parameter out of range is a 400 with the parameter named, the bound being
    the one the OpenAPI document gives (for ``top``, the server's ``max_top``)."""
    r = api.get(path, headers=tokens.of("staff"))
    assert r.status_code == 400, r.text
    _is_problem(r)
    body = r.json()
    assert body["title"] == "Bad request"
    assert body["errors"][0]["key"] == key
    assert body["errors"][0]["source"] == "query"
    assert body["detail"].startswith(f"{key}: ")
    assert words in body["detail"]


def test_a_body_that_is_not_json_is_told_so(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    """Whatever the parser stumbled on, the answer says the body is not valid JSON."""
    for raw in (b"{bad", b'{"id": "x",', b"[1,2", b'{"id": "x",}', b"\xff\xfe"):
        r = api.post(
            "/api/v1/cities", content=raw, headers={**tokens.of("staff"), "content-type": "application/json"}
        )
        assert r.status_code == 400, (raw, r.text)
        assert "not valid JSON" in r.json()["detail"], (raw, r.json()["detail"])


def test_a_website_must_be_a_web_address(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    """A provider's website is shown to every role as a link: only http and https addresses are taken."""
    staff = tokens.of("staff")
    for bad in ("javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://files.example.com", "not a site"):
        r = api.patch(f"/api/v1/providers/{PROVIDER_ID}", json={"website": bad}, headers=staff)
        assert r.status_code == 422, (bad, r.text)
        _is_problem(r)
        assert [e["key"] for e in r.json()["errors"]] == ["website"], bad
        assert "is not a web address" in r.json()["detail"]
    assert "javascript" not in api.get(f"/api/v1/providers/{PROVIDER_ID}", headers=staff).text
    bare = {"website": " www.kartlink.example.md "}
    r = api.patch(f"/api/v1/providers/{PROVIDER_ID}", json=bare, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["website"] == "https://www.kartlink.example.md"
    r = api.patch(f"/api/v1/providers/{PROVIDER_ID}", json={"website": ""}, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["website"] is None


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"extra": {"": "kept nowhere"}}, "extra"),
        ({"extra": {"  ": "kept nowhere"}}, "extra"),
        ({"focal_point": {"name": "Ana", "extra": {"": "+355 4 000"}}}, "focal_point.extra"),
    ],
)
def test_a_value_under_a_field_with_no_name_is_refused_as_a_corpus_file_s_is(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    body: dict[str, Any],
    key: str,
) -> None:
    """A file's value under a nameless column is refused; an API body's ``extra`` with an empty key
    was stored as a field with no name."""
    staff = tokens.of("staff")
    city = {"id": "nameless-town", "name": "Nameless Town", "country": "AL", "summary": "A town.", **body}
    r = api.post("/api/v1/cities", json=city, headers=staff)
    assert r.status_code == 422, r.text
    _is_problem(r)
    assert [e["key"] for e in r.json()["errors"]] == [key]
    assert "a value is given under a field with no name; name that field" in r.json()["detail"]
    assert api.get("/api/v1/cities/nameless-town", headers=staff).status_code == 404


_ONE_SLOT = [{"start": "2038-03-02T09:00", "end": "2038-03-02T09:20"}]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        # a wall time that is past the end of the calendar once read in UTC
        (
            {"timezone": "America/Adak", "slots": [{"start": "9999-12-31T23:00", "end": "9999-12-31T23:20"}]},
            "slots.0.start",
        ),
        ({"slots": _ONE_SLOT, "request_deadline": "0001-01-01T00:00+14:00"}, "request_deadline"),
        ({"slots": _ONE_SLOT, "request_deadline": "9999-12-31T23:59-12:00"}, "request_deadline"),
    ],
)
def test_an_event_time_at_the_end_of_the_calendar_is_422(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    body: dict[str, Any],
    key: str,
) -> None:
    """A time the calendar cannot hold in every zone is refused with the field named, not a 500."""
    staff = tokens.of("staff")
    event = {"id": "calendar-end", "name": "Calendar end", "tables": 2, **body}
    r = api.post("/api/v1/events", json=event, headers=staff)
    assert r.status_code == 422, r.text
    _is_problem(r)
    assert key in [e["key"] for e in r.json()["errors"]], r.json()
    assert "between the years 1900 and 9998" in r.json()["detail"]
    assert api.get("/api/v1/events/calendar-end", headers=staff).status_code == 404


def test_days_of_slots_at_the_end_of_the_calendar_are_422(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    """Days of slots on the calendar's last day are refused, and the event keeps its slots."""
    staff = tokens.of("staff")
    event = {"id": "calendar-days", "name": "Calendar days", "tables": 2, "slots": _ONE_SLOT}
    assert api.post("/api/v1/events", json=event, headers=staff).status_code == 201
    days = {"days": ["9999-12-31"], "start": "23:50", "per_day": 1, "minutes": 20}
    r = api.patch("/api/v1/events/calendar-days", json={"days": days}, headers=staff)
    assert r.status_code == 422, r.text
    _is_problem(r)
    assert "days.days.0" in [e["key"] for e in r.json()["errors"]], r.json()
    assert "between the years 1900 and 9998" in r.json()["detail"]
    slots = api.get("/api/v1/events/calendar-days", headers=staff).json()["slots"]
    assert [s["start"] for s in slots] == ["2038-03-02T09:00:00"]


@pytest.mark.parametrize(
    "request_id", ["99999999999999999999", "-99999999999999999999", "2147483648", "0", "abc", "1.5"]
)
def test_a_request_id_no_database_row_can_have_is_400(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    request_id: str,
) -> None:
    """An id past what the database's integer ids hold answered 500, and one that is no number at all
    a bare 404 "Not Found"; both are a 400 naming the parameter, for an answer and a withdrawal."""
    staff = tokens.of("staff")
    event = {"id": "answer-ids", "name": "Answer ids", "tables": 1, "slots": _ONE_SLOT}
    api.post("/api/v1/events", json=event, headers=staff)
    r = api.post(
        f"/api/v1/events/answer-ids/requests/{request_id}/answer", json={"answer": "accepted"}, headers=staff
    )
    assert r.status_code == 400, r.text
    _is_problem(r)
    assert r.json()["errors"][0]["key"] == "request_id", r.json()
    r = api.delete(f"/api/v1/events/answer-ids/requests/{request_id}", headers=staff)
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["key"] == "request_id", r.json()


@pytest.mark.parametrize(
    ("query", "key"),
    [
        (f"/api/v1/match/providers?city={CITY_ID}&city=osh", "city"),
        (f"/api/v1/match/providers?city={CITY_ID}&top=1&top=50", "top"),
        ("/api/v1/search/cases?q=flood&q=traffic", "q"),
        ("/api/v1/cities?limit=1&limit=2", "limit"),
        ("/api/v1/cities?offset=0&offset=5", "offset"),
    ],
)
def test_a_query_parameter_given_twice_is_400_naming_it(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    query: str,
    key: str,
) -> None:
    """The last of two values was used and the first dropped without a word (``city=kukes&city=osh``
    answered for Osh alone); every query parameter of the API takes one value."""
    r = api.get(query, headers=tokens.of("staff"))
    assert r.status_code == 400, r.text
    _is_problem(r)
    body = r.json()
    assert body["errors"][0] == {"key": key, "message": "given 2 times; give it once", "source": "query"}


@pytest.mark.parametrize("truth", [True, False])
def test_true_or_false_for_a_number_is_refused_not_read_as_one_or_zero(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    truth: bool,
) -> None:
    """``"tables": true`` made an event of one table (and re-planned it), ``"population": true`` a town
    of one; a number field given true or false is a 422 naming it, and nothing changes."""
    staff = tokens.of("staff")
    event = {"id": f"truth-{truth}".lower(), "name": "Truth", "tables": 3, "slots": _ONE_SLOT}
    assert api.post("/api/v1/events", json=event, headers=staff).status_code == 201
    base = f"/api/v1/events/{event['id']}"
    population = api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()["population"]
    writes = [
        ("PATCH", base, {"tables": truth}, "tables"),
        ("POST", "/api/v1/events", {**event, "id": "truth-new", "tables": truth}, "tables"),
        ("POST", f"{base}/participants", [{"id": CITY_ID, "max_meetings": truth}], "0.max_meetings"),
        ("POST", f"{base}/schedule/generate", {"time_limit": truth}, "time_limit"),
        ("PATCH", f"/api/v1/cities/{CITY_ID}", {"population": truth}, "population"),
    ]
    for method, path, body, key in writes:
        r = api.request(method, path, json=body, headers=staff)
        assert r.status_code == 422, (path, r.text)
        _is_problem(r)
        assert key in [e["key"] for e in r.json()["errors"]], (path, r.json())
        assert re.search(r"must be a (whole )?number", r.json()["detail"]), (path, r.json())
    assert api.get(base, headers=staff).json()["tables"] == 3
    assert api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()["population"] == population
    assert api.get(f"{base}/participants", headers=staff).json() == []


@pytest.mark.parametrize("given", ["yes", "true", "no", 1, 0, "1"])
def test_a_truth_value_must_be_true_or_false_not_read_from_text_or_a_number(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    given: object,
) -> None:
    """``"clear_deadline": "yes"`` cleared the deadline and ``"locked": 1`` pinned a meeting: a field
    that is true or false takes JSON true or false only, any other value is a 422 naming it, and
    nothing changes."""
    staff = tokens.of("staff")
    deadline = "2038-03-01T18:00+01:00"
    event_id = f"truthy-{type(given).__name__}-{given}"
    event = {"id": event_id, "name": "Truth", "tables": 3, "slots": _ONE_SLOT, "request_deadline": deadline}
    assert api.post("/api/v1/events", json=event, headers=staff).status_code == 201
    base = f"/api/v1/events/{event_id}"
    pair = {"a": CITY_ID, "b": PROVIDER_ID}
    writes = [
        ("PATCH", base, {"clear_deadline": given}, "clear_deadline"),
        ("PATCH", base, {"tables": 2, "replan": given}, "replan"),
        ("POST", f"{base}/schedule/generate", {"keep_published": given}, "keep_published"),
        ("POST", f"{base}/schedule/generate", {"relax_must_meet": given}, "relax_must_meet"),
        ("POST", f"{base}/schedule/lock", {**pair, "locked": given}, "locked"),
    ]
    for method, path, body, key in writes:
        r = api.request(method, path, json=body, headers=staff)
        assert r.status_code == 422, (path, body, r.text)
        _is_problem(r)
        errors = r.json()["errors"]
        assert {"key": key, "message": "must be true or false", "source": "body"} in errors, (path, errors)
        assert f"{key}: must be true or false" in r.json()["detail"]
    stored = api.get(base, headers=staff).json()
    assert stored["request_deadline"] is not None
    assert stored["tables"] == 3


@pytest.mark.parametrize("population", ["47.000", "47,000"])
def test_a_population_sent_as_text_with_a_separator_is_refused_not_stored_as_47(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    population: str,
) -> None:
    """``{"population": "47.000"}`` (forty-seven thousand as much of Europe writes it) was stored as 47,
    while "47,000" was refused: both are refused naming the field and quoting the value."""
    staff = tokens.of("staff")
    before = api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()["population"]
    r = api.patch(f"/api/v1/cities/{CITY_ID}", json={"population": population}, headers=staff)
    assert r.status_code in (400, 422), r.text
    _is_problem(r)
    assert f"must be a whole number such as 10 (got '{population}')" in r.json()["detail"]
    assert api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()["population"] == before
