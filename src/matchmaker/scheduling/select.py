"""Stage 1: choose which pairs meet, before any slot is given (a max-weight b-matching MIP).

One binary ``y[p]`` per candidate pair with a common available slot. Rules:

- each participant has at most ``capacity`` meetings (less those already placed, when called again
  on what is left of a partial schedule);
- the event holds at most ``slots × tables`` meetings (less those already placed);
- published meetings, must-meets and (when they all fit) accepted requests are held;
- every participant in ``cover`` gets a meeting: as a hard rule when that is possible, otherwise
  as many of them as possible come first.

The objective is the total weight (match score plus pending-request bonus). Slot timing is ignored
here; :mod:`matchmaker.scheduling.place` gives slots, and pairs it cannot place come back with a
cut (``forbidden``). The linear relaxation of this model is almost always integral (it is a
bipartite b-matching with a few extra rows), so a MIP solver proves it in seconds at 1,000
participants.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from matchmaker.scheduling.bound import LP_STATUS, LinearModel
from matchmaker.scheduling.core import SolverInput

logger = logging.getLogger(__name__)

#: MIP back ends tried in order (all ship with OR-Tools; all single-threaded, hence deterministic).
MIP_SOLVERS = ("CBC", "SCIP", "HIGHS_MIXED_INTEGER_PROGRAMMING")
#: The least time one MIP solve is given when a deadline is near or past (it then returns its best
#: selection so far, or none).
MIN_SOLVE_TIME = 0.1


@dataclass(frozen=True)
class Selection:
    """Pairs chosen by stage 1 with the MIP status and objective (weight units)."""

    pairs: list[int]
    status: str
    objective: float
    covered_hard: bool


def select_pairs(
    inp: SolverInput,
    *,
    capacity: Sequence[int] | None = None,
    room: int | None = None,
    held: Collection[int] = (),
    forbidden: Collection[int] = (),
    cover: Collection[int] = (),
    hold_accepted: bool = True,
    time_limit: float = 20.0,
    deadline: float | None = None,
) -> Selection:
    """Choose pairs to add to ``held`` (pairs already scheduled, never chosen again).

    ``capacity`` and ``room`` are what is left for new meetings (default: everything). Pairs in
    ``forbidden`` are never chosen (the cut for pairs that could not be placed). Participants in
    ``cover`` must get one of the new meetings.

    ``time_limit`` bounds each MIP solve; with a ``deadline`` (a ``perf_counter`` time) the solves
    together end by it (each gets what is left, at least :data:`MIN_SOLVE_TIME`), so the relaxed
    attempts after a failed one do not each take the whole limit again.
    """
    capacity = list(inp.capacity) if capacity is None else list(capacity)
    room = inp.n_slots * inp.tables if room is None else room
    held_set, banned = set(held), set(forbidden)
    usable = [
        p
        for p in range(len(inp.pairs))
        if p not in held_set
        and p not in banned
        and inp.common_slots(p)
        and capacity[inp.pairs[p][0]] > 0
        and capacity[inp.pairs[p][1]] > 0
    ]
    usable_set = set(usable)
    required = ({p for p, _s in inp.fixed} | {p for p in usable if inp.must[p]}) & usable_set
    with_accepted = required | {p for p in usable if inp.accepted[p]}
    # Relax in the objective's order, lowest level first: accepted requests become an objective
    # level (above score), then coverage becomes the level above them. Must-meets and published
    # meetings always stay.
    attempts = [(True, hold_accepted)]
    if hold_accepted:
        attempts.append((True, False))
    if cover:
        attempts.append((False, False))
    last = Selection(pairs=[], status="NOT_SOLVED", objective=0.0, covered_hard=False)
    for hard_cover, keep_accepted in attempts:
        model = _Model(
            usable=usable,
            capacity=capacity,
            room=room,
            forced=with_accepted if keep_accepted else required,
            cover=set(cover),
            hard_cover=hard_cover,
        )
        limit = time_limit
        if deadline is not None:
            limit = max(MIN_SOLVE_TIME, min(time_limit, deadline - time.perf_counter()))
        last = _solve(inp, model, limit)
        if last.status in ("OPTIMAL", "FEASIBLE"):
            return last
        if deadline is not None and time.perf_counter() >= deadline:
            break
        logger.info(
            "pair selection %s with coverage %s, accepted requests %s; relaxing",
            last.status,
            "hard" if hard_cover else "soft",
            "held" if keep_accepted else "soft",
        )
    return last


@dataclass(frozen=True)
class _Model:
    usable: list[int]
    capacity: list[int]
    room: int
    forced: set[int]
    cover: set[int]
    hard_cover: bool


def _make_solver(model: LinearModel) -> pywraplp.Solver:
    for name in MIP_SOLVERS:
        solver = model.solver(name)
        if solver is not None:
            return solver
    msg = "no MIP solver is available in this OR-Tools build"  # pragma: no cover
    raise RuntimeError(msg)  # pragma: no cover


def selection_model(inp: SolverInput, m: _Model) -> LinearModel:
    """The MIP of :func:`select_pairs` for one attempt; its first variables stand for ``m.usable``."""
    usable, capacity, room, forced, cover, hard_cover = (
        m.usable,
        m.capacity,
        m.room,
        m.forced,
        m.cover,
        m.hard_cover,
    )
    model = LinearModel()
    # Lexicographic levels as weights: one accepted request outweighs any total of scores, one
    # participant covered outweighs every accepted request.
    accepted_weight = float(sum(sorted(inp.weights, reverse=True)[: max(1, room)]) + 1)
    cover_weight = accepted_weight * (sum(1 for p in usable if inp.accepted[p]) + 1)
    model.add_variables(
        [1.0 if p in forced else 0.0 for p in usable],
        [1.0] * len(usable),
        objective=[
            float(inp.weights[p]) + (accepted_weight if inp.accepted[p] and p not in forced else 0.0)
            for p in usable
        ],
        integer=True,
    )
    by_person = model.add_capacity_rows(inp, usable, capacity)
    if len(usable) > room:
        model.add_row(range(len(usable)), high=room)
    for k in sorted(cover):
        if not by_person[k]:
            continue
        if hard_cover:
            model.add_row(by_person[k], low=1.0)
        else:
            c = model.add_variables([0.0], [1.0], objective=[cover_weight], integer=True)
            model.add_row([*by_person[k], c], [1.0] * len(by_person[k]) + [-1.0], low=0.0)
    return model


def _solve(inp: SolverInput, m: _Model, time_limit: float) -> Selection:
    usable, hard_cover = m.usable, m.hard_cover
    solver = _make_solver(selection_model(inp, m))
    solver.SetTimeLimit(max(100, int(time_limit * 1000)))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 1e-9)
    status = LP_STATUS.get(solver.Solve(params), "UNKNOWN")
    if status not in ("OPTIMAL", "FEASIBLE"):
        return Selection(pairs=[], status=status, objective=0.0, covered_hard=hard_cover)
    variables = solver.variables()
    y = dict(zip(usable, variables, strict=False))
    chosen = [p for p, var in y.items() if var.solution_value() > 0.5]
    value = float(sum(inp.weights[p] for p in chosen))
    logger.info("pair selection %s: %d pairs, weight %.0f", status, len(chosen), value)
    return Selection(pairs=chosen, status=status, objective=value, covered_hard=hard_cover)
