"""The role-by-endpoint matrix: what each role can and cannot read or change.

Rows are (method, path, body); columns are the expected status for staff, the focal point of
``kukes`` (city), the provider ``prov-kentiz-ulasim`` and an anonymous caller. Every ``/api/v1/``
endpoint is in the table (a test below checks that against the routes of the app).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from web_support import (
    CASE_ID,
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

NEW_CITY = {"id": "{role}-new-city", "name": "Newtown {role}", "country": "AL", "summary": "A new town."}
NEW_PROVIDER = {"id": "{role}-new-prov", "name": "Newco {role}", "country": "TR", "description": "Sensors."}
NEW_CASE = {
    "id": "{role}-new-case",
    "title": "Lamps {role}",
    "city": "Tuzla",
    "country": "BA",
    "text": "LED.",
}
UPLOAD_LINE = {"id": "{role}-upload-prov", "name": "Upco {role}", "country": "TR", "description": "Up."}

S, C, P, A = "staff", "city", "provider", None
ROLES = (S, C, P, A)

# (method, path, body, {role: status}); "{role}" in a path or body is replaced so that rows for
# different roles do not collide.
MATRIX: list[tuple[str, str, Any, dict[str | None, int]]] = [
    ("GET", "/api/v1/me", None, {S: 200, C: 200, P: 200, A: 401}),
    ("GET", "/api/v1/cities", None, {S: 200, C: 200, P: 200, A: 401}),
    ("GET", f"/api/v1/cities/{CITY_ID}", None, {S: 200, C: 200, P: 200, A: 401}),
    ("GET", f"/api/v1/cities/{OTHER_CITY_ID}", None, {S: 200, C: 200, P: 200, A: 401}),
    ("POST", "/api/v1/cities", NEW_CITY, {S: 201, C: 403, P: 403, A: 401}),
    ("PATCH", f"/api/v1/cities/{CITY_ID}", {"population": 47001}, {S: 200, C: 200, P: 403, A: 401}),
    ("PATCH", f"/api/v1/cities/{OTHER_CITY_ID}", {"population": 9001}, {S: 200, C: 403, P: 403, A: 401}),
    ("DELETE", "/api/v1/cities/kamez", None, {S: 204, C: 403, P: 403, A: 401}),
    ("GET", "/api/v1/providers", None, {S: 200, C: 200, P: 200, A: 401}),
    ("GET", f"/api/v1/providers/{PROVIDER_ID}", None, {S: 200, C: 200, P: 200, A: 401}),
    ("GET", f"/api/v1/providers/{OTHER_PROVIDER_ID}", None, {S: 200, C: 200, P: 403, A: 401}),
    ("POST", "/api/v1/providers", NEW_PROVIDER, {S: 201, C: 403, P: 403, A: 401}),
    (
        "PATCH",
        f"/api/v1/providers/{PROVIDER_ID}",
        {"website": "https://a.example"},
        {S: 200, C: 403, P: 200, A: 401},
    ),
    (
        "PATCH",
        f"/api/v1/providers/{OTHER_PROVIDER_ID}",
        {"website": "https://b.example"},
        {S: 200, C: 403, P: 403, A: 401},
    ),
    ("DELETE", "/api/v1/providers/prov-kartlink", None, {S: 204, C: 403, P: 403, A: 401}),
    ("GET", "/api/v1/cases", None, {S: 200, C: 200, P: 403, A: 401}),
    ("GET", f"/api/v1/cases/{CASE_ID}", None, {S: 200, C: 200, P: 403, A: 401}),
    ("POST", "/api/v1/cases", NEW_CASE, {S: 201, C: 403, P: 403, A: 401}),
    ("PATCH", f"/api/v1/cases/{CASE_ID}", {"year": 2020}, {S: 200, C: 403, P: 403, A: 401}),
    ("DELETE", "/api/v1/cases/case-ferizaj-addresses", None, {S: 204, C: 403, P: 403, A: 401}),
    ("GET", f"/api/v1/match/providers?city={CITY_ID}", None, {S: 200, C: 200, P: 403, A: 401}),
    ("GET", f"/api/v1/match/providers?city={OTHER_CITY_ID}", None, {S: 200, C: 403, P: 403, A: 401}),
    ("GET", f"/api/v1/match/cities?city={CITY_ID}", None, {S: 200, C: 200, P: 403, A: 401}),
    ("GET", f"/api/v1/match/cities?city={OTHER_CITY_ID}", None, {S: 200, C: 403, P: 403, A: 401}),
    ("GET", f"/api/v1/match/cities?provider={PROVIDER_ID}", None, {S: 200, C: 403, P: 200, A: 401}),
    ("GET", f"/api/v1/match/cities?provider={OTHER_PROVIDER_ID}", None, {S: 200, C: 403, P: 403, A: 401}),
    ("GET", f"/api/v1/match/cases?city={CITY_ID}", None, {S: 200, C: 200, P: 403, A: 401}),
    ("GET", f"/api/v1/match/cases?city={OTHER_CITY_ID}", None, {S: 200, C: 403, P: 403, A: 401}),
    ("GET", "/api/v1/search/cases?q=street%20lighting", None, {S: 200, C: 200, P: 403, A: 401}),
    ("GET", "/api/v1/indexes", None, {S: 200, C: 403, P: 403, A: 401}),
    ("POST", "/api/v1/indexes/rebuild", None, {S: 200, C: 403, P: 403, A: 401}),
    ("GET", "/api/v1/jobs/no-such-job", None, {S: 404, C: 404, P: 404, A: 401}),
    ("POST", "/api/v1/corpus", "upload", {S: 200, C: 403, P: 403, A: 401}),
    ("GET", "/api/v1/users", None, {S: 200, C: 403, P: 403, A: 401}),
    (
        "POST",
        "/api/v1/users/invitations",
        {"role": "staff", "email": "{role}@ministry.example"},
        {S: 201, C: 403, P: 403, A: 401},
    ),
    ("POST", "/api/v1/users/999999/invitations", None, {S: 404, C: 403, P: 403, A: 401}),
    ("POST", "/api/v1/users/999999/revoke", None, {S: 404, C: 403, P: 403, A: 401}),
    ("PATCH", "/api/v1/users/999999", {"subject_id": CITY_ID}, {S: 404, C: 403, P: 403, A: 401}),
    ("GET", "/api/v1/outbox", None, {S: 200, C: 403, P: 403, A: 401}),
    ("POST", "/api/v1/outbox/send", None, {S: 200, C: 403, P: 403, A: 401}),
    ("POST", "/api/v1/outbox/999999/retry", None, {S: 404, C: 403, P: 403, A: 401}),
    ("GET", "/health", None, {S: 200, C: 200, P: 200, A: 200}),
    ("GET", "/ready", None, {S: 200, C: 200, P: 200, A: 200}),
]


@pytest.fixture(scope="module")
def matrix_app(
    tmp_path_factory: pytest.TempPathFactory, demo_template: Path
) -> Iterator[tuple[TestClient, Tokens]]:  # type: ignore[type-arg]
    """One app for the whole matrix; rows that change data use their own records."""
    import shutil

    from web_support import web_settings_for

    home = tmp_path_factory.mktemp("matrix-home")
    shutil.copytree(demo_template, home, dirs_exist_ok=True)
    settings: Settings = web_settings_for(home)
    tokens = issue_tokens(settings)
    with TestClient(create_app(settings)) as client:
        yield client, tokens


def _fill(value: Any, role: str | None) -> Any:
    text = json.dumps(value).replace("{role}", role or "anon")
    return json.loads(text)


def _call(client: TestClient, tokens: Tokens, method: str, path: str, body: Any, role: str | None) -> Any:  # type: ignore[type-arg]
    headers = tokens.of(role)
    if body == "upload":
        line = json.dumps(_fill(UPLOAD_LINE, role)) + "\n"
        return client.post(
            path, files={"files": ("providers.jsonl", line.encode(), "application/jsonl")}, headers=headers
        )
    if body is None:
        return client.request(method, path, headers=headers)
    return client.request(method, path, json=_fill(body, role), headers=headers)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_role_matrix(
    matrix_app: tuple[TestClient, Tokens],  # type: ignore[type-arg]
    role: str | None,
    method: str,
    path: str,
    body: Any,
    expected: dict[str | None, int],
) -> None:
    client, tokens = matrix_app
    response = _call(client, tokens, method, path, body, role)
    assert response.status_code == expected[role], response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == response.status_code
        assert problem["detail"]


def test_matrix_covers_every_api_route(matrix_app: tuple[TestClient, Tokens]) -> None:  # type: ignore[type-arg]
    """A new endpoint must get a row in the matrix."""
    client, _ = matrix_app
    covered = {(m, p.split("?")[0]) for m, p, _, _ in MATRIX}
    schema = client.get("/schema/openapi.json").json()
    for path, item in schema["paths"].items():
        if not path.startswith("/api/v1/") or "/events" in path:
            continue  # event routes belong to the events feature and are tested there
        for method in item:
            if method.upper() not in {"GET", "POST", "PATCH", "PUT", "DELETE"}:
                continue
            concrete = {p for m, p in covered if m == method.upper() and _matches(path, p)}
            assert concrete, f"{method.upper()} {path} has no row in the role matrix"


def _matches(template: str, path: str) -> bool:
    t_parts, p_parts = template.split("/"), path.split("/")
    return len(t_parts) == len(p_parts) and all(
        t.startswith("{") or t == p for t, p in zip(t_parts, p_parts, strict=True)
    )


# --------------------------------------------------------------------------------------------------
# What each role reads, beyond the status (on the matrix's app: these rows touch other records)


@pytest.fixture
def api(matrix_app: tuple[TestClient, Tokens]) -> TestClient:  # type: ignore[type-arg]
    """The matrix's app."""
    return matrix_app[0]


@pytest.fixture
def tokens(matrix_app: tuple[TestClient, Tokens]) -> Tokens:
    """The matrix's tokens."""
    return matrix_app[1]


def test_city_sees_own_focal_point_but_not_another_citys(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    own = api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("city")).json()
    assert own["focal_point"]["email"].endswith("@kukes-municipality.example.org")
    other = api.get(f"/api/v1/cities/{OTHER_CITY_ID}", headers=tokens.of("city")).json()
    assert "focal_point" not in other


def test_staff_sees_every_focal_point(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    other = api.get(f"/api/v1/cities/{OTHER_CITY_ID}", headers=tokens.of("staff")).json()
    assert other["focal_point"]["name"] == "Drilon Berisha"


def test_provider_lists_only_its_own_profile(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    page = api.get("/api/v1/providers", headers=tokens.of("provider")).json()
    assert [p["id"] for p in page["items"]] == [PROVIDER_ID]
    assert page["total"] == 1
    everyone = api.get("/api/v1/providers?limit=500", headers=tokens.of("city")).json()
    assert everyone["total"] > 50


def test_provider_edit_changes_only_its_profile(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    r = api.patch(
        f"/api/v1/providers/{PROVIDER_ID}",
        json={"regions_served": ["Balkans"]},
        headers=tokens.of("provider"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["regions_served"] == ["Balkans"]
    again = api.get(f"/api/v1/providers/{PROVIDER_ID}", headers=tokens.of("staff")).json()
    assert again["regions_served"] == ["Balkans"]
    refused = api.patch(
        f"/api/v1/providers/{OTHER_PROVIDER_ID}",
        json={"regions_served": ["Mars"]},
        headers=tokens.of("provider"),
    )
    assert refused.status_code == 403
    untouched = api.get(f"/api/v1/providers/{OTHER_PROVIDER_ID}", headers=tokens.of("staff")).json()
    assert "Mars" not in untouched["regions_served"]


def test_city_and_provider_default_to_themselves(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    mine = api.get("/api/v1/match/providers?top=3", headers=tokens.of("city")).json()
    assert mine["query"] == CITY_ID
    ours = api.get("/api/v1/match/cities?top=3", headers=tokens.of("provider")).json()
    assert ours["query"] == PROVIDER_ID
    staff = api.get("/api/v1/match/providers", headers=tokens.of("staff"))
    assert staff.status_code == 400  # a required query parameter left out, as for search's ?q=
    assert "city" in staff.json()["detail"]


def test_provider_cannot_browse_provider_names(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    own_by_name = api.get("/api/v1/match/cities?provider=Kentiz&top=2", headers=tokens.of("provider"))
    assert own_by_name.status_code == 200
    for query in ("prov", "esco", "no-such-provider"):
        r = api.get(f"/api/v1/match/cities?provider={query}", headers=tokens.of("provider"))
        assert r.status_code == 403
        assert OTHER_PROVIDER_ID not in r.text


def test_a_provider_cannot_tell_which_other_providers_exist(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    """Another provider's profile and an id that names no provider get the same refusal: a 404 for
    the missing one only told a provider which of its competitors' ids were stored."""
    answers = [
        api.get(f"/api/v1/providers/{provider_id}", headers=tokens.of("provider"))
        for provider_id in (OTHER_PROVIDER_ID, "no-such-provider")
    ]
    assert [r.status_code for r in answers] == [403, 403], [r.text for r in answers]
    assert answers[0].json()["detail"] == answers[1].json()["detail"]
    missing = api.get("/api/v1/providers/no-such-provider", headers=tokens.of("staff"))
    assert missing.status_code == 404


def test_a_provider_asking_a_city_query_for_itself_is_pointed_to_its_own_suggestions(
    shared_app: SharedApp,
) -> None:
    api, provider = shared_app.client, shared_app.tokens.of("provider")
    for path in ("/api/v1/match/providers", "/api/v1/match/cases"):
        r = api.get(path, headers=provider)
        assert r.status_code == 403, r.text
        detail = r.json()["detail"]
        assert "?city=" not in detail
        assert "/api/v1/match/cities" in detail
