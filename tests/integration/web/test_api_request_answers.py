"""Answering a meeting request over HTTP: only its recipient answers, a city may say why it declines,
and the sender reads that reason in its requests and in the e-mail telling it of the answer."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlmodel import select
from web_support import CITY_ID, OTHER_CITY_ID, OTHER_PROVIDER_ID, PROVIDER_ID, Tokens

from matchmaker.db.accounts import OutboxMessage
from matchmaker.services.events.schemas import MAX_TEXT
from matchmaker.settings import Settings
from services_support import services_for

BASE = "/api/v1/events/fair/requests"
EVENT = {
    "id": "fair",
    "name": "Level 3 fair",
    "timezone": "Europe/Istanbul",
    "tables": 2,
    "slots": [{"start": f"2038-05-04T{9 + k:02d}:00", "end": f"2038-05-04T{9 + k:02d}:20"} for k in range(2)],
}
REASON = "We have chosen a traffic system already; our budget for 2027 is spent."


def _fair(api: TestClient[Any], tokens: Tokens) -> dict[str, Any]:
    """The event with two cities and two providers, and a request from the provider to Kukës."""
    staff = tokens.of("staff")
    assert api.post("/api/v1/events", json=EVENT, headers=staff).status_code == 201
    people = [{"id": p} for p in (CITY_ID, OTHER_CITY_ID, PROVIDER_ID, OTHER_PROVIDER_ID)]
    assert api.post("/api/v1/events/fair/participants", json=people, headers=staff).status_code == 200
    sent = api.post(
        BASE,
        json={"recipient": CITY_ID, "message": "Can we show you our system?"},
        headers=tokens.of("provider"),
    )
    assert sent.status_code == 201, sent.text
    request: dict[str, Any] = sent.json()
    return request


def _problem(response: Any, status: int, *texts: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    for text in texts:
        assert text in response.json()["detail"], response.json()


def test_only_the_recipient_answers_a_request(api: TestClient[Any], tokens: Tokens) -> None:
    request = _fair(api, tokens)
    answer = f"{BASE}/{request['id']}/answer"
    for role in ("other_city", "provider", "other_provider"):
        _problem(
            api.post(answer, json={"answer": "declined"}, headers=tokens.of(role)),
            403,
            "only the recipient of a request can answer it",
        )
    [still] = api.get(BASE, headers=tokens.of("city")).json()
    assert still["status"] == "pending"


def test_a_city_declines_with_a_reason_the_sender_reads_and_is_mailed(
    api: TestClient[Any], tokens: Tokens, seeded_settings: Settings
) -> None:
    with services_for(seeded_settings) as services, services.database.unit_of_work() as session:
        services.accounts(session).invite("provider", "sales@kentiz.example", PROVIDER_ID)
    request = _fair(api, tokens)
    answer = f"{BASE}/{request['id']}/answer"
    declined = api.post(
        answer, json={"answer": "declined", "decline_reason": f"  {REASON} "}, headers=tokens.of("city")
    )
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["decline_reason"]) == ("declined", REASON)

    [seen] = api.get(BASE, headers=tokens.of("provider")).json()
    assert (seen["status"], seen["decline_reason"]) == ("declined", REASON)
    [staff_view] = api.get(BASE, headers=tokens.of("staff")).json()
    assert staff_view["decline_reason"] == REASON

    with services_for(seeded_settings) as services, services.database.unit_of_work() as session:
        [told] = [m for m in session.exec(select(OutboxMessage)) if m.kind == "request_answered"]
    assert told.to_address == "sales@kentiz.example"
    assert "declined" in told.subject
    assert REASON in told.body_text
    assert REASON.replace("'", "&#39;") in told.body_html

    accepted = api.post(answer, json={"answer": "accepted"}, headers=tokens.of("city"))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["decline_reason"] is None, "a reason for declining no longer applies"


def test_a_reason_over_the_limit_or_for_an_acceptance_is_refused(
    api: TestClient[Any], tokens: Tokens
) -> None:
    request = _fair(api, tokens)
    answer = f"{BASE}/{request['id']}/answer"
    city = tokens.of("city")
    too_long = "x" * (MAX_TEXT + 1)
    _problem(
        api.post(answer, json={"answer": "declined", "decline_reason": too_long}, headers=city),
        422,
        "decline_reason",
        str(MAX_TEXT),
    )
    _problem(
        api.post(answer, json={"answer": "accepted", "decline_reason": REASON}, headers=city),
        422,
        "decline_reason",
        "only when declining",
    )
    [still] = api.get(BASE, headers=city).json()
    assert (still["status"], still["decline_reason"]) == ("pending", None)
