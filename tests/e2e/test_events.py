"""Staff plan a matchmaking event in the browser, from an empty form to the downloads."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from e2e_support import LiveServer
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_staff_plan_generate_adjust_publish_and_download(
    page: Page, live_server: LiveServer, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    sign_in("staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Events").click()
    form = page.locator("#new-event")
    form.get_by_label("Id").fill("e2e-izmir")
    form.get_by_label("Name").fill("İzmir smart-city matchmaking day")
    form.get_by_label("Date").fill("2038-04-06")
    form.get_by_label("First slot starts").fill("09:30")
    form.get_by_label("Number of slots").fill("5")
    form.get_by_label("Tables").fill("3")
    form.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("İzmir smart-city matchmaking day")
    expect(page.get_by_role("status")).to_contain_text("The event was created")

    # Cities first (from the full list), then providers from the suggestions for those cities.
    expect(page.locator("#all-cities")).to_be_visible()  # open while the event has no participants
    for name in ("Kukës", "Tepebaşı", "Ferizaj"):
        page.locator("#all-cities").get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Add the ticked participants").click()
    expect(page.locator("#participants tbody tr")).to_have_count(3)
    suggested = page.locator("#suggested-providers input[type=checkbox]")
    expect(suggested.first).to_be_visible()
    assert suggested.count() >= 3
    expect(page.locator("#suggested-providers")).to_contain_text("suggested for")
    for i in range(4):
        suggested.nth(i).check()
    page.get_by_role("button", name="Add the ticked participants").click()
    expect(page.locator("#participants tbody tr")).to_have_count(7)
    shoot("staff-event-participants")

    # A request and a must-meet pair.
    page.get_by_role("link", name="Requests and pair rules").click()
    request_form = page.locator("#new-request")
    provider_option = request_form.get_by_label("From").locator("option").nth(3).get_attribute("value")
    assert provider_option is not None
    request_form.get_by_label("From").select_option(provider_option)
    request_form.get_by_label("To").select_option("kukes")
    request_form.get_by_role("button", name="Record request").click()
    expect(page.locator("#requests")).to_contain_text("pending")
    page.locator("#requests").get_by_role("button", name="Accept").click()
    expect(page.locator("#requests")).to_contain_text("accepted")
    rule = page.locator("#new-rule")
    rule.get_by_label("Participant", exact=True).select_option("tepebasi")
    rule.get_by_label("Other participant").select_option(provider_option)
    rule.get_by_label("Rule").select_option("must_meet")
    rule.get_by_role("button", name="Save rule").click()
    expect(page.locator("#rules")).to_contain_text("must meet")

    # Generate, look at the grid, lock one meeting, move another, re-plan, publish.
    page.get_by_role("link", name="Schedule").click()
    page.get_by_role("button", name="Generate schedule").click()
    expect(page.locator("#generate-report")).to_contain_text("meetings")
    grid = page.locator("#schedule-grid")
    expect(grid.locator("tbody tr")).to_have_count(5)
    expect(grid.locator("thead th")).to_have_count(4)
    expect(grid).to_contain_text("Tepebaşı")
    shoot("staff-event-grid")
    grid.get_by_role("button", name=re.compile("^Lock ")).first.click()
    expect(page.get_by_role("status")).to_contain_text("Meeting locked")
    expect(grid.locator("td.locked")).to_have_count(1)
    empty = grid.locator("td.empty").first
    if empty.count():
        slot_row = empty.locator("xpath=..")
        slot_id = slot_row.locator("th small").inner_text()
        column = int(empty.evaluate("td => td.cellIndex"))
        cell = grid.locator("td:not(.locked):not(.empty)").first
        cell.get_by_text("Move", exact=True).click()
        cell.get_by_label("Slot").select_option(slot_id)
        cell.get_by_label("Table").select_option(str(column))
        cell.get_by_role("button", name="Move here").click()
        expect(page.get_by_role("status").or_(page.get_by_role("alert"))).to_be_visible()
        back = page.get_by_role("link", name="Back to the schedule")
        if back.count():  # a refused move shows its form again, with the reason
            back.click()
    page.get_by_role("button", name="Re-plan").click()
    expect(page.locator("#generate-report")).to_be_visible()
    expect(grid.locator("td.locked").first).to_be_visible()
    page.get_by_role("button", name="Publish to participants").click()
    expect(page.locator("#publish-report")).to_contain_text("Version 1")

    # Downloads: the organisers' CSV, one agenda and one calendar file.
    with page.expect_download() as csv_info:
        page.get_by_role("link", name="CSV of the published schedule").click()
    csv_text = csv_info.value.path().read_text(encoding="utf-8")
    assert csv_text.startswith("slot,")
    assert "Tepebaşı" in csv_text
    downloads = page.locator("#participant-downloads")
    with page.expect_download() as ics_info:
        downloads.get_by_role("row", name=re.compile("Kukës")).get_by_role(
            "link", name="calendar (.ics)"
        ).click()
    ics = ics_info.value.path().read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in ics
    assert "UID:" in ics
    downloads.get_by_role("row", name=re.compile("Kukës")).get_by_role("link", name="agenda (HTML)").click()
    expect(page.locator("body")).to_contain_text("Kukës")
    shoot("staff-event-agenda-kukes")

    # After publishing: one table fewer and a second day, from the Settings tab; the plan follows.
    page.goto("/events/e2e-izmir/edit")
    settings = page.locator("#edit-event")
    settings.get_by_label("Venue").fill("İzmir congress centre")
    settings.get_by_label("Days").fill("2038-04-06 2038-04-07")
    settings.get_by_label("Slots per day").fill("3")
    settings.get_by_label("Breaks").fill("10:20-11:00")
    settings.get_by_label("Number of tables").fill("2")
    settings.get_by_label("Table names (optional)").fill("Hall A\nhttps://meet.example.org/izmir")
    shoot("staff-event-settings")
    settings.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/events/e2e-izmir/schedule\?msg=edited-replanned$"))
    expect(page.get_by_role("status").first).to_contain_text("re-planned")
    expect(page.locator("#generate-report")).to_be_visible()
    expect(page.locator("#event-venue")).to_have_text("İzmir congress centre")
    grid = page.locator("#schedule-grid")
    expect(grid.locator("thead th")).to_have_count(3)
    expect(grid.locator("tbody tr")).to_have_count(6)
    expect(grid.locator("thead")).to_contain_text("https://meet.example.org/izmir")
    shoot("staff-event-edited")
    page.get_by_role("button", name="Publish changes (version 2)").click()
    expect(page.locator("#publish-report")).to_contain_text("Version 2")
    page.reload()  # post-redirect-get: a reload shows the page again and publishes nothing
    expect(page.get_by_role("button", name="Publish changes (version 3)")).to_be_visible()
