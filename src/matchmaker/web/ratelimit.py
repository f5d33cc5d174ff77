"""The rate-limit guard of the expensive endpoints (matching, search, upload, index rebuild).

Hits are counted per caller (the user id when signed in, the client address otherwise) by the
instance's :class:`~matchmaker.services.ratelimit.RateLimiter`: in memory on SQLite, in PostgreSQL when
several server processes share the database.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from matchmaker.services.ratelimit import WINDOW_SECONDS, RateLimiter
from matchmaker.services.users import Principal
from matchmaker.web.errors import RateLimitedError


def caller_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Who to count a hit against."""
    user = connection.scope.get("user")
    if isinstance(user, Principal):
        return f"user:{user.user_id}"
    client = connection.scope.get("client")
    return f"addr:{client[0] if client else '-'}"


async def rate_limited(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: count this request against the caller's budget of expensive requests."""
    limiter: RateLimiter = connection.app.state.rate_limiter
    key = caller_key(connection)
    wait = await anyio.to_thread.run_sync(limiter.hit, key) if limiter.shared else limiter.hit(key)
    if wait is not None:
        raise RateLimitedError(
            f"too many expensive requests: at most {limiter.limit} per minute; retry in {wait} s",
            retry_after=wait,
        )


__all__ = ["WINDOW_SECONDS", "RateLimiter", "caller_key", "rate_limited"]
