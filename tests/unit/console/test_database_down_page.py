"""When the database stops answering, a person in the console reads a page saying the service is
unavailable for a moment (503, try again), not a 500 page or problem-details JSON; scripts keep JSON."""

from __future__ import annotations

from collections.abc import Callable

from console_support import CITY_ID, Client, app_services
from sqlalchemy import create_engine

UNAVAILABLE = "temporarily unavailable"


def _database_gone(client: Client) -> None:
    database = app_services(client).database
    database.engine.dispose()
    # Where the database was, nothing answers now (a port no server listens on).
    database.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:9/gone", pool_pre_ping=True)


def _is_unavailable_page(response: object) -> None:
    r = response
    assert r.status_code == 503, (r.url, r.status_code)  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("text/html"), r.text  # type: ignore[attr-defined]
    assert r.headers["retry-after"] == "5"  # type: ignore[attr-defined]
    assert UNAVAILABLE in r.text, r.text  # type: ignore[attr-defined]


def test_a_signed_in_person_reads_that_the_service_is_unavailable(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("staff")
    assert client.get("/cities").status_code == 200
    _database_gone(client)
    html = {"accept": "text/html"}
    for path in ("/cities", f"/cities/{CITY_ID}", "/events", "/dashboard"):
        _is_unavailable_page(client.get(path, headers=html, follow_redirects=False))
    _is_unavailable_page(client.post("/events", data={"id": "x"}, headers=html, follow_redirects=False))


def test_the_sign_in_page_says_so_too_and_the_api_keeps_problem_details(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    token = sign_in("staff")
    _database_gone(client)
    client.cookies.clear()
    _is_unavailable_page(client.get("/signin", headers={"accept": "text/html"}))
    api = client.get(f"/api/v1/cities/{CITY_ID}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 503
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["detail"] == "the database cannot be reached just now; try again shortly"
