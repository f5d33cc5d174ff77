"""Signing in and out in a real browser, keyboard access, and pages that need a session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from e2e_support import PUBLISHED_EVENT, LiveServer
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_a_wrong_token_is_refused_and_the_right_one_signs_in(
    page: Page, live_server: LiveServer, shoot: Callable[[str], None]
) -> None:
    page.goto("/cities/kukes")
    expect(page).to_have_url(f"{live_server.url}/signin?next=/cities/kukes")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shoot("signin")
    page.get_by_label("Access token").fill("mm_wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not accepted")
    page.get_by_label("Access token").fill(live_server.tokens["staff"])
    page.get_by_label("Access token").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/cities/kukes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kukës")
    cookie = next(c for c in page.context.cookies() if c["name"] == "mm_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"


def test_sign_out_ends_the_session(
    page: Page, live_server: LiveServer, sign_in: Callable[[str], None]
) -> None:
    sign_in("staff")
    expect(page).to_have_url(f"{live_server.url}/dashboard")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/signin")
    page.goto("/dashboard")
    expect(page).to_have_url(f"{live_server.url}/signin?next=/dashboard")


def test_keyboard_reaches_the_skip_link_then_the_navigation(
    page: Page, sign_in: Callable[[str], None]
) -> None:
    sign_in("staff")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.goto("/dashboard")
    for _ in range(3):  # skip link, brand, then the first item of the main navigation
        page.keyboard.press("Tab")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cities")


UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map(el => el.outerHTML.slice(0, 120))"""


@pytest.mark.parametrize("role", ["staff", "city", "provider"])
def test_every_control_has_a_label_and_every_page_one_heading(
    page: Page, sign_in: Callable[[str], None], role: str
) -> None:
    paths = {
        "staff": [
            "/dashboard",
            "/cities",
            "/cases",
            "/upload",
            "/events",
            f"/events/{PUBLISHED_EVENT}",
            f"/events/{PUBLISHED_EVENT}/requests",
            f"/events/{PUBLISHED_EVENT}/schedule",
            "/cities/kukes",
        ],
        "city": ["/cities/kukes", "/me/requests", "/me/agenda", "/cases"],
        "provider": ["/providers/prov-enerko-esco", "/me/requests", "/me/agenda", "/providers"],
    }[role]
    sign_in(role)
    for path in paths:
        page.goto(path)
        assert page.evaluate("() => document.documentElement.lang") == "en"
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert page.evaluate(UNLABELLED) == [], path
