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

With a wall-clock ``deadline`` each stage has its share of the time up to it
(:class:`StageDeadlines`): the priority meetings, the selection and placement rounds, the coverage
repair and the local search each stop at their own point in time, so a stage that ends early leaves
its time to the next and the last ends by the deadline. Without one, every stage is bounded by work
(:class:`WorkBudget`) and the result is deterministic, except that pair selection (a MIP) keeps a
wall-clock limit, its share of the time limit.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from matchmaker.scheduling.core import Assignment, SolverInput, fair_greedy_assignment, repair_coverage
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
#: Seconds CP-SAT is given at least to settle must-meets, whatever the deadline says (a must-meet
#: reported as impossible for want of time would stop a strict plan).
MIN_MUST_MEET_TIME = 1.0
#: Where each stage's share of the time up to the deadline ends, as a share of it from the start
#: (cumulative): the priority meetings, the selection and placement rounds, the coverage repair; the
#: local search runs up to the deadline.
PRIORITY_SHARE = 0.1
#: Candidate pairs the selection MIP is estimated to handle per second (its root LP included), to
#: skip it when the time left cannot hold it. Measured on 2 shared cores: 94,000 pairs in 5–9 s,
#: 375,000 in 15–35 s.
MIP_PAIRS_PER_SECOND = 15_000
ROUNDS_SHARE = 0.6
REPAIR_SHARE = 0.8


@dataclass(frozen=True)
class StageDeadlines:
    """The ``perf_counter`` times by which each stage stops (see the module docstring)."""

    priority: float
    rounds: float
    repair: float
    search: float

    @classmethod
    def split(cls, start: float, end: float) -> StageDeadlines:
        """The stages' shares of the time from ``start`` to ``end``."""
        span = max(0.0, end - start)
        return cls(
            priority=start + PRIORITY_SHARE * span,
            rounds=start + ROUNDS_SHARE * span,
            repair=start + REPAIR_SHARE * span,
            search=start + span,
        )


@dataclass(frozen=True)
class WorkBudget:
    """What each stage may do when no deadline bounds it (a seeded, deterministic run).

    ``selection_seconds`` is the wall-clock time of the selection MIPs of all rounds together,
    ``repair_steps`` the pairs the coverage repair may try, ``search_steps`` the local search's
    insertion attempts.
    """

    selection_seconds: float = 20.0
    repair_steps: int | None = None
    search_steps: int = DEFAULT_SEARCH_STEPS


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
    #: Each stage's deadline, when a deadline bounded the stages.
    deadlines: StageDeadlines | None = None


def decompose(
    inp: SolverInput,
    *,
    deadline: float | None = None,
    search_steps: int | None = None,
    budget: WorkBudget | None = None,
    workers: int = 1,
    seed: int = 0,
    done: Callable[[Timetable], bool] | None = None,
) -> Decomposition:
    """Run the three stages on ``inp``.

    ``deadline`` (a ``perf_counter`` time) is split into each stage's deadline
    (:meth:`StageDeadlines.split`) and bounds the CP-SAT calls by the wall clock. Without it every
    step is bounded by work (``budget``; CP-SAT in deterministic time), so the result is
    deterministic. ``search_steps`` overrides the budget's local search steps. ``done`` tells the
    local search when the schedule reached a bound and cannot improve.
    """
    active = inp.active()
    deterministic = deadline is None
    budget = budget or WorkBudget()
    if search_steps is not None:
        budget = dataclasses.replace(budget, search_steps=search_steps)
    stages = None if deadline is None else StageDeadlines.split(time.perf_counter(), deadline)
    table = _place_priority(
        inp,
        workers=workers,
        seed=seed,
        deterministic=deterministic,
        deadline=None if stages is None else stages.priority,
    )
    missing_must = [p for p in range(len(inp.pairs)) if inp.must[p] and p not in table.slot_of]
    forbidden = set(missing_must)
    status, rounds = "NOT_RUN", 0
    room_total = inp.n_slots * inp.tables
    # Without a deadline the selection MIPs of all rounds share one wall-clock allowance.
    rounds_end = stages.rounds if stages is not None else time.perf_counter() + budget.selection_seconds
    # The MIP cannot be stopped before its root LP is solved, which on a large event takes longer
    # than a short limit gives it: it is not started when its estimate does not fit.
    mip_seconds = sum(1 for p in range(len(inp.pairs)) if inp.common_slots(p)) / MIP_PAIRS_PER_SECOND
    selected = False
    while rounds < MAX_ROUNDS:
        if rounds and time.perf_counter() > rounds_end:
            break
        # A seeded run decides the first round on its budget, not on the clock.
        limit = rounds_end - time.perf_counter()
        if stages is None and not rounds:
            limit = budget.selection_seconds
        if limit < mip_seconds:
            logger.info("pair selection skipped: about %.1f s of MIP, %.1f s left", mip_seconds, limit)
            status = "SKIPPED" if not rounds else status
            break
        rounds += 1
        capacity = [c - n for c, n in zip(inp.capacity, table.count, strict=True)]
        room = room_total - len(table.slot_of)
        cover = [k for k in range(inp.n_participants) if active[k] and table.count[k] == 0]
        selection = select_pairs(
            inp,
            capacity=capacity,
            room=room,
            held=table.slot_of.keys(),
            forbidden=forbidden,
            cover=cover,
            time_limit=limit,
            deadline=rounds_end,
        )
        if rounds == 1:
            status = selection.status
        if not selection.pairs:
            break
        selected = True
        table, left = place_pairs(
            inp, selection.pairs, timetable=table, deadline=None if stages is None else stages.rounds
        )
        if left and rounds == 1:
            # Once: exact placement is worth it for the first, large selection; later rounds only
            # fill what is left, where chains do as well for far less.
            exact_time = EXACT_PLACEMENT_TIME
            if stages is not None:
                exact_time = min(exact_time, stages.rounds - time.perf_counter())
            if exact_time >= MIN_EXACT_TIME:
                table, left = _place_exactly(
                    inp,
                    table,
                    selection.pairs,
                    time_limit=exact_time,
                    workers=workers,
                    seed=seed,
                    deterministic=deterministic,
                )
        if not left:
            break
        # The cut: these pairs do not fit around the meetings already placed; choose others.
        forbidden.update(left)
        logger.info("round %d: %d chosen pairs did not fit; choosing again without them", rounds, len(left))
    uncovered = any(active[k] and table.count[k] == 0 for k in range(inp.n_participants))
    overran = stages is not None and time.perf_counter() > stages.repair
    if not selected or (uncovered and overran):
        # No selection (no time for it, or none found), or one that ran past the repair's time: a
        # fair greedy fills the timetable around the meetings placed, everyone first (with their
        # best placeable partner, as the repair would), so the repair has little left to do
        # (coverage ranks above score; a few seconds' fill keeps it).
        table = Timetable(inp, fair_greedy_assignment(inp, table.assignment(), best_partner=True))
    repaired = False
    if any(active[k] and table.count[k] == 0 for k in range(inp.n_participants)):
        fixed_table = repair_coverage(
            inp,
            table.assignment(),
            deadline=None if stages is None else stages.repair,
            max_steps=budget.repair_steps if stages is None else None,
        )
        table = Timetable(inp, fixed_table)
        repaired = True
    search = improve(
        inp,
        table,
        deadline=None if stages is None else stages.search,
        max_steps=budget.search_steps,
        done=done,
    )
    return Decomposition(
        assignment=table.assignment(),
        rounds=rounds,
        cut_pairs=len(forbidden) - len(missing_must),
        selection_status=status,
        missing_must=[p for p in missing_must if p not in table.slot_of],
        repaired_coverage=repaired,
        search=search,
        deadlines=stages,
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


def _place_priority(
    inp: SolverInput, *, workers: int, seed: int, deterministic: bool, deadline: float | None = None
) -> Timetable:
    """Published meetings, then as many must-meets and accepted requests as can be held together.

    Ejection chains first; when a must-meet is left over, CP-SAT on these pairs alone (a small
    model) settles exactly which can be held, with must-meets above accepted requests, for at most
    :data:`MUST_MEET_TIME` seconds and, with a ``deadline``, until then (but at least
    :data:`MIN_MUST_MEET_TIME`).
    """
    first = [p for p in range(len(inp.pairs)) if (inp.must[p] or inp.accepted[p]) and inp.common_slots(p)]
    table, left = place_pairs(inp, first, deadline=deadline)
    if not any(inp.must[p] for p in left):
        return table
    logger.info("%d must-meets did not fit by ejection chains; asking CP-SAT", sum(inp.must[p] for p in left))
    keep = sorted({p for p, _s in inp.fixed} | set(first))
    limit = MUST_MEET_TIME
    if deadline is not None:
        limit = max(MIN_MUST_MEET_TIME, min(limit, deadline - time.perf_counter()))
    placed = _solve_among(
        inp, keep, table, time_limit=limit, workers=workers, seed=seed, deterministic=deterministic
    )
    return table if placed is None else placed
