"""Liveness and readiness, open to anyone (no data in them)."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from matchmaker.services.matching import MatchingService
from matchmaker.web.redaction import NO_RECORDS
from matchmaker.web.schemas import HealthOut, ReadyOut


@get("/health", tags=["health"], summary="Liveness", sync_to_thread=False, opt={NO_RECORDS: True})
def health() -> HealthOut:
    """200 while the process serves requests."""
    return HealthOut()


@get(
    "/ready",
    tags=["health"],
    summary="Readiness: the model and the indexes are loaded",
    sync_to_thread=True,
    opt={NO_RECORDS: True},
    responses={
        503: ResponseSpec(
            data_container=ReadyOut,
            generate_examples=False,
            description="Not ready: still loading, or an index is missing or damaged (see `problems`).",
        )
    },
)
def ready(matching: NamedDependency[MatchingService]) -> Response[ReadyOut]:
    """200 when the model and every index are loaded and matching works; 503 with the reasons
    otherwise (``status`` is ``loading`` while the server is still loading them at start-up)."""
    ok, details = matching.readiness()
    loading = bool(details.pop("loading", False))
    body = ReadyOut(status="ready" if ok else "loading" if loading else "not_ready", **details)
    return Response(body, status_code=200 if ok else 503)


__all__ = ["health", "ready"]
