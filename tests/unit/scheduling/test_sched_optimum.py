"""The stages against CP-SAT's proven optimum, and the hard rules on random small instances."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.scheduling import SolverInput, parse_problem, solve_problem, verify_assignment
from matchmaker.scheduling.decompose import decompose
from matchmaker.scheduling.encode import SCORE_SCALE, encode
from matchmaker.scheduling.solver import ObjectiveWeights, objective_value, solve_cpsat

#: Seeded instances small enough for CP-SAT to prove optimal in well under a second each.
SEEDS = range(30)


def _random_problem(seed: int) -> dict[str, Any]:
    """A small event: 6–14 people (60 % cities), 2–5 slots, 1–4 tables, sparse scores."""
    rng = random.Random(seed)
    n, n_slots, tables = rng.randint(6, 14), rng.randint(2, 5), rng.randint(1, 4)
    cities = n * 6 // 10
    slots = [
        {"id": f"s{k}", "start": f"2038-03-02T{9 + k:02d}:00", "end": f"2038-03-02T{9 + k:02d}:20"}
        for k in range(n_slots)
    ]
    people = [
        {
            "id": f"x{k}",
            "side": "city" if k < cities else "provider",
            "available": [f"s{s}" for s in sorted(rng.sample(range(n_slots), rng.randint(1, n_slots)))],
            "max_meetings": rng.randint(1, n_slots),
        }
        for k in range(n)
    ]
    scores, requests = [], []
    for i in range(n):
        for j in range(i + 1, n):
            if i < cities and rng.random() < 0.45:
                scores.append({"a": f"x{i}", "b": f"x{j}", "score": rng.randint(0, 1000) / SCORE_SCALE})
                if rng.random() < 0.1:
                    requests.append({"from": f"x{j}", "to": f"x{i}", "status": "accepted"})
    return {"slots": slots, "tables": tables, "participants": people, "scores": scores, "requests": requests}


def _optimum(inp: SolverInput) -> int:
    out = solve_cpsat(inp, time_limit=20, workers=1, deterministic=True)
    assert out.status == "OPTIMAL"
    return objective_value(inp, out.assignment, ObjectiveWeights.for_input(inp))


def test_stages_against_the_proven_optimum() -> None:
    """The stages alone never claim more than the optimum and reach it on most instances; the
    scheduler (stages, then CP-SAT on these small models) reaches it on every one."""
    reached = 0
    for seed in SEEDS:
        problem = parse_problem(_random_problem(seed))
        inp = encode(problem).inp
        weights = ObjectiveWeights.for_input(inp)
        best = _optimum(inp)
        staged = decompose(inp).assignment
        assert not verify_assignment(inp, staged)
        value = objective_value(inp, staged, weights)
        assert value <= best
        reached += value == best
        result = solve_problem(problem, time_limit=10, seed=1, workers=1)
        assert result.stats.objective_internal == best, seed
        assert result.stats.status == "OPTIMAL"
    assert reached >= 0.8 * len(SEEDS)


@st.composite
def _arrays(draw: st.DrawFn) -> SolverInput:
    n_slots = draw(st.integers(1, 3))
    n = draw(st.integers(2, 7))
    slots = list(range(n_slots))
    available = [frozenset(draw(st.lists(st.sampled_from(slots), unique=True, min_size=0))) for _ in range(n)]
    capacity = [draw(st.integers(0, 3)) for _ in range(n)]
    all_pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    pairs = draw(st.lists(st.sampled_from(all_pairs), unique=True))
    return SolverInput(
        n_participants=n,
        n_slots=n_slots,
        tables=draw(st.integers(1, 2)),
        available=available,
        capacity=capacity,
        pairs=pairs,
        weights=[draw(st.integers(0, 1000)) for _ in pairs],
        accepted=[draw(st.booleans()) for _ in pairs],
        must=[draw(st.integers(0, 4)) == 0 for _ in pairs],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_arrays())
def test_stages_never_break_a_hard_rule(inp: SolverInput) -> None:
    result = decompose(inp)
    assert verify_assignment(inp, result.assignment) == []
    # Must-meets are held whenever they can all be held together.
    must_only = solve_cpsat(inp, time_limit=5, workers=1, deterministic=True)
    if must_only.status in ("OPTIMAL", "FEASIBLE"):
        held = {p for p, _s in result.assignment}
        assert all(p in held for p, must in enumerate(inp.must) if must and inp.common_slots(p))
