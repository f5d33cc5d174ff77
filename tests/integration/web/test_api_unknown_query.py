"""Routes that act (create, change, delete, rebuild, upload) refuse a query parameter they do not take,
naming it, before any work starts; reading routes keep ignoring the ones caches and browsers add."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from web_support import CITY_ID, PROVIDER_ID, Tokens

NEW_CITY = {"id": "query-town", "name": "Query Town", "country": "AL", "summary": "A small town."}


def _refused_naming(r: Any, key: str) -> None:
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    (error,) = [e for e in r.json()["errors"] if e["key"] == key]
    assert error["source"] == "query"
    assert error["message"].startswith("not a parameter of this request")
    assert r.json()["detail"].startswith(f"{key}: not a parameter of this request")


def test_an_action_with_an_unknown_query_parameter_is_refused_naming_it(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """``POST /indexes/rebuild?kind=city`` rebuilt every index as if ``kind`` had been heard, and
    ``DELETE /cities/kukes?dry_run=true`` deleted the city."""
    staff = tokens.of("staff")
    rebuilt = api.post("/api/v1/indexes/rebuild", params={"kind": "city"}, headers=staff)
    _refused_naming(rebuilt, "kind")
    assert "it takes wait" in rebuilt.json()["errors"][0]["message"]

    _refused_naming(
        api.delete(f"/api/v1/cities/{CITY_ID}", params={"dry_run": "true"}, headers=staff), "dry_run"
    )
    assert api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).status_code == 200

    _refused_naming(
        api.post("/api/v1/cities", params={"upsert": "1"}, json=NEW_CITY, headers=staff), "upsert"
    )
    assert api.get(f"/api/v1/cities/{NEW_CITY['id']}", headers=staff).status_code == 404

    changed = api.patch(
        f"/api/v1/providers/{PROVIDER_ID}",
        params={"notify": "false"},
        json={"website": "https://example.org"},
        headers=tokens.of("provider"),
    )
    _refused_naming(changed, "notify")

    uploaded = api.post(
        "/api/v1/corpus",
        params={"kind": "city"},
        files=[("files", ("cities.jsonl", b'{"id": "x"}\n', "application/octet-stream"))],
        headers=staff,
    )
    _refused_naming(uploaded, "kind")


def test_documented_query_parameters_and_reads_with_unknown_ones_still_work(
    api: TestClient[Any], tokens: Tokens
) -> None:
    staff = tokens.of("staff")
    assert api.post("/api/v1/indexes/rebuild", params={"wait": "true"}, headers=staff).status_code == 200
    assert api.get("/api/v1/cities", params={"_": "1733567000"}, headers=staff).status_code == 200
    assert (
        api.get(f"/api/v1/cities/{CITY_ID}", params={"utm_source": "mail"}, headers=staff).status_code == 200
    )


EVENT = {
    "id": "query-ws",
    "name": "Query workshop",
    "tables": 1,
    "slots": [{"start": "2038-03-02T09:00", "end": "2038-03-02T09:20"}],
}


def test_event_and_user_actions_with_an_unknown_query_parameter_are_refused_and_change_nothing(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """``POST /events/{id}/schedule/publish?notify=false`` published and e-mailed every participant;
    ``DELETE /events/{id}?dry_run=true`` deleted the event."""
    staff = tokens.of("staff")
    base = "/api/v1/events"
    _refused_naming(api.post(base, params={"upsert": "1"}, json=EVENT, headers=staff), "upsert")
    assert api.get(f"{base}/{EVENT['id']}", headers=staff).status_code == 404

    assert api.post(base, json=EVENT, headers=staff).status_code == 201
    joined = api.post(
        f"{base}/query-ws/participants", json=[{"id": CITY_ID}, {"id": PROVIDER_ID}], headers=staff
    )
    assert joined.status_code == 200, joined.text
    generated = api.post(f"{base}/query-ws/schedule/generate", json={"time_limit": 5}, headers=staff)
    assert generated.status_code == 200, generated.text

    _refused_naming(
        api.post(f"{base}/query-ws/schedule/publish", params={"notify": "false"}, headers=staff), "notify"
    )
    assert api.get(f"{base}/query-ws", headers=staff).json()["published_at"] is None

    requested = api.post(
        f"{base}/query-ws/requests",
        params={"urgent": "1"},
        json={"recipient_id": PROVIDER_ID},
        headers=tokens.of("city"),
    )
    _refused_naming(requested, "urgent")
    assert api.get(f"{base}/query-ws/requests", headers=staff).json() == []

    _refused_naming(api.delete(f"{base}/query-ws", params={"dry_run": "true"}, headers=staff), "dry_run")
    assert api.get(f"{base}/query-ws", headers=staff).status_code == 200

    invited = api.post(
        "/api/v1/users/invitations",
        params={"send": "false"},
        json={"role": "staff", "email": "query@ministry.example"},
        headers=staff,
    )
    _refused_naming(invited, "send")
    listed = api.get("/api/v1/users", headers=staff).json()
    assert "query@ministry.example" not in str(listed)
