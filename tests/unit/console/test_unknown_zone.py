"""An event whose stored time zone this system does not know (a database restored on a machine with
older time-zone data) is shown in UTC, and says so, on the participant's pages and documents: never a
500."""

from __future__ import annotations

from collections.abc import Callable

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
