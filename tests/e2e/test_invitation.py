"""A provider follows its invitation link, sets its availability, edits its profile and signs out."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from e2e_support import PROVIDER_ID, LiveServer
from playwright.sync_api import Page, expect

from services_support import services_for

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_an_invited_provider_serves_itself(page: Page, live_server: LiveServer) -> None:
    with services_for(live_server.settings) as services, services.database.unit_of_work() as session:
        link = services.accounts(session).invite("provider", "sales@enerko.example", PROVIDER_ID).link
    path = urlsplit(link).path

    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("main")).to_contain_text("the contact of")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/providers/{PROVIDER_ID}")
    session = next(c for c in page.context.cookies() if c["name"] == "mm_session")
    assert session["value"].startswith("ms_")
    assert session["httpOnly"] is True

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="My availability").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My availability")
    event = page.get_by_role("region", name="Ankara Level 3 workshop", exact=True)
    event.get_by_role("checkbox").first.uncheck()
    event.get_by_label("Most meetings you want").fill("2")
    event.get_by_role("button", name="Save availability").click()
    expect(page.get_by_role("status")).to_contain_text("Your availability was saved")
    event = page.get_by_role("region", name="Ankara Level 3 workshop", exact=True)
    expect(event.get_by_role("checkbox").first).not_to_be_checked()
    expect(event.get_by_label("Most meetings you want")).to_have_value("2")

    nav.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit profile")
    description = page.get_by_label("Description")
    description.fill(description.input_value() + " Street lighting retrofits paid from savings.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile was saved")
    expect(page.get_by_label("Description")).to_contain_text("Street lighting retrofits")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/signin")
    page.goto("/me/profile")
    expect(page).to_have_url(f"{live_server.url}/signin?next=/me/profile")

    page.goto(path)  # the link worked once
    expect(page.get_by_role("alert")).to_contain_text("already used")
