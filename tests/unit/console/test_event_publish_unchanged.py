"""Publishing again when nothing changed since the last publication: no new version, a clear answer."""

from __future__ import annotations

from collections.abc import Callable

from console_support import Client
from test_routes import make_event

from matchmaker.services.container import Services

SignIn = Callable[[str], str]


def test_publishing_an_unchanged_schedule_says_so_and_keeps_the_version(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    make_event(services, "same", ["kukes", "prov-enerko-esco"], publish=True)
    token = sign_in("staff")

    page = client.post("/events/same/publish")
    assert page.status_code == 200
    assert "Nothing has changed since version 1 was published" in page.text
    assert "The schedule was published" not in page.text
    assert "published version 1" in page.text
    assert "published version 2" not in page.text

    api = client.post("/api/v1/events/same/schedule/publish", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["version"] == 1
    assert body["nothing_changed"] is True
    assert body["note"] == "nothing has changed since version 1 was published"
    assert body["messages"] == 0
