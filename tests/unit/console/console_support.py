"""Fixtures and helpers of the console route tests (their conftest imports the fixtures).

A seeded instance, a test client, and a signed-in client per role.

``console_template`` ingests the demo corpora once per test process with the hashing encoder; each
test copies it into its own private home, so tests that plan events or upload files never see each
other's changes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from litestar.testing import TestClient

from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn
from matchmaker.settings import Settings
from matchmaker.web.app import create_app
from services_support import add_user, ingest

REPO_ROOT = Path(__file__).resolve().parents[3]
DEMO_DIR = REPO_ROOT / "corpora" / "demo"
CITY_ID = "kukes"
PROVIDER_ID = "prov-enerko-esco"

Client = TestClient  # type: ignore[type-arg]


def console_settings(home: Path) -> Settings:
    """Settings with the hashing encoder and no rate limit in the way."""
    return Settings(home=home, model_name="hashing-64", rate_limit_per_minute=100_000)


@pytest.fixture(scope="session")
def console_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the demo corpora ingested and indexed, built once per test process."""
    home = tmp_path_factory.mktemp("console-home")
    report = ingest(console_settings(home), [DEMO_DIR])  # closed afterwards, so copies are complete
    assert report.exit_code == 0, report.rejections
    return home


@pytest.fixture
def settings(console_template: Path, home: Path) -> Settings:
    """This test's own copy of the seeded instance."""
    shutil.copytree(console_template, home, dirs_exist_ok=True)
    return console_settings(home)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """The service container of this test's instance, closed after the test."""
    container = Services.build(settings)
    yield container
    container.close()


@pytest.fixture
def client(services: Services) -> Iterator[Client]:
    """A client of the whole app (API and console) over :func:`services`, with the lifespan run."""
    with TestClient(create_app(services=services), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def app_services(client: Client) -> Services:
    """The service container of the app behind ``client``."""
    services: Services = client.app.state.services
    return services


def signer(client: Client) -> Callable[[str], str]:
    """Sign in as ``staff``, ``city`` (kukes) or ``provider`` (prov-enerko-esco); returns the token."""

    def _sign_in(role: str) -> str:
        """Create a user of ``role`` and sign ``client`` in with its token."""
        subject = {"staff": None, "city": CITY_ID, "provider": PROVIDER_ID}[role]
        token = add_user(app_services(client), role, subject).token
        client.cookies.clear()
        response = client.post("/signin", data={"token": token}, follow_redirects=False)
        assert response.status_code == 303, response.text
        return token

    return _sign_in


@pytest.fixture
def sign_in(client: Client) -> Callable[[str], str]:
    """Sign in as ``staff``, ``city`` (kukes) or ``provider`` (prov-enerko-esco); returns the token."""
    return signer(client)


@pytest.fixture(scope="module")
def ro_settings(console_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the seeded instance shared by the tests of one module that change nothing in it."""
    home = tmp_path_factory.mktemp("console-read-only") / "home"
    shutil.copytree(console_template, home)
    return console_settings(home)


@pytest.fixture(scope="module")
def ro_app_client(ro_settings: Settings) -> Iterator[Client]:
    """One app over :func:`ro_settings` for a module (starting an app costs seconds)."""
    with TestClient(create_app(ro_settings), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


@pytest.fixture
def ro_client(ro_app_client: Client) -> Client:
    """The shared read-only client, signed out at the start of each test."""
    ro_app_client.cookies.clear()
    return ro_app_client


@pytest.fixture
def ro_sign_in(ro_client: Client) -> Callable[[str], str]:
    """Sign the shared client in as a role (a fresh user each time)."""
    return signer(ro_client)


def add_event(
    client: Client,
    event_id: str,
    participants: Sequence[str],
    *,
    slots: int = 2,
    tables: int = 2,
    day: datetime = datetime(2038, 5, 4),  # noqa: DTZ001 - a wall time in the event's zone
    timezone: str | None = None,
    request_deadline: datetime | None = None,
) -> None:
    """An event of ``tables`` tables with ``slots`` 20-minute slots on the hour from 09:00 on ``day``,
    and these stored cities and providers taking part."""
    services = app_services(client)
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        catalog.create(
            EventCreate(
                id=event_id,
                name=event_id.replace("-", " ").capitalize(),
                tables=tables,
                timezone=timezone,
                request_deadline=request_deadline,
                slots=[
                    SlotIn(start=day.replace(hour=9 + k), end=day.replace(hour=9 + k, minute=20))
                    for k in range(slots)
                ],
            )
        )
        catalog.add_participants(event_id, [ParticipantIn(id=p) for p in participants])


class FormValues(HTMLParser):
    """The values a browser would post from the page's edit form (repeated names kept in order)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            self.values.append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
            self.values.append((name, ""))
        elif tag == "option" and self._select and "selected" in a:
            self.values[-1] = (self._select, a.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea:
            self.values.append((self._textarea, "".join(self._text)))
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)


def form_of(client: Client, path: str) -> list[tuple[str, str]]:
    """The values a browser would post from the form on the page at ``path``."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    parser = FormValues()
    parser.feed(page.text)
    return parser.values


def changed(values: list[tuple[str, str]], **new: str) -> list[tuple[str, str]]:
    """``values`` with some fields given new values."""
    return [(k, new.get(k, v)) for k, v in values]


def post_form(client: Client, path: str, values: list[tuple[str, str]], **headers: str) -> httpx.Response:
    """Post the form as a browser does (repeated names stay repeated, in order)."""
    response: httpx.Response = client.post(
        path,
        content=urlencode(values).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        follow_redirects=False,
    )
    return response
