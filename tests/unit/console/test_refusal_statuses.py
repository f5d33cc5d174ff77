"""A refusal on a console page answers with the status the API gives for the same error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from console_support import PROVIDER_ID, Client, app_services

from matchmaker.db.models import utcnow
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn


def _refusal(html: str) -> str:
    return html.split('class="flash flash-error" role="alert">', 1)[1].split("</div>", 1)[0]


def test_the_users_page_answers_each_refusal_with_the_status_of_its_error(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    token = sign_in("staff")
    with services.database.unit_of_work() as session:
        users = services.users(session)
        me = users.authenticate(token).user_id
        for other in users.list_users():
            if other.role == "staff" and other.user_id != me:
                users.revoke_user(other.user_id)

    last = client.post(f"/users/{me}/revoke")
    assert last.status_code == 409, "a conflict with stored state, as in the API"
    assert "last staff user" in _refusal(last.text)

    no_address = client.post(f"/users/{me}/reinvite")
    assert no_address.status_code == 409, "the user's stored state refuses it, as in the API"
    assert f"User {me} has no e-mail address" in _refusal(no_address.text)

    unknown = client.post("/users/999999/reinvite")
    assert unknown.status_code == 404
    assert "999999" in _refusal(unknown.text)

    invalid = client.post("/users/invite", data={"role": "mayor", "email": "mayor@example.org"})
    assert invalid.status_code == 422
    assert "Role must be one of" in _refusal(invalid.text)


def test_the_self_service_pages_answer_invalid_input_as_the_api_does(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    start = utcnow() + timedelta(days=20)
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        catalog.create(
            EventCreate(
                id="ws1",
                name="Workshop",
                tables=1,
                slots=[SlotIn(start=start, end=start + timedelta(minutes=20))],
            )
        )
        catalog.add_participants("ws1", [ParticipantIn(id=PROVIDER_ID)])
    token = sign_in("provider")

    api = client.patch(
        f"/api/v1/providers/{PROVIDER_ID}",
        json={"languages": ["english"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    form = {"name": "Enerko", "description": "ESCO contracts.", "website": "", "languages": "english"}
    console = client.post("/me/profile", data={**form, "regions_served": ""})
    assert api.status_code == 422
    assert console.status_code == api.status_code
    assert "language" in _refusal(console.text).lower()

    not_a_number = client.post("/me/availability", data={"event": "ws1", "slot": "s1", "max_meetings": "six"})
    assert not_a_number.status_code == 422
    assert "whole number" in _refusal(not_a_number.text)

    unknown = client.post("/me/availability", data={"event": "atlantis-fair", "slot": "s1"})
    assert unknown.status_code == 404
