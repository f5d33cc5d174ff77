"""A meeting request's id is never given to another request, on SQLite and PostgreSQL (``db_settings``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from matchmaker.db.models import CityCreate, ProviderCreate
from matchmaker.settings import Settings
from matchmaker.web import create_app
from services_support import add_user, stored_records

BASE = "/api/v1/events"
EVENT = {
    "id": "ws1",
    "name": "Level 3 workshop",
    "timezone": "Europe/Istanbul",
    "tables": 2,
    "slots": [{"start": "2038-03-02T09:00", "end": "2038-03-02T09:20"}],
}


@pytest.fixture
def settings(db_settings: Settings) -> Settings:
    s = db_settings.model_copy(update={"rate_limit_per_minute": 100_000})
    with stored_records(s) as records:
        for cid, name in (("kukes", "Kukës"), ("osh", "Osh")):
            records.create("city", CityCreate(id=cid, name=name, country="AL", summary=f"{name} summary."))
        acme = ProviderCreate(id="acme", name="Acme", country="TR", description="Offers.")
        records.create("provider", acme)
    return s


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings)) as c:
        yield c


def _as(settings: Settings, role: str, subject: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {add_user(settings, role, subject).token}"}


def test_a_withdrawn_requests_id_is_not_given_to_the_next_request(
    settings: Settings, client: TestClient[Any]
) -> None:
    staff = _as(settings, "staff")
    assert client.post(BASE, json=EVENT, headers=staff).status_code == 201
    people = [{"id": p} for p in ("kukes", "osh", "acme")]
    assert client.post(f"{BASE}/ws1/participants", json=people, headers=staff).status_code == 200
    osh, kukes = _as(settings, "city", "osh"), _as(settings, "city", "kukes")
    acme = _as(settings, "provider", "acme")

    first = client.post(f"{BASE}/ws1/requests", json={"recipient": "acme"}, headers=osh)
    assert first.status_code == 201, first.text
    old = f"{BASE}/ws1/requests/{first.json()['id']}"
    assert client.delete(old, headers=osh).status_code == 204

    second = client.post(f"{BASE}/ws1/requests", json={"recipient": "acme"}, headers=kukes)
    assert second.status_code == 201, second.text
    assert second.json()["id"] != first.json()["id"]

    # Whoever kept the withdrawn request's id reaches nothing with it, not Kukës's request.
    answered = client.post(f"{old}/answer", json={"answer": "declined"}, headers=acme)
    assert answered.status_code == 404, answered.text
    assert client.delete(old, headers=osh).status_code == 404
    assert client.delete(old, headers=staff).status_code == 404
    [waiting] = client.get(f"{BASE}/ws1/requests", headers=acme).json()
    assert (waiting["sender"], waiting["status"]) == ("kukes", "pending")
