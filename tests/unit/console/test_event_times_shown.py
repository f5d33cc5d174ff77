"""Times on the event pages read in the event's own time zone, as the new-event form takes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from console_support import CITY_ID, PROVIDER_ID, Client, add_event

EVENT_ID = "ankara-day"


def _event(client: Client) -> None:
    add_event(
        client,
        EVENT_ID,
        (CITY_ID, PROVIDER_ID),
        day=datetime(2038, 3, 2),  # noqa: DTZ001 - a wall time in the event's zone
        timezone="Europe/Istanbul",
        request_deadline=datetime(2038, 2, 25, 17, 0, tzinfo=ZoneInfo("Europe/Istanbul")),
    )


def test_the_request_deadline_is_shown_in_the_event_time_zone(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    _event(client)
    sign_in("staff")
    staff_page = client.get(f"/events/{EVENT_ID}").text
    assert "requests until 2038-02-25 17:00" in staff_page
    assert "14:00" not in staff_page
    sign_in("city")
    city_page = client.get("/me/requests").text
    assert "requests until 25 February 2038 at 17:00 (Europe/Istanbul)" in city_page


def test_a_deadline_reads_the_same_on_every_participant_page(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    _event(client)
    sign_in("city")
    told = "25 February 2038 at 17:00 (Europe/Istanbul)"
    assert f"requests until {told}" in client.get("/me/requests").text
    assert f"You can change this until {told}." in client.get("/me/availability").text


def test_the_events_list_says_the_zone_of_each_event_s_first_slot(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    _event(client)
    sign_in("staff")
    listing = client.get("/events").text
    row = listing.split(f"<code>{EVENT_ID}</code>", 1)[1].split("</tr>", 1)[0]
    assert "<small>2038-03-02 09:00 (Europe/Istanbul)</small>" in row
