"""Per-caller rate limiting of the expensive endpoints (matching, search, upload, index rebuild).

A sliding window per caller (the user id when signed in, the client address otherwise), in memory:
one server process serves one instance, so there is nothing to share between processes.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from matchmaker.services.users import Principal
from matchmaker.web.errors import RateLimitedError

WINDOW_SECONDS = 60.0


class RateLimiter:
    """At most ``limit`` hits per caller in any window of ``window`` seconds."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Record a hit; ``None`` when allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(self.window - (now - hits[0])))
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle callers so the table stays small
                for idle in [k for k, v in self._hits.items() if not v or now - v[-1] >= self.window]:
                    del self._hits[idle]
            return None


def caller_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Who to count a hit against."""
    user = connection.scope.get("user")
    if isinstance(user, Principal):
        return f"user:{user.user_id}"
    client = connection.scope.get("client")
    return f"addr:{client[0] if client else '-'}"


def rate_limited(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: count this request against the caller's budget of expensive requests."""
    limiter: RateLimiter = connection.app.state.rate_limiter
    wait = limiter.hit(caller_key(connection))
    if wait is not None:
        raise RateLimitedError(
            f"too many expensive requests: at most {limiter.limit} per minute; retry in {wait} s",
            retry_after=wait,
        )


__all__ = ["RateLimiter", "caller_key", "rate_limited"]
