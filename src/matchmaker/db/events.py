"""Tables of Level 3 matchmaking events (migrations 0002_events, 0003_self_service, 0004_event_edit,
0005_request_reason, 0017_feed_token_issuer).

An event has slots (start and end, local to the event's time zone), numbered tables or rooms, and
participants (stored cities and providers, each with the slots it can attend and an optional maximum
number of meetings). Between participants there are meeting requests, and staff rules for pairs
(must-meet or blocked). Two schedules are stored:

- :class:`EventMeeting` is the *plan*: the last generated schedule, which staff review and may
  regenerate freely;
- :class:`PublishedMeeting` is what participants see: one row per pair ever published, with the
  calendar UID, the SEQUENCE that grows whenever the meeting changes, and ``CANCELLED`` when it was
  dropped, so calendar feeds update entries instead of duplicating them.

After the event, :class:`MeetingFeedback` holds each participant's rating of each meeting.

Slot times are kept as ISO 8601 text exactly as given (with or without a UTC offset), so SQLite and
PostgreSQL store the same value and a naive local time is never shifted by a driver.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from matchmaker.db.models import NAME_MAX, NEVER_REUSED_IDS, serial_id, utcnow

RequestStatus = Literal["pending", "accepted", "declined", "expired"]
PairRuleKind = Literal["must_meet", "blocked"]
Rating = Literal["not_held", "insufficient_interest", "informative", "cooperation_possible"]
CalendarStatus = Literal["CONFIRMED", "CANCELLED"]


def _event_ref(**options: Any) -> Any:
    """An ``event_id`` field: the event's id, and the row is deleted with the event."""
    return Field(max_length=128, foreign_key="event.id", ondelete="CASCADE", **options)


class _EventPart(SQLModel):
    """A row that is part of an event: its primary key starts with the event's id, and it is deleted
    with the event."""

    event_id: str = _event_ref(primary_key=True)


class _Stamped(SQLModel):
    """When the row was created and when it last changed (the migrations' ``timestamps()``)."""

    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Event(_Stamped, table=True):
    """A matchmaking event (for example one Level 3 workshop day)."""

    __tablename__ = "event"

    id: str = Field(primary_key=True, max_length=128)
    name: str = Field(max_length=300)
    timezone: str | None = Field(default=None, max_length=64)
    #: Where the event takes place (shown in agendas and calendar entries).
    venue: str | None = Field(default=None, max_length=300)
    request_deadline: datetime | None = None
    #: Until when participants change their own availability and profile (None: the request deadline).
    self_service_deadline: datetime | None = None
    #: How many times the schedule has been published (0: never).
    published_version: int = 0
    #: The venue as it was last published (None: published without one, or before this was kept; the
    #: published meetings' ``table_name`` tells which).
    published_venue: str | None = Field(default=None, max_length=300)
    published_at: datetime | None = None
    generated_at: datetime | None = None
    #: The solver's statistics of the last generated plan (JSON text).
    plan_stats: str | None = Field(default=None, sa_type=Text)
    #: The report of the last generate or re-plan, and of the last publication (JSON text), shown
    #: again after the console's redirect.
    plan_report: str | None = Field(default=None, sa_type=Text)
    publish_report: str | None = Field(default=None, sa_type=Text)


class EventSlot(_EventPart, table=True):
    """A time slot of an event; every table can host one meeting in it."""

    __tablename__ = "event_slot"

    slot_id: str = Field(primary_key=True, max_length=64)
    position: int
    start: str = Field(max_length=40)
    end: str = Field(max_length=40)


class EventTable(_EventPart, table=True):
    """A table or room, numbered from 1, with an optional label shown in agendas."""

    __tablename__ = "event_table"

    number: int = Field(primary_key=True)
    label: str | None = Field(default=None, max_length=200)


class EventParticipant(_EventPart, table=True):
    """A stored city or provider taking part in an event."""

    __tablename__ = "event_participant"

    participant_id: str = Field(primary_key=True, max_length=128)
    side: str = Field(max_length=20)
    #: Slot ids it can attend (JSON list); None means every slot.
    available: str | None = Field(default=None, sa_type=Text)
    max_meetings: int | None = None
    added_at: datetime = Field(default_factory=utcnow)


class MeetingRequestRow(_Stamped, table=True):
    """A meeting request from one participant to another, answered by the recipient.

    Its id is shown to both parties and the row is deleted when the request is withdrawn, so an id is
    never given to another request (AUTOINCREMENT on SQLite, migration ``0016_request_ids_never_reused``).
    """

    __tablename__ = "event_request"
    __table_args__ = (UniqueConstraint("event_id", "sender", "recipient"), NEVER_REUSED_IDS)

    id: int | None = serial_id()
    event_id: str = _event_ref(index=True)
    sender: str = Field(max_length=128)
    recipient: str = Field(max_length=128)
    status: str = Field(default="pending", max_length=20)
    message: str | None = Field(default=None, sa_type=Text)
    #: The matcher's one-line reason for the pair, from the sender's side, as both parties read it.
    reason: str | None = Field(default=None, sa_type=Text)
    #: Whether the recipient's people were told of the request by e-mail (so that they are told,
    #: the same way, when it is withdrawn). A request stored before the column existed (migration
    #: ``0013_request_notified``) reads as not told: the database fills in false itself.
    notified: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    #: Why the recipient declined it, when it said so (kept only while the request is declined).
    decline_reason: str | None = Field(default=None, sa_type=Text)


class PairRule(_EventPart, table=True):
    """A staff rule for a pair: it must meet, or it must never meet. ``a < b``."""

    __tablename__ = "event_pair_rule"

    a: str = Field(primary_key=True, max_length=128)
    b: str = Field(primary_key=True, max_length=128)
    kind: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class EventMeeting(_EventPart, table=True):
    """A meeting of the current plan. ``locked`` meetings stay put when staff re-plan."""

    __tablename__ = "event_meeting"

    a: str = Field(primary_key=True, max_length=128)
    b: str = Field(primary_key=True, max_length=128)
    slot_id: str = Field(max_length=64)
    table_number: int
    score: float = 0.0
    reason: str | None = Field(default=None, sa_type=Text)
    #: Why they meet, as participants read it (the matcher's need ↔ capability line; no staff wording).
    public_reason: str | None = Field(default=None, sa_type=Text)
    kind: str = Field(default="score", max_length=20)
    locked: bool = False


class PublishedMeeting(_EventPart, table=True):
    """A published meeting as calendars see it: stable UID, SEQUENCE and status."""

    __tablename__ = "event_published_meeting"

    uid: str = Field(primary_key=True, max_length=128)
    a: str = Field(max_length=128, index=True)
    b: str = Field(max_length=128, index=True)
    slot_id: str = Field(max_length=64)
    table_number: int
    start: str = Field(max_length=40)
    end: str = Field(max_length=40)
    #: Where the meeting was announced: its table's name and the venue (None: published before this
    #: was kept).
    location: str | None = Field(default=None, max_length=600)
    #: The name its table was published with: its label, or "Table N" (None: published before this was
    #: kept; the name is then read from ``location``).
    table_name: str | None = Field(default=None, max_length=200)
    #: The event's name and the names of ``a`` and ``b`` as the meeting was published with, which its
    #: calendar entries show until a publication with a higher SEQUENCE (None: not known; the current
    #: ones are shown).
    event_name: str | None = Field(default=None, max_length=300)
    a_name: str | None = Field(default=None, max_length=NAME_MAX)
    b_name: str | None = Field(default=None, max_length=NAME_MAX)
    status: str = Field(default="CONFIRMED", max_length=20)
    sequence: int = 0
    score: float = 0.0
    reason: str | None = Field(default=None, sa_type=Text)
    public_reason: str | None = Field(default=None, sa_type=Text)
    updated_at: datetime = Field(default_factory=utcnow)


class MeetingFeedback(_Stamped, table=True):
    """One participant's rating of one published meeting."""

    __tablename__ = "event_feedback"
    __table_args__ = (UniqueConstraint("event_id", "rater", "other"),)

    id: int | None = serial_id()
    event_id: str = _event_ref(index=True)
    rater: str = Field(max_length=128)
    other: str = Field(max_length=128)
    rating: str = Field(max_length=40)
    comment: str | None = Field(default=None, sa_type=Text)


class EventFeedToken(SQLModel, table=True):
    """A secret calendar feed address of one participant (only the token's SHA-256 is stored).

    Calendar clients subscribe to ``/feeds/{token}.ics`` without signing in; staff revoke a token by
    setting ``revoked_at``, after which its address answers 404. ``issued_by`` is the user who asked
    for the address (migration ``0017_feed_token_issuer``): revoking that user stops it. It is empty
    for an address staff made from the command line, and for one made before the column existed.
    """

    __tablename__ = "event_feed_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    event_id: str = _event_ref(index=True)
    participant_id: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    issued_by: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("api_user.id", ondelete="SET NULL", name="fk_event_feed_token_issued_by"),
            nullable=True,
            index=True,
        ),
    )


__all__ = [
    "CalendarStatus",
    "Event",
    "EventFeedToken",
    "EventMeeting",
    "EventParticipant",
    "EventSlot",
    "EventTable",
    "MeetingFeedback",
    "MeetingRequestRow",
    "PairRule",
    "PairRuleKind",
    "PublishedMeeting",
    "Rating",
    "RequestStatus",
]
