"""The console starts long work as background jobs and shows their progress until they finish."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

from console_support import CITY_ID, PROVIDER_ID, Client

from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn

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


def test_a_statistics_job_started_through_the_api_shows_its_figures_to_staff(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    from datetime import datetime

    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        start = datetime.fromisoformat("2038-03-02T09:00")
        catalog.create(
            EventCreate(
                id="fair", name="Fair", tables=1, slots=[SlotIn(start=start, end=start.replace(minute=20))]
            )
        )
        catalog.add_participants("fair", [ParticipantIn(id=CITY_ID), ParticipantIn(id=PROVIDER_ID)])
    job = services.jobs.submit("statistics", {"event_id": "fair"}, owner_id=None)
    sign_in("staff")
    text = _follow(client, f"/jobs/{job.id}")
    assert "Event statistics" in text
    assert "Statistics of 0 meetings and 0 ratings" in text
    assert 'href="/events/fair/feedback"' in text
    sign_in("city")
    assert client.get(f"/jobs/{job.id}").status_code == 404


def test_a_running_job_reads_running_colon_and_what_it_does() -> None:
    """The state and the job's message read as one phrase ("Running: rebuilding the indexes")."""
    from types import SimpleNamespace

    from matchmaker.web.console.render import render

    job = SimpleNamespace(
        id="j1", kind="rebuild", state="running", message="rebuilding the indexes", progress=0.4, result=None
    )
    text = re.sub(r"<[^>]+>", "", render("console/job_status.html", {"job": job}))
    assert "Running: rebuilding the indexes" in " ".join(text.split())


def test_a_jobs_progress_bar_is_named_for_screen_readers() -> None:
    """The progress bar of a job was read as a bare "progress bar, 40 %"; it now says what progresses."""
    from types import SimpleNamespace

    from matchmaker.web.console.render import render

    job = SimpleNamespace(
        id="j1", kind="rebuild", state="running", message="rebuilding the indexes", progress=0.4, result=None
    )
    html = render("console/job_status.html", {"job": job})
    bar = re.search(r"<progress[^>]*>", html)
    assert bar is not None
    assert 'aria-label="Progress of this job"' in bar.group(0)
