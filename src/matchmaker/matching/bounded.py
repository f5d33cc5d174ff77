"""Caches of large arrays bounded by the memory they hold, not by a count of entries: the one rule
the engine's caches of per-query arrays follow (:func:`newest`), and :class:`SizedCache`.

A count alone keeps too few small entries (a small corpus, whose evidence is a few kilobytes) and
too many large ones (a large corpus, whose every entry is a whole row per need).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
_T = TypeVar("_T")


def newest(items: list[_T], keep: int, limit: int, size: Callable[[_T], int]) -> list[_T]:
    """The newest of ``items`` (oldest first) that a cache keeps: at least ``keep``, and more while
    they hold no more than ``limit`` bytes (``size`` of each)."""
    held, start = 0, len(items)
    while start > 0:
        held += size(items[start - 1])
        if len(items) - start >= keep and held > limit:
            break
        start -= 1
    return items[start:]


class SizedCache(Generic[_K, _V]):
    """The newest entries, as :func:`newest` keeps them: at least ``keep``, more while they hold no
    more than ``limit`` bytes (``size`` of each value). ``touch``: a hit makes an entry the newest
    (least recently used goes first), else the oldest written goes first. Not locked: its owner's
    lock guards it."""

    def __init__(self, *, keep: int, limit: int, size: Callable[[_V], int], touch: bool = False) -> None:
        self.keep = keep
        self.limit = limit
        self._size = size
        self._touch = touch
        self._entries: OrderedDict[_K, _V] = OrderedDict()
        self._sizes: dict[_K, int] = {}
        #: The bytes the kept values hold.
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: _K) -> _V | None:
        """The value kept for ``key``, or ``None``."""
        value = self._entries.get(key)
        if value is not None and self._touch:
            self._entries.move_to_end(key)
        return value

    def put(self, key: _K, value: _V) -> None:
        """Keep ``value`` as the newest entry; the oldest go while the bound is passed."""
        self.nbytes -= self._sizes.pop(key, 0)
        self._entries.pop(key, None)
        self._entries[key] = value
        self._sizes[key] = self._size(value)
        self.nbytes += self._sizes[key]
        while len(self._entries) > self.keep and self.nbytes > self.limit:
            old, _ = self._entries.popitem(last=False)
            self.nbytes -= self._sizes.pop(old)

    def items(self) -> list[tuple[_K, _V]]:
        """The kept entries, oldest first."""
        return list(self._entries.items())

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()
        self._sizes.clear()
        self.nbytes = 0
