"""A record's version through the API, on SQLite and PostgreSQL: a read gives an ``ETag``, and a change
sent with ``If-Match`` is made only if nobody changed the record since that read (412 otherwise)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from matchmaker.db.models import CityCreate, FocalPointIn, ProviderCreate
from matchmaker.services.records import RecordService
from matchmaker.settings import Settings
from matchmaker.web import create_app
from services_support import add_user, stored_records


@pytest.fixture
def settings(db_settings: Settings) -> Settings:
    s = db_settings.model_copy(update={"rate_limit_per_minute": 100_000})
    with stored_records(s) as records:
        records.create(
            "city",
            CityCreate(
                id="pristina",
                name="Prishtinë",
                country="XK",
                summary="Capital; traffic and air quality.",
                focal_point=FocalPointIn(name="Zana Krasniqi", email="zana.k@pristina.example.org"),
            ),
        )
        records.create(
            "provider",
            ProviderCreate(id="acme", name="Acme Traffic", country="TR", description="Adaptive signals."),
        )
    return s


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def staff(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {add_user(settings, 'staff').token}"}


def test_a_change_on_a_stale_read_is_refused_and_writes_nothing(
    client: TestClient,  # type: ignore[type-arg]
    staff: dict[str, str],
) -> None:
    read = client.get("/api/v1/cities/pristina", headers=staff)
    assert read.status_code == 200
    tag = read.headers["ETag"]
    assert tag.startswith('"')
    assert tag.endswith('"')

    # Someone else changes the city after that read.
    other = client.patch("/api/v1/cities/pristina", json={"population": 200_000}, headers=staff)
    assert other.status_code == 200
    assert other.headers["ETag"] != tag

    late = client.patch("/api/v1/cities/pristina", json={"population": 1}, headers={**staff, "If-Match": tag})
    assert late.status_code == 412
    assert "was changed since you read it" in late.json()["detail"]
    assert client.get("/api/v1/cities/pristina", headers=staff).json()["population"] == 200_000

    # Read again, and the change goes through with the new tag, which the answer replaces.
    fresh = client.get("/api/v1/cities/pristina", headers=staff).headers["ETag"]
    assert fresh == other.headers["ETag"]
    ok = client.patch("/api/v1/cities/pristina", json={"population": 1}, headers={**staff, "If-Match": fresh})
    assert ok.status_code == 200
    assert ok.json()["population"] == 1
    assert ok.headers["ETag"] not in (tag, fresh)
    assert client.get("/api/v1/cities/pristina", headers=staff).headers["ETag"] == ok.headers["ETag"]


def test_if_match_forms(client: TestClient, staff: dict[str, str]) -> None:  # type: ignore[type-arg]
    tag = client.get("/api/v1/providers/acme", headers=staff).headers["ETag"]
    bare = tag.strip('"')

    def change(if_match: str, website: str) -> int:
        headers = {**staff, "If-Match": if_match}
        answer = client.patch("/api/v1/providers/acme", json={"website": website}, headers=headers)
        return answer.status_code

    # A weak tag never matches (strong comparison); a list matches if any of its tags does.
    assert change(f"W/{tag}", "https://a.example") == 412
    assert change(f'"0000", {tag}', "https://b.example") == 200
    # The tag changed with that write, so the same list is now stale; a tag without quotes is read too.
    assert change(f'"0000", {tag}', "https://c.example") == 412
    fresh = client.get("/api/v1/providers/acme", headers=staff).headers["ETag"]
    assert change(fresh.strip('"'), "https://d.example") == 200
    assert bare != fresh.strip('"')
    # "*" is any version, as is no header at all.
    assert change("*", "https://e.example") == 200
    answer = client.patch("/api/v1/providers/acme", json={"website": "https://f.example"}, headers=staff)
    assert answer.status_code == 200
    assert client.get("/api/v1/providers/acme", headers=staff).json()["website"] == "https://f.example"


def test_a_city_reads_the_same_version_as_staff(
    settings: Settings,
    client: TestClient,  # type: ignore[type-arg]
    staff: dict[str, str],
) -> None:
    city = {"Authorization": f"Bearer {add_user(settings, 'city', 'pristina').token}"}
    seen = client.get("/api/v1/cities/pristina", headers=city)
    assert seen.status_code == 200
    assert seen.headers["ETag"] == client.get("/api/v1/cities/pristina", headers=staff).headers["ETag"]


def test_two_changes_on_one_read_at_the_same_moment_one_wins(
    client: TestClient,  # type: ignore[type-arg]
    staff: dict[str, str],
) -> None:
    tag = client.get("/api/v1/cities/pristina", headers=staff).headers["ETag"]
    start = threading.Barrier(2)
    statuses: dict[int, int] = {}

    def change(population: int) -> None:
        start.wait()
        headers = {**staff, "If-Match": tag}
        answer = client.patch("/api/v1/cities/pristina", json={"population": population}, headers=headers)
        statuses[population] = answer.status_code

    workers = [threading.Thread(target=change, args=(p,)) for p in (111, 222)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(statuses.values()) == [200, 412]
    winner = next(p for p, status in statuses.items() if status == 200)
    assert client.get("/api/v1/cities/pristina", headers=staff).json()["population"] == winner


def test_the_version_is_documented(client: TestClient) -> None:  # type: ignore[type-arg]
    schema = client.get("/schema/openapi.json").json()
    change = schema["paths"]["/api/v1/cities/{city_id}"]["patch"]
    assert "412" in change["responses"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in change["parameters"])
    read = schema["paths"]["/api/v1/cities/{city_id}"]["get"]
    assert "ETag" in read["responses"]["200"]["headers"]


def test_a_write_landing_while_a_read_is_answered_makes_that_read_stale(
    client: TestClient,  # type: ignore[type-arg]
    staff: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another client's change that commits between the record's body and its version being read: the
    reader's conditional change must be refused, since what it read may not hold that change."""
    reading = RecordService.visible_get
    landed: list[int] = []

    def read_body_then_let_write_land(self: RecordService, *args: object, **kwargs: object) -> object:
        body = reading(self, *args, **kwargs)  # type: ignore[arg-type]
        writer = threading.Thread(
            target=lambda: landed.append(
                client.patch("/api/v1/cities/pristina", json={"population": 5}, headers=staff).status_code
            )
        )
        writer.start()
        writer.join()
        return body

    monkeypatch.setattr(RecordService, "visible_get", read_body_then_let_write_land)
    read = client.get("/api/v1/cities/pristina", headers=staff)
    monkeypatch.setattr(RecordService, "visible_get", reading)
    assert landed == [200]
    assert read.json()["population"] is None, "the body was read before the other change"

    change = client.patch(
        "/api/v1/cities/pristina",
        json={"name": "Prishtina"},
        headers={**staff, "If-Match": read.headers["ETag"]},
    )
    assert change.status_code == 412
    assert client.get("/api/v1/cities/pristina", headers=staff).json()["name"] == "Prishtinë"


def test_the_etag_tells_no_one_else_that_a_focal_point_changed(
    client: TestClient,  # type: ignore[type-arg]
    settings: Settings,
    staff: dict[str, str],
) -> None:
    """Another city or a provider reads the public profile; its tag changes with what it can see,
    never with the confidential focal point alone (staff and the city itself keep the stored version)."""
    city = {"id": "prizren", "name": "Prizren", "country": "XK", "summary": "Old town; tourism."}
    assert client.post("/api/v1/cities", json=city, headers=staff).status_code == 201
    others = [
        {"Authorization": f"Bearer {add_user(settings, 'city', 'prizren').token}"},
        {"Authorization": f"Bearer {add_user(settings, 'provider', 'acme').token}"},
    ]
    own = {"Authorization": f"Bearer {add_user(settings, 'city', 'pristina').token}"}

    def tags() -> list[str]:
        readers = [*others, own, staff]
        return [client.get("/api/v1/cities/pristina", headers=h).headers["ETag"] for h in readers]

    before = tags()
    focal = {"focal_point": {"name": "Besa Gashi", "email": "besa.g@pristina.example.org"}}
    assert client.patch("/api/v1/cities/pristina", json=focal, headers=staff).status_code == 200
    after = tags()
    assert after[:2] == before[:2]  # nothing they can see changed, and the tag says so
    assert after[2] != before[2]
    assert after[3] != before[3]
    assert after[2] == after[3]  # the city itself and staff hold the version a change is sent with

    assert client.patch("/api/v1/cities/pristina", json={"population": 9}, headers=staff).status_code == 200
    public_change = tags()
    assert public_change[0] != after[0]
    assert public_change[1] != after[1]
