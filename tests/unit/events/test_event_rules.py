"""The pure rules of events: request expiry, the problem built from an event, feedback values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from matchmaker.scheduling.problem import Placement, Slot
from matchmaker.scheduling.result import ScheduleDiff, diff_schedules
from matchmaker.scheduling.service import solve_problem
from matchmaker.services.events.rules import (
    EventSnapshot,
    ParticipantRow,
    RequestRow,
    build_problem,
    describe_moves,
    effective_status,
    meeting_reason,
    pair_problem,
    public_reason,
)
from matchmaker.services.events.schemas import EventCreate, SlotIn
from matchmaker.services.feedback import aggregate_feedback, with_feedback

NOW = datetime(2038, 3, 1, 12, tzinfo=UTC)


def _slots(n: int) -> list[Slot]:
    return [
        Slot(id=f"s{k + 1}", start=datetime(2038, 3, 2, 9 + k), end=datetime(2038, 3, 2, 9 + k, 20))  # noqa: DTZ001
        for k in range(n)
    ]


def _snapshot(**changes: object) -> EventSnapshot:
    values: dict[str, object] = {
        "event_id": "ws1",
        "name": "Workshop",
        "timezone": "Europe/Istanbul",
        "request_deadline": None,
        "slots": _slots(2),
        "tables": 2,
        "participants": [
            ParticipantRow(id="c1", side="city", name="City One"),
            ParticipantRow(id="c2", side="city"),
            ParticipantRow(id="p1", side="provider", available=["s2", "gone"], max_meetings=1),
        ],
        "requests": [],
        "must_meet": [],
        "blocked": [],
    }
    values.update(changes)
    return EventSnapshot.model_validate(values)


def test_pending_requests_expire_after_the_deadline_only() -> None:
    deadline = NOW
    assert effective_status("pending", deadline, NOW - timedelta(seconds=1)) == "pending"
    assert effective_status("pending", deadline, NOW + timedelta(seconds=1)) == "expired"
    assert effective_status("accepted", deadline, NOW + timedelta(days=1)) == "accepted"
    assert effective_status("declined", None, NOW) == "declined"
    assert effective_status("pending", None, NOW) == "pending"


def test_problem_from_an_event_keeps_rules_and_drops_what_no_longer_applies() -> None:
    snap = _snapshot(
        request_deadline=NOW - timedelta(hours=1),
        requests=[
            RequestRow(sender="p1", recipient="c1", status="pending"),
            RequestRow(sender="p1", recipient="c2", status="accepted"),
            RequestRow(sender="left", recipient="c2", status="accepted"),
        ],
        must_meet=[("c1", "p1"), ("c1", "left")],
        blocked=[("c2", "p1")],
    )
    problem = build_problem(snap, now=NOW)
    assert problem.event_id == "ws1"
    assert problem.tables == 2
    assert [p.available for p in problem.participants] == [None, None, ["s2"]]
    assert [(r.sender, r.recipient, r.status) for r in problem.requests] == [
        ("p1", "c1", "expired"),
        ("p1", "c2", "accepted"),
    ]
    assert problem.must_meet == [("c1", "p1")]
    assert problem.blocked == [("c2", "p1")]
    assert problem.names() == {"c1": "City One"}


def test_published_meetings_win_over_clashing_locked_plan_meetings() -> None:
    published = [Placement(slot="s1", table=1, a="c1", b="p1")]
    pinned = [
        Placement(slot="s1", table=2, a="c1", b="c2"),  # c1 is already busy in s1
        Placement(slot="s2", table=1, a="c2", b="p1"),
    ]
    problem = build_problem(_snapshot(published=published, pinned=pinned), now=NOW)
    assert [(m.slot, m.a, m.b) for m in problem.locked] == [("s1", "c1", "p1"), ("s2", "c2", "p1")]


def test_locked_meetings_stay_when_the_event_is_solved() -> None:
    snap = _snapshot(
        participants=[
            ParticipantRow(id="c1", side="city"),
            ParticipantRow(id="p1", side="provider"),
            ParticipantRow(id="p2", side="provider"),
        ],
        published=[Placement(slot="s2", table=2, a="c1", b="p2")],
    )
    problem = build_problem(snap, now=NOW)
    result = solve_problem(problem, score_lookup=lambda a, b: 0.9 if "p1" in (a, b) else 0.1, time_limit=2)
    placed = {(m.a, m.b): (m.slot, m.table) for m in result.meetings}
    assert placed[("c1", "p2")] == ("s2", 2)
    assert placed[("c1", "p1")][0] == "s1"


def test_a_re_plan_during_the_event_puts_no_new_meeting_in_a_slot_that_has_begun() -> None:
    # 10:30 in Istanbul on the day: s1 (09:00) and s2 (10:00) have begun, s3 (11:00) has not.
    during = datetime(2038, 3, 2, 7, 30, tzinfo=UTC)
    snap = _snapshot(
        slots=_slots(3),
        participants=[
            ParticipantRow(id="c1", side="city"),
            ParticipantRow(id="c2", side="city"),
            ParticipantRow(id="p1", side="provider"),
            ParticipantRow(id="p2", side="provider", available=["s1", "s3"]),
        ],
        published=[Placement(slot="s1", table=1, a="c1", b="p1")],
    )
    problem = build_problem(snap, now=during)
    assert [p.available for p in problem.participants] == [["s1", "s3"], ["s3"], ["s1", "s3"], ["s3"]]
    result = solve_problem(problem, score_lookup=lambda a, b: 0.9, time_limit=2)
    placed = {(m.a, m.b): m.slot for m in result.meetings}
    assert placed[("c1", "p1")] == "s1", "the meeting that took place stays"
    assert all(slot == "s3" for pair, slot in placed.items() if pair != ("c1", "p1"))
    assert build_problem(snap, now=NOW).participants[0].available is None, "before the event: every slot"
    unpublished = snap.model_copy(update={"published": []})
    assert build_problem(unpublished, now=during).participants[0].available is None, "a held event recorded"


def test_pairs_that_cannot_meet_are_named() -> None:
    sides = {"c1": "city", "p1": "provider", "p2": "provider"}
    assert pair_problem(sides, "c1", "p1", "request") is None
    assert "two providers" in (pair_problem(sides, "p1", "p2", "request") or "")
    assert "does not take part" in (pair_problem(sides, "c1", "x", "request") or "")
    assert "two different" in (pair_problem(sides, "c1", "c1", "request") or "")


def test_event_input_is_validated() -> None:
    slot = SlotIn(start=datetime(2038, 3, 2, 9), end=datetime(2038, 3, 2, 9, 20))  # noqa: DTZ001
    with pytest.raises(ValidationError, match="tables"):
        EventCreate(id="ws1", name="W", slots=[slot])
    with pytest.raises(ValidationError, match="time zone"):
        EventCreate(id="ws1", name="W", slots=[slot], tables=2, timezone="Nowhere/City")
    with pytest.raises(ValidationError, match="not after start"):
        EventCreate(id="ws1", name="W", tables=1, slots=[SlotIn(start=slot.end, end=slot.start)])
    with pytest.raises(ValidationError, match="id"):
        EventCreate(id="bad id/", name="W", tables=1, slots=[slot])
    ok = EventCreate(id="ws1", name="W", slots=[slot], table_labels=["Room A", "Room B"])
    assert ok.table_count == 2


def test_slots_of_an_event_that_share_time_are_refused() -> None:
    nine = datetime(2038, 3, 2, 9)  # noqa: DTZ001 - local times of an event

    def slot(start: int, end: int) -> SlotIn:
        return SlotIn(start=nine + timedelta(minutes=start), end=nine + timedelta(minutes=end))

    with pytest.raises(ValidationError, match=r"slots 's1' .* and 's2' .* overlap"):
        EventCreate(id="ws1", name="W", tables=1, slots=[slot(0, 60), slot(30, 90)])
    with pytest.raises(ValidationError, match=r"slots 's1' .* and 's2' .* overlap"):
        EventCreate(id="ws1", name="W", tables=1, slots=[slot(0, 20), slot(0, 20)])
    with pytest.raises(ValidationError, match=r"slots 's1' .* and 's3' .* overlap"):
        EventCreate(id="ws1", name="W", tables=1, slots=[slot(0, 120), slot(150, 170), slot(60, 80)])
    back_to_back = EventCreate(id="ws1", name="W", tables=1, slots=[slot(20, 40), slot(0, 20)])
    assert len(back_to_back.slots) == 2, "a slot may start when another ends"


def test_feedback_values_and_signal() -> None:
    signal = aggregate_feedback(
        [
            ("c1", "p1", "cooperation_possible"),
            ("p1", "c1", "informative"),
            ("c2", "p1", "insufficient_interest"),
            ("c3", "p1", "not_held"),
        ]
    )
    assert signal == {("c1", "p1"): 0.65, ("c2", "p1"): -1.0}
    adjusted = with_feedback(lambda _a, _b: 0.5, signal, weight=0.2)
    assert adjusted("p1", "c1") == pytest.approx(0.63)
    assert adjusted("c2", "p1") == pytest.approx(0.3)
    assert adjusted("c3", "p1") == 0.5
    floor = with_feedback(lambda _a, _b: 0.1, signal, weight=0.2)
    assert floor("c2", "p1") == 0.0


def test_moves_are_described_with_names() -> None:
    old = [Placement(slot="s1", table=1, a="c1", b="p1"), Placement(slot="s2", table=1, a="c2", b="p1")]
    new = [Placement(slot="s2", table=2, a="c1", b="p1"), Placement(slot="s1", table=1, a="c2", b="p2")]
    lines = describe_moves(diff_schedules(old, new), {"c1": "Kukës", "p1": "Acme"})
    assert lines == [
        "moved: Kukës – Acme from s1 table 1 to s2 table 2",
        "added: c2 – p2 in s1 at table 1",
        "cancelled: c2 – Acme (was s2 table 1)",
    ]
    assert describe_moves(ScheduleDiff(), {}) == []


def test_every_meeting_says_why_it_is_scheduled() -> None:
    assert meeting_reason("must_meet", 0.41) == "must-meet set by staff; match score 0.41"
    assert meeting_reason("accepted_request", 0.0) == "accepted meeting request; match score 0.00"
    assert meeting_reason("score", 0.83) == "match score 0.83"


def test_a_participant_always_reads_why_a_meeting_is_there_never_staff_wording() -> None:
    """The matcher's line when it has one; else what put the meeting there, in participants' words."""
    assert public_reason("score", "Kukës needs “…” ↔ Enerko: “…”") == "Kukës needs “…” ↔ Enerko: “…”"
    for kind in ("score", "must_meet", "accepted_request", "pending_request"):
        reason = public_reason(kind, None)
        assert reason, kind
        assert "score" not in reason
        assert "must-meet" not in reason
    assert public_reason("must_meet", None) == "arranged by the ministry"


def test_a_kept_meeting_keeps_the_reason_participants_read() -> None:
    kept = "meeting request accepted by both sides"
    assert public_reason("locked", "Kukës needs “…” ↔ Enerko: “…”", kept) == kept
    assert public_reason("locked", None) == "arranged by the ministry"


def test_slots_of_an_event_with_and_without_an_offset_are_refused() -> None:
    nine = datetime(2038, 3, 2, 9)  # noqa: DTZ001 - a local time of an event
    local = SlotIn(start=nine, end=nine + timedelta(minutes=20))
    offset = SlotIn(start=nine.replace(hour=8, tzinfo=UTC), end=nine.replace(hour=8, minute=20, tzinfo=UTC))
    with pytest.raises(ValidationError, match="'s1' has a UTC offset and 's2' has none"):
        EventCreate(id="ws1", name="W", tables=1, timezone="Europe/Istanbul", slots=[offset, local])
    assert len(EventCreate(id="ws1", name="W", tables=1, slots=[local]).slots) == 1
