"""What goes in and out of the event use cases: inputs, read models and the API's request bodies.

Inputs (:class:`EventCreate`, :class:`ParticipantIn`, ...) validate themselves before anything is
stored; read models (:class:`EventSummary`, :class:`Agenda`, ...) are what the API, the console and
the CLI show. The API's own bodies (:class:`GenerateIn`, :class:`MyRequestIn`, ...) live here too, so
every event schema has one home.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal, TypedDict, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from matchmaker.db.models import ID_RULE, RecordIdStr
from matchmaker.errors import FieldValueError
from matchmaker.scheduling.problem import (
    RequestStatus,
    Side,
    Slot,
    as_instant,
    check_timezone,
    overlap_errors,
    zone,
)
from matchmaker.scheduling.result import ScheduleDiff
from matchmaker.validation import StrictTruthModel
from matchmaker.wording import counted

Answer = Literal["accepted", "declined"]
PairRuleKind = Literal["must_meet", "blocked"]
Rating = Literal["not_held", "insufficient_interest", "informative", "cooperation_possible"]
ExportSource = Literal["published", "plan"]

RATING_LABELS: dict[str, str] = {
    "not_held": "did not take place",
    "insufficient_interest": "insufficient interest",
    "informative": "informative, no cooperation planned",
    "cooperation_possible": "cooperation possible",
}

MAX_SLOTS = 200
MAX_TABLES = 1000
#: Shortest and longest slot made from a grid (days, or a first start), and the longest gap between
#: two slots, in minutes.
MIN_SLOT_MINUTES, MAX_SLOT_MINUTES, MAX_GAP_MINUTES = 5, 480, 240
#: Longest solver time limit an API request may ask for, in seconds.
MAX_TIME_LIMIT = 60.0
#: Longest free text (request message, reason for declining a request, feedback comment).
MAX_TEXT = 2000


#: The years an event's days and times may fall in: far enough from the ends of what a date can hold
#: that a time read in any zone, moved to UTC, or followed by a day of slots is still a date.
FIRST_YEAR, LAST_YEAR = 1900, 9998

_Day = TypeVar("_Day", date, datetime)
_Labels = TypeVar("_Labels", list[str], list[str] | None)


def check_year(value: _Day) -> _Day:
    """``value`` when its year is one an event may have (:data:`FIRST_YEAR`–:data:`LAST_YEAR`)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        msg = f"must be between the years {FIRST_YEAR} and {LAST_YEAR}, got {value.year}"
        raise ValueError(msg)
    return value


#: A slot's start or end: a time within the years an event may have.
EventTime = Annotated[datetime, AfterValidator(check_year)]
#: A day of an event's slots.
EventDay = Annotated[date, AfterValidator(check_year)]
#: A request deadline: an aware time within the years an event may have.
Deadline = Annotated[AwareDatetime, AfterValidator(check_year)]


class _In(StrictTruthModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------------------------------
# Inputs


class SlotIn(_In):
    """A slot of a new event; the id defaults to ``s1``, ``s2``… in order."""

    id: str | None = Field(default=None, max_length=64)
    start: EventTime
    end: EventTime


def event_slots(slots: Sequence[SlotIn]) -> list[Slot]:
    """Scheduler slots of the given slots, ids ``s1``… where missing (ValueError if invalid)."""
    return [Slot(id=s.id or f"s{n + 1}", start=s.start, end=s.end) for n, s in enumerate(slots)]


def check_slots(slots: Sequence[SlotIn]) -> None:
    """Refuse an event's slots (ValueError) when two share an id or share time, or when some have a
    UTC offset and others none (the agendas could not put them in order)."""
    checked = event_slots(slots)
    ids = [s.id for s in checked]
    if len(set(ids)) != len(ids):
        msg = "slot ids must be unique"
        raise ValueError(msg)
    with_offset = [s.id for s in checked if s.start.tzinfo is not None]
    without = [s.id for s in checked if s.start.tzinfo is None]
    if with_offset and without:
        msg = (
            f"slot {with_offset[0]!r} has a UTC offset and {without[0]!r} has none: give every slot an "
            "offset, or none (then the times are in the event's time zone)"
        )
        raise ValueError(msg)
    overlaps = overlap_errors(checked)
    if overlaps:
        raise ValueError("; ".join(overlaps))


#: Longest table label (a room name or an online meeting link).
MAX_TABLE_LABEL = 200


def check_table_labels(value: _Labels) -> _Labels:
    """``value`` when no table label is longer than :data:`MAX_TABLE_LABEL` and no two tables share one
    (agendas and table cards name a table by its label); ValueError otherwise. An empty label is none."""
    if value is None:
        return value
    if any(len(v) > MAX_TABLE_LABEL for v in value):
        msg = f"a table label has at most {MAX_TABLE_LABEL} characters"
        raise ValueError(msg)
    first: dict[str, int] = {}
    for n, label in enumerate(value, start=1):
        if not (key := label.strip()):
            continue
        if key in first:
            msg = f"tables {first[key]} and {n} are both labelled {key!r}; give each table its own label"
            raise ValueError(msg)
        first[key] = n
    return value


#: The address of the feedback signal under the events of the API (``/api/v1/events/feedback-signal``),
#: which no event may therefore have as its id.
FEEDBACK_SIGNAL = "feedback-signal"


def _not_an_events_page(value: str) -> str:
    """An event id that is not the address of another page under the events (whose address would then
    answer that page, never the event)."""
    if value == FEEDBACK_SIGNAL:
        msg = f"{value!r} is the address of the feedback signal under the events; choose another id"
        raise ValueError(msg)
    return value


def _zone_or_none(value: str | None) -> str | None:
    """A known IANA zone name, or None for an empty one (no zone: the slot times are UTC), as an event's
    edit reads ""."""
    return None if value == "" else check_timezone(value)


#: A new event's time zone; "" gives it none, as "" clears the zone of an event edited.
NewZone = Annotated[str | None, AfterValidator(_zone_or_none)]


class EventCreate(_In):
    """A new event: id, name, venue, slots, tables (a count, or labels one per table), time zone,
    deadline."""

    id: Annotated[RecordIdStr, AfterValidator(_not_an_events_page)] = Field(
        description=f"Event id: {ID_RULE}; not {FEEDBACK_SIGNAL!r}."
    )
    name: str = Field(min_length=1, max_length=300)
    venue: str | None = Field(default=None, max_length=300, description="Where it takes place.")
    timezone: NewZone = Field(
        default=None,
        description='IANA zone of slot times without an offset; none (or "") makes them UTC.',
    )
    slots: list[SlotIn] = Field(min_length=1, max_length=MAX_SLOTS)
    tables: int | None = Field(default=None, ge=1, le=MAX_TABLES)
    table_labels: list[str] = Field(default_factory=list, max_length=MAX_TABLES)
    request_deadline: Deadline | None = Field(
        default=None, description="After it, pending requests expire and no new ones are accepted."
    )

    _labels = field_validator("table_labels")(check_table_labels)

    @model_validator(mode="after")
    def _tables_and_slots(self) -> EventCreate:
        if self.tables is None and not self.table_labels:
            raise FieldValueError("tables", "give the number of tables or one label per table")
        if self.tables is not None and self.table_labels and len(self.table_labels) != self.tables:
            msg = f"{counted(len(self.table_labels), 'table label')} for {counted(self.tables, 'table')}"
            raise FieldValueError("table_labels", msg)
        # Validate slots as the scheduler will (order, ids, offsets) before anything is stored.
        check_slots(self.slots)
        return self

    @property
    def table_count(self) -> int:
        """Number of tables."""
        return self.tables if self.tables is not None else len(self.table_labels)


class BreakIn(_In):
    """A daily break (lunch, a plenary): no slot overlaps it."""

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> BreakIn:
        if self.end <= self.start:
            msg = f"a break must end after it starts ({self.start:%H:%M}-{self.end:%H:%M})"
            raise ValueError(msg)
        return self


class DaysIn(_In):
    """Slots over one or more days: ``per_day`` slots of ``minutes`` from ``start``, ``gap`` minutes
    apart, skipping the breaks. Slot ids are ``s1``, ``s2``… in time order."""

    days: list[EventDay] = Field(min_length=1, max_length=31)
    start: time = Field(description="Local start of the first slot of each day.")
    per_day: int = Field(ge=1, le=MAX_SLOTS)
    minutes: int = Field(default=20, ge=MIN_SLOT_MINUTES, le=MAX_SLOT_MINUTES)
    gap: int = Field(default=5, ge=0, le=MAX_GAP_MINUTES)
    breaks: list[BreakIn] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _fits(self) -> DaysIn:
        self.slots()
        return self

    def slots(self) -> list[SlotIn]:
        """The slots, in time order (ValueError when a day runs past midnight or too many)."""
        out: list[SlotIn] = []
        step = timedelta(minutes=self.minutes)
        for day in sorted(set(self.days)):
            at = datetime.combine(day, self.start)
            for _ in range(self.per_day):
                for b in sorted(self.breaks, key=lambda b: b.start):
                    b_start, b_end = datetime.combine(day, b.start), datetime.combine(day, b.end)
                    if at < b_end and at + step > b_start:
                        at = b_end
                if (at + step).date() != day:
                    msg = f"{self.per_day} slots do not fit into {day.isoformat()}"
                    raise ValueError(msg)
                out.append(SlotIn(id=f"s{len(out) + 1}", start=at, end=at + step))
                at += step + timedelta(minutes=self.gap)
        if len(out) > MAX_SLOTS:
            msg = f"{len(out)} slots; an event has at most {MAX_SLOTS}"
            raise ValueError(msg)
        return out


def even_grid(slots: Sequence[Slot]) -> DaysIn | None:
    """The grid over days that makes exactly ``slots`` (same times, ids ``s1``… in order), or None when
    they are no such grid: uneven lengths or gaps, a slot past midnight, ids of their own, times with
    a UTC offset. Replacing slots that are no grid by a grid changes them, so it must be asked for."""
    if not slots:
        return None
    days: dict[date, list[Slot]] = {}
    for s in slots:
        days.setdefault(s.start.date(), []).append(s)
    first = slots[0]
    day_one = days[first.start.date()]
    gaps = [int((b.start - a.end).total_seconds() // 60) for a, b in itertools.pairwise(day_one)]
    gap = min(gaps, default=0)
    try:
        grid = DaysIn(
            days=list(days),
            start=first.start.time(),
            per_day=max(len(v) for v in days.values()),
            minutes=int((first.end - first.start).total_seconds() // 60),
            gap=gap,
            breaks=[
                BreakIn(start=(a.end + timedelta(minutes=gap)).time(), end=b.start.time())
                for a, b in itertools.pairwise(day_one)
                if (b.start - a.end).total_seconds() // 60 > gap
            ],
        )
    except ValueError:  # a grid the form could not take (too long, past midnight, too many breaks)
        return None
    made = [(s.id, s.start, s.end) for s in grid.slots()]
    return grid if made == [(s.id, s.start, s.end) for s in slots] else None


def _zone_or_empty(value: str | None) -> str | None:
    """A known IANA zone name, or "" (clear the event's zone)."""
    return value if value == "" else check_timezone(value)


#: An event's new time zone; "" clears it (its slot times are then UTC), as "" clears the venue.
ZoneChange = Annotated[str | None, AfterValidator(_zone_or_empty)]


class EventEdit(_In):
    """Changes to an event; missing fields stay as they are.

    ``slots`` (explicit) or ``days`` (a grid over days with breaks) replace every slot; slot ids that
    stay keep the meetings planned in them. ``tables`` changes the number of tables (labels of the
    remaining tables stay); ``table_labels`` gives one label per table, a room name or an online
    meeting link. Clearing the venue or the time zone takes an empty string, the deadline
    ``clear_deadline``.
    """

    name: str | None = Field(default=None, min_length=1, max_length=300)
    venue: str | None = Field(default=None, max_length=300)
    timezone: ZoneChange = Field(
        default=None,
        description='IANA zone of slot times without an offset; "" clears it (times are then UTC).',
    )
    request_deadline: Deadline | None = None
    clear_deadline: bool = False
    slots: list[SlotIn] | None = Field(default=None, min_length=1, max_length=MAX_SLOTS)
    days: DaysIn | None = None
    tables: int | None = Field(default=None, ge=1, le=MAX_TABLES)
    table_labels: list[str] | None = Field(default=None, max_length=MAX_TABLES)
    replan: bool = Field(
        default=True, description="Re-plan at once when slots or tables change and the event has a plan."
    )

    _labels = field_validator("table_labels")(check_table_labels)

    @model_validator(mode="after")
    def _consistent(self) -> EventEdit:
        if self.slots is not None and self.days is not None:
            msg = "give either slots or days, not both"
            raise ValueError(msg)
        if self.tables is not None and self.table_labels and len(self.table_labels) != self.tables:
            msg = f"{counted(len(self.table_labels), 'table label')} for {counted(self.tables, 'table')}"
            raise FieldValueError("table_labels", msg)
        slots = self.new_slots()
        if slots is not None:
            check_slots(slots)
        return self

    def new_slots(self) -> list[SlotIn] | None:
        """The slots replacing the event's, if they change."""
        if self.days is not None:
            return self.days.slots()
        return self.slots

    @property
    def changes_plan(self) -> bool:
        """Whether the change can move or drop planned meetings."""
        return (
            self.slots is not None
            or self.days is not None
            or self.tables is not None
            or bool(self.table_labels)
        )


class ParticipantIn(_In):
    """A stored city or provider joining an event, with the slots it can attend and its maximum."""

    id: str
    available: list[str] | None = Field(default=None, description="Slot ids; missing means every slot.")
    max_meetings: int | None = Field(default=None, ge=0, le=MAX_SLOTS)


class RequestCreate(_In):
    """A meeting request from ``sender`` to ``recipient``."""

    sender: str
    recipient: str
    message: str | None = Field(default=None, max_length=MAX_TEXT)

    @field_validator("message")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        """An empty or blank message is no message (the API, the console and the command line alike)."""
        return value if value is not None and value.strip() else None


def check_decline_reason(answer: Answer, reason: str | None) -> str | None:
    """The reason for an answer as stored: stripped, ``None`` when empty; ValueError when it is given
    with an acceptance (a reason is given only when declining)."""
    reason = (reason or "").strip() or None
    if reason is not None and answer != "declined":
        msg = "a reason is given only when declining a request; leave it empty to accept"
        raise ValueError(msg)
    return reason


class RequestAnswer(_In):
    """The recipient's answer to a meeting request, with why it declines (optional)."""

    answer: Answer
    decline_reason: str | None = Field(
        default=None,
        max_length=MAX_TEXT,
        description="Why the recipient declines (only with a decline); the sender reads it.",
    )

    @field_validator("decline_reason")
    @classmethod
    def _only_when_declining(cls, value: str | None, info: ValidationInfo) -> str | None:
        answer = info.data.get("answer")
        return check_decline_reason(answer, value) if answer is not None else value


class FeedbackIn(_In):
    """One participant's rating of its meeting with ``other``."""

    rater: str
    other: str
    rating: Rating
    comment: str | None = Field(default=None, max_length=MAX_TEXT)


# --------------------------------------------------------------------------------------------------
# API request bodies (the caller's identity fills in sender and rater)


class _Body(StrictTruthModel):
    """An API request body: a field it does not know (a misspelt one) is refused, not dropped, and
    true and false are kept apart from numbers and text (:class:`StrictTruthModel`)."""

    model_config = ConfigDict(extra="forbid")


class GenerateIn(_Body):
    """Options of a (re-)plan."""

    time_limit: float = Field(default=20.0, gt=0, le=MAX_TIME_LIMIT, description="Solver seconds.")
    keep_published: bool = Field(default=True, description="Keep published meetings where they are.")
    relax_must_meet: bool = Field(
        default=False, description="Plan anyway and list must-meets that cannot be held (else 422)."
    )


class PairIn(_Body):
    """Two participants of an event."""

    a: str = Field(min_length=1, max_length=128)
    b: str = Field(min_length=1, max_length=128)


class PairRuleIn(PairIn):
    """A staff rule for a pair; ``kind`` null clears it."""

    kind: PairRuleKind | None


class LockIn(PairIn):
    """Pin or unpin a planned meeting."""

    locked: bool = True


class AnswerIn(RequestAnswer):
    """The answer to a meeting request, with why the recipient declines (optional)."""


class MyRequestIn(_Body):
    """A request sent by a participant (the sender is the caller; staff give ``sender``)."""

    recipient: str = Field(min_length=1, max_length=128)
    sender: str | None = Field(default=None, min_length=1, max_length=128)
    message: str | None = Field(default=None, max_length=MAX_TEXT)


class MyFeedbackIn(_Body):
    """A rating of the caller's meeting with ``other`` (staff give ``rater``)."""

    other: str = Field(min_length=1, max_length=128)
    rating: Rating
    rater: str | None = Field(default=None, min_length=1, max_length=128)
    comment: str | None = Field(default=None, max_length=MAX_TEXT)


# --------------------------------------------------------------------------------------------------
# Read models


def at_offset(value: datetime, timezone: str | None) -> datetime:
    """A slot time with its UTC offset: on the clock of the event's zone ``timezone`` (a time without
    an offset is local to it already), else as entered, a time without an offset being UTC (as
    calendars give it). An event whose zone this system does not know reads in UTC."""
    tz = zone(timezone)
    instant = as_instant(value, tz)
    return instant.astimezone(tz) if tz is not None else instant


#: The event's zone, as every read model with slot times names it.
EventZone = Annotated[
    str | None,
    Field(
        description="The event's IANA time zone (e.g. Europe/Istanbul), whose wall clock start and end"
        " give; null when the event has none (its times are then UTC unless they carry an offset)."
    ),
]
#: ``start`` as an instant.
StartAt = Annotated[
    datetime,
    Field(
        description="The same moment as start, always with its UTC offset (ISO 8601, e.g."
        " 2027-03-02T09:00:00+03:00): the wall-clock time of the event's zone, or UTC (Z) for an"
        " event without one. Read this field to place the meeting in another zone."
    ),
]
#: ``end`` as an instant.
EndAt = Annotated[
    datetime,
    Field(description="The same moment as end, always with its UTC offset (see start_at)."),
]


class MeetingTimes(TypedDict):
    """A meeting's times as every read model gives them: as stored (``start``, ``end``), with their
    offset (``start_at``, ``end_at``), and the event's zone."""

    start: datetime
    end: datetime
    start_at: datetime
    end_at: datetime
    timezone: str | None


def meeting_times(start: datetime, end: datetime, timezone: str | None) -> MeetingTimes:
    """The fields of a read model that says when a meeting is (see :class:`MeetingTimes`)."""
    return MeetingTimes(
        start=start,
        end=end,
        start_at=at_offset(start, timezone),
        end_at=at_offset(end, timezone),
        timezone=timezone,
    )


class SlotTimes(Slot):
    """A slot of an event: ``start`` and ``end`` as entered or on the event's clock, and the same
    moments with their UTC offset."""

    start_at: StartAt
    end_at: EndAt

    @classmethod
    def of(cls, slot: Slot, timezone: str | None) -> SlotTimes:
        """``slot`` of an event in ``timezone``, with the offsets of its times."""
        return cls(
            id=slot.id,
            start=slot.start,
            end=slot.end,
            start_at=at_offset(slot.start, timezone),
            end_at=at_offset(slot.end, timezone),
        )


class RequestCounts(BaseModel):
    """How many meeting requests have each status as of now (pending ones expire at the deadline)."""

    pending: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0


class OwnRequests(BaseModel):
    """A participant's own meeting requests in an event: those it sent and those it received."""

    sent: RequestCounts = Field(default_factory=RequestCounts)
    received: RequestCounts = Field(default_factory=RequestCounts)


class EventSummary(BaseModel):
    """An event with its counts: the event's for staff; for a participant, ``requests`` and
    ``own_requests`` count only the requests it sent or received (never other participants')."""

    id: str
    name: str
    venue: str | None = None
    timezone: EventZone
    request_deadline: datetime | None
    slots: list[SlotTimes]
    tables: int
    table_labels: dict[int, str]
    participants: int
    requests: int = Field(
        description="Staff: every meeting request of the event. A participant: those it sent or received."
    )
    own_requests: OwnRequests | None = Field(
        default=None,
        description="A participant's own requests by status, sent and received (None for staff).",
    )
    planned_meetings: int = Field(
        description="Staff: the meetings of the current plan. A participant: its own published meetings."
    )
    published_version: int
    published_at: datetime | None
    generated_at: datetime | None

    @model_validator(mode="before")
    @classmethod
    def _slot_offsets(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("slots"), list):
            return data
        timezone = data.get("timezone")
        slots = [
            SlotTimes.of(s, timezone) if isinstance(s, Slot) and not isinstance(s, SlotTimes) else s
            for s in data["slots"]
        ]
        return {**data, "slots": slots}


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
    reason: str | None = Field(
        default=None, description="Why the matcher suggests the pair, told from the sender's side."
    )
    decline_reason: str | None = Field(
        default=None, description="Why the recipient declined it, when it said so (a declined request only)."
    )
    created_at: datetime
    updated_at: datetime


Relation = Literal["comparable", "mentor"]


class Contact(BaseModel):
    """Someone a participant may ask for a meeting in an event, and why the matcher suggests them.

    A city is offered the event's providers and its other cities (comparable cities, and mentors:
    cities with a case study on the same need); a provider is offered the event's cities.
    """

    id: str
    name: str
    side: Side
    relation: Relation | None = Field(
        default=None, description="For a city offered to a city: comparable, or mentor."
    )
    score: float | None = Field(default=None, description="The matcher's score; null when not suggested.")
    reason: str | None = Field(default=None, description="The matcher's one-line reason (no ids, no scores).")


class PairRulePublic(BaseModel):
    """A staff rule: the pair must meet, or is blocked."""

    a: str
    b: str
    kind: PairRuleKind


class MeetingSlot(BaseModel):
    """When and at which table a meeting is, as every meeting read model says it: its slot, its times
    (see :class:`MeetingTimes`) and its table's number."""

    slot: str
    start: datetime
    end: datetime
    start_at: StartAt
    end_at: EndAt
    timezone: EventZone
    table: int


class MeetingPlace(MeetingSlot):
    """Where and when two participants meet, with their names and the pair's match score (staff)."""

    table_label: str | None
    a: str
    a_name: str
    b: str
    b_name: str
    score: float


class PlannedMeeting(MeetingPlace):
    """A meeting of the plan (staff view, with score and why)."""

    reason: str | None
    public_reason: str | None = Field(default=None, description="Why they meet, as participants read it.")
    kind: str
    locked: bool
    published: bool


class AgendaItem(MeetingSlot):
    """One meeting in a participant's published agenda."""

    uid: str
    table_label: str | None
    with_id: str
    with_name: str
    with_side: Side
    reason: str | None
    status: Literal["CONFIRMED", "CANCELLED"]
    sequence: int


class WithdrawnMeeting(MeetingSlot):
    """A published meeting in a slot that one of its participants has withdrawn from since (staff)."""

    a: str
    a_name: str
    b: str
    b_name: str
    away: list[str] = Field(description="The names of the participants no longer available in the slot.")
    away_ids: list[str] = Field(
        default_factory=list, description="The ids of the participants no longer available in the slot."
    )


class Agenda(BaseModel):
    """A participant's published meetings (cancelled ones listed last, marked)."""

    event_id: str
    event_name: str
    participant_id: str
    participant_name: str
    timezone: EventZone
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


#: What an edit may change that participants of a published event read in their agendas and calendars.
TOLD_FIELDS = frozenset({"venue", "timezone", "slots", "tables"})


class EditReport(BaseModel):
    """What editing an event changed: the event as it is now, and the re-plan it needed, if any."""

    event: EventSummary
    changed: list[str] = Field(description="The fields that changed.")
    replanned: GenerateReport | None = Field(
        default=None, description="The re-plan after slots or tables changed (publish it to notify)."
    )
    dropped_availability: list[str] = Field(
        default_factory=list, description="Participants whose availability named slots that are gone."
    )

    @property
    def to_publish(self) -> bool:
        """Whether participants of the published event read something this edit changed, and are
        told only by publishing again."""
        return bool(self.event.published_version) and (
            self.replanned is not None or bool(TOLD_FIELDS & set(self.changed))
        )


class DeleteReport(BaseModel):
    """What deleting an event told its participants: a published event's participants are told by
    e-mail that it is cancelled, with their meetings as cancelled calendar entries."""

    event_id: str
    name: str
    published: bool = Field(default=False, description="Whether its schedule had been published.")
    messages: int = Field(default=0, description="E-mails queued to tell participants it is cancelled.")
    not_told: list[str] = Field(
        default_factory=list,
        description="Participants of the published event without a user with an e-mail address.",
    )


class PublishReport(BaseModel):
    """What publishing changed in the calendars."""

    event_id: str
    version: int
    confirmed: int
    new: int
    changed: int
    cancelled: int
    unchanged: int
    messages: int = Field(default=0, description="E-mails queued to tell participants.")
    not_told: list[str] = Field(
        default_factory=list,
        description="Participants who had something to be told but no user with an e-mail address (names).",
    )
    nothing_changed: bool = Field(
        default=False,
        description=(
            "Nothing had changed since the last publication: no new version was made and nobody was told."
        ),
    )
    note: str | None = Field(
        default=None, description="What staff are told, when nothing had changed since the last publication."
    )


class FeedbackPublic(BaseModel):
    """A stored rating."""

    event_id: str
    rater: str
    other: str
    rating: Rating
    comment: str | None
    created_at: datetime


class SignalItem(BaseModel):
    """The feedback signal of one pair."""

    a: str
    b: str
    signal: float


# --------------------------------------------------------------------------------------------------
# Read models of feedback and statistics (staff)

MeetingOutcomeStatus = Literal["upcoming", "not_rated", "held", "no_show"]
StatisticsSource = Literal["published", "plan", "none"]


class MeetingOutcome(MeetingPlace):
    """One meeting with both sides' ratings: held, a no-show, not rated yet, or still to come."""

    rating_a: Rating | None = Field(description="``a``'s rating of the meeting, if given.")
    rating_b: Rating | None = Field(description="``b``'s rating of the meeting, if given.")
    comment_a: str | None = None
    comment_b: str | None = None
    status: MeetingOutcomeStatus = Field(
        description="no_show when either side says it did not take place; held when a side rated it;"
        " upcoming before its slot ends."
    )


class ParticipantMeetings(BaseModel):
    """How many meetings one participant has."""

    id: str
    name: str
    side: Side
    meetings: int


class RequestFigures(BaseModel):
    """Meeting requests of one direction (``city → provider``, ...) or of all (``all``), by status."""

    direction: str
    total: int
    accepted: int
    declined: int
    pending: int
    expired: int
    accept_rate: float | None = Field(description="Accepted share of all requests (None: no requests).")
    decline_rate: float | None = Field(description="Declined share of all requests (None: no requests).")


class RatingCount(BaseModel):
    """How many ratings have one value."""

    rating: Rating
    label: str
    count: int


class ScorePoint(BaseModel):
    """One rating of a meeting against the meeting's match score."""

    rater: str
    other: str
    score: float
    rating: Rating
    value: float = Field(description="The rating's value in the feedback signal, in [-1, 1].")


class EventStatistics(BaseModel):
    """Feedback and statistics of an event, as staff see them (the console's charts read these)."""

    event_id: str
    source: StatisticsSource = Field(
        description="Which meetings are counted: the published schedule, else the plan, else none."
    )
    meetings: int
    rated_meetings: int = Field(description="Meetings at least one side rated.")
    no_shows: int = Field(description="Meetings a side said did not take place.")
    ratings: int
    mean_rating_value: float | None = Field(
        description="Mean value of the ratings that say something about the pair (not no-shows)."
    )
    score_rating_correlation: float | None = Field(
        description="Pearson correlation of match score and rating value (None below 3 points or"
        " without spread)."
    )
    outcomes: list[MeetingOutcome]
    per_participant: list[ParticipantMeetings]
    requests: list[RequestFigures] = Field(description="``all`` first, then one entry per direction.")
    rating_distribution: list[RatingCount]
    score_vs_rating: list[ScorePoint]


__all__ = [
    "FEEDBACK_SIGNAL",
    "MAX_SLOTS",
    "MAX_TABLES",
    "MAX_TABLE_LABEL",
    "MAX_TEXT",
    "MAX_TIME_LIMIT",
    "RATING_LABELS",
    "Agenda",
    "AgendaItem",
    "Answer",
    "AnswerIn",
    "BreakIn",
    "Contact",
    "DaysIn",
    "EditReport",
    "EndAt",
    "EventCreate",
    "EventEdit",
    "EventStatistics",
    "EventSummary",
    "EventZone",
    "ExportSource",
    "FeedbackIn",
    "FeedbackPublic",
    "GenerateIn",
    "GenerateReport",
    "LockIn",
    "MeetingOutcome",
    "MeetingOutcomeStatus",
    "MeetingPlace",
    "MeetingSlot",
    "MeetingTimes",
    "MyFeedbackIn",
    "MyRequestIn",
    "OwnRequests",
    "PairIn",
    "PairRuleIn",
    "PairRuleKind",
    "PairRulePublic",
    "ParticipantIn",
    "ParticipantMeetings",
    "ParticipantPublic",
    "PlannedMeeting",
    "PublishReport",
    "Rating",
    "RatingCount",
    "Relation",
    "RequestAnswer",
    "RequestCounts",
    "RequestCreate",
    "RequestFigures",
    "RequestPublic",
    "RequestStatus",
    "ScorePoint",
    "Side",
    "SignalItem",
    "SlotIn",
    "SlotTimes",
    "StartAt",
    "StatisticsSource",
    "WithdrawnMeeting",
    "at_offset",
    "check_decline_reason",
    "even_grid",
    "event_slots",
    "meeting_times",
]
