"""Index status and rebuild (staff)."""

from __future__ import annotations

import anyio.to_thread
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency

from matchmaker.services.container import Services
from matchmaker.services.users import Principal
from matchmaker.web.auth import staff_only
from matchmaker.web.errors import problems
from matchmaker.web.ratelimit import rate_limited
from matchmaker.web.routes.jobs import ACCEPTED, JobOut, Wait, start_job
from matchmaker.web.schemas import IndexKindOut, IndexRebuildOut, IndexStatusOut


class IndexController(Controller):
    """The embedding indexes behind matching and search."""

    path = "/indexes"
    tags = ("indexes",)
    guards = (staff_only,)

    @get("/", summary="Index status (staff)", responses=problems(403))
    async def status(self, services: NamedDependency[Services]) -> IndexStatusOut:
        """Per kind: whether an index exists, what its manifest says, and whether it is stale."""
        statuses = await anyio.to_thread.run_sync(services.indexes.status)
        return IndexStatusOut(kinds=[IndexKindOut.model_validate(s.to_dict()) for s in statuses])

    @post(
        "/rebuild",
        guards=[rate_limited],
        summary="Rebuild every index (staff)",
        responses={**problems(403, 429, 503), **ACCEPTED},
        status_code=200,
    )
    async def rebuild(
        self,
        services: NamedDependency[Services],
        current_user: NamedDependency[Principal],
        wait: Wait = True,
    ) -> Response[IndexRebuildOut | JobOut]:
        """Re-split every record and publish fresh indexes; unchanged texts come from the cache.

        Runs in a worker thread (or, with ``wait=false``, as a background job); requests keep being
        served from the previous indexes until the new ones are published.
        """
        if not wait:
            return await anyio.to_thread.run_sync(start_job, services.jobs, "rebuild", {}, current_user)
        report = await anyio.to_thread.run_sync(services.indexes.rebuild)
        return Response(IndexRebuildOut.model_validate(report.to_dict()))


__all__ = ["IndexController"]
