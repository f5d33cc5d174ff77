"""Who is told what: notifications written to the outbox in the caller's unit of work.

A notification about a city or a provider goes to the e-mail addresses of that record's own active
users (people invited to speak for it), one message per address. No message names another party's
address, so a provider never learns a focal point's address from a notification; parties are named
by their display names only.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlmodel import Session, col, select

from matchmaker.db.events import Event, PublishedMeeting
from matchmaker.db.models import ApiUser, utcnow
from matchmaker.scheduling.exports import (
    CalendarEntry,
    in_zone,
    is_link,
    participant_calendar,
    table_name,
    told_date,
    zone_note,
)
from matchmaker.services.events import store
from matchmaker.services.events.rules import as_instant, told_in_zone, zone
from matchmaker.services.mail.compose import Attachment, Composed, MessageKind, compose
from matchmaker.services.mail.outbox import Outbox
from matchmaker.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MeetingLine:
    """One meeting as a message lists it: when (in the event's zone), its table's number and where it
    is (the table's label, "Table N", or an online meeting's link), with whom, and what changed."""

    when: str
    table: int
    with_name: str
    status: str | None = None
    place: str | None = None
    online: bool = False


@dataclass(frozen=True, slots=True)
class Told:
    """What a notification queued: how many messages, and whom it could not reach (the display names
    of participants without a user with an e-mail address)."""

    messages: int
    not_told: list[str]


def _when(start: datetime, end: datetime, tz: tzinfo | None) -> str:
    start, end = in_zone(start, tz), in_zone(end, tz)
    return f"{start:%a %d %b %Y, %H:%M}–{end:%H:%M}"


class Notifier:
    """Writes notifications to the outbox in ``session`` (see the module docstring)."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.outbox = Outbox(session)

    def link(self, path: str) -> str:
        """An absolute link to a console page."""
        return f"{self.settings.public_url}{path}"

    def addresses(self, participant_id: str) -> list[str]:
        """The addresses of the active users who speak for ``participant_id``, each mailbox once (two
        users whose addresses differ only in case share it)."""
        return self.addresses_of([participant_id]).get(participant_id, [])

    def addresses_of(self, participant_ids: Collection[str]) -> dict[str, list[str]]:
        """:meth:`addresses` of each of ``participant_ids`` (those without one left out), read in
        one query: telling every participant of a large event reads them all at once."""
        if not participant_ids:
            return {}
        rows = self.session.exec(
            select(ApiUser.subject_id, ApiUser.email).where(
                col(ApiUser.subject_id).in_(sorted(set(participant_ids))),
                col(ApiUser.revoked).is_(False),
                col(ApiUser.email).is_not(None),
            )
        )
        given: dict[str, list[str]] = {}
        for subject, email in rows:
            if subject and email:
                given.setdefault(subject, []).append(email)
        return {pid: _each_mailbox_once(emails) for pid, emails in given.items()}

    # ----------------------------------------------------------------------------------------------

    def invitation(self, to: str, link: str, *, entity: str | None, expires: datetime) -> None:
        """Queue an invitation with its sign-in link, for the person at ``to`` speaking for ``entity``.

        A new invitation of the same person stops the link of the one before: that one's message, if
        it still waits in the outbox (or failed, and could be sent again), is taken out, so that the
        person gets one invitation, with the link that works (and not first one that says it was
        already used)."""
        message = compose(
            "invitation", link=link, entity=entity, expires=f"{told_date(expires)}, {expires:%H:%M} UTC"
        )
        person = _invitation_key(to, entity)
        replaced = self.outbox.withdraw_queued(person, failed_too=True)
        if replaced:
            logger.info("an invitation replaced %d earlier one(s) not sent yet", replaced)
        self.outbox.queue(to, message, dedup_key=f"{person}{_digest(link)}")

    def withdraw_invitations(self, to: str, *, entity: str | None) -> int:
        """Take out of the outbox the invitations still queued (or failed, which staff could send
        again) for the person at ``to`` speaking for ``entity`` (a user revoked: its links stop
        working, and an e-mail with one of them must not go out); how many."""
        return self.outbox.withdraw_queued(_invitation_key(to, entity), failed_too=True)

    def request_received(
        self, event_id: str, sender: str, recipient: str, message: str | None, *, reason: str | None = None
    ) -> int:
        """Tell the recipient's people about a new meeting request (with the matcher's reason for the
        pair, when there is one); returns how many were queued."""
        ev = store.event_row(self.session, event_id)
        deadline = ev.request_deadline
        composed = self._about_request(
            "request_received",
            event_id,
            sender,
            recipient,
            message=message,
            reason=reason,
            deadline=told_in_zone(deadline, ev.timezone) if deadline else None,
        )
        return self._send_to(recipient, [composed])

    def request_answered(
        self,
        event_id: str,
        sender: str,
        recipient: str,
        *,
        accepted: bool,
        decline_reason: str | None = None,
    ) -> int:
        """Tell the sender's people that their request was accepted or declined (with why, when the
        recipient said so)."""
        composed = self._about_request(
            "request_answered",
            event_id,
            sender,
            recipient,
            accepted=accepted,
            decline_reason=decline_reason,
        )
        return self._send_to(sender, [composed])

    def request_withdrawn(self, event_id: str, sender: str, recipient: str) -> int:
        """Tell the recipient's people that a request they were told of was withdrawn."""
        composed = self._about_request("request_withdrawn", event_id, sender, recipient)
        return self._send_to(recipient, [composed])

    def _about_request(
        self, template: MessageKind, event_id: str, sender: str, recipient: str, **details: object
    ) -> Composed:
        """A message about a meeting request, naming both parties and the event."""
        ev = store.event_row(self.session, event_id)
        names = store.names(self.session, [sender, recipient])
        return compose(
            template,
            None,
            sender=names.get(sender, sender),
            recipient=names.get(recipient, recipient),
            event=ev.name,
            link=self.link("/me/requests"),
            **details,
        )

    def published(
        self,
        event_id: str,
        entries: Sequence[CalendarEntry],
        changed: Iterable[CalendarEntry],
        *,
        first: bool,
        previous: Mapping[str, CalendarEntry] | None = None,
    ) -> Told:
        """After a publication: the schedule to everyone the first time; later, each changed meeting
        (new, moved to another time or table, at a new place, or cancelled) to both parties with the
        updated calendar entries attached; ``previous`` are the entries published before, by UID."""
        session = self.session
        ev = store.event_row(session, event_id)
        tz = zone(ev.timezone)
        people = [p.participant_id for p in store.participants(session, event_id)]
        involved = store.mentioned(entries) | set(people)
        names = store.names(session, involved)
        labels = store.table_labels(session, event_id)
        queued = 0
        unreached: list[str] = []
        if first:
            confirmed = _by_participant(e for e in entries if e.status == "CONFIRMED")
            addresses = self.addresses_of(people)
            for pid in people:
                mine = confirmed.get(pid, [])
                lines = self._lines(pid, mine, names, tz, labels=labels)
                composed = self._agenda(
                    "schedule_published", ev, pid, lines, names=names, starts=mine, venue=ev.venue
                )
                sent = self._send_to(pid, [composed], addresses)
                queued += sent
                if not sent:
                    unreached.append(names.get(pid, pid))
            return Told(queued, sorted(unreached))
        changed = list(changed)
        previous = previous or {}
        touched = _by_participant(changed)
        addresses = self.addresses_of(touched)
        for pid in sorted(touched):
            # A meeting whose entry changed for the other party only (this one's own name) is not news.
            mine = [e for e in touched[pid] if _change(pid, e, previous.get(e.uid))]
            if not mine:
                continue
            # The same entries as the participant's feed (zone, place, names, reason), so that
            # importing the attachment updates them without losing where the meeting is or why.
            composed = self._agenda(
                "meeting_changed",
                ev,
                pid,
                self._lines(pid, mine, names, tz, labels=labels, previous=previous),
                names=names,
                starts=mine,
                venue=ev.venue,
                attachment=_calendar(pid, mine, ev, names, labels, venue=ev.venue),
            )
            sent = self._send_to(pid, [composed], addresses)
            queued += sent
            if not sent:
                unreached.append(names.get(pid, pid))
        return Told(queued, sorted(unreached))

    def cancelled(self, event_id: str, *, now: datetime | None = None) -> Told:
        """Before a published event is deleted: tell every participant it is cancelled, with its
        published meetings still to come as cancelled calendar entries (so that importing them
        removes them from the calendar its feed filled). An event never published tells nobody.

        Meetings that have begun took place and are not cancelled: once the event is under way only
        the participants with meetings still to come are told, and once it is over nobody is."""
        now = now or utcnow()
        session = self.session
        ev = store.event_row(session, event_id)
        if not ev.published_version:
            return Told(0, [])
        tz = zone(ev.timezone)
        entries = [
            store.calendar_entry(r).model_copy(update={"status": "CANCELLED", "sequence": r.sequence + 1})
            for r in store.published(session, event_id, confirmed=True)
            if as_instant(datetime.fromisoformat(r.start), tz) > now
        ]
        expecting = store.mentioned(entries)
        # One taken out of the event since the publication still has its meetings in its calendar
        # (they are cancelled only at the next publication, which this event will not have).
        people = sorted({p.participant_id for p in store.participants(session, event_id)} | expecting)
        begun = any(as_instant(s.start, tz) <= now for s in store.slots(session, event_id))
        if begun:  # under way: those who still expect a meeting
            people = [pid for pid in people if pid in expecting]
        names = store.names(session, expecting | set(people))
        labels, venue = store.published_places(session, ev)
        queued = 0
        unreached: list[str] = []
        by_participant = _by_participant(entries)
        addresses = self.addresses_of(people)
        for pid in people:
            mine = by_participant.get(pid, [])
            attachment = _calendar(pid, mine, ev, names, labels, venue=venue) if mine else None
            lines = self._lines(pid, mine, names, tz, labels=labels)
            composed = self._agenda(
                "event_cancelled",
                ev,
                pid,
                lines,
                names=names,
                starts=mine,
                venue=venue,
                attachment=attachment,
            )
            sent = self._send_to(pid, [composed], addresses)
            queued += sent
            if not sent:
                unreached.append(names.get(pid, pid))
        return Told(queued, sorted(unreached))

    def reminders(self, *, now: datetime | None = None) -> int:
        """Queue the day-before reminders due now (each participant once per event day); returns how many."""
        now = now or utcnow()
        session = self.session
        queued = 0
        events = session.exec(select(Event).where(col(Event.published_version) > 0))
        for ev in list(events):
            tz = zone(ev.timezone)
            today = now.astimezone(tz).date() if tz is not None else now.date()
            tomorrow = today + timedelta(days=1)
            rows = [
                r for r in store.published(session, ev.id, confirmed=True) if _local_day(r, tz) == tomorrow
            ]
            if not rows:
                continue
            entries = [store.calendar_entry(r) for r in rows]
            names = store.names(session, store.mentioned(entries))
            # The place published, not one staff have entered since without publishing it.
            labels, venue = store.published_places(session, ev)
            by_participant = _by_participant(entries)
            addresses = self.addresses_of(by_participant)
            for pid in sorted(by_participant):
                mine = by_participant[pid]
                lines = self._lines(pid, mine, names, tz, labels=labels)
                composed = self._agenda("reminder", ev, pid, lines, names=names, starts=mine, venue=venue)
                for address in addresses.get(pid, []):
                    key = f"reminder:{ev.id}:{pid}:{tomorrow.isoformat()}:{address}"
                    if self.outbox.queue(address, composed, dedup_key=key[:300]):
                        queued += 1
        return queued

    # ----------------------------------------------------------------------------------------------

    def _send_to(
        self,
        participant_id: str,
        messages: Sequence[Composed],
        addresses: Mapping[str, list[str]] | None = None,
    ) -> int:
        """Queue ``messages`` to each address of the participant (from ``addresses``, read for many
        participants at once, when given)."""
        queued = 0
        mailboxes = self.addresses(participant_id) if addresses is None else addresses.get(participant_id, [])
        for address in mailboxes:
            for m in messages:
                self.outbox.queue(address, m)
                queued += 1
        return queued

    def _agenda(
        self,
        template: MessageKind,
        ev: Event,
        pid: str,
        meetings: list[MeetingLine],
        *,
        names: Mapping[str, str],
        starts: Sequence[CalendarEntry],
        venue: str | None,
        attachment: Attachment | None = None,
    ) -> Composed:
        """A message listing a participant's meetings (saying which time zone their times are in, and
        where the event takes place: ``venue``), with a link to its agenda."""
        tz = zone(ev.timezone)
        return compose(
            template,
            attachment,
            event=ev.name,
            participant=names.get(pid, pid),
            meetings=meetings,
            zone=zone_note(ev.timezone, [in_zone(e.start, tz) for e in starts]),
            venue=venue,
            link=self.link("/me/agenda"),
        )

    def _lines(
        self,
        pid: str,
        entries: Sequence[CalendarEntry],
        names: dict[str, str],
        tz: tzinfo | None,
        *,
        labels: Mapping[int, str],
        previous: Mapping[str, CalendarEntry] | None = None,
    ) -> list[MeetingLine]:
        """The lines of a message listing meetings; with ``previous`` (the entries published before),
        each says what changed."""
        lines = []
        # In time order as instants: meetings published before and after the event's slots were given
        # offsets hold times with and without one.
        for e in sorted(entries, key=lambda e: (as_instant(e.start, tz), e.table)):
            other = e.b if e.a == pid else e.a
            status = None if previous is None else _change(pid, e, previous.get(e.uid))
            place = table_name(e.table, labels)
            online = is_link(place)
            lines.append(
                MeetingLine(
                    _when(e.start, e.end, tz), e.table, names.get(other, other), status, place, online
                )
            )
        return lines


def _change(pid: str, entry: CalendarEntry, before: CalendarEntry | None) -> str | None:
    """What changed for ``pid`` about a meeting since its previous publication, as a message says it
    (None: nothing ``pid``'s calendar shows)."""
    if entry.status == "CANCELLED":
        return "cancelled"
    if before is None or entry.sequence == 0 or before.status == "CANCELLED":
        return "new"  # a meeting they were told was cancelled is back: new to them, not moved
    same_time = (before.status, before.slot, before.table, before.start, before.end) == (
        "CONFIRMED",
        entry.slot,
        entry.table,
        entry.start,
        entry.end,
    )
    if not same_time:
        return "moved"
    if before.location not in (None, entry.location):
        return "new place"
    return "updated" if before.shown_to(pid) != entry.shown_to(pid) else None


def _calendar(
    pid: str,
    entries: Sequence[CalendarEntry],
    ev: Event,
    names: Mapping[str, str],
    labels: Mapping[int, str],
    *,
    venue: str | None,
) -> Attachment:
    """A participant's calendar file of ``entries``, as its feed writes them (zone, place, names,
    reason), attached as ``meetings.ics``."""
    calendar = participant_calendar(
        pid,
        entries,
        names=names,
        event_name=ev.name,
        now=utcnow(),
        tz=zone(ev.timezone),
        table_labels=labels,
        venue=venue,
    )
    return Attachment("meetings.ics", "text/calendar", calendar)


def _local_day(row: PublishedMeeting, tz: tzinfo | None) -> date:
    return in_zone(datetime.fromisoformat(row.start), tz).date()


def _by_participant(entries: Iterable[CalendarEntry]) -> dict[str, list[CalendarEntry]]:
    """Each participant's entries, in the order given (one pass, not one per participant)."""
    out: dict[str, list[CalendarEntry]] = {}
    for e in entries:
        for pid in dict.fromkeys((e.a, e.b)):
            out.setdefault(pid, []).append(e)
    return out


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _invitation_key(address: str, entity: str | None) -> str:
    """The start of the key of every invitation of the person at ``address`` (in any letter case)
    speaking for ``entity`` (a record's name, or ministry staff): an invitation's own key adds its
    link."""
    return f"invitation:{_digest(address.strip().casefold() + chr(31) + (entity or ''))}:"


def _each_mailbox_once(emails: Iterable[str]) -> list[str]:
    """The addresses sorted, each mailbox once (two addresses that differ only in case are one)."""
    unique = {e.casefold(): e for e in sorted(emails, reverse=True)}
    return sorted(unique.values())


__all__ = ["MeetingLine", "Notifier", "Told"]
