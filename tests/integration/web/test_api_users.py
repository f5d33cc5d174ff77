"""Users, invitations and the outbox over the API: the same use cases as `matchmaker users invite`,
`matchmaker outbox list|send` and the console's Users page, for staff only."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from web_support import CITY_ID, OTHER_CITY_ID, PROVIDER_ID, Tokens

from mail_support import SmtpServer
from matchmaker.db.models import utcnow
from matchmaker.settings import Settings
from matchmaker.web import create_app
from port_support import reserved_port

STAFF_ONLY = [
    ("GET", "/api/v1/users", None),
    ("POST", "/api/v1/users/invitations", {"role": "staff", "email": "x@ministry.example"}),
    ("POST", "/api/v1/users/1/invitations", None),
    ("POST", "/api/v1/users/1/revoke", None),
    ("PATCH", "/api/v1/users/1", {"subject_id": "kukes"}),
    ("POST", "/api/v1/events/ws1/invitations", None),
    ("GET", "/api/v1/outbox", None),
    ("POST", "/api/v1/outbox/send", None),
    ("POST", "/api/v1/outbox/1/retry", None),
]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """An SMTP server on a port kept for it, not started: the test starts it when the server is up."""
    with reserved_port() as port:
        server = SmtpServer(port)
        yield server
        server.stop()


@pytest.fixture
def client(seeded_settings: Settings, tokens: Tokens, smtp: SmtpServer) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """The app over the seeded data, its SMTP server ``smtp``, no background sender."""
    settings = seeded_settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "mail_from": "matchmaking@ministry.example",
            "mail_send_interval": 0,
            "smtp_timeout": 2.0,
        }
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def invite(client: TestClient, tokens: Tokens, **body: object) -> dict:  # type: ignore[type-arg]
    r = client.post("/api/v1/users/invitations", json=body, headers=tokens.of("staff"))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ONLY, ids=[f"{m} {p}" for m, p, _ in STAFF_ONLY])
def test_only_staff_manage_users_and_the_outbox(
    client: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    method: str,
    path: str,
    body: object,
) -> None:
    for role in ("city", "provider"):
        r = client.request(method, path, json=body, headers=tokens.of(role))
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert client.request(method, path, json=body).status_code == 401


def test_an_invitation_shows_its_link_once_and_no_list_shows_it_again(
    client: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
) -> None:
    made = invite(client, tokens, role="city", subject_id="Kukës", email="focal@kukes.example")
    assert (made["role"], made["subject_id"], made["email"]) == ("city", CITY_ID, "focal@kukes.example")
    assert made["link"].startswith("http://127.0.0.1:8000/invite/")
    secret = made["link"].rsplit("/", 1)[1]

    users = client.get("/api/v1/users", headers=tokens.of("staff"))
    assert users.status_code == 200
    [listed] = [u for u in users.json()["items"] if u["user_id"] == made["user_id"]]
    assert listed["email"] == "focal@kukes.example"
    assert listed["subject_name"] == "Kukës"
    assert listed["invitation_pending"] is True
    assert listed["last_sign_in_at"] is None
    assert secret not in users.text
    assert tokens.staff not in users.text
    assert tokens.city not in users.text

    outbox = client.get("/api/v1/outbox", headers=tokens.of("staff"))
    assert outbox.status_code == 200
    [message] = outbox.json()["items"]
    assert (message["kind"], message["to"], message["status"]) == (
        "invitation",
        "focal@kukes.example",
        "queued",
    )
    assert outbox.json()["counts"] == {"queued": 1, "sent": 0, "failed": 0}
    assert secret not in outbox.text

    # The link signs the person in, as the CLI's and the console's do.
    assert client.get(f"/invite/{secret}").status_code == 200


def test_an_invitation_that_breaks_a_rule_is_refused_naming_the_field(
    client: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
) -> None:
    staff = tokens.of("staff")
    cases = [
        ({"role": "city", "email": "a@b.example"}, "subject_id"),
        ({"role": "staff", "subject_id": CITY_ID, "email": "a@b.example"}, "subject_id"),
        ({"role": "mayor", "email": "a@b.example"}, "role"),
        ({"role": "staff", "email": "not an address"}, "not an address"),
        ({"role": "staff", "email": "a@b.example", "token": "x"}, "token"),
    ]
    for body, named in cases:
        r = client.post("/api/v1/users/invitations", json=body, headers=staff)
        assert r.status_code in (400, 422), r.text
        assert named in r.text, r.text
    unknown = client.post(
        "/api/v1/users/invitations",
        json={"role": "provider", "subject_id": "no-such-provider-at-all", "email": "a@b.example"},
        headers=staff,
    )
    # A body naming a record that does not exist is bad input (404 is for a path that names nothing).
    assert unknown.status_code == 422, unknown.text
    problem = unknown.json()
    assert problem["detail"].startswith("subject_id: no provider matches 'no-such-provider-at-all'")
    assert [(e["key"], e["source"]) for e in problem["errors"]] == [("subject_id", "body")]
    assert client.get("/api/v1/outbox", headers=staff).json()["total"] == 0


def test_a_nul_in_an_invitation_or_a_move_is_refused_naming_the_field(
    client: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
) -> None:
    """A NUL is named in the field that holds it, as in a record's body; it is neither sent to the
    database (which refused it without saying where) nor read past as a name ("ku\\0kes" for Kukës)."""
    staff = tokens.of("staff")
    cases = [
        ({"role": "staff", "email": "a\x00@b.example"}, "email"),
        ({"role": "staff", "email": "a@b.example", "label": "Ana\x00"}, "label"),
        (
            {"role": "city", "subject_id": CITY_ID[:2] + "\x00" + CITY_ID[2:], "email": "a@b.example"},
            "subject_id",
        ),
    ]
    for body, field in cases:
        r = client.post("/api/v1/users/invitations", json=body, headers=staff)
        assert r.status_code == 422, r.text
        assert r.json()["detail"] == f"{field}: contains a NUL character", r.text
        assert [e["key"] for e in r.json()["errors"]] == [field]
    provider = client.get("/api/v1/me", headers=tokens.of("provider")).json()["user_id"]
    moved = client.patch(f"/api/v1/users/{provider}", json={"subject_id": "prov\x00"}, headers=staff)
    assert moved.status_code == 422, moved.text
    assert moved.json()["detail"] == "subject_id: contains a NUL character"
    assert client.get("/api/v1/outbox", headers=staff).json()["total"] == 0


def test_inviting_again_replaces_the_link_and_revoking_stops_the_user(
    client: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
) -> None:
    staff = tokens.of("staff")
    first = invite(client, tokens, role="provider", subject_id=PROVIDER_ID, email="sales@kentiz.example")
    again = client.post(f"/api/v1/users/{first['user_id']}/invitations", headers=staff)
    assert again.status_code == 201, again.text
    assert again.json()["user_id"] == first["user_id"]
    assert again.json()["link"] != first["link"]
    assert client.post("/invite/" + first["link"].rsplit("/", 1)[1]).status_code == 400

    revoked = client.post(f"/api/v1/users/{first['user_id']}/revoke", headers=staff)
    assert revoked.status_code == 204, revoked.text
    ids = [u["user_id"] for u in client.get("/api/v1/users", headers=staff).json()["items"]]
    assert first["user_id"] not in ids
    everyone = client.get("/api/v1/users?include_revoked=true&limit=500", headers=staff).json()
    [gone] = [u for u in everyone["items"] if u["user_id"] == first["user_id"]]
    assert gone["revoked"] is True
    assert gone["invitation_pending"] is False
    assert client.post("/invite/" + again.json()["link"].rsplit("/", 1)[1]).status_code == 400
    refused = client.post(f"/api/v1/users/{first['user_id']}/invitations", headers=staff)
    assert refused.status_code == 409, "the user's stored state refuses it; the request was well formed"
    assert f"user {first['user_id']} is revoked" in refused.json()["detail"]


def test_a_user_without_an_address_is_not_invited_again(client: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    city = client.get("/api/v1/me", headers=tokens.of("city")).json()["user_id"]
    r = client.post(f"/api/v1/users/{city}/invitations", headers=staff)
    assert r.status_code == 409, r.text
    assert "has no e-mail address" in r.json()["detail"]
    assert client.get("/api/v1/outbox", headers=staff).json()["total"] == 0


def test_the_last_staff_user_is_never_revoked(client: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    me = client.get("/api/v1/me", headers=staff).json()["user_id"]
    r = client.post(f"/api/v1/users/{me}/revoke", headers=staff)
    assert r.status_code == 409, r.text
    assert "last staff user" in r.json()["detail"]
    assert client.get("/api/v1/me", headers=staff).status_code == 200
    assert client.post("/api/v1/users/999999/revoke", headers=staff).status_code == 404


def test_staff_move_a_user_to_another_record_and_it_speaks_for_that_one(
    client: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
) -> None:
    staff = tokens.of("staff")
    made = invite(client, tokens, role="city", subject_id=CITY_ID, email="focal@kukes.example")
    moved = client.patch(
        f"/api/v1/users/{made['user_id']}", json={"subject_id": "Fushë Kosovë"}, headers=staff
    )
    assert moved.status_code == 200, moved.text
    listed = client.get("/api/v1/users", headers=staff).json()["items"]
    assert moved.json() == next(u for u in listed if u["user_id"] == made["user_id"])
    assert (moved.json()["role"], moved.json()["subject_id"]) == ("city", OTHER_CITY_ID)
    assert moved.json()["email"] == "focal@kukes.example"
    # The user's own token now speaks for the record it was moved to.
    city = client.get("/api/v1/me", headers=tokens.of("city")).json()["user_id"]
    assert client.patch(f"/api/v1/users/{city}", json={"subject_id": OTHER_CITY_ID}, headers=staff).is_success
    assert client.get("/api/v1/me", headers=tokens.of("city")).json()["subject_id"] == OTHER_CITY_ID


def test_moving_a_user_is_refused_with_the_status_of_what_is_wrong(
    client: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
) -> None:
    staff = tokens.of("staff")
    provider = client.get("/api/v1/me", headers=tokens.of("provider")).json()["user_id"]
    unknown_user = client.patch("/api/v1/users/999999", json={"subject_id": CITY_ID}, headers=staff)
    assert unknown_user.status_code == 404, unknown_user.text

    # A record that does not exist (for a provider user, a city is no provider) is a mistake in the body.
    for subject in ("Atlantis", CITY_ID):
        r = client.patch(f"/api/v1/users/{provider}", json={"subject_id": subject}, headers=staff)
        assert r.status_code == 422, r.text
        assert r.json()["detail"].startswith(f"subject_id: no provider matches '{subject}'")
        assert [e["key"] for e in r.json()["errors"]] == ["subject_id"]
    for body in ({}, {"subject_id": ""}, {"subject_id": CITY_ID, "role": "staff"}):
        r = client.patch(f"/api/v1/users/{provider}", json=body, headers=staff)
        assert r.status_code in (400, 422), r.text
    assert client.get("/api/v1/me", headers=tokens.of("provider")).json()["subject_id"] == PROVIDER_ID

    # A staff user speaks for no record: what is stored clashes with the request, which was well formed.
    me = client.get("/api/v1/me", headers=staff).json()["user_id"]
    clash = client.patch(f"/api/v1/users/{me}", json={"subject_id": CITY_ID}, headers=staff)
    assert clash.status_code == 409, clash.text
    assert clash.json()["detail"] == "staff users speak for no record"
    assert "--" not in clash.text

    # A revoked user speaks for nobody any more: moving it would revive nothing and is refused.
    gone = invite(client, tokens, role="city", subject_id=CITY_ID, email="gone@kukes.example")["user_id"]
    assert client.post(f"/api/v1/users/{gone}/revoke", headers=staff).status_code == 204
    revoked = client.patch(f"/api/v1/users/{gone}", json={"subject_id": OTHER_CITY_ID}, headers=staff)
    assert revoked.status_code == 409, revoked.text
    assert revoked.json()["detail"] == f"user {gone} is revoked"
    everyone = client.get("/api/v1/users?include_revoked=true&limit=500", headers=staff).json()["items"]
    assert next(u for u in everyone if u["user_id"] == gone)["subject_id"] == CITY_ID


def test_users_are_listed_in_pages(client: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    whole = client.get("/api/v1/users?limit=500", headers=staff).json()
    assert whole["total"] == len(whole["items"]) == 5
    page = client.get("/api/v1/users?offset=1&limit=2", headers=staff).json()
    assert (page["total"], page["offset"], page["limit"]) == (5, 1, 2)
    assert [u["user_id"] for u in page["items"]] == [u["user_id"] for u in whole["items"][1:3]]
    assert client.get("/api/v1/users?limit=0", headers=staff).status_code == 400


def test_every_participant_of_an_event_is_invited(client: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    start = (utcnow() + timedelta(days=10)).replace(microsecond=0, tzinfo=None)
    event = {
        "id": "ws1",
        "name": "Level 3 workshop",
        "tables": 2,
        "slots": [{"start": start.isoformat(), "end": (start + timedelta(minutes=20)).isoformat()}],
    }
    assert client.post("/api/v1/events", json=event, headers=staff).status_code == 201
    joined = client.post(
        "/api/v1/events/ws1/participants",
        json=[{"id": CITY_ID}, {"id": PROVIDER_ID}, {"id": "osh"}],
        headers=staff,
    )
    assert joined.status_code == 200, joined.text
    invite(client, tokens, role="provider", subject_id=PROVIDER_ID, email="sales@kentiz.example")
    r = client.post("/api/v1/events/ws1/invitations", headers=staff)
    assert r.status_code == 201, r.text
    done = r.json()
    assert sorted(i["email"] for i in done["invited"]) == [
        "a.dushku@kukes-municipality.example.org",
        "sales@kentiz.example",
    ]
    assert all(i["link"].startswith("http://127.0.0.1:8000/invite/") for i in done["invited"])
    assert done["skipped"] == ["Osh"]
    unknown = client.post("/api/v1/events/no-such-event/invitations", headers=staff)
    assert unknown.status_code == 404, unknown.text


def test_sending_with_the_smtp_server_down_keeps_the_messages_queued_then_sends_them(
    client: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    smtp: SmtpServer,
) -> None:
    staff = tokens.of("staff")
    invite(client, tokens, role="staff", email="colleague@ministry.example")
    down = client.post("/api/v1/outbox/send", headers=staff)
    assert down.status_code == 200, down.text
    report = down.json()
    assert report["sent"] == 0
    assert report["queued"] == 1
    assert report["unreachable"]
    assert "stays queued" in report["detail"]
    [queued] = client.get("/api/v1/outbox?status=queued", headers=staff).json()["items"]
    assert queued["to"] == "colleague@ministry.example"

    smtp.start()
    up = client.post("/api/v1/outbox/send?all=true", headers=staff)
    assert up.status_code == 200, up.text
    assert (up.json()["sent"], up.json()["queued"], up.json()["unreachable"]) == (1, 0, None)
    assert [str(m["To"]) for m in smtp.inbox.messages] == ["colleague@ministry.example"]
    [sent] = client.get("/api/v1/outbox?status=sent", headers=staff).json()["items"]
    assert sent["id"] == queued["id"]
    assert sent["sent_at"] is not None


def test_a_failed_message_shows_why_and_is_sent_again(
    client: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    smtp: SmtpServer,
) -> None:
    staff = tokens.of("staff")
    smtp.inbox.refuse["gone@ministry.example"] = "550 5.1.1 <gone@ministry.example>: User unknown"
    smtp.start()
    invite(client, tokens, role="staff", email="gone@ministry.example")
    r = client.post("/api/v1/outbox/send", headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["failed"] == 1
    page = client.get("/api/v1/outbox?status=failed", headers=staff).json()
    [failed] = page["items"]
    assert page["total"] == 1
    assert "User unknown" in failed["last_error"]
    assert failed["to"] == "gone@ministry.example"

    del smtp.inbox.refuse["gone@ministry.example"]
    again = client.post(f"/api/v1/outbox/{failed['id']}/retry", headers=staff)
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["attempts"]) == ("queued", 0)
    assert client.post("/api/v1/outbox/send", headers=staff).json()["sent"] == 1
    assert [str(m["To"]) for m in smtp.inbox.messages] == ["gone@ministry.example"]
    sent_again = client.post(f"/api/v1/outbox/{failed['id']}/retry", headers=staff)
    assert sent_again.status_code == 409, "a message already sent clashes with the retry"
    assert "already sent" in sent_again.json()["detail"]
    assert client.post("/api/v1/outbox/999999/retry", headers=staff).status_code == 404


def test_the_outbox_is_listed_in_pages_newest_first(client: TestClient, tokens: Tokens) -> None:  # type: ignore[type-arg]
    staff = tokens.of("staff")
    for n in range(3):
        invite(client, tokens, role="staff", email=f"colleague{n}@ministry.example")
    page = client.get("/api/v1/outbox?offset=1&limit=1", headers=staff).json()
    assert (page["total"], page["offset"], page["limit"]) == (3, 1, 1)
    assert [m["to"] for m in page["items"]] == ["colleague1@ministry.example"]
    assert client.get("/api/v1/outbox?status=sent", headers=staff).json() == {
        "total": 0,
        "offset": 0,
        "limit": 50,
        "counts": {"queued": 3, "sent": 0, "failed": 0},
        "items": [],
    }
    assert client.get("/api/v1/outbox?status=lost", headers=staff).status_code == 400


def test_inviting_a_known_person_again_keeps_the_label_given(
    client: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
) -> None:
    """An invitation to an address a user already has reuses that user; the label staff typed with it
    (who the person is) is kept, not dropped without a word, and one left out keeps the old label."""
    first = invite(client, tokens, role="city", subject_id=CITY_ID, email="ana@kukes.example")
    again = invite(
        client, tokens, role="city", subject_id=CITY_ID, email="Ana@kukes.example", label="Ana, deputy mayor"
    )
    assert again["user_id"] == first["user_id"]
    third = invite(client, tokens, role="city", subject_id=CITY_ID, email="ana@kukes.example")
    assert third["user_id"] == first["user_id"]
    users = client.get("/api/v1/users", headers=tokens.of("staff")).json()["items"]
    [listed] = [u for u in users if u["user_id"] == first["user_id"]]
    assert listed["label"] == "Ana, deputy mayor"


def test_the_access_log_never_holds_a_sign_in_link_or_a_calendar_address(
    client: TestClient,  # type: ignore[type-arg]
    tokens: Tokens,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An invitation's link and a calendar feed's address are credentials by themselves; the access
    lines gave them whole (``/invite/1.179...``), so anyone reading the log could sign in with a link
    not used yet. A line now gives the route's template in their place."""
    made = invite(client, tokens, role="city", subject_id=CITY_ID, email="focal@kukes.example")
    secret = made["link"].rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="matchmaker.access"):
        assert client.get(f"/invite/{secret}").status_code == 200
        assert client.get("/feeds/0123456789abcdef0123.ics").status_code == 404
        assert client.get(f"/cities/{CITY_ID}", follow_redirects=False).status_code in (200, 303)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "matchmaker.access"]
    paths = [line["path"] for line in lines]
    assert paths == ["/invite/{token}", "/feeds/{token}", f"/cities/{CITY_ID}"]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert secret not in everything
    assert "0123456789abcdef0123" not in everything
