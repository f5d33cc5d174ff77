"""Moving a planned meeting by hand: it lands where asked and is locked, or is refused with the reason."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from console_support import Client, app_services

from matchmaker.errors import ConflictError, InvalidInputError
from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn


def _slot(start: str, end: str) -> SlotIn:
    return SlotIn(start=datetime.fromisoformat(start), end=datetime.fromisoformat(end))


#: The event's slots, 20 minutes each from 09:00 with a 10-minute break.
_SLOTS = [
    ("2038-03-02T09:00", "2038-03-02T09:20"),
    ("2038-03-02T09:30", "2038-03-02T09:50"),
    ("2038-03-02T10:00", "2038-03-02T10:20"),
]


def _plan_moves(services: Services, slots: int, participants: list[ParticipantIn]) -> None:
    """The event ``mv``: the first ``slots`` slots, two tables, these participants, planned with equal
    scores."""
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        catalog.create(
            EventCreate(id="mv", name="Moves", slots=[_slot(*times) for times in _SLOTS[:slots]], tables=2)
        )
        catalog.add_participants("mv", participants)
    services.planner.generate("mv", score=lambda _a, _b: 0.5, time_limit=5)


@pytest.fixture
def planned(services: Services) -> Services:
    """Two cities and two providers, three slots, two tables, planned with equal scores."""
    _plan_moves(
        services,
        3,
        [
            ParticipantIn(id="kukes", max_meetings=1),
            ParticipantIn(id="tepebasi", available=["s1", "s2"], max_meetings=1),
            ParticipantIn(id="prov-enerko-esco", max_meetings=1),
            ParticipantIn(id="prov-balkan-esco", max_meetings=1),
        ],
    )
    return services


def test_a_meeting_moves_to_a_free_place_and_is_locked(planned: Services) -> None:
    move_meeting = planned.planner.move
    first = planned.planner.planned("mv")[0]
    target = "s3" if "tepebasi" not in (first.a, first.b) else "s2"
    free_table = 2 if target == "s2" else 1
    moved = move_meeting("mv", first.a, first.b, slot=target, table=free_table)
    assert (moved.slot, moved.table, moved.locked) == (target, free_table, True)


def test_moves_that_break_a_rule_are_refused(planned: Services) -> None:
    move_meeting = planned.planner.move
    meetings = planned.planner.planned("mv")
    assert len(meetings) == 2
    one, two = meetings
    with pytest.raises(ConflictError, match="taken"):
        move_meeting("mv", one.a, one.b, slot=two.slot, table=two.table)
    with pytest.raises(InvalidInputError, match="no slot"):
        move_meeting("mv", one.a, one.b, slot="s9", table=1)
    with pytest.raises(InvalidInputError, match="tables 1 to 2"):
        move_meeting("mv", one.a, one.b, slot="s3", table=3)
    with_tepebasi = next(m for m in meetings if "tepebasi" in (m.a, m.b))
    with pytest.raises(ConflictError, match="not available"):
        move_meeting("mv", with_tepebasi.a, with_tepebasi.b, slot="s3", table=2)


def test_a_refused_move_names_the_participants_and_the_time_as_the_grid_shows_them(
    client: Client, sign_in: Callable[[str], None]
) -> None:
    services = app_services(client)
    _plan_moves(services, 2, [ParticipantIn(id=i) for i in ("kukes", "tepebasi", "prov-enerko-esco")])
    by_slot = {m.slot: m for m in services.planner.planned("mv")}
    assert set(by_slot) == {"s1", "s2"}
    first, second = by_slot["s1"], by_slot["s2"]
    sign_in("staff")
    taken = client.post(
        "/events/mv/move", data={"a": second.a, "b": second.b, "slot": "s1", "table": str(first.table)}
    )
    assert taken.status_code == 409
    names = "(Kukës|Tepebaşı|Enerko Enerji Hizmetleri)"
    assert re.search(
        f"Table {first.table} is taken in the 09:00–09:20 slot \\({names} and {names}\\)", taken.text
    )
    free = 2 if first.table == 1 else 1
    busy = client.post(
        "/events/mv/move", data={"a": second.a, "b": second.b, "slot": "s1", "table": str(free)}
    )
    assert busy.status_code == 409
    assert re.search(f"{names} already meets {names} in the 09:00–09:20 slot", busy.text)
    for refused in (taken.text, busy.text):
        assert not re.search(
            "tepebasi|prov-enerko-esco|kukes|slot s1", refused.split("<main", 1)[1].split("<form", 1)[0]
        )


def test_once_published_no_meeting_moves_into_or_out_of_a_slot_that_has_begun(planned: Services) -> None:
    """During the event staff could move a meeting into a slot already over (its calendars then
    showed it in the past, and both parties were told it "moved"), or move one that took place to a
    later slot, as if it had not: a re-plan never does either."""
    move_meeting = planned.planner.move
    meetings = planned.planner.planned("mv")
    with_tepebasi = next(m for m in meetings if "tepebasi" in (m.a, m.b))
    other = next(m for m in meetings if m is not with_tepebasi)
    move_meeting("mv", with_tepebasi.a, with_tepebasi.b, slot="s2", table=1)
    move_meeting("mv", other.a, other.b, slot="s3", table=1)
    planned.planner.publish("mv")
    during_s2 = datetime.fromisoformat("2038-03-02T09:35+00:00")  # the event has no zone: UTC
    with pytest.raises(
        ConflictError, match=r"in the 09:30–09:50 slot has begun; it stays where it took place"
    ):
        move_meeting("mv", with_tepebasi.a, with_tepebasi.b, slot="s3", table=2, now=during_s2)
    with pytest.raises(ConflictError, match=r"the 09:00–09:20 slot has begun; choose a slot still to come"):
        move_meeting("mv", other.a, other.b, slot="s1", table=2, now=during_s2)
    assert {(m.a, m.slot) for m in planned.planner.planned("mv")} == {
        (with_tepebasi.a, "s2"),
        (other.a, "s3"),
    }
    # A slot still to come takes it, as before.
    moved = move_meeting("mv", other.a, other.b, slot="s3", table=2, now=during_s2)
    assert (moved.slot, moved.table) == ("s3", 2)
