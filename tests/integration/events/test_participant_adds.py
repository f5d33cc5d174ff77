"""Adding many cities and providers to an event at once: as many statements for twenty as for two, and
adding one again updates it."""

from __future__ import annotations

from matchmaker.db.models import CityCreate, ProviderCreate
from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn
from services_support import statements, stored_records

CITIES = [f"city-{k:02d}" for k in range(10)]
PROVIDERS = [f"prov-{k:02d}" for k in range(10)]


def _add(
    services: Services, event_id: str, items: list[ParticipantIn]
) -> tuple[int, list[tuple[str, int | None]]]:
    with statements(services) as sent, services.database.unit_of_work() as session:
        added = services.events(session).catalog.add_participants(event_id, items)
    return len(sent), [(p.id, p.max_meetings) for p in added]


def test_adding_twenty_participants_sends_as_many_statements_as_adding_two(services: Services) -> None:
    with stored_records(services) as records:
        for cid in CITIES:
            records.create("city", CityCreate(id=cid, name=cid.title(), country="AL", summary="A town."))
        for pid in PROVIDERS:
            records.create(
                "provider", ProviderCreate(id=pid, name=pid.title(), country="TR", description="Offers.")
            )
    slot = SlotIn(start="2038-03-02T09:00", end="2038-03-02T09:20")  # type: ignore[arg-type]
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        for event_id in ("few", "many"):
            catalog.create(EventCreate(id=event_id, name=event_id.title(), tables=2, slots=[slot]))
    few, _ = _add(services, "few", [ParticipantIn(id=CITIES[0]), ParticipantIn(id=PROVIDERS[0])])
    everyone = [ParticipantIn(id=i) for i in [*CITIES, *PROVIDERS]]
    many, added = _add(services, "many", everyone)
    assert many == few
    assert added == [(i, None) for i in sorted([*CITIES, *PROVIDERS])]
    # Given again (one of them twice, alike), they are updated, not added twice.
    again = [
        *(ParticipantIn(id=i, max_meetings=3) for i in [*CITIES, *PROVIDERS]),
        ParticipantIn(id=CITIES[0], max_meetings=3),
    ]
    _, updated = _add(services, "many", again)
    assert updated == [(i, 3) for i in sorted([*CITIES, *PROVIDERS])]


def test_adding_a_participant_again_keeps_the_availability_and_maximum_it_does_not_give(
    services: Services,
) -> None:
    """Staff adding a provider together with a city that takes part already (``event add ws1 osh acme``)
    wiped the slots and the maximum the city had chosen: it was then planned in every slot. What is
    not given again is kept; ``None`` given still sets every slot, or no maximum."""
    with stored_records(services) as records:
        records.create("city", CityCreate(id="osh", name="Osh", country="KG", summary="A town."))
        records.create(
            "provider", ProviderCreate(id="acme", name="Acme", country="TR", description="Offers.")
        )
    slots = [
        SlotIn(start=f"2038-03-02T{9 + k:02d}:00", end=f"2038-03-02T{9 + k:02d}:20")  # type: ignore[arg-type]
        for k in range(3)
    ]
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        catalog.create(EventCreate(id="ws1", name="W", tables=2, slots=slots))
        catalog.add_participants("ws1", [ParticipantIn(id="osh", available=["s1", "s2"], max_meetings=1)])

    def osh() -> tuple[list[str] | None, int | None]:
        with services.database.unit_of_work() as session:
            row = next(p for p in services.events(session).catalog.participants("ws1") if p.id == "osh")
            return row.available, row.max_meetings

    with services.database.unit_of_work() as session:
        services.events(session).catalog.add_participants(
            "ws1", [ParticipantIn(id="osh"), ParticipantIn(id="acme")], keep_unset=True
        )
    assert osh() == (["s1", "s2"], 1)
    with services.database.unit_of_work() as session:
        services.events(session).catalog.add_participants(
            "ws1", [ParticipantIn(id="osh", max_meetings=2)], keep_unset=True
        )
    assert osh() == (["s1", "s2"], 2)
    with services.database.unit_of_work() as session:
        services.events(session).catalog.add_participants(
            "ws1", [ParticipantIn(id="osh", available=None, max_meetings=None)], keep_unset=True
        )
    assert osh() == (None, None)
