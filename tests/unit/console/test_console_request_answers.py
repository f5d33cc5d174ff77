"""A city focal point answers meeting requests on its requests page: it may say why it declines, the
sender reads that reason, and nobody answers a request addressed to someone else."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from console_support import CITY_ID, PROVIDER_ID, Client, add_event, app_services

from matchmaker.services.events.schemas import MAX_TEXT, RequestCreate, RequestPublic
from services_support import add_user

EVENT_ID = "fair"
OTHER_CITY_ID = "ferizaj"
REASON = "We have an energy service contract until 2029."


def _request(client: Client, sender: str = PROVIDER_ID, recipient: str = CITY_ID) -> RequestPublic:
    """The event with two cities and a provider, and a request from ``sender`` to ``recipient``."""
    add_event(client, EVENT_ID, (CITY_ID, OTHER_CITY_ID, PROVIDER_ID), timezone="Europe/Tirane")
    services = app_services(client)
    with services.database.unit_of_work() as session:
        data = RequestCreate(sender=sender, recipient=recipient, message="Street lighting?")
        return services.events(session).requests.create(EVENT_ID, data)


def _stored(client: Client) -> RequestPublic:
    services = app_services(client)
    with services.database.unit_of_work() as session:
        [request] = services.events(session).requests.list(EVENT_ID)
    return request


def _row(page: str, other: str) -> str:
    row = re.search(rf'<tr data-with="{other}">.*?</tr>', page, re.S)
    assert row is not None, f"no request with {other} on the page"
    return row.group(0)


def _flash(page: str) -> str:
    flash = r'<div(?: id="refusal")? class="flash[^"]*" role="(?:status|alert)">(.*?)</div>'
    found = re.search(flash, page, re.S)
    assert found is not None, "no message on the page"
    return html.unescape(found.group(1))


def _sign_in_as(client: Client, role: str, subject: str) -> None:
    token = add_user(app_services(client), role, subject).token
    client.cookies.clear()
    assert client.post("/signin", data={"token": token}, follow_redirects=False).status_code == 303


def test_a_city_declines_with_a_reason_that_the_provider_reads(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    request = _request(client)
    sign_in("city")
    row = _row(client.get("/me/requests").text, PROVIDER_ID)
    assert 'name="decline_reason"' in row, "the answer form asks why, when declining"
    assert f'maxlength="{MAX_TEXT}"' in row

    answer = {"event": EVENT_ID, "request": str(request.id), "answer": "declined", "decline_reason": REASON}
    done = client.post("/me/requests/answer", data=answer, follow_redirects=False)
    assert done.status_code == 303, done.text
    row = _row(client.get(done.headers["location"]).text, PROVIDER_ID)
    assert "declined" in row
    assert REASON in row
    assert _stored(client).decline_reason == REASON

    sign_in("provider")
    row = _row(client.get("/me/requests").text, CITY_ID)
    assert "declined" in row
    assert REASON in row, "the sender reads why"
    sign_in("staff")
    assert REASON in client.get(f"/events/{EVENT_ID}/requests").text


def test_a_reason_over_the_limit_is_refused_with_the_limit_named(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    request = _request(client)
    sign_in("city")
    answer = {
        "event": EVENT_ID,
        "request": str(request.id),
        "answer": "declined",
        "decline_reason": "We already have a contract. " * 72,  # 2,015 characters once stripped
    }
    refused = client.post("/me/requests/answer", data=answer)
    assert refused.status_code == 422, refused.text
    assert _flash(refused.text) == f"Decline reason: at most {MAX_TEXT} characters (2015 given)"
    stored = _stored(client)
    assert (stored.status, stored.decline_reason) == ("pending", None)


def test_nobody_but_its_recipient_answers_a_request(client: Client, sign_in: Callable[[str], str]) -> None:
    request = _request(client, sender=PROVIDER_ID, recipient=OTHER_CITY_ID)
    answer = {"event": EVENT_ID, "request": str(request.id), "answer": "declined"}
    sign_in("city")
    assert "<tr data-with=" not in client.get("/me/requests").text, "Kukës sees no request of others"
    refused = client.post("/me/requests/answer", data=answer)
    assert refused.status_code == 403, refused.text
    assert _flash(refused.text) == "Only the recipient of a request can answer it"
    sign_in("provider")
    refused = client.post("/me/requests/answer", data=answer)
    assert refused.status_code == 403, refused.text
    assert _stored(client).status == "pending"

    _sign_in_as(client, "city", OTHER_CITY_ID)
    assert client.post("/me/requests/answer", data=answer, follow_redirects=False).status_code == 303
    assert _stored(client).status == "declined"


def _answered(client: Client, request: RequestPublic, answer: str, reason: str = "") -> None:
    form = {"event": EVENT_ID, "request": str(request.id), "answer": answer, "decline_reason": reason}
    done = client.post("/me/requests/answer", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text


def _change_control(row: str) -> str | None:
    found = re.search(r'<details class="change-answer">.*?</details>', row, re.S)
    return found.group(0) if found else None


def test_a_city_changes_its_answer_until_the_schedule_is_published(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    request = _request(client)
    sign_in("city")
    _answered(client, request, "declined", REASON)
    change = _change_control(_row(client.get("/me/requests").text, PROVIDER_ID))
    assert change is not None, "an answered request offers to change the answer"
    assert "Change answer" in change
    assert 'value="accepted"' in change
    assert 'value="declined"' not in change, "only the other answer is offered"

    _answered(client, request, "accepted")
    row = _row(client.get("/me/requests").text, PROVIDER_ID)
    assert "pill-accepted" in row
    assert REASON not in row, "the reason for declining went with the decline"
    change = _change_control(row)
    assert change is not None
    assert 'value="declined"' in change
    assert 'name="decline_reason"' in change, "declining now may say why"
    _answered(client, request, "declined", "The budget was cut.")
    assert _stored(client).decline_reason == "The budget was cut."
    _answered(client, request, "accepted")

    services = app_services(client)
    services.planner.generate(EVENT_ID, score=lambda a, b: 0.9)
    services.planner.publish(EVENT_ID)
    row = _row(client.get("/me/requests").text, PROVIDER_ID)
    assert _change_control(row) is None, "no change is offered once the schedule is published"
    assert "ask the ministry&#39;s staff to change the meeting" in row
    form = {"event": EVENT_ID, "request": str(request.id), "answer": "declined"}
    refused = client.post("/me/requests/answer", data=form)
    assert refused.status_code == 409, refused.text
    assert "the schedule of Fair is published" in _flash(refused.text)
    assert _stored(client).status == "accepted"

    sign_in("provider")
    assert "pill-accepted" in _row(client.get("/me/requests").text, CITY_ID)


def _reason_control(row: str) -> str | None:
    found = re.search(r'<details class="change-reason">.*?</details>', row, re.S)
    return found.group(0) if found else None


def _post_reason(client: Client, control: str, reason: str) -> str:
    """Send the page's reason form with ``reason`` typed in; the page it leads back to."""
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', control))
    (answer,) = re.findall(r'<button type="submit" name="answer" value="(\w+)"', control)
    done = client.post(
        "/me/requests/answer",
        data={**fields, "answer": answer, "decline_reason": reason},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return client.get(done.headers["location"]).text


def test_a_city_changes_the_reason_it_declined_with_even_once_the_schedule_is_published(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    request = _request(client)
    sign_in("city")
    _answered(client, request, "declined", REASON)
    control = _reason_control(_row(client.get("/me/requests").text, PROVIDER_ID))
    assert control is not None, "a declined request offers to change the reason"
    assert f'value="{html.escape(REASON, quote=True)}"' in control, "the reason given is there to edit"
    page = _post_reason(client, control, "The council chose a public tender instead.")
    assert "Your answer was saved." in _flash(page)
    assert "The council chose a public tender instead." in _row(page, PROVIDER_ID)
    assert _stored(client).decline_reason == "The council chose a public tender instead."
    assert _stored(client).status == "declined"

    services = app_services(client)
    services.planner.generate(EVENT_ID, score=lambda a, b: 0.9)
    services.planner.publish(EVENT_ID)
    row = _row(client.get("/me/requests").text, PROVIDER_ID)
    assert _change_control(row) is None, "the answer itself is fixed once the schedule is published"
    control = _reason_control(row)
    assert control is not None, "the reason may still be said better, as the API allows"
    _post_reason(client, control, "")
    assert _stored(client).decline_reason is None
    assert _stored(client).status == "declined"

    sign_in("provider")
    row = _row(client.get("/me/requests").text, CITY_ID)
    assert "pill-declined" in row
    assert _reason_control(row) is None, "the sender does not change the recipient's reason"
