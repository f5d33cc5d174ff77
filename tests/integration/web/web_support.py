"""Shared helpers and fixtures of the HTTP API tests (imported by their conftest).

``seeded_home`` copies a home that holds the demo corpora and their indexes (built once per test
process with the fast hashing encoder) into this test's private home, so every test starts from the
same data and none sees another's changes. ``api`` is a test client over ``create_app`` with the
lifespan run; ``tokens`` holds a bearer token per role.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from matchmaker.services.container import Services
from matchmaker.settings import Settings
from matchmaker.web import create_app
from services_support import Instance, add_user, ingest, services_for

REPO_ROOT = Path(__file__).resolve().parents[3]
DEMO_DIR = REPO_ROOT / "corpora" / "demo"
FAKE_MODEL = "hashing-64"

CITY_ID = "kukes"
OTHER_CITY_ID = "kosovo-polje"
PROVIDER_ID = "prov-kentiz-ulasim"
OTHER_PROVIDER_ID = "prov-enerko-esco"
CASE_ID = "case-tuzla-led"


def web_settings_for(home: Path, **changes: object) -> Settings:
    """Settings for API tests: the hashing encoder and a rate limit tests do not hit."""
    values: dict[str, object] = {"home": home, "model_name": FAKE_MODEL, "rate_limit_per_minute": 100_000}
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the demo corpora ingested and indexed, built once per test process."""
    home = tmp_path_factory.mktemp("demo-home")
    settings = web_settings_for(home)
    report = ingest(settings, [DEMO_DIR])  # the container is closed after it, so the copy is complete
    assert report.exit_code == 0, report.rejections
    return home


@pytest.fixture
def seeded_settings(demo_template: Path, home: Path) -> Settings:
    """Settings for this test's home, holding a copy of the demo data and indexes."""
    shutil.copytree(demo_template, home, dirs_exist_ok=True)
    return web_settings_for(home)


@dataclass(frozen=True)
class Tokens:
    """A bearer token per role: staff, the focal point of ``kukes``, the provider ``prov-kentiz-ulasim``."""

    staff: str
    city: str
    provider: str
    other_city: str
    other_provider: str

    def of(self, role: str | None) -> dict[str, str]:
        """Headers authenticating as ``role`` (``None``: no header)."""
        if role is None:
            return {}
        return {"Authorization": f"Bearer {getattr(self, role)}"}


def issue_tokens(instance: Instance) -> Tokens:
    """One user per role in this instance (its settings, or the services of an app over it)."""
    with services_for(instance) as services:
        return Tokens(
            staff=add_user(services, "staff").token,
            city=add_user(services, "city", CITY_ID).token,
            provider=add_user(services, "provider", PROVIDER_ID).token,
            other_city=add_user(services, "city", OTHER_CITY_ID).token,
            other_provider=add_user(services, "provider", OTHER_PROVIDER_ID).token,
        )


@pytest.fixture
def tokens(seeded_settings: Settings) -> Tokens:
    """Tokens for every role over the seeded data."""
    return issue_tokens(seeded_settings)


@dataclass(frozen=True)
class SharedApp:
    """One app over one copy of the demo data, shared by the tests of a module."""

    client: TestClient  # type: ignore[type-arg]
    tokens: Tokens
    settings: Settings
    services: Services


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[SharedApp]:
    """An app for a whole module whose tests only read, or change records no other test reads.

    Starting an app builds the matching engine (seconds), so modules of many small tests share one.
    """
    home = tmp_path_factory.mktemp("shared-home")
    shutil.copytree(demo_template, home, dirs_exist_ok=True)
    settings = web_settings_for(home)
    services = Services.build(settings)
    tokens = issue_tokens(services)
    try:
        with TestClient(create_app(services=services)) as client:
            yield SharedApp(client, tokens, settings, services)
    finally:
        services.close()


def upload_records(api: TestClient, tokens: Tokens, file_name: str, lines: list[dict[str, Any]]) -> Any:  # type: ignore[type-arg]
    """Staff upload ``lines`` as the corpus file ``file_name`` (waiting for the ingest)."""
    content = "\n".join(json.dumps(line) for line in lines).encode() + b"\n"
    return api.post(
        "/api/v1/corpus",
        files=[("files", (file_name, content, "application/octet-stream"))],
        headers=tokens.of("staff"),
    )


def finished_job(api: TestClient, location: str, headers: dict[str, str]) -> dict[str, Any]:  # type: ignore[type-arg]
    """The background job at ``location`` once it is done or failed (its progress stays in [0, 1])."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = api.get(location, headers=headers)
        assert r.status_code == 200, r.text
        job: dict[str, Any] = r.json()
        assert 0.0 <= job["progress"] <= 1.0
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    pytest.fail(f"the job at {location} did not finish")


@pytest.fixture
def api(seeded_settings: Settings) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """A client of the app over the seeded data, with the lifespan (model and matcher) run."""
    with TestClient(create_app(seeded_settings)) as client:
        yield client
