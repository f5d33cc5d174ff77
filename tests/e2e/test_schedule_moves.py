"""Staff move a planned meeting from the schedule tab, with scripts (the form opens in the meeting's
cell) and without them (the meeting's link opens the form on a page of its own)."""

from __future__ import annotations

import re

import pytest
from e2e_support import PUBLISHED_EVENT, LiveServer
from playwright.sync_api import Browser, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_staff_move_a_meeting_and_unlock_it_without_scripts(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="en-GB")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto("/signin")
        page.get_by_label("Access token").fill(live_server.tokens["staff"])
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"/events/{PUBLISHED_EVENT}/schedule")
        # not the provider's meeting: the invitation test changes its availability for this event
        cell = page.locator("#schedule-grid td:not(.empty):not(.locked)").filter(has_not_text="Enerko").first
        slot, table = cell.get_attribute("data-slot"), cell.get_attribute("data-table")
        assert slot is not None
        assert table is not None
        cell.get_by_text("Move", exact=True).click()
        cell.get_by_role("link", name=re.compile("^Open the move form: ")).click()
        expect(page.get_by_role("heading", level=2)).to_contain_text("Move the meeting of")
        expect(page.get_by_label("Slot", exact=True)).to_have_value(slot)
        expect(page.get_by_label("Table", exact=True)).to_have_value(table)
        assert page.get_by_label("Table", exact=True).locator("option").count() == 3  # every table
        page.get_by_role("button", name=re.compile("^Move here: ")).click()
        expect(page.get_by_role("status").filter(has_text="Meeting moved and locked.")).to_be_visible()
        # Where it was, now locked; unlocked again, the event is as the other tests expect it.
        moved = page.locator(f'#schedule-grid td.locked[data-slot="{slot}"][data-table="{table}"]')
        moved.get_by_role("button", name=re.compile("^Unlock ")).click()
        expect(page.get_by_role("status").filter(has_text="Meeting unlocked")).to_be_visible()
        expect(page.locator("#schedule-grid td.locked")).to_have_count(0)
    finally:
        context.close()
