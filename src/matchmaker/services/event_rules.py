"""Pure rules of matchmaking events: schemas, request expiry, the scheduling problem, feedback values.

Nothing here touches the database; :mod:`matchmaker.services.events` loads an
:class:`EventSnapshot` in one transaction and hands it to :func:`build_problem`, so the translation
from stored event to scheduling problem is tested without a database.

Feedback as a matching signal (:func:`aggregate_feedback`): each rating has a value
(:data:`RATING_VALUES`): *cooperation possible* +1, *informative, no cooperation planned* +0.3,
*insufficient interest* -1. *Did not take place* says nothing about the fit of the pair and is left
out. A pair's signal is the mean value of its ratings, from both sides and every event, in [-1, 1];
pairs with only "did not take place" ratings have no signal. :func:`with_feedback` applies the
signal to a score function; event scheduling does so with the feedback of other events.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from matchmaker.db.models import ID_RULE, check_id
from matchmaker.scheduling.problem import (
    MeetingRequest,
    Pair,
    Participant,
    Placement,
    SchedulingProblem,
    Slot,
    check_timezone,
    pair_key,
)
from matchmaker.scheduling.result import ScheduleDiff

RequestStatus = Literal["pending", "accepted", "declined", "expired"]
Answer = Literal["accepted", "declined"]
PairRuleKind = Literal["must_meet", "blocked"]
Side = Literal["city", "provider"]
Rating = Literal["not_held", "insufficient_interest", "informative", "cooperation_possible"]

#: What each rating says about the pair (see the module docstring); None: no signal.
RATING_VALUES: dict[str, float | None] = {
    "not_held": None,
    "insufficient_interest": -1.0,
    "informative": 0.3,
    "cooperation_possible": 1.0,
}
RATING_LABELS: dict[str, str] = {
    "not_held": "did not take place",
    "insufficient_interest": "insufficient interest",
    "informative": "informative, no cooperation planned",
    "cooperation_possible": "cooperation possible",
}

#: How much a pair's feedback signal (in [-1, 1]) moves its match score in later events.
FEEDBACK_WEIGHT = 0.2

MAX_SLOTS = 200
MAX_TABLES = 1000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------------------------------
# Inputs


class SlotIn(_In):
    """A slot of a new event; the id defaults to ``s1``, ``s2``… in order."""

    id: str | None = Field(default=None, max_length=64)
    start: datetime
    end: datetime


class EventCreate(_In):
    """A new event: id, name, slots, tables (a count, or labels one per table), time zone, deadline."""

    id: str = Field(description=f"Event id: {ID_RULE}.")
    name: str = Field(min_length=1, max_length=300)
    timezone: str | None = Field(default=None, description="IANA zone of slot times without an offset.")
    slots: list[SlotIn] = Field(min_length=1, max_length=MAX_SLOTS)
    tables: int | None = Field(default=None, ge=1, le=MAX_TABLES)
    table_labels: list[str] = Field(default_factory=list, max_length=MAX_TABLES)
    request_deadline: AwareDatetime | None = Field(
        default=None, description="After it, pending requests expire and no new ones are accepted."
    )

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        return check_id(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return check_timezone(value)

    @model_validator(mode="after")
    def _tables_and_slots(self) -> EventCreate:
        if self.tables is None and not self.table_labels:
            msg = "give the number of tables or one label per table"
            raise ValueError(msg)
        if self.tables is not None and self.table_labels and len(self.table_labels) != self.tables:
            msg = f"{len(self.table_labels)} table labels for {self.tables} tables"
            raise ValueError(msg)
        # Validate slots as the scheduler will (order, ids, offsets) before anything is stored.
        slots = event_slots(self.slots)
        ids = [s.id for s in slots]
        if len(set(ids)) != len(ids):
            msg = "slot ids must be unique"
            raise ValueError(msg)
        return self

    @property
    def table_count(self) -> int:
        """Number of tables."""
        return self.tables if self.tables is not None else len(self.table_labels)


def event_slots(slots: Sequence[SlotIn]) -> list[Slot]:
    """Scheduler slots of the given slots, ids ``s1``… where missing (ValueError if invalid)."""
    return [Slot(id=s.id or f"s{n + 1}", start=s.start, end=s.end) for n, s in enumerate(slots)]


class ParticipantIn(_In):
    """A stored city or provider joining an event, with the slots it can attend and its maximum."""

    id: str
    available: list[str] | None = Field(default=None, description="Slot ids; missing means every slot.")
    max_meetings: int | None = Field(default=None, ge=0, le=MAX_SLOTS)


class RequestCreate(_In):
    """A meeting request from ``sender`` to ``recipient``."""

    sender: str
    recipient: str
    message: str | None = Field(default=None, max_length=2000)


class FeedbackIn(_In):
    """One participant's rating of its meeting with ``other``."""

    rater: str
    other: str
    rating: Rating
    comment: str | None = Field(default=None, max_length=2000)


# --------------------------------------------------------------------------------------------------
# Read models


class EventSummary(BaseModel):
    """An event as staff see it."""

    id: str
    name: str
    timezone: str | None
    request_deadline: datetime | None
    slots: list[Slot]
    tables: int
    table_labels: dict[int, str]
    participants: int
    requests: int
    planned_meetings: int
    published_version: int
    published_at: datetime | None
    generated_at: datetime | None


class ParticipantPublic(BaseModel):
    """A participant of an event."""

    id: str
    name: str
    side: Side
    available: list[str] | None
    max_meetings: int | None


class RequestPublic(BaseModel):
    """A meeting request with its status as of now (pending requests expire at the deadline)."""

    id: int
    sender: str
    recipient: str
    status: RequestStatus
    message: str | None
    created_at: datetime
    updated_at: datetime


class PairRulePublic(BaseModel):
    """A staff rule: the pair must meet, or is blocked."""

    a: str
    b: str
    kind: PairRuleKind


class PlannedMeeting(BaseModel):
    """A meeting of the plan (staff view, with score and why)."""

    slot: str
    start: datetime
    end: datetime
    table: int
    table_label: str | None
    a: str
    a_name: str
    b: str
    b_name: str
    score: float
    reason: str | None
    kind: str
    locked: bool
    published: bool


class AgendaItem(BaseModel):
    """One meeting in a participant's published agenda."""

    uid: str
    slot: str
    start: datetime
    end: datetime
    table: int
    table_label: str | None
    with_id: str
    with_name: str
    with_side: Side
    reason: str | None
    status: Literal["CONFIRMED", "CANCELLED"]
    sequence: int


class Agenda(BaseModel):
    """A participant's published meetings (cancelled ones listed last, marked)."""

    event_id: str
    event_name: str
    participant_id: str
    participant_name: str
    published_version: int
    meetings: list[AgendaItem]


class GenerateReport(BaseModel):
    """What generating (or re-planning) the schedule did."""

    event_id: str
    meetings: int
    objective: float
    unscheduled_must_meet: list[tuple[str, str]]
    score_source: str
    kept_published: bool
    stats: dict[str, Any]
    changes_vs_published: ScheduleDiff | None = Field(
        default=None, description="Against the published schedule, if any: what participants will notice."
    )
    changes_vs_plan: ScheduleDiff | None = Field(default=None, description="Against the previous plan.")
    moved: list[str] = Field(default_factory=list, description="One readable line per moved meeting.")


class PublishReport(BaseModel):
    """What publishing changed in the calendars."""

    event_id: str
    version: int
    confirmed: int
    new: int
    changed: int
    cancelled: int
    unchanged: int


class FeedbackPublic(BaseModel):
    """A stored rating."""

    event_id: str
    rater: str
    other: str
    rating: Rating
    comment: str | None
    created_at: datetime


# --------------------------------------------------------------------------------------------------
# Rules


def effective_status(status: str, deadline: datetime | None, now: datetime) -> RequestStatus:
    """A request's status as of ``now``: pending requests expire once the deadline has passed."""
    if status == "pending" and deadline is not None and now > deadline:
        return "expired"
    if status not in ("pending", "accepted", "declined", "expired"):
        msg = f"unknown request status {status!r}"
        raise ValueError(msg)
    return status  # type: ignore[return-value]


def pair_problem(sides: dict[str, str], a: str, b: str, what: str) -> str | None:
    """Why ``a`` and ``b`` cannot form a pair of this event, or None when they can."""
    missing = [pid for pid in (a, b) if pid not in sides]
    if missing:
        return f"{', '.join(repr(m) for m in missing)} does not take part in this event; add it first"
    if a == b:
        return f"a {what} needs two different participants"
    if sides[a] == sides[b] == "provider":
        return (
            f"a {what} between two providers is not possible:"
            " meetings pair a city with a provider or two cities"
        )
    return None


class ParticipantRow(BaseModel):
    """A participant as loaded for scheduling."""

    id: str
    side: Side
    name: str | None = None
    available: list[str] | None = None
    max_meetings: int | None = None


class RequestRow(BaseModel):
    """A request as loaded for scheduling."""

    sender: str
    recipient: str
    status: str


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


def build_problem(snapshot: EventSnapshot, *, now: datetime) -> SchedulingProblem:
    """The scheduling problem of an event.

    Requests get their status as of ``now``; requests and rules naming someone who left are
    ignored. Published meetings, and plan meetings staff locked, become ``locked``; a locked plan
    meeting that clashes with a published one (same pair, person or table in a slot) is left out.
    """
    people = {p.id for p in snapshot.participants}
    known_slots = {s.id for s in snapshot.slots}
    participants = [
        Participant(
            id=p.id,
            side=p.side,
            name=p.name,
            available=None if p.available is None else [s for s in p.available if s in known_slots],
            max_meetings=p.max_meetings,
        )
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
    locked = _merge_locked(snapshot.published, snapshot.pinned)
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


def aggregate_feedback(ratings: Iterable[tuple[str, str, str]]) -> dict[Pair, float]:
    """The feedback signal per pair from ``(rater, other, rating)`` triples (see module docstring)."""
    values: dict[Pair, list[float]] = {}
    for rater, other, rating in ratings:
        value = RATING_VALUES.get(rating)
        if value is None:
            continue
        values.setdefault(pair_key(rater, other), []).append(value)
    return {key: round(statistics.fmean(v), 4) for key, v in sorted(values.items())}


def with_feedback(
    score: Callable[[str, str], float | None], signal: dict[Pair, float], weight: float = FEEDBACK_WEIGHT
) -> Callable[[str, str], float | None]:
    """``score`` adjusted by earlier feedback: ``score + weight × signal``, never below 0.

    A pair rated "cooperation possible" before ranks higher for a follow-up meeting; one that
    showed insufficient interest ranks lower. Pairs without feedback keep their score.
    """

    def adjusted(a: str, b: str) -> float | None:
        base = score(a, b)
        bonus = signal.get(pair_key(a, b))
        if bonus is None:
            return base
        return max(0.0, (base or 0.0) + weight * bonus)

    return adjusted
