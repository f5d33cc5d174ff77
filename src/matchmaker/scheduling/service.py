"""The scheduling use case: problem in, schedule out. The CLI and the web layer call only this.

:func:`solve_problem` runs encode → feasibility check → solve → decode:

1. :func:`~matchmaker.scheduling.feasibility.check_must_meet` proves what it can about must-meets;
   with ``strict_must_meet`` (the default) any problem raises
   :class:`~matchmaker.errors.InfeasibleScheduleError` whose reasons say what to relax.
2. :func:`~matchmaker.scheduling.encode.encode` builds the arrays (asking ``score_lookup`` for
   pairs the file has no score for).
3. CP-SAT solves with must-meets as hard constraints, starting from the best of a decomposition
   and a coverage-repaired greedy schedule. If that is infeasible (or finds nothing in time), it
   solves again with must-meets as the top objective level and reports the pairs it could not
   place. When the whole model is not proven optimal in half the time, the window search
   (:mod:`~matchmaker.scheduling.windows`) spends the rest re-solving a few slots at a time.
4. Tables are given out, published meetings keep theirs, and statistics are gathered.

Wiring the matcher: pass ``score_lookup=lambda a, b: matcher_score(a, b)`` (``None`` when a pair
has no score). It is only asked about city–provider and city–city pairs the file has no score for.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from matchmaker.errors import InfeasibleScheduleError
from matchmaker.scheduling.core import (
    Assignment,
    SolverInput,
    assign_tables,
    fair_greedy_assignment,
    greedy_assignment,
    repair_coverage,
    verify_assignment,
)
from matchmaker.scheduling.encode import DEFAULT_MAX_VARIABLES, Encoded, ScoreLookup, encode
from matchmaker.scheduling.feasibility import check_must_meet, must_meet_reason_after_solve
from matchmaker.scheduling.problem import Pair, SchedulingProblem
from matchmaker.scheduling.result import (
    Meeting,
    ScheduleResult,
    ScheduleStats,
    diff_schedules,
    fill_counts,
    meeting_counts,
)
from matchmaker.scheduling.solver import (
    ObjectiveWeights,
    SolverOutput,
    objective_value,
    selection_hint,
    solve_cpsat,
)
from matchmaker.scheduling.windows import improve_by_windows

logger = logging.getLogger(__name__)

#: Default solver time limit in seconds.
DEFAULT_TIME_LIMIT = 30.0
#: Default number of CP-SAT search workers. More workers than cores on purpose: on 2 cores, 8 workers
#: (a portfolio with several LP, no-LP and LNS strategies, time-sliced) proved a 100-participant
#: problem optimal in 10 s where 2 workers were still 1.6 % short of their bound after 30 s, and
#: matched them on 300 and 500 participants (see bench/README.md). The time limit still holds.
DEFAULT_WORKERS = 8
#: Share of the solve time given to the whole model before the window search takes over.
MAIN_SHARE = 0.5
#: Below this many seconds left, the window search is skipped.
MIN_WINDOW_BUDGET = 1.0


def solve_problem(
    problem: SchedulingProblem,
    *,
    score_lookup: ScoreLookup | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    workers: int = DEFAULT_WORKERS,
    keep_locked: bool = True,
    strict_must_meet: bool = True,
    seed: int = 0,
    max_variables: int = DEFAULT_MAX_VARIABLES,
) -> ScheduleResult:
    """Plan the meetings of ``problem``.

    Args:
        problem: the validated problem (see :func:`~matchmaker.scheduling.problem.parse_problem`).
        score_lookup: ``(a_id, b_id) -> score | None`` for pairs without a score in the file.
        time_limit: seconds the whole solve may use (at least one second goes to CP-SAT).
        workers: CP-SAT search workers.
        keep_locked: keep ``problem.locked`` (published) meetings where they are; when False they
            only guide the solver, and ``result.changes`` shows what moved.
        strict_must_meet: raise when a must-meet cannot be held; when False, schedule the rest and
            list those pairs in ``unscheduled_must_meet`` with reasons in the stats.
        seed: solver random seed, for reproducible runs.
        max_variables: above this model size candidate pairs are pruned to each participant's best.

    Raises:
        InfeasibleScheduleError: must-meets cannot all be held (strict mode), or kept published
            meetings exceed a participant's maximum; the reasons say what to relax.
    """
    started = time.perf_counter()
    report = check_must_meet(problem, keep_locked=keep_locked)
    report.raise_if_fatal()
    if strict_must_meet:
        report.raise_if_any()
    enc = encode(
        problem,
        score_lookup=score_lookup,
        keep_locked=keep_locked,
        exclude_must=report.impossible.keys(),
        max_variables=max_variables,
    )
    inp = enc.inp
    fallback = fair_greedy_assignment(inp)
    hint: Assignment
    if not keep_locked and enc.previous:
        hint = _previous_first(enc)
    else:
        repaired = repair_coverage(inp, greedy_assignment(inp))
        # A small model (one variable per pair): two workers are plenty, and leave the cores free.
        # Unseeded on purpose: a hint keeps this stage near the greedy schedule, which is already a
        # candidate start below.
        staged = selection_hint(
            inp, time_limit=min(5.0, 0.1 * time_limit), workers=min(workers, 2), seed=seed
        )
        weights = ObjectiveWeights.for_input(inp)
        # Placing the chosen pairs in slots can leave someone out; repair that too.
        staged_repaired = repair_coverage(inp, staged)
        candidates = (staged_repaired, staged, repaired)
        starts = [a for a in candidates if not verify_assignment(inp, a)] + [fallback]
        hint = max(starts, key=lambda a: objective_value(inp, a, weights))
    budget = max(1.0, time_limit - (time.perf_counter() - started))
    # Half the time to the whole model; if it is not proven optimal by then, the rest goes to the
    # window search, which improves large schedules faster than the whole model does.
    main_budget = budget if budget < MIN_WINDOW_BUDGET * 2 else budget * MAIN_SHARE
    out = solve_cpsat(inp, time_limit=main_budget, workers=workers, seed=seed, must_hard=report.ok, hint=hint)
    in_hint = {p for p, _s in hint}
    hint_misses_must = any(m and p not in in_hint for p, m in enumerate(inp.must))
    if not out.found and out.must_hard and any(inp.must) and (out.status != "UNKNOWN" or hint_misses_must):
        logger.info(
            "must-meets cannot all be held as hard constraints (%s); retrying them as soft", out.status
        )
        remaining = max(1.0, time_limit - (time.perf_counter() - started))
        soft = solve_cpsat(inp, time_limit=remaining, workers=workers, seed=seed, must_hard=False, hint=hint)
        out = SolverOutput(
            assignment=soft.assignment,
            status=soft.status,
            objective=soft.objective,
            bound=soft.bound,
            wall_time=out.wall_time + soft.wall_time,
            must_hard=False,
            weights=soft.weights,
        )
    assignment: Assignment = out.assignment
    status = out.status
    if not out.found:
        # Large models on a busy machine may not finish presolve in time; the starting schedule
        # is valid and usually good, so keep it rather than a plain greedy one.
        logger.warning("CP-SAT found no schedule in time (%s); continuing from the starting schedule", status)
        assignment, status = hint, f"START_SCHEDULE({status})"
    improved_windows = 0
    remaining = time_limit - (time.perf_counter() - started)
    if status != "OPTIMAL" and remaining >= MIN_WINDOW_BUDGET:
        weights = ObjectiveWeights.for_input(inp)
        before = objective_value(inp, assignment, weights)
        window_started = time.perf_counter()
        assignment, improved_windows = improve_by_windows(
            inp, assignment, time_limit=remaining - 0.2, workers=min(workers, 2), seed=seed
        )
        out = replace(
            out,
            objective=out.objective + objective_value(inp, assignment, weights) - before,
            wall_time=out.wall_time + time.perf_counter() - window_started,
        )

    held = {p for p, _s in assignment}
    missing: list[Pair] = [
        enc.candidates[p].key for p in range(len(enc.candidates)) if inp.must[p] and p not in held
    ]
    missing_reasons = [must_meet_reason_after_solve(problem, key) for key in missing]
    if missing and strict_must_meet:
        n = len(missing)
        raise InfeasibleScheduleError(
            f"the schedule is infeasible: {n} must-meet pair{'s' if n > 1 else ''} cannot be held together. "
            + " ".join(missing_reasons),
            missing_reasons,
        )
    unscheduled = sorted(set(report.impossible) | set(missing))
    meetings = _decode(enc, assignment)
    stats = _stats(enc, meetings, out, status, report.reasons + missing_reasons)
    stats.improved_windows = improved_windows
    objective = round(sum(m.score for m in meetings), 6)
    changes = diff_schedules(problem.locked, meetings) if problem.locked else None
    return ScheduleResult(
        meetings=meetings,
        objective=objective,
        unscheduled_must_meet=unscheduled,
        stats=stats,
        changes=changes,
    )


def _previous_first(enc: Encoded) -> Assignment:
    """A starting point that keeps the previously published meetings (only a hint to the solver)."""
    inp = enc.inp
    as_fixed = SolverInput(
        n_participants=inp.n_participants,
        n_slots=inp.n_slots,
        tables=inp.tables,
        available=inp.available,
        capacity=inp.capacity,
        pairs=inp.pairs,
        weights=inp.weights,
        accepted=inp.accepted,
        must=inp.must,
        fixed=sorted(enc.previous.items()),
    )
    return fair_greedy_assignment(as_fixed)


def _decode(enc: Encoded, assignment: Assignment) -> list[Meeting]:
    seated = assign_tables(enc.inp, assignment, enc.fixed_tables, enc.preferred_tables)
    meetings: list[Meeting] = []
    for p, s, table in sorted(seated, key=lambda t: (t[1], t[2])):
        c = enc.candidates[p]
        meetings.append(
            Meeting(
                slot=enc.slot_ids[s], table=table, a=c.a, b=c.b, score=c.score, reason=c.reason, kind=c.kind
            )
        )
    return meetings


def _stats(
    enc: Encoded, meetings: list[Meeting], out: SolverOutput, status: str, reasons: list[str]
) -> ScheduleStats:
    inp = enc.inp
    greedy = greedy_assignment(inp)
    accepted = {c.key for c in enc.candidates if c.accepted}
    stats = ScheduleStats(
        status=status,
        solve_seconds=round(out.wall_time, 3),
        objective_internal=out.objective,
        bound_internal=out.bound,
        gap=round(out.gap, 6) if out.found else 1.0,
        meetings=len(meetings),
        must_meet_scheduled=sum(1 for m in meetings if m.kind == "must_meet"),
        must_meet_total=len({tuple(sorted(p)) for p in enc.problem.must_meet}),
        accepted_requests_scheduled=sum(1 for m in meetings if m.pair in accepted),
        accepted_requests_total=sum(inp.accepted),
        tables_used=round(len(meetings) / (inp.n_slots * inp.tables), 4),
        candidate_pairs=len(enc.candidates),
        pruned_pairs=enc.pruned_pairs,
        greedy_objective=round(sum(enc.candidates[p].score for p, _s in greedy), 6),
        unscheduled_must_meet_reasons=reasons,
        dropped_locked=[
            f"{m.a}–{m.b} in {m.slot} at table {m.table}: {why}" for m, why in enc.dropped_locked
        ],
    )
    active = [pid for pid, flag in zip(enc.participant_ids, inp.active(), strict=True) if flag]
    fill_counts(stats, meeting_counts(enc.problem, meetings), active)
    return stats


def greedy_schedule(
    problem: SchedulingProblem,
    *,
    score_lookup: ScoreLookup | None = None,
    max_variables: int = DEFAULT_MAX_VARIABLES,
) -> ScheduleResult:
    """The greedy baseline on a whole problem: best pairs first, first free slot and table.

    Published meetings stay; must-meets and accepted requests go first. Nothing is checked or
    raised: must-meets it cannot place are listed in ``unscheduled_must_meet``.
    """
    enc = encode(problem, score_lookup=score_lookup, max_variables=max_variables)
    assignment = greedy_assignment(enc.inp)
    meetings = _decode(enc, assignment)
    held = {p for p, _s in assignment}
    missing = [c.key for p, c in enumerate(enc.candidates) if c.must and p not in held]
    none = SolverOutput(
        assignment=assignment,
        status="GREEDY",
        objective=0,
        bound=0,
        wall_time=0.0,
        must_hard=False,
        weights=ObjectiveWeights(accepted=0, covered=0, must=0),
    )
    return ScheduleResult(
        meetings=meetings,
        objective=round(sum(m.score for m in meetings), 6),
        unscheduled_must_meet=sorted(missing),
        stats=_stats(enc, meetings, none, "GREEDY", []),
    )
