"""One mapping from the error tree to problem details; unexpected errors are logged 500s."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from litestar import get
from litestar.testing import TestClient

from clock_support import RateClock
from matchmaker import errors
from matchmaker.settings import Settings
from matchmaker.web import create_app
from matchmaker.web.auth import credentials
from matchmaker.web.errors import RateLimitedError, status_for
from matchmaker.web.ratelimit import RateLimiter
from services_support import add_user


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.InvalidInputError("x"), 422),
        (errors.RecordRejectedError("x"), 422),
        (errors.AmbiguousNameError("k", [("a", "A"), ("b", "B")]), 422),
        (errors.NotFoundError("x"), 404),
        (errors.ConflictError("x"), 409),
        (errors.AuthenticationError("x"), 401),
        (errors.PermissionDeniedError("x"), 403),
        (errors.PayloadTooLargeError("x"), 413),
        (errors.IndexUnavailableError("x"), 503),
        (errors.InfeasibleScheduleError("x", ["relax a"]), 422),
        (RateLimitedError("x", 3), 429),
        (errors.MatchmakerError("x"), 400),
    ],
)
def test_every_error_of_the_tree_has_its_status(error: errors.MatchmakerError, status: int) -> None:
    assert status_for(error) == status


@get("/boom", sync_to_thread=False)
def boom() -> None:
    """A route with a bug."""
    msg = "secret internal state 0xdeadbeef"
    raise RuntimeError(msg)


@get("/gone", sync_to_thread=False)
def gone() -> None:
    """A route raising a domain error."""
    raise errors.IndexUnavailableError("there is no case index; run `matchmaker index build`")


def test_unexpected_errors_are_500_with_a_logged_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(home=tmp_path, model_name="hashing-64")
    token = add_user(settings, "staff").token
    with (
        TestClient(create_app(settings, api_handlers=[boom, gone])) as client,
        caplog.at_level(logging.ERROR),
    ):
        r = client.get("/api/v1/boom", headers={"Authorization": f"Bearer {token}"})
        unavailable = client.get("/api/v1/gone", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert "0xdeadbeef" not in r.text
    assert body["request_id"] in body["detail"]
    logged = [rec for rec in caplog.records if rec.levelno >= logging.ERROR and rec.exc_info]
    assert logged, "the traceback was not logged"
    assert "0xdeadbeef" in str(logged[0].exc_info[1])  # type: ignore[index]
    assert unavailable.status_code == 503
    assert unavailable.json()["title"] == "Index unavailable"


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(2, window=60)
    assert limiter.hit("a") is None
    assert limiter.hit("a") is None
    wait = limiter.hit("a")
    assert wait is not None
    assert 1 <= wait <= 60
    assert limiter.hit("b") is None


def test_a_budget_of_failures_is_asked_without_counting_and_frees_up_when_the_window_passes(
    rate_clock: RateClock,
) -> None:
    limiter = RateLimiter(2, window=0.3)
    assert [limiter.wait("a"), limiter.wait("a"), limiter.wait("a")] == [None, None, None]  # asking is free
    assert limiter.hit("a") is None
    assert limiter.hit("a") is None
    assert limiter.wait("a") == 1
    assert limiter.wait("b") is None
    rate_clock.advance(0.35)
    assert limiter.wait("a") is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"authorization", b"Bearer abc")], ("abc", "bearer")),
        ([(b"authorization", b"bearer   abc  ")], ("abc", "bearer")),
        ([(b"authorization", b"Basic abc")], ("", "bearer")),
        ([(b"cookie", b"mm_session=tok; other=1")], ("tok", "cookie")),
        ([(b"cookie", b"other=1")], (None, None)),
        ([(b"cookie", b'bad"cookie=\x00')], (None, None)),
        ([], (None, None)),
    ],
)
def test_credentials_from_headers(
    headers: list[tuple[bytes, bytes]], expected: tuple[str | None, str | None]
) -> None:
    assert credentials({"type": "http", "headers": headers}) == expected  # type: ignore[arg-type, typeddict-item]
