"""Where the console sends people after signing in: only ever a path on this site."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from console_support import CITY_ID, Client, app_services, changed, form_of, post_form
from sqlmodel import select

from matchmaker.db.accounts import WebSession
from matchmaker.db.models import utcnow
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


def test_a_session_that_stopped_working_says_why_on_the_sign_in_page(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """A focal point whose session ended (staff moved or revoked the user, or gave it a new token) or
    expired was sent to the sign-in form with no word of why; the reason was known and dropped. The
    form now says it, in one of a few fixed sentences (the address names which, never the text)."""
    services = app_services(client)
    token = sign_in("city")
    assert client.get(f"/cities/{CITY_ID}").status_code == 200
    with services.database.unit_of_work() as session:
        user = services.users(session).authenticate(token).user_id
        services.accounts(session).rotate_token(user)
    sent = client.get(f"/cities/{CITY_ID}", follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/signin?next=/cities/{CITY_ID}&why=ended"
    page = client.get(sent.headers["location"]).text
    assert "Your session has ended" in page

    sign_in("city")
    with services.database.unit_of_work() as session:
        for row in session.exec(select(WebSession)):
            row.expires_at = utcnow() - timedelta(minutes=1)
            session.add(row)
    sent = client.get(f"/cities/{CITY_ID}", follow_redirects=False)
    assert sent.headers["location"] == f"/signin?next=/cities/{CITY_ID}&why=expired"
    assert "Your session has expired" in client.get(sent.headers["location"]).text

    # Signed out on purpose, or never signed in: the form as it was.
    client.cookies.clear()
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/signin?next=/dashboard"
    assert 'id="signin-notice"' not in client.get("/signin?why=anything").text
