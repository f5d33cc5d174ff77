"""The three-stage scheduler: choose pairs, give them slots, improve locally.

1. Published meetings are placed, then must-meets and accepted requests (hardest first, with
   ejection chains). Must-meets that still do not fit are settled exactly by CP-SAT on these pairs
   alone (a small model), which holds as many as can be held together; the rest are reported.
2. :func:`~matchmaker.scheduling.select.select_pairs` chooses the other pairs (coverage, accepted
   requests, maxima, table capacity) and :func:`~matchmaker.scheduling.place.place_pairs` gives them
   slots. Pairs that do not fit are cut (never chosen again) and stage 1 runs again on what is left:
   remaining maxima, free tables, participants still without a meeting.
3. Anyone active still without a meeting is given one at the least cost
   (:func:`~matchmaker.scheduling.core.repair_coverage`), then
   :func:`~matchmaker.scheduling.improve.improve` runs until it converges or time runs out.

Everything here is deterministic except where a wall-clock ``deadline`` stops the local search.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from matchmaker.scheduling.core import Assignment, SolverInput, repair_coverage
from matchmaker.scheduling.improve import SearchReport, improve
from matchmaker.scheduling.place import Timetable, place_pairs
from matchmaker.scheduling.select import select_pairs
from matchmaker.scheduling.solver import ObjectiveWeights, objective_value, solve_cpsat

logger = logging.getLogger(__name__)

#: Most stage 1 → stage 2 rounds (each after a cut).
MAX_ROUNDS = 6
#: Local search steps (insertion attempts) when no deadline bounds it.
DEFAULT_SEARCH_STEPS = 100_000
#: Seconds given to CP-SAT to settle must-meets that ejection chains could not place.
MUST_MEET_TIME = 5.0
#: When ejection chains leave chosen pairs unplaced and the timetable has at most this many
#: pair × slot variables, CP-SAT places them exactly (stage 2 by CP-SAT instead of by chains).
EXACT_PLACEMENT_VARIABLES = 5_000
#: Seconds given to that exact placement (CP-SAT deterministic time in seeded runs).
EXACT_PLACEMENT_TIME = 2.0
#: Below this many seconds left, the exact placement is skipped.
MIN_EXACT_TIME = 0.5


@dataclass(frozen=True)
class Decomposition:
    """The schedule found by the stages and how it was found."""

    assignment: Assignment
    rounds: int
    cut_pairs: int
    selection_status: str
    missing_must: list[int]
    repaired_coverage: bool
    search: SearchReport


def decompose(
    inp: SolverInput,
    *,
    deadline: float | None = None,
    search_steps: int = DEFAULT_SEARCH_STEPS,
    workers: int = 1,
    seed: int = 0,
    done: Callable[[Timetable], bool] | None = None,
) -> Decomposition:
    """Run the three stages on ``inp``.

    ``deadline`` (a ``perf_counter`` time) stops the cut rounds and the local search and bounds
    the CP-SAT calls by the wall clock. Without it every step is bounded by work (CP-SAT in
    deterministic time, the local search by ``search_steps``), so the result is deterministic.
    ``done`` tells the local search when the schedule reached a bound and cannot improve.
    """
    active = inp.active()
    deterministic = deadline is None
    table = _place_priority(inp, workers=workers, seed=seed, deterministic=deterministic)
    missing_must = [p for p in range(len(inp.pairs)) if inp.must[p] and p not in table.slot_of]
    forbidden = set(missing_must)
    status, rounds = "NOT_RUN", 0
    room_total = inp.n_slots * inp.tables
    while rounds < MAX_ROUNDS:
        if deadline is not None and time.perf_counter() > deadline:
            break
        rounds += 1
        capacity = [c - n for c, n in zip(inp.capacity, table.count, strict=True)]
        room = room_total - len(table.slot_of)
        cover = [k for k in range(inp.n_participants) if active[k] and table.count[k] == 0]
        limit = 20.0 if deadline is None else max(1.0, deadline - time.perf_counter())
        selection = select_pairs(
            inp,
            capacity=capacity,
            room=room,
            held=table.slot_of.keys(),
            forbidden=forbidden,
            cover=cover,
            time_limit=limit,
        )
        if rounds == 1:
            status = selection.status
        if not selection.pairs:
            break
        table, left = place_pairs(inp, selection.pairs, timetable=table)
        if left and rounds == 1:
            # Once: exact placement is worth it for the first, large selection; later rounds only
            # fill what is left, where chains do as well for far less.
            budget = EXACT_PLACEMENT_TIME
            if deadline is not None:
                budget = min(budget, deadline - time.perf_counter())
            if budget >= MIN_EXACT_TIME:
                table, left = _place_exactly(
                    inp,
                    table,
                    selection.pairs,
                    time_limit=budget,
                    workers=workers,
                    seed=seed,
                    deterministic=deterministic,
                )
        if not left:
            break
        # The cut: these pairs do not fit around the meetings already placed; choose others.
        forbidden.update(left)
        logger.info("round %d: %d chosen pairs did not fit; choosing again without them", rounds, len(left))
    repaired = False
    if any(active[k] and table.count[k] == 0 for k in range(inp.n_participants)):
        fixed_table = repair_coverage(inp, table.assignment())
        table = Timetable(inp, fixed_table)
        repaired = True
    search = improve(inp, table, deadline=deadline, max_steps=search_steps, done=done)
    return Decomposition(
        assignment=table.assignment(),
        rounds=rounds,
        cut_pairs=len(forbidden) - len(missing_must),
        selection_status=status,
        missing_must=[p for p in missing_must if p not in table.slot_of],
        repaired_coverage=repaired,
        search=search,
    )


def _sub_input(inp: SolverInput, keep: list[int]) -> SolverInput:
    """``inp`` restricted to the pairs ``keep`` (in that order), fixed meetings kept."""
    index = {p: n for n, p in enumerate(keep)}
    return dataclasses.replace(
        inp,
        pairs=[inp.pairs[p] for p in keep],
        weights=[inp.weights[p] for p in keep],
        accepted=[inp.accepted[p] for p in keep],
        must=[inp.must[p] for p in keep],
        fixed=[(index[p], s) for p, s in inp.fixed if p in index],
    )


def _solve_among(
    inp: SolverInput,
    keep: list[int],
    table: Timetable,
    *,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool,
) -> Timetable | None:
    """CP-SAT on the pairs ``keep`` alone, hinted with ``table``; None when it finds nothing."""
    index = {p: n for n, p in enumerate(keep)}
    out = solve_cpsat(
        _sub_input(inp, keep),
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        must_hard=False,
        hint=[(index[p], s) for p, s in table.assignment()],
        deterministic=deterministic,
    )
    if not out.found:
        return None
    return Timetable(inp, [(keep[q], s) for q, s in out.assignment])


def _place_exactly(
    inp: SolverInput,
    table: Timetable,
    chosen: list[int],
    *,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool,
) -> tuple[Timetable, list[int]]:
    """Place the timetable's meetings and ``chosen`` with CP-SAT when that model is small.

    The objective is the scheduler's own (must-meets, coverage, accepted requests, score), so
    the pairs left out are the least valuable. Returns the timetable and the chosen pairs left out.
    """
    keep = sorted(set(table.slot_of) | set(chosen))
    left = [p for p in chosen if p not in table.slot_of]
    if sum(len(inp.common_slots(p)) for p in keep) > EXACT_PLACEMENT_VARIABLES:
        return table, left
    exact = _solve_among(
        inp, keep, table, time_limit=time_limit, workers=workers, seed=seed, deterministic=deterministic
    )
    if exact is None:
        return table, left
    weights = ObjectiveWeights.for_input(inp)
    if objective_value(inp, exact.assignment(), weights) < objective_value(inp, table.assignment(), weights):
        return table, left
    logger.info(
        "CP-SAT placed %d of %d pairs the chains left",
        len(left) - len(set(left) - set(exact.slot_of)),
        len(left),
    )
    return exact, [p for p in chosen if p not in exact.slot_of]


def _place_priority(inp: SolverInput, *, workers: int, seed: int, deterministic: bool) -> Timetable:
    """Published meetings, then as many must-meets and accepted requests as can be held together.

    Ejection chains first; when a must-meet is left over, CP-SAT on these pairs alone (a small
    model) settles exactly which can be held, with must-meets above accepted requests.
    """
    first = [p for p in range(len(inp.pairs)) if (inp.must[p] or inp.accepted[p]) and inp.common_slots(p)]
    table, left = place_pairs(inp, first)
    if not any(inp.must[p] for p in left):
        return table
    logger.info("%d must-meets did not fit by ejection chains; asking CP-SAT", sum(inp.must[p] for p in left))
    keep = sorted({p for p, _s in inp.fixed} | set(first))
    placed = _solve_among(
        inp, keep, table, time_limit=MUST_MEET_TIME, workers=workers, seed=seed, deterministic=deterministic
    )
    return table if placed is None else placed
