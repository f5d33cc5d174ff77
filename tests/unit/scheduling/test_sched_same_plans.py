"""What the scheduler's faster steps give is what the plain ones gave: the same schedules, the same
solver inputs, the same bounds.

The plain versions (the models built one coefficient at a time, as they were first; the repair with
its shortcut turned off) are run next to the faster ones on seeded random problems shaped like an
event (few tables, scores that tie, participants already at their maximum), so that every branch is
taken.
"""

from __future__ import annotations

import dataclasses
import random
from math import inf
from typing import Any

import pytest
from ortools.linear_solver import linear_solver_pb2, pywraplp

from matchmaker.scheduling import SolverInput, core
from matchmaker.scheduling.bound import bound_model
from matchmaker.scheduling.core import greedy_assignment, repair_coverage
from matchmaker.scheduling.select import _Model, selection_model


def _random_input(seed: int, *, people: int = 40, slots: int = 6, tables: int = 4) -> SolverInput:
    """A seeded event: cities 0..people/2-1 meet providers and each other, few tables, weights that
    tie (a few values only), some accepted requests and must-meets, maxima of 1 to 4."""
    rng = random.Random(seed)
    cities = people // 2
    available = [frozenset(s for s in range(slots) if rng.random() < 0.7) for _ in range(people)]
    pairs = [(i, j) for i in range(cities) for j in range(i + 1, people) if rng.random() < 0.5]
    return SolverInput(
        n_participants=people,
        n_slots=slots,
        tables=tables,
        available=available,
        capacity=[rng.randint(0, 4) if rng.random() < 0.05 else rng.randint(1, 4) for _ in range(people)],
        pairs=pairs,
        weights=[rng.choice((100, 200, 300, 400)) for _ in pairs],
        accepted=[rng.random() < 0.03 for _ in pairs],
        must=[rng.random() < 0.01 for _ in pairs],
    )


@pytest.mark.parametrize("seed", range(40))
def test_coverage_repair_gives_the_schedule_it_always_gave(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    inp = _random_input(seed, tables=2 + seed % 4)
    # The score-greedy schedule leaves people out; so does an empty one (every table free).
    starts = (greedy_assignment(inp), [])
    fast = [repair_coverage(inp, start) for start in starts]
    # The plain way: every pair and slot looks through the slot's meetings for the cheapest one that
    # may give up its table (``ranked`` holds those), never the order kept per slot.
    monkeypatch.setattr(
        core,
        "_cheapest_in_slot",
        lambda ranked, meetings, victims, weights: min(
            (q for q in meetings - victims if q in set(ranked)), key=lambda q: weights[q], default=None
        ),
    )
    assert fast == [repair_coverage(inp, start) for start in starts]


def _old_sum(solver: pywraplp.Solver, variables: list[Any], *, low: float = -inf, high: float = inf) -> Any:
    row = solver.Constraint(low, high)
    for var in variables:
        row.SetCoefficient(var, 1.0)
    return row


def _old_capacity_rows(
    solver: pywraplp.Solver, inp: SolverInput, y: dict[int, Any], capacity: list[int]
) -> list[list[Any]]:
    by_person: list[list[Any]] = [[] for _ in range(inp.n_participants)]
    for p, var in y.items():
        i, j = inp.pairs[p]
        by_person[i].append(var)
        by_person[j].append(var)
    for k, vars_ in enumerate(by_person):
        if len(vars_) > capacity[k]:
            _old_sum(solver, vars_, high=capacity[k])
    return by_person


def _reference_bound_model(inp: SolverInput, want: int, *, hold_must: bool) -> pywraplp.Solver:
    """The bound's LP added one coefficient at a time, as it was built first."""
    active = inp.active()
    solver = pywraplp.Solver.CreateSolver("GLOP")
    usable = [p for p in range(len(inp.pairs)) if inp.common_slots(p)]
    fixed = {p for p, _s in inp.fixed}
    y: dict[int, Any] = {}
    for p in usable:
        i, j = inp.pairs[p]
        low = 1.0 if p in fixed or (hold_must and inp.must[p]) else 0.0
        high = 1.0 if inp.capacity[i] > 0 and inp.capacity[j] > 0 else 0.0
        y[p] = solver.NumVar(low, high, f"y{p}")
    by_person = _old_capacity_rows(solver, inp, y, list(inp.capacity))
    room = inp.n_slots * inp.tables
    if len(y) > room:
        _old_sum(solver, list(y.values()), high=room)
    if want > 0:
        cover = []
        for k, vars_ in enumerate(by_person):
            if active[k] and vars_:
                c = solver.NumVar(0.0, 1.0, f"c{k}")
                row = _old_sum(solver, vars_, low=0.0)
                row.SetCoefficient(c, -1.0)
                cover.append(c)
        _old_sum(solver, cover, low=want)
    objective = solver.Objective()
    for p, var in y.items():
        objective.SetCoefficient(var, float(inp.weights[p]))
    objective.SetMaximization()
    return solver


def _reference_selection_model(inp: SolverInput, m: Any) -> pywraplp.Solver:
    """Pair selection's MIP added one coefficient at a time, as it was built first."""
    solver = pywraplp.Solver.CreateSolver("CBC")
    y: dict[int, Any] = {}
    for p in m.usable:
        y[p] = solver.IntVar(1.0 if p in m.forced else 0.0, 1.0, f"y{p}")
    by_person = _old_capacity_rows(solver, inp, y, m.capacity)
    if len(y) > m.room:
        _old_sum(solver, list(y.values()), high=m.room)
    accepted_weight = float(sum(sorted(inp.weights, reverse=True)[: max(1, m.room)]) + 1)
    cover_weight = accepted_weight * (sum(1 for p in m.usable if inp.accepted[p]) + 1)
    objective = solver.Objective()
    for p, var in y.items():
        extra = accepted_weight if inp.accepted[p] and p not in m.forced else 0.0
        objective.SetCoefficient(var, float(inp.weights[p]) + extra)
    for k in sorted(m.cover):
        if not by_person[k]:
            continue
        if m.hard_cover:
            _old_sum(solver, by_person[k], low=1.0)
        else:
            c = solver.IntVar(0.0, 1.0, f"c{k}")
            row = _old_sum(solver, by_person[k], low=0.0)
            row.SetCoefficient(c, -1.0)
            objective.SetCoefficient(c, cover_weight)
    objective.SetMaximization()
    return solver


def _exported(solver: pywraplp.Solver) -> linear_solver_pb2.MPModelProto:
    """The solver's model with the names left out (they do not take part in a solve)."""
    proto = linear_solver_pb2.MPModelProto()
    solver.ExportModelToProto(proto)
    proto.name = ""
    for var in proto.variable:
        var.name = ""
    for row in proto.constraint:
        row.name = ""
    return proto


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_is_the_same_model_and_value(seed: int) -> None:
    inp = _random_input(seed, tables=2 + seed % 4)
    inp = dataclasses.replace(inp, fixed=greedy_assignment(inp)[:2])
    want = sum(inp.active()) - seed % 3
    for hold_must in (True, False):
        built = bound_model(inp, want=want, hold_must=hold_must)
        if built is None:
            continue
        new = built[0].solver("GLOP")
        assert new is not None
        assert _exported(new) == _exported(_reference_bound_model(inp, want, hold_must=hold_must))


@pytest.mark.parametrize("seed", range(12))
def test_pair_selection_is_the_same_model(seed: int) -> None:
    inp = _random_input(seed, tables=2 + seed % 4)
    usable = [p for p in range(len(inp.pairs)) if inp.common_slots(p)]
    for hard_cover in (True, False):
        m = _Model(
            usable=usable,
            capacity=list(inp.capacity),
            room=inp.n_slots * inp.tables - seed,
            forced={p for p in usable if inp.must[p]},
            cover=set(range(0, inp.n_participants, 3)),
            hard_cover=hard_cover,
        )
        new = selection_model(inp, m).solver("CBC")
        assert new is not None
        assert _exported(new) == _exported(_reference_selection_model(inp, m))


@pytest.mark.parametrize("seed", range(5))
def test_the_solver_input_reads_what_its_arrays_say(seed: int) -> None:
    inp = _random_input(seed)
    assert [inp.common_slots(p) for p in range(len(inp.pairs))] == [
        sorted(inp.available[i] & inp.available[j]) for i, j in inp.pairs
    ]
    assert inp.priority_order() == sorted(
        range(len(inp.pairs)), key=lambda p: (not inp.must[p], not inp.accepted[p], -inp.weights[p], p)
    )
    plain = [False] * inp.n_participants
    for p, (i, j) in enumerate(inp.pairs):
        if inp.common_slots(p) and inp.capacity[i] > 0 and inp.capacity[j] > 0:
            plain[i] = plain[j] = True
    flags = inp.active()
    assert flags == plain
    flags[0] = not flags[0]  # a caller's copy: the next caller reads the same flags
    assert inp.active() == plain
