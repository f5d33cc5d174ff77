"""Fixtures shared by every test.

Each test gets its own ``MATCHMAKER_HOME`` (a fresh temporary directory, also set in the environment
so that CLI runs in the same process see it). ``db_settings`` runs a test once on SQLite and once on
the PostgreSQL server at 127.0.0.1:5432, in a database created for that test and dropped after it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from clock_support import RateClock

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The second (multilingual) encoder is the hashing one in tests, unless a test names the real one.
os.environ.setdefault("MATCHMAKER_MULTILINGUAL_MODEL", "hashing-48")

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO_ROOT / "corpora" / "demo"
PG_SERVER_URL = os.environ.get("MATCHMAKER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs with its own instance home and no inherited database URL."""
    home = tmp_path / "mm-home"
    monkeypatch.setenv("MATCHMAKER_HOME", str(home))
    monkeypatch.delenv("MATCHMAKER_DATABASE_URL", raising=False)
    return home


@pytest.fixture
def home(_private_home: Path) -> Path:
    """This test's ``MATCHMAKER_HOME``."""
    return _private_home


def _pg_available() -> str | None:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a hard dependency
        return "psycopg is not installed"
    try:
        with psycopg.connect(_libpq_url(PG_SERVER_URL), connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return f"PostgreSQL at {PG_SERVER_URL} is not reachable: {exc}".splitlines()[0]


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def pg_unavailable() -> str | None:
    """None when the PostgreSQL server answers, otherwise why not."""
    return _pg_available()


@pytest.fixture
def pg_url(pg_unavailable: str | None) -> Iterator[str]:
    """A fresh PostgreSQL database for this test, dropped afterwards."""
    if pg_unavailable:
        pytest.skip(pg_unavailable)
    import psycopg

    name = f"mm_test_{uuid.uuid4().hex[:12]}"
    admin = _libpq_url(PG_SERVER_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_SERVER_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        # FORCE ends any connection a test left open; each test disposes of the databases it built.
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, home: Path) -> str | None:
    """None (SQLite under the home) or a private PostgreSQL database; tests run on both."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db_settings(home: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch) -> object:
    """Settings for this test's home on SQLite and on PostgreSQL (parametrised).

    The environment is set to match, so CLI commands run in-process see the same instance. The
    hashing encoder stands in for the model: these tests are about storage, not retrieval quality.
    """
    from matchmaker.embeddings.fake import HashingEncoder
    from matchmaker.settings import Settings

    model = HashingEncoder(dimension=64).name
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", model)
    if database_url:
        monkeypatch.setenv("MATCHMAKER_DATABASE_URL", database_url)
    return Settings(home=home, database_url=database_url, model_name=model)


@pytest.fixture
def rate_clock(monkeypatch: pytest.MonkeyPatch) -> RateClock:
    """Rate budgets counted against a clock that moves only when the test says so."""
    from matchmaker.services import ratelimit

    clock = RateClock()
    monkeypatch.setattr(ratelimit, "time", clock)
    return clock
