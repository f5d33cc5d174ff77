"""Agendas and exports of published schedules: a participant's agenda, the organisers' CSV and XLSX, a
participant's printable HTML and PDF agenda and iCalendar feed, and the whole event's PDF booklet and
table cards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from matchmaker.db.events import Event, EventMeeting, PublishedMeeting
from matchmaker.db.models import utcnow
from matchmaker.errors import ConflictError
from matchmaker.scheduling.exports import (
    NO_MEETINGS,
    NOT_PUBLISHED,
    event_schedule_html,
    local_slots,
    meetings_csv,
    meetings_xlsx,
    participant_agenda_html,
    participant_calendar,
)
from matchmaker.scheduling.problem import Pair, Slot, pair_key
from matchmaker.scheduling.result import Meeting
from matchmaker.services.events import store
from matchmaker.services.events.rules import as_instant, zone
from matchmaker.services.events.schemas import Agenda, AgendaItem, ExportSource, meeting_times

if TYPE_CHECKING:
    from sqlmodel import Session

    from matchmaker.scheduling.pdf import EventSheet


class _PrintedAgenda(TypedDict):
    """What a participant's printable agenda says besides its meetings and slots, the same in HTML and
    PDF: the names, the event's name and zone, its tables and venue as published, and what it says
    without any meeting."""

    names: dict[str, str]
    event_name: str
    timezone: str | None
    table_labels: dict[int, str]
    venue: str | None
    empty: str


# The PDF module (fpdf) is slow to import: the methods that render a PDF import it.


class Agendas(store.InSession):
    """What participants and organisers take away from a published schedule, in one unit of work; its
    PDFs are in ``pdf_font`` when the settings name one (``MATCHMAKER_PDF_FONT``)."""

    def __init__(self, session: Session, *, pdf_font: Path | None = None) -> None:
        super().__init__(session)
        self.pdf_font = pdf_font

    def agenda(
        self,
        event_id: str,
        participant_id: str,
        *,
        include_cancelled: bool = False,
        now: datetime | None = None,
    ) -> Agenda:
        """A participant's published meetings in time order (cancelled ones only when asked), at the
        tables they were published with (a table renamed since shows once staff publish again).

        A participant taken out of the event reads the meetings it had that took place by ``now``,
        and nothing else (:func:`store.held_by_former`)."""
        session = self.session
        ev = store.event_row(session, event_id)
        held = store.held_by_former(session, event_id, participant_id, now=now or utcnow())
        labels, _ = store.published_places(session, ev)
        rows = (
            held
            if held is not None
            else store.published_of(session, event_id, participant_id, confirmed=not include_cancelled)
        )
        others = [r.b if r.a == participant_id else r.a for r in rows]
        known = store.names(session, [*others, participant_id])
        sides = store.sides(session, event_id, others)
        # A party taken out of the event since is no longer in it: its record says which side it is.
        if gone := [o for o in others if o not in sides]:
            sides.update(store.record_sides(session, gone))
        items = [
            AgendaItem(
                uid=r.uid,
                slot=r.slot_id,
                **meeting_times(datetime.fromisoformat(r.start), datetime.fromisoformat(r.end), ev.timezone),
                table=r.table_number,
                table_label=labels.get(r.table_number),
                with_id=other,
                with_name=known.get(other, other),
                with_side="provider" if sides.get(other) == "provider" else "city",
                reason=r.public_reason,
                status="CANCELLED" if r.status == "CANCELLED" else "CONFIRMED",
                sequence=r.sequence,
            )
            for r, other in zip(rows, others, strict=True)
        ]
        items.sort(key=lambda i: (i.status == "CANCELLED", i.start_at, i.table))
        return Agenda(
            event_id=event_id,
            event_name=ev.name,
            participant_id=participant_id,
            participant_name=known.get(participant_id, participant_id),
            timezone=ev.timezone,
            published_version=ev.published_version,
            meetings=items,
        )

    def csv(
        self, event_id: str, *, source: ExportSource = "published", participant: str | None = None
    ) -> str:
        """The organisers' CSV (slot, times, table, both parties, score, staff reason, participants' reason,
        where the table is).

        ``source`` is the published schedule (the default) or the current plan; with ``participant``,
        only the meetings of that participant.
        """
        ev, rows, slots, known, public = self._plan_rows(event_id, source, participant)
        labels = self._labels(ev, source)
        return meetings_csv(
            rows, slots, names=known, public_reasons=public, table_labels=labels, timezone=ev.timezone
        )

    def xlsx(
        self, event_id: str, *, source: ExportSource = "published", participant: str | None = None
    ) -> bytes:
        """The organisers' spreadsheet (the CSV's columns, real date-times) of the published schedule
        or of the current plan (only ``participant``'s meetings when one is named)."""
        ev, rows, slots, known, public = self._plan_rows(event_id, source, participant)
        labels = self._labels(ev, source)
        return meetings_xlsx(
            rows,
            slots,
            names=known,
            public_reasons=public,
            table_labels=labels,
            title=ev.id,
            timezone=ev.timezone,
        )

    def _labels(self, ev: Event, source: ExportSource) -> dict[int, str]:
        """The table labels of the published schedule (as published) or of the current plan."""
        if source == "published":
            return store.published_places(self.session, ev)[0]
        return store.table_labels(self.session, ev.id)

    def _plan_rows(
        self, event_id: str, source: ExportSource, participant: str | None = None
    ) -> tuple[Event, list[Meeting], list[Slot], dict[str, str], dict[Pair, str]]:
        """What the organisers' exports show: the event, its meetings (published or planned; those of
        ``participant`` only when one is named), slots, names, and the participants' reasons by pair."""
        session = self.session
        ev = store.event_row(session, event_id)
        if participant is not None:
            store.participant(session, event_id, participant)
        stored: list[EventMeeting] | list[PublishedMeeting]
        if source == "published":
            if ev.published_version == 0:
                raise ConflictError(f"event {event_id!r} is not published yet; export the plan instead")
            published = store.published(session, event_id, confirmed=True)
            stored, slots = published, _slots(session, ev, published)
        else:
            stored, slots = store.plan(session, event_id), _slots(session, ev)
        shown = [r for r in stored if participant is None or participant in (r.a, r.b)]
        rows: list[Meeting] = [store.meeting(r) for r in shown]
        public = {pair_key(r.a, r.b): r.public_reason for r in shown if r.public_reason}
        known = store.names(session, store.mentioned(rows))
        return ev, rows, slots, known, public

    def html(self, event_id: str, participant_id: str) -> str:
        """A printable HTML agenda of one participant's published meetings, at the place they were
        published with."""
        meetings, slots, printed = self._printed(event_id, participant_id)
        return participant_agenda_html(participant_id, meetings, slots, **printed)

    def pdf(self, event_id: str, participant_id: str) -> bytes:
        """A printable PDF agenda of one participant's published meetings, at the place they were
        published with."""
        from matchmaker.scheduling.pdf import participant_agenda_pdf  # noqa: PLC0415

        meetings, slots, printed = self._printed(event_id, participant_id)
        return participant_agenda_pdf(participant_id, meetings, slots, **printed, font=self.pdf_font)

    def _printed(
        self, event_id: str, participant_id: str
    ) -> tuple[list[Meeting], list[Slot], _PrintedAgenda]:
        """What one participant's printable agenda shows, HTML or PDF: its confirmed published meetings,
        the slots, and the rest at the place they were published with."""
        ev, slots, rows, known = self._published_for(event_id, participant_id)
        labels, venue = store.published_places(self.session, ev)
        printed = _PrintedAgenda(
            names=known,
            event_name=ev.name,
            timezone=ev.timezone,
            table_labels=labels,
            venue=venue,
            empty=_empty(ev),
        )
        return _confirmed(rows), slots, printed

    def booklet(self, event_id: str) -> bytes:
        """The whole published event as one PDF: a cover, the schedule slot by slot, and one agenda
        page per participant with the reasons participants may read (no scores, no staff wording)."""
        from matchmaker.scheduling.pdf import event_booklet_pdf  # noqa: PLC0415

        ev, rows = self._published_event(event_id)
        # Everyone in the published schedule has an agenda page, one taken out since included: the
        # schedule pages name them until the next publication cancels their meetings.
        people = sorted(
            {p.participant_id for p in store.participants(self.session, event_id)} | store.mentioned(rows)
        )
        known = store.names(self.session, set(people))
        return event_booklet_pdf(
            self._sheet(ev, rows),
            [store.placement(r) for r in rows],
            people,
            names=known,
            reasons={pair_key(r.a, r.b): r.public_reason for r in rows if r.public_reason},
            font=self.pdf_font,
        )

    def table_cards(self, event_id: str) -> bytes:
        """One printable page per table of the published event: its name and who meets there when."""
        from matchmaker.scheduling.pdf import table_cards_pdf  # noqa: PLC0415

        ev, rows = self._published_event(event_id)
        known = store.names(self.session, store.mentioned(rows))
        return table_cards_pdf(
            self._sheet(ev, rows), [store.placement(r) for r in rows], names=known, font=self.pdf_font
        )

    def _published_event(self, event_id: str) -> tuple[Event, list[PublishedMeeting]]:
        ev = store.event_row(self.session, event_id)
        if ev.published_version == 0:
            raise ConflictError(f"event {event_id!r} is not published yet; publish it first")
        return ev, store.published(self.session, event_id, confirmed=True)

    def _sheet(self, ev: Event, published: list[PublishedMeeting]) -> EventSheet:
        from matchmaker.scheduling.pdf import EventSheet  # noqa: PLC0415

        session = self.session
        labels, venue = store.published_places(session, ev)
        return EventSheet(
            name=ev.name,
            slots=_slots(session, ev, published),
            # Fewer tables since the publication: the published meetings keep theirs until the next one.
            tables=max([len(store.table_numbers(session, ev.id)), *(r.table_number for r in published)]),
            venue=venue,
            timezone=ev.timezone,
            table_labels=labels,
        )

    def calendar(self, event_id: str, participant_id: str, *, now: datetime | None = None) -> bytes:
        """The iCalendar feed of one participant: stable UIDs, SEQUENCE, cancelled meetings as CANCELLED.

        A participant taken out of the event keeps its feed while it has published meetings, so that
        calendars subscribed to it learn they are cancelled instead of keeping them.
        """
        ev, _, rows, known = self._published_for(event_id, participant_id, former=True)
        stamp = now or (ev.published_at if ev.published_at is not None else utcnow())
        labels, venue = store.published_places(self.session, ev)
        return participant_calendar(
            participant_id,
            [store.calendar_entry(r) for r in rows],
            names=known,
            event_name=ev.name,
            now=stamp,
            tz=zone(ev.timezone),
            table_labels=labels,
            venue=venue,
        )

    def event_html(self, event_id: str) -> str:
        """A printable HTML page of every confirmed published meeting of the event, both parties named,
        at the places they were published with."""
        ev, rows = self._published_event(event_id)
        labels, venue = store.published_places(self.session, ev)
        return event_schedule_html(
            _confirmed(rows),
            _slots(self.session, ev, rows),
            event_name=ev.name,
            names=store.names(self.session, store.mentioned(rows)),
            timezone=ev.timezone,
            table_labels=labels,
            venue=venue,
        )

    def event_calendar(self, event_id: str, *, now: datetime | None = None) -> bytes:
        """The iCalendar file of every published meeting of the event (cancelled ones as CANCELLED),
        each with the UID and SEQUENCE of the participants' calendars."""
        ev = store.event_row(self.session, event_id)
        if ev.published_version == 0:
            raise ConflictError(f"event {event_id!r} is not published yet; publish it first")
        rows = store.published(self.session, event_id)
        labels, venue = store.published_places(self.session, ev)
        return participant_calendar(
            None,
            [store.calendar_entry(r) for r in rows],
            names=store.names(self.session, store.mentioned(rows)),
            event_name=ev.name,
            now=now or (ev.published_at if ev.published_at is not None else utcnow()),
            tz=zone(ev.timezone),
            table_labels=labels,
            venue=venue,
        )

    def _published_for(
        self, event_id: str, participant_id: str, *, former: bool = False
    ) -> tuple[Event, list[Slot], list[PublishedMeeting], dict[str, str]]:
        """The event, slots, published meetings and names for one participant's documents; ``former``:
        also for one taken out of the event that still has published meetings."""
        session = self.session
        ev = store.event_row(session, event_id)
        rows = store.published_of(session, event_id, participant_id)
        if not (former and rows):
            # One taken out of the event reads the meetings it had that took place.
            held = store.held_by_former(session, event_id, participant_id, now=utcnow())
            rows = rows if held is None else held
        known = store.names(session, store.mentioned(rows) | {participant_id})
        return ev, _slots(session, ev, rows), rows, known


def _slots(session: Session, ev: Event, published: Sequence[PublishedMeeting] = ()) -> list[Slot]:
    """The event's slots with their times in its zone: what every document prints is the venue's
    wall-clock time, even for slots entered in UTC or with another offset.

    A slot of ``published`` meetings has the times they were published with: until the next
    publication, documents of the published schedule show what agendas and calendars show, not a
    time staff have entered since; while slots have changed since, only the published ones are listed.
    """
    current = {s.id: s for s in store.slots(session, ev.id)}
    shown = {
        r.slot_id: Slot(
            id=r.slot_id, start=datetime.fromisoformat(r.start), end=datetime.fromisoformat(r.end)
        )
        for r in published
        if r.status == "CONFIRMED"
    }
    tz = zone(ev.timezone)
    same = all(
        sid in current and as_instant(current[sid].start, tz) == as_instant(s.start, tz)
        for sid, s in shown.items()
    )
    times = {**current, **shown} if same else shown
    ordered = sorted(times.values(), key=lambda s: as_instant(s.start, tz))
    return local_slots(ordered, tz)


def _empty(ev: Event) -> str:
    """What an agenda without meetings says: that none are scheduled, or that nothing is published yet."""
    return NOT_PUBLISHED if ev.published_version == 0 else NO_MEETINGS


def _confirmed(rows: list[PublishedMeeting]) -> list[Meeting]:
    """The confirmed meetings with the reasons participants may read."""
    return [store.meeting(r, public=True) for r in rows if r.status == "CONFIRMED"]


__all__ = ["Agendas"]
