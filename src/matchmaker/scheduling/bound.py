"""An honest upper bound on the score of any schedule, from a linear relaxation.

The bound is the optimum of the LP relaxation of pair selection (a max-weight b-matching):

- one variable ``0 <= y[p] <= 1`` per candidate pair with a common available slot;
- each participant has at most ``capacity`` meetings (``min(max_meetings, available slots)``);
- the event holds at most ``slots × tables`` meetings;
- published (fixed) meetings are held, and must-meets are held when ``hold_must`` says so;
- coverage: at least ``min_covered`` active participants get a meeting, with ``c[i] <= 1`` and
  ``c[i] <= sum of y over i's pairs``. With every active participant required this is
  "everyone who can meet someone meets someone".

Slot timing is ignored, so no schedule that covers as many participants can score more. Scores are
the solver's integer weights (match score plus the pending-request bonus, times ``SCORE_SCALE``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ortools.linear_solver import linear_solver_pb2, pywraplp

from matchmaker.scheduling.core import BOUND_TIME_LIMIT, SolverInput

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bound:
    """The LP bound: its value in weight units (``inf`` when unknown) and the LP's status."""

    value: float
    status: str
    min_covered: int

    @property
    def known(self) -> bool:
        """True when the LP was solved to optimality (the value is a valid bound)."""
        return self.status == "OPTIMAL"


#: Names of the OR-Tools linear solver's result codes (LP here, MIP in :mod:`.select`).
LP_STATUS = {
    pywraplp.Solver.OPTIMAL: "OPTIMAL",
    pywraplp.Solver.FEASIBLE: "FEASIBLE",
    pywraplp.Solver.INFEASIBLE: "INFEASIBLE",
    pywraplp.Solver.UNBOUNDED: "UNBOUNDED",
    pywraplp.Solver.ABNORMAL: "ABNORMAL",
    pywraplp.Solver.NOT_SOLVED: "NOT_SOLVED",
}


def lp_bound(
    inp: SolverInput,
    *,
    min_covered: int | None = None,
    hold_must: bool = True,
    hold_accepted: bool = False,
) -> Bound:
    """The best score a schedule covering at least ``min_covered`` active participants can reach.

    ``min_covered`` defaults to every active participant. With ``hold_accepted`` accepted requests
    are held too. The status is ``INFEASIBLE`` when no selection of pairs can meet the requirements
    even without slots.
    """
    return lp_bounds(inp, min_covered=min_covered, hold_must=hold_must, with_accepted=hold_accepted)[-1]


def lp_bounds(
    inp: SolverInput,
    *,
    min_covered: int | None = None,
    hold_must: bool = True,
    with_accepted: bool = True,
    time_limit: float | None = None,
) -> list[Bound]:
    """The bound of :func:`lp_bound` without, then (``with_accepted``) with accepted requests held.

    The second solve reuses the first model with the accepted pairs' lower bounds raised, so it
    costs a warm-started re-solve, not a new LP. ``time_limit``: wall-clock seconds both solves may
    use together; a solve it stops is an unknown bound of status
    :data:`~matchmaker.scheduling.core.BOUND_TIME_LIMIT`, not a wait.
    """
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    active = inp.active()
    want = sum(active) if min_covered is None else min_covered
    built = bound_model(inp, want=want, hold_must=hold_must)
    if built is None:
        return [Bound(value=float("-inf"), status="INFEASIBLE", min_covered=want)]
    model, usable = built
    solver = model.solver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
        return [Bound(value=float("inf"), status="NO_SOLVER", min_covered=want)]
    # Dual simplex: about twice as fast here (1,000 participants: 2.8 s against 5.2 s for both
    # solves), and the second solve only raises bounds, which keeps the basis dual feasible.
    solver.SetSolverSpecificParametersAsString("use_dual_simplex: true")
    variables = solver.variables()
    out = [_solve(solver, want, "", deadline)]
    accepted = [variables[n] for n, p in enumerate(usable) if inp.accepted[p]]
    if with_accepted:
        for var in accepted:
            if var.ub() < 1.0:
                return [*out, Bound(value=float("-inf"), status="INFEASIBLE", min_covered=want)]
            var.SetLb(1.0)
        out.append(_solve(solver, want, " with accepted requests held", deadline) if accepted else out[0])
    return out


def bound_model(inp: SolverInput, *, want: int, hold_must: bool) -> tuple[LinearModel, list[int]] | None:
    """The LP of :func:`lp_bounds` covering at least ``want`` active participants, and the pair each
    of its first variables stands for; None when a held pair cannot meet at all."""
    active = inp.active()
    usable = [p for p in range(len(inp.pairs)) if inp.common_slots(p)]
    fixed = {p for p, _s in inp.fixed}
    model = LinearModel()
    lows: list[float] = []
    highs: list[float] = []
    for p in usable:
        i, j = inp.pairs[p]
        low = 1.0 if p in fixed or (hold_must and inp.must[p]) else 0.0
        high = 1.0 if inp.capacity[i] > 0 and inp.capacity[j] > 0 else 0.0
        if low > high:
            return None
        lows.append(low)
        highs.append(high)
    model.add_variables(lows, highs, objective=[float(inp.weights[p]) for p in usable])
    by_person = model.add_capacity_rows(inp, usable, inp.capacity)
    room = inp.n_slots * inp.tables
    if len(usable) > room:
        model.add_row(range(len(usable)), high=room)
    if want > 0:
        people = [k for k, vars_ in enumerate(by_person) if active[k] and vars_]
        first = model.add_variables([0.0] * len(people), [1.0] * len(people))
        for n, k in enumerate(people):
            model.add_row([*by_person[k], first + n], [1.0] * len(by_person[k]) + [-1.0], low=0.0)
        model.add_row(range(first, first + len(people)), low=want)
    return model, usable


class LinearModel:
    """A linear model written as lists and handed to OR-Tools in one piece (its model proto).

    Variables and rows are numbered in the order they are added; the solver made from the model
    holds them in that order, as if they had been added one coefficient at a time through
    ``pywraplp``, which costs a call per coefficient (two million at 1,000 participants).
    """

    def __init__(self) -> None:
        self.proto = linear_solver_pb2.MPModelProto(maximize=True)
        self.n_variables = 0

    def add_variables(
        self,
        lows: Sequence[float],
        highs: Sequence[float],
        *,
        objective: Sequence[float] | None = None,
        integer: bool = False,
    ) -> int:
        """Add one variable per bound pair (with its objective coefficient); the first one's number."""
        first = self.n_variables
        coefficients = objective if objective is not None else [0.0] * len(lows)
        add = self.proto.variable.add
        for low, high, coefficient in zip(lows, highs, coefficients, strict=True):
            add(lower_bound=low, upper_bound=high, objective_coefficient=coefficient, is_integer=integer)
        self.n_variables += len(lows)
        return first

    def set_objective(self, index: int, coefficient: float) -> None:
        """Give variable ``index`` its objective coefficient."""
        self.proto.variable[index].objective_coefficient = coefficient

    def add_row(
        self,
        indices: Iterable[int],
        coefficients: Sequence[float] | None = None,
        *,
        low: float = -math.inf,
        high: float = math.inf,
    ) -> None:
        """Add ``low <= sum(coefficients × variables) <= high`` (coefficients 1 when not given)."""
        row = self.proto.constraint.add(lower_bound=low, upper_bound=high)
        row.var_index.extend(indices)
        row.coefficient.extend(coefficients if coefficients is not None else [1.0] * len(row.var_index))

    def add_capacity_rows(
        self, inp: SolverInput, pairs: Sequence[int], capacity: Sequence[int]
    ) -> list[list[int]]:
        """Limit each participant's variables to its ``capacity`` (rows only where it binds), where
        variable ``n`` stands for pair ``pairs[n]``; each participant's variables."""
        by_person: list[list[int]] = [[] for _ in range(inp.n_participants)]
        for n, p in enumerate(pairs):
            i, j = inp.pairs[p]
            by_person[i].append(n)
            by_person[j].append(n)
        for k, vars_ in enumerate(by_person):
            if len(vars_) > capacity[k]:
                self.add_row(vars_, high=capacity[k])
        return by_person

    def solver(self, name: str) -> pywraplp.Solver | None:
        """A solver of the back end ``name`` holding the model; None when OR-Tools lacks it."""
        solver = pywraplp.Solver.CreateSolver(name)
        if solver is None:
            return None
        error = solver.LoadModelFromProto(self.proto)
        if error:  # pragma: no cover - the model is built above, never from outside
            msg = f"OR-Tools refused the model: {error}"
            raise RuntimeError(msg)
        return solver


def _solve(solver: pywraplp.Solver, want: int, what: str, deadline: float | None) -> Bound:
    if deadline is not None:
        left = deadline - time.perf_counter()
        if left <= 0:
            logger.info("LP bound%s not solved: no time left (cover at least %d)", what, want)
            return Bound(value=float("inf"), status=BOUND_TIME_LIMIT, min_covered=want)
        solver.SetTimeLimit(max(1, int(left * 1000)))
    status = LP_STATUS.get(solver.Solve(), "UNKNOWN")
    if status != "OPTIMAL" and deadline is not None and time.perf_counter() >= deadline:
        status = BOUND_TIME_LIMIT
    value = solver.Objective().Value() if status == "OPTIMAL" else float("inf")
    logger.info("LP bound%s %s: %.1f (cover at least %d)", what, status, value, want)
    return Bound(value=value, status=status, min_covered=want)
