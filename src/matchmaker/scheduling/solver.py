"""The CP-SAT model of the meeting schedule (pure: :class:`SolverInput` in, assignment out).

One boolean ``x[p, s]`` per candidate pair ``p`` and common slot ``s``. Hard rules:

- a participant is in at most one meeting per slot, and has at most ``capacity`` meetings;
- a slot holds at most ``tables`` meetings;
- a pair meets at most once, only in slots where both are available (no variable exists otherwise);
- fixed (published) meetings stay where they are;
- must-meet pairs meet (``must_hard=True``).

The objective is lexicographic, folded into one integer sum with weights that make each level
dominate everything below it:

1. (only with ``must_hard=False``) the number of must-meet pairs held;
2. the number of *active* participants (those with any possible meeting) who get at least one
   meeting — so nobody is left out when a schedule exists that includes them;
3. the number of accepted requests held;
4. the total score of the meetings held.

Blocked pairs and provider–provider pairs never reach the solver: the encoder does not make them
candidates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from matchmaker.scheduling.core import Assignment, SolverInput

logger = logging.getLogger(__name__)

_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


@dataclass(frozen=True)
class ObjectiveWeights:
    """Integer weights of the lexicographic levels (each dominates the sum of all lower ones)."""

    accepted: int
    covered: int
    must: int

    @classmethod
    def for_input(cls, inp: SolverInput) -> ObjectiveWeights:
        """Weights large enough for this input's lexicographic order."""
        most_meetings = min(inp.n_slots * inp.tables, sum(inp.capacity) // 2, len(inp.pairs))
        score_cap = sum(sorted(inp.weights, reverse=True)[:most_meetings]) + 1
        accepted = score_cap
        covered = accepted * (sum(inp.accepted) + 1)
        must = covered * (inp.n_participants + 1)
        return cls(accepted=accepted, covered=covered, must=must)


@dataclass(frozen=True)
class SolverOutput:
    """What the solver found: the assignment, its status, objective, bound and time."""

    assignment: Assignment
    status: str
    objective: int
    bound: int
    wall_time: float
    must_hard: bool
    weights: ObjectiveWeights

    @property
    def found(self) -> bool:
        """True when a feasible assignment was found."""
        return self.status in ("OPTIMAL", "FEASIBLE")

    @property
    def gap(self) -> float:
        """Relative gap between bound and objective (0.0 when proven optimal)."""
        if not self.found:
            return float("inf")
        return max(0.0, (self.bound - self.objective) / max(1, abs(self.bound)))


#: In deterministic mode, the wall-clock limit is this many times the deterministic one.
DETERMINISTIC_SAFETY = 3.0


def _configure(
    solver: cp_model.CpSolver, *, time_limit: float, workers: int, seed: int, deterministic: bool
) -> None:
    params = solver.parameters
    params.num_workers = max(1, workers)
    params.random_seed = seed
    if deterministic:
        params.interleave_search = True
        params.max_deterministic_time = max(0.05, time_limit)
        params.max_time_in_seconds = max(0.05, time_limit * DETERMINISTIC_SAFETY)
    else:
        params.max_time_in_seconds = max(0.05, time_limit)


def objective_value(
    inp: SolverInput, assignment: Sequence[tuple[int, int]], weights: ObjectiveWeights
) -> int:
    """The solver's objective (with soft must-meets) for any assignment, e.g. a greedy one."""
    active = inp.active()
    met = [False] * inp.n_participants
    total = 0
    for p, _s in assignment:
        i, j = inp.pairs[p]
        met[i] = met[j] = True
        total += inp.weights[p]
        total += weights.accepted if inp.accepted[p] else 0
        total += weights.must if inp.must[p] else 0
    return total + weights.covered * sum(1 for k in range(inp.n_participants) if met[k] and active[k])


def solve_cpsat(
    inp: SolverInput,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    must_hard: bool = True,
    hint: Sequence[tuple[int, int]] | None = None,
    cover: Sequence[bool] | None = None,
    deterministic: bool = False,
) -> SolverOutput:
    """Solve the schedule with CP-SAT within ``time_limit`` seconds.

    ``cover`` says which participants earn the coverage level when they get a meeting (default:
    every active one); the window search passes only those with no meeting outside its window.

    ``hint`` (a feasible assignment, e.g. from :func:`fair_greedy_assignment`) is given to the solver
    as a starting point. With ``must_hard=False`` must-meets are the top objective level instead of
    constraints, so the result shows which ones cannot fit.

    With ``deterministic`` the workers interleave their search and ``time_limit`` is counted in
    CP-SAT's deterministic time, so the same input, seed and workers give the same answer; the wall
    clock then only stops a run that takes :data:`DETERMINISTIC_SAFETY` times longer.
    """
    started = time.perf_counter()
    weights = ObjectiveWeights.for_input(inp)
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_person_slot: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    by_slot: list[list[cp_model.IntVar]] = [[] for _ in range(inp.n_slots)]
    by_person: list[list[cp_model.IntVar]] = [[] for _ in range(inp.n_participants)]
    held: list[list[cp_model.IntVar]] = [[] for _ in inp.pairs]
    for p, (i, j) in enumerate(inp.pairs):
        for s in inp.common_slots(p):
            var = model.new_bool_var(f"x_{p}_{s}")
            x[(p, s)] = var
            held[p].append(var)
            by_slot[s].append(var)
            by_person[i].append(var)
            by_person[j].append(var)
            by_person_slot.setdefault((i, s), []).append(var)
            by_person_slot.setdefault((j, s), []).append(var)
    for vars_ in by_person_slot.values():
        if len(vars_) > 1:
            model.add_at_most_one(vars_)
    for vars_ in by_slot:
        if len(vars_) > inp.tables:
            model.add(sum(vars_) <= inp.tables)
    for k, vars_ in enumerate(by_person):
        if len(vars_) > inp.capacity[k]:
            model.add(sum(vars_) <= inp.capacity[k])
    for vars_ in held:
        if len(vars_) > 1:
            model.add_at_most_one(vars_)
    for p, s in inp.fixed:
        if (p, s) not in x:
            return _give_up(inp, "INFEASIBLE", started, must_hard, weights)
        model.add(x[(p, s)] == 1)

    terms: list[cp_model.LinearExprT] = []
    for p, vars_ in enumerate(held):
        if inp.must[p] and must_hard:
            if not vars_:
                return _give_up(inp, "INFEASIBLE", started, must_hard, weights)
            model.add(sum(vars_) == 1)
        coef = inp.weights[p] + (weights.accepted if inp.accepted[p] else 0)
        if inp.must[p] and not must_hard:
            coef += weights.must
        if coef:
            terms.extend(coef * v for v in vars_)
    covered: dict[int, cp_model.IntVar] = {}
    for k, active in enumerate(inp.active() if cover is None else cover):
        if active and by_person[k]:
            c = model.new_bool_var(f"covered_{k}")
            model.add(c <= sum(by_person[k]))
            covered[k] = c
            terms.append(weights.covered * c)
    model.maximize(sum(terms))

    if hint:
        chosen = set(hint)
        for key, var in x.items():
            model.add_hint(var, 1 if key in chosen else 0)
        met = {k for p, _s in hint for k in inp.pairs[p]}
        for k, c in covered.items():
            model.add_hint(c, 1 if k in met else 0)

    solver = cp_model.CpSolver()
    _configure(solver, time_limit=time_limit, workers=workers, seed=seed, deterministic=deterministic)
    status = _STATUS.get(solver.solve(model), "UNKNOWN")
    elapsed = time.perf_counter() - started
    logger.info(
        "CP-SAT %s in %.2fs: %d variables, objective %s, bound %s",
        status,
        elapsed,
        len(x),
        solver.objective_value if status in ("OPTIMAL", "FEASIBLE") else "-",
        solver.best_objective_bound if status in ("OPTIMAL", "FEASIBLE") else "-",
    )
    if status not in ("OPTIMAL", "FEASIBLE"):
        return _give_up(inp, status, started, must_hard, weights)
    assignment = sorted(key for key, var in x.items() if solver.boolean_value(var))
    return SolverOutput(
        assignment=assignment,
        status=status,
        objective=round(solver.objective_value),
        bound=round(solver.best_objective_bound),
        wall_time=elapsed,
        must_hard=must_hard,
        weights=weights,
    )


def _give_up(
    inp: SolverInput, status: str, started: float, must_hard: bool, weights: ObjectiveWeights
) -> SolverOutput:
    del inp
    return SolverOutput(
        assignment=[],
        status=status,
        objective=0,
        bound=0,
        wall_time=time.perf_counter() - started,
        must_hard=must_hard,
        weights=weights,
    )
