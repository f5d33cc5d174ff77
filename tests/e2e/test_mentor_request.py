"""City-to-city experience sharing in the browser: Kukës asks its mentor city Ferizaj for a meeting,
Ferizaj accepts, staff plan and publish, and both agendas say why the two cities meet."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from e2e_support import CITY_ID, LiveServer
from playwright.sync_api import Page, expect

from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn
from services_support import add_user, services_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

EVENT = "e2e-c2c"
EVENT_NAME = "Prizren city-to-city exchange"
#: Ferizaj's case study on street addresses answers a need of Kukës in the demo corpus.
MENTOR_ID = "ferizaj"
WHY = "Ferizaj has a case study on a similar problem"


def _seed(live_server: LiveServer) -> str:
    """An event of three cities and a provider, and a focal-point token of the mentor city."""
    with services_for(live_server.settings) as services:
        token = add_user(services, "city", MENTOR_ID).token
        with services.database.unit_of_work() as session:
            catalog = services.events(session).catalog
            catalog.create(
                EventCreate(
                    id=EVENT,
                    name=EVENT_NAME,
                    tables=2,
                    timezone="Europe/Belgrade",
                    slots=[
                        SlotIn(
                            start=datetime.fromisoformat(f"2038-06-08T{h}:00"),
                            end=datetime.fromisoformat(f"2038-06-08T{h}:25"),
                        )
                        for h in ("10", "11")
                    ],
                )
            )
            people = (CITY_ID, MENTOR_ID, "shkoder", "prov-balkan-esco")
            catalog.add_participants(EVENT, [ParticipantIn(id=p) for p in people])
    return token


def _sign_in_with(page: Page, token: str) -> None:
    page.context.clear_cookies()
    page.goto("/signin")
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/signin" not in page.url


def test_a_city_asks_its_mentor_city_and_both_agendas_say_why(
    page: Page, live_server: LiveServer, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    mentor_token = _seed(live_server)

    # Kukës sees its mentor and comparable cities beside the providers, each with the matcher's reason.
    sign_in("city")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meeting requests").click()
    event = page.locator(f'section[data-event="{EVENT}"]')
    expect(event.get_by_role("heading", name=EVENT_NAME)).to_be_visible()
    expect(event.get_by_role("heading", name="Learn from another city")).to_be_visible()
    providers = event.locator(".contacts:not(.city-contacts)")
    expect(providers.locator('.suggestion[data-id="prov-balkan-esco"]')).to_be_visible()
    cities = event.locator(".city-contacts")
    expect(cities.locator('.suggestion[data-id="shkoder"]')).to_be_visible()
    mentor = cities.locator(f'.suggestion[data-id="{MENTOR_ID}"]')
    expect(mentor.locator(".pill-mentor")).to_have_text("mentor")
    expect(mentor.locator(".reason")).to_contain_text(WHY)
    expect(mentor.locator(".reason")).to_contain_text("giving every house an address")
    shoot("city-mentor-suggestion")
    mentor.get_by_role("textbox").fill("How did you name the streets? Si i emërtuat rrugët?")
    mentor.get_by_role("button", name="Ask Ferizaj for a meeting").click()
    expect(page.get_by_role("status")).to_contain_text("Your request was sent.")
    sent = event.locator(f'table.requests tr[data-with="{MENTOR_ID}"]')
    expect(sent).to_contain_text("pending")
    expect(sent).to_contain_text(WHY)
    expect(cities.locator(f'.suggestion[data-id="{MENTOR_ID}"]')).to_have_count(0)

    # Ferizaj's focal point reads who asks and why, and accepts.
    _sign_in_with(page, mentor_token)
    page.goto("/me/requests")
    received = page.locator(f'section[data-event="{EVENT}"] table.requests tr[data-with="{CITY_ID}"]')
    expect(received).to_contain_text("received")
    expect(received).to_contain_text(WHY)
    expect(received).to_contain_text("Si i emërtuat rrugët?")
    shoot("mentor-city-request-received")
    received.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.get_by_role("status")).to_contain_text("Your answer was saved.")
    expect(received).to_contain_text("accepted")

    # Staff see the city-to-city request, plan and publish.
    page.context.clear_cookies()
    sign_in("staff")
    page.goto(f"/events/{EVENT}/requests")
    row = page.locator("#requests tbody tr").filter(has_text="Ferizaj")
    expect(row).to_contain_text("city to city")
    expect(row).to_contain_text("accepted")
    expect(row).to_contain_text(WHY)
    page.get_by_role("link", name="Schedule").click()
    page.get_by_role("button", name="Generate schedule").click()
    expect(page.locator("#generate-report")).to_contain_text("meetings")
    grid = page.locator("#schedule-grid")
    expect(grid).to_contain_text("Ferizaj")
    page.get_by_role("button", name="Publish to participants").click()
    expect(page.locator("#publish-report")).to_contain_text("Version 1")
    shoot("staff-city-meeting-published")

    # Both cities' agendas hold the meeting with the reason.
    for token, other in ((live_server.tokens["city"], "Ferizaj"), (mentor_token, "Kukës")):
        _sign_in_with(page, token)
        page.goto("/me/agenda")
        agenda = page.locator(f'section.agenda[data-event="{EVENT}"]')
        meeting = agenda.locator("tbody tr").filter(has_text=other)
        expect(meeting).to_have_count(1)
        expect(meeting).to_contain_text(WHY)
        shoot(f"city-agenda-with-{'mentor' if other == 'Ferizaj' else 'mentee'}")
