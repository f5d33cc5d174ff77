"""Stage 2: give the chosen pairs slots (edge colouring under availability and table capacity).

:class:`Timetable` is a mutable schedule with the hard rules built in: a participant is in at most
one meeting per slot and at most ``capacity`` meetings, a slot holds at most ``tables`` meetings,
a meeting uses a slot both people can attend, fixed meetings never move.

:meth:`Timetable.insert` places a pair directly when a slot is free for both and has a table;
otherwise it follows an *ejection chain*: it takes a slot, moves the meetings that block it (the
two people's meetings in that slot, or one meeting when the tables are full) to other slots, which
may in turn move others, up to ``depth`` levels. Every change is journalled and undone when the
chain fails, so a failed insertion leaves the timetable as it was.

:func:`place_pairs` places the chosen pairs hardest first (fixed, must-meets, accepted requests,
then fewest common slots) and returns the pairs it could not place; those go back to stage 1.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Iterable, Sequence

from matchmaker.scheduling.core import Assignment, SolverInput

logger = logging.getLogger(__name__)

#: How many meetings of a full slot are tried for moving out, per slot, in an ejection chain.
TABLE_EJECTIONS = 4
#: With a deadline, the clock is read before every this many insertions.
DEADLINE_EVERY = 16


class Timetable:
    """A schedule under construction; see the module docstring for its rules."""

    def __init__(self, inp: SolverInput, assignment: Iterable[tuple[int, int]] = ()) -> None:
        self.inp = inp
        self.fixed = {p for p, _s in inp.fixed}
        self.at: dict[tuple[int, int], int] = {}
        self.slot_of: dict[int, int] = {}
        self.in_slot: list[set[int]] = [set() for _ in range(inp.n_slots)]
        self.count = [0] * inp.n_participants
        self.journal: list[tuple[bool, int, int]] = []
        for p, s in assignment:
            self.place(p, s)
        self.journal.clear()

    # -- basic moves (journalled) -------------------------------------------------------------
    def place(self, p: int, s: int) -> None:
        """Put pair ``p`` in slot ``s`` (the caller has checked :meth:`fits`)."""
        i, j = self.inp.pairs[p]
        self.at[(i, s)] = p
        self.at[(j, s)] = p
        self.slot_of[p] = s
        self.in_slot[s].add(p)
        self.count[i] += 1
        self.count[j] += 1
        self.journal.append((True, p, s))

    def remove(self, p: int) -> int:
        """Take pair ``p`` off the timetable; returns the slot it had."""
        i, j = self.inp.pairs[p]
        s = self.slot_of.pop(p)
        del self.at[(i, s)]
        del self.at[(j, s)]
        self.in_slot[s].discard(p)
        self.count[i] -= 1
        self.count[j] -= 1
        self.journal.append((False, p, s))
        return s

    def undo_to(self, mark: int) -> None:
        """Undo every change made since ``len(journal)`` was ``mark``."""
        while len(self.journal) > mark:
            placed, p, s = self.journal.pop()
            if placed:
                self.remove(p)
            else:
                self.place(p, s)
            self.journal.pop()

    # -- queries --------------------------------------------------------------------------------
    def assignment(self) -> Assignment:
        """The timetable as a sorted ``(pair, slot)`` list."""
        return sorted(self.slot_of.items())

    def meetings_of(self, k: int) -> list[int]:
        """Pairs participant ``k`` meets, in slot order."""
        return [self.at[(k, s)] for s in sorted(self.inp.available[k]) if (k, s) in self.at]

    def has_room(self, p: int) -> bool:
        """Both people of ``p`` are below their maximum."""
        i, j = self.inp.pairs[p]
        return self.count[i] < self.inp.capacity[i] and self.count[j] < self.inp.capacity[j]

    def fits(self, p: int, s: int) -> bool:
        """``p`` can go to ``s`` as things stand (people free, a table free)."""
        i, j = self.inp.pairs[p]
        return len(self.in_slot[s]) < self.inp.tables and (i, s) not in self.at and (j, s) not in self.at

    def free_slots(self, p: int) -> list[int]:
        """Common slots of ``p`` where it fits now."""
        return [s for s in self.inp.common_slots(p) if self.fits(p, s)]

    def value(self) -> int:
        """Total weight of the meetings held."""
        return sum(self.inp.weights[p] for p in self.slot_of)

    # -- ejection chains --------------------------------------------------------------------------
    def insert(self, p: int, depth: int, *, protected: Collection[int] = ()) -> bool:
        """Place ``p``, moving at most ``depth`` levels of other meetings; False leaves no trace."""
        if p in self.slot_of or not self.has_room(p):
            return False
        slots = self.inp.common_slots(p)
        for s in slots:
            if self.fits(p, s):
                self.place(p, s)
                return True
        if depth <= 0:
            return False
        guard = set(protected) | {p}
        i, j = self.inp.pairs[p]
        options: list[tuple[int, int, list[int]]] = []
        for s in slots:
            blocking = {self.at[(k, s)] for k in (i, j) if (k, s) in self.at}
            if blocking & guard or blocking & self.fixed:
                continue
            options.append((len(blocking), s, sorted(blocking)))
        options.sort()
        return any(self._eject_into(p, s, blockers, depth, guard) for _n, s, blockers in options)

    def _eject_into(self, p: int, s: int, blockers: list[int], depth: int, guard: set[int]) -> bool:
        mark = len(self.journal)
        for q in blockers:
            self.remove(q)
        if len(self.in_slot[s]) < self.inp.tables:
            self.place(p, s)
            if all(self.insert(q, depth - 1, protected=guard) for q in blockers):
                return True
            self.undo_to(mark)
            return False
        # The slot's tables are full: one more meeting has to leave it.
        movable = [q for q in self.in_slot[s] if q not in guard and q not in self.fixed]
        movable.sort(key=lambda q: (-len(self.inp.common_slots(q)), q))
        for q in movable[:TABLE_EJECTIONS]:
            inner = len(self.journal)
            self.remove(q)
            self.place(p, s)
            if all(self.insert(r, depth - 1, protected=guard) for r in [*blockers, q]):
                return True
            self.undo_to(inner)
        self.undo_to(mark)
        return False


def placement_order(inp: SolverInput, pairs: Iterable[int]) -> list[int]:
    """Hardest first: must-meets, accepted requests, then fewest common slots, then heaviest."""
    return sorted(
        pairs,
        key=lambda p: (not inp.must[p], not inp.accepted[p], len(inp.common_slots(p)), -inp.weights[p], p),
    )


def place_pairs(
    inp: SolverInput,
    chosen: Sequence[int],
    *,
    timetable: Timetable | None = None,
    max_depth: int = 3,
    deadline: float | None = None,
) -> tuple[Timetable, list[int]]:
    """Place ``chosen`` pairs on ``timetable`` (a new one with the fixed meetings by default).

    Returns the timetable and the pairs that could not be placed even with ejection chains of
    ``max_depth`` levels. Past ``deadline`` (a ``perf_counter`` time) no deeper chain is tried:
    the direct placements are always made, and the pairs still waiting are returned as not placed.
    """
    table = timetable if timetable is not None else Timetable(inp, inp.fixed)
    left = [p for p in placement_order(inp, chosen) if p not in table.slot_of]
    for depth in range(max_depth + 1):
        if depth and deadline is not None and time.perf_counter() > deadline:
            break
        waiting: list[int] = []
        for n, p in enumerate(left):
            if depth and deadline is not None and n % DEADLINE_EVERY == 0 and time.perf_counter() > deadline:
                waiting.extend(left[n:])
                break
            if not table.insert(p, depth):
                waiting.append(p)
        left = waiting
        table.journal.clear()
        if not left:
            break
    logger.info("placed %d of %d chosen pairs", len(chosen) - len(left), len(chosen))
    return table, left
