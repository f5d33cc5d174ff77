"""The three stages and the bound on hand-made arrays with known optima."""

from __future__ import annotations

import pytest

from matchmaker.scheduling import SolverInput, verify_assignment
from matchmaker.scheduling.bound import lp_bound, lp_bounds
from matchmaker.scheduling.decompose import decompose
from matchmaker.scheduling.improve import improve
from matchmaker.scheduling.place import Timetable, place_pairs
from matchmaker.scheduling.select import select_pairs

ONE = frozenset({0})
TWO = frozenset({0, 1})


def _inp(**kw: object) -> SolverInput:
    """0, 1 cities; 2, 3 providers; one slot; pairs 0-2 (900), 0-3 (100), 1-2 (100)."""
    base: dict[str, object] = {
        "n_participants": 4,
        "n_slots": 1,
        "tables": 2,
        "available": [ONE] * 4,
        "capacity": [1, 1, 1, 1],
        "pairs": [(0, 2), (0, 3), (1, 2)],
        "weights": [900, 100, 100],
        "accepted": [False, False, False],
        "must": [False, False, False],
    }
    base.update(kw)
    return SolverInput(**base)  # type: ignore[arg-type]


# -- the bound ---------------------------------------------------------------------------------


def test_bound_with_coverage_is_below_the_bound_without() -> None:
    inp = _inp()
    assert lp_bound(inp, min_covered=0).value == pytest.approx(900)
    # Everyone covered forces 0-3 and 1-2: 200 is the best any covering schedule can do.
    assert lp_bound(inp).value == pytest.approx(200)
    assert lp_bound(inp).status == "OPTIMAL"


def test_bound_is_a_relaxation_of_odd_cycles() -> None:
    # Three cities that may all meet each other, one meeting each: a schedule holds one pair
    # (1000); the relaxation takes half of each (1500), so it never undercuts a real schedule.
    inp = _inp(
        n_participants=3,
        available=[ONE] * 3,
        capacity=[1, 1, 1],
        pairs=[(0, 1), (1, 2), (0, 2)],
        weights=[1000, 1000, 1000],
        accepted=[False] * 3,
        must=[False] * 3,
        tables=3,
    )
    assert lp_bound(inp, min_covered=0).value == pytest.approx(1500)


def test_bound_counts_tables_and_says_when_coverage_is_impossible() -> None:
    inp = _inp(
        n_participants=6,
        available=[ONE] * 6,
        capacity=[1] * 6,
        pairs=[(0, 1), (2, 3), (4, 5)],
        weights=[3000, 2000, 1000],
    )
    assert lp_bound(inp, min_covered=0).value == pytest.approx(5000)  # two tables, one slot
    assert lp_bound(inp).status == "INFEASIBLE"  # six people cannot all meet at two tables


def test_bound_holding_accepted_requests() -> None:
    without, held = lp_bounds(_inp(accepted=[False, True, False]), min_covered=0)
    assert without.value == pytest.approx(900)
    assert held.value == pytest.approx(100 + 100)  # 0-3 is held, so 0-2 cannot be; 1-2 joins


# -- stage 1: choosing pairs --------------------------------------------------------------------


def test_selection_covers_everyone_before_maximising_score() -> None:
    inp = _inp()
    assert select_pairs(inp).pairs == [0]
    covering = select_pairs(inp, cover=[0, 1, 2, 3])
    assert sorted(covering.pairs) == [1, 2]
    assert covering.covered_hard


def test_selection_respects_room_and_the_cut() -> None:
    inp = _inp(
        n_participants=6,
        available=[ONE] * 6,
        capacity=[1] * 6,
        pairs=[(0, 1), (2, 3), (4, 5)],
        weights=[3000, 2000, 1000],
    )
    assert sorted(select_pairs(inp).pairs) == [0, 1]
    assert sorted(select_pairs(inp, forbidden=[0]).pairs) == [1, 2]
    # Coverage of all six cannot hold at two tables: as many as possible are covered instead.
    soft = select_pairs(inp, cover=range(6))
    assert len(soft.pairs) == 2
    assert not soft.covered_hard


def test_selection_holds_accepted_requests_over_score() -> None:
    chosen = select_pairs(_inp(accepted=[False, True, False])).pairs
    assert 1 in chosen
    assert 0 not in chosen


# -- stage 2: slots by ejection chains -----------------------------------------------------------


def _chain(**kw: object) -> SolverInput:
    """0 meets 1 (both slots) and 2 (slot 0 only); two tables."""
    base: dict[str, object] = {
        "n_participants": 3,
        "n_slots": 2,
        "tables": 2,
        "available": [TWO, TWO, ONE],
        "capacity": [2, 2, 2],
        "pairs": [(0, 1), (0, 2)],
        "weights": [500, 500],
        "accepted": [False, False],
        "must": [False, False],
    }
    base.update(kw)
    return SolverInput(**base)  # type: ignore[arg-type]


def test_insert_moves_a_blocking_meeting_to_another_slot() -> None:
    inp = _chain()
    table = Timetable(inp, [(0, 0)])
    assert not table.insert(1, 0)  # slot 0 is taken by 0's other meeting
    assert table.insert(1, 1)
    assert table.assignment() == [(0, 1), (1, 0)]
    assert not verify_assignment(inp, table.assignment())


def test_a_failed_insert_leaves_no_trace() -> None:
    inp = _chain(available=[TWO, ONE, ONE])  # 0-1 cannot move out of slot 0
    table = Timetable(inp, [(0, 0)])
    assert not table.insert(1, 3)
    assert table.assignment() == [(0, 0)]
    assert table.count == [1, 1, 0]


def test_insert_frees_a_table_in_a_full_slot() -> None:
    inp = SolverInput(
        n_participants=4,
        n_slots=2,
        tables=1,
        available=[TWO, TWO, ONE, ONE],
        capacity=[1, 1, 1, 1],
        pairs=[(0, 1), (2, 3)],
        weights=[500, 500],
        accepted=[False, False],
        must=[False, False],
    )
    table = Timetable(inp, [(0, 0)])
    assert table.insert(1, 1)
    assert table.assignment() == [(0, 1), (1, 0)]


def test_fixed_meetings_are_never_moved() -> None:
    inp = _chain(fixed=[(0, 0)])
    table = Timetable(inp, inp.fixed)
    assert not table.insert(1, 3)
    assert table.assignment() == [(0, 0)]


def test_place_pairs_colours_a_complete_bipartite_graph() -> None:
    # Two cities x two providers, everyone meets everyone: four meetings in two slots of two tables.
    inp = SolverInput(
        n_participants=4,
        n_slots=2,
        tables=2,
        available=[TWO] * 4,
        capacity=[2] * 4,
        pairs=[(0, 2), (0, 3), (1, 2), (1, 3)],
        weights=[100, 200, 300, 400],
        accepted=[False] * 4,
        must=[False] * 4,
    )
    table, left = place_pairs(inp, [0, 1, 2, 3])
    assert left == []
    assert len(table.assignment()) == 4
    assert not verify_assignment(inp, table.assignment())


# -- stage 3: local search ---------------------------------------------------------------------


def _swap(**kw: object) -> SolverInput:
    base: dict[str, object] = {
        "n_participants": 4,
        "n_slots": 1,
        "tables": 1,
        "available": [ONE] * 4,
        "capacity": [1] * 4,
        "pairs": [(0, 1), (2, 3)],
        "weights": [100, 900],
        "accepted": [False, False],
        "must": [False, False],
    }
    base.update(kw)
    return SolverInput(**base)  # type: ignore[arg-type]


def test_local_search_swaps_a_cheap_meeting_for_a_better_one() -> None:
    inp = _swap()
    table = Timetable(inp, [(0, 0)])
    report = improve(inp, table)
    assert table.assignment() == [(1, 0)]
    assert report.improvements == 1


def test_local_search_keeps_accepted_requests_and_published_meetings() -> None:
    for inp in (_swap(accepted=[True, False]), _swap(fixed=[(0, 0)])):
        table = Timetable(inp, [(0, 0)])
        improve(inp, table)
        assert table.assignment() == [(0, 0)]


def test_local_search_never_leaves_someone_without_a_meeting_for_score() -> None:
    # 0 meets 1 (cheap) and 2 meets 3; 0 could meet 2 (dear) instead, but 1 would be left with
    # nothing while 2 has a meeting already.
    inp = SolverInput(
        n_participants=4,
        n_slots=2,
        tables=2,
        available=[TWO] * 4,
        capacity=[1, 1, 2, 1],
        pairs=[(0, 1), (0, 2), (2, 3)],
        weights=[100, 900, 100],
        accepted=[False] * 3,
        must=[False] * 3,
    )
    table = Timetable(inp, [(0, 0), (2, 0)])
    improve(inp, table)
    assert table.assignment() == [(0, 0), (2, 0)]


# -- all stages ----------------------------------------------------------------------------------


def test_decompose_reaches_the_covering_optimum() -> None:
    inp = _inp()
    result = decompose(inp)
    assert result.assignment == [(1, 0), (2, 0)]
    assert result.missing_must == []


def test_decompose_holds_must_meets_and_reports_those_that_cannot_fit() -> None:
    # 0 must meet 2 and 3 but there is one slot: one of them cannot be held.
    inp = _inp(must=[True, True, False])
    result = decompose(inp)
    held = {p for p, _s in result.assignment}
    assert len(held & {0, 1}) == 1
    assert len(result.missing_must) == 1
    assert not verify_assignment(inp, result.assignment)
