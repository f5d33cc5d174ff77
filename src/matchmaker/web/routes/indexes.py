"""Index status and rebuild (staff)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency

from matchmaker.services import indexing
from matchmaker.settings import Settings
from matchmaker.web.auth import staff_only
from matchmaker.web.errors import problems
from matchmaker.web.ratelimit import rate_limited
from matchmaker.web.schemas import IndexKindOut, IndexRebuildOut, IndexStatusOut
from matchmaker.web.state import Runtime


class IndexController(Controller):
    """The embedding indexes behind matching and search."""

    path = "/indexes"
    tags = ("indexes",)
    guards = (staff_only,)

    @get("/", summary="Index status (staff)", responses=problems(403))
    async def status(self, settings: NamedDependency[Settings]) -> IndexStatusOut:
        """Per kind: whether an index exists, what its manifest says, and whether it is stale."""
        statuses = await anyio.to_thread.run_sync(lambda: indexing.index_status(settings))
        return IndexStatusOut(kinds=[IndexKindOut.model_validate(s.to_dict()) for s in statuses])

    @post(
        "/rebuild",
        guards=[rate_limited],
        summary="Rebuild every index (staff)",
        responses=problems(403, 429, 503),
        status_code=200,
    )
    async def rebuild(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        runtime: NamedDependency[Runtime],
    ) -> IndexRebuildOut:
        """Re-split every record and publish fresh indexes; unchanged texts come from the cache.

        Runs in a worker thread; requests keep being served from the previous indexes until the new
        ones are published.
        """
        report = await anyio.to_thread.run_sync(
            lambda: indexing.rebuild_indexes(settings, encoder=runtime.encoder)
        )
        request.app.state.confidential_terms.invalidate()
        return IndexRebuildOut.model_validate(report.to_dict())


__all__ = ["IndexController"]
