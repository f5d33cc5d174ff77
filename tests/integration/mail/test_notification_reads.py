"""Telling every participant of a large event that its schedule is published (or that the event is
cancelled) looks up their addresses together, not one participant at a time."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from matchmaker.db.accounts import OutboxMessage
from matchmaker.db.models import CityCreate, ProviderCreate
from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn
from matchmaker.settings import Settings
from services_support import statements

START = datetime(2038, 3, 2, 9, 0, tzinfo=UTC)


def _reads_users(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and "FROM api_user" in statement


def user_reads(services: Services) -> AbstractContextManager[list[str]]:
    """The statements that read the users while the block runs."""
    return statements(services, where=_reads_users)


def _event(services: Services, event_id: str, pairs: int) -> list[str]:
    """An event of ``pairs`` cities and as many providers, each with a user who has an address; the
    addresses."""
    cities = [f"{event_id}-city-{k}" for k in range(pairs)]
    providers = [f"{event_id}-prov-{k}" for k in range(pairs)]
    with services.database.unit_of_work() as session:
        records = services.records(session)
        for cid in cities:
            records.create("city", CityCreate(id=cid, name=cid.title(), country="AL", summary="A town."))
        for pid in providers:
            records.create(
                "provider", ProviderCreate(id=pid, name=pid.title(), country="TR", description="Offers.")
            )
    addresses = []
    with services.database.unit_of_work() as session:
        accounts = services.accounts(session)
        for pid in [*cities, *providers]:
            role = "city" if pid in cities else "provider"
            accounts.invite(role, f"{pid}@example.org", pid)
            addresses.append(f"{pid}@example.org")
        events = services.events(session)
        slots = [
            SlotIn(start=START + timedelta(minutes=30 * i), end=START + timedelta(minutes=30 * i + 20))
            for i in range(2)
        ]
        events.catalog.create(EventCreate(id=event_id, name=event_id.title(), tables=pairs, slots=slots))
        events.catalog.add_participants(event_id, [ParticipantIn(id=p) for p in [*cities, *providers]])
    services.planner.generate(event_id, score=lambda a, b: 0.5 if ("city" in a) != ("city" in b) else None)
    return addresses


def _told(services: Services, event_id: str, kind: str) -> list[str]:
    with services.database.unit_of_work() as session:
        rows = session.exec(select(OutboxMessage.to_address).where(col(OutboxMessage.kind) == kind))
        return sorted(a for a in rows if a.startswith(f"{event_id}-"))


def test_publishing_and_cancelling_look_addresses_up_together(db_settings: Settings) -> None:
    services = Services.build(db_settings)
    try:
        reads: dict[str, dict[str, int]] = {}
        for event_id, pairs in (("small", 2), ("large", 8)):
            addresses = _event(services, event_id, pairs)
            with user_reads(services) as published:
                services.planner.publish(event_id)
            assert _told(services, event_id, "schedule_published") == sorted(addresses)
            with user_reads(services) as cancelled, services.database.unit_of_work() as session:
                told = services.notifier(session).cancelled(event_id)
            assert (told.messages, told.not_told) == (len(addresses), [])
            reads[event_id] = {"published": len(published), "cancelled": len(cancelled)}
        assert reads["large"] == reads["small"], reads
    finally:
        services.close()
