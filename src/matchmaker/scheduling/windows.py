"""Window search: improve a schedule by re-solving a few slots at a time (large-neighbourhood search).

Whole-event CP-SAT models of 300+ participants rarely close their gap in the time allowed. Here
everything outside a window of ``width`` slots stays fixed, and the meetings inside the window are
re-optimised exactly with the same lexicographic objective: participants' remaining capacity, pairs
not already meeting outside the window, coverage counted only for participants with no meeting
outside it. A window's answer replaces the old one only when the whole schedule's objective grows
and every hard rule still holds, so the search can only improve a schedule.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence

from matchmaker.scheduling.core import Assignment, SolverInput, verify_assignment
from matchmaker.scheduling.solver import ObjectiveWeights, objective_value, solve_cpsat

logger = logging.getLogger(__name__)

#: Slots re-solved together.
DEFAULT_WIDTH = 3
#: Seconds one window may take.
WINDOW_TIME = 2.0
#: Pair × slot variables of a window's model built and presolved per second (before its search):
#: at 1,000 participants a window of 3 of 12 slots holds about a million and took 27 s with a 1 s
#: limit on 2 shared cores.
WINDOW_VARIABLES_PER_SECOND = 40_000


def improve_by_windows(
    inp: SolverInput,
    assignment: Sequence[tuple[int, int]],
    *,
    time_limit: float,
    width: int = DEFAULT_WIDTH,
    workers: int = 2,
    seed: int = 0,
) -> tuple[Assignment, int]:
    """A schedule at least as good as ``assignment`` (same hard rules), and how many windows improved it."""
    started = time.perf_counter()
    rng = random.Random(seed)
    weights = ObjectiveWeights.for_input(inp)
    best = sorted(assignment)
    best_value = objective_value(inp, best, weights)
    width = max(1, min(width, inp.n_slots))
    improved = tried = 0
    # What a window costs before its search, estimated from its model's size until one is measured.
    n_vars = sum(len(inp.common_slots(p)) for p in range(len(inp.pairs)))
    last_cost = n_vars * width / max(1, inp.n_slots) / WINDOW_VARIABLES_PER_SECOND
    while True:
        remaining = time_limit - (time.perf_counter() - started)
        # Building a window's model takes time its solver limit does not count: stop when the last
        # window took (or the first is estimated to take) longer than what is left.
        if remaining < max(0.2, last_cost):
            break
        window = sorted(rng.sample(range(inp.n_slots), width))
        window_started = time.perf_counter()
        candidate = _solve_window(
            inp, best, window, time_limit=min(WINDOW_TIME, remaining), workers=workers, seed=seed + tried
        )
        last_cost = time.perf_counter() - window_started
        tried += 1
        if candidate is None:
            continue
        value = objective_value(inp, candidate, weights)
        if value > best_value and not verify_assignment(inp, candidate):
            best, best_value = candidate, value
            improved += 1
    logger.info("window search: %d of %d windows improved the schedule", improved, tried)
    return best, improved


def _solve_window(
    inp: SolverInput,
    assignment: Sequence[tuple[int, int]],
    window: Sequence[int],
    *,
    time_limit: float,
    workers: int,
    seed: int,
) -> Assignment | None:
    local = {s: n for n, s in enumerate(window)}
    outside = [(p, s) for p, s in assignment if s not in local]
    inside = [(p, s) for p, s in assignment if s in local]
    placed_outside = {p for p, _s in outside}
    count = [0] * inp.n_participants
    for p, _s in outside:
        for k in inp.pairs[p]:
            count[k] += 1
    capacity = [max(0, inp.capacity[k] - count[k]) for k in range(inp.n_participants)]
    available = [
        frozenset(local[s] for s in inp.available[k] if s in local) for k in range(inp.n_participants)
    ]
    held_inside = {p for p, _s in inside}
    keep: list[int] = [
        p
        for p in range(len(inp.pairs))
        if p not in placed_outside
        and capacity[inp.pairs[p][0]] > 0
        and capacity[inp.pairs[p][1]] > 0
        and available[inp.pairs[p][0]] & available[inp.pairs[p][1]]
    ]
    index = {p: n for n, p in enumerate(keep)}
    fixed_here = [(index[p], local[s]) for p, s in inp.fixed if s in local and p in index]
    active = inp.active()
    sub = SolverInput(
        n_participants=inp.n_participants,
        n_slots=len(window),
        tables=inp.tables,
        available=available,
        capacity=capacity,
        pairs=[inp.pairs[p] for p in keep],
        weights=[inp.weights[p] for p in keep],
        accepted=[inp.accepted[p] for p in keep],
        # A must-meet held in the window must stay held; one not held anywhere stays unplaced.
        must=[inp.must[p] and p in held_inside for p in keep],
        fixed=fixed_here,
    )
    cover = [active[k] and count[k] == 0 for k in range(inp.n_participants)]
    hint = [(index[p], local[s]) for p, s in inside if p in index]
    out = solve_cpsat(sub, time_limit=time_limit, workers=workers, seed=seed, hint=hint, cover=cover)
    if not out.found:
        return None
    return sorted(outside + [(keep[q], window[t]) for q, t in out.assignment])
