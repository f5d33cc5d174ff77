"""What staff read about a schedule: the gap in words and why someone has few meetings."""

from __future__ import annotations

from typing import Any

import pytest

from matchmaker.scheduling import explain, parse_problem, solve_problem
from matchmaker.scheduling.explain import describe_gap


def _solve(data: dict[str, Any]) -> Any:
    return solve_problem(parse_problem(data), time_limit=5, seed=0, workers=1)


def _reasons(result: Any, pid: str) -> dict[str, int]:
    found = [s for s in result.stats.shortfalls if s.participant == pid]
    assert found, f"{pid} has no shortfall entry"
    return found[0].reasons


@pytest.mark.parametrize(
    ("stats", "expected"),
    [
        ({"lp_bound_status": "OPTIMAL", "gap": 0.006}, "within 0.6% of the best possible"),
        ({"lp_bound_status": "OPTIMAL", "gap": 0.0}, "the best possible"),
        (
            {"lp_bound_status": "OPTIMAL", "gap": 0.011, "gap_with_requests": 0.0},
            "the best possible while holding every accepted request (within 1.1% of the bound that"
            " ignores requests)",
        ),
        (
            {"lp_bound_status": "OPTIMAL", "gap": 0.03, "gap_with_requests": 0.01},
            "within 3.0% of the best possible (1.0% of the best that also holds every accepted request)",
        ),
        ({"lp_bound_status": "NOT_COMPUTED", "gap": 0.0}, "no bound was computed for this schedule"),
    ],
)
def test_describe_gap(stats: dict[str, Any], expected: str) -> None:
    assert describe_gap(stats) == expected


def test_stats_carry_an_honest_bound_and_its_gap(make_problem: Any, problem_dict: dict[str, Any]) -> None:
    result = _solve(problem_dict)
    s = result.stats
    assert s.lp_bound_status == "OPTIMAL"
    assert s.lp_bound is not None
    assert s.score_objective <= s.lp_bound + 1e-9
    assert s.gap == pytest.approx(1 - s.score_objective / s.lp_bound, abs=1e-6)
    assert s.status == "OPTIMAL"
    assert describe_gap(s) == "the best possible"


def test_shortfall_reasons(make_problem: Any) -> None:
    data = make_problem(
        n_slots=2,
        tables=1,
        cities=("c1", "c2", "c3"),
        providers=("p1", "p2", "p3"),
        scores=[
            {"a": "c1", "b": "p1", "score": 0.9},
            {"a": "c1", "b": "p2", "score": 0.8},
            {"a": "c2", "b": "p1", "score": 0.5},
            {"a": "c3", "b": "p3", "score": 0.7},
        ],
        blocked=[["c3", "p1"]],
    )
    people = {p["id"]: p for p in data["participants"]}
    people["c1"]["max_meetings"] = 2
    people["p1"]["max_meetings"] = 1
    people["c3"]["available"] = ["s1"]
    people["p3"]["available"] = ["s2"]
    result = _solve(data)
    assert "no_availability_overlap" in _reasons(result, "c3")  # c3–p3 share no slot
    assert "blocked_pairs" in _reasons(result, "c3")
    assert "p2" in {m.b for m in result.meetings if m.a == "c1"}
    # p1 has one meeting allowed; whichever city is left without p1 is told so.
    left_out = next(s for s in result.stats.shortfalls if s.participant in {"c1", "c2"} and s.meetings < 2)
    assert left_out.reasons
    assert left_out.text
    assert all(s.meetings < s.maximum for s in result.stats.shortfalls)


def test_tables_full_is_a_reason(make_problem: Any) -> None:
    data = make_problem(
        n_slots=1,
        tables=1,
        scores=[{"a": "c1", "b": "p1", "score": 0.9}, {"a": "c2", "b": "p2", "score": 0.8}],
    )
    result = _solve(data)
    assert len(result.meetings) == 1
    assert _reasons(result, "c2") == {"tables_full": 1}


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        ({"busy_in_common_slots": 1}, "1 candidate is busy (or it is) in every shared slot"),
        ({"busy_in_common_slots": 3}, "3 candidates are busy (or it is) in every shared slot"),
        ({"availability": 1}, "available in only 1 slot"),
        ({"no_candidates": 1}, "only 1 candidate partner with a score or request"),
        ({"no_candidates": 0}, "no candidate partner with a score or request"),
        ({"blocked_pairs": 1}, "1 pair blocked by staff"),
        ({"no_availability_overlap": 1}, "1 candidate shares no available slot with it"),
        ({"no_availability_overlap": 2}, "2 candidates share no available slot with it"),
        ({"partners_at_cap": 1}, "1 candidate already has all the meetings it may have"),
        ({"partners_at_cap": 2}, "2 candidates already have all the meetings they may have"),
        ({"tables_full": 1}, "1 candidate could only meet in slots whose tables are all taken"),
        ({"better_pairs_elsewhere": 1}, "1 candidate meeting would fit only by dropping better-scored ones"),
        (
            {"availability": 2, "blocked_pairs": 2},
            "available in only 2 slots; 2 pairs blocked by staff",
        ),
    ],
)
def test_shortfall_reasons_read_right_for_one_and_for_many(reasons: dict[str, int], expected: str) -> None:
    assert explain._text(reasons) == expected
