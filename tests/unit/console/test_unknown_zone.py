"""An event whose stored time zone this system does not know (a database restored on a machine with
older time-zone data) is shown in UTC, and says so, on the participant's pages and documents: never a
500."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from console_support import CITY_ID, PROVIDER_ID, Client, add_event

from matchmaker.db.events import Event
from matchmaker.services.container import Services

SignIn = Callable[[str], str]


def test_an_unknown_stored_zone_reads_in_utc(client: Client, sign_in: SignIn, services: Services) -> None:
    add_event(client, "ws1", [CITY_ID, PROVIDER_ID], timezone="Europe/Istanbul")
    services.planner.generate("ws1", score=lambda _a, _b: 0.5, time_limit=5)
    services.planner.publish("ws1")
    with services.database.unit_of_work() as session:
        row = session.get(Event, "ws1")
        assert row is not None
        row.timezone = "Mars/Olympus_Mons"
        session.add(row)

    sign_in("city")
    for path in ("/me/agenda", "/me/agenda/ws1/agenda", "/me/agenda/ws1/calendar", "/me/agenda/ws1/pdf"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
    assert "UTC" in client.get("/me/agenda").text


def test_the_settings_tab_of_an_event_with_an_unknown_stored_zone_and_a_deadline(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    deadline = datetime(2038, 4, 1, 15, 0, tzinfo=UTC)
    add_event(client, "ws1", [CITY_ID, PROVIDER_ID], timezone="Europe/Istanbul", request_deadline=deadline)
    with services.database.unit_of_work() as session:
        row = session.get(Event, "ws1")
        assert row is not None
        row.timezone = "Mars/Olympus_Mons"
        session.add(row)

    sign_in("staff")
    r = client.get("/events/ws1/edit")
    assert r.status_code == 200, r.text[:500]
    # The deadline is shown in UTC, marked so, so that saving the form with a zone fixed keeps it.
    assert 'value="2038-04-01T15:00Z"' in r.text
    form = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', r.text))
    saved = client.post("/events/ws1/edit", data={**form, "timezone": "Europe/Istanbul", "table_labels": ""})
    assert saved.status_code == 200, saved.text[:500]
    with services.database.unit_of_work() as session:
        row = session.get(Event, "ws1")
        assert row is not None
        assert row.timezone == "Europe/Istanbul"
        assert row.request_deadline == deadline
