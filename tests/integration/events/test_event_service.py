"""Events end to end through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from matchmaker.errors import (
    ConflictError,
    InfeasibleScheduleError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from matchmaker.services import events
from matchmaker.services.event_rules import EventCreate, FeedbackIn, ParticipantIn, RequestCreate, SlotIn
from matchmaker.settings import Settings

Score = Callable[[str, str], float | None]


def _plan_pairs(settings: Settings, event_id: str) -> dict[tuple[str, str], tuple[str, int]]:
    return {(m.a, m.b): (m.slot, m.table) for m in events.planned_meetings(settings, event_id)}


def test_create_event_stores_slots_tables_and_participants(db_settings: Settings, event: str) -> None:
    summary = events.get_event(db_settings, event)
    assert [s.id for s in summary.slots] == ["s1", "s2", "s3"]
    assert summary.tables == 2
    assert summary.participants == 5
    people = {p.id: p for p in events.list_participants(db_settings, event)}
    assert people["kukes"].name == "Kukës"
    assert people["kukes"].side == "city"
    assert people["acme"].side == "provider"
    with pytest.raises(ConflictError):
        events.create_event(
            db_settings,
            EventCreate(
                id=event,
                name="again",
                tables=1,
                slots=[SlotIn(start=datetime(2027, 3, 2, 9), end=datetime(2027, 3, 2, 9, 20))],  # noqa: DTZ001
            ),
        )


def test_only_stored_records_and_known_slots_can_join(db_settings: Settings, event: str) -> None:
    with pytest.raises(InvalidInputError, match="nowhere"):
        events.add_participants(db_settings, event, [ParticipantIn(id="nowhere")])
    with pytest.raises(InvalidInputError, match="s9"):
        events.add_participants(db_settings, event, [ParticipantIn(id="osh", available=["s1", "s9"])])
    updated = events.add_participants(
        db_settings, event, [ParticipantIn(id="osh", available=["s2"], max_meetings=1)]
    )
    assert updated[0].available == ["s2"]
    assert updated[0].max_meetings == 1


def test_generate_respects_rules_and_prefers_best_pairs(
    db_settings: Settings, event: str, scorer: Score
) -> None:
    events.set_pair_rule(db_settings, event, "tirana", "databridge", "must_meet")
    events.set_pair_rule(db_settings, event, "kukes", "databridge", "blocked")
    report = events.generate_schedule(db_settings, event, score=scorer, time_limit=5)
    assert report.score_source == "custom"
    pairs = _plan_pairs(db_settings, event)
    assert ("tirana", "databridge") in pairs
    assert ("kukes", "databridge") not in pairs
    assert ("kukes", "acme") in pairs
    assert report.stats["unmatched_participants"] == []
    busy = [(slot, pid) for (a, b), (slot, _t) in pairs.items() for pid in (a, b)]
    assert len(busy) == len(set(busy)), "nobody is in two meetings in one slot"


def test_two_providers_can_never_be_a_pair(db_settings: Settings, event: str) -> None:
    with pytest.raises(InvalidInputError, match="two providers"):
        events.set_pair_rule(db_settings, event, "acme", "databridge", "must_meet")
    with pytest.raises(InvalidInputError, match="two providers"):
        events.create_request(db_settings, event, RequestCreate(sender="acme", recipient="databridge"))


def test_infeasible_must_meets_say_what_to_relax(db_settings: Settings, event: str, scorer: Score) -> None:
    events.add_participants(db_settings, event, [ParticipantIn(id="osh", available=["s1"])])
    events.add_participants(db_settings, event, [ParticipantIn(id="acme", available=["s2"])])
    events.set_pair_rule(db_settings, event, "osh", "acme", "must_meet")
    with pytest.raises(InfeasibleScheduleError) as info:
        events.generate_schedule(db_settings, event, score=scorer, time_limit=5)
    assert any("osh" in r and "acme" in r and "availability" in r for r in info.value.reasons)
    relaxed = events.generate_schedule(db_settings, event, score=scorer, time_limit=5, relax_must_meet=True)
    assert relaxed.unscheduled_must_meet == [("acme", "osh")]


def test_requests_have_a_status_and_expire_after_the_deadline(db_settings: Settings, event: str) -> None:
    sent = events.create_request(
        db_settings, event, RequestCreate(sender="acme", recipient="osh", message="Hi")
    )
    assert sent.status == "pending"
    with pytest.raises(ConflictError):
        events.create_request(db_settings, event, RequestCreate(sender="acme", recipient="osh"))
    with pytest.raises(PermissionDeniedError):
        events.answer_request(db_settings, event, sent.id, "accepted", by="kukes")
    accepted = events.answer_request(db_settings, event, sent.id, "accepted", by="osh")
    assert accepted.status == "accepted"

    late = events.create_request(db_settings, event, RequestCreate(sender="databridge", recipient="tirana"))
    _set_deadline(db_settings, event, datetime.now(UTC) - timedelta(minutes=1))
    statuses = {r.id: r.status for r in events.list_requests(db_settings, event)}
    assert statuses == {sent.id: "accepted", late.id: "expired"}
    with pytest.raises(ConflictError, match="expired"):
        events.answer_request(db_settings, event, late.id, "accepted", by="tirana")
    with pytest.raises(ConflictError, match="deadline"):
        events.create_request(db_settings, event, RequestCreate(sender="acme", recipient="kukes"))
    mine = events.list_requests(db_settings, event, participant="tirana")
    assert [r.id for r in mine] == [late.id]


def _set_deadline(settings: Settings, event_id: str, when: datetime) -> None:
    from matchmaker.db.engine import create_db_engine, session_scope
    from matchmaker.db.events import Event

    with session_scope(create_db_engine(settings)) as session:
        row = session.get(Event, event_id)
        assert row is not None
        row.request_deadline = when
        session.add(row)


def test_accepted_request_is_scheduled_even_for_a_weak_pair(
    db_settings: Settings, event: str, scorer: Score
) -> None:
    for pid in ("kukes", "osh", "tirana", "acme", "databridge"):
        events.add_participants(db_settings, event, [ParticipantIn(id=pid, max_meetings=1)])
    req = events.create_request(db_settings, event, RequestCreate(sender="databridge", recipient="tirana"))
    events.answer_request(db_settings, event, req.id, "accepted")
    events.generate_schedule(db_settings, event, score=scorer, time_limit=5)
    assert ("tirana", "databridge") in _plan_pairs(db_settings, event)


def test_replan_keeps_published_meetings_and_reports_what_moved(
    db_settings: Settings, event: str, scorer: Score
) -> None:
    events.generate_schedule(db_settings, event, score=scorer, time_limit=5)
    first = events.publish_schedule(db_settings, event)
    assert first.version == 1
    assert first.new == first.confirmed > 0
    before = _plan_pairs(db_settings, event)

    # A late change: tirana drops out. Its meetings are cancelled, the other published ones stay put.
    events.remove_participant(db_settings, event, "tirana")
    kept = events.generate_schedule(db_settings, event, score=scorer, time_limit=5)
    after = _plan_pairs(db_settings, event)
    assert kept.kept_published
    assert {pair: place for pair, place in before.items() if "tirana" not in pair} == after
    assert kept.changes_vs_published is not None
    assert kept.changes_vs_published.moved == []
    assert {m.a for m in kept.changes_vs_published.cancelled} == {"tirana"}
    assert any(line.startswith("cancelled: Tirana") for line in kept.moved)

    # Told otherwise, a meeting whose participant is no longer available moves, and the report says so.
    kukes_slot = before[("kukes", "acme")][0]
    others = [s for s in ("s1", "s2", "s3") if s != kukes_slot]
    events.add_participants(db_settings, event, [ParticipantIn(id="kukes", available=others)])
    moved = events.generate_schedule(db_settings, event, score=scorer, time_limit=5, keep_published=False)
    assert not moved.kept_published
    assert moved.changes_vs_published is not None
    moved_pairs = {(m.after.a, m.after.b) for m in moved.changes_vs_published.moved}
    assert ("kukes", "acme") in moved_pairs
    assert any(line.startswith("moved: Kukës – Acme Mobility") for line in moved.moved)


def test_publish_updates_calendars_instead_of_duplicating(
    db_settings: Settings, event: str, scorer: Score
) -> None:
    events.generate_schedule(db_settings, event, score=scorer, time_limit=5)
    events.publish_schedule(db_settings, event)
    first = events.export_calendar(db_settings, event, "kukes").decode()
    uid_line = next(line for line in first.splitlines() if line.startswith("UID:"))
    assert "SEQUENCE:0" in first

    # Publishing the same plan again changes nothing.
    again = events.publish_schedule(db_settings, event)
    assert again.version == 2
    assert again.unchanged == again.confirmed
    assert again.new == again.changed == again.cancelled == 0

    # kukes can no longer come: its meetings are cancelled (same UID, higher SEQUENCE), not duplicated.
    events.add_participants(db_settings, event, [ParticipantIn(id="kukes", max_meetings=0)])
    events.generate_schedule(db_settings, event, score=scorer, time_limit=5, keep_published=False)
    third = events.publish_schedule(db_settings, event)
    assert third.cancelled >= 1
    feed = events.export_calendar(db_settings, event, "kukes").decode()
    assert feed.count(uid_line) == 1
    assert "STATUS:CANCELLED" in feed
    assert "SEQUENCE:1" in feed
    agenda = events.participant_agenda(db_settings, event, "kukes")
    assert agenda.meetings == []
    with_cancelled = events.participant_agenda(db_settings, event, "kukes", include_cancelled=True)
    assert {m.status for m in with_cancelled.meetings} == {"CANCELLED"}


def test_agenda_and_exports(db_settings: Settings, event: str, scorer: Score) -> None:
    with pytest.raises(ConflictError, match="generate"):
        events.publish_schedule(db_settings, event)
    events.generate_schedule(db_settings, event, score=scorer, time_limit=5)
    with pytest.raises(ConflictError, match="not published"):
        events.export_csv(db_settings, event)
    plan_csv = events.export_csv(db_settings, event, source="plan")
    assert plan_csv.splitlines()[0].startswith("slot,start,end,table,a,a_name,b,b_name,score,reason")
    events.publish_schedule(db_settings, event)
    csv_text = events.export_csv(db_settings, event)
    assert "Kukës" in csv_text
    assert "match score 0.90" in csv_text
    assert "Acme Mobility" in csv_text

    agenda = events.participant_agenda(db_settings, event, "kukes")
    assert agenda.participant_name == "Kukës"
    assert agenda.meetings
    assert all(m.status == "CONFIRMED" for m in agenda.meetings)
    assert [m.start for m in agenda.meetings] == sorted(m.start for m in agenda.meetings)
    html = events.export_agenda_html(db_settings, event, "kukes")
    assert "Meeting agenda: Kukës (kukes)" in html
    assert "Acme Mobility" in html
    ics = events.export_calendar(db_settings, event, "kukes").decode()
    assert "BEGIN:VCALENDAR" in ics
    assert "Europe/Istanbul" in ics or "+03" in ics or "TZID" in ics
    with pytest.raises(NotFoundError):
        events.participant_agenda(db_settings, event, "nowhere")


def test_feedback_is_stored_and_becomes_a_signal(db_settings: Settings, event: str, scorer: Score) -> None:
    events.set_pair_rule(db_settings, event, "kukes", "databridge", "blocked")
    events.generate_schedule(db_settings, event, score=scorer, time_limit=5)
    events.publish_schedule(db_settings, event)
    pairs = _plan_pairs(db_settings, event)
    assert ("kukes", "acme") in pairs
    with pytest.raises(InvalidInputError, match="no published meeting"):
        events.record_feedback(
            db_settings, event, FeedbackIn(rater="kukes", other="databridge", rating="informative")
        )
    events.record_feedback(
        db_settings, event, FeedbackIn(rater="kukes", other="acme", rating="cooperation_possible")
    )
    events.record_feedback(db_settings, event, FeedbackIn(rater="acme", other="kukes", rating="informative"))
    # Rating again replaces the earlier rating.
    events.record_feedback(
        db_settings,
        event,
        FeedbackIn(rater="acme", other="kukes", rating="cooperation_possible", comment="Pilot"),
    )
    stored = events.list_feedback(db_settings, event)
    assert len(stored) == 2
    assert events.list_feedback(db_settings, event, rater="acme")[0].comment == "Pilot"
    assert events.feedback_signal(db_settings) == {("acme", "kukes"): 1.0}


def test_removing_a_participant_drops_its_requests_and_rules(db_settings: Settings, event: str) -> None:
    events.create_request(db_settings, event, RequestCreate(sender="acme", recipient="osh"))
    events.set_pair_rule(db_settings, event, "osh", "databridge", "must_meet")
    events.remove_participant(db_settings, event, "osh")
    assert events.list_requests(db_settings, event) == []
    assert events.list_pair_rules(db_settings, event) == []
    assert "osh" not in {p.id for p in events.list_participants(db_settings, event)}


def test_default_scores_fall_back_to_zero_with_a_warning(
    db_settings: Settings, event: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_matcher(name: str, *args: object, **kwargs: object) -> object:
        if name == "matchmaker.services.matching":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    import importlib

    real_import_module = importlib.import_module

    def no_matcher_module(name: str, package: str | None = None) -> object:
        if name == "matchmaker.services.matching":
            raise ImportError(name)
        return real_import_module(name, package)

    monkeypatch.setattr(importlib, "import_module", no_matcher_module)
    report = events.generate_schedule(db_settings, event, time_limit=5)
    assert report.score_source.startswith("none")
    assert "scored 0.0" in caplog.text
    # Everyone who can meet someone still gets a meeting.
    assert report.stats["unmatched_participants"] == []


def test_unknown_event_is_not_found(db_settings: Settings) -> None:
    with pytest.raises(NotFoundError):
        events.get_event(db_settings, "nope")
