"""Use case: staff move one planned meeting of an event to another slot and table.

The moved meeting is locked there, so a later re-plan keeps it (see
:func:`matchmaker.services.events.generate_schedule`). A move never breaks a hard rule of the
schedule; it is refused, with the reason, when the slot does not exist, the table is outside the
event's tables or already taken in that slot, either participant is not available in that slot, or
either already has another meeting then.
"""

from __future__ import annotations

import json
import logging

from sqlmodel import col, select

from matchmaker.db.engine import create_db_engine, session_scope
from matchmaker.db.events import Event, EventMeeting, EventParticipant, EventSlot, EventTable
from matchmaker.errors import ConflictError, InvalidInputError, NotFoundError
from matchmaker.scheduling.problem import pair_key
from matchmaker.services.event_rules import PlannedMeeting
from matchmaker.settings import Settings

logger = logging.getLogger(__name__)


def move_meeting(
    settings: Settings, event_id: str, a: str, b: str, *, slot: str, table: int
) -> PlannedMeeting:
    """Move the planned meeting of ``a`` and ``b`` to ``slot`` at ``table`` and lock it there."""
    from matchmaker.services.events import planned_meetings

    with session_scope(create_db_engine(settings)) as session:
        if session.get(Event, event_id) is None:
            raise NotFoundError(f"no event with id {event_id!r}")
        row = session.get(EventMeeting, (event_id, a, b)) or session.get(EventMeeting, (event_id, b, a))
        if row is None:
            raise NotFoundError(f"no planned meeting between {a!r} and {b!r} in event {event_id!r}")
        slots = {
            s.slot_id for s in session.exec(select(EventSlot).where(col(EventSlot.event_id) == event_id))
        }
        if slot not in slots:
            raise InvalidInputError(f"event {event_id!r} has no slot {slot!r}")
        tables = {
            t.number for t in session.exec(select(EventTable).where(col(EventTable.event_id) == event_id))
        }
        if table not in tables:
            raise InvalidInputError(
                f"event {event_id!r} has tables 1 to {max(tables, default=0)}, not {table}"
            )
        others = [
            m
            for m in session.exec(select(EventMeeting).where(col(EventMeeting.event_id) == event_id))
            if pair_key(m.a, m.b) != pair_key(row.a, row.b) and m.slot_id == slot
        ]
        taken = next((m for m in others if m.table_number == table), None)
        if taken is not None:
            raise ConflictError(
                f"table {table} is taken in slot {slot} ({taken.a} and {taken.b}); choose a free table"
            )
        for pid in (row.a, row.b):
            busy = next((m for m in others if pid in (m.a, m.b)), None)
            if busy is not None:
                raise ConflictError(
                    f"{pid!r} already meets {busy.b if busy.a == pid else busy.a!r} in slot {slot}"
                )
            person = session.get(EventParticipant, (event_id, pid))
            if (
                person is not None
                and person.available is not None
                and slot not in json.loads(person.available)
            ):
                raise ConflictError(f"{pid!r} is not available in slot {slot}")
        row.slot_id = slot
        row.table_number = table
        row.locked = True
        session.add(row)
        key = pair_key(row.a, row.b)
    logger.info("event %s: moved %s and %s to slot %s, table %d", event_id, key[0], key[1], slot, table)
    return next(m for m in planned_meetings(settings, event_id) if pair_key(m.a, m.b) == key)


__all__ = ["move_meeting"]
