"""Staff statistics and the printable documents over HTTP: the right figures and pages for staff, 403 for
cities and providers, and nothing staff-only in what participants take home."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from web_support import CITY_ID, OTHER_CITY_ID, OTHER_PROVIDER_ID, PROVIDER_ID, Tokens, finished_job

from matchmaker.services.events.schemas import RequestCreate
from matchmaker.settings import Settings
from pdf_support import blank, need_poppler, pages, render, text
from services_support import add_user

BASE = "/api/v1/events"
#: A workshop that took place, so its meetings can be rated.
EVENT = {
    "id": "past",
    "name": "Tirana Level 3 workshop",
    "timezone": "Europe/Tirane",
    "tables": 2,
    "slots": [{"start": f"2025-10-07T{9 + k:02d}:00", "end": f"2025-10-07T{9 + k:02d}:20"} for k in range(3)],
}
PEOPLE = (CITY_ID, OTHER_CITY_ID, PROVIDER_ID, OTHER_PROVIDER_ID)
#: A week before the workshop, while it took requests.
BEFORE = datetime(2025, 9, 30, tzinfo=UTC)


def _asked_before(api: TestClient[Any], sender: str, recipient: str) -> int:
    """A request sent before the past event (it takes no new ones now); its id."""
    services = api.app.state.services
    with services.database.unit_of_work() as session:
        body = RequestCreate(sender=sender, recipient=recipient)
        made: int = services.events(session).requests.create("past", body, now=BEFORE).id
    return made


def _held_event(api: TestClient[Any], tokens: Tokens) -> list[dict[str, Any]]:
    """The past event, planned with a must-meet pair and two requests, published; returns the plan."""
    staff = tokens.of("staff")
    assert api.post(BASE, json=EVENT, headers=staff).status_code == 201
    r = api.post(f"{BASE}/past/participants", json=[{"id": p} for p in PEOPLE], headers=staff)
    assert r.status_code == 200, r.text
    r = api.put(
        f"{BASE}/past/pair-rules", json={"a": CITY_ID, "b": PROVIDER_ID, "kind": "must_meet"}, headers=staff
    )
    assert r.status_code == 200, r.text
    sent = _asked_before(api, OTHER_PROVIDER_ID, CITY_ID)
    answer = api.post(
        f"{BASE}/past/requests/{sent}/answer", json={"answer": "declined"}, headers=tokens.of("city")
    )
    assert answer.status_code == 200, answer.text
    _asked_before(api, PROVIDER_ID, OTHER_CITY_ID)
    assert (
        api.post(f"{BASE}/past/schedule/generate", json={"time_limit": 5}, headers=staff).status_code == 200
    )
    assert api.post(f"{BASE}/past/schedule/publish", headers=staff).status_code == 200
    plan: list[dict[str, Any]] = api.get(f"{BASE}/past/schedule", headers=staff).json()
    return plan


def _rate(api: TestClient[Any], tokens: Tokens, role: str, other: str, rating: str) -> None:
    r = api.post(f"{BASE}/past/feedback", json={"other": other, "rating": rating}, headers=tokens.of(role))
    assert r.status_code == 201, r.text


def test_staff_read_the_statistics_of_an_event(api: TestClient[Any], tokens: Tokens) -> None:
    plan = _held_event(api, tokens)
    _rate(api, tokens, "city", PROVIDER_ID, "cooperation_possible")
    _rate(api, tokens, "provider", CITY_ID, "informative")
    other = next(m for m in plan if OTHER_CITY_ID in (m["a"], m["b"]))
    other_party = other["b"] if other["a"] == OTHER_CITY_ID else other["a"]
    _rate(api, tokens, "other_city", other_party, "not_held")

    r = api.get(f"{BASE}/past/statistics", headers=tokens.of("staff"))
    assert r.status_code == 200, r.text
    st = r.json()
    assert st["source"] == "published"
    assert st["meetings"] == len(plan)
    assert (st["ratings"], st["rated_meetings"], st["no_shows"]) == (3, 2, 1)
    per = {p["id"]: p["meetings"] for p in st["per_participant"]}
    assert set(per) == set(PEOPLE)
    assert sum(per.values()) == 2 * len(plan)
    for pid in PEOPLE:
        assert per[pid] == sum(pid in (m["a"], m["b"]) for m in plan)
    everything = st["requests"][0]
    assert everything["direction"] == "all"
    assert (everything["total"], everything["declined"], everything["pending"]) == (2, 1, 1)
    assert everything["decline_rate"] == 0.5
    assert [r["direction"] for r in st["requests"][1:]] == ["provider → city"]
    counts = {c["rating"]: c["count"] for c in st["rating_distribution"]}
    assert counts == {"not_held": 1, "insufficient_interest": 0, "informative": 1, "cooperation_possible": 1}
    assert sorted(p["value"] for p in st["score_vs_rating"]) == [0.3, 1.0]
    must = next(o for o in st["outcomes"] if {o["a"], o["b"]} == {CITY_ID, PROVIDER_ID})
    assert {must["rating_a"], must["rating_b"]} == {"cooperation_possible", "informative"}
    assert must["status"] == "held"


def test_a_past_event_takes_no_new_meeting_requests(api: TestClient[Any], tokens: Tokens) -> None:
    _held_event(api, tokens)
    before = api.get(f"{BASE}/past/requests", headers=tokens.of("staff")).json()
    asked = api.post(
        f"{BASE}/past/requests", json={"recipient": PROVIDER_ID}, headers=tokens.of("other_city")
    )
    assert asked.status_code == 409, asked.text
    assert asked.headers["content-type"].startswith("application/problem+json")
    assert asked.json()["detail"] == (
        "Tirana Level 3 workshop ended on 7 October 2025 at 11:20 (Europe/Tirane);"
        " it takes no new meeting requests"
    )
    on_behalf = api.post(
        f"{BASE}/past/requests",
        json={"sender": OTHER_CITY_ID, "recipient": OTHER_PROVIDER_ID},
        headers=tokens.of("staff"),
    )
    assert on_behalf.status_code == 409, on_behalf.text
    assert api.get(f"{BASE}/past/requests", headers=tokens.of("staff")).json() == before


def test_statistics_as_a_background_job_give_the_same_figures(
    api: TestClient[Any], tokens: Tokens, seeded_settings: Settings
) -> None:
    _held_event(api, tokens)
    _rate(api, tokens, "city", PROVIDER_ID, "cooperation_possible")
    staff = tokens.of("staff")
    waited = api.get(f"{BASE}/past/statistics", headers=staff)
    assert waited.status_code == 200, waited.text

    r = api.get(f"{BASE}/past/statistics?wait=false", headers=staff)
    assert r.status_code == 202, r.text
    started = r.json()
    location = r.headers["location"]
    assert location == f"/api/v1/jobs/{started['id']}"
    assert started["kind"] == "statistics"
    assert started["state"] in ("queued", "running", "done")
    job = finished_job(api, location, staff)
    assert job["state"] == "done", job
    assert job["progress"] == 1.0
    assert job["result"] == waited.json()

    other_staff = {"Authorization": f"Bearer {add_user(seeded_settings, 'staff').token}"}
    assert api.get(location, headers=other_staff).json()["result"] == waited.json()
    for role in ("city", "provider"):
        assert api.get(location, headers=tokens.of(role)).status_code == 404
        refused = api.get(f"{BASE}/past/statistics?wait=false", headers=tokens.of(role))
        assert refused.status_code == 403, refused.text
    unknown = api.get(f"{BASE}/nowhere/statistics?wait=false", headers=staff)
    assert unknown.status_code == 404, unknown.text


@pytest.mark.parametrize("role", ["city", "provider"])
def test_statistics_and_event_documents_are_for_staff_only(
    api: TestClient[Any], tokens: Tokens, role: str
) -> None:
    _held_event(api, tokens)
    for path in ("statistics", "documents/booklet.pdf", "documents/table-cards.pdf", "export/xlsx"):
        r = api.get(f"{BASE}/past/{path}", headers=tokens.of(role))
        assert r.status_code == 403, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    own = api.get(
        f"{BASE}/past/agenda/{CITY_ID if role == 'city' else PROVIDER_ID}/pdf", headers=tokens.of(role)
    )
    assert own.status_code == 200
    assert own.content.startswith(b"%PDF")


def test_an_unknown_event_has_no_statistics(api: TestClient[Any], tokens: Tokens) -> None:
    r = api.get(f"{BASE}/nowhere/statistics", headers=tokens.of("staff"))
    assert r.status_code == 404


def test_booklet_and_table_cards_of_a_published_event(
    api: TestClient[Any], tokens: Tokens, tmp_path: Path
) -> None:
    need_poppler()
    staff = tokens.of("staff")
    assert api.get(f"{BASE}/nowhere/documents/booklet.pdf", headers=staff).status_code == 404
    plan = _held_event(api, tokens)
    booklet = api.get(f"{BASE}/past/documents/booklet.pdf", headers=staff)
    assert booklet.status_code == 200, booklet.text
    assert booklet.headers["content-type"] == "application/pdf"
    assert pages(booklet.content, tmp_path / "b") == 2 + len(PEOPLE)
    assert not [p for p in render(booklet.content, tmp_path / "bp") if blank(p)]
    body = "\n".join(text(booklet.content, tmp_path / "bt"))
    assert "Tirana Level 3 workshop" in body
    assert "Europe/Tirane" in body
    assert "Kukës" in body
    public = [m["public_reason"] for m in plan if m["public_reason"]]
    assert public, "the matcher explains the planned pairs"
    flat = " ".join(body.split())
    assert any(" ".join(reason.split())[:30] in flat for reason in public)
    assert any(m["reason"] and "must-meet set by staff" in m["reason"] for m in plan)
    assert "must-meet" not in body
    assert "score" not in body

    cards = api.get(f"{BASE}/past/documents/table-cards.pdf", headers=staff)
    assert cards.status_code == 200
    assert pages(cards.content, tmp_path / "c") == EVENT["tables"]
    assert not [p for p in render(cards.content, tmp_path / "cp") if blank(p)]

    sheet = api.get(f"{BASE}/past/export/xlsx", headers=staff)
    assert sheet.status_code == 200
    assert sheet.content.startswith(b"PK")


def test_documents_of_an_unpublished_event_are_a_conflict(api: TestClient[Any], tokens: Tokens) -> None:
    staff = tokens.of("staff")
    assert api.post(BASE, json=EVENT, headers=staff).status_code == 201
    r = api.get(f"{BASE}/past/documents/table-cards.pdf", headers=staff)
    assert r.status_code == 409
    assert "not published yet" in r.json()["detail"]
    st = api.get(f"{BASE}/past/statistics", headers=staff).json()
    assert (st["source"], st["meetings"], st["outcomes"]) == ("none", 0, [])
