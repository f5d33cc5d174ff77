"""The LP bound keeps to the time limit: on a very large event a plan is not held back waiting for its
bound once the search is over; the bound is then reported as not computed in time."""

from __future__ import annotations

import math
from typing import Any

import pytest

import matchmaker.scheduling.service as service
from matchmaker.scheduling import parse_problem, solve_problem
from matchmaker.scheduling.bound import Bound, lp_bounds
from matchmaker.scheduling.encode import encode
from matchmaker.scheduling.explain import describe_gap


def test_a_bound_out_of_time_is_unknown_and_says_so(problem_dict: dict[str, Any]) -> None:
    inp = encode(parse_problem(problem_dict)).inp
    out = lp_bounds(inp, time_limit=0.0)
    assert [b.status for b in out] == ["TIME_LIMIT", "TIME_LIMIT"]
    assert not any(b.known for b in out)
    assert all(math.isinf(b.value) for b in out)
    solved = lp_bounds(inp, time_limit=60.0)
    assert [b.status for b in solved] == ["OPTIMAL", "OPTIMAL"]
    assert solved[0].value == lp_bounds(inp)[0].value


@pytest.mark.parametrize(("seed", "given"), [(None, 4.0), (3, None)])
def test_the_bound_gets_the_time_limit_unless_the_run_is_seeded(
    problem_dict: dict[str, Any], monkeypatch: pytest.MonkeyPatch, seed: int | None, given: float | None
) -> None:
    """A seeded run waits for its bound, so that the plan does not depend on how fast the machine is."""
    limits: list[float | None] = []

    def recording(*args: Any, time_limit: float | None = None, **kw: Any) -> list[Bound]:
        limits.append(time_limit)
        return lp_bounds(*args, time_limit=time_limit, **kw)

    monkeypatch.setattr(service, "lp_bounds", recording)
    solve_problem(parse_problem(problem_dict), time_limit=4.0, workers=1, seed=seed)
    assert limits[0] == given


def test_a_plan_whose_bound_ran_out_of_time_says_its_distance_to_the_best_is_unknown(
    problem_dict: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def out_of_time(*args: Any, **kw: Any) -> list[Bound]:
        return [Bound(value=math.inf, status="TIME_LIMIT", min_covered=0)] * 2

    monkeypatch.setattr(service, "lp_bounds", out_of_time)
    result = solve_problem(parse_problem(problem_dict), time_limit=4.0, workers=1)
    assert len(result.meetings) == 4
    assert result.stats.lp_bound_status == "TIME_LIMIT"
    assert result.stats.lp_bound is None
    assert describe_gap(result.stats) == (
        "no bound was computed within the time limit, so how close this schedule is to the best"
        " possible is not known"
    )
