"""Query parameters that are true or false: the spellings the API documents are taken, anything else
is refused naming the parameter, before any work starts."""

from __future__ import annotations

from typing import Any

import pytest
from web_support import SharedApp

#: A request of each route with a true-or-false query parameter, by (method, documented path, name).
TRUTH_QUERIES = {
    ("post", "/api/v1/corpus", "wait"): "/api/v1/corpus",
    ("post", "/api/v1/events/{event_id}/schedule/generate", "wait"): "/api/v1/events/truth/schedule/generate",
    ("get", "/api/v1/events/{event_id}/statistics", "wait"): "/api/v1/events/truth/statistics",
    ("post", "/api/v1/indexes/rebuild", "wait"): "/api/v1/indexes/rebuild",
    ("post", "/api/v1/outbox/send", "all"): "/api/v1/outbox/send",
    ("get", "/api/v1/users", "include_revoked"): "/api/v1/users",
}


def _truth_queries(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Every true-or-false query parameter the OpenAPI document gives, as (method, path, name)."""
    return {
        (method, path, parameter["name"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter.get("schema", {}).get("type") == "boolean"
    }


def test_every_true_or_false_query_parameter_is_checked_here(shared_app: SharedApp) -> None:
    assert _truth_queries(shared_app.client.get("/schema/openapi.json").json()) == set(TRUTH_QUERIES)


@pytest.mark.parametrize("given", ["yes", "no", "2", "", "on", "t", "-1", "true "])
def test_a_query_truth_value_other_than_true_or_false_is_refused_naming_it(
    shared_app: SharedApp, given: str
) -> None:
    """``?all=yes`` was refused naming ``all_queued``, a name the API does not have, and no refusal
    quoted the value given: every such parameter takes true or false (or 1 or 0, any case for the
    words), and anything else is a 400 naming it as the query does and quoting the value, as for a
    whole number, before any work starts."""
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    for (method, _, name), path in TRUTH_QUERIES.items():
        r = api.request(method.upper(), path, params={name: given}, headers=staff)
        assert r.status_code == 400, (path, name, given, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        message = f"must be true or false (got {given!r})"
        assert {"key": name, "message": message, "source": "query"} in r.json()["errors"], (path, r.json())
        assert f"{name}: {message}" in r.json()["detail"]


@pytest.mark.parametrize(
    ("given", "revoked_listed"),
    [("true", True), ("True", True), ("1", True), ("false", False), ("FALSE", False), ("0", False)],
)
def test_the_documented_spellings_of_true_and_false_are_taken(
    shared_app: SharedApp, given: str, revoked_listed: bool
) -> None:
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    every = api.get("/api/v1/users", params={"include_revoked": "true", "limit": 500}, headers=staff)
    active = api.get("/api/v1/users", params={"include_revoked": "false", "limit": 500}, headers=staff)
    r = api.get("/api/v1/users", params={"include_revoked": given, "limit": 500}, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json() == (every if revoked_listed else active).json()
    sent = api.post("/api/v1/outbox/send", params={"all": given}, headers=staff)
    assert sent.status_code == 200, sent.text
