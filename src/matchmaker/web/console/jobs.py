"""Background jobs in the console: start a corpus ingest or an index rebuild, and watch its progress.

``/jobs/{id}`` shows one job; while it runs, its ``#job`` fragment asks for itself again every second
(htmx), so the page follows the progress without a reload and stops polling once the job is finished.
Only the user who started a job, and staff, see it.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from matchmaker.services.jobs import Job
from matchmaker.web.console.render import page
from matchmaker.web.console.session import STAFF, form_on, principal_of, services_of

#: What each kind of job is called on the page.
JOB_TITLES = {
    "ingest": "Corpus ingest",
    "rebuild": "Index rebuild",
    "generate": "Schedule generation",
    "statistics": "Event statistics",
}


def start_ingest(request: Request[Any, Any, Any], name: str, content: bytes) -> Job:
    """Save one uploaded file in a new job's folder and queue its ingest (the caller owns the job)."""
    services = services_of(request)
    jobs = services.jobs
    job_id = jobs.new_id()
    folder = jobs.files_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    params = {"folder": str(folder), "files": [name], "source": "console"}
    return jobs.submit("ingest", params, owner_id=principal_of(request).user_id, job_id=job_id)


def job_redirect(job: Job) -> Response[Any]:
    """See Other: the job's page."""
    return Redirect(f"/jobs/{job.id}", status_code=303)


@post("/indexes/rebuild", name="console:rebuild", opt=form_on("console:dashboard", STAFF))
async def rebuild(request: Request[Any, Any, Any]) -> Response[Any]:
    """Rebuild every index in the background and show the job."""
    services = services_of(request)
    owner = principal_of(request).user_id
    job = await anyio.to_thread.run_sync(lambda: services.jobs.submit("rebuild", {}, owner_id=owner))
    return job_redirect(job)


@get("/jobs/{job_id:str}", name="console:job")
async def job_page(request: Request[Any, Any, Any], job_id: FromPath[str]) -> Response[Any]:
    """One job: its state and progress (polled while it runs), then its result or error."""
    principal = principal_of(request)
    job = await anyio.to_thread.run_sync(services_of(request).jobs.get_for, job_id, principal)
    title = JOB_TITLES.get(job.kind, "Background job")
    return page("console/job.html", principal, title=title, request_path=request.url.path, job=job)


ROUTES = [rebuild, job_page]

__all__ = ["JOB_TITLES", "ROUTES", "job_redirect", "start_ingest"]
