"""A participant's requests and agenda list its coming events first, the soonest first, then the
events that are over, the most recent first, whatever order they were created in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from console_support import CITY_ID, PROVIDER_ID, Client, add_event, app_services

from matchmaker.db.models import utcnow

#: Created in this order, days from today: neither the creation order nor its reverse is the order
#: a participant looks for them in.
EVENTS = {"soon": 10, "long-ago": -400, "later": 90, "lately": -30}
EXPECTED = ["soon", "later", "lately", "long-ago"]


def _events(client: Client) -> None:
    services = app_services(client)
    today = utcnow().replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    for event_id, days in EVENTS.items():
        add_event(client, event_id, [CITY_ID, PROVIDER_ID], day=today + timedelta(days=days))
        services.planner.generate(event_id, score=lambda _a, _b: 0.5, time_limit=5)
        services.planner.publish(event_id)


def _order(html: str) -> list[str]:
    return re.findall(r'<section[^>]*data-event="([^"]+)"', html)


def test_coming_events_are_listed_first_then_past_ones_on_the_requests_and_agenda_pages(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    _events(client)
    sign_in("city")
    requests = client.get("/me/requests")
    assert requests.status_code == 200
    assert _order(requests.text) == EXPECTED
    agenda = client.get("/me/agenda")
    assert agenda.status_code == 200
    assert _order(agenda.text) == EXPECTED
