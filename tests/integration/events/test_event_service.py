"""Events end to end through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from events_support import EventCalls
from matchmaker.db.events import Event
from matchmaker.errors import (
    ConflictError,
    IndexUnavailableError,
    InfeasibleScheduleError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from matchmaker.services.container import Services
from matchmaker.services.events import EventServices
from matchmaker.services.events.schemas import (
    EventCreate,
    FeedbackIn,
    ParticipantIn,
    PlannedMeeting,
    RequestCreate,
    SlotIn,
)
from matchmaker.services.matching import Matcher
from matchmaker.settings import Settings

Score = Callable[[str, str], float | None]
#: A moment after every meeting of the test events.
AFTER = datetime(2038, 3, 3, tzinfo=UTC)


def _plan_pairs(ev: EventCalls, event_id: str) -> dict[tuple[str, str], tuple[str, int]]:
    return {(m.a, m.b): (m.slot, m.table) for m in ev.plan(lambda p: p.planned(event_id))}


def test_create_event_stores_slots_tables_and_participants(
    db_settings: Settings, ev: EventCalls, event: str
) -> None:
    summary = ev(lambda e: e.catalog.get(event))
    assert [s.id for s in summary.slots] == ["s1", "s2", "s3"]
    assert summary.tables == 2
    assert summary.participants == 5
    people = {p.id: p for p in ev(lambda e: e.catalog.participants(event))}
    assert people["kukes"].name == "Kukës"
    assert people["kukes"].side == "city"
    assert people["acme"].side == "provider"
    with pytest.raises(ConflictError):
        ev(
            lambda e: e.catalog.create(
                EventCreate(
                    id=event,
                    name="again",
                    tables=1,
                    slots=[SlotIn(start=datetime(2038, 3, 2, 9), end=datetime(2038, 3, 2, 9, 20))],  # noqa: DTZ001
                )
            )
        )


def test_only_stored_records_and_known_slots_can_join(
    db_settings: Settings, ev: EventCalls, event: str
) -> None:
    with pytest.raises(InvalidInputError, match="nowhere"):
        ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id="nowhere")]))
    with pytest.raises(InvalidInputError, match="s9"):
        ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id="osh", available=["s1", "s9"])]))
    updated = ev(
        lambda e: e.catalog.add_participants(
            event, [ParticipantIn(id="osh", available=["s2"], max_meetings=1)]
        )
    )
    assert updated[0].available == ["s2"]
    assert updated[0].max_meetings == 1


def test_a_participant_given_twice_with_other_values_is_refused_not_half_kept(
    db_settings: Settings, ev: EventCalls, event: str
) -> None:
    twice = [ParticipantIn(id="osh", available=["s1"]), ParticipantIn(id="osh", max_meetings=3)]
    with pytest.raises(InvalidInputError, match="'osh' is given twice with other availability or maximum"):
        ev(lambda e: e.catalog.add_participants(event, twice))
    kept = {p.id: p for p in ev(lambda e: e.catalog.participants(event))}
    assert (kept["osh"].available, kept["osh"].max_meetings) == (None, None), "nothing changed"
    same = ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id="osh", max_meetings=2)] * 2))
    assert [(p.id, p.max_meetings) for p in same] == [("osh", 2)], "the same values twice are kept once"


def test_generate_respects_rules_and_prefers_best_pairs(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    ev(lambda e: e.pair_rules.set(event, "tirana", "databridge", "must_meet"))
    ev(lambda e: e.pair_rules.set(event, "kukes", "databridge", "blocked"))
    report = ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    assert report.score_source == "custom"
    pairs = _plan_pairs(ev, event)
    assert ("tirana", "databridge") in pairs
    assert ("kukes", "databridge") not in pairs
    assert ("kukes", "acme") in pairs
    assert report.stats["unmatched_participants"] == []
    busy = [(slot, pid) for (a, b), (slot, _t) in pairs.items() for pid in (a, b)]
    assert len(busy) == len(set(busy)), "nobody is in two meetings in one slot"


def test_two_providers_can_never_be_a_pair(db_settings: Settings, ev: EventCalls, event: str) -> None:
    with pytest.raises(InvalidInputError, match="two providers"):
        ev(lambda e: e.pair_rules.set(event, "acme", "databridge", "must_meet"))
    with pytest.raises(InvalidInputError, match="two providers"):
        ev(lambda e: e.requests.create(event, RequestCreate(sender="acme", recipient="databridge")))


def test_infeasible_must_meets_say_what_to_relax(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id="osh", available=["s1"])]))
    ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id="acme", available=["s2"])]))
    ev(lambda e: e.pair_rules.set(event, "osh", "acme", "must_meet"))
    with pytest.raises(InfeasibleScheduleError) as info:
        ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    assert any("Osh" in r and "Acme" in r and "availability" in r for r in info.value.reasons)
    relaxed = ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5, relax_must_meet=True))
    assert relaxed.unscheduled_must_meet == [("acme", "osh")]


def test_requests_have_a_status_and_expire_after_the_deadline(
    db_settings: Settings, ev: EventCalls, services: Services, event: str
) -> None:
    sent = ev(lambda e: e.requests.create(event, RequestCreate(sender="acme", recipient="osh", message="Hi")))
    assert sent.status == "pending"
    with pytest.raises(ConflictError):
        ev(lambda e: e.requests.create(event, RequestCreate(sender="acme", recipient="osh")))
    with pytest.raises(PermissionDeniedError):
        ev(lambda e: e.requests.answer(event, sent.id, "accepted", by="kukes"))
    accepted = ev(lambda e: e.requests.answer(event, sent.id, "accepted", by="osh"))
    assert accepted.status == "accepted"

    late = ev(lambda e: e.requests.create(event, RequestCreate(sender="databridge", recipient="tirana")))
    _set_deadline(services, event, datetime.now(UTC) - timedelta(minutes=1))
    statuses = {r.id: r.status for r in ev(lambda e: e.requests.list(event))}
    assert statuses == {sent.id: "accepted", late.id: "expired"}
    with pytest.raises(ConflictError, match="expired"):
        ev(lambda e: e.requests.answer(event, late.id, "accepted", by="tirana"))
    with pytest.raises(ConflictError, match="deadline"):
        ev(lambda e: e.requests.create(event, RequestCreate(sender="acme", recipient="kukes")))
    mine = ev(lambda e: e.requests.list(event, participant="tirana"))
    assert [r.id for r in mine] == [late.id]


def test_an_answer_is_final_for_the_participant_once_the_schedule_is_published(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    sent = ev(lambda e: e.requests.create(event, RequestCreate(sender="acme", recipient="osh")))
    ev(lambda e: e.requests.answer(event, sent.id, "declined", by="osh"))
    # Before publication the recipient may still change its mind.
    assert ev(lambda e: e.requests.answer(event, sent.id, "accepted", by="osh")).status == "accepted"
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))
    with pytest.raises(ConflictError, match=r"schedule of .* is published; ask the ministry.s staff"):
        ev(lambda e: e.requests.answer(event, sent.id, "declined", by="osh"))
    statuses = {r.id: r.status for r in ev(lambda e: e.requests.list(event))}
    assert statuses[sent.id] == "accepted"
    # The same answer again changes nothing and is not refused; staff may still change it.
    assert ev(lambda e: e.requests.answer(event, sent.id, "accepted", by="osh")).status == "accepted"
    assert ev(lambda e: e.requests.answer(event, sent.id, "declined")).status == "declined"


def _set_deadline(services: Services, event_id: str, when: datetime) -> None:
    with services.database.unit_of_work() as session:
        row = session.get(Event, event_id)
        assert row is not None
        row.request_deadline = when
        session.add(row)


def _add(e: EventServices, *, event_id: str, items: list[ParticipantIn]) -> None:
    e.catalog.add_participants(event_id, items)


def test_accepted_request_is_scheduled_even_for_a_weak_pair(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    for pid in ("kukes", "osh", "tirana", "acme", "databridge"):
        one = [ParticipantIn(id=pid, max_meetings=1)]
        ev(partial(_add, event_id=event, items=one))
    req = ev(lambda e: e.requests.create(event, RequestCreate(sender="databridge", recipient="tirana")))
    ev(lambda e: e.requests.answer(event, req.id, "accepted"))
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    assert ("tirana", "databridge") in _plan_pairs(ev, event)


def test_replan_keeps_published_meetings_and_reports_what_moved(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    first = ev.plan(lambda p: p.publish(event))
    assert first.version == 1
    assert first.new == first.confirmed > 0
    before = _plan_pairs(ev, event)

    # A late change: tirana drops out. Its meetings are cancelled, the other published ones stay put.
    ev(lambda e: e.catalog.remove_participant(event, "tirana"))
    kept = ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    after = _plan_pairs(ev, event)
    assert kept.kept_published
    assert {pair: place for pair, place in before.items() if "tirana" not in pair} == after
    assert kept.changes_vs_published is not None
    assert kept.changes_vs_published.moved == []
    assert {m.a for m in kept.changes_vs_published.cancelled} == {"tirana"}
    assert any(line.startswith("cancelled: Tirana") for line in kept.moved)

    # Told otherwise, a meeting whose participant is no longer available moves, and the report says so.
    kukes_slot = before[("kukes", "acme")][0]
    others = [s for s in ("s1", "s2", "s3") if s != kukes_slot]
    ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id="kukes", available=others)]))
    moved = ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5, keep_published=False))
    assert not moved.kept_published
    assert moved.changes_vs_published is not None
    moved_pairs = {(m.after.a, m.after.b) for m in moved.changes_vs_published.moved}
    assert ("kukes", "acme") in moved_pairs
    assert any(line.startswith("moved: Kukës – Acme Mobility") for line in moved.moved)


def test_a_replan_that_lets_published_meetings_move_keeps_those_that_took_place(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    """Re-planned with published meetings free to move during the event (``--replan-published``),
    the meetings of the slots already over were rewritten: one that took place was cancelled or moved
    to a later slot, and a new meeting was put in a slot that had ended."""
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))
    before = _plan_pairs(ev, event)
    during_s2 = datetime(2038, 3, 2, 10, 5, tzinfo=ZoneInfo("Europe/Istanbul"))

    def flipped(a: str, b: str) -> float:  # other pairs are now the best ones
        return 1.0 - (scorer(a, b) or 0.0)

    report = ev.plan(
        lambda p: p.generate(event, score=flipped, time_limit=5, keep_published=False, now=during_s2)
    )
    after = _plan_pairs(ev, event)
    took_place = {pair: place for pair, place in before.items() if place[0] in ("s1", "s2")}
    assert took_place
    assert {pair: place for pair, place in after.items() if place[0] in ("s1", "s2")} == took_place
    assert report.changes_vs_published is not None
    gone = [*report.changes_vs_published.cancelled, *(m.before for m in report.changes_vs_published.moved)]
    assert all(m.slot == "s3" for m in gone)


def test_a_meeting_kept_by_a_replan_keeps_the_reason_participants_read(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))
    before = {(m.a, m.b): m.public_reason for m in ev.plan(lambda p: p.planned(event))}
    assert before
    assert all(before.values())

    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    after = {(m.a, m.b): m.public_reason for m in ev.plan(lambda p: p.planned(event))}
    assert after == before, "a kept meeting's 'Why' is neither blanked nor reworded by a re-plan"


def test_publish_updates_calendars_instead_of_duplicating(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))
    first = ev(lambda e: e.agendas.calendar(event, "kukes")).decode()
    uid_line = next(line for line in first.splitlines() if line.startswith("UID:"))
    assert "SEQUENCE:0" in first

    # Publishing the same plan again changes nothing.
    again = ev.plan(lambda p: p.publish(event))
    assert again.version == 1, "no new version of an unchanged schedule"
    assert again.unchanged == again.confirmed
    assert again.new == again.changed == again.cancelled == 0

    # kukes can no longer come: its meetings are cancelled (same UID, higher SEQUENCE), not duplicated.
    ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id="kukes", max_meetings=0)]))
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5, keep_published=False))
    third = ev.plan(lambda p: p.publish(event))
    assert third.cancelled >= 1
    feed = ev(lambda e: e.agendas.calendar(event, "kukes")).decode()
    assert feed.count(uid_line) == 1
    assert "STATUS:CANCELLED" in feed
    assert "SEQUENCE:1" in feed
    agenda = ev(lambda e: e.agendas.agenda(event, "kukes"))
    assert agenda.meetings == []
    with_cancelled = ev(lambda e: e.agendas.agenda(event, "kukes", include_cancelled=True))
    assert {m.status for m in with_cancelled.meetings} == {"CANCELLED"}


def test_agenda_and_exports(db_settings: Settings, ev: EventCalls, event: str, scorer: Score) -> None:
    with pytest.raises(ConflictError, match="generate"):
        ev.plan(lambda p: p.publish(event))
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    with pytest.raises(ConflictError, match="not published"):
        ev(lambda e: e.agendas.csv(event))
    plan_csv = ev(lambda e: e.agendas.csv(event, source="plan"))
    assert plan_csv.splitlines()[0].startswith("slot,start,end,table,a,a_name,b,b_name,score,reason")
    ev.plan(lambda p: p.publish(event))
    csv_text = ev(lambda e: e.agendas.csv(event))
    assert "Kukës" in csv_text
    assert "match score 0.90" in csv_text
    assert "Acme Mobility" in csv_text

    agenda = ev(lambda e: e.agendas.agenda(event, "kukes"))
    assert agenda.participant_name == "Kukës"
    assert agenda.meetings
    assert all(m.status == "CONFIRMED" for m in agenda.meetings)
    assert [m.start for m in agenda.meetings] == sorted(m.start for m in agenda.meetings)
    html = ev(lambda e: e.agendas.html(event, "kukes"))
    assert "Meeting agenda: Kukës" in html
    assert "(kukes)" not in html, "participants read names, not ids"
    assert "match score" not in html, "scores stay on staff documents"
    assert "Acme Mobility" in html
    ics = ev(lambda e: e.agendas.calendar(event, "kukes")).decode()
    assert "BEGIN:VCALENDAR" in ics
    assert "Europe/Istanbul" in ics or "+03" in ics or "TZID" in ics
    with pytest.raises(NotFoundError):
        ev(lambda e: e.agendas.agenda(event, "nowhere"))


def test_feedback_is_stored_and_becomes_a_signal(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    ev(lambda e: e.pair_rules.set(event, "kukes", "databridge", "blocked"))
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))
    pairs = _plan_pairs(ev, event)
    assert ("kukes", "acme") in pairs
    with pytest.raises(InvalidInputError, match="no published meeting"):
        ev(
            lambda e: e.feedback.record(
                event, FeedbackIn(rater="kukes", other="databridge", rating="informative")
            )
        )
    ev(
        lambda e: e.feedback.record(
            event, FeedbackIn(rater="kukes", other="acme", rating="cooperation_possible"), now=AFTER
        )
    )
    ev(
        lambda e: e.feedback.record(
            event, FeedbackIn(rater="acme", other="kukes", rating="informative"), now=AFTER
        )
    )
    # Rating again replaces the earlier rating.
    ev(
        lambda e: e.feedback.record(
            event,
            FeedbackIn(rater="acme", other="kukes", rating="cooperation_possible", comment="Pilot"),
            now=AFTER,
        )
    )
    stored = ev(lambda e: e.feedback.list(event))
    assert len(stored) == 2
    assert ev(lambda e: e.feedback.list(event, rater="acme"))[0].comment == "Pilot"
    assert ev(lambda e: e.feedback.signal()) == {("acme", "kukes"): 1.0}


def _published_kukes_acme(ev: EventCalls, event: str, scorer: Score) -> tuple[PlannedMeeting, datetime]:
    """The schedule generated and published; the Kukës–Acme meeting and when it ends (UTC)."""
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))
    slot = {(m.a, m.b): m for m in ev.plan(lambda p: p.planned(event))}[("kukes", "acme")]
    return slot, slot.end.replace(tzinfo=ZoneInfo("Europe/Istanbul")).astimezone(UTC)


def test_a_rating_is_refused_until_the_meeting_has_ended(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    _, ends = _published_kukes_acme(ev, event, scorer)
    rating = FeedbackIn(rater="kukes", other="acme", rating="informative")
    with pytest.raises(ConflictError, match="once it has taken place"):
        ev(lambda e: e.feedback.record(event, rating, now=ends - timedelta(minutes=1)))
    assert ev(lambda e: e.feedback.signal()) == {}
    stored = ev(lambda e: e.feedback.record(event, rating, now=ends + timedelta(minutes=1)))
    assert stored.rating == "informative"


def test_an_early_rating_is_told_whom_and_when_in_the_events_time(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    slot, ends = _published_kukes_acme(ev, event, scorer)
    rating = FeedbackIn(rater="kukes", other="acme", rating="informative")
    with pytest.raises(ConflictError) as refused:
        ev(lambda e: e.feedback.record(event, rating, now=ends - timedelta(minutes=1)))
    assert refused.value.message.startswith(
        f"the meeting with Acme Mobility ends on {slot.end.day} {slot.end:%B %Y at %H:%M} (Europe/Istanbul);"
    )


def test_removing_a_participant_drops_its_requests_and_rules(
    db_settings: Settings, ev: EventCalls, event: str
) -> None:
    ev(lambda e: e.requests.create(event, RequestCreate(sender="acme", recipient="osh")))
    ev(lambda e: e.pair_rules.set(event, "osh", "databridge", "must_meet"))
    ev(lambda e: e.catalog.remove_participant(event, "osh"))
    assert ev(lambda e: e.requests.list(event)) == []
    assert ev(lambda e: e.pair_rules.list(event)) == []
    assert "osh" not in {p.id for p in ev(lambda e: e.catalog.participants(event))}


def test_default_scores_fall_back_to_zero_with_a_warning(
    db_settings: Settings,
    ev: EventCalls,
    services: Services,
    event: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_matcher() -> Matcher:
        raise IndexUnavailableError("no index for 'city'")

    monkeypatch.setattr(services.matching, "matcher", no_matcher)
    report = ev.plan(lambda p: p.generate(event, time_limit=5))
    assert report.score_source.startswith("none")
    assert "scored 0.0" in caplog.text
    # Everyone who can meet someone still gets a meeting.
    assert report.stats["unmatched_participants"] == []


def test_unknown_event_is_not_found(db_settings: Settings, ev: EventCalls) -> None:
    with pytest.raises(NotFoundError):
        ev(lambda e: e.catalog.get("nope"))


def test_publishing_again_when_nothing_changed_makes_no_new_version(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    first = ev.plan(lambda p: p.publish(event))
    published_at = ev(lambda e: e.catalog.get(event)).published_at

    again = ev.plan(lambda p: p.publish(event))
    assert again.version == 1, "nothing changed: no new version"
    assert again.nothing_changed
    assert again.note == "nothing has changed since version 1 was published"
    assert (again.new, again.changed, again.cancelled, again.messages) == (0, 0, 0, 0)
    assert again.unchanged == first.confirmed
    shown = ev(lambda e: e.catalog.get(event))
    assert (shown.published_version, shown.published_at) == (1, published_at)
    assert ev(lambda e: e.agendas.agenda(event, "kukes")).published_version == 1

    # A real change is published as the next version.
    ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id="kukes", max_meetings=0)]))
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5, keep_published=False))
    changed = ev.plan(lambda p: p.publish(event))
    assert (changed.version, changed.nothing_changed, changed.note) == (2, False, None)


def test_published_meetings_in_a_slot_withdrawn_since_are_listed_for_staff(
    db_settings: Settings, ev: EventCalls, event: str, scorer: Score
) -> None:
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))
    assert ev(lambda e: e.catalog.withdrawn(event)) == []
    slot = _plan_pairs(ev, event)[("kukes", "acme")][0]
    others = [s for s in ("s1", "s2", "s3") if s != slot]
    ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id="kukes", available=others)]))
    withdrawn = ev(lambda e: e.catalog.withdrawn(event))
    assert [(m.a_name, m.b_name, m.slot, m.away) for m in withdrawn] == [
        ("Kukës", "Acme Mobility", slot, ["Kukës"])
    ]
    ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id="kukes")]))
    assert ev(lambda e: e.catalog.withdrawn(event)) == [], "available again: the published schedule fits"
