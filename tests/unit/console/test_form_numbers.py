"""A number field of a console form that holds digits Python cannot read as a number (a superscript
"²", which counts as a digit) is refused with the page shown again, never an error page."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from console_support import CITY_ID, PROVIDER_ID, Client, add_event

EVENT_ID = "numbers-day"


@pytest.mark.parametrize(
    ("path", "data", "reason"),
    [
        (
            f"/events/{EVENT_ID}/participants",
            {"ids": "osh", "max_meetings": "²"},
            "Maximum meetings each: '²' is not a whole number of 0 or more",
        ),
        (
            f"/events/{EVENT_ID}/requests/answer",
            {"request": "²", "answer": "accepted"},
            "choose accept or decline for a request",
        ),
        (
            f"/events/{EVENT_ID}/move",
            {"a": CITY_ID, "b": PROVIDER_ID, "slot": "s1", "table": "²"},
            "Table: '²' is not a whole number of 0 or more",
        ),
    ],
)
def test_a_superscript_digit_in_a_staff_form_is_refused(
    client: Client, sign_in: Callable[[str], str], path: str, data: dict[str, str], reason: str
) -> None:
    add_event(client, EVENT_ID, (CITY_ID, PROVIDER_ID), slots=1)
    sign_in("staff")
    r = client.post(path, data=data)
    assert r.status_code == 422, r.text
    assert reason[0].upper() + reason[1:] in html.unescape(r.text)
    participants = client.get(f"/api/v1/events/{EVENT_ID}/participants")
    assert "osh" not in {p["id"] for p in participants.json()}


def test_a_superscript_digit_in_a_participants_answer_is_refused(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    add_event(client, EVENT_ID, (CITY_ID, PROVIDER_ID), slots=1)
    sign_in("city")
    r = client.post("/me/requests/answer", data={"event": EVENT_ID, "request": "²", "answer": "accepted"})
    assert r.status_code == 422, r.text
    assert "Choose accept or decline for a request" in r.text


@pytest.mark.parametrize(
    ("page", "said"),
    [
        ("²", "must be a whole number such as 10 (got '²')"),
        ("¹²", "must be a whole number such as 10 (got '¹²')"),
        ("-1", "must be 1 or more (got -1)"),
        ("0", "must be 1 or more (got 0)"),
        ("x", "must be a whole number such as 10 (got 'x')"),
    ],
    ids=["2", "12", "-1", "0", "x"],
)
def test_a_page_number_that_is_no_number_is_refused_naming_the_page(
    ro_client: Client, ro_sign_in: Callable[[str], str], page: str, said: str
) -> None:
    ro_sign_in("staff")
    r = ro_client.get("/cities", params={"page": page})
    assert r.status_code == 400, r.text
    assert f"page: {said}" in html.unescape(r.text)


@pytest.mark.parametrize("path", ["/outbox/{id}/retry", "/users/{id}/revoke", "/users/{id}/entity"])
def test_a_row_id_no_database_can_hold_is_refused(
    ro_client: Client, ro_sign_in: Callable[[str], str], path: str
) -> None:
    """An id past what the database's integer ids hold answered 500 on the staff's account buttons."""
    ro_sign_in("staff")
    r = ro_client.post(path.format(id="99999999999999999999"), data={"entity": CITY_ID})
    assert r.status_code == 400, r.text
