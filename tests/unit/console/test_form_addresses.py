"""Opening the address a console form is sent to (a reload after sending it, a bookmark) leads a person
back to the page that holds the form; other methods a console address does not take get a console page.
The API's addresses keep their problem-details 405."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from console_support import CITY_ID, Client, add_event
from litestar.routes import HTTPRoute

SignIn = Callable[[str], str]


@pytest.mark.parametrize(
    ("address", "page"),
    [
        ("/events/ws1/generate", "/events/ws1/schedule"),
        ("/events/ws1/publish", "/events/ws1/schedule"),
        ("/events/ws1/participants", "/events/ws1"),
        ("/events/ws1/requests/answer", "/events/ws1/requests"),
        ("/users/7/revoke", "/users"),
        ("/users/invite", "/users"),
        ("/outbox/3/retry", "/users"),
        ("/indexes/rebuild", "/dashboard"),
        ("/me/feedback", "/me/agenda"),
        ("/me/requests/answer", "/me/requests"),
        ("/signout", "/"),
    ],
)
def test_opening_a_form_address_leads_back_to_the_page_of_the_form(
    ro_client: Client, ro_sign_in: SignIn, address: str, page: str
) -> None:
    ro_sign_in("staff")
    response = ro_client.get(address, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == page
    assert "problem+json" not in response.headers.get("content-type", "")


def test_a_reloaded_schedule_form_shows_the_schedule_and_changes_nothing(
    client: Client, sign_in: SignIn
) -> None:
    add_event(client, "ws1", [CITY_ID, "prov-enerko-esco"])
    sign_in("staff")
    response = client.get("/events/ws1/generate")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert str(response.url).endswith("/events/ws1/schedule")
    assert "Method not allowed" not in response.text
    # Opening /signout does not sign the person out: only the form does.
    assert client.get("/signout", follow_redirects=False).headers["location"] == "/"
    assert client.get("/events/ws1/schedule", follow_redirects=False).status_code == 200


def _console_form_addresses(client: Client) -> list[str]:
    """Every console address that receives a form and opens no page, with sample path values."""
    addresses = []
    for route in client.app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(("/api/", "/auth/", "/schema")):
            continue
        if "POST" not in route.methods or "GET" in route.methods:
            continue
        addresses.append(re.sub(r"\{\w+:str\}", "ws1", re.sub(r"\{\w+:int\}", "1", route.path)))
    return addresses


def test_no_console_form_address_answers_a_get_with_the_apis_json(
    ro_client: Client, ro_sign_in: SignIn
) -> None:
    addresses = _console_form_addresses(ro_client)
    assert "/events/ws1/lock" in addresses
    for role in ("staff", "city"):
        ro_sign_in(role)
        for address in addresses:
            response = ro_client.get(address, follow_redirects=False)
            assert response.status_code == 303, (role, address, response.text)
            page = ro_client.get(response.headers["location"], follow_redirects=False)
            assert page.status_code != 405, (role, address, response.headers["location"])
            assert page.headers["content-type"].startswith(("text/html", "text/plain")), (role, address)


def test_another_method_at_a_console_address_gets_a_console_page(
    ro_client: Client, ro_sign_in: SignIn
) -> None:
    ro_sign_in("staff")
    response = ro_client.put("/events")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "GET" in response.headers["allow"]
    assert "does not open a page" in response.text
    assert 'href="/"' in response.text


def test_the_api_keeps_its_problem_details_405(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    for method, path in (
        ("GET", "/api/v1/events/ws1/schedule/publish"),
        ("PUT", "/api/v1/cities"),
        ("GET", "/auth/session"),
    ):
        response = ro_client.request(method, path, follow_redirects=False)
        assert response.status_code == 405, (method, path)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 405


def test_an_address_no_page_serves_answers_a_browser_with_a_page_and_a_script_with_problem_details(
    ro_client: Client, ro_sign_in: SignIn
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for signed_in in (False, True):
        if signed_in:
            ro_sign_in("staff")
        page = ro_client.get("/evnets", headers=browser)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "There is no page at this address" in page.text
        assert 'href="/"' in page.text
        assert '"about:blank"' not in page.text
    for path, headers in (("/evnets", {"Accept": "*/*"}), ("/api/v1/citys", browser)):
        script = ro_client.get(path, headers=headers)
        assert script.status_code == 404, path
        assert script.headers["content-type"].startswith("application/problem+json"), path
        assert script.json()["status"] == 404


def _header(html: str) -> str:
    return html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]


def test_the_page_of_another_method_shows_the_signed_in_header(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("city")
    response = ro_client.delete("/me/profile")
    assert response.status_code == 405
    header = _header(response.text)
    assert "City focal point" in header
    assert "Kukës" in header, "the name of the city the user speaks for"
    assert 'href="/me/availability"' in header
    assert "Sign out" in header

    ro_sign_in("staff")
    header = _header(ro_client.put("/dashboard").text)
    assert "Ministry staff" in header
    assert 'href="/users"' in header

    ro_client.post("/signout")
    signed_out = ro_client.put("/dashboard")
    assert signed_out.status_code == 405
    assert "Sign out" not in _header(signed_out.text)


def test_the_page_of_another_method_is_shown_even_when_the_sign_in_cannot_be_checked(
    ro_client: Client, ro_sign_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database down (say) while a page of another method is answered: the page comes, signed out."""
    ro_sign_in("city")

    def database_down(*_: object) -> object:
        raise OSError("connection refused")

    monkeypatch.setattr("matchmaker.web.auth.principal_for", database_down)
    response = ro_client.delete("/me/profile")
    assert response.status_code == 405
    assert "does not open a page" in response.text
    assert "Sign out" not in _header(response.text)
