"""A stored corpus of three cities and two providers, and an event builder, for the event tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from events_support import EventCalls
from matchmaker.db.models import CityCreate, ProviderCreate
from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn
from matchmaker.settings import Settings
from services_support import Instance, stored_records

CITIES = [("kukes", "Kukës", "AL"), ("osh", "Osh", "KG"), ("tirana", "Tirana", "AL")]
PROVIDERS = [("acme", "Acme Mobility", "TR"), ("databridge", "DataBridge", "TR")]

#: Hand-made scores: kukes–acme is the best pair, osh–databridge the second.
SCORES = {
    ("acme", "kukes"): 0.9,
    ("databridge", "kukes"): 0.5,
    ("acme", "osh"): 0.4,
    ("databridge", "osh"): 0.8,
    ("acme", "tirana"): 0.3,
    ("databridge", "tirana"): 0.2,
}


def score(a: str, b: str) -> float | None:
    """The hand-made score of a pair (None for pairs without one)."""
    return SCORES.get((min(a, b), max(a, b)))


def store_corpus(instance: Instance) -> None:
    """Store the three cities and two providers."""
    with stored_records(instance) as records:
        for cid, name, country in CITIES:
            records.create("city", CityCreate(id=cid, name=name, country=country, summary=f"{name} summary."))
        for pid, name, country in PROVIDERS:
            records.create(
                "provider", ProviderCreate(id=pid, name=name, country=country, description="Offers.")
            )


def new_event(services: Services, event_id: str = "ws1", *, slots: int = 3, tables: int = 2) -> str:
    """An event in Istanbul time with ``slots`` 20-minute slots, every stored record taking part."""
    store_corpus(services)
    ev = EventCalls(services)
    ev(
        lambda e: e.catalog.create(
            EventCreate(
                id=event_id,
                name="Level 3 workshop",
                timezone="Europe/Istanbul",
                tables=tables,
                slots=[
                    SlotIn(start=f"2038-03-02T{9 + k:02d}:00", end=f"2038-03-02T{9 + k:02d}:20")  # type: ignore[arg-type]
                    for k in range(slots)
                ],
            ),
        )
    )
    ids = [c[0] for c in CITIES] + [p[0] for p in PROVIDERS]
    ev(lambda e: e.catalog.add_participants(event_id, [ParticipantIn(id=i) for i in ids]))
    return event_id


@pytest.fixture
def services(db_settings: Settings) -> Iterator[Services]:
    """The test's service container, closed after the test."""
    services = Services.build(db_settings)
    yield services
    services.close()


@pytest.fixture
def ev(services: Services) -> EventCalls:
    """The event use cases of the test's container, each call in its own unit of work."""
    return EventCalls(services)


@pytest.fixture
def event(services: Services) -> str:
    """The id of a fresh event with every stored record taking part."""
    return new_event(services)


@pytest.fixture
def corpus(db_settings: Settings) -> Settings:
    """The test's settings, with the three cities and two providers stored."""
    store_corpus(db_settings)
    return db_settings


@pytest.fixture
def scorer() -> Callable[[str, str], float | None]:
    """The hand-made score function."""
    return score
