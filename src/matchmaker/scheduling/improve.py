"""Stage 3: local search over pair swaps and slot moves, for whatever time is left.

Moves, tried for every pair not on the timetable, best gain first:

- *insert*: place the pair, moving other meetings to other slots if needed (an ejection chain,
  :meth:`~matchmaker.scheduling.place.Timetable.insert`);
- *swap*: take off one or two cheaper meetings that stand in its way (a meeting of either person
  when that person is at its maximum, or a meeting in a slot whose tables are full) and insert it.

A move is kept only when the lexicographic objective grows (must-meets, then participants covered,
then accepted requests, then score); published meetings, must-meets and accepted requests are
never taken off, and nobody loses their only meeting. The search stops when a full round finds
nothing, after ``max_steps`` insertion attempts, or at the deadline. Without a deadline it is
deterministic: the same input gives the same schedule.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from matchmaker.scheduling.core import SolverInput
from matchmaker.scheduling.place import Timetable
from matchmaker.scheduling.solver import ObjectiveWeights
from matchmaker.wording import counted

logger = logging.getLogger(__name__)

#: Depth of the ejection chains tried by the local search (deeper chains are left to stage 2,
#: which tries them once per pair; here every pair off the timetable is tried every round).
SEARCH_DEPTH = 1
#: Cheapest meetings per blocking reason tried as swap victims.
VICTIMS_PER_REASON = 2


@dataclass(frozen=True)
class SearchReport:
    """What the local search did."""

    improvements: int
    steps: int
    rounds: int
    stopped_by: str


def improve(
    inp: SolverInput,
    table: Timetable,
    *,
    deadline: float | None = None,
    max_steps: int = 200_000,
    done: Callable[[Timetable], bool] | None = None,
) -> SearchReport:
    """Improve ``table`` in place; see the module docstring. ``deadline`` is a ``perf_counter`` time.

    ``done`` says when the timetable cannot be improved any more (it reached a bound); the search
    then stops at once.
    """
    if done is not None and done(table):
        logger.info("local search skipped: the schedule already reaches its bound")
        return SearchReport(improvements=0, steps=0, rounds=0, stopped_by="bound")
    weights = ObjectiveWeights.for_input(inp)
    active = inp.active()
    protected = set(table.fixed) | {p for p in range(len(inp.pairs)) if inp.must[p] or inp.accepted[p]}

    def gain(p: int) -> int:
        return (
            inp.weights[p]
            + (weights.accepted if inp.accepted[p] else 0)
            + (weights.must if inp.must[p] else 0)
        )

    def uncovered(people: set[int]) -> int:
        return sum(1 for k in people if active[k] and table.count[k] == 0)

    order = sorted(
        (p for p in range(len(inp.pairs)) if inp.common_slots(p)),
        key=lambda p: (-gain(p), p),
    )
    room = inp.n_slots * inp.tables
    steps = improvements = rounds = 0
    stopped_by = "converged"
    stop = False
    while not stop:
        rounds += 1
        improved_this_round = False
        for p in order:
            if p in table.slot_of:
                continue
            if deadline is not None and time.perf_counter() > deadline:
                stopped_by, stop = "deadline", True
                break
            if steps >= max_steps:
                stopped_by, stop = "steps", True
                break
            steps += 1
            before_cover = uncovered(set(inp.pairs[p]))
            if len(table.slot_of) < room and table.has_room(p) and table.insert(p, SEARCH_DEPTH):
                table.journal.clear()
                improvements += 1
                improved_this_round = True
                if done is not None and done(table):
                    stopped_by, stop = "bound", True
                    break
                continue
            for victims in _victim_sets(inp, table, p, protected):
                lost = sum(gain(q) for q in victims)
                if lost >= gain(p) and not before_cover:
                    continue
                people = {k for q in [p, *victims] for k in inp.pairs[q]}
                zero_before = uncovered(people)
                mark = len(table.journal)
                for q in victims:
                    table.remove(q)
                if table.insert(p, SEARCH_DEPTH):
                    delta = weights.covered * (zero_before - uncovered(people)) + gain(p) - lost
                    if delta > 0:
                        table.journal.clear()
                        improvements += 1
                        improved_this_round = True
                        stop = done is not None and done(table)
                        stopped_by = "bound" if stop else stopped_by
                        break
                table.undo_to(mark)
            if stop:
                break
        stop = stop or not improved_this_round
    logger.info(
        "local search: %s in %s over %s, stopped: %s",
        counted(improvements, "improvement"),
        counted(steps, "step"),
        counted(rounds, "round"),
        stopped_by,
    )
    return SearchReport(improvements=improvements, steps=steps, rounds=rounds, stopped_by=stopped_by)


def _victim_sets(inp: SolverInput, table: Timetable, p: int, protected: set[int]) -> list[list[int]]:
    """Small sets of meetings whose removal may let ``p`` in, cheapest first."""
    i, j = inp.pairs[p]
    per_reason: list[list[int]] = []
    for k in (i, j):
        if table.count[k] >= inp.capacity[k]:
            mine = [q for q in table.meetings_of(k) if q not in protected]
            per_reason.append(sorted(mine, key=lambda q: (inp.weights[q], q))[:VICTIMS_PER_REASON])
    if not per_reason:
        # Both have room: the tables or their slots are in the way. Try the cheapest meeting that
        # sits in a common slot where both people are otherwise free.
        blockers: set[int] = set()
        for s in inp.common_slots(p):
            mine = [table.at[(k, s)] for k in (i, j) if (k, s) in table.at]
            if len(set(mine)) == 1 and mine[0] not in protected:
                blockers.add(mine[0])
            elif not mine and len(table.in_slot[s]) >= inp.tables:
                free = [q for q in table.in_slot[s] if q not in protected]
                if free:
                    blockers.add(min(free, key=lambda q: (inp.weights[q], q)))
        return [[q] for q in sorted(blockers, key=lambda q: (inp.weights[q], q))[:VICTIMS_PER_REASON]]
    if len(per_reason) == 1:
        return [[q] for q in per_reason[0]]
    return [[a, b] if a != b else [a] for a in per_reason[0] for b in per_reason[1]]
