"""The bound of failed sign-ins on PostgreSQL, where several server processes share one count: what a
successful bearer request sends the database, and the bound across two app instances on one
database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from matchmaker.embeddings.fake import HashingEncoder
from matchmaker.services.container import Services
from matchmaker.services.ratelimit import (
    LOCKOUT_FRESH_SECONDS,
    WINDOW_SECONDS,
    CachedLockouts,
    DatabaseRateStore,
)
from matchmaker.settings import Settings
from matchmaker.web import create_app
from matchmaker.web.ratelimit import SIGNIN_LIMITER, RateLimiter
from services_support import add_user, statements

pytestmark = pytest.mark.postgres

ME = "/api/v1/me"
WRONG = {"Authorization": "Bearer mm_not-a-token-anyone-holds"}


@pytest.fixture
def pg_settings(home: Path, pg_url: str) -> Settings:
    """An instance on a PostgreSQL database of its own, at most three failed sign-ins a minute from one
    client address, which the last hop of X-Forwarded-For names (behind a trusted proxy)."""
    return Settings(
        home=home,
        database_url=pg_url,
        model_name=HashingEncoder(dimension=64).name,
        signin_failures_per_minute=3,
        trust_proxy_headers=True,
        trusted_proxies="*",
        job_workers=0,
    )


@pytest.fixture
def services(pg_settings: Settings) -> Iterator[Services]:
    services = Services.build(pg_settings)
    yield services
    services.close()


def _bearer(token: str, address: str = "203.0.113.5") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Forwarded-For": address}


def test_a_successful_bearer_request_does_not_read_the_failed_sign_in_count_each_time(
    services: Services,
) -> None:
    """Every API request with a good token read the count of failed sign-ins of its client address
    from the database (a SELECT and its COMMIT), half of what ``GET /api/v1/me`` sent. Once a server
    process has read it, later requests from that address send only the token's lookup."""
    token = add_user(services, "staff").token
    with TestClient(create_app(services=services)) as client:
        assert client.get(ME, headers=_bearer(token)).status_code == 200
        with statements(services) as sent:
            for _ in range(5):
                assert client.get(ME, headers=_bearer(token)).status_code == 200
    assert [s for s in sent if "rate_window" in s] == []
    assert len(sent) == 5, sent  # the token's lookup, one statement a request


def _in_one_window(seconds: float = 15.0) -> None:
    """Wait, when the database's minute (the shared count's fixed window) ends within ``seconds``, for
    the next one, so that the failures of the test all land in one window."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < seconds:
        time.sleep(left + 0.1)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def workers(pg_settings: Settings) -> Iterator[tuple[TestClient, TestClient, Clock]]:  # type: ignore[type-arg]
    """Two app instances on one database, as two server processes behind one proxy, whose readings of
    the shared count go by a clock the test moves."""
    clock = Clock()
    built = [Services.build(pg_settings) for _ in range(2)]
    clients = []
    try:
        for services in built:
            app = create_app(services=services)
            store = CachedLockouts(DatabaseRateStore(services.database), clock=clock)
            app.state[SIGNIN_LIMITER] = RateLimiter(pg_settings.signin_failures_per_minute, store=store)
            clients.append(TestClient(app))
        with clients[0], clients[1]:
            yield clients[0], clients[1], clock
    finally:
        for services in built:
            services.close()


def test_failed_sign_ins_through_two_server_processes_share_one_bound(
    pg_settings: Settings,
    workers: tuple[TestClient, TestClient, Clock],  # type: ignore[type-arg]
) -> None:
    """Three failed sign-ins a minute from one address, wherever they land: two through one process
    and one through the other refuse the address on both. A process that signed the address in
    before the other reached the bound refuses it within LOCKOUT_FRESH_SECONDS, or at once after a
    failure of its own from it."""
    one, two, clock = workers
    token = add_user(pg_settings, "staff").token
    # A token that signed someone in lately is checked through a lockout (SignedIn): the lockout is
    # seen through one that never did.
    probe = add_user(pg_settings, "staff").token
    _in_one_window()
    for client in (one, two):
        assert client.get(ME, headers=_bearer(token)).status_code == 200
    guesses = [one.get(ME, headers={**WRONG, "X-Forwarded-For": "203.0.113.5"}).status_code for _ in range(2)]
    guesses.append(two.get(ME, headers={**WRONG, "X-Forwarded-For": "203.0.113.5"}).status_code)
    assert guesses == [401, 401, 401]
    for client in (one, two):
        refused = client.get(ME, headers=_bearer(probe))
        assert refused.status_code == 429, refused.text
        assert 1 <= int(refused.headers["retry-after"]) <= 60

    # An address `two` signed in, then locked out through `one` alone.
    quiet, guessing = "198.51.100.7", "198.51.100.8"
    for address in (quiet, guessing):
        assert two.get(ME, headers=_bearer(token, address)).status_code == 200
        for _ in range(3):
            assert one.get(ME, headers={**WRONG, "X-Forwarded-For": address}).status_code == 401
        assert one.get(ME, headers=_bearer(probe, address)).status_code == 429
    # A failure `two` counts itself makes it read the shared count from then on.
    assert two.get(ME, headers={**WRONG, "X-Forwarded-For": guessing}).status_code == 401
    assert two.get(ME, headers=_bearer(probe, guessing)).status_code == 429
    # Without one, its reading of the address holds LOCKOUT_FRESH_SECONDS at most.
    clock.now += LOCKOUT_FRESH_SECONDS
    refused = two.get(ME, headers=_bearer(probe, quiet))
    assert refused.status_code == 429, refused.text
    # Another address keeps its own budget.
    assert two.get(ME, headers=_bearer(token, "192.0.2.1")).status_code == 200
