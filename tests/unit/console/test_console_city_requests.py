"""Meeting requests in the console: a city asks a mentor city from its requests page, the other city
answers, and the staff form never defaults both parties to the same participant."""

from __future__ import annotations

import re
from collections.abc import Callable

from console_support import CITY_ID, PROVIDER_ID, Client, add_event, app_services

from services_support import add_user

MENTOR_ID = "ferizaj"  # its case study on street addresses answers a need of Kukës in the demo corpus
EVENT_ID = "c2c"


def _event(client: Client) -> None:
    add_event(client, EVENT_ID, (CITY_ID, MENTOR_ID, "shkoder", PROVIDER_ID), timezone="Europe/Tirane")


def _form(page: str, form_id: str) -> str:
    match = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S)
    assert match is not None, f"no form {form_id}"
    return match.group(0)


def _sign_in_as(client: Client, role: str, subject: str) -> None:
    token = add_user(app_services(client), role, subject).token
    client.cookies.clear()
    assert client.post("/signin", data={"token": token}, follow_redirects=False).status_code == 303


def test_the_staff_request_form_has_no_party_chosen_and_refuses_the_same_twice(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    _event(client)
    sign_in("staff")
    page = client.get(f"/events/{EVENT_ID}/requests").text
    for form_id, fields in (("new-request", ("sender", "recipient")), ("new-rule", ("a", "b"))):
        form = _form(page, form_id)
        for name in fields:
            select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', form, re.S)
            assert select is not None
            selected = re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(1))
            assert selected == [""], f"{form_id} {name} preselects {selected}"
            assert "required" in select.group(0)

    same = client.post(f"/events/{EVENT_ID}/requests", data={"sender": CITY_ID, "recipient": CITY_ID})
    assert same.status_code == 422
    assert "two different participants" in same.text
    assert "cannot be paired with itself" in same.text
    again = _form(same.text, "new-request")
    assert f'<option value="{CITY_ID}" selected>' in again, "the refused choice is shown again"
    missing = client.post(f"/events/{EVENT_ID}/requests", data={"sender": CITY_ID, "recipient": ""})
    assert missing.status_code == 422
    assert "Choose who asks for the meeting" in missing.text
    same_pair = {"a": MENTOR_ID, "b": MENTOR_ID, "kind": "must_meet"}
    rule = client.post(f"/events/{EVENT_ID}/rules", data=same_pair)
    assert rule.status_code == 422
    assert "two different participants" in rule.text

    done = client.post(
        f"/events/{EVENT_ID}/requests",
        data={"sender": CITY_ID, "recipient": MENTOR_ID, "message": "By e-mail"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    listing = client.get(done.headers["location"]).text
    assert "city to city" in listing
    assert "Ferizaj has a case study on a similar problem" in listing
    twice = client.post(f"/events/{EVENT_ID}/requests", data={"sender": MENTOR_ID, "recipient": CITY_ID})
    assert twice.status_code == 409
    assert "answer that request instead" in twice.text


def test_a_city_asks_its_mentor_city_which_accepts(client: Client, sign_in: Callable[[str], str]) -> None:
    _event(client)
    sign_in("city")
    page = client.get("/me/requests").text
    assert "Learn from another city" in page
    peers = re.search(r'<ul class="suggestion-list contacts city-contacts">.*?</ul>', page, re.S)
    assert peers is not None
    mentor = re.search(rf'<li class="suggestion" data-id="{MENTOR_ID}">.*?</li>', peers.group(0), re.S)
    assert mentor is not None, "the mentor city is offered"
    assert "pill-mentor" in mentor.group(0)
    assert "Ferizaj has a case study on a similar problem" in mentor.group(0)
    assert 'data-id="shkoder"' in peers.group(0)
    assert f'data-id="{PROVIDER_ID}"' not in peers.group(0), "providers are offered apart"
    assert f'data-id="{PROVIDER_ID}"' in page

    itself = client.post("/me/requests", data={"event": EVENT_ID, "recipient": CITY_ID})
    assert itself.status_code == 422
    assert "cannot be paired with itself" in itself.text
    sent = client.post(
        "/me/requests",
        data={"event": EVENT_ID, "recipient": MENTOR_ID, "message": "How did you name the streets?"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    page = client.get("/me/requests").text
    assert f'<li class="suggestion" data-id="{MENTOR_ID}">' not in page, "asked once, no longer offered"
    row = re.search(rf'<tr data-with="{MENTOR_ID}">.*?</tr>', page, re.S)
    assert row is not None
    assert "pending" in row.group(0)
    assert "Ferizaj has a case study on a similar problem" in row.group(0)

    _sign_in_as(client, "city", MENTOR_ID)
    page = client.get("/me/requests").text
    row = re.search(rf'<tr data-with="{CITY_ID}">.*?</tr>', page, re.S)
    assert row is not None
    assert "received" in row.group(0)
    assert "Ferizaj has a case study on a similar problem" in row.group(0), "the other side reads why"
    assert "How did you name the streets?" in row.group(0)
    request_id = re.search(r'name="request" value="(\d+)"', row.group(0))
    assert request_id is not None
    answer = {"event": EVENT_ID, "request": request_id.group(1), "answer": "accepted"}
    assert client.post("/me/requests/answer", data=answer, follow_redirects=False).status_code == 303
    assert "accepted" in client.get("/me/requests").text


def test_the_participants_to_choose_from_are_listed_by_name(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    _event(client)
    sign_in("staff")
    form = _form(client.get(f"/events/{EVENT_ID}/requests").text, "new-request")
    select = re.search(r'<select[^>]*name="sender"[^>]*>(.*?)</select>', form, re.S)
    assert select is not None
    names = [
        n.split(" (")[0] for n in re.findall(r'<option value="[^"]+"[^>]*>([^<]*)</option>', select.group(1))
    ]
    assert len(names) == 4
    assert names == sorted(names, key=str.lower)


def test_a_message_over_the_limit_is_refused_with_the_limit_named_not_cut(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    _event(client)
    sign_in("city")
    long = "We would like to hear how the streets were named. " * 41  # 2,091 characters
    refused = client.post("/me/requests", data={"event": EVENT_ID, "recipient": MENTOR_ID, "message": long})
    assert refused.status_code == 422, refused.text
    assert "2000 characters" in refused.text
    with app_services(client).database.unit_of_work() as session:
        assert not app_services(client).events(session).requests.list(EVENT_ID, participant=MENTOR_ID)


def test_a_multi_line_message_keeps_its_line_breaks_as_typed(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """Browsers send a textarea's line breaks as CRLF; the message is stored as it was typed."""
    _event(client)
    sign_in("city")
    sent = client.post(
        "/me/requests",
        data={
            "event": EVENT_ID,
            "recipient": MENTOR_ID,
            "message": "Two questions:\r\n1. names\r\n2. numbers",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    with app_services(client).database.unit_of_work() as session:
        [request] = app_services(client).events(session).requests.list(EVENT_ID, participant=MENTOR_ID)
    assert request.message == "Two questions:\n1. names\n2. numbers"
