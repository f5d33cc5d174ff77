"""Per-caller budgets of expensive requests, kept where every server process sees them.

:class:`RateLimiter` counts hits per caller through a :class:`RateStore`:

* :class:`MemoryRateStore`: a sliding window in this process (SQLite: one process serves the instance);
* :class:`DatabaseRateStore`: fixed windows in PostgreSQL's ``rate_window`` table, one atomic upsert
  per hit (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), so N workers share one budget per caller.

A budget of expensive requests counts every request (:meth:`RateLimiter.hit`). A budget of failures,
such as failed sign-ins, asks first whether the caller may try at all (:meth:`RateLimiter.wait`, which
records nothing) and counts only the tries that failed.
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

    def wait(self, key: str, limit: int, window: float) -> int | None:
        """Without recording anything: ``None`` while the key has fewer than ``limit`` hits in the
        window, else the whole seconds until it has."""
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
            wait = self._wait(hits, now, limit, window)
            if wait is not None:
                return wait
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle callers so the table stays small
                for idle in [k for k, v in self._hits.items() if not v or now - v[-1] >= window]:
                    del self._hits[idle]
            return None

    def wait(self, key: str, limit: int, window: float) -> int | None:
        """``None`` while the key has fewer than ``limit`` hits in the window, else the seconds to wait."""
        with self._lock:
            hits = self._hits.get(key)
            return None if hits is None else self._wait(hits, time.monotonic(), limit, window)

    @staticmethod
    def _wait(hits: deque[float], now: float, limit: int, window: float) -> int | None:
        """Drop the hits the window has left behind; the seconds until there is room for one more."""
        while hits and now - hits[0] >= window:
            hits.popleft()
        if len(hits) >= limit:
            return max(1, math.ceil(window - (now - hits[0])))
        return None


def _fixed_window(window: float) -> tuple[float, int, int]:
    """(now, the window's length and the start of the window ``now`` is in), in seconds."""
    now = time.time()
    span = max(1, int(window))
    return now, span, int(now) // span * span


class DatabaseRateStore:
    """Fixed windows per key in the database (PostgreSQL), shared by every server process."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._swept = 0

    def hit(self, key: str, limit: int, window: float) -> int | None:
        """Record a hit; ``None`` when allowed, else the seconds until the window ends."""
        now, span, start = _fixed_window(window)
        with self.database.unit_of_work() as session:
            hits = workers.count_hit(session, key[:200], start)
            if start != self._swept:  # once per window and process: drop the finished windows
                workers.forget_windows(session, start - span)
                self._swept = start
        if hits > limit:
            return max(1, math.ceil(start + span - now))
        return None

    def wait(self, key: str, limit: int, window: float) -> int | None:
        """``None`` while the key has fewer than ``limit`` hits in this window, else the seconds until
        the window ends."""
        now, span, start = _fixed_window(window)
        with self.database.unit_of_work() as session:
            hits = workers.window_hits(session, key[:200], start)
        if hits >= limit:
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

    def wait(self, key: str) -> int | None:
        """``None`` while the caller has hits left in the window, else the seconds to wait; records
        nothing (a budget of failures asks this before a try and counts the try only if it fails)."""
        return self.store.wait(key, self.limit, self.window)

    @classmethod
    def for_database(cls, limit: int, database: Database) -> RateLimiter:
        """In memory on SQLite (one process), in the database on PostgreSQL (any number of processes)."""
        return cls(limit, store=None if database.is_sqlite else DatabaseRateStore(database))


__all__ = ["WINDOW_SECONDS", "DatabaseRateStore", "MemoryRateStore", "RateLimiter", "RateStore"]
