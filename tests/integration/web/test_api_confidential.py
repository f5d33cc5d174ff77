"""No focal-point data reaches a provider, anywhere in the bytes of any response.

The provider reads every GET route of the app (the API and the console), with every record id in the
path, the match queries with every id, and searches and errors that quote the text it sent back.
Then the scrubbing layer is tested on its own by planting a focal-point e-mail in a public text, and
a caller's own guesses are checked to come back as written, whether they are right or not.
"""

from __future__ import annotations

import html
import json
import logging
import re
from itertools import product
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import TestClient
from web_support import CITY_ID, DEMO_DIR, OTHER_CITY_ID, PROVIDER_ID, SharedApp, Tokens, upload_records

from matchmaker.web.auth import SESSION_COOKIE

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@pytest.fixture
def api(shared_app: SharedApp) -> TestClient:  # type: ignore[type-arg]
    """This module's tests share one app (see ``shared_app``)."""
    return shared_app.client


@pytest.fixture
def tokens(shared_app: SharedApp) -> Tokens:
    """Tokens of the shared app."""
    return shared_app.tokens


def _focal_values() -> list[str]:
    values: list[str] = []
    with (DEMO_DIR / "cities.jsonl").open(encoding="utf-8") as stream:
        for line in stream:
            focal = json.loads(line).get("focal_point") or {}
            values.extend(v for v in (focal.get("name"), focal.get("email"), focal.get("phone")) if v)
    assert len(values) > 10
    return values


FOCAL = _focal_values()


def _forms(value: str) -> list[bytes]:
    return [
        value.encode(),
        json.dumps(value)[1:-1].encode(),
        json.dumps(value, ensure_ascii=False)[1:-1].encode(),
        quote(value).encode(),
    ]


def _assert_clean(body: bytes, where: str, allowed: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    for value in FOCAL:
        if value in allowed:
            continue
        for form in _forms(value):
            assert form not in body, f"{where} leaks focal-point data"


def _ids(api: TestClient, staff: dict[str, str], kind: str) -> list[str]:  # type: ignore[type-arg]
    page = api.get(f"/api/v1/{kind}?limit=500", headers=staff).json()
    return [item["id"] for item in page["items"]]


def _get_paths(api: TestClient, ids: dict[str, list[str]]) -> list[str]:  # type: ignore[type-arg]
    paths: list[str] = []
    for route in api.app.routes:
        methods = set().union(
            *(getattr(h, "http_methods", set()) for h in getattr(route, "route_handlers", []))
        )
        if "GET" not in methods:
            continue
        names = _PARAM.findall(route.path)
        if any(n not in ids for n in names):
            continue
        template = _PARAM.sub(lambda m: "{" + m.group(1) + "}", route.path)
        for values in product(*(ids[n] for n in names)):
            paths.append(template.format(**dict(zip(names, values, strict=True))))
    return paths


def test_provider_never_receives_focal_point_data(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    cities, providers, cases = (
        _ids(api, staff, "cities"),
        _ids(api, staff, "providers"),
        _ids(api, staff, "cases"),
    )
    events = (
        [e["id"] for e in api.get("/api/v1/events", headers=staff).json().get("items", [])]
        if (
            api.get("/api/v1/events", headers=staff).status_code == 200
            and isinstance(api.get("/api/v1/events", headers=staff).json(), dict)
        )
        else []
    )
    ids = {
        "city_id": cities,
        "provider_id": providers,
        "case_id": cases,
        "event_id": [*events, "no-such-event"],
        "participant_id": [CITY_ID, OTHER_CITY_ID, PROVIDER_ID],
    }
    # (path, the focal-point value the provider itself typed into it: echoing that back leaks nothing)
    paths: list[tuple[str, str | None]] = [(p, None) for p in _get_paths(api, ids)]
    paths += [
        (f"/api/v1/match/{what}?city={c}&top=200", None)
        for what in ("providers", "cities", "cases")
        for c in cities
    ]
    paths += [(f"/api/v1/match/cities?provider={p}&top=200", None) for p in providers]
    paths += [(f"/api/v1/search/cases?q={quote(v)}", v) for v in FOCAL]
    paths += [(f"/api/v1/match/providers?city={quote(v)}", v) for v in FOCAL[:6]]
    paths += [(f"/api/v1/cities/{quote(v, safe='')}", v) for v in FOCAL[:6]]
    paths += [(f"/cities?q={quote(v)}", v) for v in FOCAL[:6]]
    paths += [("/api/v1/match/cities?top=200", None), (f"/api/v1/providers/{PROVIDER_ID}", None)]

    provider = tokens.of("provider")
    # The console's cookie holds a session id, never the token: start one the way a browser does.
    api.cookies.clear()
    assert api.post("/auth/session", json={"token": tokens.provider}).status_code == 200
    provider_session = api.cookies[SESSION_COOKIE]
    statuses: dict[int, int] = {}
    for path, typed in paths:
        # What the provider typed may come back as typed; every other focal-point value never does.
        allowed = {typed} if typed else set()
        # The API with the bearer token, the console's pages with the session cookie.
        on_api = path.startswith(("/api/", "/schema", "/health", "/ready"))
        for headers, cookies in [(provider, {})] if on_api else [({}, {SESSION_COOKIE: provider_session})]:
            api.cookies.clear()
            for key, value in cookies.items():
                api.cookies.set(key, value)
            r = api.get(path, headers=headers, follow_redirects=True)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            assert r.status_code < 500, (path, r.text[:300])
            where = f"GET {path} ({'cookie' if cookies else 'bearer'}): {r.status_code}"
            _assert_clean(r.content, where, allowed)
            assert b"[redacted]" not in r.content, where  # nothing leaked, so nothing was scrubbed
            for name, value in r.headers.items():
                _assert_clean(value.encode(), f"header {name} of GET {path}", allowed)
    api.cookies.clear()
    assert statuses.get(200, 0) > 100, statuses  # the provider did read a lot, not just refusals

    # Its own writes and sign-in answer without focal-point data too.
    r = api.patch(
        f"/api/v1/providers/{PROVIDER_ID}", json={"website": "https://kentiz.example"}, headers=provider
    )
    assert r.status_code == 200
    _assert_clean(r.content, "PATCH own provider")
    r = api.post("/auth/session", json={"token": tokens.provider})
    _assert_clean(r.content, "POST /auth/session")


def test_city_sees_only_its_own_focal_point(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    city = tokens.of("city")
    own = api.get(f"/api/v1/cities/{CITY_ID}", headers=city).json()["focal_point"]
    allowed = {own["name"], own["email"], own["phone"]}
    for path in (
        "/api/v1/cities?limit=500",
        f"/api/v1/cities/{OTHER_CITY_ID}",
        f"/api/v1/match/cities?city={CITY_ID}&top=200",
        f"/api/v1/match/cases?city={CITY_ID}&top=200",
        f"/api/v1/match/providers?city={CITY_ID}&top=200",
        "/api/v1/cases?limit=500",
    ):
        r = api.get(path, headers=city)
        assert r.status_code == 200, path
        _assert_clean(r.content, path, allowed)


@pytest.mark.parametrize("viewer", ["other_city", "provider"])
def test_a_planted_focal_point_is_scrubbed(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    viewer: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Last line of defence: a focal-point e-mail typed into its city's public text by staff never
    leaves to others. It was warned about when written, so a request showing it logs nothing (every
    such request logged an ERROR, as if a code path leaked)."""
    staff = tokens.of("staff")
    email = api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()["focal_point"]["email"]
    text = f"Contact the focal point at {email} for the pilot."
    before = api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()["challenges"]
    r = api.patch(f"/api/v1/cities/{CITY_ID}", json={"challenges": [text]}, headers=staff)
    assert r.status_code == 200
    assert email in api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).text  # staff see it
    assert email in api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("city")).text  # so does the city
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="matchmaker.web.redaction"):
        seen: Any = api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of(viewer))
        listed: Any = api.get("/api/v1/cities", params={"limit": 500}, headers=tokens.of(viewer))
    assert seen.status_code == 200
    assert email.encode() not in seen.content
    assert email.encode() not in listed.content
    assert "[redacted]" in seen.json()["challenges"][0]
    assert not [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name == "matchmaker.web.redaction"
    ]
    assert (
        api.patch(f"/api/v1/cities/{CITY_ID}", json={"challenges": before}, headers=staff).status_code == 200
    )


def test_an_internal_value_copied_into_its_own_public_text_is_scrubbed_without_an_error(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Copied by whoever wrote the record (and warned about then), it was logged as a leak on every
    request that showed the record."""
    staff = tokens.of("staff")
    before = api.get(f"/api/v1/providers/{PROVIDER_ID}", headers=staff).json()
    code = "KENTIZ-7781-ZQ"
    planted = before | {"description": f"{before['description']} Code {code}.", "internal_code": code}
    stored = upload_records(api, tokens, "providers.jsonl", [planted])
    assert stored.status_code == 200, stored.text
    assert any(
        "holds the value of the internal field 'internal_code'" in w for w in stored.json()["warnings"]
    )
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="matchmaker.web.redaction"):
        seen: Any = api.get(f"/api/v1/providers/{PROVIDER_ID}", headers=tokens.of("city"))
    assert seen.status_code == 200
    assert code not in seen.text
    assert "[redacted]" in seen.json()["description"]
    assert not [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name == "matchmaker.web.redaction"
    ]
    assert upload_records(api, tokens, "providers.jsonl", [before]).status_code == 200


def test_another_citys_focal_point_in_public_text_is_scrubbed_and_logged_as_a_leak(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A contact that is not the city's own was warned about by no write: it is logged as an error."""
    staff = tokens.of("staff")
    email = api.get(f"/api/v1/cities/{OTHER_CITY_ID}", headers=staff).json()["focal_point"]["email"]
    before = api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()["challenges"]
    r = api.patch(f"/api/v1/cities/{CITY_ID}", json={"challenges": [f"Ask {email}."]}, headers=staff)
    assert r.status_code == 200
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="matchmaker.web.redaction"):
        seen: Any = api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("provider"))
    assert email.encode() not in seen.content
    assert any(r.levelno == logging.ERROR and "leaks" in r.getMessage() for r in caplog.records)
    assert email not in caplog.text  # the log names the path, never the value
    assert (
        api.patch(f"/api/v1/cities/{CITY_ID}", json={"challenges": before}, headers=staff).status_code == 200
    )


def _wrong(value: str) -> str:
    """A wrong guess of the same shape: one letter changed."""
    index = next(i for i, ch in enumerate(value) if ch.isalpha())
    changed = "q" if value[index].lower() != "q" else "z"
    return value[:index] + changed + value[index + 1 :]


def _normal(response: Any, *guesses: str) -> str:
    """An answer with each guess (in any form) and the request id taken out."""
    text = re.sub(r'"request_id":\s*"[^"]*"', "", response.text)
    for guess in guesses:
        for form in (json.dumps(guess)[1:-1], html.escape(guess), quote(guess), guess):
            text = text.replace(form, "GUESS")
    return text


def test_a_right_guess_and_a_wrong_guess_come_back_alike(
    api: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A provider types guesses of another city's focal point into its own profile and its searches;
    a right guess comes back exactly as a wrong one does, as typed, never ``[redacted]``."""
    staff, provider = tokens.of("staff"), tokens.of("provider")
    focal = api.get(f"/api/v1/cities/{OTHER_CITY_ID}", headers=staff).json()["focal_point"]
    answers: dict[str, dict[str, Any]] = {}
    caplog.clear()
    for label, email, name in (
        ("right", focal["email"], focal["name"]),
        ("wrong", _wrong(focal["email"]), _wrong(focal["name"])),
    ):
        text = f"Ask {name} ({email}) about the pilot."
        got: dict[str, Any] = {
            "patch": api.patch(
                f"/api/v1/providers/{PROVIDER_ID}", json={"description": text}, headers=provider
            ),
            "read": api.get(f"/api/v1/providers/{PROVIDER_ID}", headers=provider),
            "municipalities": api.get(f"/api/v1/match/cities?provider={PROVIDER_ID}&top=3", headers=provider),
            "search": api.get(f"/api/v1/match/providers?city={quote(name)}", headers=provider),
        }
        api.cookies.clear()
        assert api.post("/auth/session", json={"token": tokens.provider}).status_code == 200
        got["page"] = api.get(f"/providers/{PROVIDER_ID}")
        got["filter"] = api.get(f"/cities?q={quote(email)}")
        api.cookies.clear()
        assert got["patch"].status_code == 200, got["patch"].text
        assert got["read"].json()["description"] == text  # as typed
        assert html.escape(text) in got["page"].text
        assert html.escape(email) in got["filter"].text  # the filter box keeps the query
        for response in got.values():
            assert b"[redacted]" not in response.content
        answers[label] = {"guesses": (email, name), **got}
    right, wrong = answers["right"], answers["wrong"]
    for key in ("patch", "read", "municipalities", "search", "page", "filter"):
        assert right[key].status_code == wrong[key].status_code, key
    for key in ("patch", "read", "filter"):
        assert _normal(right[key], *right["guesses"]) == _normal(wrong[key], *wrong["guesses"]), key
    # Nothing leaked, so the last line of defence had nothing to do.
    assert not [r for r in caplog.records if r.name == "matchmaker.web.redaction"]


def test_a_city_search_echoes_its_query_as_typed(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    """A city searching case studies for another city's focal-point name gets its query back as
    typed, right or wrong."""
    name = api.get(f"/api/v1/cities/{OTHER_CITY_ID}", headers=tokens.of("staff")).json()["focal_point"][
        "name"
    ]
    city = tokens.of("city")
    echoed = {}
    for guess in (name, _wrong(name)):
        r = api.get(f"/api/v1/search/cases?q={quote(guess)}&top=3", headers=city)
        assert r.status_code == 200, r.text
        assert r.json()["query"] == guess
        assert b"[redacted]" not in r.content
        echoed[guess] = r.json()
    right, wrong = echoed.values()
    assert set(right) == set(wrong)
    assert len(right["results"]) == len(wrong["results"])


def test_internal_fields_are_staff_only(api: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    body = {
        "id": "internal-city",
        "name": "Internalia",
        "country": "AL",
        "summary": "Municipality with a note.",
        "extra": {
            "internal_notes": "Mayor prefers vendor Zeta-Secret",
            "website": "https://internalia.example",
        },
    }
    assert api.post("/api/v1/cities", json=body, headers=staff).status_code == 201
    assert api.get("/api/v1/cities/internal-city", headers=staff).json()["extra"]["internal_notes"]
    for viewer in ("city", "provider"):
        r = api.get("/api/v1/cities/internal-city", headers=tokens.of(viewer))
        assert r.status_code == 200
        assert "internal_notes" not in r.json()["extra"]
        assert r.json()["extra"]["website"] == "https://internalia.example"
        assert b"Zeta-Secret" not in r.content
        listed = api.get("/api/v1/cities?limit=500", headers=tokens.of(viewer))
        assert b"Zeta-Secret" not in listed.content
