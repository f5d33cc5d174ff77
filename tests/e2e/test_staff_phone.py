"""Staff pages with wide tables fit a phone: the tables scroll inside the page, the page does not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from e2e_support import PHONE, PUBLISHED_EVENT, no_horizontal_scroll
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_users_and_event_participants_fit_a_phone(
    page: Page, sign_in: Callable[[str], None], shoot: Callable[[str], None]
) -> None:
    sign_in("staff")
    for path, name in (("/users", "phone-users"), (f"/events/{PUBLISHED_EVENT}", "phone-event-participants")):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert no_horizontal_scroll(page), f"{path} scrolls sideways on a phone"
        shoot(name)
