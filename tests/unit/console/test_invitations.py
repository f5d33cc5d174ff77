"""Invitation links, server-side sessions, the staff users page and the notifications they cause."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from console_support import CITY_ID, PROVIDER_ID, Client, app_services
from sqlmodel import select
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.db.accounts import OutboxMessage
from matchmaker.db.models import CityCreate, utcnow
from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, RequestCreate, SlotIn
from matchmaker.web.auth import SESSION_COOKIE


def invite(services: Services, role: str, email: str, subject: str | None = None, **kw: object) -> str:
    with services.database.unit_of_work() as session:
        return services.accounts(session).invite(role, email, subject, **kw).link  # type: ignore[arg-type]


def path_of(link: str) -> str:
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_the_cli_queues_an_invitation_and_prints_the_link_last(services: Services) -> None:
    result = CliRunner().invoke(
        app, ["users", "invite", "--role", "city", "--for", CITY_ID, "--email", "focal@kukes.example"]
    )
    assert result.exit_code == 0, result.output
    link = result.stdout.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:8000/invite/")
    with services.database.unit_of_work() as session:
        [message] = services.outbox(session).list()
    assert (message.kind, message.to, message.status) == ("invitation", "focal@kukes.example", "queued")
    with services.database.unit_of_work() as session:
        row = session.get(OutboxMessage, message.id)
        assert row is not None
        assert link in row.body_text
        assert link in row.body_html
        assert "Kukës" in row.body_text
        assert CITY_ID not in row.body_text.replace(link, "")  # no internal ids besides the link itself


def test_an_invitation_link_signs_in_once(client: Client) -> None:
    services = app_services(client)
    link = invite(services, "city", "focal@kukes.example", CITY_ID)
    path = path_of(link)
    shown = client.get(path)
    assert shown.status_code == 200
    assert "Kukës" in shown.text
    assert client.get(path).status_code == 200  # opening the page uses nothing up
    used = client.post(path, follow_redirects=False)
    assert used.status_code == 303
    assert used.headers["location"] == f"/cities/{CITY_ID}"
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie is not None
    assert cookie.startswith("ms_")
    assert client.get(f"/cities/{CITY_ID}").status_code == 200
    assert client.get("/api/v1/me").json()["subject_id"] == CITY_ID
    client.cookies.clear()
    again = client.post(path, follow_redirects=False)
    assert again.status_code == 400
    assert "already used" in again.text


def test_expired_and_altered_links_are_refused(client: Client) -> None:
    services = app_services(client)
    old = invite(services, "provider", "sales@enerko.example", PROVIDER_ID, now=utcnow() - timedelta(days=8))
    expired = client.post(path_of(old), follow_redirects=False)
    assert expired.status_code == 400
    assert "expired" in expired.text
    fresh = path_of(invite(services, "provider", "other@enerko.example", PROVIDER_ID))
    altered = fresh[:-3] + ("AAA" if not fresh.endswith("AAA") else "BBB")
    assert client.post(altered, follow_redirects=False).status_code == 400
    assert client.get(altered).status_code == 400
    assert SESSION_COOKIE not in client.cookies


def test_signing_out_ends_the_session_on_the_server(client: Client, sign_in: object) -> None:
    token = sign_in("staff")  # type: ignore[operator]
    sid = client.cookies.get(SESSION_COOKIE)
    assert sid is not None
    assert sid != token
    assert client.post("/signout", follow_redirects=False).status_code == 303
    client.cookies.set(SESSION_COOKIE, sid)  # a copied cookie no longer works
    assert client.get("/api/v1/me").status_code == 401
    r = client.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/signin")
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, token)  # nor does a bearer token put into the cookie
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_cookies_are_secure_over_https_and_behind_a_trusted_proxy(services: Services) -> None:
    from litestar.testing import TestClient

    from matchmaker.web.app import create_app

    token = None
    with services.database.unit_of_work() as session:
        token = services.users(session).add_user("staff").token
    with TestClient(create_app(services=services), base_url="https://console.example") as https:
        r = https.post("/auth/session", json={"token": token})
        assert "secure" in r.headers["set-cookie"].lower()
    with TestClient(create_app(services=services), base_url="http://127.0.0.1:8000") as plain:
        r = plain.post("/auth/session", json={"token": token}, headers={"X-Forwarded-Proto": "https"})
        assert "secure" not in r.headers["set-cookie"].lower()  # proxy headers are not trusted by default
    trusting = Services.build(
        services.settings.model_copy(update={"trust_proxy_headers": True, "trusted_proxies": "*"})
    )
    try:
        with TestClient(create_app(services=trusting), base_url="http://127.0.0.1:8000") as proxied:
            r = proxied.post("/auth/session", json={"token": token}, headers={"X-Forwarded-Proto": "https"})
            assert "secure" in r.headers["set-cookie"].lower()
    finally:
        trusting.close()


def test_a_forwarded_scheme_from_a_peer_that_is_not_a_trusted_proxy_does_not_make_cookies_secure(
    services: Services,
) -> None:
    """Only the proxies named in ``trusted_proxies`` (loopback by default) are believed: the test
    client's peer is not one of them, so its X-Forwarded-Proto is read as any client's header."""
    from litestar.testing import TestClient

    from matchmaker.web.app import create_app

    with services.database.unit_of_work() as session:
        token = services.users(session).add_user("staff").token
    trusting = Services.build(services.settings.model_copy(update={"trust_proxy_headers": True}))
    try:
        with TestClient(create_app(services=trusting), base_url="http://127.0.0.1:8000") as direct:
            r = direct.post("/auth/session", json={"token": token}, headers={"X-Forwarded-Proto": "https"})
            assert r.status_code == 200
            assert "secure" not in r.headers["set-cookie"].lower()
    finally:
        trusting.close()


def test_staff_manage_users_on_the_users_page(client: Client, sign_in: object) -> None:
    services = app_services(client)
    sign_in("staff")  # type: ignore[operator]
    r = client.post(
        "/users/invite", data={"role": "provider", "subject": PROVIDER_ID, "email": "sales@enerko.example"}
    )
    assert r.status_code == 200
    assert "Invitation queued for sales@enerko.example" in r.text
    with services.database.unit_of_work() as session:
        [account] = [a for a in services.accounts(session).list_accounts() if a.email]
    assert account.last_sign_in_at is None
    page = client.get("/users").text
    assert "sales@enerko.example" in page
    assert "never" in page
    # a provider user cannot speak for a city: no provider has that id or name (bad input in the form)
    assert client.post(f"/users/{account.user_id}/entity", data={"subject": CITY_ID}).status_code == 422
    assert client.post(f"/users/{account.user_id}/reinvite").status_code == 200
    with services.database.unit_of_work() as session:
        invitations = [m for m in services.outbox(session).list() if m.kind == "invitation"]
    # The first link stopped working; its message, not sent yet, made way for the new one.
    assert len(invitations) == 1
    assert client.post(f"/users/{account.user_id}/revoke").status_code == 200
    with services.database.unit_of_work() as session:
        assert all(a.user_id != account.user_id for a in services.accounts(session).list_accounts())
    assert "1 failed" not in client.get("/users").text


def test_requests_and_answers_are_mailed_to_the_other_party_only(client: Client) -> None:
    services = app_services(client)
    invite(services, "city", "focal@kukes.example", CITY_ID)
    invite(services, "provider", "sales@enerko.example", PROVIDER_ID)
    start = utcnow() + timedelta(days=10)
    with services.database.unit_of_work() as session:
        events = services.events(session)
        events.catalog.create(
            EventCreate(
                id="ws1",
                name="Level 3 workshop",
                tables=2,
                slots=[SlotIn(start=start, end=start + timedelta(minutes=20))],
            )
        )
        events.catalog.add_participants("ws1", [ParticipantIn(id=CITY_ID), ParticipantIn(id=PROVIDER_ID)])
        sent = events.requests.create("ws1", RequestCreate(sender=PROVIDER_ID, recipient=CITY_ID))
        events.requests.answer("ws1", sent.id, "accepted", by=CITY_ID)
    with services.database.unit_of_work() as session:
        rows = [r for r in session.exec(select(OutboxMessage)) if r.kind != "invitation"]
    by_kind = {r.kind: r for r in rows}
    assert by_kind["request_received"].to_address == "focal@kukes.example"
    assert by_kind["request_answered"].to_address == "sales@enerko.example"
    answered = by_kind["request_answered"]
    assert "accepted" in answered.subject
    for text in (answered.body_text, answered.body_html, answered.subject):
        assert "focal@kukes.example" not in text  # a provider never learns the focal point's address
        assert "kukes" not in text.lower().replace("kukës", "")


def test_staff_invite_every_participant_of_an_event_at_once(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    start = utcnow() + timedelta(days=10)
    with services.database.unit_of_work() as session:
        events = services.events(session)
        events.catalog.create(
            EventCreate(
                id="ws1",
                name="Level 3 workshop",
                tables=2,
                slots=[SlotIn(start=start, end=start + timedelta(minutes=20))],
            )
        )
        events.catalog.add_participants(
            "ws1", [ParticipantIn(id=CITY_ID), ParticipantIn(id=PROVIDER_ID), ParticipantIn(id="osh")]
        )
    invite(services, "provider", "sales@enerko.example", PROVIDER_ID)
    sign_in("staff")
    r = client.post("/users/invite-event", data={"event": "ws1"})
    assert r.status_code == 200
    assert "2 invitations queued" in r.text
    with services.database.unit_of_work() as session:
        to = sorted(m.to for m in services.outbox(session).list() if m.kind == "invitation")
    # Kukës through its focal point, the provider through its user (its first invitation, not sent
    # yet, made way for this one); a city with no address is named.
    assert to == ["a.dushku@kukes-municipality.example.org", "sales@enerko.example"]
    assert "No address is known for" in r.text


def test_inviting_the_participants_of_an_unknown_event_says_there_is_no_such_event(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("staff")
    r = client.post("/users/invite-event", data={"event": "no-such-event"})
    assert r.status_code == 404
    assert "no event with id" in r.text.lower()
    assert "invitations queued" not in r.text


def test_opening_a_used_link_again_on_the_same_browser_says_who_is_signed_in_and_where_to_go(
    client: Client,
) -> None:
    services = app_services(client)
    path = path_of(invite(services, "city", "odak@tepebasi.example", "tepebasi"))
    assert client.post(path, follow_redirects=False).status_code == 303
    again = client.get(path)  # the e-mail's link, clicked a second time
    assert again.status_code == 400
    assert "This sign-in link was already used; ask for a new invitation." in again.text
    assert "This browser is signed in already, as the focal point of Tepebaşı" in again.text
    assert '<a href="/cities/tepebasi">go to your page</a>' in again.text
    client.cookies.clear()
    elsewhere = client.get(path)
    assert "This sign-in link was already used" in elsewhere.text
    assert "signed in already" not in elsewhere.text
    assert "Ministry staff can send you a new invitation." in elsewhere.text


def test_the_last_staff_user_cannot_be_revoked(client: Client, sign_in: object) -> None:
    """Revoking the only staff account would leave no one to run the console: it is refused, and
    goes through once another staff user exists."""
    services = app_services(client)
    token = sign_in("staff")  # type: ignore[operator]
    with services.database.unit_of_work() as session:
        me = services.users(session).authenticate(token).user_id
        for other in services.users(session).list_users():
            if other.role == "staff" and other.user_id != me:
                services.users(session).revoke_user(other.user_id)
    r = client.post(f"/users/{me}/revoke")
    assert r.status_code == 409
    assert "last staff user" in r.text
    assert client.get("/users").status_code == 200, "still signed in"
    with services.database.unit_of_work() as session:
        services.users(session).add_user("staff", label="second organiser")
    assert client.post(f"/users/{me}/revoke").status_code == 200
    assert client.get("/users", follow_redirects=False).status_code != 200, "signed out once revoked"


def test_the_cli_refuses_to_revoke_the_last_staff_user(services: Services) -> None:
    with services.database.unit_of_work() as session:
        users = services.users(session)
        issued = users.add_user("staff", label="Ministry organiser")
        for other in users.list_users():
            if other.role == "staff" and other.user_id != issued.principal.user_id:
                users.revoke_user(other.user_id)
    env = {"MATCHMAKER_HOME": str(services.settings.home)}
    result = CliRunner().invoke(app, ["users", "revoke", str(issued.principal.user_id)], env=env)
    assert result.exit_code != 0
    assert "Ministry organiser is the last staff user" in result.output
    with services.database.unit_of_work() as session:
        assert any(u.user_id == issued.principal.user_id for u in services.users(session).list_users())


def test_a_refused_invitation_keeps_what_was_typed(client: Client, sign_in: object) -> None:
    sign_in("staff")  # type: ignore[operator]
    bad_address = client.post(
        "/users/invite", data={"role": "provider", "subject": "Enerko", "email": "sales-at-enerko"}
    )
    assert bad_address.status_code == 422
    assert "is not an e-mail address" in bad_address.text
    assert 'value="sales-at-enerko"' in bad_address.text
    assert 'value="Enerko"' in bad_address.text
    assert '<option value="provider" selected>' in bad_address.text
    unknown = client.post(
        "/users/invite", data={"role": "city", "subject": "Kukës Bihać", "email": "focal@kukes.example"}
    )
    assert unknown.status_code == 422
    assert "is ambiguous; candidates: bihac (Bihać), kukes (Kukës)" in unknown.text
    assert 'value="Kukës Bihać"' in unknown.text
    assert 'value="focal@kukes.example"' in unknown.text
    assert "focal@kukes.example" not in client.get("/users").text  # nothing was queued


def test_a_link_for_a_city_deleted_since_says_so_and_is_not_used_up(client: Client) -> None:
    """The page of a link whose city was deleted since answered 404 "No city with id ...", and its
    Sign in button used the link up for a session that ended at once, on a sign-in page that did not
    say why. It now says the city is no longer stored, and the link still works once the city is
    stored again (deleted by mistake and restored)."""
    services = app_services(client)
    path = path_of(invite(services, "city", "focal@kukes.example", CITY_ID))
    with services.database.unit_of_work() as session:
        kept = services.records(session).get_in_full("city", CITY_ID)
        services.records(session).delete("city", CITY_ID)
    for answer in (client.get(path), client.post(path, follow_redirects=False)):
        assert answer.status_code == 400
        assert "is for a city that is no longer stored; ask for a new invitation" in answer.text
    assert SESSION_COOKIE not in client.cookies
    with services.database.unit_of_work() as session:
        services.records(session).create("city", CityCreate.model_validate(kept.model_dump()))
    used = client.post(path, follow_redirects=False)
    assert used.status_code == 303
    assert used.headers["location"] == f"/cities/{CITY_ID}"
