"""City focal points and providers in the browser: what each sees, what each may not see, and phones."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from e2e_support import (
    PAST_EVENT,
    PHONE,
    PUBLISHED_EVENT,
    LiveServer,
    focal_point_values,
    no_horizontal_scroll,
)
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

KUKES_EMAIL = "a.dushku@kukes-municipality.example.org"


def test_city_focal_point_journey(
    page: Page, live_server: LiveServer, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    sign_in("city")
    expect(page).to_have_url(f"{live_server.url}/cities/kukes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kukës")
    expect(page.locator("#focal-point")).to_contain_text(KUKES_EMAIL)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Dashboard")).to_have_count(0)
    expect(nav.get_by_role("link", name="Events")).to_have_count(0)
    expect(page.get_by_role("heading", name="Suggested providers")).to_be_visible()
    expect(page.get_by_role("heading", name="Useful case studies")).to_be_visible()
    shoot("city-own-page")

    # Another city: public profile only, nobody's contacts, no suggestions.
    page.goto("/cities/bihac")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bihać")
    expect(page.locator("#focal-point")).to_have_count(0)
    expect(page.get_by_role("heading", name="Suggested providers")).to_have_count(0)
    html = page.content()
    for value in focal_point_values():
        assert value not in html

    # Case studies are open to cities; staff pages are not.
    nav.get_by_role("link", name="Case studies").click()
    expect(page.locator(".record-title").first).to_be_visible()
    response = page.goto("/dashboard")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("Your role may not open this page")

    # The published agenda with downloads and a rating.
    page.goto("/me/agenda")
    agenda = page.locator(f'section.agenda[data-event="{PUBLISHED_EVENT}"]')
    expect(agenda.get_by_role("heading", name="Ankara Level 3 workshop")).to_be_visible()
    rows = agenda.locator("tbody tr")
    assert rows.count() >= 1
    shoot("city-agenda")
    # The meetings are next March: no rating form until the meeting has taken place, only when it opens
    # (a rating sent anyway is refused: see the console's route tests).
    expect(rows.first.get_by_role("combobox")).to_have_count(0)
    expect(rows.first.get_by_role("button", name="Save")).to_have_count(0)
    expect(rows.first.locator(".rating-opens")).to_contain_text("Rating opens when the meeting ends, on ")
    shoot("city-rating-not-yet")
    # Last year's meeting has taken place: its rating is accepted.
    past = page.locator(f'section.agenda[data-event="{PAST_EVENT}"]')
    past.locator("tbody tr").first.get_by_role("combobox").select_option("cooperation_possible")
    past.locator("tbody tr").first.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("your rating was saved")
    shoot("city-rating-accepted")
    with page.expect_download() as ics:
        agenda.get_by_role("link", name="add to calendar (.ics)").click()
    assert "BEGIN:VCALENDAR" in ics.value.path().read_text(encoding="utf-8")


def test_provider_journey_never_shows_a_focal_point(
    page: Page, live_server: LiveServer, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    sign_in("provider")
    expect(page).to_have_url(f"{live_server.url}/providers/prov-enerko-esco")
    suggestions = page.locator("#suggestions-cities")
    expect(suggestions.get_by_role("heading", name="Suggested municipalities")).to_be_visible()
    first = suggestions.locator(".suggestion").first
    first.get_by_text("Why this suggestion").click()
    expect(first.locator(".need-match").first).to_be_visible()
    shoot("provider-suggestions")
    seen = [page.content()]

    # Meeting requests: ask a municipality of the shared event, then see it pending.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meeting requests").click()
    event = page.locator(f'section[data-event="{PUBLISHED_EVENT}"]')
    expect(event.get_by_role("heading", name="Ankara Level 3 workshop")).to_be_visible()
    contact = event.locator(".contacts .suggestion").first
    contact.get_by_role("textbox").fill("Görüşmek isteriz — we would like to meet.")
    contact.get_by_role("button", name=re.compile("Ask .* for a meeting")).click()
    expect(page.get_by_role("status")).to_contain_text("Your request was sent.")
    expect(event.locator("table.requests")).to_contain_text("pending")
    expect(event.locator("table.requests")).to_contain_text("Görüşmek isteriz")
    seen.append(page.content())
    shoot("provider-requests")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My agenda").click()
    expect(page.locator(f'section.agenda[data-event="{PUBLISHED_EVENT}"]')).to_contain_text(
        "Ankara Level 3 workshop"
    )
    seen.append(page.content())
    for path in ("/cities", "/cities/kukes", "/cities/kosovo-polje", "/providers?country=TR"):
        page.goto(path)
        seen.append(page.content())
    for html in seen:
        for value in focal_point_values():
            assert value not in html, f"a focal-point value leaked to a provider on {path}"
        assert 'id="focal-point"' not in html

    for forbidden in (
        "/cases",
        "/dashboard",
        "/events",
        "/upload",
        f"/events/{PUBLISHED_EVENT}/calendar/kukes",
    ):
        response = page.goto(forbidden)
        assert response is not None
        assert response.status == 403, forbidden


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_pages_fit_a_phone(page: Page, sign_in: Callable[[str], None], shoot: Callable[[str], None]) -> None:
    sign_in("staff")
    for path, name in (
        ("/dashboard", "phone-dashboard"),
        ("/cities/tepebasi", "phone-city-tepebasi"),
        ("/providers", "phone-providers"),
        (f"/events/{PUBLISHED_EVENT}/schedule", "phone-event-grid"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert no_horizontal_scroll(page), f"{path} scrolls sideways on a phone"
        shoot(name)
    page.goto("/cities/tepebasi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tepebaşı")
    font = page.evaluate("() => getComputedStyle(document.querySelector('#summary p')).fontSize")
    assert float(str(font).removesuffix("px")) >= 14


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_a_participant_rates_and_answers_on_a_phone_without_scrolling_sideways(
    page: Page, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    sign_in("provider")
    page.goto("/me/agenda")
    past = page.locator(f'section[data-event="{PAST_EVENT}"]')
    rating = past.get_by_label(re.compile("How did the meeting with .* go"))
    expect(rating).to_be_visible()
    width = page.viewport_size["width"] if page.viewport_size else PHONE["width"]
    for control in (rating, past.get_by_role("button", name="Save")):
        box = control.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= width, f"the rating is off screen on a phone: {box}"
    box = rating.bounding_box()
    assert box is not None
    assert box["width"] >= width / 2, f"the rating's choices are squeezed into {box['width']:.0f}px"
    expect(past.get_by_text("How did it go?")).to_be_visible()
    sideways = (
        "() => [...document.querySelectorAll('.table-wrap')].some(w => w.scrollWidth > w.clientWidth + 1)"
    )
    assert page.evaluate(sideways) is False, "a table of the agenda scrolls sideways"
    assert no_horizontal_scroll(page)
    shoot("phone-my-agenda")
    page.goto("/me/requests")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meeting requests")
    assert page.evaluate(sideways) is False, "the table of requests scrolls sideways"
    assert no_horizontal_scroll(page)
