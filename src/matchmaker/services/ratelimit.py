"""Per-caller budgets of expensive requests, kept where every server process sees them.

:class:`RateLimiter` counts hits per caller through a :class:`RateStore`:

* :class:`MemoryRateStore`: a sliding window in this process (SQLite: one process serves the instance);
* :class:`DatabaseRateStore`: fixed windows in PostgreSQL's ``rate_window`` table, one atomic upsert
  per hit (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), so N workers share one budget per caller.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Protocol

from matchmaker.db import workers
from matchmaker.db.engine import Database

WINDOW_SECONDS = 60.0


class RateStore(Protocol):
    """Counts hits per key and says whether one more is allowed."""

    def hit(self, key: str, limit: int, window: float) -> int | None:
        """Record a hit; ``None`` when allowed, else the whole seconds to wait."""
        ...


class MemoryRateStore:
    """A sliding window per key in this process."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: float) -> int | None:
        """Record a hit; ``None`` when allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= window:
                hits.popleft()
            if len(hits) >= limit:
                return max(1, math.ceil(window - (now - hits[0])))
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle callers so the table stays small
                for idle in [k for k, v in self._hits.items() if not v or now - v[-1] >= window]:
                    del self._hits[idle]
            return None


class DatabaseRateStore:
    """Fixed windows per key in the database (PostgreSQL), shared by every server process."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._swept = 0

    def hit(self, key: str, limit: int, window: float) -> int | None:
        """Record a hit; ``None`` when allowed, else the seconds until the window ends."""
        now = time.time()
        span = max(1, int(window))
        start = int(now) // span * span
        with self.database.unit_of_work() as session:
            hits = workers.count_hit(session, key[:200], start)
            if start != self._swept:  # once per window and process: drop the finished windows
                workers.forget_windows(session, start - span)
                self._swept = start
        if hits > limit:
            return max(1, math.ceil(start + span - now))
        return None


class RateLimiter:
    """At most ``limit`` hits per caller in a window of ``window`` seconds."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS, *, store: RateStore | None = None) -> None:
        self.limit = limit
        self.window = window
        self.store: RateStore = store or MemoryRateStore()

    @property
    def shared(self) -> bool:
        """Whether the count lives outside this process (a database round trip per hit)."""
        return not isinstance(self.store, MemoryRateStore)

    def hit(self, key: str) -> int | None:
        """Record a hit; ``None`` when allowed, else the seconds to wait."""
        return self.store.hit(key, self.limit, self.window)

    @classmethod
    def for_database(cls, limit: int, database: Database) -> RateLimiter:
        """In memory on SQLite (one process), in the database on PostgreSQL (any number of processes)."""
        return cls(limit, store=None if database.is_sqlite else DatabaseRateStore(database))


__all__ = ["WINDOW_SECONDS", "DatabaseRateStore", "MemoryRateStore", "RateLimiter", "RateStore"]
