"""The console and the API show each role the same records: one visibility rule serves both.

Every console page a role might open (the listing and the page of each record of each kind, the
case search, the dashboard, the suggestions on a record's page, the event pages) is fetched as staff,
as a city focal point, as a provider and anonymously, next to the API call that answers the same
question for the same role:

* a record listed or shown in the console is listed or shown by the API, and the other way round;
* what one refuses (403 or 404; the console sends an anonymous caller to sign in, the API answers
  401), the other refuses too;
* the focal point is on a city's page exactly when the API gives it, and suggestions are on a
  record's page exactly when the API answers the match query about it.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from litestar.testing import TestClient
from web_support import CITY_ID, OTHER_CITY_ID, OTHER_PROVIDER_ID, PROVIDER_ID, SharedApp, Tokens

from matchmaker.web.auth import SESSION_COOKIE

ROLES = ("staff", "city", "provider", None)
PLURALS = {"city": "cities", "provider": "providers", "case": "cases"}
EVENTS = {"walk-ours": (CITY_ID, PROVIDER_ID), "walk-theirs": (OTHER_CITY_ID, OTHER_PROVIDER_ID)}
SAMPLE = 10
_NEXT = re.compile(r'rel="next" href="([^"]+)"')


class Caller:
    """One role, in the console (its session cookie) and in the API (its bearer token)."""

    def __init__(self, client: TestClient, tokens: Tokens, role: str | None) -> None:  # type: ignore[type-arg]
        self.client = client
        self.role = role
        self.headers = tokens.of(role)
        self.session: str | None = None
        if role is not None:
            client.cookies.clear()
            answer = client.post("/auth/session", json={"token": getattr(tokens, role)})
            assert answer.status_code == 200, answer.text
            self.session = client.cookies[SESSION_COOKIE]
            client.cookies.clear()

    def console(self, path: str) -> Any:
        """A console page with the session cookie (redirects not followed)."""
        self.client.cookies.clear()
        if self.session is not None:
            self.client.cookies.set(SESSION_COOKIE, self.session)
        try:
            return self.client.get(path, follow_redirects=False)
        finally:
            self.client.cookies.clear()

    def api(self, path: str) -> Any:
        """An API answer with the bearer token."""
        self.client.cookies.clear()
        return self.client.get(path, headers=self.headers)


def console_allows(response: Any, where: str) -> bool:
    """Whether a console page was shown (200) or refused (403/404, or sign-in for anonymous)."""
    if response.status_code == 303:
        assert response.headers["location"].startswith("/signin"), where
        return False
    assert response.status_code in (200, 403, 404), (where, response.status_code, response.text[:300])
    return response.status_code == 200


def api_allows(response: Any, where: str) -> bool:
    """Whether the API answered (200) or refused (401/403/404)."""
    assert response.status_code in (200, 401, 403, 404), (where, response.status_code, response.text[:300])
    return response.status_code == 200


def same_answer(caller: Caller, console_path: str, api_path: str) -> tuple[Any, Any, bool]:
    """Both answers, after checking that both show or both refuse."""
    page, answer = caller.console(console_path), caller.api(api_path)
    where = f"{caller.role}: console {console_path} vs API {api_path}"
    shown = console_allows(page, where)
    assert shown == api_allows(answer, where), (where, page.status_code, answer.status_code)
    return page, answer, shown


def listed_in_console(caller: Caller, kind: str) -> set[str] | None:
    """The ids of a kind listed on every page of the console's listing (None when refused)."""
    plural = PLURALS[kind]
    path: str | None = f"/{plural}"
    ids: set[str] = set()
    link = re.compile(rf'class="record-title"><a href="/{plural}/([^"/?]+)"')
    while path is not None:
        page = caller.console(path)
        if not console_allows(page, f"{caller.role}: {path}"):
            return None
        ids |= set(link.findall(page.text))
        more = _NEXT.search(page.text)
        path = (
            f"/{plural}{html.unescape(more.group(1))}" if more and not more.group(1).startswith("/") else None
        )
        if more and more.group(1).startswith("/"):
            path = html.unescape(more.group(1))
    return ids


def listed_in_api(caller: Caller, kind: str) -> set[str] | None:
    answer = caller.api(f"/api/v1/{PLURALS[kind]}?limit=500")
    if not api_allows(answer, f"{caller.role}: list {kind}"):
        return None
    return {item["id"] for item in answer.json()["items"]}


@pytest.fixture(scope="module")
def walk(shared_app: SharedApp) -> dict[str, Any]:
    """Every record id (as staff reads them) and two published events, one with the test's city and
    provider taking part, one without them."""
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    ids = {
        kind: [r["id"] for r in api.get(f"/api/v1/{plural}?limit=500", headers=staff).json()["items"]]
        for kind, plural in PLURALS.items()
    }
    for event_id, people in EVENTS.items():
        event = {
            "id": event_id,
            "name": f"Visibility walk {event_id}",
            "timezone": "Europe/Istanbul",
            "tables": 2,
            "slots": [
                {"start": f"2038-05-04T{9 + k:02d}:00", "end": f"2038-05-04T{9 + k:02d}:20"} for k in range(2)
            ],
        }
        assert api.post("/api/v1/events", json=event, headers=staff).status_code == 201
        body = [{"id": p} for p in people]
        assert (
            api.post(f"/api/v1/events/{event_id}/participants", json=body, headers=staff).status_code == 200
        )
        generated = api.post(
            f"/api/v1/events/{event_id}/schedule/generate", json={"time_limit": 5}, headers=staff
        )
        assert generated.status_code == 200, generated.text
        assert api.post(f"/api/v1/events/{event_id}/schedule/publish", headers=staff).status_code == 200
    # Record pages: the records the test's users speak for, the others of their kinds, and the first
    # few of each kind (the listings above cover every record).
    mine = {CITY_ID, OTHER_CITY_ID, PROVIDER_ID, OTHER_PROVIDER_ID}
    sample = {kind: sorted(set(found[:SAMPLE]) | (mine & set(found))) for kind, found in ids.items()}
    return {"ids": ids, "sample": sample, "client": api, "tokens": shared_app.tokens}


@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_listings_show_the_same_records(walk: dict[str, Any], role: str | None) -> None:
    caller = Caller(walk["client"], walk["tokens"], role)
    for kind in PLURALS:
        in_console, in_api = listed_in_console(caller, kind), listed_in_api(caller, kind)
        assert in_console == in_api, (role, kind, in_console, in_api)
    if role == "provider":  # the defect this rule fixed: other providers' profiles in the console
        assert listed_in_console(caller, "provider") == {PROVIDER_ID}


@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_record_pages_show_what_the_api_shows(walk: dict[str, Any], role: str | None) -> None:
    caller = Caller(walk["client"], walk["tokens"], role)
    shown: dict[str, int] = {}
    for kind, plural in PLURALS.items():
        for record_id in [*walk["sample"][kind], "no-such-record"]:
            page, answer, visible = same_answer(
                caller, f"/{plural}/{record_id}", f"/api/v1/{plural}/{record_id}"
            )
            shown[kind] = shown.get(kind, 0) + visible
            if not visible:
                continue
            if kind == "city":
                focal = answer.json().get("focal_point")
                assert ('id="focal-point"' in page.text) == bool(focal), (role, record_id)
                match = caller.api(f"/api/v1/match/providers?city={record_id}&top=1")
                suggested = api_allows(match, f"{role}: suggestions for {record_id}")
                assert ('id="suggestions-providers"' in page.text) == suggested, (role, record_id)
            if kind == "provider":
                match = caller.api(f"/api/v1/match/cities?provider={record_id}&top=1")
                suggested = api_allows(match, f"{role}: suggestions for {record_id}")
                assert ('id="suggestions-cities"' in page.text) == suggested, (role, record_id)
    expected = {
        "staff": {k: len(v) for k, v in walk["sample"].items()},
        "city": {k: len(v) for k, v in walk["sample"].items()},
        "provider": {"city": len(walk["sample"]["city"]), "provider": 1, "case": 0},
        None: {"city": 0, "provider": 0, "case": 0},
    }[role]
    assert shown == expected, (role, shown)


@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_search_and_dashboard_follow_the_api(walk: dict[str, Any], role: str | None) -> None:
    caller = Caller(walk["client"], walk["tokens"], role)
    page, answer, visible = same_answer(
        caller, "/cases?q=street+lighting", "/api/v1/search/cases?q=street+lighting&top=50"
    )
    if visible:
        found = set(re.findall(r'class="record-title"><a href="/cases/([^"/?]+)"', page.text))
        assert found <= {r["id"] for r in answer.json()["results"]} | set(walk["ids"]["case"])
    assert visible is (role in ("staff", "city"))
    _, _, visible = same_answer(caller, "/dashboard", "/api/v1/indexes")
    assert visible is (role == "staff")


@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_event_pages_follow_the_api(walk: dict[str, Any], role: str | None) -> None:
    """Staff open events in the console's event pages; a participant reads its published agendas on
    its own page (``/me/agenda``). Either way, the events and agendas are those the API gives."""
    caller = Caller(walk["client"], walk["tokens"], role)
    me = {"city": CITY_ID, "provider": PROVIDER_ID}.get(role or "")
    listing = caller.api("/api/v1/events")
    in_api = {e["id"] for e in listing.json()} if api_allows(listing, f"{role}: events") else None
    if role == "staff":
        page = caller.console("/events")
        assert console_allows(page, "staff: /events")
        assert set(re.findall(r'<a href="/events/([^"/?]+)"', page.text)) == in_api
        for event_id, people in EVENTS.items():
            same_answer(caller, f"/events/{event_id}", f"/api/v1/events/{event_id}")
            for person in people:
                _, _, visible = same_answer(
                    caller,
                    f"/events/{event_id}/agenda/{person}",
                    f"/api/v1/events/{event_id}/agenda/{person}/html",
                )
                assert visible
        return
    page = caller.console("/me/agenda")
    if me is None:
        assert not console_allows(page, "anonymous: /me/agenda")
        assert in_api is None
        return
    assert console_allows(page, f"{role}: /me/agenda")
    in_console = set(re.findall(r'href="/me/agenda/([^"/]+)/agenda"', page.text))
    assert in_console == in_api == {"walk-ours"} | (in_api - set(EVENTS)), (role, in_console, in_api)
    for event_id in EVENTS:
        _, _, visible = same_answer(
            caller, f"/me/agenda/{event_id}/agenda", f"/api/v1/events/{event_id}/agenda/{me}/html"
        )
        assert visible is (event_id == "walk-ours")
        # The console's staff event pages stay closed to participants, whatever the event.
        assert not console_allows(caller.console(f"/events/{event_id}"), f"{role}: /events/{event_id}")
