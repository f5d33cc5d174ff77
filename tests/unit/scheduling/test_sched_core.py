"""The pure core on hand-made arrays: greedy, CP-SAT, tables, rule checks."""

from __future__ import annotations

from matchmaker.scheduling import (
    SolverInput,
    fair_greedy_assignment,
    greedy_assignment,
    solve_cpsat,
    verify_assignment,
)
from matchmaker.scheduling.core import assign_tables

ALL2 = frozenset({0, 1})


def _inp(**kw: object) -> SolverInput:
    base: dict[str, object] = {
        "n_participants": 4,
        "n_slots": 1,
        "tables": 2,
        "available": [frozenset({0})] * 4,
        "capacity": [1, 1, 1, 1],
        # 0,1 cities; 2,3 providers: pairs 0-2 (0.9), 0-3 (0.8), 1-2 (0.7)
        "pairs": [(0, 2), (0, 3), (1, 2)],
        "weights": [900, 800, 700],
        "accepted": [False, False, False],
        "must": [False, False, False],
    }
    base.update(kw)
    return SolverInput(**base)  # type: ignore[arg-type]


def test_greedy_takes_best_pair_and_leaves_people_out() -> None:
    inp = _inp()
    assert greedy_assignment(inp) == [(0, 0)]


def test_solver_covers_everyone_when_possible() -> None:
    inp = _inp()
    out = solve_cpsat(inp, time_limit=5, workers=1)
    assert out.status == "OPTIMAL"
    assert sorted(out.assignment) == [(1, 0), (2, 0)]
    assert out.gap == 0.0


def test_fair_greedy_covers_everyone_here() -> None:
    assert sorted(fair_greedy_assignment(_inp())) == [(1, 0), (2, 0)]


def test_fair_greedy_with_best_partners_gives_each_person_their_best_placeable_partner() -> None:
    # Cities 0 and 1, providers 2 and 3; city 1 has room for one meeting. Preferring uncovered
    # partners pairs city 1 with provider 3 (100) once city 0 took provider 2; its best partner is
    # provider 2 (800), who has room for a second meeting, and provider 3 still meets city 0.
    inp = _inp(
        n_slots=2,
        available=[ALL2] * 4,
        capacity=[2, 1, 2, 2],
        pairs=[(0, 2), (1, 2), (1, 3), (0, 3)],
        weights=[900, 800, 100, 50],
        accepted=[False] * 4,
        must=[False] * 4,
    )
    assert sorted(p for p, _s in fair_greedy_assignment(inp)) == [0, 2, 3]

    best = fair_greedy_assignment(inp, best_partner=True)
    assert sorted(p for p, _s in best) == [0, 1, 3]
    assert not verify_assignment(inp, best)
    assert {k for p, _s in best for k in inp.pairs[p]} == {0, 1, 2, 3}


def test_tables_limit_meetings_per_slot() -> None:
    inp = _inp(tables=1)
    out = solve_cpsat(inp, time_limit=5, workers=1)
    assert len(out.assignment) == 1
    assert not verify_assignment(inp, out.assignment)


def test_availability_is_respected() -> None:
    inp = _inp(n_slots=2, available=[frozenset({0}), ALL2, frozenset({1}), ALL2], capacity=[2, 2, 2, 2])
    # pair 0-2 has no common slot and never meets
    out = solve_cpsat(inp, time_limit=5, workers=1)
    assert all(p != 0 for p, _ in out.assignment)
    assert not verify_assignment(inp, out.assignment)


def test_capacity_is_respected() -> None:
    inp = _inp(n_slots=2, available=[ALL2] * 4, capacity=[1, 2, 2, 2])
    out = solve_cpsat(inp, time_limit=5, workers=1)
    assert sum(1 for p, _ in out.assignment if 0 in inp.pairs[p]) == 1
    assert not verify_assignment(inp, out.assignment)


def test_must_meet_is_hard_and_accepted_beats_score() -> None:
    inp = _inp(must=[False, False, False], accepted=[False, True, False], tables=1)
    out = solve_cpsat(inp, time_limit=5, workers=1)
    assert out.assignment == [(1, 0)]  # accepted 0-3 beats the better-scored 0-2
    inp = _inp(must=[False, False, True], accepted=[False, True, False], tables=1)
    out = solve_cpsat(inp, time_limit=5, workers=1)
    assert out.assignment == [(2, 0)]


def test_impossible_must_meet_is_infeasible_when_hard() -> None:
    inp = _inp(must=[True, True, False])  # participant 0 cannot meet two people in one slot
    assert solve_cpsat(inp, time_limit=5, workers=1).status == "INFEASIBLE"
    soft = solve_cpsat(inp, time_limit=5, workers=1, must_hard=False)
    assert len([p for p, _ in soft.assignment if p in (0, 1)]) == 1


def test_fixed_meetings_stay() -> None:
    inp = _inp(fixed=[(2, 0)], tables=1)
    out = solve_cpsat(inp, time_limit=5, workers=1)
    assert out.assignment == [(2, 0)]
    assert greedy_assignment(inp) == [(2, 0)]


def test_verify_assignment_reports_broken_rules() -> None:
    inp = _inp(tables=1)
    problems = verify_assignment(inp, [(0, 0), (1, 0)])
    assert any("two meetings" in p for p in problems)
    assert any("tables" in p for p in problems)


def test_assign_tables_keeps_fixed_and_preferred() -> None:
    inp = _inp(tables=3)
    seated = assign_tables(inp, [(1, 0), (2, 0)], fixed_tables={(2, 0): 1}, preferred_tables={(1, 0): 3})
    assert sorted(seated) == [(1, 0, 3), (2, 0, 1)]


def test_repair_coverage_gives_everyone_a_meeting_at_little_cost() -> None:
    from matchmaker.scheduling.core import repair_coverage

    # two slots, one table: greedy gives c1 both meetings and leaves c2 out
    inp = _inp(n_slots=2, tables=1, available=[ALL2] * 4, capacity=[2, 2, 2, 2])
    assert greedy_assignment(inp) == [(0, 0), (1, 1)]
    repaired = repair_coverage(inp, greedy_assignment(inp))
    assert sorted(repaired) == [(1, 1), (2, 0)]
    assert not verify_assignment(inp, repaired)
