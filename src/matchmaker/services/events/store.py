"""Loading helpers inside a unit of work: event rows, slots, tables, names, plan and published rows.

Every function takes the caller's session and neither commits nor opens one; each event sub-feature
builds its answers from these.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime, tzinfo
from typing import Protocol, TypedDict, TypeVar

from sqlalchemy import func, or_
from sqlmodel import Session, SQLModel, col, select

from matchmaker.db.events import (
    Event,
    EventMeeting,
    EventParticipant,
    EventSlot,
    EventTable,
    MeetingRequestRow,
    PairRule,
    PublishedMeeting,
)
from matchmaker.db.models import City, Provider
from matchmaker.errors import NotFoundError
from matchmaker.scheduling.exports import CalendarEntry, table_name
from matchmaker.scheduling.problem import Placement, Slot
from matchmaker.scheduling.result import Meeting
from matchmaker.services.events.rules import (
    EventSnapshot,
    ParticipantRow,
    RequestRow,
    as_instant,
    effective_status,
    side_of,
    zone,
)
from matchmaker.services.events.schemas import (
    ParticipantPublic,
    PlannedMeeting,
    RequestPublic,
    meeting_times,
)

Row = TypeVar("Row", bound=SQLModel)


class InSession:
    """A sub-feature working in one unit of work (the caller's session; it neither commits nor closes)."""

    def __init__(self, session: Session) -> None:
        self.session = session


def first_where(session: Session, model: type[Row], **values: object) -> Row | None:
    """The first ``model`` row whose columns have ``values``, if any."""
    return session.exec(select(model).filter_by(**values)).first()


def event_row(session: Session, event_id: str) -> Event:
    """The stored event (fresh from the database), or :class:`NotFoundError`."""
    row = session.get(Event, event_id, populate_existing=True)
    if row is None:
        raise NotFoundError(f"no event with id {event_id!r}")
    return row


def slots(session: Session, event_id: str) -> list[Slot]:
    """The event's slots in order.

    A time entered with an offset (``06:00Z``) is given on the event's clock (``09:00+03:00`` in
    Istanbul), the same instant as the venue's people read it; a time without one is local already.
    """
    rows = session.exec(
        select(EventSlot).where(EventSlot.event_id == event_id).order_by(col(EventSlot.position))
    )
    ev = session.get(Event, event_id)
    tz = zone(ev.timezone) if ev is not None else None
    return [Slot(id=r.slot_id, start=_on_clock(r.start, tz), end=_on_clock(r.end, tz)) for r in rows]


def _on_clock(stored: str, tz: tzinfo | None) -> datetime:
    value = datetime.fromisoformat(stored)
    return value.astimezone(tz) if tz is not None and value.tzinfo is not None else value


def event_end(session: Session, ev: Event) -> datetime | None:
    """When the event's last slot ends, as an aware instant (a naive time is in the event's zone, else
    UTC); ``None`` for an event without slots."""
    ends = [as_instant(s.end, zone(ev.timezone)) for s in slots(session, ev.id)]
    return max(ends, default=None)


def table_labels(session: Session, event_id: str) -> dict[int, str]:
    """The labels of the event's labelled tables."""
    rows = session.exec(select(EventTable).where(EventTable.event_id == event_id))
    return {r.number: r.label for r in rows if r.label}


def published_places(session: Session, ev: Event) -> tuple[dict[int, str], str | None]:
    """The table labels and the venue as the event's confirmed meetings were last published.

    Participants keep reading the place they were given until staff publish again: the venue and
    each meeting's table name kept at the last publication. A place never published (an event not
    yet published, meetings published before places were kept) is the current one; meetings published
    before the names were kept are read from their ``location`` (see :func:`_places_from_locations`).
    """
    labels = table_labels(session, ev.id)
    confirmed = (PublishedMeeting.event_id == ev.id, PublishedMeeting.status == "CONFIRMED")
    # Each table's name once, not once per meeting: a publication gives all its confirmed meetings
    # at a table the same name, so what a large event's participant reads does not grow with it.
    named = col(PublishedMeeting.table_name)
    kept = session.exec(
        select(PublishedMeeting.table_number, named)
        .where(*confirmed, named.is_not(None))
        .distinct()
        .order_by(col(PublishedMeeting.table_number), named)
    ).all()
    if kept:  # every publication keeps them for all its confirmed meetings
        names = [(number, name) for number, name in kept if name is not None]
        return _with_published_names(labels, names), ev.published_venue
    rows = session.exec(select(PublishedMeeting.table_number, PublishedMeeting.location).where(*confirmed))
    located = [(number, where) for number, where in rows if where]
    return _places_from_locations(labels, ev.venue, located)


def _with_published_names(labels: dict[int, str], published: list[tuple[int, str]]) -> dict[int, str]:
    """The current ``labels`` with each published table's name instead ("Table N": no label)."""
    shown = dict(labels)
    for number, name in published:
        if name == table_name(number, {}):
            shown.pop(number, None)
        else:
            shown[number] = name
    return shown


def _places_from_locations(
    labels: dict[int, str], venue: str | None, located: list[tuple[int, str]]
) -> tuple[dict[int, str], str | None]:
    """The table labels and venue of meetings published before their table's name and the venue were
    kept, read from their locations (``table name, venue``, or the table's name alone)."""
    if not located:
        return labels, venue
    venue = _published_venue(located, labels, venue)
    suffix = f", {venue}" if venue else ""
    return _with_published_names(
        labels, [(number, where.removesuffix(suffix) if suffix else where) for number, where in located]
    ), venue


def _published_venue(located: list[tuple[int, str]], labels: dict[int, str], venue: str | None) -> str | None:
    """The venue of published locations: read after a table whose name has not changed since, else
    before the current venue; when both changed, what every location ends with (:func:`_shared_end`)."""
    for number, where in located:
        name = table_name(number, labels)
        if where == name:
            return None
        if where.startswith(f"{name}, "):
            return where[len(name) + 2 :]
    if venue and all(where.endswith(f", {venue}") for _, where in located):
        return venue
    return _shared_end([where for _, where in located])


def _shared_end(places: list[str]) -> str | None:
    """The venue that the published locations (``table name, venue``) all end with: one publication
    gave them all the same. It is the longest run of comma-separated parts at the end of every
    distinct location that leaves each its table's name, so each location reads back whole; with one
    location alone, what follows its first comma (a guess: a venue's address may hold commas, and so
    may a table's name)."""
    parts = [place.split(", ") for place in dict.fromkeys(places)]
    if len(parts) == 1:
        return places[0].split(", ", 1)[1] if ", " in places[0] else None
    shared = 0
    while all(len(p) > shared + 1 for p in parts) and len({p[-shared - 1] for p in parts}) == 1:
        shared += 1
    return ", ".join(parts[0][-shared:]) if shared else None


def table_numbers(session: Session, event_id: str) -> set[int]:
    """The numbers of the event's tables."""
    return set(session.exec(select(EventTable.number).where(EventTable.event_id == event_id)))


def count(
    session: Session,
    model: type[EventTable | EventParticipant | MeetingRequestRow | EventMeeting],
    event_id: str,
) -> int:
    """How many rows of ``model`` the event has."""
    stmt = select(func.count()).select_from(model).where(col(model.event_id) == event_id)
    return int(session.exec(stmt).one())


def participants(session: Session, event_id: str) -> list[EventParticipant]:
    """The event's participant rows, ordered by id."""
    return list(
        session.exec(
            select(EventParticipant)
            .where(EventParticipant.event_id == event_id)
            .order_by(col(EventParticipant.participant_id))
        )
    )


def participant(session: Session, event_id: str, pid: str) -> EventParticipant:
    """The participant row of ``pid``, or :class:`NotFoundError` when it does not take part."""
    row = session.get(EventParticipant, (event_id, pid))
    if row is None:
        ev = session.get(Event, event_id)
        if ev is None:
            raise NotFoundError(f"no event with id {event_id!r}")
        named = told_names(session, [pid], ()).get(pid) or repr(pid)  # pid does not take part
        raise NotFoundError(f"{named} does not take part in {ev.name}")
    return row


def taking_part(session: Session, event_id: str, pid: str) -> EventParticipant:
    """The participant row of ``pid``, asked for by ``pid`` itself: an event it does not take part in
    answers as an unknown one does (:class:`NotFoundError`, the same words), so that an event's id
    typed by an outsider confirms nothing, not even the event's name."""
    row = session.get(EventParticipant, (event_id, pid))
    if row is None:
        raise NotFoundError(f"no event with id {event_id!r}")
    return row


def held_by_former(
    session: Session, event_id: str, pid: str, *, now: datetime
) -> list[PublishedMeeting] | None:
    """What ``pid`` may still read of an event it was taken out of: its published meetings that had
    begun by ``now`` (they took place; they keep their agenda and feedback). None while ``pid`` takes
    part in the event; :class:`NotFoundError` (as :func:`participant` says it) when it neither takes
    part nor had a meeting there that took place."""
    if session.get(EventParticipant, (event_id, pid)) is not None:
        return None
    held = held_meetings(session, event_id, pid, now)
    if not held:
        participant(session, event_id, pid)
    return held


def taking_part_or_met(session: Session, event_id: str, pid: str, *, now: datetime) -> None:
    """:func:`taking_part`, also passed by ``pid`` taken out of the event after a meeting of it took
    place (see :func:`held_by_former`); an event it has neither answers as an unknown one."""
    if session.get(EventParticipant, (event_id, pid)) is None and not held_meetings(
        session, event_id, pid, now
    ):
        raise NotFoundError(f"no event with id {event_id!r}")


def held_meetings(session: Session, event_id: str, pid: str, now: datetime) -> list[PublishedMeeting]:
    """The confirmed published meetings of ``pid`` that had begun by ``now``."""
    ev = session.get(Event, event_id)
    tz = zone(ev.timezone) if ev is not None else None
    return [
        r
        for r in published_of(session, event_id, pid, confirmed=True)
        if as_instant(datetime.fromisoformat(r.start), tz) <= now
    ]


def names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """The display names of stored cities and providers among ``ids``."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    out = {r.id: r.name for r in session.exec(select(City).where(col(City.id).in_(wanted)))}
    out.update({r.id: r.name for r in session.exec(select(Provider).where(col(Provider.id).in_(wanted)))})
    return out


def record_sides(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """Whether each stored city or provider among ``ids`` is a ``city`` or a ``provider`` (for those
    no longer taking part in an event, whose side it no longer holds)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    out = dict.fromkeys(session.exec(select(Provider.id).where(col(Provider.id).in_(wanted))), "provider")
    out.update(dict.fromkeys(session.exec(select(City.id).where(col(City.id).in_(wanted))), "city"))
    return out


def told_names(session: Session, ids: Iterable[str], taking_part: Collection[str]) -> dict[str, str]:
    """The names a participant's message may give for ``ids``: those of cities (every role reads
    cities) and of the event's participants (``taking_part``); a provider outside the event keeps its
    id, since providers do not read each other's records."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    out = {r.id: r.name for r in session.exec(select(City).where(col(City.id).in_(wanted)))}
    shown = [pid for pid in wanted if pid in taking_part and pid not in out]
    if shown:
        out.update({r.id: r.name for r in session.exec(select(Provider).where(col(Provider.id).in_(shown)))})
    return out


def sides(session: Session, event_id: str, ids: Collection[str] | None = None) -> dict[str, str]:
    """The side of each participant (of those of ``ids`` that take part, when given)."""
    if ids is None:
        return {p.participant_id: p.side for p in participants(session, event_id)}
    if not ids:
        return {}
    stmt = select(EventParticipant.participant_id, EventParticipant.side).where(
        EventParticipant.event_id == event_id, col(EventParticipant.participant_id).in_(sorted(set(ids)))
    )
    return dict(session.exec(stmt).all())


def available(row: EventParticipant) -> list[str] | None:
    """The slots a participant can attend (None: every slot)."""
    return None if row.available is None else list(json.loads(row.available))


def participant_public(row: EventParticipant, known: dict[str, str]) -> ParticipantPublic:
    """A participant as the API shows it."""
    return ParticipantPublic(
        id=row.participant_id,
        name=known.get(row.participant_id, row.participant_id),
        side=side_of(row.side),
        available=available(row),
        max_meetings=row.max_meetings,
    )


def request_public(row: MeetingRequestRow, deadline: datetime | None, now: datetime) -> RequestPublic:
    """A request as the API shows it, with its status as of ``now``."""
    assert row.id is not None
    return RequestPublic(
        id=row.id,
        sender=row.sender,
        recipient=row.recipient,
        status=effective_status(row.status, deadline, now),
        message=row.message,
        reason=row.reason,
        decline_reason=row.decline_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def request_row(row: MeetingRequestRow) -> RequestRow:
    """A stored request as the pure rules read it."""
    return RequestRow(
        id=row.id, sender=row.sender, recipient=row.recipient, status=row.status, reason=row.reason
    )


def published(session: Session, event_id: str, *, confirmed: bool = False) -> list[PublishedMeeting]:
    """The published meetings of the event (only the confirmed ones when asked)."""
    stmt = select(PublishedMeeting).where(PublishedMeeting.event_id == event_id)
    rows = list(session.exec(stmt))
    return [r for r in rows if r.status == "CONFIRMED"] if confirmed else rows


def published_of(
    session: Session, event_id: str, participant_id: str, *, confirmed: bool = False
) -> list[PublishedMeeting]:
    """The published meetings of one participant of the event (only the confirmed ones when asked)."""
    stmt = select(PublishedMeeting).where(
        PublishedMeeting.event_id == event_id,
        or_(col(PublishedMeeting.a) == participant_id, col(PublishedMeeting.b) == participant_id),
    )
    rows = list(session.exec(stmt))
    return [r for r in rows if r.status == "CONFIRMED"] if confirmed else rows


def plan(session: Session, event_id: str) -> list[EventMeeting]:
    """The planned meetings of the event."""
    return list(session.exec(select(EventMeeting).where(EventMeeting.event_id == event_id)))


def planned_row(session: Session, event_id: str, a: str, b: str) -> EventMeeting | None:
    """The planned meeting of ``a`` and ``b`` (in either order), if there is one."""
    return session.get(EventMeeting, (event_id, a, b)) or session.get(EventMeeting, (event_id, b, a))


class PlacementFields(TypedDict):
    """Where a meeting is, in the names of :class:`Placement` and the models that say where one is."""

    slot: str
    table: int
    a: str
    b: str


class PlacementColumns(TypedDict):
    """Where a meeting is, as the stored meetings (planned and published) name it."""

    a: str
    b: str
    slot_id: str
    table_number: int


class _WithPair(Protocol):
    @property
    def a(self) -> str: ...
    @property
    def b(self) -> str: ...


class _Placed(_WithPair, Protocol):
    @property
    def slot(self) -> str: ...
    @property
    def table(self) -> int: ...


def placement_fields(row: EventMeeting | PublishedMeeting) -> PlacementFields:
    """Where a stored meeting is, as keyword arguments of a :class:`Placement`."""
    return {"slot": row.slot_id, "table": row.table_number, "a": row.a, "b": row.b}


def placement_columns(m: _Placed) -> PlacementColumns:
    """Where the meeting ``m`` is, as keyword arguments of a stored meeting."""
    return {"a": m.a, "b": m.b, "slot_id": m.slot, "table_number": m.table}


def meeting(row: EventMeeting | PublishedMeeting, *, public: bool = False) -> Meeting:
    """A stored meeting as the exports take it; ``public``: with the reason participants may read."""
    return Meeting(
        **placement_fields(row), score=row.score, reason=row.public_reason if public else row.reason
    )


def placement(row: EventMeeting | PublishedMeeting) -> Placement:
    """Where a stored meeting is."""
    return Placement(**placement_fields(row))


def calendar_entry(row: PublishedMeeting) -> CalendarEntry:
    """A published meeting as a calendar entry."""
    return CalendarEntry(
        **placement_fields(row),
        uid=row.uid,
        sequence=row.sequence,
        status="CANCELLED" if row.status == "CANCELLED" else "CONFIRMED",
        start=datetime.fromisoformat(row.start),
        end=datetime.fromisoformat(row.end),
        location=row.location,
        table_name=row.table_name,
        event_name=row.event_name,
        a_name=row.a_name,
        b_name=row.b_name,
        reason=row.public_reason or None,
    )


def mentioned(rows: Iterable[_WithPair]) -> set[str]:
    """Everyone in ``rows``."""
    return {pid for r in rows for pid in (r.a, r.b)}


def planned_meetings(session: Session, event_id: str) -> list[PlannedMeeting]:
    """The current plan in slot and table order (staff view)."""
    return _as_planned(
        session, event_id, plan(session, event_id), published(session, event_id, confirmed=True)
    )


def _as_planned(
    session: Session, event_id: str, rows: list[EventMeeting], confirmed: Iterable[PublishedMeeting]
) -> list[PlannedMeeting]:
    """The planned meetings ``rows`` as staff see them, in slot and table order; ``confirmed``: the
    published meetings that may be theirs (at least those of ``rows``)."""
    by_id = {s.id: s for s in slots(session, event_id)}
    order = {sid: n for n, sid in enumerate(by_id)}
    timezone = event_row(session, event_id).timezone
    labels = table_labels(session, event_id)
    known = names(session, mentioned(rows))
    shown = {(r.a, r.b, r.slot_id, r.table_number) for r in confirmed}
    out = [
        PlannedMeeting(
            slot=r.slot_id,
            **meeting_times(by_id[r.slot_id].start, by_id[r.slot_id].end, timezone),
            table=r.table_number,
            table_label=labels.get(r.table_number),
            a=r.a,
            a_name=known.get(r.a, r.a),
            b=r.b,
            b_name=known.get(r.b, r.b),
            score=r.score,
            reason=r.reason,
            public_reason=r.public_reason,
            kind=r.kind,
            locked=r.locked,
            published=(r.a, r.b, r.slot_id, r.table_number) in shown,
        )
        for r in rows
        if r.slot_id in by_id
    ]
    out.sort(key=lambda m: (order[m.slot], m.table))
    return out


def planned_meeting(session: Session, event_id: str, a: str, b: str) -> PlannedMeeting:
    """The planned meeting of the pair ``a``, ``b`` as staff see it (its row and the published
    meetings of ``a`` read, not the whole plan)."""
    row = planned_row(session, event_id, a, b)
    rows = [row] if row is not None else []
    return next(
        iter(_as_planned(session, event_id, rows, published_of(session, event_id, a, confirmed=True)))
    )


def snapshot(session: Session, ev: Event) -> EventSnapshot:
    """Everything the scheduling problem of ``ev`` is built from."""
    event_id = ev.id
    people = participants(session, event_id)
    known = names(session, [p.participant_id for p in people])
    rules = list(session.exec(select(PairRule).where(PairRule.event_id == event_id)))
    return EventSnapshot(
        event_id=event_id,
        name=ev.name,
        timezone=ev.timezone,
        request_deadline=ev.request_deadline,
        slots=slots(session, event_id),
        tables=count(session, EventTable, event_id),
        participants=[
            ParticipantRow(
                id=p.participant_id,
                side=side_of(p.side),
                name=known.get(p.participant_id),
                available=available(p),
                max_meetings=p.max_meetings,
            )
            for p in people
        ],
        requests=[
            request_row(r)
            for r in session.exec(select(MeetingRequestRow).where(MeetingRequestRow.event_id == event_id))
        ],
        must_meet=[(r.a, r.b) for r in rules if r.kind == "must_meet"],
        blocked=[(r.a, r.b) for r in rules if r.kind == "blocked"],
        published=[placement(r) for r in published(session, event_id, confirmed=True)],
        pinned=[placement(r) for r in plan(session, event_id) if r.locked],
    )


__all__ = [
    "InSession",
    "available",
    "calendar_entry",
    "count",
    "event_row",
    "first_where",
    "meeting",
    "mentioned",
    "names",
    "participant",
    "participant_public",
    "participants",
    "placement",
    "plan",
    "planned_meeting",
    "planned_meetings",
    "planned_row",
    "published",
    "published_places",
    "record_sides",
    "request_public",
    "request_row",
    "sides",
    "slots",
    "snapshot",
    "table_labels",
    "table_numbers",
    "told_names",
]
