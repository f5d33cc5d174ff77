"""A database that stops answering (restarted, failed over, dropped connections) under a running server:
liveness stays up, readiness says why it is not ready, and requests get a 503 to try again, not a 500."""

from __future__ import annotations

import logging

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine
from web_support import CITY_ID, issue_tokens

from matchmaker.settings import Settings
from matchmaker.web import create_app


def test_a_database_that_stops_answering_is_a_503_to_retry(seeded_settings: Settings) -> None:
    tokens = issue_tokens(seeded_settings)
    app = create_app(seeded_settings)
    with TestClient(app) as client:
        city = tokens.of("city")
        assert client.get(f"/api/v1/cities/{CITY_ID}", headers=city).status_code == 200
        assert client.get("/ready").status_code == 200
        database = app.state.services.database
        database.engine.dispose()
        # Where the database was, nothing answers now (a port no server listens on).
        database.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:9/gone", pool_pre_ping=True)

        health = client.get("/health")
        assert (health.status_code, health.json()) == (200, {"status": "ok"})

        ready = client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["problems"][0].startswith("database: cannot be read (")

        for path, headers in ((f"/api/v1/cities/{CITY_ID}", city), ("/api/v1/me", tokens.of("staff"))):
            r = client.get(path, headers=headers)
            assert r.status_code == 503, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.headers["retry-after"] == "5"
            assert r.json()["detail"] == "the database cannot be reached just now; try again shortly"


def test_a_sign_in_link_opened_while_the_database_is_down_stays_out_of_the_log(
    seeded_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """The error line of a request the database could not serve named its path, and an invitation's
    path is its one-time sign-in link: an outage put every link opened meanwhile into the log."""
    app = create_app(seeded_settings)
    with TestClient(app) as client:
        made = client.post(
            "/api/v1/users/invitations",
            json={"role": "city", "subject_id": CITY_ID, "email": "focal@kukes.example"},
            headers=issue_tokens(app.state.services).of("staff"),
        )
        assert made.status_code == 201, made.text
        secret = made.json()["link"].rsplit("/", 1)[1]
        database = app.state.services.database
        database.engine.dispose()
        database.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:9/gone", pool_pre_ping=True)
        with caplog.at_level(logging.INFO):
            opened = client.get(f"/invite/{secret}")
            used = client.post(f"/invite/{secret}")
    assert opened.status_code == 503
    assert used.status_code == 503
    # The server's own lines (the test client logs the addresses it asks for).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("matchmaker"))
    assert "/invite/{token}" in logged
    assert secret not in logged
