"""Participants serving themselves before an event's deadline: availability, maximum, public profile.

The deadline of an event is its ``self_service_deadline``, or its request deadline when that is unset;
an event with neither stays open until staff set one. Before it, a participant sets the slots it can
attend and its maximum number of meetings; after it, those are read-only and the refusal says since
when. A city or provider edits its own public profile (the same validation as ingest; the index
follows through :class:`~matchmaker.services.records.RecordService`) until the deadline of an event it
takes part in has passed and that event is not over yet: staff then plan on a stable profile.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlmodel import Session, col, select

from matchmaker.db.events import Event, EventParticipant
from matchmaker.db.models import CityUpdate, ProviderUpdate, utcnow
from matchmaker.errors import ConflictError, InvalidInputError, PermissionDeniedError
from matchmaker.scheduling.exports import in_zone, told_date, zone_note
from matchmaker.scheduling.problem import Slot
from matchmaker.services.events import store
from matchmaker.services.events.rules import as_instant, on_event_clock, told_in_zone, zone
from matchmaker.services.events.schemas import check_year
from matchmaker.services.records import PublicRecord, RecordService, describe_invalid
from matchmaker.wording import noun_for

logger = logging.getLogger(__name__)

ProfileKind = Literal["city", "provider"]

#: What a city's focal point changes on its own profile: its current-situation summary and what
#: describes it. Its country, kind, programme level, maturity and focal point are the ministry's.
CITY_OWN_FIELDS: tuple[str, ...] = ("name", "summary", "population", "language")
#: What a provider changes on its own profile: what it offers and where. Its country and kind are the
#: ministry's.
PROVIDER_OWN_FIELDS: tuple[str, ...] = (
    "name",
    "description",
    "website",
    "languages",
    "regions_served",
    "solutions",
)
#: The fields of its own profile each kind of participant changes (the console's *Edit profile* and
#: ``PATCH`` with the participant's own token alike); staff change the rest.
OWN_FIELDS: dict[ProfileKind, tuple[str, ...]] = {"city": CITY_OWN_FIELDS, "provider": PROVIDER_OWN_FIELDS}
#: Who changes them, as a refusal says it.
_CHANGER: dict[ProfileKind, str] = {
    "city": "a city focal point changes only its city's",
    "provider": "a provider changes only its own",
}


def deadline_of(ev: Event) -> datetime | None:
    """Until when participants change their own availability (None: no deadline set)."""
    value = ev.self_service_deadline or ev.request_deadline
    return as_instant(value, None) if value is not None else None


@dataclass(frozen=True, slots=True)
class MyEvent:
    """An event as one participant sees its own settings in it."""

    event_id: str
    name: str
    slots: list[Slot]
    available: list[str] | None
    max_meetings: int | None
    deadline: datetime | None
    open: bool
    #: When the event's last slot ended, once it has (its availability no longer changes), else None.
    ended: datetime | None = None
    #: The event's time zone (its slots' wall-clock times and its deadline are read in it), if any.
    timezone: str | None = None

    @property
    def zone_note(self) -> str | None:
        """In which time zone the slots' times are, as the participant's agenda says it ("Times are
        local to Europe/Istanbul (UTC+03:00)."), or None for an event without a zone."""
        tz = zone(self.timezone)
        return zone_note(self.timezone if tz else None, [in_zone(s.start, tz) for s in self.slots])


class SelfService:
    """A participant's own settings, in one unit of work (``session``)."""

    def __init__(self, session: Session, records: RecordService) -> None:
        self.session = session
        self.records = records

    def set_deadline(self, event_id: str, when: datetime | None) -> datetime | None:
        """Set (or clear, with None) the event's self-service deadline; returns the deadline in force, on
        the event's clock (UTC for an event without a zone)."""
        if when is not None and when.tzinfo is None:
            raise InvalidInputError("give the deadline with its UTC offset, e.g. 2027-02-20T17:00+03:00")
        if when is not None:
            try:
                check_year(when)
            except ValueError as exc:  # a time the database cannot hold once read in UTC
                raise InvalidInputError(f"self-service deadline: {exc}", field="until") from exc
        ev = store.event_row(self.session, event_id)
        ev.self_service_deadline = when
        ev.updated_at = utcnow()
        self.session.add(ev)
        self.session.flush()
        deadline = deadline_of(ev)
        return on_event_clock(deadline, ev.timezone) if deadline is not None else None

    def my_events(self, participant_id: str, *, now: datetime | None = None) -> list[MyEvent]:
        """The events ``participant_id`` takes part in, with its availability and whether it may change it."""
        now = now or utcnow()
        rows = self.session.exec(
            select(EventParticipant).where(col(EventParticipant.participant_id) == participant_id)
        )
        out = []
        for row in rows:
            ev = store.event_row(self.session, row.event_id)
            deadline = deadline_of(ev)
            ends = store.event_end(self.session, ev)
            ended = ends if ends is not None and now >= ends else None
            out.append(
                MyEvent(
                    event_id=ev.id,
                    name=ev.name,
                    slots=store.slots(self.session, ev.id),
                    available=store.available(row),
                    max_meetings=row.max_meetings,
                    deadline=deadline,
                    open=ended is None and (deadline is None or now <= deadline),
                    ended=ended,
                    timezone=ev.timezone,
                )
            )
        return sorted(out, key=lambda e: e.name)

    def set_availability(
        self,
        event_id: str,
        participant_id: str,
        available: list[str] | None,
        max_meetings: int | None,
        *,
        now: datetime | None = None,
    ) -> MyEvent:
        """Set the slots a participant can attend (None: every slot) and its maximum, before the deadline
        (and never once the event is over)."""
        now = now or utcnow()
        ev = store.event_row(self.session, event_id)
        row = store.taking_part(self.session, event_id, participant_id)
        ends = store.event_end(self.session, ev)
        if ends is not None and now >= ends:
            raise ConflictError(
                f"{ev.name} took place on {told_date(on_event_clock(ends, ev.timezone))};"
                " its availability no longer changes"
            )
        deadline = deadline_of(ev)
        if deadline is not None and now > deadline:
            raise ConflictError(
                f"changes to {ev.name} closed on {told_in_zone(deadline, ev.timezone)}; "
                "ask ministry staff if something must still change"
            )
        slot_ids = [s.id for s in store.slots(self.session, event_id)]
        if available is not None:
            unknown = sorted(set(available) - set(slot_ids))
            if unknown:
                raise InvalidInputError(f"unknown {noun_for(len(unknown), 'slot')}: {', '.join(unknown)}")
            if not available:
                raise InvalidInputError("choose at least one slot you can attend")
        if max_meetings is not None and not 0 <= max_meetings <= len(slot_ids):
            raise InvalidInputError(f"the maximum number of meetings must be between 0 and {len(slot_ids)}")
        if available is not None and set(available) == set(slot_ids):
            available = None
        row.available = None if available is None else _json_list(sorted(set(available)))
        row.max_meetings = max_meetings
        self.session.add(row)
        self.session.flush()
        return next(e for e in self.my_events(participant_id, now=now) if e.event_id == event_id)

    def profile_lock(self, participant_id: str, *, now: datetime | None = None) -> str | None:
        """Why the participant's profile is read-only now, or None when it may be edited."""
        now = now or utcnow()
        for mine in self.my_events(participant_id, now=now):
            if mine.open or mine.deadline is None:
                continue
            if mine.ended is None:  # not over yet (its last slot ends in the event's own zone)
                return (
                    f"your profile is read-only while {mine.name} is being planned "
                    f"(changes closed on {told_in_zone(mine.deadline, mine.timezone)})"
                )
        return None

    def update_profile(
        self,
        kind: ProfileKind,
        participant_id: str,
        changes: dict[str, Any],
        *,
        now: datetime | None = None,
        if_version: Collection[str] | None = None,
    ) -> PublicRecord:
        """Change the participant's own public profile, validated as at ingest; the index follows.

        A participant changes only its :data:`OWN_FIELDS` (the rest of its record is the ministry's:
        a change that names another field is refused whole, naming it); with ``if_version`` the change
        is made only if the record is still the version read."""
        own = OWN_FIELDS[kind]
        others = sorted(set(changes) - set(own))
        if others:
            raise PermissionDeniedError(
                f"{_CHANGER[kind]} {_listed(own)};"
                f" {_listed(others)} {'is' if len(others) == 1 else 'are'} changed by ministry staff"
            )
        reason = self.profile_lock(participant_id, now=now)
        if reason is not None:
            raise ConflictError(reason)
        model = CityUpdate if kind == "city" else ProviderUpdate
        try:
            validated = model.model_validate(changes)
        except ValidationError as exc:
            raise InvalidInputError(describe_invalid(exc, "profile")) from exc
        clean = validated.model_dump(exclude_unset=True)
        clean.pop("focal_point", None)  # contacts are changed by staff, not on the public profile
        try:
            record = self.records.update(kind, participant_id, clean, if_version=if_version)
        except ValidationError as exc:
            raise InvalidInputError(describe_invalid(exc, "profile")) from exc
        logger.info("%s %s changed its own profile (%s)", kind, participant_id, ", ".join(sorted(clean)))
        return record


def profile_notes(record: PublicRecord) -> list[str]:
    """What a provider's own profile holds that the matching does not read: ``regions_served`` words
    that name no country or region it knows, and solution domains that are no domain of the
    vocabulary. They are kept as typed, but count for nothing in the suggestions, so the provider is
    told (none for a city, or when every word is read)."""
    # The region words and the vocabulary are slow imports that short commands skip.
    from matchmaker.matching.regions import READ_REGION_WORDS, unread_regions  # noqa: PLC0415 - see above
    from matchmaker.vocabulary.tagger import resolve_label  # noqa: PLC0415 - see above
    from matchmaker.vocabulary.terms import Kind  # noqa: PLC0415 - see above

    notes = [
        f"Regions served: “{word}” names no country or region the matching knows ({READ_REGION_WORDS});"
        " it is kept, but covers no country."
        # Languages may be separated by commas, regions not (a region's name may hold one).
        + (" To give several, separate them with ;." if "," in word else "")
        for word in unread_regions(getattr(record, "regions_served", []))
    ]
    for number, solution in enumerate(getattr(record, "solutions", []), start=1):
        for domain in solution.domains:
            if resolve_label(domain, [Kind.DOMAIN]) is None:
                notes.append(
                    f"Solution {number} (“{solution.title}”), domains: “{domain}” is not a domain the"
                    " matching knows (such as mobility or energy_buildings); it is kept, but matches no"
                    " domain."
                )
    return notes


def _json_list(values: list[str]) -> str:
    return json.dumps(values)


def _listed(names: Sequence[str]) -> str:
    """``name, summary and language``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


__all__ = [
    "CITY_OWN_FIELDS",
    "OWN_FIELDS",
    "PROVIDER_OWN_FIELDS",
    "MyEvent",
    "ProfileKind",
    "SelfService",
    "deadline_of",
    "profile_notes",
]
