"""City-to-city requests over HTTP: a city reads its mentor and comparable cities, asks one, the other
city answers, and the planned meeting reaches both agendas with the matcher's reason."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from web_support import CITY_ID, OTHER_CITY_ID, PROVIDER_ID, Tokens

BASE = "/api/v1/events"
MENTOR_ID = "ferizaj"  # its case study on street addresses answers a need of Kukës in the demo corpus
EVENT = {
    "id": "c2c",
    "name": "City-to-city exchange",
    "timezone": "Europe/Tirane",
    "tables": 2,
    "slots": [{"start": f"2038-05-04T{9 + k:02d}:00", "end": f"2038-05-04T{9 + k:02d}:20"} for k in range(3)],
}


def _problem(response: Any, status: int, text: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert text in response.json()["detail"]


def test_a_city_asks_a_comparable_city_which_accepts_and_both_agendas_say_why(
    api: TestClient[Any], tokens: Tokens
) -> None:
    staff, city, other = tokens.of("staff"), tokens.of("city"), tokens.of("other_city")
    assert api.post(BASE, json=EVENT, headers=staff).status_code == 201
    people = [{"id": p} for p in (CITY_ID, OTHER_CITY_ID, MENTOR_ID, PROVIDER_ID)]
    assert api.post(f"{BASE}/c2c/participants", json=people, headers=staff).status_code == 200

    contacts = api.get(f"{BASE}/c2c/contacts", headers=city)
    assert contacts.status_code == 200, contacts.text
    by_id = {c["id"]: c for c in contacts.json()}
    assert set(by_id) == {OTHER_CITY_ID, MENTOR_ID, PROVIDER_ID}
    assert by_id[MENTOR_ID]["relation"] == "mentor"
    assert by_id[MENTOR_ID]["reason"].startswith("Ferizaj has a case study on a similar problem")
    assert by_id[OTHER_CITY_ID]["relation"] == "comparable"
    assert by_id[PROVIDER_ID]["relation"] is None
    assert all(CITY_ID not in (c["reason"] or "") for c in by_id.values()), "names, not ids"
    assert api.get(f"{BASE}/c2c/contacts?participant={OTHER_CITY_ID}", headers=city).status_code == 403
    assert api.get(f"{BASE}/c2c/contacts", headers=staff).status_code == 400, "staff name the participant"
    staff_view = api.get(f"{BASE}/c2c/contacts?participant={OTHER_CITY_ID}", headers=staff)
    assert CITY_ID in {c["id"] for c in staff_view.json()}

    sent = api.post(f"{BASE}/c2c/requests", json={"recipient": OTHER_CITY_ID}, headers=city)
    assert sent.status_code == 201, sent.text
    req = sent.json()
    assert (req["sender"], req["recipient"], req["status"]) == (CITY_ID, OTHER_CITY_ID, "pending")
    assert req["reason"] == by_id[OTHER_CITY_ID]["reason"]
    asked = f"already asked {by_id[OTHER_CITY_ID]['name']} for a meeting at City-to-city exchange"
    _problem(
        api.post(f"{BASE}/c2c/requests", json={"recipient": OTHER_CITY_ID}, headers=city),
        409,
        f"{asked} (request {req['id']}, pending)",
    )
    _problem(
        api.post(f"{BASE}/c2c/requests", json={"recipient": CITY_ID}, headers=other),
        409,
        "answer that request instead",
    )
    _problem(api.post(f"{BASE}/c2c/requests", json={"recipient": CITY_ID}, headers=city), 422, "itself")
    _problem(
        api.post(f"{BASE}/c2c/requests", json={"recipient": "tepebasi"}, headers=city),
        422,
        "does not take part",
    )
    _problem(
        api.post(f"{BASE}/c2c/requests", json={"sender": CITY_ID, "recipient": CITY_ID}, headers=staff),
        422,
        "two different participants",
    )

    received = api.get(f"{BASE}/c2c/requests", headers=other).json()
    assert [(r["sender"], r["reason"]) for r in received] == [(CITY_ID, req["reason"])]
    answered = api.post(f"{BASE}/c2c/requests/{req['id']}/answer", json={"answer": "accepted"}, headers=other)
    assert answered.status_code == 200, answered.text

    assert api.post(f"{BASE}/c2c/schedule/generate", json={"time_limit": 5}, headers=staff).status_code == 200
    assert api.post(f"{BASE}/c2c/schedule/publish", headers=staff).status_code == 200
    for pid, headers, with_id in ((CITY_ID, city, OTHER_CITY_ID), (OTHER_CITY_ID, other, CITY_ID)):
        agenda = api.get(f"{BASE}/c2c/agenda/{pid}", headers=headers).json()
        item = next(m for m in agenda["meetings"] if m["with_id"] == with_id)
        assert item["with_side"] == "city"
        assert item["reason"] == req["reason"]


def test_a_meeting_with_a_mentor_nobody_asked_for_says_in_the_agenda_that_it_is_the_mentor(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """Staff plan Kukës and its mentor Ferizaj together without a request: Kukës's agenda gave the
    reason as Ferizaj saw Kukës ("Ferizaj and Kukës share: …"), hiding the case study the meeting is
    for; it now says what the suggestions and a request say, from the side that learns."""
    staff, city = tokens.of("staff"), tokens.of("city")
    event = {**EVENT, "id": "mentoring", "name": "Mentoring session", "slots": EVENT["slots"][:1]}
    assert api.post(BASE, json=event, headers=staff).status_code == 201
    people = [{"id": p} for p in (CITY_ID, MENTOR_ID)]
    assert api.post(f"{BASE}/mentoring/participants", json=people, headers=staff).status_code == 200
    suggested = {c["id"]: c for c in api.get(f"{BASE}/mentoring/contacts", headers=city).json()}
    assert suggested[MENTOR_ID]["relation"] == "mentor"

    planned = api.post(f"{BASE}/mentoring/schedule/generate", json={"time_limit": 5}, headers=staff)
    assert planned.status_code == 200, planned.text
    assert api.post(f"{BASE}/mentoring/schedule/publish", headers=staff).status_code == 200
    agenda = api.get(f"{BASE}/mentoring/agenda/{CITY_ID}", headers=city).json()
    [meeting] = agenda["meetings"]
    assert meeting["with_id"] == MENTOR_ID
    assert meeting["reason"] == suggested[MENTOR_ID]["reason"]
    assert meeting["reason"].startswith("Ferizaj has a case study on a similar problem")
