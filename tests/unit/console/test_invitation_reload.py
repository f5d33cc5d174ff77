"""Inviting from the users page is post/redirect/get: the form's POST queues the invitation once and
leads to the users page, which shows the new sign-in link once; reloading that page queues nothing."""

from __future__ import annotations

from collections.abc import Callable

from console_support import CITY_ID, PROVIDER_ID, Client, add_event, app_services
from sqlmodel import select

from matchmaker.db.accounts import Invitation, OutboxMessage


def _invitations(client: Client) -> tuple[int, int]:
    """(invitation links made, invitation messages queued)."""
    with app_services(client).database.unit_of_work() as session:
        links = len(session.exec(select(Invitation)).all())
        messages = [m for m in session.exec(select(OutboxMessage)) if m.kind == "invitation"]
    return links, len(messages)


def test_reloading_the_page_after_an_invitation_sends_nothing_again_and_shows_the_link_once(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("staff")
    posted = client.post(
        "/users/invite",
        data={"role": "provider", "subject": PROVIDER_ID, "email": "sales@enerko.example"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == "/users"
    assert _invitations(client) == (1, 1)

    shown = client.get("/users")  # where the browser goes
    assert shown.status_code == 200
    assert "Invitation queued for sales@enerko.example." in shown.text
    assert "Sign-in links just queued" in shown.text
    assert "sales@enerko.example: <code>http://127.0.0.1:8000/invite/" in shown.text

    reloaded = client.get("/users")  # the browser's reload
    assert reloaded.status_code == 200
    assert "Sign-in links just queued" not in reloaded.text, "the link is shown once"
    assert "/invite/" not in reloaded.text
    assert "Invitation queued for" not in reloaded.text
    assert _invitations(client) == (1, 1), "reloading queued no second invitation"


def test_inviting_an_event_and_inviting_again_lead_to_the_page_too(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    add_event(client, "ws1", [CITY_ID, "osh"])
    sign_in("staff")
    posted = client.post("/users/invite-event", data={"event": "ws1"}, follow_redirects=False)
    assert posted.status_code == 303
    shown = client.get(posted.headers["location"])
    assert "Invited the participants of the event: 1 invitation queued." in shown.text
    assert "No address is known for: Osh." in shown.text
    assert "Sign-in links just queued" in shown.text
    assert _invitations(client) == (1, 1)

    with services.database.unit_of_work() as session:
        [user] = [a for a in services.accounts(session).list_accounts() if a.email]
    again = client.post(f"/users/{user.user_id}/reinvite", follow_redirects=False)
    assert again.status_code == 303
    assert "A new invitation was queued" in client.get("/users").text
    assert "A new invitation was queued" not in client.get("/users").text
    # A second link; the first one's message, not sent yet, made way for the second's.
    assert _invitations(client) == (2, 1)


def test_a_refused_invitation_is_shown_at_once_and_queues_nothing(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("staff")
    refused = client.post(
        "/users/invite", data={"role": "provider", "subject": PROVIDER_ID, "email": "sales-at-enerko"}
    )
    assert refused.status_code == 422
    assert "is not an e-mail address" in refused.text
    assert _invitations(client) == (0, 0)


def test_a_script_signed_in_by_token_gets_the_outcome_at_once(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """Without a console session there is nowhere to keep the link for a next page: it is shown now."""
    token = sign_in("staff")
    client.cookies.clear()
    posted = client.post(
        "/users/invite",
        data={"role": "provider", "subject": PROVIDER_ID, "email": "sales@enerko.example"},
        headers={"Authorization": f"Bearer {token}"},
        follow_redirects=False,
    )
    assert posted.status_code == 200
    assert "sales@enerko.example: <code>http://127.0.0.1:8000/invite/" in posted.text
    assert _invitations(client) == (1, 1)
