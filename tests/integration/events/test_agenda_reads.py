"""One participant's agenda, in every format, reads that participant's meetings, not the whole event's:
a large event's participants (and their calendar clients, which poll) each cost what their own
meetings cost. So does what one participant does: a meeting request, a pair rule staff set for two
participants, a rating."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event as sa_event

from events_support import EventCalls
from matchmaker.db.events import EventParticipant, PublishedMeeting
from matchmaker.db.models import CityCreate, ProviderCreate
from matchmaker.services.container import Services
from matchmaker.services.events import EventServices
from matchmaker.services.events.schemas import EventCreate, FeedbackIn, ParticipantIn, RequestCreate, SlotIn
from services_support import stored_records

NOW = datetime(2038, 3, 1, tzinfo=UTC)
AFTER = datetime(2038, 3, 3, tzinfo=UTC)  # after the event: its meetings can be rated
CITIES = [f"city-{k:02d}" for k in range(12)]
PROVIDERS = [f"prov-{k:02d}" for k in range(12)]


@contextmanager
def loaded_rows() -> Iterator[Counter[str]]:
    """How many rows of the event's published meetings and participants are loaded while the block
    runs, by table."""
    seen: Counter[str] = Counter()
    listeners = []
    for model in (PublishedMeeting, EventParticipant):

        def load(_target: object, _context: object, table: str = model.__tablename__) -> None:
            seen[table] += 1

        sa_event.listen(model, "load", load)
        listeners.append((model, load))
    try:
        yield seen
    finally:
        for model, load in listeners:
            sa_event.remove(model, "load", load)


def _published_event(services: Services) -> None:
    """An event of 12 cities and 12 providers, three slots and six tables, planned and published."""
    with stored_records(services) as records:
        for cid in CITIES:
            records.create("city", CityCreate(id=cid, name=cid.title(), country="AL", summary="A town."))
        for pid in PROVIDERS:
            records.create(
                "provider", ProviderCreate(id=pid, name=pid.title(), country="TR", description="Offers.")
            )
    ev = EventCalls(services)
    slots = [
        SlotIn(start=f"2038-03-02T{9 + k:02d}:00", end=f"2038-03-02T{9 + k:02d}:20")  # type: ignore[arg-type]
        for k in range(3)
    ]
    ev(lambda e: e.catalog.create(EventCreate(id="fair", name="Fair", tables=6, slots=slots)))
    ev(lambda e: e.catalog.add_participants("fair", [ParticipantIn(id=i) for i in [*CITIES, *PROVIDERS]]))

    def score(a: str, b: str) -> float | None:
        return 0.5 if (a in CITIES) != (b in CITIES) else None

    ev.plan(lambda p: p.generate("fair", score=score, time_limit=5))
    ev.plan(lambda p: p.publish("fair", now=NOW))


READS: dict[str, Callable[[EventServices, str], object]] = {
    "agenda": lambda e, pid: e.agendas.agenda("fair", pid, include_cancelled=True),
    "html": lambda e, pid: e.agendas.html("fair", pid),
    "pdf": lambda e, pid: e.agendas.pdf("fair", pid),
    "calendar": lambda e, pid: e.agendas.calendar("fair", pid, now=NOW),
}


@pytest.mark.parametrize("read", READS)
def test_one_participants_agenda_loads_its_own_meetings_only(services: Services, read: str) -> None:
    _published_event(services)
    published = len(services.planner.planned("fair"))
    with services.database.unit_of_work() as session:
        own = len(services.events(session).agendas.agenda("fair", CITIES[0]).meetings)
    assert own >= 1
    assert published > 3 * own, "the event has many more meetings than one participant"
    with services.database.unit_of_work() as session:
        events = services.events(session)
        with loaded_rows() as seen:
            READS[read](events, CITIES[0])
    assert seen["event_participant"] <= 1 + own, seen
    assert seen["event_published_meeting"] == own, seen


WRITES: dict[str, Callable[[EventServices, str], object]] = {
    "request": lambda e, _met: e.requests.create(
        "fair", RequestCreate(sender=CITIES[0], recipient=PROVIDERS[-1])
    ),
    "pair rule": lambda e, _met: e.pair_rules.set("fair", CITIES[0], PROVIDERS[-1], "must_meet"),
    "rating": lambda e, met: e.feedback.record(
        "fair", FeedbackIn(rater=CITIES[0], other=met, rating="informative"), now=AFTER
    ),
}


@pytest.mark.parametrize("write", WRITES)
def test_what_one_participant_does_loads_its_own_rows_only(services: Services, write: str) -> None:
    _published_event(services)
    with services.database.unit_of_work() as session:
        met = services.events(session).agendas.agenda("fair", CITIES[0]).meetings[0].with_id
    with services.database.unit_of_work() as session:
        events = services.events(session)
        with loaded_rows() as seen:
            WRITES[write](events, met)
    assert seen["event_participant"] <= 2, seen
    assert seen["event_published_meeting"] <= 1, seen
