"""Event use cases in tests, called as a request or a command would call them.

:class:`EventCalls` takes the :class:`Services` of a test (one container for the whole test) or
:class:`Settings` (a container is built for each call and closed after it). Each call runs in its own
unit of work, committed when it returns, like one API request or one CLI command.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from matchmaker.services.events import EventServices, Planner
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn
from services_support import Instance, services_for

T = TypeVar("T")


class EventCalls:
    """``calls(lambda e: e.catalog.get("ws1"))`` and ``calls.plan(lambda p: p.publish("ws1"))``."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    def __call__(self, use: Callable[[EventServices], T]) -> T:
        """``use`` the event sub-features in one unit of work."""
        with services_for(self.instance) as services, services.database.unit_of_work() as session:
            return use(services.events(session))

    def plan(self, use: Callable[[Planner], T]) -> T:
        """``use`` the planner (it opens its own units of work)."""
        with services_for(self.instance) as services:
            return use(services.planner)


def zoneless_event(calls: EventCalls, event_id: str, people: Sequence[str], *, tables: int) -> None:
    """An event without a time zone (its one slot, 09:00–09:20 on 2 March 2038, is then UTC) with
    ``people`` taking part."""
    slot = SlotIn(start="2038-03-02T09:00", end="2038-03-02T09:20")  # type: ignore[arg-type]
    calls(
        lambda e: e.catalog.create(EventCreate(id=event_id, name="Online round", tables=tables, slots=[slot]))
    )
    calls(lambda e: e.catalog.add_participants(event_id, [ParticipantIn(id=i) for i in people]))


__all__ = ["EventCalls", "zoneless_event"]
