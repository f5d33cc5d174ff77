"""Clocks that move only when a test moves them."""

from __future__ import annotations

import time


class RateClock:
    """The two clocks the rate limiters read (``time.time`` and ``time.monotonic``).

    The wall clock starts half-way through a minute, so that a budget counted in the database's fixed
    windows (aligned to the wall clock's minutes) is never split by a new minute in the middle of a
    test, as it would be now and then on the real clock.
    """

    def __init__(self) -> None:
        self.wall = (time.time() // 60) * 60 + 30.0
        self.steady = 1_000.0

    def time(self) -> float:
        """The wall clock, in seconds since the epoch."""
        return self.wall

    def monotonic(self) -> float:
        """The steady clock, in seconds."""
        return self.steady

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass on both clocks."""
        self.wall += seconds
        self.steady += seconds
