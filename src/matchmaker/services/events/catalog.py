"""Events and their participants: create, list, read, delete; add, list and remove participants."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from matchmaker.db.events import (
    Event,
    EventMeeting,
    EventParticipant,
    EventSlot,
    EventTable,
    MeetingFeedback,
    MeetingRequestRow,
    PairRule,
    PublishedMeeting,
)
from matchmaker.db.models import City, Provider, utcnow
from matchmaker.errors import ConflictError, InvalidInputError
from matchmaker.scheduling.problem import Slot, pair_key, wall_clock_errors
from matchmaker.services.events import store
from matchmaker.services.events.rules import as_instant, begun_slots, coming_first, effective_status, zone
from matchmaker.services.events.schemas import (
    DeleteReport,
    EventCreate,
    EventEdit,
    EventSummary,
    OwnRequests,
    ParticipantIn,
    ParticipantPublic,
    RequestCounts,
    SlotTimes,
    WithdrawnMeeting,
    event_slots,
    meeting_times,
)
from matchmaker.wording import noun_for

if TYPE_CHECKING:
    from matchmaker.services.mail.notify import Notifier

logger = logging.getLogger(__name__)

#: Everything stored with an event, deleted with it.
_EVENT_PARTS: tuple[
    type[
        EventSlot
        | EventTable
        | EventParticipant
        | MeetingRequestRow
        | PairRule
        | EventMeeting
        | PublishedMeeting
        | MeetingFeedback
    ],
    ...,
] = (
    EventSlot,
    EventTable,
    EventParticipant,
    MeetingRequestRow,
    PairRule,
    EventMeeting,
    PublishedMeeting,
    MeetingFeedback,
)


class EventCatalog(store.InSession):
    """Event CRUD and participants, in one unit of work; deleting a published event tells its
    participants through the notifier ``notifier`` makes, when one is given (made only then, so that
    reading events loads no mail code)."""

    def __init__(self, session: Session, *, notifier: Callable[[], Notifier] | None = None) -> None:
        super().__init__(session)
        self.notifier = notifier

    def create(self, data: EventCreate) -> EventSummary:
        """Store a new event with its slots and tables; an existing id is a conflict."""
        session = self.session
        slots = event_slots(data.slots)
        if session.get(Event, data.id) is not None:
            raise ConflictError(f"an event with id {data.id!r} already exists")
        _check_wall_clock(slots, data.timezone)
        session.add(
            Event(
                id=data.id,
                name=data.name,
                venue=data.venue or None,
                timezone=data.timezone,
                request_deadline=data.request_deadline,
            )
        )
        session.flush()
        for n, s in enumerate(slots):
            session.add(
                EventSlot(
                    event_id=data.id,
                    slot_id=s.id,
                    position=n,
                    start=s.start.isoformat(),
                    end=s.end.isoformat(),
                )
            )
        for n in range(1, data.table_count + 1):
            label = data.table_labels[n - 1] if data.table_labels else None
            session.add(EventTable(event_id=data.id, number=n, label=label))
        session.flush()
        logger.info("created event %s with %d slots and %d tables", data.id, len(slots), data.table_count)
        return self.get(data.id)

    def events(self) -> list[EventSummary]:
        """Every event, newest first."""
        ids = self.session.exec(select(Event.id).order_by(col(Event.created_at).desc()))
        return [self.get(i) for i in list(ids)]

    def events_of(self, participant_id: str) -> list[EventSummary]:
        """The events a city or provider takes part in, with its own requests counted (see :meth:`get`):
        coming ones first, then past ones (see :func:`~matchmaker.services.events.rules.coming_first`)."""
        ids = self.session.exec(
            select(Event.id)
            .join(EventParticipant, col(EventParticipant.event_id) == col(Event.id))
            .where(EventParticipant.participant_id == participant_id)
            .order_by(col(Event.created_at).desc())
        )
        return coming_first([self.get(i, participant=participant_id) for i in list(ids)], utcnow())

    def events_met_in(self, participant_id: str, *, now: datetime | None = None) -> list[EventSummary]:
        """The events a city or provider was taken out of after a meeting of it took place (see
        :meth:`require_taking_part` with ``or_met``), as :meth:`events_of` gives them."""
        now = now or utcnow()
        ids = self.session.exec(
            select(PublishedMeeting.event_id)
            .where(or_(col(PublishedMeeting.a) == participant_id, col(PublishedMeeting.b) == participant_id))
            .distinct()
        )
        met = [
            i
            for i in sorted(set(ids))
            if self.session.get(EventParticipant, (i, participant_id)) is None
            and store.held_meetings(self.session, i, participant_id, now)
        ]
        return coming_first([self.get(i, participant=participant_id) for i in met], now)

    def get(
        self, event_id: str, *, participant: str | None = None, now: datetime | None = None
    ) -> EventSummary:
        """One event with its slots, tables and counts. For a ``participant``, the requests counted are
        only those it sent or received, by status as of ``now`` (other participants' are theirs), and
        the meetings its own published ones (the plan is staff's until it is published); without
        one, every request and planned meeting of the event (staff)."""
        session = self.session
        ev = store.event_row(session, event_id)
        own = None if participant is None else _own_requests(session, ev, participant, now or utcnow())
        return EventSummary(
            id=ev.id,
            name=ev.name,
            venue=ev.venue,
            timezone=ev.timezone,
            request_deadline=ev.request_deadline,
            slots=[SlotTimes.of(s, ev.timezone) for s in store.slots(session, event_id)],
            tables=store.count(session, EventTable, event_id),
            table_labels=store.table_labels(session, event_id),
            participants=store.count(session, EventParticipant, event_id),
            requests=store.count(session, MeetingRequestRow, event_id) if own is None else own[0],
            own_requests=None if own is None else own[1],
            planned_meetings=(
                store.count(session, EventMeeting, event_id)
                if participant is None
                else _own_published(session, event_id, participant)
            ),
            published_version=ev.published_version,
            published_at=ev.published_at,
            generated_at=ev.generated_at,
        )

    def edit(
        self, event_id: str, data: EventEdit, *, now: datetime | None = None
    ) -> tuple[list[str], list[str]]:
        """Apply ``data`` to the event: the fields that changed, and who lost slots from its availability.

        New slots replace the old ones (meetings in a slot id that stays keep it); availability naming
        a slot that is gone loses that slot. The plan is not touched: :meth:`Planner.edit
        <matchmaker.services.events.Planner.edit>` re-plans after this when slots or tables changed.
        """
        session = self.session
        ev = store.event_row(session, event_id)
        new_slots = data.new_slots()
        # "" clears the zone: the event's times are then UTC.
        new_zone = (data.timezone or None) if data.timezone is not None else ev.timezone
        if data.timezone is not None or new_slots is not None:
            _check_wall_clock(
                event_slots(new_slots) if new_slots is not None else store.slots(session, event_id),
                new_zone,
            )
        changed: list[str] = []
        if data.name is not None and data.name != ev.name:
            ev.name = data.name
            changed.append("name")
        if data.venue is not None and (data.venue or None) != ev.venue:
            ev.venue = data.venue or None
            changed.append("venue")
        if new_zone != ev.timezone:
            _pin_published_times(session, event_id, ev.timezone, new_zone)
            ev.timezone = new_zone
            changed.append("timezone")
        if data.clear_deadline and ev.request_deadline is not None:
            ev.request_deadline = None
            changed.append("request_deadline")
        elif data.request_deadline is not None and data.request_deadline != ev.request_deadline:
            ev.request_deadline = data.request_deadline
            changed.append("request_deadline")
        dropped: list[str] = []
        if new_slots is not None:
            slots = event_slots(new_slots)
            before = store.slots(session, event_id)
            if [(s.id, s.start, s.end) for s in slots] != [(s.id, s.start, s.end) for s in before]:
                changed.append("slots")
                session.execute(delete(EventSlot).where(col(EventSlot.event_id) == event_id))
                session.flush()
                for n, slot in enumerate(slots):
                    session.add(
                        EventSlot(
                            event_id=event_id,
                            slot_id=slot.id,
                            position=n,
                            start=slot.start.isoformat(),
                            end=slot.end.isoformat(),
                        )
                    )
                dropped = self._prune_availability(event_id, {s.id for s in slots})
        if data.tables is not None or data.table_labels:
            count = data.tables if data.tables is not None else len(data.table_labels or [])
            old_labels = store.table_labels(session, event_id)
            labels = (
                {n + 1: v for n, v in enumerate(data.table_labels) if v}
                if data.table_labels
                else {n: v for n, v in old_labels.items() if n <= count}
            )
            if count != len(store.table_numbers(session, event_id)) or labels != old_labels:
                changed.append("tables")
                session.execute(delete(EventTable).where(col(EventTable.event_id) == event_id))
                session.flush()
                for n in range(1, count + 1):
                    session.add(EventTable(event_id=event_id, number=n, label=labels.get(n)))
        if changed:
            ev.updated_at = now or utcnow()
            session.add(ev)
        session.flush()
        logger.info("edited event %s: %s", event_id, ", ".join(changed) or "nothing changed")
        return changed, dropped

    def _prune_availability(self, event_id: str, slot_ids: set[str]) -> list[str]:
        dropped: list[str] = []
        for row in store.participants(self.session, event_id):
            wanted = store.available(row)
            if wanted is None:
                continue
            kept = [s for s in wanted if s in slot_ids]
            if kept != wanted:
                dropped.append(row.participant_id)
                row.available = json.dumps(sorted(kept))
                self.session.add(row)
        return dropped

    def delete(self, event_id: str) -> DeleteReport:
        """Delete an event and everything stored with it. When its schedule was published, each
        participant is first told by e-mail that it is cancelled (its calendar feed stops answering)."""
        ev = store.event_row(self.session, event_id)
        report = DeleteReport(event_id=ev.id, name=ev.name, published=bool(ev.published_version))
        if self.notifier is not None and report.published:
            told = self.notifier().cancelled(event_id)
            report = report.model_copy(update={"messages": told.messages, "not_told": told.not_told})
        for model in _EVENT_PARTS:
            self.session.execute(delete(model).where(col(model.event_id) == event_id))
        self.session.delete(ev)
        self.session.flush()
        return report

    def add_participants(
        self, event_id: str, items: Sequence[ParticipantIn], *, keep_unset: bool = False
    ) -> list[ParticipantPublic]:
        """Add stored cities and providers to an event, or update their availability and maximum.

        Every id must be a stored city or provider and every slot id a slot of the event; nothing is
        stored when one is not. With ``keep_unset`` a participant already taking part keeps its
        availability or maximum when its item does not set it (the command line adds participants
        beside those taking part without resetting them); otherwise a missing one means every slot,
        or no maximum.
        """
        session = self.session
        store.event_row(session, event_id)
        slot_ids = {s.id for s in store.slots(session, event_id)}
        ids = [p.id for p in items]
        cities = set(session.exec(select(City.id).where(col(City.id).in_(ids))))
        providers = set(session.exec(select(Provider.id).where(col(Provider.id).in_(ids))))
        errors: list[str] = []
        given: dict[str, tuple[frozenset[str] | None, int | None]] = {}
        for p in items:
            values = (None if p.available is None else frozenset(p.available), p.max_meetings)
            if given.setdefault(p.id, values) != values:
                errors.append(f"{p.id!r} is given twice with other availability or maximum; give it once")
        for p in items:
            if p.id not in cities and p.id not in providers:
                errors.append(f"{p.id!r} is neither a stored city nor a stored provider")
            unknown = sorted(set(p.available or []) - slot_ids)
            if unknown:
                errors.append(f"{p.id!r}: unknown {noun_for(len(unknown), 'slot id')} {', '.join(unknown)}")
        if errors:
            raise InvalidInputError("; ".join(errors))
        # Those taking part already, read together: they are updated, the others added.
        rows = {
            row.participant_id: row
            for row in session.exec(
                select(EventParticipant).where(
                    EventParticipant.event_id == event_id, col(EventParticipant.participant_id).in_(ids)
                )
            )
        }
        for p in items:
            taking_part = rows.get(p.id)
            row = taking_part or EventParticipant(
                event_id=event_id, participant_id=p.id, side="city" if p.id in cities else "provider"
            )
            rows[p.id] = row
            # With keep_unset, one taking part already keeps what is not given again: adding it with
            # others (or giving only its maximum) must not wipe the slots it, or staff, chose before.
            kept = p.model_fields_set if taking_part is not None and keep_unset else None
            if kept is None or "available" in kept:
                row.available = None if p.available is None else json.dumps(sorted(set(p.available)))
            if kept is None or "max_meetings" in kept:
                row.max_meetings = p.max_meetings
            session.add(row)
        session.flush()
        known = store.names(session, ids)
        wanted = set(ids)
        return [
            store.participant_public(row, known)
            for row in store.participants(session, event_id)
            if row.participant_id in wanted
        ]

    def participants(self, event_id: str) -> list[ParticipantPublic]:
        """The participants of an event, ordered by id."""
        store.event_row(self.session, event_id)
        rows = store.participants(self.session, event_id)
        known = store.names(self.session, [r.participant_id for r in rows])
        return [store.participant_public(r, known) for r in rows]

    def withdrawn(self, event_id: str) -> list[WithdrawnMeeting]:
        """Published meetings in a slot that one of their participants no longer lists as available
        (its availability changed after the publication), in time order: the published schedule no
        longer fits them until staff re-plan and publish again."""
        session = self.session
        ev = store.event_row(session, event_id)
        free = {p.participant_id: store.available(p) for p in store.participants(session, event_id)}
        rows = store.published(session, event_id, confirmed=True)
        known = store.names(session, store.mentioned(rows))
        out: list[WithdrawnMeeting] = []
        for r in rows:
            away = [
                pid for pid in (r.a, r.b) if (slots := free.get(pid)) is not None and r.slot_id not in slots
            ]
            if away:
                out.append(
                    WithdrawnMeeting(
                        slot=r.slot_id,
                        **meeting_times(
                            datetime.fromisoformat(r.start), datetime.fromisoformat(r.end), ev.timezone
                        ),
                        table=r.table_number,
                        a=r.a,
                        a_name=known.get(r.a, r.a),
                        b=r.b,
                        b_name=known.get(r.b, r.b),
                        away=[known.get(pid, pid) for pid in away],
                        away_ids=away,
                    )
                )
        return sorted(out, key=lambda m: (m.start_at, m.table))

    def takes_part(self, event_id: str, participant_id: str) -> bool:
        """Whether ``participant_id`` takes part in the event (:class:`NotFoundError` for no event)."""
        store.event_row(self.session, event_id)
        return self.session.get(EventParticipant, (event_id, participant_id)) is not None

    def require_taking_part(
        self, event_id: str, participant_id: str, *, or_met: bool = False, now: datetime | None = None
    ) -> None:
        """:class:`NotFoundError` unless ``participant_id`` takes part in the event, in the words used
        for an unknown event (:func:`store.taking_part`): what a participant asks about an event it is
        not in confirms nothing. With ``or_met`` a participant taken out of the event after a meeting
        of it took place (by ``now``) passes too: that meeting's agenda and feedback stay its own."""
        if or_met:
            store.taking_part_or_met(self.session, event_id, participant_id, now=now or utcnow())
        else:
            store.taking_part(self.session, event_id, participant_id)

    def remove_participant(self, event_id: str, participant_id: str, *, now: datetime | None = None) -> int:
        """Take a participant out of an event, with its requests, pair rules and the planned meetings
        it has not had yet; returns how many planned meetings went with it.

        Its published meetings still to come are cancelled at the next publication (the other parties
        are told); a re-plan before it may fill the places they leave. Published meetings that have
        begun by ``now`` took place: they stay, with their feedback.
        """
        session = self.session
        ev = store.event_row(session, event_id)
        session.delete(store.participant(session, event_id, participant_id))
        begun = begun_slots(store.slots(session, event_id), ev.timezone, now or utcnow())
        held = {
            (pair_key(r.a, r.b), r.slot_id)
            for r in store.published(session, event_id, confirmed=True)
            if participant_id in (r.a, r.b) and r.slot_id in begun
        }
        gone = [
            m
            for m in store.plan(session, event_id)
            if participant_id in (m.a, m.b) and (pair_key(m.a, m.b), m.slot_id) not in held
        ]
        for m in gone:
            session.delete(m)
        session.execute(
            delete(MeetingRequestRow).where(
                col(MeetingRequestRow.event_id) == event_id,
                (col(MeetingRequestRow.sender) == participant_id)
                | (col(MeetingRequestRow.recipient) == participant_id),
            )
        )
        session.execute(
            delete(PairRule).where(
                col(PairRule.event_id) == event_id,
                (col(PairRule.a) == participant_id) | (col(PairRule.b) == participant_id),
            )
        )
        session.flush()
        return len(gone)


def _own_requests(session: Session, ev: Event, participant: str, now: datetime) -> tuple[int, OwnRequests]:
    """How many requests ``participant`` sent or received in ``ev``, and how many of each status, by
    direction (as of ``now``: pending ones expire at the deadline)."""
    rows = session.exec(
        select(MeetingRequestRow.sender, MeetingRequestRow.status).where(
            col(MeetingRequestRow.event_id) == ev.id,
            (col(MeetingRequestRow.sender) == participant)
            | (col(MeetingRequestRow.recipient) == participant),
        )
    ).all()
    sent: Counter[str] = Counter()
    received: Counter[str] = Counter()
    for sent_by, status in rows:
        (sent if sent_by == participant else received)[
            effective_status(status, ev.request_deadline, now)
        ] += 1
    return len(rows), OwnRequests(sent=RequestCounts(**sent), received=RequestCounts(**received))


def _own_published(session: Session, event_id: str, participant: str) -> int:
    """How many confirmed published meetings ``participant`` has in the event."""
    stmt = (
        select(func.count())
        .select_from(PublishedMeeting)
        .where(
            col(PublishedMeeting.event_id) == event_id,
            col(PublishedMeeting.status) == "CONFIRMED",
            (col(PublishedMeeting.a) == participant) | (col(PublishedMeeting.b) == participant),
        )
    )
    return int(session.exec(stmt).one())


def _pin_published_times(session: Session, event_id: str, before: str | None, after: str | None) -> None:
    """Give the published meetings stored without an offset (a wall time of the event's zone, ``before``,
    or UTC without one) their offset, on the clock of the new zone ``after``: what was published keeps
    its instant in agendas and calendars until staff publish again, instead of being read in the new
    zone (which moved it without a higher SEQUENCE)."""
    old_tz, new_tz = zone(before), zone(after) or UTC
    rows = session.exec(select(PublishedMeeting).where(col(PublishedMeeting.event_id) == event_id))
    for row in rows:
        start, end = datetime.fromisoformat(row.start), datetime.fromisoformat(row.end)
        if start.tzinfo is not None and end.tzinfo is not None:
            continue
        row.start = as_instant(start, old_tz).astimezone(new_tz).isoformat()
        row.end = as_instant(end, old_tz).astimezone(new_tz).isoformat()
        session.add(row)
    session.flush()


def _check_wall_clock(slots: Sequence[Slot], timezone: str | None) -> None:
    """Refuse slots whose local times are no single instant in the event's zone (see
    :func:`~matchmaker.scheduling.problem.wall_clock_errors`)."""
    errors = wall_clock_errors(slots, timezone)
    if errors:
        raise InvalidInputError("; ".join(errors))


__all__ = ["EventCatalog"]
