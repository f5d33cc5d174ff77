"""The console starts long work as background jobs and shows their progress until they finish."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

from console_support import Client

SignIn = Callable[[str], str]


def _follow(client: Client, location: str) -> str:
    """The job page once the job finished (as the page's polling would see it)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get(location)
        assert page.status_code == 200
        state = re.search(r'data-state="(\w+)"', page.text)
        assert state is not None
        if state.group(1) in ("done", "failed"):
            assert 'hx-trigger="every 1s"' not in page.text  # polling stops
            return page.text
        assert 'hx-trigger="every 1s"' in page.text  # a running job keeps asking for itself
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_a_background_upload_shows_its_progress_then_the_report(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    body = json.dumps({"id": "bg-city", "name": "Background", "country": "AL", "summary": "Floods."}) + "\n"
    response = client.post(
        "/upload",
        files={"file": ("cities.jsonl", body.encode(), "application/jsonl")},
        data={"background": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/jobs/")
    text = _follow(client, location)
    assert "<strong>1</strong> accepted" in text
    assert "Background" in client.get("/cities?q=background").text


def test_staff_rebuild_from_the_dashboard_and_others_cannot_see_the_job(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    assert 'action="/indexes/rebuild"' in client.get("/dashboard").text
    response = client.post("/indexes/rebuild", follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert "Rebuilt 3 indexes" in _follow(client, location)
    sign_in("city")
    assert client.get(location).status_code == 404
    assert client.post("/indexes/rebuild", follow_redirects=False).status_code == 403
