"""Pure rules of matchmaking events: request expiry, who can pair, the scheduling problem, reasons.

Nothing here touches the database: the planner loads an :class:`EventSnapshot` in one transaction and
hands it to :func:`build_problem`, so the translation from stored event to scheduling problem is tested
without a database. Feedback values live in :mod:`matchmaker.services.feedback`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field, ValidationError

from matchmaker.errors import InvalidInputError, validation_line
from matchmaker.scheduling.exports import told_date
from matchmaker.scheduling.problem import (
    MeetingRequest,
    Pair,
    Participant,
    Placement,
    SchedulingProblem,
    Slot,
    as_instant,
    pair_key,
    zone,
)
from matchmaker.scheduling.result import ScheduleDiff
from matchmaker.services.events.schemas import EventSummary, RequestStatus, Side


def effective_status(status: str, deadline: datetime | None, now: datetime) -> RequestStatus:
    """A request's status as of ``now``: pending requests expire once the deadline has passed."""
    if status == "pending" and deadline is not None and now > deadline:
        return "expired"
    if status not in ("pending", "accepted", "declined", "expired"):
        msg = f"unknown request status {status!r}"
        raise ValueError(msg)
    return status  # type: ignore[return-value]


def pair_problem(
    sides: dict[str, str],
    a: str,
    b: str,
    what: str,
    *,
    names: Mapping[str, str] | None = None,
    event: str | None = None,
) -> str | None:
    """Why ``a`` and ``b`` cannot form a pair of this event, or None when they can. The reason calls
    the parties by their ``names`` and the event by its name (``event``) when they are given."""

    def label(pid: str) -> str:
        return (names or {}).get(pid) or repr(pid)

    if a == b:
        return f"a {what} needs two different participants: {label(a)} cannot be paired with itself"
    missing = [pid for pid in (a, b) if pid not in sides]
    if missing:
        where = event or "this event"
        verb = "does" if len(missing) == 1 else "do"
        # Said to staff and to a focal point alike: the one who adds participants is named.
        return (
            f"{' and '.join(label(m) for m in missing)} {verb} not take part in {where}"
            " (ministry staff add participants)"
        )
    if sides[a] == sides[b] == "provider":
        return (
            f"a {what} between two providers is not possible:"
            " meetings pair a city with a provider or two cities"
        )
    return None


def duplicate_problem(
    existing: Iterable[RequestRow],
    sender: str,
    recipient: str,
    *,
    names: Mapping[str, str] | None = None,
    event: str | None = None,
) -> str | None:
    """Why ``sender`` may not ask ``recipient`` again, or None. The reason calls the parties by their
    ``names`` and the event by its name (``event``) when they are given, as :func:`pair_problem` does,
    and gives the earlier request's number and status (its number is what answering it takes).

    One request per pair and event: the same request twice is refused, and so is asking someone who
    has already asked you (answer that request instead; staff can change an answer at any time).
    """

    def label(pid: str) -> str:
        return (names or {}).get(pid) or repr(pid)

    def asked(r: RequestRow) -> str:
        at = f" at {event}" if event else ""
        who = f"{label(r.sender)} already asked {label(r.recipient)}"
        return f"{who} for a meeting{at} (request {r.id}, {r.status})"

    for r in existing:
        if (r.sender, r.recipient) == (sender, recipient):
            return asked(r)
        if (r.sender, r.recipient) == (recipient, sender):
            return f"{asked(r)}; answer that request instead" if r.status == "pending" else asked(r)
    return None


def requests_by_pair(requests: Iterable[RequestRow]) -> dict[Pair, RequestRow]:
    """The request behind each pair (one per pair; an accepted one wins over the others).

    Its direction says whose side a meeting's reason is told from, and its stored reason is what
    both parties read when they agreed to meet.
    """
    rank = {"accepted": 3, "pending": 2, "declined": 1}
    out: dict[Pair, RequestRow] = {}
    for r in requests:
        key = pair_key(r.sender, r.recipient)
        if key not in out or rank.get(r.status, 0) > rank.get(out[key].status, 0):
            out[key] = r
    return out


def side_of(value: str) -> Side:
    """The side stored as ``value`` (anything but ``city`` is a provider)."""
    return "city" if value == "city" else "provider"


def begun_slots(slots: Iterable[Slot], timezone: str | None, now: datetime) -> set[str]:
    """The ids of the slots that have begun by ``now`` (a slot time without an offset is on the
    event's clock, or UTC for an event without a zone)."""
    tz = zone(timezone) or UTC
    return {s.id for s in slots if as_instant(s.start, tz) <= now}


def on_event_clock(instant: datetime, timezone: str | None) -> datetime:
    """An instant (a deadline, the end of an event; a naive one is UTC) as the event's clock reads it,
    or in UTC for an event without a zone or with a zone this system does not know."""
    return as_instant(instant, None).astimezone(zone(timezone) or UTC)


def told_in_zone(instant: datetime, timezone: str | None) -> str:
    """A moment (a deadline, the end of an event or a meeting) for a person to read: the date and
    time on the event's clock and the zone named, e.g. ``25 February 2027 at 17:00 (Europe/Istanbul)``.

    The one wording of such moments in messages, refusals and console pages. A naive instant is UTC;
    an event without a zone, or with a zone this system does not know, is told in UTC and says so.
    """
    tz = zone(timezone)
    aware = as_instant(instant, None)
    local = aware.astimezone(tz or UTC)
    return f"{told_date(local)} at {local:%H:%M} ({timezone if tz is not None else 'UTC'})"


def coming_first(events: Iterable[EventSummary], now: datetime) -> list[EventSummary]:
    """Events in the order a participant looks for them: those still to come (or under way) first,
    the soonest first, then those that are over, the most recent first. An event without slots yet
    comes after the dated coming ones. Events that tie keep their order."""

    def key(event: EventSummary) -> tuple[int, float]:
        tz = zone(event.timezone) or UTC
        starts = [as_instant(s.start, tz) for s in event.slots]
        ends = [as_instant(s.end, tz) for s in event.slots]
        if not ends:
            return (1, 0.0)
        if max(ends) > now:
            return (0, min(starts).timestamp())
        return (2, -max(ends).timestamp())

    return sorted(events, key=key)


class ParticipantRow(BaseModel):
    """A participant as loaded for scheduling."""

    id: str
    side: Side
    name: str | None = None
    available: list[str] | None = None
    max_meetings: int | None = None


class RequestRow(BaseModel):
    """A stored request as the rules read it (scheduling, one request per pair)."""

    id: int | None = None
    sender: str
    recipient: str
    status: str
    reason: str | None = None


class EventSnapshot(BaseModel):
    """Everything :func:`build_problem` needs, loaded in one transaction."""

    event_id: str
    name: str
    timezone: str | None
    request_deadline: datetime | None
    slots: list[Slot]
    tables: int
    participants: list[ParticipantRow]
    requests: list[RequestRow]
    must_meet: list[Pair]
    blocked: list[Pair]
    published: list[Placement] = Field(default_factory=list, description="Confirmed published meetings.")
    pinned: list[Placement] = Field(default_factory=list, description="Plan meetings staff locked.")


def build_problem(
    snapshot: EventSnapshot, *, now: datetime, keep_published: bool = True
) -> SchedulingProblem:
    """The scheduling problem of an event.

    Requests get their status as of ``now``; requests and rules naming someone who left are
    ignored. Published meetings, and plan meetings staff locked, become ``locked``; a locked plan
    meeting that clashes with a published one (same pair, person or table in a slot) is left out.
    Once a schedule is published, a slot that has begun by ``now`` takes no new meeting: there, each
    participant is available only where a kept meeting of theirs already is. (Before it is published,
    an event may be planned in the past, to record one that was held.)

    Without ``keep_published`` (a re-plan that lets published meetings move), the published meetings
    that have begun took place all the same (:func:`held_meetings`): they are left out of the problem,
    which plans around them (their slots take no meeting, each participant's maximum counts them, and
    their pairs do not meet again); the planner adds them back.
    """
    people = {p.id for p in snapshot.participants}
    published = bool(snapshot.published)
    held = [] if keep_published else held_meetings(snapshot, now, keep_published=False)
    if held:
        snapshot = _around(snapshot, held)
    known_slots = {s.id for s in snapshot.slots}

    # After an edit, a meeting in a slot that is gone or at a table beyond the last one is no longer
    # kept: it is planned again (or cancelled at the next publication).
    def fits(m: Placement) -> bool:
        return m.slot in known_slots and 1 <= m.table <= snapshot.tables

    locked = _merge_locked(
        [m for m in snapshot.published if fits(m)], [m for m in snapshot.pinned if fits(m)]
    )
    begun = begun_slots(snapshot.slots, snapshot.timezone, now) if published else set()
    # A begun slot takes no new meeting: not even for one whose partner there has left the event
    # (that meeting took place; the planner keeps it, see :func:`held_meetings`).
    kept = {
        (m.slot, pid)
        for m in locked
        if m.slot in begun and m.a in people and m.b in people
        for pid in (m.a, m.b)
    }

    def available(p: ParticipantRow) -> list[str] | None:
        wanted = [s.id for s in snapshot.slots] if p.available is None else p.available
        usable = [s for s in wanted if s in known_slots and (s not in begun or (s, p.id) in kept)]
        return None if p.available is None and len(usable) == len(known_slots) else usable

    participants = [
        Participant(id=p.id, side=p.side, name=p.name, available=available(p), max_meetings=p.max_meetings)
        for p in snapshot.participants
    ]
    requests = [
        MeetingRequest.model_validate(
            {
                "from": r.sender,
                "to": r.recipient,
                "status": effective_status(r.status, snapshot.request_deadline, now),
            }
        )
        for r in snapshot.requests
        if r.sender in people and r.recipient in people and r.sender != r.recipient
    ]

    try:
        return SchedulingProblem(
            event_id=snapshot.event_id,
            event_name=snapshot.name,
            timezone=snapshot.timezone,
            slots=snapshot.slots,
            tables=snapshot.tables,
            participants=participants,
            scores=None,
            requests=requests,
            must_meet=[(a, b) for a, b in snapshot.must_meet if a in people and b in people],
            blocked=[(a, b) for a, b in snapshot.blocked if a in people and b in people],
            locked=locked,
        )
    except ValidationError as exc:
        # The stored event breaks a rule it was accepted under (a zone this system's time-zone data
        # does not know, on a database restored elsewhere): the request sent nothing wrong, so the
        # refusal names the event and what to change, not a field of a body.
        reasons = "; ".join(validation_line(e) for e in exc.errors(include_url=False))
        msg = (
            f"event {snapshot.event_id!r} cannot be planned as it is stored: {reasons}; change the event"
            " (its Settings tab, event edit, PATCH /api/v1/events/{id}) and plan it again"
        )
        raise InvalidInputError(msg) from None


def held_meetings(snapshot: EventSnapshot, now: datetime, *, keep_published: bool) -> list[Placement]:
    """The published meetings that have begun by ``now`` and that the planner keeps outside the
    problem: they took place, so they stay in the plan and are never moved or cancelled. With
    ``keep_published`` the problem keeps those of people still taking part itself (as locked
    meetings), so these are the ones a participant has left since; without it, every one."""
    people = {p.id for p in snapshot.participants}
    begun = begun_slots(snapshot.slots, snapshot.timezone, now) if snapshot.published else set()
    return [
        m
        for m in snapshot.published
        if m.slot in begun and not (keep_published and m.a in people and m.b in people)
    ]


def _around(snapshot: EventSnapshot, held: Sequence[Placement]) -> EventSnapshot:
    """``snapshot`` without the meetings ``held`` (which took place): its published meetings, staff
    pins and must-meets leave their pairs out, the pairs do not meet again (blocked), and each
    participant may have as many meetings fewer as it had there. Their slots have begun, so no
    meeting goes there (:func:`build_problem`)."""
    pairs = {m.pair for m in held}
    had = Counter(pid for m in held for pid in (m.a, m.b))
    return snapshot.model_copy(
        update={
            "published": [m for m in snapshot.published if m.pair not in pairs],
            "pinned": [m for m in snapshot.pinned if m.pair not in pairs],
            "must_meet": [(a, b) for a, b in snapshot.must_meet if pair_key(a, b) not in pairs],
            "blocked": [*snapshot.blocked, *sorted(pairs)],
            "participants": [
                p.model_copy(update={"max_meetings": max(0, p.max_meetings - had[p.id])})
                if p.max_meetings is not None
                else p
                for p in snapshot.participants
            ],
        }
    )


def _merge_locked(published: Sequence[Placement], pinned: Sequence[Placement]) -> list[Placement]:
    out: list[Placement] = []
    pairs: set[Pair] = set()
    busy: set[tuple[str, str]] = set()
    tables: set[tuple[str, int]] = set()
    for m in [*published, *pinned]:
        if m.pair in pairs or (m.slot, m.a) in busy or (m.slot, m.b) in busy or (m.slot, m.table) in tables:
            continue
        pairs.add(m.pair)
        busy.update(((m.slot, m.a), (m.slot, m.b)))
        tables.add((m.slot, m.table))
        out.append(m)
    return out


_KIND_REASONS = {
    "must_meet": "must-meet set by staff",
    "locked": "kept from the published schedule",
    "accepted_request": "accepted meeting request",
    "pending_request": "pending meeting request",
}


_PUBLIC_REASONS = {
    "accepted_request": "meeting request accepted by both sides",
    "pending_request": "meeting request",
    # Without a passage of either profile to quote, a participant still reads why the meeting is
    # there, never a blank "Why" (nor the staff wording: scores, must-meet rules).
    "must_meet": "arranged by the ministry",
    "locked": "arranged by the ministry",
    "score": "suggested by the ministry from both profiles",
}


def public_reason(kind: str, matcher_reason: str | None, kept: str | None = None) -> str | None:
    """Why a meeting is on a participant's agenda: the matcher's line, else the request behind it.

    A meeting kept where it was (published, or locked by staff) keeps the reason ``kept`` it had, which
    participants have read. Staff wording (must-meet set by staff, scores) never appears here.
    """
    if kind == "locked" and kept:
        return kept
    return matcher_reason or _PUBLIC_REASONS.get(kind)


def meeting_reason(kind: str, score: float) -> str:
    """Why a meeting is on the schedule, when the score came without a reason."""
    why = _KIND_REASONS.get(kind)
    match = f"match score {score:.2f}"
    return f"{why}; {match}" if why else match


def describe_moves(diff: ScheduleDiff, names: dict[str, str]) -> list[str]:
    """Readable lines for moved, added and cancelled meetings."""

    def who(m: Placement) -> str:
        return f"{names.get(m.a, m.a)} – {names.get(m.b, m.b)}"

    lines = [
        f"moved: {who(mv.after)} from {mv.before.slot} table {mv.before.table}"
        f" to {mv.after.slot} table {mv.after.table}"
        for mv in diff.moved
    ]
    lines += [f"added: {who(m)} in {m.slot} at table {m.table}" for m in diff.added]
    lines += [f"cancelled: {who(m)} (was {m.slot} table {m.table})" for m in diff.cancelled]
    return lines


def lock_state(*, locked: bool, published: bool, replan_published: str) -> str:
    """What re-planning will do with a meeting just locked or unlocked, in words; ``replan_published``
    says how the reader re-plans so that published meetings may move (e.g. "with --replan-published")."""
    if locked:
        return "locked"
    if published:
        return f"unlocked; it is published, so it stays where it is unless you re-plan {replan_published}"
    return "unlocked; re-planning may move it"


__all__ = [
    "EventSnapshot",
    "ParticipantRow",
    "RequestRow",
    "as_instant",
    "begun_slots",
    "build_problem",
    "coming_first",
    "describe_moves",
    "duplicate_problem",
    "effective_status",
    "held_meetings",
    "lock_state",
    "meeting_reason",
    "pair_problem",
    "public_reason",
    "requests_by_pair",
    "side_of",
    "told_in_zone",
    "zone",
]
