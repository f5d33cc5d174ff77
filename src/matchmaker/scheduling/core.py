"""The pure scheduling core: arrays in, assignment out.

Nothing here knows about ids, files or the database. Participants, slots and candidate pairs are
integers; the encoder (:mod:`matchmaker.scheduling.encode`) builds a :class:`SolverInput` and the
decoder turns an assignment back into meetings.

An *assignment* is a list of ``(pair_index, slot_index)``: the pair meets in that slot. Tables are
given out afterwards (:func:`assign_tables`), because any assignment that keeps at most ``tables``
meetings per slot can be seated.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

Assignment = list[tuple[int, int]]

#: Default solver time limit in seconds (here, away from the solvers, so that commands can show it
#: without loading them).
DEFAULT_TIME_LIMIT = 30.0
#: The status of an LP bound that its time limit stopped before it was solved (here, away from the
#: solvers, so that the words for a schedule can name it without loading them).
BOUND_TIME_LIMIT = "TIME_LIMIT"


@dataclass(frozen=True)
class SolverInput:
    """A scheduling problem as arrays.

    ``available[i]`` is the set of slots participant ``i`` can attend and ``capacity[i]`` the most
    meetings it may have. ``pairs[p]`` are two participant indices, ``weights[p]`` the pair's score as
    a non-negative integer, ``accepted[p]`` marks accepted requests and ``must[p]`` must-meet pairs.
    ``fixed`` lists ``(pair, slot)`` meetings that are already published and must stay.
    """

    n_participants: int
    n_slots: int
    tables: int
    available: Sequence[frozenset[int]]
    capacity: Sequence[int]
    pairs: Sequence[tuple[int, int]]
    weights: Sequence[int]
    accepted: Sequence[bool]
    must: Sequence[bool]
    fixed: Sequence[tuple[int, int]] = ()
    _common: list[list[int]] = field(default_factory=list, init=False, repr=False, compare=False)
    _active: list[bool] = field(default_factory=list, init=False, repr=False, compare=False)
    _priority: list[int] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n_pairs = len(self.pairs)
        if not (len(self.weights) == len(self.accepted) == len(self.must) == n_pairs):
            msg = "weights, accepted and must must have one entry per pair"
            raise ValueError(msg)
        if len(self.available) != self.n_participants or len(self.capacity) != self.n_participants:
            msg = "available and capacity must have one entry per participant"
            raise ValueError(msg)
        # Participants share a few availabilities (most are free all day), so each pair of them is
        # intersected once; pairs with the same two availabilities share the list (never changed).
        kind: dict[frozenset[int], int] = {}
        of = [kind.setdefault(a, len(kind)) for a in self.available]
        shared: dict[tuple[int, int], list[int]] = {}
        common = []
        for i, j in self.pairs:
            key = (of[i], of[j])
            slots = shared.get(key)
            if slots is None:
                slots = shared[key] = sorted(self.available[i] & self.available[j])
            common.append(slots)
        object.__setattr__(self, "_common", common)

    def common_slots(self, p: int) -> list[int]:
        """Slots in which both members of pair ``p`` are available, in order."""
        return self._common[p]

    def active(self) -> list[bool]:
        """Participants that could have at least one meeting (a usable pair with a common slot)."""
        if not self._active:
            flags = [False] * self.n_participants
            for p, (i, j) in enumerate(self.pairs):
                if self._common[p] and self.capacity[i] > 0 and self.capacity[j] > 0:
                    flags[i] = flags[j] = True
            self._active[:] = flags  # at once: threads asking together get the same list
        return list(self._active)

    def priority_order(self) -> list[int]:
        """Pairs in the order the greedy heuristics take them: must-meets, then accepted requests,
        then by falling weight (the lower index first among equals)."""
        if len(self._priority) != len(self.pairs):
            self._priority[:] = sorted(
                range(len(self.pairs)),
                key=lambda p: (not self.must[p], not self.accepted[p], -self.weights[p], p),
            )
        return list(self._priority)


def verify_assignment(inp: SolverInput, assignment: Sequence[tuple[int, int]]) -> list[str]:
    """Every hard rule the assignment breaks, as readable lines; empty when it is valid."""
    problems: list[str] = []
    busy: set[tuple[int, int]] = set()
    per_slot = [0] * inp.n_slots
    per_person = [0] * inp.n_participants
    seen_pairs: set[int] = set()
    for p, s in assignment:
        i, j = inp.pairs[p]
        if p in seen_pairs:
            problems.append(f"pair {p} meets twice")
        seen_pairs.add(p)
        for k in (i, j):
            if s not in inp.available[k]:
                problems.append(f"participant {k} is not available in slot {s}")
            if (k, s) in busy:
                problems.append(f"participant {k} has two meetings in slot {s}")
            busy.add((k, s))
            per_person[k] += 1
        per_slot[s] += 1
    problems += [
        f"slot {s} uses {n} tables of {inp.tables}" for s, n in enumerate(per_slot) if n > inp.tables
    ]
    problems += [
        f"participant {k} has {n} meetings, more than {inp.capacity[k]}"
        for k, n in enumerate(per_person)
        if n > inp.capacity[k]
    ]
    placed = dict(assignment)
    problems += [f"fixed meeting of pair {p} moved from slot {s}" for p, s in inp.fixed if placed.get(p) != s]
    return problems


def assign_tables(
    inp: SolverInput,
    assignment: Sequence[tuple[int, int]],
    fixed_tables: Mapping[tuple[int, int], int] | None = None,
    preferred_tables: Mapping[tuple[int, int], int] | None = None,
) -> list[tuple[int, int, int]]:
    """Give each ``(pair, slot)`` a table number ``1..tables``.

    Fixed tables (published meetings) are kept; a preferred table (the one a meeting had before a
    re-plan) is used when free; the rest take the lowest free number. Returns ``(pair, slot, table)``.
    """
    fixed_tables = fixed_tables or {}
    preferred_tables = preferred_tables or {}
    taken: dict[int, set[int]] = {}
    seated: dict[tuple[int, int], int] = {}
    for key in assignment:
        if key in fixed_tables:
            seated[key] = fixed_tables[key]
            taken.setdefault(key[1], set()).add(fixed_tables[key])
    for key in sorted(assignment, key=lambda k: (k[1], k[0])):
        if key in seated:
            continue
        used = taken.setdefault(key[1], set())
        want = preferred_tables.get(key)
        if want is not None and want not in used and 1 <= want <= inp.tables:
            table = want
        else:
            table = next(t for t in range(1, inp.tables + len(used) + 2) if t not in used)
        used.add(table)
        seated[key] = table
    return [(p, s, seated[(p, s)]) for p, s in assignment]


class _Board:
    """Occupancy bookkeeping shared by the greedy heuristics."""

    def __init__(self, inp: SolverInput) -> None:
        self.inp = inp
        self.busy: set[tuple[int, int]] = set()
        self.per_slot = [0] * inp.n_slots
        self.count = [0] * inp.n_participants
        self.placed: dict[int, int] = {}

    def place(self, p: int, s: int) -> None:
        i, j = self.inp.pairs[p]
        self.busy.update(((i, s), (j, s)))
        self.per_slot[s] += 1
        self.count[i] += 1
        self.count[j] += 1
        self.placed[p] = s

    def first_slot(self, p: int) -> int | None:
        if p in self.placed:
            return None
        i, j = self.inp.pairs[p]
        if self.count[i] >= self.inp.capacity[i] or self.count[j] >= self.inp.capacity[j]:
            return None
        for s in self.inp.common_slots(p):
            if self.per_slot[s] < self.inp.tables and (i, s) not in self.busy and (j, s) not in self.busy:
                return s
        return None

    def try_place(self, p: int) -> bool:
        s = self.first_slot(p)
        if s is None:
            return False
        self.place(p, s)
        return True


def _priority_order(inp: SolverInput) -> list[int]:
    return inp.priority_order()


def greedy_assignment(inp: SolverInput) -> Assignment:
    """The baseline: best pairs first, each in its first free slot (fixed meetings stay).

    Must-meet pairs come first, then accepted requests, then pairs by falling score. This is how
    event tools usually schedule; it is fast and can leave participants without any meeting.
    """
    board = _Board(inp)
    for p, s in inp.fixed:
        board.place(p, s)
    for p in _priority_order(inp):
        board.try_place(p)
    return sorted(board.placed.items())


def fair_greedy_assignment(
    inp: SolverInput, start: Sequence[tuple[int, int]] = (), *, best_partner: bool = False
) -> Assignment:
    """A greedy that first gives every participant one meeting, hardest-to-place first.

    Used as the solver's starting point: must-meets and fixed meetings, then for each still
    uncovered participant (fewest options first) its best placeable pair, preferring partners that
    are uncovered too, then the rest like :func:`greedy_assignment`. ``start``: meetings placed
    already (with the fixed ones), kept where they are.

    With ``best_partner`` each uncovered participant first takes its best placeable pair whoever
    the partner is (as the coverage repair would, without moving anyone), and only those left
    without a meeting then prefer uncovered partners: preferring them pairs people with partners
    far down their lists, which on a large event costs the schedule more score than the local
    search wins back in its time.
    """
    board = _Board(inp)
    for p, s in dict([*inp.fixed, *start]).items():
        board.place(p, s)
    order = _priority_order(inp)
    for p in order:
        if inp.must[p]:
            board.try_place(p)
    by_person: list[list[int]] = [[] for _ in range(inp.n_participants)]
    for p in order:
        if inp.common_slots(p):
            i, j = inp.pairs[p]
            by_person[i].append(p)
            by_person[j].append(p)
    people = sorted(range(inp.n_participants), key=lambda k: (len(by_person[k]), k))
    for prefer_uncovered in (False, True) if best_partner else (True,):
        for k in people:
            if board.count[k] or not by_person[k]:
                continue
            options = by_person[k]
            if prefer_uncovered:
                both_new = [p for p in options if board.count[inp.pairs[p][0] + inp.pairs[p][1] - k] == 0]
                options = both_new + options
            for p in options:
                if board.try_place(p):
                    break
    for p in order:
        board.try_place(p)
    return sorted(board.placed.items())


def _cheapest_in_slot(
    ranked: Sequence[int], meetings: set[int], victims: set[int], weights: Sequence[int]
) -> int | None:
    """The cheapest of a slot's ``meetings`` that may give up its table (``ranked``: those, cheapest
    first) and is not in ``victims``; among equally cheap ones the first in the slot's own order, as
    ``min`` over ``meetings - victims`` takes it. None when there is none."""
    tied: list[int] = []
    for q in ranked:
        if q in victims:
            continue
        if tied and weights[q] != weights[tied[0]]:
            break
        tied.append(q)
    if len(tied) < 2:
        return tied[0] if tied else None
    return next(q for q in meetings - victims if q in tied)


def repair_coverage(
    inp: SolverInput,
    assignment: Sequence[tuple[int, int]],
    *,
    deadline: float | None = None,
    max_steps: int | None = None,
) -> Assignment:
    """Give uncovered active participants a meeting by giving up the cheapest other meetings.

    For each participant without a meeting, try every pair and common slot; a meeting that blocks
    it (the partner busy in that slot, the partner at its maximum, or no free table) is removed if
    it is neither fixed, a must-meet nor an accepted request, and its removal leaves nobody else
    without a meeting. The cheapest such move (score lost minus score gained) is made. Turns the
    score-greedy schedule into a fair one at little cost.

    Past ``deadline`` (a ``perf_counter`` time), or once ``max_steps`` pairs were tried (work, not
    time: the same input and budget give the same schedule), no further participant is repaired;
    every move already made keeps the hard rules, so the schedule stays valid, and the people not
    reached are given a meeting first by the closing fill (:func:`fair_greedy_assignment`).
    """
    placed = dict(assignment)
    fixed = {p for p, _s in inp.fixed}
    count = [0] * inp.n_participants
    at: dict[tuple[int, int], int] = {}
    in_slot: list[set[int]] = [set() for _ in range(inp.n_slots)]
    mine: list[set[int]] = [set() for _ in range(inp.n_participants)]

    def add(p: int, s: int) -> None:
        placed[p] = s
        in_slot[s].add(p)
        for k in inp.pairs[p]:
            count[k] += 1
            at[(k, s)] = p
            mine[k].add(p)

    def remove(p: int) -> None:
        s = placed.pop(p)
        in_slot[s].discard(p)
        for k in inp.pairs[p]:
            count[k] -= 1
            del at[(k, s)]
            mine[k].discard(p)

    for p, s in list(placed.items()):
        del placed[p]
        add(p, s)
    by_person: list[list[int]] = [[] for _ in range(inp.n_participants)]
    for p, (i, j) in enumerate(inp.pairs):
        if inp.common_slots(p):
            by_person[i].append(p)
            by_person[j].append(p)

    def removable(q: int, keep: int) -> bool:
        if q in fixed or inp.must[q] or inp.accepted[q]:
            return False
        return all(k == keep or count[k] > 1 for k in inp.pairs[q])

    active = inp.active()
    steps = 0
    for k in sorted(range(inp.n_participants), key=lambda k: (len(by_person[k]), k)):
        if count[k] or not active[k] or inp.capacity[k] == 0:
            continue
        if (deadline is not None and time.perf_counter() > deadline) or (
            max_steps is not None and steps >= max_steps
        ):
            logger.info("coverage repair stopped by its budget after %d pairs tried", steps)
            # Started from an almost empty schedule, the repair may stop with many people left: the
            # closing fill covers them first, before filling the tables by score.
            return fair_greedy_assignment(inp, sorted(placed.items()))
        steps += len(by_person[k])
        best: tuple[int, int, int, set[int]] | None = None
        # Nothing changes until this participant's move is made, so each slot's meetings that may
        # give up their table are found once, cheapest first, instead of once per pair and slot.
        cheapest: dict[int, list[int]] = {}
        for p in by_person[k]:
            if p in placed:
                continue
            j = inp.pairs[p][0] + inp.pairs[p][1] - k
            if inp.capacity[j] == 0:
                continue
            for s in inp.common_slots(p):
                if (k, s) in at:
                    continue
                victims: set[int] = set()
                if (j, s) in at:
                    victims.add(at[(j, s)])
                if count[j] - len(victims) >= inp.capacity[j]:
                    options = [q for q in mine[j] if q not in victims and removable(q, j)]
                    if not options:
                        continue
                    victims.add(min(options, key=lambda q: inp.weights[q]))
                if len(in_slot[s]) - len(victims & in_slot[s]) >= inp.tables:
                    if s not in cheapest:
                        cheapest[s] = sorted(
                            (q for q in in_slot[s] if removable(q, -1)), key=lambda q: inp.weights[q]
                        )
                    freed = _cheapest_in_slot(cheapest[s], in_slot[s], victims, inp.weights)
                    if freed is None:
                        continue
                    victims.add(freed)
                if not all(removable(q, j) or (q in in_slot[s] and removable(q, -1)) for q in victims):
                    continue
                cost = sum(inp.weights[q] for q in victims) - inp.weights[p]
                if best is None or cost < best[0]:
                    best = (cost, p, s, victims)
        if best is not None:
            _cost, p, s, victims = best
            for q in victims:
                remove(q)
            add(p, s)
    board = _Board(inp)
    for p, s in placed.items():
        board.place(p, s)
    for p in _priority_order(inp):
        board.try_place(p)
    return sorted(board.placed.items())
