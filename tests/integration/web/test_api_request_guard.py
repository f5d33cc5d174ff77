"""Requests refused before any handler parses them: deep JSON (400), non-JSON bodies (415), API writes
carried by the console cookie from another origin (403), NUL characters in stored text (422)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import TestClient
from web_support import (
    CITY_ID,
    OTHER_CITY_ID,
    OTHER_PROVIDER_ID,
    PROVIDER_ID,
    SharedApp,
    Tokens,
    issue_tokens,
)

from matchmaker.settings import Settings
from matchmaker.web import create_app
from matchmaker.web.auth import SESSION_COOKIE
from matchmaker.web.request_guard import json_depth

CITY = {"id": "guard-town", "name": "Guard Town", "country": "AL", "summary": "A small town."}


@pytest.fixture
def api(shared_app: SharedApp) -> TestClient[Any]:
    """This module's tests share one app."""
    return shared_app.client


@pytest.fixture
def tokens(shared_app: SharedApp) -> Tokens:
    """Tokens of the shared app."""
    return shared_app.tokens


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_json_depth_counts_brackets_outside_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b'["\\"[[[["]') == 1
    assert json_depth(b"[" * 500 + b"]" * 500) == 500
    assert json_depth(b"42") == 0


@pytest.mark.parametrize("path", ["/auth/session", "/api/v1/cities", "/api/v1/events"])
def test_deeply_nested_json_is_a_400_problem_for_anyone(
    api: TestClient[Any], tokens: Tokens, path: str
) -> None:
    deep = ("[" * 1000 + "]" * 1000).encode()
    for headers in ({}, tokens.of("staff")):
        r = api.post(path, content=deep, headers={**headers, "content-type": "application/json"})
        assert "nested more than" in _problem(r, 400)["detail"]
    ok = api.post(
        "/auth/session",
        content=json.dumps({"token": [[["x"]]]}),
        headers={"content-type": "application/json"},
    )
    assert ok.status_code in (400, 401, 422)  # ordinary validation, not the depth check


@pytest.mark.parametrize("depth", [900, 3000])
def test_a_deeply_nested_corpus_record_is_refused_and_the_listings_keep_working(
    seeded_settings: Settings, depth: int
) -> None:
    """An uploaded record nested thousands of levels deep failed the upload (500); one nested hundreds
    of levels deep was stored, and from then on every city listing, the console's and matching
    answered 500 for everyone. The line is refused with the reason, as a deep request body is."""
    deep = "[" * depth + "]" * depth
    jsonl = '{"id": "deep-jsonl", "name": "Deep", "country": "AL", "summary": "s", "x": ' + deep + "}\n"
    csv = "id,name,country,summary,x\ndeep-csv,Deep,AL,s," + deep + "\n"
    staff = issue_tokens(seeded_settings).of("staff")
    with TestClient(create_app(seeded_settings)) as api:
        for name, line, content in (("cities.jsonl", 1, jsonl), ("cities.csv", 2, csv)):
            r = api.post(
                "/api/v1/corpus",
                files=[("files", (name, content.encode(), "application/octet-stream"))],
                headers=staff,
            )
            detail = _problem(r, 422)["detail"]
            assert f"{name}:{line}: the record is nested more than 32 levels deep" in detail
        assert api.get("/api/v1/cities", params={"limit": 200}, headers=staff).status_code == 200
        assert api.get("/api/v1/cities/deep-jsonl", headers=staff).status_code == 404
        assert api.get("/api/v1/cities/deep-csv", headers=staff).status_code == 404


def test_json_sent_as_text_plain_is_415_and_stores_nothing(api: TestClient[Any], tokens: Tokens) -> None:
    body = json.dumps(CITY)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        r = api.post(
            "/api/v1/cities", content=body, headers={**tokens.of("staff"), "content-type": content_type}
        )
        _problem(r, 415)
    assert api.get(f"/api/v1/cities/{CITY['id']}", headers=tokens.of("staff")).status_code == 404
    r = api.post(
        "/auth/session", content=json.dumps({"token": tokens.city}), headers={"content-type": "text/plain"}
    )
    _problem(r, 415)
    r = api.post(
        "/api/v1/cities",
        content=json.dumps({**CITY, "id": "guard-json"}),
        headers={**tokens.of("staff"), "content-type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 201, r.text


def test_cookie_writes_to_the_api_need_a_same_origin_request(shared_app: SharedApp) -> None:
    with TestClient(shared_app.client.app) as browser:
        signed = browser.post("/auth/session", json={"token": shared_app.tokens.staff})
        assert signed.status_code in (200, 201, 204), signed.text
        assert browser.cookies.get(SESSION_COOKIE)
        for origin in ({"Origin": "http://sibling.testserver"}, {"Origin": "null"}, {}):
            r = browser.post("/api/v1/cities", json={**CITY, "id": "csrf-town"}, headers=origin)
            assert "session cookie" in _problem(r, 403)["detail"]
        assert browser.get("/api/v1/cities/csrf-town").status_code == 404  # reads still work by cookie
        r = browser.post(
            "/api/v1/cities",
            json={**CITY, "id": "csrf-town"},
            headers={"Origin": str(browser.base_url).rstrip("/")},
        )
        assert r.status_code == 201, r.text
    bearer = shared_app.client.post(
        "/api/v1/cities",
        json={**CITY, "id": "csrf-bearer"},
        headers={**shared_app.tokens.of("staff"), "Origin": "http://elsewhere.example"},
    )
    assert bearer.status_code == 201, bearer.text


def test_nul_in_a_meeting_request_message_is_refused(api: TestClient[Any], tokens: Tokens) -> None:
    staff = tokens.of("staff")
    event = {
        "id": "nul-event",
        "name": "NUL workshop",
        "timezone": "Europe/Istanbul",
        "tables": 2,
        "slots": [{"start": "2038-03-02T09:00", "end": "2038-03-02T09:20"}],
    }
    assert api.post("/api/v1/events", json=event, headers=staff).status_code == 201
    people = [{"id": p} for p in (CITY_ID, OTHER_CITY_ID, PROVIDER_ID, OTHER_PROVIDER_ID)]
    assert api.post("/api/v1/events/nul-event/participants", json=people, headers=staff).status_code == 200
    r = api.post(
        "/api/v1/events/nul-event/requests",
        json={"recipient": CITY_ID, "message": "Shall we\u0000 meet?"},
        headers=tokens.of("provider"),
    )
    assert "NUL" in _problem(r, 422)["detail"]
    assert api.get("/api/v1/events/nul-event/requests", headers=staff).json() == []


def test_an_upload_that_is_not_multipart_is_told_to_send_files(api: TestClient[Any], tokens: Tokens) -> None:
    lines = json.dumps(CITY).encode() + b"\n"
    for content_type in ("application/x-ndjson", "text/csv", "application/json"):
        r = api.post(
            "/api/v1/corpus", content=lines, headers={**tokens.of("staff"), "content-type": content_type}
        )
        detail = _problem(r, 415)["detail"]
        assert "multipart/form-data" in detail, detail
        assert "application/json" not in detail.split("(got")[0], detail
    assert api.get(f"/api/v1/cities/{CITY['id']}", headers=tokens.of("staff")).status_code == 404


def test_a_field_given_twice_in_a_json_body_is_refused_naming_it_not_read_as_one_of_its_values(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """A body naming a field twice was read as its last value without a word, the other one lost: a
    provider sending two websites saw one of them saved. It is refused as a query parameter given
    twice is, naming the field, and nothing is saved."""
    provider = {**tokens.of("provider"), "content-type": "application/json"}
    path = f"/api/v1/providers/{PROVIDER_ID}"
    before = api.get(path, headers=provider).json()
    body = b'{"website": "https://one.example.org", "website": "https://two.example.org"}'
    refused = _problem(api.patch(path, content=body, headers=provider), 400)
    assert refused["detail"] == "website: given 2 times; give it once"
    assert refused["errors"] == [
        {"key": "website", "message": "given 2 times; give it once", "source": "body"}
    ]
    assert api.get(path, headers=provider).json() == before
    nested = b'{"solutions": [{"title": "A", "title": "B"}]}'
    assert _problem(api.patch(path, content=nested, headers=provider), 400)["detail"] == (
        "solutions[0].title: given 2 times; give it once"
    )
    # The same name in two objects is no repetition: the solutions are saved as sent.
    assert api.patch(path, json={"solutions": before["solutions"]}, headers=provider).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"summary": "Street lighting \\ud83d"}', "summary"),
        (b'{"summary": "\\ude00 and more"}', "summary"),
        (b'{"focal_point": {"name": "Ana \\ud83d"}}', "focal_point.name"),
    ],
    ids=["cut at the end", "low half alone", "nested"],
)
def test_half_a_character_is_refused_naming_the_field(
    api: TestClient[Any], tokens: Tokens, body: bytes, field: str
) -> None:
    """A text cut in the middle of an emoji (an unpaired surrogate escape) is refused naming the field,
    as a NUL is; it was called JSON that "was truncated", or malformed, naming no field."""
    before = api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("staff")).json()
    r = api.patch(
        f"/api/v1/cities/{CITY_ID}",
        content=body,
        headers={**tokens.of("staff"), "content-type": "application/json"},
    )
    problem = _problem(r, 422)
    assert problem["detail"] == f"{field}: contains an unpaired surrogate (not valid Unicode text)"
    assert problem["errors"] == [
        {"key": field, "message": "contains an unpaired surrogate (not valid Unicode text)", "source": "body"}
    ]
    assert "truncated" not in r.text
    assert api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("staff")).json() == before


def test_a_whole_character_written_as_two_escapes_is_kept(api: TestClient[Any], tokens: Tokens) -> None:
    body = b'{"id": "emoji-town", "name": "Emoji Town", "country": "AL", "summary": "Sunny \\ud83d\\ude00"}'
    r = api.post(
        "/api/v1/cities", content=body, headers={**tokens.of("staff"), "content-type": "application/json"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["summary"] == "Sunny \U0001f600"
