"""Fixtures and helpers of the browser tests (their conftest imports the fixtures).

A live server on a free port, and headless Chromium driven by Playwright.

``live_server`` (once per test session) builds an instance in a temporary ``MATCHMAKER_HOME``: the
demo corpora ingested with the fast hashing encoder, one user per role, and one event already
published (so the participants' agenda pages have something to show without depending on another
test). It then starts ``matchmaker serve`` in a subprocess and waits for ``/ready``.

``page`` is a fresh browser context per test (laptop-sized unless the test asks otherwise), so no
test shares cookies with another. Chromium is Debian's (``/usr/bin/chromium``; ``make browser``
installs it); without it every test here is skipped with that reason. Console errors in the page
(a script error, a blocked resource) fail the test.

Every e2e test is in the ``e2e`` xdist group, so one worker runs them all against one server.
Screenshots of the main pages go to ``tests/artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn
from matchmaker.settings import Settings
from port_support import reserved_port
from services_support import add_user, ingest, services_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = REPO_ROOT / "corpora" / "demo"
SCREENSHOTS = REPO_ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FAKE_MODEL = "hashing-64"
CITY_ID = "kukes"
PROVIDER_ID = "prov-enerko-esco"
PUBLISHED_EVENT = "e2e-published"
#: An event that took place last year: its meetings can be rated.
PAST_EVENT = "e2e-past"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
#: How long the browser tests wait for their server to be ready (a loaded 2-core machine needs more
#: than a minute to load the matching runtime).
STARTUP_TIMEOUT = 300.0


@dataclass(frozen=True)
class LiveServer:
    """A running instance: its URL, its settings (for checks from the test) and a token per role."""

    url: str
    settings: Settings
    tokens: dict[str, str]
    log: Path


def focal_point_values() -> list[str]:
    """Every focal-point name, e-mail and phone of the demo corpus."""
    values: list[str] = []
    for line in (DEMO_DIR / "cities.jsonl").read_text(encoding="utf-8").splitlines():
        focal = json.loads(line).get("focal_point") or {}
        values.extend(str(v) for v in focal.values() if v)
    return values


def _published_event(services: Services) -> None:
    """An event the city and the provider take part in, planned and published."""
    slots = [
        SlotIn(
            start=datetime.fromisoformat(f"2038-03-02T{h}:00"),
            end=datetime.fromisoformat(f"2038-03-02T{h}:20"),
        )
        for h in ("09", "10", "11")
    ]
    ids = [CITY_ID, "tepebasi", "osh", PROVIDER_ID, "prov-balkan-esco"]
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        catalog.create(
            EventCreate(
                id=PUBLISHED_EVENT,
                name="Ankara Level 3 workshop",
                slots=slots,
                tables=3,
                timezone="Europe/Istanbul",
            ),
        )
        catalog.add_participants(PUBLISHED_EVENT, [ParticipantIn(id=i) for i in ids])
    services.planner.generate(PUBLISHED_EVENT, score=lambda _a, _b: 0.5, time_limit=5)
    services.planner.publish(PUBLISHED_EVENT)
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        catalog.create(
            EventCreate(
                id=PAST_EVENT,
                name="Tirana Level 3 workshop (last year)",
                slots=[
                    SlotIn(
                        start=datetime.fromisoformat("2025-10-07T09:00"),
                        end=datetime.fromisoformat("2025-10-07T09:20"),
                    )
                ],
                tables=1,
                timezone="Europe/Tirane",
            ),
        )
        catalog.add_participants(PAST_EVENT, [ParticipantIn(id=i) for i in (CITY_ID, PROVIDER_ID)])
    services.planner.generate(PAST_EVENT, score=lambda _a, _b: 0.5, time_limit=5)
    services.planner.publish(PAST_EVENT)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"the server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(
        f"the server was not ready within {STARTUP_TIMEOUT:.0f}s:\n{log.read_text(errors='replace')[-3000:]}"
    )


@pytest.fixture(scope="session")
def server_port() -> Iterator[int]:
    """The port of the live server, kept for it until the session ends."""
    with reserved_port() as port:
        yield port


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, server_port: int) -> Iterator[LiveServer]:
    """The console served by ``matchmaker serve`` over a seeded temporary home."""
    home = tmp_path_factory.mktemp("e2e-home")
    settings = Settings(home=home, model_name=FAKE_MODEL, rate_limit_per_minute=100_000)
    with services_for(settings) as services:  # closed before the server starts
        report = ingest(services, [DEMO_DIR])
        assert report.exit_code == 0, report.rejections
        tokens = {
            "staff": add_user(services, "staff", label="e2e staff").token,
            "city": add_user(services, "city", CITY_ID).token,
            "provider": add_user(services, "provider", PROVIDER_ID).token,
        }
        _published_event(services)
    port = server_port
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHMAKER_")}
    env.update(
        MATCHMAKER_HOME=str(home),
        MATCHMAKER_MODEL_NAME=FAKE_MODEL,
        MATCHMAKER_RATE_LIMIT_PER_MINUTE="100000",
        MATCHMAKER_LOG_LEVEL="WARNING",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    log = home / "server.log"
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from matchmaker.cli import main; main()", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(url, proc, log)
        yield LiveServer(url=url, settings=settings, tokens=tokens, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's), once per session; skips when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium is not installed at {CHROMIUM} (run `make browser` or `apt-get install chromium`)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def viewport() -> dict[str, int]:
    """The window size of this test's page; override with ``@pytest.mark.parametrize``."""
    return LAPTOP


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, viewport: dict[str, int]) -> Iterator[Page]:
    """A fresh browser context and page on the live server; console errors fail the test."""
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, accept_downloads=True, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield tab
    finally:
        context.close()
    # 401/403/404 pages that a test opens on purpose log "Failed to load resource"; nothing else may.
    unexpected = [e for e in errors if "Failed to load resource" not in e]
    assert not unexpected, f"errors in the browser console: {unexpected}"


@pytest.fixture
def sign_in(page: Page, live_server: LiveServer) -> Callable[[str], None]:
    """Sign the page in through the form as ``staff``, ``city`` (Kukës) or ``provider`` (Enerko)."""

    def _sign_in(role: str) -> None:
        page.goto("/signin")
        page.get_by_label("Access token").fill(live_server.tokens[role])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/signin" not in page.url, page.content()[:2000]

    return _sign_in


@pytest.fixture
def shoot(page: Page) -> Callable[[str], None]:
    """Save a full-page screenshot under ``tests/artifacts/screenshots/NAME.png``."""

    def _shoot(name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return _shoot


def no_horizontal_scroll(page: Page) -> bool:
    """Whether the page fits the window's width (nothing to scroll sideways at the document level)."""
    width: Any = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return int(width) <= 1
