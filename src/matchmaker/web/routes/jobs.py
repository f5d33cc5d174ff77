"""Background jobs: read one job's state and progress; the answer helpers of the routes that start jobs.

A route that starts a job answers ``202 Accepted`` with the job and ``Location: /api/v1/jobs/{id}``.
Only the user who started a job, and staff, can read it; anyone else gets 404, so job ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

import anyio.to_thread
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import PathParameter, QueryParameter
from pydantic import BaseModel, Field

from matchmaker.services.container import Services
from matchmaker.services.jobs import Job, JobService
from matchmaker.services.users import Principal
from matchmaker.web.errors import problems

JOBS_PATH = "/api/v1/jobs"


class JobOut(BaseModel):
    """A background job: its state, progress and, once done, its result (or its error)."""

    id: str
    kind: str = Field(description="ingest, rebuild, generate or statistics.")
    state: str = Field(description="queued, running, done or failed.")
    progress: float = Field(ge=0.0, le=1.0)
    message: str
    result: dict[str, Any] | None = Field(default=None, description="The summary, once done.")
    error: str | None = Field(default=None, description="Why it failed, when it failed.")
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = Field(
        default=None,
        description="When its worker last said it is alive: about every minute while it runs, whether or "
        "not it reports progress.",
    )

    @classmethod
    def of(cls, job: Job) -> JobOut:
        """The public form of a job."""
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state,
            progress=round(job.progress, 3),
            message=job.message,
            result=job.result,
            error=job.error,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            heartbeat_at=job.heartbeat_at,
        )


#: The ``wait`` query parameter of the routes that can start a job.
Wait = Annotated[
    bool,
    QueryParameter(
        description="true (default): answer 200 with the result once the work is done. false: answer 202 "
        "at once with a background job (read it at the `Location`); its result is the same report.",
    ),
]
JobId = Annotated[str, PathParameter(min_length=1, max_length=64, description="The job's id.")]


def job_location(job_id: str) -> str:
    """Where a job is read."""
    return f"{JOBS_PATH}/{job_id}"


def accepted(job: Job) -> Response[Any]:
    """``202 Accepted`` with the job and its ``Location``."""
    return Response(JobOut.of(job), status_code=202, headers={"Location": job_location(job.id)})


def start_job(jobs: JobService, kind: str, params: Mapping[str, Any], caller: Principal) -> Response[Any]:
    """Queue a ``kind`` job for ``caller`` (who may then read it) and answer ``202 Accepted`` with it.

    The one way a route starts a job: call it from a worker thread (it writes the job's row).
    """
    return accepted(jobs.submit(kind, params, owner_id=caller.user_id))


#: The OpenAPI entry of a 202 answer (add to ``responses=``).
ACCEPTED: dict[int, ResponseSpec] = {
    202: ResponseSpec(
        data_container=JobOut,
        description="Started as a background job (with `wait=false`): read it at the `Location`.",
    )
}


@get("/jobs/{job_id:str}", tags=["jobs"], summary="A background job", responses=problems(404))
async def get_job(
    services: NamedDependency[Services], current_user: NamedDependency[Principal], job_id: JobId
) -> JobOut:
    """State, progress and result of a job that the caller started (staff: any job)."""
    job = await anyio.to_thread.run_sync(services.jobs.get_for, job_id, current_user)
    return JobOut.of(job)


__all__ = [
    "ACCEPTED",
    "JOBS_PATH",
    "JobId",
    "JobOut",
    "Wait",
    "accepted",
    "get_job",
    "job_location",
    "start_job",
]
