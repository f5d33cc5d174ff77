"""Per-caller budgets of expensive requests, kept where every server process sees them.

:class:`RateLimiter` counts hits per caller through a :class:`RateStore`:

* :class:`MemoryRateStore`: a sliding window in this process (SQLite: one process serves the instance);
* :class:`DatabaseRateStore`: fixed windows in PostgreSQL's ``rate_window`` table, one atomic upsert
  per hit (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), so N workers share one budget per caller.

A budget of expensive requests counts every request (:meth:`RateLimiter.hit`). A budget of failures,
such as failed sign-ins, asks first whether the caller may try at all (:meth:`RateLimiter.wait`, which
records nothing) and counts only the tries that failed.

A budget of failures is asked before every try, most of which succeed, so on PostgreSQL
(:meth:`RateLimiter.for_failures`) each process keeps its last reading of a key
(:class:`CachedLockouts`): a lockout until it ends, and "may try" for
:data:`LOCKOUT_FRESH_SECONDS`. A key this process counted a failure for in the last window is read
from the shared count on every ask, as without the readings. So a lockout reached through other
processes takes effect here within :data:`LOCKOUT_FRESH_SECONDS`, or at the first failure counted here,
whichever comes first; the count itself stays exact (every failure is written through).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Protocol

from matchmaker.db import workers
from matchmaker.db.engine import Database

WINDOW_SECONDS = 60.0
#: How long a process answers "may try" for a key from its last reading of a shared budget of
#: failures, without asking the store again (:class:`CachedLockouts`).
LOCKOUT_FRESH_SECONDS = 5.0
#: Keys a process keeps readings for before it forgets those that no longer say anything.
_KEPT_KEYS = 10_000
#: How long a token that signed someone in is let through a lockout of its address (:class:`SignedIn`).
SIGNED_IN_SECONDS = 600.0


class RateStore(Protocol):
    """Counts hits per key and says whether one more is allowed."""

    def hit(self, key: str, limit: int, window: float) -> int | None:
        """Record a hit; ``None`` when allowed, else the whole seconds to wait."""
        ...

    def wait(self, key: str, limit: int, window: float) -> int | None:
        """Without recording anything: ``None`` while the key has fewer than ``limit`` hits in the
        window, else the whole seconds until it has."""
        ...

    def known(self, key: str, limit: int, window: float) -> tuple[bool, int | None]:
        """(whether this process can answer :meth:`wait` without a round trip, and its answer then)."""
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

    def known(self, key: str, limit: int, window: float) -> tuple[bool, int | None]:
        """Always known: the count lives in this process."""
        return True, self.wait(key, limit, window)

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

    def known(self, key: str, limit: int, window: float) -> tuple[bool, int | None]:  # noqa: ARG002 - the protocol's
        """Never known without asking the database."""
        return False, None


class CachedLockouts:
    """A shared budget of failures (``store``) with this process's last reading of each key.

    :meth:`wait` answers from the reading while it holds: a lockout until it ends (a count never goes
    down within its window), "may try" for ``fresh_seconds``. A key this process counted a failure
    for within the last window is always read from ``store`` (a client that guesses is checked as
    exactly as without the readings); :meth:`hit` always writes through.
    """

    def __init__(
        self,
        store: RateStore,
        fresh_seconds: float = LOCKOUT_FRESH_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.fresh_seconds = fresh_seconds
        self.clock = clock
        self._readings: dict[str, tuple[float, bool]] = {}  # key: (until, locked)
        self._failed: dict[str, float] = {}  # key: when this process last counted a failure
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: float) -> int | None:
        """Count a failure in ``store``; from now on, for a window, ``key`` is read on every ask."""
        with self._lock:
            self._failed[key] = self.clock()
            self._readings.pop(key, None)
        return self.store.hit(key, limit, window)

    def known(self, key: str, limit: int, window: float) -> tuple[bool, int | None]:  # noqa: ARG002 - the protocol's
        """The answer of the reading of ``key`` while it holds (a lockout's end does not depend on
        ``limit``: it was read with it)."""
        now = self.clock()
        with self._lock:
            until, locked = self._readings.get(key, (now, False))
            if now >= until:
                return False, None
            if locked:
                return True, max(1, math.ceil(until - now))
            failed = self._failed.get(key)
            return (failed is None or now - failed >= window), None

    def wait(self, key: str, limit: int, window: float) -> int | None:
        """The reading's answer while it holds, else ``store``'s, which is kept as the new reading."""
        known, wait = self.known(key, limit, window)
        if known:
            return wait
        now = self.clock()
        wait = self.store.wait(key, limit, window)
        with self._lock:
            failed = self._failed.get(key)
            if wait is not None:
                self._readings[key] = (now + wait, True)
            elif failed is None or now - failed >= window:  # no failure counted here meanwhile
                self._readings[key] = (now + self.fresh_seconds, False)
            if len(self._readings) + len(self._failed) > _KEPT_KEYS:
                self._forget(now, window)
        return wait

    def _forget(self, now: float, window: float) -> None:
        """Drop the readings that ended and the failures a window old (with the lock held)."""
        self._readings = {k: r for k, r in self._readings.items() if r[0] > now}
        self._failed = {k: t for k, t in self._failed.items() if now - t < window}


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

    def known_wait(self, key: str) -> tuple[bool, int | None]:
        """(whether :meth:`wait` is answered in this process, without a round trip; its answer then)."""
        return self.store.known(key, self.limit, self.window)

    @classmethod
    def for_database(cls, limit: int, database: Database) -> RateLimiter:
        """In memory on SQLite (one process), in the database on PostgreSQL (any number of processes)."""
        return cls(limit, store=None if database.is_sqlite else DatabaseRateStore(database))

    @classmethod
    def for_failures(cls, limit: int, database: Database) -> RateLimiter:
        """A budget of failures: as :meth:`for_database`, and on PostgreSQL with this process's last
        reading of each key (:class:`CachedLockouts`)."""
        if database.is_sqlite:
            return cls(limit)
        return cls(limit, store=CachedLockouts(DatabaseRateStore(database)))


class SignedIn:
    """The tokens that signed someone in through this process lately (their digests, for
    :data:`SIGNED_IN_SECONDS`, the latest :data:`_KEPT_KEYS`).

    Many people share one address (an office, a ministry's network): one script sending an old token
    locks that address out of signing in for a minute, and without this every colleague's script
    with it. A token known here is checked while its address is locked out; it is checked as any
    token (one revoked since is refused, and counted as a failure). A guess is never known here, so the
    bound on guessing holds as before.
    """

    def __init__(
        self, seconds: float = SIGNED_IN_SECONDS, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self._until: OrderedDict[bytes, float] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _digest(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()

    def add(self, token: str) -> None:
        """``token`` signed someone in now."""
        key = self._digest(token)
        with self._lock:
            self._until[key] = self.clock() + self.seconds
            self._until.move_to_end(key)
            while len(self._until) > _KEPT_KEYS:
                self._until.popitem(last=False)

    def __contains__(self, token: object) -> bool:
        if not isinstance(token, str):
            return False
        key = self._digest(token)
        with self._lock:
            until = self._until.get(key)
            if until is None:
                return False
            if self.clock() >= until:
                del self._until[key]
                return False
            return True


__all__ = [
    "LOCKOUT_FRESH_SECONDS",
    "SIGNED_IN_SECONDS",
    "WINDOW_SECONDS",
    "CachedLockouts",
    "DatabaseRateStore",
    "MemoryRateStore",
    "RateLimiter",
    "RateStore",
    "SignedIn",
]
