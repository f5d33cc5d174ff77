"""Failed console sign-ins from one client address are bounded: beyond
``MATCHMAKER_SIGNIN_FAILURES_PER_MINUTE`` the form answers 429 with ``Retry-After`` and checks no
token until the minute passes. Successful sign-ins are never counted."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from console_support import Client
from litestar.testing import TestClient

from matchmaker.services.container import Services
from matchmaker.settings import Settings
from matchmaker.web import create_app
from services_support import add_user, revoke_user

WRONG = {"token": "mm_not-a-token-anyone-holds"}


@pytest.fixture
def limited(settings: Settings) -> Iterator[tuple[Client, Services]]:
    """The app with at most three failed sign-ins per client address and minute."""
    services = Services.build(
        settings.model_copy(
            update={"signin_failures_per_minute": 3, "trust_proxy_headers": True, "trusted_proxies": "*"}
        )
    )
    try:
        with TestClient(create_app(services=services), base_url="http://127.0.0.1:8000") as client:
            yield client, services
    finally:
        services.close()


def test_after_too_many_failed_sign_ins_the_form_refuses_even_a_good_token_for_a_while(
    limited: tuple[Client, Services],
) -> None:
    """Anyone could try tokens at the console's sign-in form as fast as it answered; after three
    failures in a minute from one address the form now answers 429 saying when to try again, and
    checks no token (a good one neither) until then."""
    client, services = limited
    good = add_user(services, "staff").token
    for _ in range(3):
        assert client.post("/signin", data=WRONG, follow_redirects=False).status_code == 401
    refused = client.post("/signin", data={"token": good}, follow_redirects=False)
    assert refused.status_code == 429, refused.text
    wait = int(refused.headers["retry-after"])
    assert 1 <= wait <= 60
    said = html.unescape(refused.text)
    assert "Too many failed sign-ins from your address" in said
    assert f"try again in {wait} second" in said
    assert "mm_session" not in refused.headers.get("set-cookie", "")
    # Another client address keeps its own budget.
    other = client.post(
        "/signin", data={"token": good}, headers={"X-Forwarded-For": "198.51.100.7"}, follow_redirects=False
    )
    assert other.status_code == 303, other.text


def test_successful_sign_ins_are_never_counted(limited: tuple[Client, Services]) -> None:
    client, services = limited
    good = add_user(services, "city", "kukes").token
    assert client.post("/signin", data=WRONG, follow_redirects=False).status_code == 401
    for _ in range(6):
        client.cookies.clear()
        assert client.post("/signin", data={"token": good}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.post("/signin", data=WRONG, follow_redirects=False).status_code == 401
    assert client.post("/signin", data=WRONG, follow_redirects=False).status_code == 401
    assert client.post("/signin", data=WRONG, follow_redirects=False).status_code == 429


def test_an_address_named_by_the_client_itself_counts_only_behind_a_trusted_proxy(settings: Settings) -> None:
    """Without ``MATCHMAKER_TRUST_PROXY_HEADERS`` a client cannot escape the bound by naming another
    address in X-Forwarded-For."""
    services = Services.build(settings.model_copy(update={"signin_failures_per_minute": 2}))
    try:
        with TestClient(create_app(services=services), base_url="http://127.0.0.1:8000") as client:
            answers = [
                client.post("/signin", data=WRONG, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                for n in range(3)
            ]
    finally:
        services.close()
    assert answers == [401, 401, 429]


def test_a_token_that_signed_in_lately_is_let_through_a_lockout_of_its_address_and_still_checked(
    limited: tuple[Client, Services],
) -> None:
    """An office shares one address: one script sending an old token locked every colleague's script
    out for a minute, good tokens too. A token that signed someone in from this server in the last
    minutes is now checked even while its address is locked out; a guess, or a token not seen lately,
    still waits, and a token revoked since is refused."""
    client, services = limited
    office = {"X-Forwarded-For": "198.51.100.20"}
    colleague = add_user(services, "staff")
    newcomer = add_user(services, "staff").token
    me = "/api/v1/me"
    assert client.get(me, headers={**office, "Authorization": f"Bearer {colleague.token}"}).status_code == 200
    for _ in range(3):
        assert client.get(me, headers={**office, "Authorization": "Bearer mm_old"}).status_code == 401
    assert client.get(me, headers={**office, "Authorization": "Bearer mm_guess"}).status_code == 429
    assert client.get(me, headers={**office, "Authorization": f"Bearer {newcomer}"}).status_code == 429
    again = client.get(me, headers={**office, "Authorization": f"Bearer {colleague.token}"})
    assert again.status_code == 200, again.text
    form = client.post("/signin", data={"token": colleague.token}, headers=office, follow_redirects=False)
    assert form.status_code == 303, form.text
    client.cookies.clear()
    revoke_user(services, colleague.principal.user_id)
    assert client.get(me, headers={**office, "Authorization": f"Bearer {colleague.token}"}).status_code == 401
