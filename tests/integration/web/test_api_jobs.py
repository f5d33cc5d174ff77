"""Background jobs over HTTP: long work answers 202 with a job whose progress and result can be read."""

from __future__ import annotations

import json

from web_support import SharedApp
from web_support import finished_job as _finished


def _providers(*records: dict[str, str]) -> bytes:
    return "\n".join(json.dumps(r) for r in records).encode() + b"\n"


def test_an_upload_that_does_not_wait_is_a_job_whose_result_is_the_report(shared_app: SharedApp) -> None:
    api, tokens = shared_app.client, shared_app.tokens
    staff = tokens.of("staff")
    content = _providers(
        {
            "id": "job-prov-1",
            "name": "Queue Lights",
            "country": "AL",
            "description": "Adaptive street lights.",
        },
        {"id": "job-prov-2", "name": "Broken", "country": "Narnia", "description": "x"},
    )
    r = api.post(
        "/api/v1/corpus?wait=false",
        files=[("files", ("providers.jsonl", content, "application/octet-stream"))],
        headers=staff,
    )
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert job["kind"] == "ingest"
    assert job["state"] in ("queued", "running", "done")

    done = _finished(api, r.headers["location"], staff)
    assert done["state"] == "done", done
    assert done["progress"] == 1.0
    assert done["heartbeat_at"] >= done["started_at"]
    assert done["result"]["accepted"] == 1
    assert done["result"]["status"] == "partial"
    assert done["result"]["rejected"][0].startswith("providers.jsonl:2: ")
    stored = api.get("/api/v1/providers/job-prov-1", headers=staff)
    assert stored.status_code == 200
    assert stored.json()["name"] == "Queue Lights"


def test_a_job_that_stores_nothing_fails_with_the_reasons(shared_app: SharedApp) -> None:
    api, tokens = shared_app.client, shared_app.tokens
    staff = tokens.of("staff")
    r = api.post(
        "/api/v1/corpus?wait=false",
        files=[("files", ("cities.jsonl", b"{not json\n", "application/octet-stream"))],
        headers=staff,
    )
    assert r.status_code == 202, r.text
    job = _finished(api, r.headers["location"], staff)
    assert job["state"] == "failed"
    assert "no record was stored" in job["error"]
    assert "cities.jsonl:1" in job["error"]


def test_only_the_starter_and_staff_read_a_job(shared_app: SharedApp) -> None:
    api, tokens = shared_app.client, shared_app.tokens
    r = api.post("/api/v1/indexes/rebuild?wait=false", headers=tokens.of("staff"))
    assert r.status_code == 202, r.text
    location = r.headers["location"]
    job = _finished(api, location, tokens.of("staff"))
    assert job["state"] == "done", job
    assert {k["kind"] for k in job["result"]["kinds"]} == {"city", "provider", "case"}
    for role in ("city", "provider"):
        other = api.get(location, headers=tokens.of(role))
        assert other.status_code == 404, other.text
        assert other.headers["content-type"].startswith("application/problem+json")
    assert api.get(location).status_code == 401
    assert api.get("/api/v1/jobs/no-such-job", headers=tokens.of("staff")).status_code == 404


def test_a_job_id_no_job_can_have_is_not_found(shared_app: SharedApp) -> None:
    """A NUL in a job's address is a job that does not exist, as any other unknown id, not a value
    the database refuses (which answered 422 and logged a traceback)."""
    api, tokens = shared_app.client, shared_app.tokens
    r = api.get("/api/v1/jobs/a%00b", headers=tokens.of("staff"))
    assert r.status_code == 404, r.text
    assert r.json()["detail"] == "no job 'a\\x00b'"


def test_waiting_is_the_default(shared_app: SharedApp) -> None:
    api, tokens = shared_app.client, shared_app.tokens
    r = api.post("/api/v1/indexes/rebuild", headers=tokens.of("staff"))
    assert r.status_code == 200, r.text
    assert "kinds" in r.json()
    assert "location" not in r.headers
