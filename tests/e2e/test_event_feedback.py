"""Staff read an event's feedback and statistics in the browser: ratings per meeting and four charts
drawn on the server; a city focal point cannot open the page."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable

import pytest
from e2e_support import CITY_ID, PAST_EVENT, PROVIDER_ID, LiveServer
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _rate(server: LiveServer, rater: str, other: str, rating: str) -> None:
    """Record a rating of last year's meeting through the API, as staff."""
    body = json.dumps({"rater": rater, "other": other, "rating": rating}).encode()
    request = urllib.request.Request(
        f"{server.url}/api/v1/events/{PAST_EVENT}/feedback",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {server.tokens['staff']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def test_staff_see_ratings_and_statistics_charts(
    page: Page, live_server: LiveServer, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    _rate(live_server, CITY_ID, PROVIDER_ID, "cooperation_possible")
    _rate(live_server, PROVIDER_ID, CITY_ID, "informative")
    sign_in("staff")
    page.goto(f"/events/{PAST_EVENT}/schedule")
    page.get_by_role("navigation", name="Event sections").get_by_role("link", name="Feedback").click()
    expect(page.get_by_role("heading", name="Feedback and statistics")).to_be_visible()
    expect(page.locator("#feedback-summary")).to_contain_text("Ratings")

    charts = page.locator("#statistics svg.chart")
    expect(charts).to_have_count(4)
    for name in (
        "Meetings per participant",
        "Meeting requests by outcome",
        "Ratings",
        "Match score against rating",
    ):
        expect(page.get_by_role("img", name=name, exact=True)).to_be_visible()
    expect(page.locator("#chart-meetings rect.bar")).to_have_count(2)
    expect(page.locator("#chart-ratings rect.bar")).to_have_count(4)
    expect(page.locator("#chart-score-rating circle.point")).to_have_count(2)
    expect(page.locator("#chart-meetings")).to_contain_text("Kukës")

    table = page.locator("#meeting-feedback")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("cooperation possible")
    expect(table).to_contain_text("informative, no cooperation planned")
    expect(table).to_contain_text("held")
    shoot("staff-event-feedback")

    # The schedule tab offers the whole-event documents.
    page.get_by_role("link", name="Schedule").click()
    with page.expect_download() as booklet:
        page.get_by_role("link", name="Event booklet (PDF)").click()
    assert booklet.value.path().read_bytes().startswith(b"%PDF")
    with page.expect_download() as cards:
        page.get_by_role("link", name="Table cards (PDF)").click()
    assert cards.value.path().read_bytes().startswith(b"%PDF")


def test_a_city_cannot_open_the_statistics(page: Page, sign_in: Callable[[str], None]) -> None:
    sign_in("city")
    response = page.goto(f"/events/{PAST_EVENT}/feedback")
    assert response is not None
    assert response.status == 403
    expect(page.locator("#chart-meetings")).to_have_count(0)
