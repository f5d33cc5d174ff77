"""A city focal point answers a provider's request on a phone: it declines saying why, then changes its
mind and accepts, without the page scrolling sideways."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from e2e_support import CITY_ID, PHONE, LiveServer, no_horizontal_scroll
from playwright.sync_api import Page, expect

from matchmaker.services.events.schemas import EventCreate, ParticipantIn, RequestCreate, SlotIn
from services_support import services_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

EVENT = "e2e-answers"
PROVIDER = "prov-balkan-esco"
REASON = "Our lighting contract runs until 2029."


def _seed(live_server: LiveServer) -> None:
    """An event of Kukës and a provider, and the provider's request to Kukës."""
    with services_for(live_server.settings) as services, services.database.unit_of_work() as session:
        events = services.events(session)
        events.catalog.create(
            EventCreate(
                id=EVENT,
                name="Tirana lighting day",
                tables=1,
                timezone="Europe/Tirane",
                slots=[
                    SlotIn(
                        start=datetime.fromisoformat("2038-06-09T10:00"),
                        end=datetime.fromisoformat("2038-06-09T10:25"),
                    )
                ],
            )
        )
        events.catalog.add_participants(EVENT, [ParticipantIn(id=p) for p in (CITY_ID, PROVIDER)])
        events.requests.create(EVENT, RequestCreate(sender=PROVIDER, recipient=CITY_ID))


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_a_city_declines_with_a_reason_then_changes_its_answer_on_a_phone(
    page: Page, live_server: LiveServer, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    _seed(live_server)
    sign_in("city")
    page.goto("/me/requests")
    row = page.locator(f'section[data-event="{EVENT}"] table.requests tr[data-with="{PROVIDER}"]')
    expect(row).to_contain_text("pending")
    assert no_horizontal_scroll(page), "the answer form scrolls sideways on a phone"
    row.get_by_label("Why you decline the request").fill(REASON)
    row.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("status")).to_contain_text("Your answer was saved.")
    expect(row).to_contain_text("declined")
    expect(row).to_contain_text(REASON)
    shoot("city-declined-with-reason")

    row.get_by_text("Change answer").click()
    row.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text("Your answer was saved.")
    expect(row).to_contain_text("accepted")
    expect(row).not_to_contain_text(REASON)
    assert no_horizontal_scroll(page)
