"""CRUD and authentication on SQLite and PostgreSQL (``db_settings``), through the HTTP API."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from clock_support import RateClock
from matchmaker.cli import app as cli_app
from matchmaker.db import repository
from matchmaker.db.models import ApiUser, CaseCreate, City, CityCreate, FocalPointIn, ProviderCreate
from matchmaker.errors import ConflictError, NotFoundError
from matchmaker.services.records import RecordService
from matchmaker.settings import Settings
from matchmaker.web import create_app
from matchmaker.web.auth import SESSION_COOKIE
from services_support import add_user, revoke_user, services_for, stored_records

FOCAL = FocalPointIn(name="Zana Krasniqi", email="zana.k@pristina.example.org", phone="+383 44 123 456")


def _seed(settings: Settings) -> None:
    with stored_records(settings) as records:
        records.create(
            "city",
            CityCreate(
                id="pristina",
                name="Prishtinë",
                country="XK",
                summary="Capital; traffic and air quality.",
                focal_point=FOCAL,
            ),
        )
        records.create(
            "provider",
            ProviderCreate(
                id="acme", name="Acme Traffic", country="TR", description="Adaptive traffic signals."
            ),
        )
        records.create(
            "case",
            CaseCreate(
                id="case-1", title="Signals", city="Bursa", country="TR", text="Adaptive signals cut delays."
            ),
        )


@pytest.fixture
def settings(db_settings: Settings) -> Settings:
    s = db_settings.model_copy(update={"rate_limit_per_minute": 100_000})
    _seed(s)
    return s


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(settings)) as c:
        yield c


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_staff_crud_round_trip(settings: Settings, client: TestClient) -> None:  # type: ignore[type-arg]
    staff = _auth(add_user(settings, "staff").token)
    body: dict[str, Any] = {
        "id": "tirana",
        "name": "Tirana",
        "country": "al",
        "summary": "Capital of Albania.",
        "focal_point": {"name": "Ana Hoxha", "email": "ana@tirana.example.org"},
    }
    created = client.post("/api/v1/cities", json=body, headers=staff)
    assert created.status_code == 201, created.text
    assert created.json()["country"] == "AL"
    assert created.json()["focal_point"]["email"] == "ana@tirana.example.org"
    assert client.post("/api/v1/cities", json=body, headers=staff).status_code == 409
    changed = client.patch("/api/v1/cities/tirana", json={"population": 800000}, headers=staff)
    assert changed.status_code == 200
    assert changed.json()["population"] == 800000
    assert changed.json()["name"] == "Tirana"
    listed = client.get("/api/v1/cities", headers=staff).json()
    assert {c["id"] for c in listed["items"]} == {"pristina", "tirana"}
    assert listed["total"] == 2
    assert client.delete("/api/v1/cities/tirana", headers=staff).status_code == 204
    assert client.get("/api/v1/cities/tirana", headers=staff).status_code == 404

    prov = {
        "id": "beta",
        "name": "Beta",
        "country": "TR",
        "description": "Sensors.",
        "solutions": [{"title": "Air sensors", "domains": ["environment_climate"]}],
    }
    assert client.post("/api/v1/providers", json=prov, headers=staff).status_code == 201
    got = client.patch("/api/v1/providers/beta", json={"languages": ["en", "TR"]}, headers=staff).json()
    assert got["languages"] == ["en", "tr"]
    assert got["solutions"][0]["title"] == "Air sensors"
    assert client.delete("/api/v1/providers/beta", headers=staff).status_code == 204

    case = {"id": "case-2", "title": "Bins", "city": "Kadıköy", "country": "TR", "text": "Smart bins."}
    assert client.post("/api/v1/cases", json=case, headers=staff).status_code == 201
    assert client.patch("/api/v1/cases/case-2", json={"year": 2019}, headers=staff).json()["year"] == 2019
    assert client.delete("/api/v1/cases/case-2", headers=staff).status_code == 204


def test_pagination_of_lists(settings: Settings, client: TestClient) -> None:  # type: ignore[type-arg]
    staff = _auth(add_user(settings, "staff").token)
    for i in range(5):
        body = {"id": f"c{i}", "name": f"City {i}", "country": "AL", "summary": "s"}
        assert client.post("/api/v1/cities", json=body, headers=staff).status_code == 201
    first = client.get("/api/v1/cities?limit=4", headers=staff).json()
    second = client.get("/api/v1/cities?limit=4&offset=4", headers=staff).json()
    ids = [c["id"] for c in first["items"] + second["items"]]
    assert ids == sorted(["c0", "c1", "c2", "c3", "c4", "pristina"])
    assert first["total"] == second["total"] == 6


def test_roles_on_both_databases(settings: Settings, client: TestClient) -> None:  # type: ignore[type-arg]
    city = _auth(add_user(settings, "city", "pristina").token)
    provider = _auth(add_user(settings, "provider", "acme").token)
    own = client.get("/api/v1/cities/pristina", headers=city).json()
    assert own["focal_point"]["name"] == "Zana Krasniqi"
    seen_by_provider = client.get("/api/v1/cities/pristina", headers=provider)
    assert seen_by_provider.status_code == 200
    assert "Zana" not in seen_by_provider.text
    assert "focal_point" not in seen_by_provider.json()
    assert (
        client.patch(
            "/api/v1/providers/acme", json={"website": "https://acme.example"}, headers=provider
        ).status_code
        == 200
    )
    # The focal point changes its own city's profile, not the ministry's fields of it, nor another city.
    assert client.patch("/api/v1/cities/pristina", json={"population": 1}, headers=city).status_code == 200
    refused = client.patch("/api/v1/cities/pristina", json={"programme_level": 1}, headers=city)
    assert refused.status_code == 403
    assert client.patch("/api/v1/cities/pristina", json={"country": "AL"}, headers=city).status_code == 403
    assert client.patch("/api/v1/cities/tirana", json={"population": 1}, headers=city).status_code == 403
    assert (
        client.patch("/api/v1/cities/pristina", json={"population": 1}, headers=provider).status_code == 403
    )
    assert client.get("/api/v1/cases", headers=provider).status_code == 403
    assert client.post("/api/v1/providers", json={}, headers=provider).status_code == 403


def test_token_is_stored_hashed_and_revocable(settings: Settings, client: TestClient) -> None:  # type: ignore[type-arg]
    issued = add_user(settings, "staff", label="ops")
    with services_for(settings) as services, services.database.unit_of_work() as session:
        rows = list(session.exec(select(ApiUser)))
    assert all(issued.token not in (r.token_hash, r.label) for r in rows)
    assert client.get("/api/v1/me", headers=_auth(issued.token)).json()["role"] == "staff"
    add_user(settings, "staff", label="another organiser")  # the last staff user is never revoked
    revoke_user(settings, issued.principal.user_id)
    r = client.get("/api/v1/me", headers=_auth(issued.token))
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


def test_token_of_a_deleted_record_stops_working(settings: Settings, client: TestClient) -> None:  # type: ignore[type-arg]
    staff = _auth(add_user(settings, "staff").token)
    provider = _auth(add_user(settings, "provider", "acme").token)
    assert client.get("/api/v1/me", headers=provider).status_code == 200
    assert client.delete("/api/v1/providers/acme", headers=staff).status_code == 204
    assert client.get("/api/v1/me", headers=provider).status_code == 401


def test_cookie_sign_in_and_out(settings: Settings, client: TestClient) -> None:  # type: ignore[type-arg]
    token = add_user(settings, "city", "pristina").token
    bad = client.post("/auth/session", json={"token": "mm_wrong"})
    assert bad.status_code == 401
    r = client.post("/auth/session", json={"token": token})
    assert r.status_code == 200
    assert r.json()["subject_id"] == "pristina"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert client.get("/api/v1/me").json()["role"] == "city"  # the client keeps the cookie
    assert client.delete("/auth/session").status_code == 204
    client.cookies.clear()
    assert client.get("/api/v1/me").status_code == 401


def test_nul_and_surrogates_never_reach_the_database(settings: Settings, client: TestClient) -> None:  # type: ignore[type-arg]
    staff = _auth(add_user(settings, "staff").token)
    for text in ("a\u0000b", "\ud800"):
        body = json.dumps({"id": "nul", "name": text, "country": "AL", "summary": text})
        r = client.post(
            "/api/v1/cities", content=body.encode(), headers={**staff, "content-type": "application/json"}
        )
        assert 400 <= r.status_code < 500, r.text
        r = client.patch(
            "/api/v1/cities/pristina",
            content=json.dumps({"summary": text}).encode(),
            headers={**staff, "content-type": "application/json"},
        )
        assert 400 <= r.status_code < 500, r.text
        r = client.get("/api/v1/cities/a%00b", headers=staff)
        assert r.status_code in (400, 404)


def test_users_rotate_replaces_a_token_and_keeps_the_user(settings: Settings, client: TestClient) -> None:  # type: ignore[type-arg]
    """A token that leaked is replaced in place: the old one and the console sessions stop at once,
    the new one works for the same user, role and record."""
    old = add_user(settings, "city", "pristina").token
    user_id = client.get("/api/v1/me", headers=_auth(old)).json()["user_id"]
    signed_in = TestClient(client.app)
    signed_in.__enter__()
    try:
        assert signed_in.post("/auth/session", json={"token": old}).status_code == 200
        rotated = CliRunner().invoke(cli_app, ["users", "rotate", str(user_id)])
        assert rotated.exit_code == 0, rotated.output
        new = rotated.stdout.strip().splitlines()[-1]
        assert new.startswith("mm_")
        assert new != old
        assert client.get("/api/v1/me", headers=_auth(old)).status_code == 401
        me = client.get("/api/v1/me", headers=_auth(new)).json()
        assert (me["user_id"], me["role"], me["subject_id"]) == (user_id, "city", "pristina")
        assert signed_in.get("/api/v1/me").status_code == 401  # the session begun with the old token
    finally:
        signed_in.__exit__(None, None, None)
    unknown = CliRunner().invoke(cli_app, ["users", "rotate", "9999"])
    assert unknown.exit_code == 1
    assert "no API user with id 9999" in unknown.output
    add_user(settings, "staff")
    revoke_user(settings, user_id)
    revoked = CliRunner().invoke(cli_app, ["users", "rotate", str(user_id)])
    assert revoked.exit_code == 1
    assert f"user {user_id} is revoked" in revoked.output


def test_users_add_prints_the_token_alone_on_the_last_line(settings: Settings) -> None:
    runner = CliRunner()
    result = runner.invoke(cli_app, ["users", "add", "--role", "city", "--for", "pristina"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("mm_")
    assert " " not in token
    missing = runner.invoke(cli_app, ["users", "add", "--role", "provider"])
    assert missing.exit_code == 2
    unknown = runner.invoke(cli_app, ["users", "add", "--role", "provider", "--for", "no-such-provider-xyz"])
    assert unknown.exit_code == 2
    staff = runner.invoke(cli_app, ["users", "add", "--role", "staff"])
    assert staff.exit_code == 0
    listed = runner.invoke(cli_app, ["users", "list", "--json"])
    assert token not in listed.stdout
    assert {json.loads(line)["role"] for line in listed.stdout.splitlines()} == {"city", "staff"}


def test_users_add_and_invite_refuse_an_unknown_record_as_bad_input(settings: Settings) -> None:
    """`users add --for` naming no city exited 1, as if something stored had gone missing, while
    `users invite` exited 2; both now refuse it as a mistake in --for (exit 2), naming the option."""
    runner = CliRunner()
    for command in (["users", "add"], ["users", "invite", "--email", "focal@atlantis.example"]):
        result = runner.invoke(cli_app, [*command, "--role", "city", "--for", "Atlantis"])
        assert result.exit_code == 2, result.output
        assert "error: --for: no city matches 'Atlantis'" in result.output
    listed = runner.invoke(cli_app, ["users", "list", "--json"])
    assert listed.stdout.strip() == ""


def test_access_log_has_request_id_and_no_token(
    settings: Settings,
    client: TestClient,
    caplog: pytest.LogCaptureFixture,  # type: ignore[type-arg]
) -> None:
    token = add_user(settings, "staff").token
    with caplog.at_level(logging.INFO, logger="matchmaker.access"):
        r = client.get("/api/v1/cities?limit=1", headers={**_auth(token), "X-Request-ID": "req-12345678"})
        bad = client.get("/api/v1/cities", headers=_auth("mm_not-a-real-token"))
    assert r.headers["x-request-id"] == "req-12345678"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert bad.json()["request_id"] == bad.headers["x-request-id"]
    lines = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "matchmaker.access"]
    assert any(line["request_id"] == "req-12345678" and line["status"] == 200 for line in lines)
    assert any(line["status"] == 401 for line in lines)
    everything = "\n".join(rec.getMessage() for rec in caplog.records)
    assert token not in everything
    assert "mm_not-a-real-token" not in everything


def test_behind_a_trusted_proxy_the_access_log_names_the_client_and_the_proxy(
    settings: Settings,
    caplog: pytest.LogCaptureFixture,  # type: ignore[type-arg]
) -> None:
    """Behind a trusted proxy the access lines named the proxy as the client, while failed sign-ins and
    rate budgets counted the address the proxy forwarded: an operator could not find the lines of the
    client a lockout was about. The line's client is now that address, and its proxy the peer."""
    trusted = settings.model_copy(
        update={"trust_proxy_headers": True, "trusted_proxies": "*", "signin_failures_per_minute": 1}
    )
    wrong = {**_auth("mm_wrong"), "X-Forwarded-For": "198.51.100.7, 203.0.113.5"}
    with caplog.at_level(logging.INFO, logger="matchmaker.access"), TestClient(create_app(trusted)) as c:
        assert c.get("/api/v1/me", headers={**wrong, "X-Request-ID": "req-proxied-1"}).status_code == 401
        refused = c.get("/api/v1/me", headers={**wrong, "X-Request-ID": "req-proxied-2"})
        assert refused.status_code == 429  # the bound counted 203.0.113.5
        other = c.get("/api/v1/me", headers={**_auth("mm_wrong"), "X-Forwarded-For": "203.0.113.9"})
        assert other.status_code == 401  # another client behind the same proxy is not locked out
        c.get("/health", headers={"X-Request-ID": "req-direct-1"})  # no forwarded address
    with caplog.at_level(logging.INFO, logger="matchmaker.access"), TestClient(create_app(settings)) as c:
        c.get("/health", headers={"X-Forwarded-For": "203.0.113.5", "X-Request-ID": "req-untrusted"})
    lines = {
        line["request_id"]: line
        for line in (json.loads(r.getMessage()) for r in caplog.records if r.name == "matchmaker.access")
    }
    for request_id in ("req-proxied-1", "req-proxied-2"):
        assert (lines[request_id]["client"], lines[request_id]["proxy"]) == ("203.0.113.5", "testclient")
    assert (lines["req-direct-1"]["client"], lines["req-direct-1"]["proxy"]) == ("testclient", None)
    # Without trust in the proxy, the header is the caller's word: the peer stays the client.
    assert (lines["req-untrusted"]["client"], lines["req-untrusted"]["proxy"]) == ("testclient", None)


def test_a_path_or_method_no_route_serves_still_gets_a_request_id(
    client: TestClient,
    caplog: pytest.LogCaptureFixture,  # type: ignore[type-arg]
) -> None:
    with caplog.at_level(logging.INFO, logger="matchmaker.access"):
        missing = client.get("/api/v1/citeis", headers={"X-Request-ID": "req-missing-1"})
        wrong = client.put("/api/v1/cities")
    assert missing.status_code == 404
    assert missing.headers["x-request-id"] == "req-missing-1"
    assert missing.json()["request_id"] == "req-missing-1"
    assert missing.headers["x-content-type-options"] == "nosniff"
    assert wrong.status_code == 405
    assert wrong.json()["request_id"] == wrong.headers["x-request-id"]
    lines = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "matchmaker.access"]
    assert {(line["path"], line["status"]) for line in lines} >= {
        ("/api/v1/citeis", 404),
        ("/api/v1/cities", 405),
    }


@pytest.fixture
def limited(settings: Settings, rate_clock: RateClock) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """The app with at most three failed sign-ins per client address and minute (a minute that does
    not end during the test)."""
    with TestClient(create_app(settings.model_copy(update={"signin_failures_per_minute": 3}))) as c:
        yield c


def test_failed_bearer_tokens_from_one_address_are_bounded(settings: Settings, limited: TestClient) -> None:  # type: ignore[type-arg]
    """Anyone could try bearer tokens against the API as fast as it answered; after three failures in a
    minute from one address the API now answers 429 with Retry-After, and checks no token (a good one
    neither, unless it signed someone in lately) until the minute passes. Good tokens never count, nor
    does a console session that ended."""
    good = _auth(add_user(settings, "staff").token)
    unseen = _auth(add_user(settings, "staff").token)
    for _ in range(5):
        assert limited.get("/api/v1/me", headers=good).status_code == 200
    for _ in range(5):
        stale = limited.get("/api/v1/me", headers={"Cookie": f"{SESSION_COOKIE}=ms_ended"})
        assert stale.status_code == 401
    answers = [limited.get("/api/v1/me", headers=_auth("mm_wrong")).status_code for _ in range(3)]
    assert answers == [401, 401, 401]

    refused = limited.get("/api/v1/me", headers=unseen)
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "too many failed sign-ins from your address" in refused.json()["detail"]
    assert limited.get("/health").status_code == 200  # what needs no token still answers


def test_failed_sign_ins_for_a_session_cookie_count_too(settings: Settings, limited: TestClient) -> None:  # type: ignore[type-arg]
    good = add_user(settings, "staff").token
    for _ in range(3):
        assert limited.post("/auth/session", json={"token": "mm_wrong"}).status_code == 401
    refused = limited.post("/auth/session", json={"token": good})
    assert refused.status_code == 429, refused.text
    assert SESSION_COOKIE not in refused.cookies
    assert limited.get("/api/v1/me", headers=_auth(good)).status_code == 429


def test_two_creations_of_one_id_at_once_answer_409_not_500(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two staff members (or a double-clicked form) creating one id at once: the one whose check
    for the id came before the other's write answered 500, or overwrote the other's record and
    answered 201 to both."""
    town = CityCreate(id="race", name="Race town", country="AL", summary="Floods every spring.")
    with services_for(settings) as services:

        def create_as_the_other_writes() -> None:
            with services.database.unit_of_work() as session:
                first = RecordService(session)
                # This request has checked the id (not there yet) when the other one writes it.
                monkeypatch.setattr(repository, "existing_ids", lambda *_: set())
                monkeypatch.setattr(repository, "has_id", lambda *_: False)
                with stored_records(settings) as other:
                    other.create("city", town)
                first.create("city", town.model_copy(update={"summary": "Drought every summer."}))

        with pytest.raises(ConflictError, match="a city with id 'race' already exists"):
            create_as_the_other_writes()
        monkeypatch.undo()
        with services.database.unit_of_work() as session:
            assert RecordService(session).get("city", "race").summary == "Floods every spring."


def test_a_change_to_a_record_deleted_meanwhile_answers_404_not_500(settings: Settings) -> None:
    """A PATCH that read the record just before another request deleted it answered 500 (and, with
    the deletion at the same moment, a deadlock answered 503 "the database cannot be reached")."""
    with services_for(settings) as services:

        def change_as_the_other_deletes() -> None:
            with services.database.unit_of_work() as session:
                mine = RecordService(session)
                read = session.get(City, "pristina")  # this request has read the city
                with stored_records(settings) as other:
                    other.delete("city", "pristina")
                mine.update("city", "pristina", {"summary": "Drought.", "focal_point": {"phone": "+383 1"}})
                assert read is not None

        with pytest.raises(NotFoundError, match="no city with id 'pristina'"):
            change_as_the_other_deletes()
        with (
            services.database.unit_of_work() as session,
            pytest.raises(NotFoundError, match="no city with id 'pristina'"),
        ):
            RecordService(session).delete("city", "pristina")
