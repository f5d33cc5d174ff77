"""The scheduling use case: problem in, schedule out. The CLI and the web layer call only this.

:func:`solve_problem` runs encode → feasibility check → solve → decode:

1. :func:`~matchmaker.scheduling.feasibility.check_must_meet` proves what it can about must-meets;
   with ``strict_must_meet`` (the default) any problem raises
   :class:`~matchmaker.errors.InfeasibleScheduleError` whose reasons say what to relax.
2. :func:`~matchmaker.scheduling.encode.encode` builds the arrays (asking ``score_lookup`` for
   pairs the file has no score for). Nothing is pruned: stage 1 and the bound see every pair.
3. :func:`~matchmaker.scheduling.decompose.decompose` chooses the pairs (a MIP), gives them slots
   (ejection chains; pairs that do not fit go back with a cut) and improves by local search, each
   stage within its share of the time limit (``docs/scheduling.md``).
4. The LP bound (:mod:`~matchmaker.scheduling.bound`), solved in a thread beside stage 3, holds for
   a schedule that covers everyone; a schedule that does not is bounded again for the coverage it
   reached. When the
   schedule reaches it, it is proven optimal; otherwise, when the whole model is small (at most
   ``max_variables`` pair × slot variables), CP-SAT continues from it on the whole model, and on
   large models the window search spends what time is left.
5. Tables are given out, published meetings keep theirs, and statistics are gathered: the bound,
   the gap, the solver status and why participants have fewer meetings than they may have.

Determinism: with a ``seed`` every step is bounded by work, not by the clock (CP-SAT interleaves
its workers and counts deterministic time; the coverage repair and the local search count steps),
so the same input, seed and ``workers`` give the same schedule, unless pair selection reaches its
own wall-clock limit (its share of the time limit). Without a seed the wall clock bounds each step
and the default uses more workers.

Wiring the matcher: pass ``score_lookup=lambda a, b: matcher_score(a, b)`` (``None`` when a pair
has no score). It is only asked about city–provider and city–city pairs the file has no score for.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from matchmaker.errors import InfeasibleScheduleError
from matchmaker.scheduling.bound import Bound, lp_bounds
from matchmaker.scheduling.core import (
    DEFAULT_TIME_LIMIT,
    Assignment,
    SolverInput,
    assign_tables,
    fair_greedy_assignment,
    greedy_assignment,
    verify_assignment,
)
from matchmaker.scheduling.decompose import (
    DEFAULT_SEARCH_STEPS,
    REPAIR_SHARE,
    ROUNDS_SHARE,
    WorkBudget,
    decompose,
)
from matchmaker.scheduling.encode import SCORE_SCALE, Encoded, ScoreLookup, encode
from matchmaker.scheduling.explain import shortfalls
from matchmaker.scheduling.feasibility import check_must_meet, must_meet_reason_after_solve
from matchmaker.scheduling.place import Timetable
from matchmaker.scheduling.problem import Pair, SchedulingProblem
from matchmaker.scheduling.result import (
    Meeting,
    ScheduleResult,
    ScheduleStats,
    diff_schedules,
    fill_counts,
    meeting_counts,
)
from matchmaker.scheduling.solver import ObjectiveWeights, objective_value, solve_cpsat
from matchmaker.scheduling.windows import improve_by_windows
from matchmaker.wording import counted

logger = logging.getLogger(__name__)

#: Default number of CP-SAT search workers. More workers than cores on purpose: on 2 cores, 8 workers
#: (a portfolio with several LP, no-LP and LNS strategies, time-sliced) proved a 100-participant
#: problem optimal in 10 s where 2 workers were still 1.6 % short of their bound after 30 s. The
#: time limit still holds.
DEFAULT_WORKERS = 8
#: Above this many ``x[pair, slot]`` variables CP-SAT is not run on the whole model.
SMALL_MODEL_VARIABLES = 20_000
#: Below this many seconds left, no further improvement step starts.
MIN_STEP_SECONDS = 2.0
#: Share of the time limit (at least :data:`MIN_FINISH_RESERVE` seconds) kept for building CP-SAT's
#: model, decoding and the statistics at the end.
FINISH_SHARE = 0.05
MIN_FINISH_RESERVE = 1.5
#: Share of the time limit the stages may use before the bound is computed (the rest is kept for
#: the bound, CP-SAT or the window search).
STAGES_SHARE = 0.6
#: Local search steps per second of time limit in deterministic (seeded) runs.
STEPS_PER_SECOND = 5_000
#: Pairs the coverage repair may try per second of its share in deterministic (seeded) runs.
REPAIR_STEPS_PER_SECOND = 100_000


def solve_problem(
    problem: SchedulingProblem,
    *,
    score_lookup: ScoreLookup | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    workers: int | None = None,
    keep_locked: bool = True,
    strict_must_meet: bool = True,
    seed: int | None = None,
    max_variables: int = SMALL_MODEL_VARIABLES,
) -> ScheduleResult:
    """Plan the meetings of ``problem``.

    Args:
        problem: the validated problem (see :func:`~matchmaker.scheduling.problem.parse_problem`).
        score_lookup: ``(a_id, b_id) -> score | None`` for pairs without a score in the file.
        time_limit: seconds the solve may use once the scores are looked up.
        workers: CP-SAT search workers (default :data:`DEFAULT_WORKERS`, or 1 with a ``seed``).
        keep_locked: keep ``problem.locked`` (published) meetings where they are; when False they
            only guide the solver, and ``result.changes`` shows what moved.
        strict_must_meet: raise when a must-meet cannot be held; when False, schedule the rest and
            list those pairs in ``unscheduled_must_meet`` with reasons in the stats.
        seed: makes the run deterministic: the same input, seed and ``workers`` give the same
            schedule (each step is bounded by work instead of the clock).
        max_variables: CP-SAT runs on the whole model only when it has at most this many
            pair × slot variables.

    Raises:
        InfeasibleScheduleError: must-meets cannot all be held (strict mode), or kept published
            meetings exceed a participant's maximum; the reasons say what to relax.
    """
    started = time.perf_counter()
    deterministic = seed is not None
    n_workers = workers if workers is not None else (1 if deterministic else DEFAULT_WORKERS)
    rng_seed = seed if seed is not None else 0
    report = check_must_meet(problem, keep_locked=keep_locked)
    report.raise_if_fatal()
    if strict_must_meet:
        report.raise_if_any()
    enc = encode(
        problem,
        score_lookup=score_lookup,
        keep_locked=keep_locked,
        exclude_must=report.impossible.keys(),
        max_variables=10**12,
    )
    # The time limit is the solver's: looking scores up (the matcher, on a large event) does not use
    # it up, or a problem scored slowly would be planned with no search at all.
    solving = time.perf_counter()
    inp = enc.inp
    if not keep_locked and enc.previous:
        # Published meetings guide the plan: start from them, keep what still fits.
        inp_guided = _with_fixed(inp, sorted(enc.previous.items()))
        start = fair_greedy_assignment(inp_guided)
        guided = start if not verify_assignment(inp, start) else []
    else:
        guided = []
    stages_deadline = None if deterministic else solving + STAGES_SHARE * time_limit
    # A seeded run bounds each stage by work sized to the limit (the selection MIPs keep a share of
    # it in wall-clock seconds); see :class:`~matchmaker.scheduling.decompose.WorkBudget`.
    stage_seconds = STAGES_SHARE * time_limit
    repair_seconds = (REPAIR_SHARE - ROUNDS_SHARE) * stage_seconds
    budget = WorkBudget(
        selection_seconds=max(1.0, ROUNDS_SHARE * stage_seconds),
        repair_steps=max(10_000, int(REPAIR_STEPS_PER_SECOND * repair_seconds)),
        search_steps=(
            max(1_000, int(STEPS_PER_SECOND * stage_seconds)) if deterministic else DEFAULT_SEARCH_STEPS * 10
        ),
    )
    # The bound for a schedule that covers everyone it can and keeps every rule; reaching it
    # proves the schedule optimal, and the local search stops there. Its LP (seconds on a large
    # event) is solved beside the stages, in a thread: the LP solver does not hold the interpreter.
    # It gets the time limit too, so a very large event is not kept waiting for it once the search
    # is over (its bound is then unknown); a seeded run waits for it, whatever it takes.
    inp.active()  # made once, before two threads read it
    bound_seconds = None if deterministic else time_limit
    bounding = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lp-bound")
    target_future = bounding.submit(_bounds, inp, None, bound_seconds)
    bounding.shutdown(wait=False)

    def done(table: Timetable) -> bool:
        return target_future.done() and _reaches(inp, table.assignment(), target_future.result())

    dec = decompose(
        inp,
        deadline=stages_deadline,
        budget=budget,
        workers=n_workers,
        seed=rng_seed,
        done=done,
    )
    weights = ObjectiveWeights.for_input(inp)
    assignment = dec.assignment
    method = "decomposition"
    if guided and objective_value(inp, guided, weights) > objective_value(inp, assignment, weights):
        assignment, method = guided, "previous plan"

    # A seeded run waits for the bound here, so whether the search goes on does not depend on how
    # fast the LP was; otherwise the search goes on unless the bound is known and reached.
    target = target_future.result() if deterministic or target_future.done() else None
    proven = target is not None and _keeps_all(inp, assignment) and _reaches(inp, assignment, target)
    status = "OPTIMAL" if proven else "FEASIBLE"
    n_vars = sum(len(inp.common_slots(p)) for p in range(len(inp.pairs)))
    remaining = time_limit - (time.perf_counter() - solving)
    # A seeded run gives CP-SAT a fixed share of the limit in deterministic time, never what the
    # clock says is left (that differs from run to run).
    cp_budget = (
        (1 - STAGES_SHARE) * time_limit
        if deterministic
        else remaining - max(MIN_FINISH_RESERVE, FINISH_SHARE * time_limit)
    )
    improved_windows = 0
    if not proven and (deterministic or remaining >= MIN_STEP_SECONDS):
        if n_vars <= max_variables:
            must_hard = report.ok and not dec.missing_must
            out = solve_cpsat(
                inp,
                time_limit=cp_budget,
                workers=n_workers,
                seed=rng_seed,
                must_hard=must_hard,
                hint=assignment,
                deterministic=deterministic,
            )
            if out.found and objective_value(inp, out.assignment, weights) >= objective_value(
                inp, assignment, weights
            ):
                assignment, method = out.assignment, method + " + CP-SAT"
                status = "OPTIMAL" if out.status == "OPTIMAL" else status
        elif not deterministic:
            before = objective_value(inp, assignment, weights)
            assignment, improved_windows = improve_by_windows(
                inp, assignment, time_limit=cp_budget, workers=min(n_workers, 2), seed=rng_seed
            )
            if objective_value(inp, assignment, weights) > before:
                method += " + window search"

    target = target_future.result()
    finish_seconds = None if deterministic else max(MIN_FINISH_RESERVE, FINISH_SHARE * time_limit)
    bounds = target if _keeps_all(inp, assignment) else _bounds(inp, assignment, finish_seconds)
    if _reaches(inp, assignment, bounds):
        status = "OPTIMAL"
    held = {p for p, _s in assignment}
    missing: list[Pair] = [
        enc.candidates[p].key for p in range(len(enc.candidates)) if inp.must[p] and p not in held
    ]
    missing_reasons = [must_meet_reason_after_solve(problem, key) for key in missing]
    if missing and strict_must_meet:
        n = len(missing)
        raise InfeasibleScheduleError(
            f"the schedule is infeasible: {counted(n, 'must-meet pair')} cannot be held together. "
            + " ".join(missing_reasons),
            missing_reasons,
        )
    unscheduled = sorted(set(report.impossible) | set(missing))
    meetings = _decode(enc, assignment)
    stats = _stats(enc, meetings, assignment, status, report.reasons + missing_reasons)
    stats.solve_seconds = round(time.perf_counter() - started, 3)
    stats.objective_internal = objective_value(inp, assignment, weights)
    stats.improved_windows = improved_windows
    _fill_bound(stats, bounds, sum(inp.weights[p] for p, _s in assignment))
    stats.method = method
    stats.stage_rounds = dec.rounds
    stats.cut_pairs = dec.cut_pairs
    stats.selection_status = dec.selection_status
    stats.local_search_moves = dec.search.improvements
    stats.seed = seed
    stats.workers = n_workers
    stats.shortfalls = shortfalls(problem, inp, enc.participant_ids, assignment)
    objective = round(sum(m.score for m in meetings), 6)
    changes = diff_schedules(problem.locked, meetings) if problem.locked else None
    return ScheduleResult(
        meetings=meetings,
        objective=objective,
        unscheduled_must_meet=unscheduled,
        stats=stats,
        changes=changes,
    )


def _bounds(inp: SolverInput, assignment: Assignment | None, time_limit: float | None) -> list[Bound]:
    """The LP bounds for schedules at least as good as ``assignment`` on the levels above score.

    Coverage is required at the level the schedule reaches; must-meets and accepted requests are
    held in the bound only when the schedule holds every one of them (otherwise a better schedule
    could hold a different set, and the bound must not assume one). Without an assignment: every
    active participant covered, every must-meet and accepted request held. ``time_limit``: seconds
    the LP may take (``None``: as long as it needs).
    """
    if assignment is None:
        return lp_bounds(inp, hold_must=True, with_accepted=True, time_limit=time_limit)
    held = {p for p, _s in assignment}
    met = {k for p in held for k in inp.pairs[p]}
    active = inp.active()
    covered = sum(1 for k in range(inp.n_participants) if active[k] and k in met)
    return lp_bounds(
        inp,
        min_covered=covered,
        hold_must=_holds(inp, held, "must"),
        with_accepted=_holds(inp, held, "accepted"),
        time_limit=time_limit,
    )


def _holds(inp: SolverInput, held: set[int], level: str) -> bool:
    flags = inp.must if level == "must" else inp.accepted
    return all(p in held for p in range(len(inp.pairs)) if flags[p] and inp.common_slots(p))


def _keeps_all(inp: SolverInput, assignment: Assignment) -> bool:
    """Every active participant covered, every must-meet and accepted request held."""
    held = {p for p, _s in assignment}
    return _covers_all(inp, assignment) and _holds(inp, held, "must") and _holds(inp, held, "accepted")


def _covers_all(inp: SolverInput, assignment: Assignment) -> bool:
    met = {k for p, _s in assignment for k in inp.pairs[p]}
    return all(k in met for k, flag in enumerate(inp.active()) if flag)


def _reaches(inp: SolverInput, assignment: Assignment, bounds: list[Bound]) -> bool:
    """True when ``assignment`` is proven best.

    That needs every level above score at its ceiling (every active participant covered, every
    must-meet and accepted request held) and the score at the bound that assumes all of them.
    A schedule below a ceiling is never called optimal here: the bound does not say whether a
    schedule reaching higher on that level exists.
    """
    last = bounds[-1]
    held = {p for p, _s in assignment}
    if not (last.known and len(bounds) > 1 and _covers_all(inp, assignment)):
        return False
    if not (_holds(inp, held, "must") and _holds(inp, held, "accepted")):
        return False
    return sum(inp.weights[p] for p in held) >= last.value - 0.5


def _fill_bound(stats: ScheduleStats, bounds: list[Bound], value: int) -> None:
    first, last = bounds[0], bounds[-1]
    stats.score_objective = round(value / SCORE_SCALE, 6)
    stats.lp_bound_status = first.status
    if first.known:
        stats.lp_bound = round(first.value / SCORE_SCALE, 6)
        stats.gap = round(max(0.0, 1.0 - value / first.value) if first.value > 0 else 0.0, 6)
        stats.bound_internal = round(first.value)
    if len(bounds) > 1 and last.known:
        stats.lp_bound_with_requests = round(last.value / SCORE_SCALE, 6)
        stats.gap_with_requests = round(max(0.0, 1.0 - value / last.value) if last.value > 0 else 0.0, 6)


def _with_fixed(inp: SolverInput, fixed: list[tuple[int, int]]) -> SolverInput:
    return dataclasses.replace(inp, fixed=fixed)


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
    enc: Encoded, meetings: list[Meeting], assignment: Assignment, status: str, reasons: list[str]
) -> ScheduleStats:
    inp = enc.inp
    greedy = greedy_assignment(inp)
    accepted = {c.key for c in enc.candidates if c.accepted}
    stats = ScheduleStats(
        status=status,
        solve_seconds=0.0,
        meetings=len(meetings),
        must_meet_scheduled=sum(1 for m in meetings if m.kind == "must_meet"),
        must_meet_total=len({tuple(sorted(p)) for p in enc.problem.must_meet}),
        accepted_requests_scheduled=sum(1 for m in meetings if m.pair in accepted),
        accepted_requests_total=sum(inp.accepted),
        tables_used=round(len(meetings) / (inp.n_slots * inp.tables), 4),
        candidate_pairs=len(enc.candidates),
        pruned_pairs=enc.pruned_pairs,
        greedy_objective=round(sum(enc.candidates[p].score for p, _s in greedy), 6),
        score_objective=round(sum(inp.weights[p] for p, _s in assignment) / SCORE_SCALE, 6),
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
    max_variables: int = 10**12,
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
    stats = _stats(enc, meetings, assignment, "GREEDY", [])
    stats.method = "greedy"
    return ScheduleResult(
        meetings=meetings,
        objective=round(sum(m.score for m in meetings), 6),
        unscheduled_must_meet=sorted(missing),
        stats=stats,
    )
