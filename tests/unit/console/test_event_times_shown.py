"""Times on the event pages read in the event's own time zone, as the new-event form takes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from console_support import CITY_ID, PROVIDER_ID, Client, app_services

from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn

EVENT_ID = "ankara-day"


def _event(client: Client) -> None:
    services = app_services(client)
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        catalog.create(
            EventCreate(
                id=EVENT_ID,
                name="Ankara day",
                tables=2,
                timezone="Europe/Istanbul",
                request_deadline=datetime(2027, 2, 25, 17, 0, tzinfo=ZoneInfo("Europe/Istanbul")),
                slots=[
                    SlotIn(start=datetime(2027, 3, 2, 9 + k), end=datetime(2027, 3, 2, 9 + k, 20))  # noqa: DTZ001
                    for k in range(2)
                ],
            )
        )
        catalog.add_participants(EVENT_ID, [ParticipantIn(id=p) for p in (CITY_ID, PROVIDER_ID)])


def test_the_request_deadline_is_shown_in_the_event_time_zone(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    _event(client)
    sign_in("staff")
    staff_page = client.get(f"/events/{EVENT_ID}").text
    assert "requests until 2027-02-25 17:00" in staff_page
    assert "14:00" not in staff_page
    sign_in("city")
    city_page = client.get("/me/requests").text
    assert "requests until 2027-02-25 17:00 (Europe/Istanbul)" in city_page
