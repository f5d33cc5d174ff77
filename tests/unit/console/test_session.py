"""Where the console sends people after signing in: only ever a path on this site."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from console_support import CITY_ID, Client, changed, form_of, post_form

from matchmaker.web.console.session import safe_next, signin_location


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "/"),
        ("", "/"),
        ("/cities?country=TR", "/cities?country=TR"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("cities", "/"),
    ],
)
def test_safe_next(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_signin_location_keeps_the_way_back() -> None:
    assert signin_location("/") == "/signin"
    assert signin_location("/cities/kukes") == "/signin?next=/cities/kukes"
    assert signin_location("https://evil.example") == "/signin"


def test_the_header_names_the_city_as_it_is_now_called(client: Client, sign_in: Callable[[str], str]) -> None:
    """A focal point who renames its city on *Edit profile* sees the new name in the header of the
    next page, as in the page's own title; it kept the old one for a minute."""
    sign_in("city")
    assert 'class="subject">Kukës<' in client.get(f"/cities/{CITY_ID}").text
    saved = post_form(client, "/me/profile", changed(form_of(client, "/me/profile"), name="Kukësi"))
    assert saved.status_code in (200, 303), saved.text
    page = client.get(f"/cities/{CITY_ID}").text
    assert '<h1 id="record-name">Kukësi' in page
    assert 'class="subject">Kukësi<' in page
