"""A participant gets a calendar address to subscribe to from its agenda page, as the API gives one:
shown once, working without signing in, and stopped by a new one or on request."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from console_support import CITY_ID, PROVIDER_ID, Client, add_event, app_services, signer
from litestar.testing import TestClient

from matchmaker.services.container import Services
from matchmaker.settings import Settings
from matchmaker.web import create_app

SignIn = Callable[[str], str]


def _published_event(client: Client, event_id: str) -> None:
    add_event(client, event_id, [CITY_ID, PROVIDER_ID], timezone="Europe/Istanbul")
    services = app_services(client)
    services.planner.generate(event_id, score=lambda _a, _b: 0.5, time_limit=5)
    services.planner.publish(event_id)


def _address(page: str) -> str:
    found = re.search(r'class="feed-url"[^>]*value="([^"]+)"', page)
    assert found, "no calendar address on the page"
    return html.unescape(found.group(1))


def test_a_participant_subscribes_from_its_agenda_and_can_stop_the_address(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    _published_event(client, "ws1")
    sign_in("city")
    agenda = client.get("/me/agenda")
    assert 'action="/me/agenda/ws1/feed"' in agenda.text
    assert 'class="feed-url"' not in agenda.text

    issued = client.post("/me/agenda/ws1/feed", follow_redirects=False)
    assert issued.status_code == 200, issued.text
    assert "shown only once" in issued.text
    first = _address(issued.text)
    assert first.startswith("http")
    path = first.split("//", 1)[1].split("/", 1)[1]
    client.cookies.clear()  # a calendar app does not sign in
    feed = client.get(f"/{path}")
    assert feed.status_code == 200, feed.text
    assert "BEGIN:VCALENDAR" in feed.text
    assert "VEVENT" in feed.text
    # The page that showed it does not show it again.
    sign_in("city")
    assert first not in client.get("/me/agenda").text

    second = _address(client.post("/me/agenda/ws1/feed").text)
    assert second != first
    client.cookies.clear()
    assert client.get("/" + first.split("//", 1)[1].split("/", 1)[1]).status_code == 404
    sign_in("city")
    stopped = client.post("/me/agenda/ws1/feed/stop", follow_redirects=False)
    assert stopped.status_code == 303
    assert "no longer update" in client.get(stopped.headers["location"]).text
    client.cookies.clear()
    assert client.get("/" + second.split("//", 1)[1].split("/", 1)[1]).status_code == 404


def test_revoking_a_user_stops_the_addresses_it_made_on_its_agenda(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    """A focal point who left kept a working calendar address after staff revoked it on the Users
    page; its addresses now stop, and the one another user of the same city made keeps working."""
    _published_event(client, "ws1")
    _published_event(client, "ws2")
    leaving = sign_in("city")
    theirs = _path(_address(client.post("/me/agenda/ws1/feed").text))
    sign_in("city")  # a colleague at the same city
    kept = _path(_address(client.post("/me/agenda/ws2/feed").text))
    with services.database.unit_of_work() as session:
        user_id = services.users(session).authenticate(leaving).user_id

    sign_in("staff")
    assert client.post(f"/users/{user_id}/revoke").status_code == 200

    client.cookies.clear()
    assert client.get(theirs).status_code == 404
    assert client.get(kept).status_code == 200


def test_moving_a_user_to_another_city_stops_the_addresses_it_made_for_its_old_one(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    """A focal point whom staff moved to another city on the Users page kept reading its old city's
    calendar through the address it had made; that address now stops, and the one another user of
    the old city made keeps working."""
    _published_event(client, "ws1")
    _published_event(client, "ws2")
    moving = sign_in("city")
    theirs = _path(_address(client.post("/me/agenda/ws1/feed").text))
    sign_in("city")  # a colleague at the same city
    kept = _path(_address(client.post("/me/agenda/ws2/feed").text))
    with services.database.unit_of_work() as session:
        user_id = services.users(session).authenticate(moving).user_id

    sign_in("staff")
    moved = client.post(f"/users/{user_id}/entity", data={"subject": "kosovo-polje"})
    assert moved.status_code == 200, moved.text
    assert "the calendar addresses it made for the old one stopped" in moved.text

    client.cookies.clear()
    assert client.get(theirs).status_code == 404
    assert client.get(kept).status_code == 200


def _path(address: str) -> str:
    """The path of an address shown on the page (``/feeds/….ics``)."""
    return "/" + address.split("//", 1)[1].split("/", 1)[1]


def test_no_address_for_an_event_the_participant_is_not_in(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    sign_in("city")
    refused = client.post("/me/agenda/no-such-event/feed")
    assert refused.status_code == 404
    assert 'class="feed-url"' not in refused.text


def test_asking_for_an_address_before_publication_is_refused(client: Client, sign_in: SignIn) -> None:
    """Before the schedule was published, asking for a new address said "Your new calendar address is
    below" with none shown; it is now refused saying why (as the API and the command line refuse it)."""
    add_event(client, "ws2", [CITY_ID, PROVIDER_ID])
    sign_in("city")
    refused = client.post("/me/agenda/ws2/feed", follow_redirects=False)
    assert refused.status_code == 409, refused.text
    assert "is below" not in refused.text
    assert "once the schedule is published" in html.unescape(refused.text)


def test_the_address_starts_with_the_public_url_whatever_the_host_header(settings: Settings) -> None:
    """Behind a reverse proxy, or with a forged Host header, the address shown was built from the Host
    the request named; with MATCHMAKER_PUBLIC_URL set it starts with that address, as e-mail links do."""
    public = "https://matchmaker.example.org"
    services = Services.build(settings.model_copy(update={"public_url": public}))
    try:
        with TestClient(create_app(services=services), base_url="http://127.0.0.1:8000") as client:
            _published_event(client, "ws1")
            signer(client)("city")
            issued = client.post("/me/agenda/ws1/feed", headers={"Host": "evil.example"})
            assert issued.status_code == 200, issued.text
            address = _address(issued.text)
            assert address.startswith(public + "/feeds/"), address
            assert "evil.example" not in issued.text
    finally:
        services.close()
