"""A number staff type into an event form that is not a whole number is refused with the reason, the
form keeps what was typed and ticked, and nothing is stored."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from console_support import CITY_ID, PROVIDER_ID, Client, add_event, app_services

EVENT_ID = "numbers-day"


def _participants(client: Client) -> list[str]:
    services = app_services(client)
    with services.database.unit_of_work() as session:
        return [p.id for p in services.events(session).catalog.participants(EVENT_ID)]


@pytest.mark.parametrize("typed", ["abc", "2.5", "-1", "1e3"])
def test_adding_participants_with_a_maximum_that_is_not_a_whole_number_is_refused(
    client: Client, sign_in: Callable[[str], str], typed: str
) -> None:
    add_event(client, EVENT_ID, (CITY_ID,))
    sign_in("staff")
    refused = client.post(
        f"/events/{EVENT_ID}/participants", data={"ids": [PROVIDER_ID], "max_meetings": typed}
    )
    assert refused.status_code == 422, refused.text
    flashes = re.findall(r"flash-error[^>]*>([^<]*)", refused.text)
    assert flashes, refused.text
    assert "Maximum meetings each" in flashes[0]
    assert "whole number" in flashes[0]
    assert re.search(rf'name="max_meetings"[^>]*value="{re.escape(typed)}"', refused.text), "typed value kept"
    assert re.search(rf'value="{PROVIDER_ID}"[^>]*\bchecked\b', refused.text), "ticked participant kept"
    assert _participants(client) == [CITY_ID]


def test_a_whole_maximum_is_stored_and_an_empty_one_means_no_limit(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    add_event(client, EVENT_ID, ())
    sign_in("staff")
    r = client.post(f"/events/{EVENT_ID}/participants", data={"ids": [PROVIDER_ID], "max_meetings": " 3 "})
    assert r.status_code == 200, r.text
    assert "Participants added." in r.text
    r = client.post(f"/events/{EVENT_ID}/participants", data={"ids": [CITY_ID], "max_meetings": ""})
    assert r.status_code == 200, r.text
    services = app_services(client)
    with services.database.unit_of_work() as session:
        stored = {p.id: p.max_meetings for p in services.events(session).catalog.participants(EVENT_ID)}
    assert stored == {PROVIDER_ID: 3, CITY_ID: None}
