"""Event endpoints: staff plan and publish; participants read only their own agenda."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner
from web_support import CITY_ID, OTHER_CITY_ID, OTHER_PROVIDER_ID, PROVIDER_ID, Tokens, web_settings_for

from matchmaker.cli import app as cli_app
from matchmaker.db.events import Event
from matchmaker.services.container import Services
from matchmaker.settings import Settings
from matchmaker.web import create_app
from services_support import add_user

EVENT = {
    "id": "ws1",
    "name": "Level 3 workshop",
    "timezone": "Europe/Istanbul",
    "tables": 2,
    "slots": [{"start": f"2038-03-02T{9 + k:02d}:00", "end": f"2038-03-02T{9 + k:02d}:20"} for k in range(3)],
}
BASE = "/api/v1/events"


def _staff_event(
    api: TestClient[Any], tokens: Tokens, *, participants: tuple[str, ...] | None = None
) -> None:
    staff = tokens.of("staff")
    r = api.post(BASE, json=EVENT, headers=staff)
    assert r.status_code == 201, r.text
    people = participants or (CITY_ID, OTHER_CITY_ID, PROVIDER_ID, OTHER_PROVIDER_ID)
    r = api.post(f"{BASE}/ws1/participants", json=[{"id": p} for p in people], headers=staff)
    assert r.status_code == 200, r.text


def _generate_and_publish(api: TestClient[Any], tokens: Tokens) -> dict[str, Any]:
    staff = tokens.of("staff")
    r = api.post(f"{BASE}/ws1/schedule/generate", json={"time_limit": 5}, headers=staff)
    assert r.status_code == 200, r.text
    report = r.json()
    r = api.post(f"{BASE}/ws1/schedule/publish", headers=staff)
    assert r.status_code == 200, r.text
    return report  # type: ignore[no-any-return]


def test_staff_create_plan_publish_and_export(api: TestClient[Any], tokens: Tokens) -> None:
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    rule = api.put(
        f"{BASE}/ws1/pair-rules", json={"a": CITY_ID, "b": PROVIDER_ID, "kind": "must_meet"}, headers=staff
    )
    assert rule.status_code == 200, rule.text
    report = _generate_and_publish(api, tokens)
    assert report["meetings"] > 0
    assert report["score_source"].startswith("matcher")
    assert report["stats"]["unmatched_participants"] == []
    plan = api.get(f"{BASE}/ws1/schedule", headers=staff).json()
    assert {(m["a"], m["b"]) for m in plan} >= {(CITY_ID, PROVIDER_ID)}
    assert all(m["published"] for m in plan)

    csv = api.get(f"{BASE}/ws1/export/csv", headers=staff)
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("slot,start,end,table")
    events = api.get(BASE, headers=staff).json()
    assert [e["id"] for e in events] == ["ws1"]


def test_a_participant_reads_the_counts_of_its_own_requests_and_staff_the_events(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """The event a provider or a city takes part in gave it the number of every request of the event,
    other participants' included, beside the list of its own; it now gives it its own, sent and
    received, by status, and staff the event's total."""
    _staff_event(api, tokens)
    city, other_city = tokens.of("city"), tokens.of("other_city")
    provider = tokens.of("provider")
    for sender, recipient in (
        (city, PROVIDER_ID),
        (other_city, PROVIDER_ID),
        (other_city, OTHER_PROVIDER_ID),
    ):
        r = api.post(f"{BASE}/ws1/requests", json={"recipient": recipient}, headers=sender)
        assert r.status_code == 201, r.text
    [from_city] = api.get(f"{BASE}/ws1/requests", headers=city).json()
    r = api.post(
        f"{BASE}/ws1/requests/{from_city['id']}/answer", json={"answer": "accepted"}, headers=provider
    )
    assert r.status_code == 200, r.text
    none = {"pending": 0, "accepted": 0, "declined": 0, "expired": 0}

    for shown in (api.get(f"{BASE}/ws1", headers=provider).json(), *api.get(BASE, headers=provider).json()):
        assert shown["requests"] == 2
        assert shown["own_requests"] == {"sent": none, "received": {**none, "pending": 1, "accepted": 1}}
    for shown in (api.get(f"{BASE}/ws1", headers=city).json(), *api.get(BASE, headers=city).json()):
        assert shown["requests"] == 1
        assert shown["own_requests"] == {"sent": {**none, "accepted": 1}, "received": none}
    staff = api.get(f"{BASE}/ws1", headers=tokens.of("staff")).json()
    assert (staff["requests"], staff["own_requests"]) == (3, None)


def test_a_participant_counts_its_own_published_meetings_not_staffs_draft_plan(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """A participant reading an event was given the number of meetings in staff's plan, other
    participants' included and before anything was published; it now reads how many of its own
    meetings are published, and staff the meetings of the plan."""
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    r = api.post(f"{BASE}/ws1/schedule/generate", json={"time_limit": 5}, headers=staff)
    assert r.status_code == 200, r.text
    planned = api.get(f"{BASE}/ws1", headers=staff).json()["planned_meetings"]
    assert planned > 0
    for who in ("city", "provider"):
        assert api.get(f"{BASE}/ws1", headers=tokens.of(who)).json()["planned_meetings"] == 0

    assert api.post(f"{BASE}/ws1/schedule/publish", headers=staff).status_code == 200
    for who, pid in (("city", CITY_ID), ("provider", PROVIDER_ID)):
        own = api.get(f"{BASE}/ws1/agenda/{pid}", headers=tokens.of(who)).json()["meetings"]
        for shown in (
            api.get(f"{BASE}/ws1", headers=tokens.of(who)).json(),
            *api.get(BASE, headers=tokens.of(who)).json(),
        ):
            assert shown["planned_meetings"] == len(own) < planned
    assert api.get(f"{BASE}/ws1", headers=staff).json()["planned_meetings"] == planned


def test_a_provider_naming_a_provider_outside_its_event_is_not_told_that_providers_name(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """Providers do not read each other's records: a provider that typed the id of another provider
    outside its event was told that provider's name by the refusal, so ids could be matched to names."""
    _staff_event(api, tokens, participants=(CITY_ID, OTHER_CITY_ID, PROVIDER_ID))
    _generate_and_publish(api, tokens)
    staff, provider = tokens.of("staff"), tokens.of("provider")
    hidden = api.get(f"/api/v1/providers/{OTHER_PROVIDER_ID}", headers=staff).json()["name"]
    asked = api.post(f"{BASE}/ws1/requests", json={"recipient": OTHER_PROVIDER_ID}, headers=provider)
    rated = api.post(
        f"{BASE}/ws1/feedback", json={"other": OTHER_PROVIDER_ID, "rating": "informative"}, headers=provider
    )
    for refused in (asked, rated):
        assert 400 <= refused.status_code < 500, refused.text
        assert hidden not in refused.text
        assert repr(OTHER_PROVIDER_ID) in refused.json()["detail"]


def test_participant_reads_only_its_own_agenda(api: TestClient[Any], tokens: Tokens) -> None:
    _staff_event(api, tokens)
    _generate_and_publish(api, tokens)
    own = api.get(f"{BASE}/ws1/agenda/{CITY_ID}", headers=tokens.of("city"))
    assert own.status_code == 200, own.text
    assert own.json()["participant_id"] == CITY_ID
    assert own.json()["meetings"]
    assert "score" not in own.json()["meetings"][0]

    other = api.get(f"{BASE}/ws1/agenda/{OTHER_CITY_ID}", headers=tokens.of("city"))
    assert other.status_code == 403
    assert other.headers["content-type"].startswith("application/problem+json")
    for suffix in ("/html", "/ics", "/pdf"):
        assert (
            api.get(f"{BASE}/ws1/agenda/{OTHER_CITY_ID}{suffix}", headers=tokens.of("city")).status_code
            == 403
        )
    assert api.get(f"{BASE}/ws1/agenda/{CITY_ID}", headers=tokens.of("provider")).status_code == 403
    assert api.get(f"{BASE}/ws1/agenda/{PROVIDER_ID}", headers=tokens.of("provider")).status_code == 200
    assert api.get(f"{BASE}/ws1/agenda/{CITY_ID}", headers=tokens.of("staff")).status_code == 200
    assert api.get(f"{BASE}/ws1/agenda/{CITY_ID}").status_code == 401

    ics = api.get(f"{BASE}/ws1/agenda/{CITY_ID}/ics", headers=tokens.of("city"))
    assert ics.status_code == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text
    pdf = api.get(f"{BASE}/ws1/agenda/{CITY_ID}/pdf", headers=tokens.of("city"))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.content.startswith(b"%PDF")
    html = api.get(f"{BASE}/ws1/agenda/{CITY_ID}/html", headers=tokens.of("city"))
    assert html.status_code == 200
    assert "<table>" in html.text


def test_participants_cannot_run_the_event(api: TestClient[Any], tokens: Tokens) -> None:
    _staff_event(api, tokens)
    for role in ("city", "provider"):
        headers = tokens.of(role)
        assert api.post(BASE, json={**EVENT, "id": "x"}, headers=headers).status_code == 403
        assert (
            api.post(f"{BASE}/ws1/participants", json=[{"id": CITY_ID}], headers=headers).status_code == 403
        )
        assert api.post(f"{BASE}/ws1/schedule/generate", json={}, headers=headers).status_code == 403
        assert api.post(f"{BASE}/ws1/schedule/publish", headers=headers).status_code == 403
        assert api.get(f"{BASE}/ws1/schedule", headers=headers).status_code == 403
        assert api.get(f"{BASE}/ws1/export/csv", headers=headers).status_code == 403
        assert api.get(f"{BASE}/ws1/participants", headers=headers).status_code == 403
    assert api.get(f"{BASE}/ws1", headers=tokens.of("city")).status_code == 200
    assert api.post(BASE, json=EVENT).status_code == 401


def test_outsiders_see_nothing_of_an_event(api: TestClient[Any], tokens: Tokens) -> None:
    _staff_event(api, tokens, participants=(CITY_ID, PROVIDER_ID))
    outsider = tokens.of("other_city")
    assert api.get(f"{BASE}/ws1", headers=outsider).status_code == 404
    assert api.get(f"{BASE}/ws1/requests", headers=outsider).status_code == 404
    assert api.get(BASE, headers=outsider).json() == []
    assert [e["id"] for e in api.get(BASE, headers=tokens.of("city")).json()] == ["ws1"]
    assert api.get(f"{BASE}/nope", headers=tokens.of("staff")).status_code == 404


def test_an_event_one_does_not_take_part_in_answers_as_an_unknown_one(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """An outsider cannot tell an existing event's id from a made-up one: same status, same words."""
    _staff_event(api, tokens, participants=(CITY_ID, PROVIDER_ID))
    for role in ("other_city", "other_provider"):
        outsider = tokens.of(role)
        for tail in (
            "",
            "/requests",
            "/contacts",
            "/feedback",
            f"/agenda/{CITY_ID}",
            f"/agenda/{CITY_ID}/ics",
        ):
            real = api.get(f"{BASE}/ws1{tail}", headers=outsider)
            made_up = api.get(f"{BASE}/ws9{tail}", headers=outsider)
            assert (real.status_code, made_up.status_code) == (404, 404), (role, tail, real.text)
            assert real.json()["detail"].replace("ws1", "ws9") == made_up.json()["detail"], (role, tail)
        rating = {"other": CITY_ID, "rating": "informative"}
        real = api.post(f"{BASE}/ws1/feedback", json=rating, headers=outsider)
        made_up = api.post(f"{BASE}/ws9/feedback", json=rating, headers=outsider)
        assert (real.status_code, made_up.status_code) == (404, 404), (role, real.text)


def test_requests_between_participants(api: TestClient[Any], tokens: Tokens) -> None:
    _staff_event(api, tokens)
    sent = api.post(
        f"{BASE}/ws1/requests",
        json={"recipient": CITY_ID, "message": "Shall we meet?"},
        headers=tokens.of("provider"),
    )
    assert sent.status_code == 201, sent.text
    req = sent.json()
    assert (req["sender"], req["status"]) == (PROVIDER_ID, "pending")
    spoof = api.post(
        f"{BASE}/ws1/requests",
        json={"recipient": CITY_ID, "sender": OTHER_PROVIDER_ID},
        headers=tokens.of("provider"),
    )
    assert spoof.status_code == 403
    wrong = api.post(
        f"{BASE}/ws1/requests/{req['id']}/answer",
        json={"answer": "accepted"},
        headers=tokens.of("other_city"),
    )
    assert wrong.status_code == 403
    ok = api.post(
        f"{BASE}/ws1/requests/{req['id']}/answer", json={"answer": "accepted"}, headers=tokens.of("city")
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "accepted"
    mine = api.get(f"{BASE}/ws1/requests", headers=tokens.of("other_provider")).json()
    assert mine == []
    assert len(api.get(f"{BASE}/ws1/requests", headers=tokens.of("staff")).json()) == 1


@pytest.mark.parametrize("message", ["", "  \n "])
def test_an_empty_request_message_is_stored_as_no_message(
    api: TestClient[Any], tokens: Tokens, message: str
) -> None:
    _staff_event(api, tokens)
    sent = api.post(
        f"{BASE}/ws1/requests", json={"recipient": CITY_ID, "message": message}, headers=tokens.of("provider")
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["message"] is None
    [received] = api.get(f"{BASE}/ws1/requests", headers=tokens.of("city")).json()
    assert received["message"] is None


def test_infeasible_schedule_is_422_with_what_to_relax(api: TestClient[Any], tokens: Tokens) -> None:
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    api.post(f"{BASE}/ws1/participants", json=[{"id": CITY_ID, "max_meetings": 1}], headers=staff)
    for provider in (PROVIDER_ID, OTHER_PROVIDER_ID):
        api.put(
            f"{BASE}/ws1/pair-rules", json={"a": CITY_ID, "b": provider, "kind": "must_meet"}, headers=staff
        )
    r = api.post(f"{BASE}/ws1/schedule/generate", json={"time_limit": 3}, headers=staff)
    assert r.status_code == 422
    problem = r.json()
    assert problem["reasons"]
    assert any("max_meetings" in reason for reason in problem["reasons"])
    bad = api.post(f"{BASE}/ws1/schedule/generate", json={"time_limit": 600}, headers=staff)
    assert bad.status_code == 422
    assert "time_limit" in bad.json()["detail"]


@pytest.mark.parametrize("rating", ["cooperation_possible", "insufficient_interest"])
def test_feedback_from_participants(api: TestClient[Any], tokens: Tokens, rating: str) -> None:
    _staff_event(api, tokens, participants=(CITY_ID, PROVIDER_ID))
    _generate_and_publish(api, tokens)
    early = api.post(
        f"{BASE}/ws1/feedback", json={"other": PROVIDER_ID, "rating": rating}, headers=tokens.of("city")
    )
    assert early.status_code == 409, early.text
    assert "once it has taken place" in early.text
    # The event took place yesterday after all: staff move it, publish, and the rating is accepted.
    past = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    days = {"days": [past], "start": "09:00", "per_day": 3}
    assert api.patch(f"{BASE}/ws1", json={"days": days}, headers=tokens.of("staff")).status_code == 200
    assert api.post(f"{BASE}/ws1/schedule/publish", headers=tokens.of("staff")).status_code == 200
    r = api.post(
        f"{BASE}/ws1/feedback", json={"other": PROVIDER_ID, "rating": rating}, headers=tokens.of("city")
    )
    assert r.status_code == 201, r.text
    spoof = api.post(
        f"{BASE}/ws1/feedback",
        json={"other": CITY_ID, "rating": rating, "rater": OTHER_PROVIDER_ID},
        headers=tokens.of("provider"),
    )
    assert spoof.status_code == 403
    assert len(api.get(f"{BASE}/ws1/feedback", headers=tokens.of("city")).json()) == 1
    assert api.get(f"{BASE}/ws1/feedback", headers=tokens.of("provider")).json() == []
    signal = api.get(f"{BASE}/feedback-signal", headers=tokens.of("staff")).json()
    expected = 1.0 if rating == "cooperation_possible" else -1.0
    assert signal == [{"a": min(CITY_ID, PROVIDER_ID), "b": max(CITY_ID, PROVIDER_ID), "signal": expected}]
    assert api.get(f"{BASE}/feedback-signal", headers=tokens.of("city")).status_code == 403
    # Nor do the provider's suggested municipalities say how the city rated the meeting.
    suggested = api.get(
        "/api/v1/match/cities", params={"provider": PROVIDER_ID, "top": 50}, headers=tokens.of("provider")
    )
    assert suggested.status_code == 200, suggested.text
    city = next(r for r in suggested.json()["results"] if r["id"] == CITY_ID)
    assert [f for f in city["explanation"]["context"] if f["factor"] == "feedback"] == []


def test_a_participant_taken_out_after_its_meetings_took_place_still_reads_and_rates_them(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """Its agenda and its ratings answered 404 once staff took it out of the event: the meetings that
    took place stay its own, and nothing else of the event is shown to it."""
    _staff_event(api, tokens, participants=(CITY_ID, OTHER_CITY_ID, PROVIDER_ID))
    staff, provider = tokens.of("staff"), tokens.of("provider")
    today = datetime.now(UTC).date()
    days = {"days": [(today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()]}
    days |= {"start": "09:00", "per_day": 1}
    assert api.patch(f"{BASE}/ws1", json={"days": days}, headers=staff).status_code == 200
    for city in (CITY_ID, OTHER_CITY_ID):
        rule = {"a": city, "b": PROVIDER_ID, "kind": "must_meet"}
        assert api.put(f"{BASE}/ws1/pair-rules", json=rule, headers=staff).status_code == 200
    _generate_and_publish(api, tokens)
    before = api.get(f"{BASE}/ws1/agenda/{PROVIDER_ID}", headers=provider).json()["meetings"]
    held = [m for m in before if datetime.fromisoformat(m["start_at"]) < datetime.now(UTC)]
    assert len(before) == 2, "one meeting yesterday, one tomorrow"
    assert len(held) == 1, before
    removed = api.delete(f"{BASE}/ws1/participants/{PROVIDER_ID}", headers=staff)
    assert removed.status_code in (200, 204), removed.text

    agenda = api.get(f"{BASE}/ws1/agenda/{PROVIDER_ID}", headers=provider)
    assert agenda.status_code == 200, agenda.text
    assert [m["with_id"] for m in agenda.json()["meetings"]] == [m["with_id"] for m in held]
    for suffix in ("html", "pdf", "ics"):
        r = api.get(f"{BASE}/ws1/agenda/{PROVIDER_ID}/{suffix}", headers=provider)
        assert r.status_code == 200, (suffix, r.text[:300])
    rated = api.post(
        f"{BASE}/ws1/feedback",
        json={"other": held[0]["with_id"], "rating": "informative"},
        headers=provider,
    )
    assert rated.status_code == 201, rated.text
    assert [f["other"] for f in api.get(f"{BASE}/ws1/feedback", headers=provider).json()] == [
        held[0]["with_id"]
    ]
    # Nothing else of the event: its summary, its participants and others' agendas stay closed.
    assert api.get(f"{BASE}/ws1", headers=provider).status_code == 404
    assert api.get(f"{BASE}/ws1/agenda/{CITY_ID}", headers=provider).status_code == 403
    # Another provider that never took part still learns nothing of the event.
    outsider = api.get(f"{BASE}/ws1/agenda/{OTHER_PROVIDER_ID}", headers=tokens.of("other_provider"))
    assert outsider.status_code == 404


def test_a_maximum_below_the_published_meetings_is_named_by_the_generate_refusal(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """Staff may lower a maximum below the published meetings (to re-plan without keeping them), and
    a generate that keeps them is refused: the refusal named the participant's id only ('kukes')."""
    _staff_event(api, tokens, participants=(CITY_ID, PROVIDER_ID))
    _generate_and_publish(api, tokens)
    staff = tokens.of("staff")
    agenda = api.get(f"{BASE}/ws1/agenda/{PROVIDER_ID}", headers=staff).json()
    held, name = len(agenda["meetings"]), agenda["participant_name"]
    assert held >= 1
    lowered = api.post(
        f"{BASE}/ws1/participants", json=[{"id": PROVIDER_ID, "max_meetings": held - 1}], headers=staff
    )
    assert lowered.status_code == 200, lowered.text
    refused = api.post(f"{BASE}/ws1/schedule/generate", headers=staff)
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert f"{name} has {held} published meeting" in detail
    assert f"raise its maximum to at least {held}" in detail
    assert f" {PROVIDER_ID} has" not in detail
    replanned = api.post(f"{BASE}/ws1/schedule/generate", json={"keep_published": False}, headers=staff)
    assert replanned.status_code == 200, replanned.text


def test_rating_a_meeting_again_replaces_the_rating_and_answers_200(
    api: TestClient[Any], tokens: Tokens
) -> None:
    _staff_event(api, tokens, participants=(CITY_ID, PROVIDER_ID))
    past = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    days = {"days": [past], "start": "09:00", "per_day": 3}
    assert api.patch(f"{BASE}/ws1", json={"days": days}, headers=tokens.of("staff")).status_code == 200
    _generate_and_publish(api, tokens)
    city = tokens.of("city")
    rating = {"other": PROVIDER_ID, "rating": "informative"}
    first = api.post(f"{BASE}/ws1/feedback", json=rating, headers=city)
    assert first.status_code == 201, first.text
    again = api.post(
        f"{BASE}/ws1/feedback",
        json={"other": PROVIDER_ID, "rating": "cooperation_possible", "comment": "A pilot next year."},
        headers=city,
    )
    assert again.status_code == 200, "nothing new was created: the earlier rating was replaced"
    assert (again.json()["rating"], again.json()["comment"]) == ("cooperation_possible", "A pilot next year.")
    [stored] = api.get(f"{BASE}/ws1/feedback", headers=city).json()
    assert stored == again.json()
    operation = api.get("/schema/openapi.json").json()["paths"][f"{BASE}/{{event_id}}/feedback"]["post"]
    responses = operation["responses"]
    assert {"200", "201"} <= responses.keys()


def test_a_participant_rating_itself_is_told_to_choose_the_participant_it_met(
    api: TestClient[Any], tokens: Tokens
) -> None:
    _staff_event(api, tokens, participants=(CITY_ID, PROVIDER_ID))
    r = api.post(
        f"{BASE}/ws1/feedback", json={"other": CITY_ID, "rating": "informative"}, headers=tokens.of("city")
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "you cannot rate yourself; choose the participant you met" in r.json()["detail"]


def test_staff_edit_a_published_event(api: TestClient[Any], tokens: Tokens) -> None:
    _staff_event(api, tokens)
    _generate_and_publish(api, tokens)
    staff = tokens.of("staff")
    body = {
        "venue": "Congress centre",
        "tables": 1,
        "table_labels": ["https://meet.example/l3"],
        "days": {"days": ["2038-03-02", "2038-03-03"], "start": "09:00", "per_day": 2, "minutes": 30},
    }
    assert api.patch(f"{BASE}/ws1", json=body, headers=tokens.of("city")).status_code == 403
    r = api.patch(f"{BASE}/ws1", json=body, headers=staff)
    assert r.status_code == 200, r.text
    report = r.json()
    assert set(report["changed"]) == {"venue", "slots", "tables"}
    assert report["event"]["venue"] == "Congress centre"
    assert len(report["event"]["slots"]) == 4
    assert report["replanned"]["meetings"] > 0
    plan = api.get(f"{BASE}/ws1/schedule", headers=staff).json()
    assert {m["table"] for m in plan} == {1}
    bad = api.patch(f"{BASE}/ws1", json={"tables": 2, "table_labels": ["A"]}, headers=staff)
    assert bad.status_code == 422
    assert "1 table label for 2 tables" in bad.json()["detail"]
    assert api.patch(f"{BASE}/nope", json={"name": "x"}, headers=staff).status_code == 404


def test_a_participant_subscribes_to_its_calendar_by_a_secret_address(
    api: TestClient[Any], tokens: Tokens
) -> None:
    _staff_event(api, tokens)
    _generate_and_publish(api, tokens)
    city = tokens.of("city")
    assert api.post(f"{BASE}/ws1/agenda/{OTHER_CITY_ID}/feed", headers=city).status_code == 403
    r = api.post(f"{BASE}/ws1/agenda/{CITY_ID}/feed", headers=city)
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["url"].endswith(link["path"])
    feed = api.get(link["path"])  # no token, no cookie: a calendar client
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VTIMEZONE" in feed.text
    assert "TZID:Europe/Istanbul" in feed.text
    assert api.delete(f"{BASE}/ws1/agenda/{CITY_ID}/feed", headers=city).status_code == 204
    assert api.get(link["path"]).status_code == 404
    assert api.get("/feeds/not-a-token.ics").status_code == 404


def test_revoking_a_user_stops_the_calendar_addresses_it_made(
    api: TestClient[Any], tokens: Tokens, seeded_settings: Settings
) -> None:
    """A focal point who left kept a working calendar address of its city's meetings after staff
    revoked its account; the addresses it made now answer 404 once it is revoked, and the address
    another user of the same city made keeps working."""
    _staff_event(api, tokens)
    _generate_and_publish(api, tokens)
    staff = tokens.of("staff")
    r = api.post(BASE, json={**EVENT, "id": "ws2", "name": "Second workshop"}, headers=staff)
    assert r.status_code == 201, r.text
    people = [{"id": CITY_ID}, {"id": PROVIDER_ID}]
    assert api.post(f"{BASE}/ws2/participants", json=people, headers=staff).status_code == 200
    assert api.post(f"{BASE}/ws2/schedule/generate", json={"time_limit": 5}, headers=staff).status_code == 200
    assert api.post(f"{BASE}/ws2/schedule/publish", headers=staff).status_code == 200
    leaving = tokens.of("city")
    colleague = {"Authorization": f"Bearer {add_user(seeded_settings, 'city', CITY_ID).token}"}
    theirs = api.post(f"{BASE}/ws1/agenda/{CITY_ID}/feed", headers=leaving)
    kept = api.post(f"{BASE}/ws2/agenda/{CITY_ID}/feed", headers=colleague)
    assert (theirs.status_code, kept.status_code) == (201, 201), (theirs.text, kept.text)
    user_id = api.get("/api/v1/me", headers=leaving).json()["user_id"]

    assert api.post(f"/api/v1/users/{user_id}/revoke", headers=staff).status_code == 204

    assert api.get(theirs.json()["path"]).status_code == 404
    assert api.get(kept.json()["path"]).status_code == 200


def test_rotating_a_users_token_stops_the_calendar_addresses_it_made(
    api: TestClient[Any], tokens: Tokens, seeded_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token is rotated when it may have leaked, yet the calendar addresses made with it kept
    showing the city's meetings to whoever held it. After `matchmaker users rotate` they answer 404,
    as after a revoke; the address another user made keeps working, and the new token makes a new
    address at once."""
    _staff_event(api, tokens)
    _generate_and_publish(api, tokens)
    leaked = tokens.of("city")
    theirs = api.post(f"{BASE}/ws1/agenda/{CITY_ID}/feed", headers=leaked)
    assert theirs.status_code == 201, theirs.text
    kept = api.post(f"{BASE}/ws1/agenda/{PROVIDER_ID}/feed", headers=tokens.of("provider"))
    assert kept.status_code == 201, kept.text
    user_id = api.get("/api/v1/me", headers=leaked).json()["user_id"]

    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", seeded_settings.model_name)
    rotated = CliRunner().invoke(cli_app, ["users", "rotate", str(user_id)])
    assert rotated.exit_code == 0, rotated.output
    assert "calendar feed addresses it made stopped" in rotated.stderr

    assert api.get(theirs.json()["path"]).status_code == 404
    assert api.get(kept.json()["path"]).status_code == 200
    renewed = {"Authorization": f"Bearer {rotated.stdout.strip().splitlines()[-1]}"}
    again = api.post(f"{BASE}/ws1/agenda/{CITY_ID}/feed", headers=renewed)
    assert again.status_code == 201, again.text
    assert api.get(again.json()["path"]).status_code == 200


def test_no_calendar_address_is_made_before_the_schedule_is_published(
    api: TestClient[Any], tokens: Tokens
) -> None:
    _staff_event(api, tokens)
    r = api.post(f"{BASE}/ws1/agenda/{CITY_ID}/feed", headers=tokens.of("city"))
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    said = r.json()["detail"]
    assert "is not published yet: a calendar address can be made once the schedule is published" in said


def test_participants_read_the_matchers_reason_and_never_staff_wording(
    api: TestClient[Any], tokens: Tokens
) -> None:
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    api.put(
        f"{BASE}/ws1/pair-rules", json={"a": CITY_ID, "b": PROVIDER_ID, "kind": "must_meet"}, headers=staff
    )
    _generate_and_publish(api, tokens)
    plan = api.get(f"{BASE}/ws1/schedule", headers=staff).json()
    assert any("must-meet set by staff" in (m["reason"] or "") for m in plan)
    agenda = api.get(f"{BASE}/ws1/agenda/{CITY_ID}", headers=tokens.of("city")).json()
    reasons = [m["reason"] for m in agenda["meetings"]]
    assert any(reasons), "the matcher's reason reaches the participant"
    for text in (
        *[r or "" for r in reasons],
        api.get(f"{BASE}/ws1/agenda/{CITY_ID}/html", headers=tokens.of("city")).text,
        api.get(f"{BASE}/ws1/agenda/{CITY_ID}/ics", headers=tokens.of("city")).text,
    ):
        assert "must-meet" not in text
        assert "score" not in text
        assert f"({PROVIDER_ID})" not in text
    ics = api.get(f"{BASE}/ws1/agenda/{CITY_ID}/ics", headers=tokens.of("city")).text
    assert "Why: " in ics
    csv = api.get(f"{BASE}/ws1/export/csv", headers=staff).text
    assert "reason_for_participants" in csv.splitlines()[0]
    assert "must-meet set by staff" in csv


def test_a_record_taking_part_in_an_event_is_deleted_only_once_it_is_taken_out(
    api: TestClient[Any], tokens: Tokens
) -> None:
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    for path, record in (
        (f"/api/v1/cities/{CITY_ID}", CITY_ID),
        (f"/api/v1/providers/{PROVIDER_ID}", PROVIDER_ID),
    ):
        refused = api.delete(path, headers=staff)
        assert refused.status_code == 409, refused.text
        assert f"{record!r} takes part in event ws1;" in refused.json()["detail"]
        assert api.get(path, headers=staff).status_code == 200
        assert api.delete(f"{BASE}/ws1/participants/{record}", headers=staff).status_code == 204
        assert api.delete(path, headers=staff).status_code == 204
    assert api.delete("/api/v1/cities/no-such-city", headers=staff).status_code == 404


def test_generate_takes_no_body_with_every_option_at_its_default(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """`POST …/schedule/generate?wait=false` as api/README.md writes it, with no body: every option of
    GenerateIn has a default, and the OpenAPI document says the body is optional."""
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    waited = api.post(f"{BASE}/ws1/schedule/generate", headers=staff)
    assert waited.status_code == 200, waited.text
    assert waited.json()["meetings"] > 0
    queued = api.post(f"{BASE}/ws1/schedule/generate?wait=false", headers=staff)
    assert queued.status_code == 202, queued.text
    assert queued.headers["location"].startswith("/api/v1/jobs/")
    body = api.get("/schema/openapi.json").json()["paths"][f"{BASE}/{{event_id}}/schedule/generate"]["post"]
    assert body["requestBody"]["required"] is False


def test_generating_an_event_whose_stored_zone_is_unknown_names_the_event_not_a_body(
    api: TestClient[Any], tokens: Tokens, seeded_settings: Settings
) -> None:
    """A database restored on a machine with older time-zone data: generate, sent without a body,
    was refused with an error of the body's field ``timezone``."""
    _staff_event(api, tokens)
    services = Services.build(seeded_settings)
    try:
        with services.database.unit_of_work() as session:
            row = session.get(Event, "ws1")
            assert row is not None
            row.timezone = "Mars/Olympus_Mons"
            session.add(row)
    finally:
        services.close()
    r = api.post(f"{BASE}/ws1/schedule/generate", headers=tokens.of("staff"))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert "body" not in r.text
    assert "errors" not in problem
    assert problem["detail"].startswith("event 'ws1' cannot be planned as it is stored: timezone: unknown")
    assert "Mars/Olympus_Mons" in problem["detail"]
    assert "change the event" in problem["detail"]


def test_a_participant_of_an_unknown_event_is_told_the_event_is_unknown(
    api: TestClient[Any], tokens: Tokens
) -> None:
    staff = tokens.of("staff")
    for method, path in (
        ("DELETE", f"{BASE}/no-such-event/participants/{CITY_ID}"),
        ("GET", f"{BASE}/no-such-event/agenda/{CITY_ID}"),
    ):
        r = api.request(method, path, headers=staff)
        assert r.status_code == 404, r.text
        assert r.json()["detail"] == "no event with id 'no-such-event'", (method, path)


def test_a_misspelt_field_in_a_body_is_refused_not_dropped(api: TestClient[Any], tokens: Tokens) -> None:
    """A field the body does not have (``mesage`` for ``message``) is a 422 naming it, and nothing is
    stored: the request would otherwise go out without the message the sender wrote."""
    _staff_event(api, tokens)
    staff, city = tokens.of("staff"), tokens.of("city")
    misspelt = [
        (f"{BASE}/ws1/requests", {"recipient": PROVIDER_ID, "mesage": "Let us meet"}, city, "mesage"),
        (
            f"{BASE}/ws1/feedback",
            {"other": PROVIDER_ID, "rating": "informative", "coment": "x"},
            city,
            "coment",
        ),
        (f"{BASE}/ws1/schedule/generate", {"time_limt": 1}, staff, "time_limt"),
        (f"{BASE}/ws1/schedule/lock", {"a": CITY_ID, "b": PROVIDER_ID, "lock": False}, staff, "lock"),
        (f"{BASE}/ws1/requests/1/answer", {"answer": "accepted", "reason": "x"}, city, "reason"),
    ]
    for path, body, headers, key in misspelt:
        r = api.post(path, json=body, headers=headers)
        assert r.status_code == 422, (path, r.text)
        assert key in [e["key"] for e in r.json()["errors"]], (path, r.json())
    rule = api.put(
        f"{BASE}/ws1/pair-rules", json={"a": CITY_ID, "b": PROVIDER_ID, "kind": None, "x": 1}, headers=staff
    )
    assert rule.status_code == 422, rule.text
    assert api.get(f"{BASE}/ws1/requests", headers=staff).json() == []
    assert api.get(f"{BASE}/ws1/schedule", headers=staff).json() == []
    schemas = api.get("/schema/openapi.json").json()["components"]["schemas"]
    assert schemas["MyRequestIn"]["additionalProperties"] is False, "the document says extras are refused"


def test_staff_read_the_published_meetings_a_withdrawn_slot_no_longer_fits(
    api: TestClient[Any], tokens: Tokens
) -> None:
    _staff_event(api, tokens, participants=(CITY_ID, OTHER_CITY_ID, PROVIDER_ID))
    rule = {"a": CITY_ID, "b": PROVIDER_ID, "kind": "must_meet"}
    assert api.put(f"{BASE}/ws1/pair-rules", json=rule, headers=tokens.of("staff")).status_code == 200
    _generate_and_publish(api, tokens)
    staff = tokens.of("staff")
    withdrawn = f"{BASE}/ws1/schedule/withdrawn"
    assert api.get(withdrawn, headers=staff).json() == []
    [meeting] = [
        m
        for m in api.get(f"{BASE}/ws1/schedule", headers=staff).json()
        if {m["a"], m["b"]} == {CITY_ID, PROVIDER_ID}
    ]

    # Kukës can no longer come to that slot.
    others = [
        s["id"] for s in api.get(f"{BASE}/ws1", headers=staff).json()["slots"] if s["id"] != meeting["slot"]
    ]
    r = api.post(f"{BASE}/ws1/participants", json=[{"id": CITY_ID, "available": others}], headers=staff)
    assert r.status_code == 200, r.text
    r = api.get(withdrawn, headers=staff)
    assert r.status_code == 200, r.text
    [item] = r.json()
    assert (item["slot"], item["table"], {item["a"], item["b"]}) == (
        meeting["slot"],
        meeting["table"],
        {CITY_ID, PROVIDER_ID},
    )
    assert (item["away"], item["away_ids"]) == (["Kukës"], [CITY_ID])
    assert item["start"].startswith("2038-03-02T")

    # Staff only, as the other staff-only event routes: participants never see others' availability.
    for role in ("city", "provider", "other_city"):
        refused = api.get(withdrawn, headers=tokens.of(role))
        assert refused.status_code == 403, (role, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert api.get(f"{BASE}/ws1/participants", headers=tokens.of(role)).status_code == 403
        assert "Kukës" not in refused.text
    assert api.get(withdrawn).status_code == 401
    assert api.get(f"{BASE}/nope/schedule/withdrawn", headers=staff).status_code == 404


def test_every_slot_time_the_api_gives_names_its_offset_beside_the_local_time(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """A client in another zone places each meeting: beside ``start``/``end`` as they were (the venue's
    wall clock), ``start_at``/``end_at`` carry the offset, and the event's IANA zone is named."""
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    _generate_and_publish(api, tokens)

    (listed,) = api.get(BASE, headers=staff).json()
    one = api.get(f"{BASE}/ws1", headers=staff).json()
    for event in (listed, one):
        first = event["slots"][0]
        assert (first["start"], first["end"]) == ("2038-03-02T09:00:00", "2038-03-02T09:20:00")
        assert (first["start_at"], first["end_at"]) == (
            "2038-03-02T09:00:00+03:00",
            "2038-03-02T09:20:00+03:00",
        )
        assert event["timezone"] == "Europe/Istanbul"

    plan = api.get(f"{BASE}/ws1/schedule", headers=staff).json()
    assert plan
    for m in plan:
        assert m["start_at"] == f"{m['start']}+03:00"
        assert m["end_at"] == f"{m['end']}+03:00"
        assert m["timezone"] == "Europe/Istanbul"

    agenda = api.get(f"{BASE}/ws1/agenda/{CITY_ID}", headers=tokens.of("city")).json()
    assert agenda["timezone"] == "Europe/Istanbul"
    assert agenda["meetings"]
    for m in agenda["meetings"]:
        assert m["start_at"].endswith("+03:00")
        assert datetime.fromisoformat(m["start_at"]) == datetime.fromisoformat(m["start"])
        assert m["timezone"] == "Europe/Istanbul"

    schema = api.get("/schema/openapi.json").json()["components"]["schemas"]
    described = {
        name: props["start_at"].get("description", "")
        for name, body in schema.items()
        if "start_at" in (props := body.get("properties", {}))
    }
    assert described
    assert all("offset" in text for text in described.values()), described


def test_slot_times_of_an_event_without_a_zone_are_given_in_utc(api: TestClient[Any], tokens: Tokens) -> None:
    staff = tokens.of("staff")
    r = api.post(BASE, json={**EVENT, "id": "ws2", "timezone": None}, headers=staff)
    assert r.status_code == 201, r.text
    slot = r.json()["slots"][0]
    assert (slot["start"], slot["start_at"]) == ("2038-03-02T09:00:00", "2038-03-02T09:00:00Z")
    assert r.json()["timezone"] is None


def test_a_sender_withdraws_its_pending_request_and_the_recipient_no_longer_sees_it(
    api: TestClient[Any], tokens: Tokens
) -> None:
    _staff_event(api, tokens)
    sent = api.post(f"{BASE}/ws1/requests", json={"recipient": PROVIDER_ID}, headers=tokens.of("city"))
    assert sent.status_code == 201, sent.text
    path = f"{BASE}/ws1/requests/{sent.json()['id']}"
    assert api.delete(path, headers=tokens.of("provider")).status_code == 403  # the recipient
    assert api.delete(path, headers=tokens.of("city")).status_code == 204
    assert api.get(f"{BASE}/ws1/requests", headers=tokens.of("provider")).json() == []
    assert api.delete(path, headers=tokens.of("city")).status_code == 404
    # An answered request stays: withdrawing is for a request still waiting for its answer.
    again = api.post(f"{BASE}/ws1/requests", json={"recipient": PROVIDER_ID}, headers=tokens.of("city"))
    answered = f"{BASE}/ws1/requests/{again.json()['id']}"
    api.post(f"{answered}/answer", json={"answer": "accepted"}, headers=tokens.of("provider"))
    refused = api.delete(answered, headers=tokens.of("city"))
    assert refused.status_code == 409, refused.text
    assert "accepted" in refused.json()["detail"]


def test_two_tables_of_one_event_may_not_share_a_label(api: TestClient[Any], tokens: Tokens) -> None:
    staff = tokens.of("staff")
    twice = api.post(BASE, json={**EVENT, "tables": None, "table_labels": ["A", "A"]}, headers=staff)
    assert twice.status_code == 422
    assert "tables 1 and 2 are both labelled 'A'" in twice.json()["detail"]
    _staff_event(api, tokens)
    bad = api.patch(f"{BASE}/ws1", json={"table_labels": ["Room", "Hall", "Room"]}, headers=staff)
    assert bad.status_code == 422
    assert "tables 1 and 3 are both labelled 'Room'" in bad.json()["detail"]


def test_staff_clear_an_events_time_zone(api: TestClient[Any], tokens: Tokens) -> None:
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    r = api.patch(f"{BASE}/ws1", json={"timezone": ""}, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["changed"] == ["timezone"]
    assert api.get(f"{BASE}/ws1", headers=staff).json()["timezone"] is None
    kept = api.patch(f"{BASE}/ws1", json={"timezone": None, "venue": "Hall"}, headers=staff)
    assert kept.json()["event"]["timezone"] is None


def test_an_event_created_with_an_empty_time_zone_has_none_as_editing_reads_it(
    api: TestClient[Any], tokens: Tokens
) -> None:
    staff = tokens.of("staff")
    r = api.post(BASE, json={**EVENT, "timezone": ""}, headers=staff)
    assert r.status_code == 201, r.text
    assert r.json()["timezone"] is None
    assert api.get(f"{BASE}/ws1", headers=staff).json()["timezone"] is None
    unknown = api.post(BASE, json={**EVENT, "id": "ws2", "timezone": "Mars/Base"}, headers=staff)
    assert unknown.status_code == 422
    assert "unknown time zone 'Mars/Base'" in unknown.text


def test_deleting_a_published_event_answers_how_many_were_told(api: TestClient[Any], tokens: Tokens) -> None:
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    assert api.post(f"{BASE}/ws1/schedule/generate", json={"time_limit": 5}, headers=staff).status_code == 200
    published = api.post(f"{BASE}/ws1/schedule/publish", headers=staff).json()
    r = api.delete(f"{BASE}/ws1", headers=staff)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["published"] is True
    assert report["messages"] == published["messages"], (
        "everyone told of the schedule is told it is cancelled"
    )
    assert report["not_told"] == published["not_told"]
    assert api.get(f"{BASE}/ws1", headers=staff).status_code == 404


def test_the_calendar_address_starts_with_the_public_url_whatever_the_host_header(
    seeded_settings: Settings, tokens: Tokens
) -> None:
    """Behind a reverse proxy, or with a forged Host header, the address was built from the Host the
    request named; with MATCHMAKER_PUBLIC_URL set it starts with that address, as e-mail links do."""
    public = "https://matchmaker.example.org/events"
    settings = web_settings_for(seeded_settings.home, public_url=public)
    with TestClient(create_app(settings)) as api:
        _staff_event(api, tokens)
        _generate_and_publish(api, tokens)
        r = api.post(
            f"{BASE}/ws1/agenda/{CITY_ID}/feed", headers={**tokens.of("city"), "Host": "evil.example:666"}
        )
        assert r.status_code == 201, r.text
        link = r.json()
        assert link["url"] == public + link["path"]
        assert "evil.example" not in r.text


def test_without_a_public_url_the_calendar_address_is_the_one_the_request_reached(
    api: TestClient[Any], tokens: Tokens
) -> None:
    _staff_event(api, tokens)
    _generate_and_publish(api, tokens)
    r = api.post(
        f"{BASE}/ws1/agenda/{CITY_ID}/feed", headers={**tokens.of("city"), "Host": "mm.internal:8080"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["url"] == "http://mm.internal:8080" + r.json()["path"]


def test_a_request_deadline_without_an_offset_is_refused_with_an_example_that_has_one(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """A deadline is an instant: one written without a UTC offset is refused in words that say how to
    write it, and the way they show is accepted."""
    staff = tokens.of("staff")
    r = api.post(BASE, json={**EVENT, "request_deadline": "2038-02-25T17:00"}, headers=staff)
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["key"] == "request_deadline"
    assert error["message"] == "must have a UTC offset, such as 2027-03-02T09:00+03:00 or 2027-03-02T06:00Z"
    assert "Input should" not in r.text
    r = api.post(BASE, json={**EVENT, "request_deadline": "2038-02-25T17:00+03:00"}, headers=staff)
    assert r.status_code == 201, r.text
    r = api.patch(f"{BASE}/ws1", json={"request_deadline": "2038-02-26T17:00"}, headers=staff)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == (
        "request_deadline: must have a UTC offset, such as 2027-03-02T09:00+03:00 or 2027-03-02T06:00Z"
    )


def test_staff_who_leave_out_whom_they_act_for_are_told_which_field_to_give(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """Staff may act for any participant, so leaving out which one is a mistake in the input (422 for
    a body field, 400 for a query parameter, naming it), not a refusal of the role (403)."""
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    rating = {"other": PROVIDER_ID, "rating": "informative"}
    cases = [
        ("POST", f"{BASE}/ws1/requests", {"recipient": PROVIDER_ID}, 422, "sender", "body"),
        ("POST", f"{BASE}/ws1/feedback", rating, 422, "rater", "body"),
        ("GET", f"{BASE}/ws1/contacts", None, 400, "participant", "query"),
    ]
    for method, path, body, status, key, source in cases:
        r = api.request(method, path, json=body, headers=staff)
        assert r.status_code == status, (path, r.text)
        (error,) = r.json()["errors"]
        assert (error["key"], error["source"]) == (key, source), (path, r.json())
        assert r.json()["detail"].startswith(f"{key}: staff must name"), (path, r.json())
    r = api.post(f"{BASE}/ws1/requests", json={"recipient": PROVIDER_ID, "sender": CITY_ID}, headers=staff)
    assert r.status_code == 201, r.text


def test_the_conflicts_of_an_unpublished_event_are_in_the_api_document(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """Publishing with no plan, the organisers' exports and documents and a calendar address before
    publication, and withdrawing an answered request are 409s; the document says each operation may
    answer so, as a client generated from it must know."""
    _staff_event(api, tokens)
    staff, city, provider = tokens.of("staff"), tokens.of("city"), tokens.of("provider")
    sent = api.post(f"{BASE}/ws1/requests", json={"recipient": PROVIDER_ID}, headers=city).json()
    answer = {"answer": "accepted"}
    assert (
        api.post(f"{BASE}/ws1/requests/{sent['id']}/answer", json=answer, headers=provider).status_code == 200
    )
    calls = [
        ("post", "/schedule/publish", "/schedule/publish"),
        ("get", "/export/csv", "/export/csv"),
        ("get", "/export/xlsx", "/export/xlsx"),
        ("get", "/documents/booklet.pdf", "/documents/booklet.pdf"),
        ("get", "/documents/table-cards.pdf", "/documents/table-cards.pdf"),
        ("post", f"/agenda/{CITY_ID}/feed", "/agenda/{participant_id}/feed"),
        ("delete", f"/requests/{sent['id']}", "/requests/{request_id}"),
    ]
    paths = api.get("/schema/openapi.json").json()["paths"]
    for method, path, template in calls:
        r = api.request(method.upper(), f"{BASE}/ws1{path}", headers=staff)
        assert r.status_code == 409, (path, r.text)
        responses = paths[f"{BASE}/{{event_id}}{template}"][method]["responses"]
        assert "409" in responses, f"{method} {template} answers 409 but does not say so"
        assert "application/problem+json" in responses["409"]["content"]


def test_publishing_a_generated_schedule_without_meetings_says_why_not_to_generate_it(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """Staff who generated a schedule in which nobody can meet (one participant) were told to generate
    the schedule first; they are told it has no meeting and what would give it some."""
    _staff_event(api, tokens, participants=(CITY_ID,))
    staff = tokens.of("staff")
    r = api.post(f"{BASE}/ws1/schedule/publish", headers=staff)
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == "event 'ws1' has no planned meetings; generate the schedule first"
    r = api.post(f"{BASE}/ws1/schedule/generate", headers=staff)
    assert (r.status_code, r.json()["meetings"]) == (200, 0), r.text
    r = api.post(f"{BASE}/ws1/schedule/publish", headers=staff)
    assert r.status_code == 409, r.text
    detail = r.json()["detail"]
    assert "generate the schedule first" not in detail
    assert detail.startswith("the schedule generated for event 'ws1' has no meeting"), detail
    assert "add participants" in detail


def test_publishing_after_the_slots_were_replaced_without_a_re_plan_cancels_what_no_longer_has_a_slot(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """Staff replaced every slot of a published event with ``replan: false``: the plan shows no meeting
    (none has a slot any longer), and publishing it answered 500; it publishes that plan, the
    meetings published before becoming cancelled."""
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    _generate_and_publish(api, tokens)
    published = api.get(f"{BASE}/ws1/schedule", headers=staff).json()
    assert published
    later = [{"id": "d2", "start": "2038-03-03T09:00", "end": "2038-03-03T09:20"}]
    r = api.patch(f"{BASE}/ws1", json={"slots": later, "replan": False}, headers=staff)
    assert r.status_code == 200, r.text
    assert api.get(f"{BASE}/ws1/schedule", headers=staff).json() == []
    r = api.post(f"{BASE}/ws1/schedule/publish", headers=staff)
    assert r.status_code == 200, r.text
    assert (r.json()["confirmed"], r.json()["cancelled"]) == (0, len(published))
    assert api.get(f"{BASE}/ws1/agenda/{CITY_ID}", headers=staff).json()["meetings"] == []
    calendar = api.get(f"{BASE}/ws1/agenda/{CITY_ID}/ics", headers=staff).text
    assert "STATUS:CANCELLED" in calendar
    assert "STATUS:CONFIRMED" not in calendar


def test_a_plan_at_tables_the_event_no_longer_has_is_not_published(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """Staff took tables away with ``replan: false``; publishing put meetings at tables the event no
    longer had (three meetings at one table at once). It is refused with what to do, and nothing is
    published."""
    _staff_event(api, tokens)
    staff = tokens.of("staff")
    r = api.post(f"{BASE}/ws1/schedule/generate", json={"time_limit": 5}, headers=staff)
    assert r.status_code == 200, r.text
    assert max(m["table"] for m in api.get(f"{BASE}/ws1/schedule", headers=staff).json()) == 2
    r = api.patch(f"{BASE}/ws1", json={"tables": 1, "replan": False}, headers=staff)
    assert r.status_code == 200, r.text
    r = api.post(f"{BASE}/ws1/schedule/publish", headers=staff)
    assert r.status_code == 409, r.text
    assert "table 2" in r.json()["detail"]
    assert "generate the schedule again" in r.json()["detail"]
    assert api.get(f"{BASE}/ws1", headers=staff).json()["published_version"] == 0


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        ({"tables": None}, "tables", "give the number of tables or one label per table"),
        ({"tables": 3, "table_labels": ["A", "B"]}, "table_labels", "2 table labels for 3 tables"),
    ],
)
def test_an_event_refused_for_its_tables_names_the_field(
    api: TestClient[Any], tokens: Tokens, change: dict[str, Any], key: str, message: str
) -> None:
    """A client reading the errors of a refused event was told the key "body" for a problem of its
    tables; the key now names the field to correct."""
    body = {k: v for k, v in {**EVENT, **change}.items() if v is not None}
    r = api.post(BASE, json=body, headers=tokens.of("staff"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"key": key, "message": message, "source": "body"}]


def test_an_edit_refused_for_its_table_labels_names_the_field(api: TestClient[Any], tokens: Tokens) -> None:
    """As for a new event, an edit giving labels that do not match the number of tables names
    table_labels, not the whole body."""
    staff = tokens.of("staff")
    _staff_event(api, tokens)
    r = api.patch(f"{BASE}/ws1", json={"tables": 3, "table_labels": ["A", "B"]}, headers=staff)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"key": "table_labels", "message": "2 table labels for 3 tables", "source": "body"}
    ]


def test_an_event_id_naming_a_page_of_the_events_api_is_refused(api: TestClient[Any], tokens: Tokens) -> None:
    # GET /api/v1/events/feedback-signal answers the feedback signal, so such an event was listed
    # but could never be read at its address.
    staff = tokens.of("staff")
    r = api.post(BASE, json={**EVENT, "id": "feedback-signal"}, headers=staff)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["key"] == "id"
    assert "'feedback-signal' is the address of the feedback signal" in r.json()["detail"]
    assert api.get(BASE, headers=staff).json() == []
