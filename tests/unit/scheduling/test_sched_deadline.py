"""The time limit bounds every stage of a plan: each gets its share of one deadline."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from matchmaker.scheduling import decompose as stages
from matchmaker.scheduling import parse_problem, service, solve_problem, verify_schedule
from matchmaker.scheduling.core import repair_coverage, verify_assignment
from matchmaker.scheduling.encode import encode
from matchmaker.scheduling.select import Selection


def _event(make: Any, seed: int = 5) -> dict[str, Any]:
    """12 cities and 12 providers in 5 slots at 4 tables, with uneven availability and maxima, every
    city–provider pair scored, one must-meet (``make``: the conftest's problem builder)."""
    rng = random.Random(seed)
    cities = tuple(f"c{k}" for k in range(12))
    providers = tuple(f"p{k}" for k in range(12))
    scores = [{"a": c, "b": p, "score": round(rng.random(), 3)} for c in cities for p in providers]
    data: dict[str, Any] = make(
        n_slots=5, tables=4, cities=cities, providers=providers, scores=scores, must_meet=[["c0", "p0"]]
    )
    for person in data["participants"]:
        person["available"] = [f"s{s + 1}" for s in sorted(rng.sample(range(5), rng.randint(2, 5)))]
        person["max_meetings"] = rng.randint(1, 3)
    return data


class _Watch:
    """Records the deadline each stage of the decomposition is given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, empty_selection: bool = False) -> None:
        self.given: dict[str, list[float | None]] = {}
        self.steps: dict[str, list[int | None]] = {}
        self.decompose_deadline: list[float | None] = []
        for name in ("select_pairs", "place_pairs", "repair_coverage", "improve"):
            monkeypatch.setattr(stages, name, self._watched(name, getattr(stages, name), empty_selection))
        if empty_selection and hasattr(stages, "fair_greedy_assignment"):
            # Nor does the fill that follows a missing selection place anything: the coverage repair
            # and the local search make the plan.
            monkeypatch.setattr(stages, "fair_greedy_assignment", lambda _inp, start=(), **_kw: list(start))
        real_decompose = service.decompose

        def decompose(*args: Any, deadline: float | None = None, **kw: Any) -> Any:
            self.decompose_deadline.append(deadline)
            return real_decompose(*args, deadline=deadline, **kw)

        monkeypatch.setattr(service, "decompose", decompose)

    def _watched(self, name: str, real: Any, empty_selection: bool) -> Any:
        def watched(*args: Any, **kw: Any) -> Any:
            self.given.setdefault(name, []).append(kw.get("deadline"))
            self.steps.setdefault(name, []).append(kw.get("max_steps"))
            if name == "select_pairs" and empty_selection:
                # As a selection that ran out of its time: nothing chosen.
                return Selection(pairs=[], status="NOT_SOLVED", objective=0.0, covered_hard=False)
            return real(*args, **kw)

        return watched


def test_a_selection_out_of_time_leaves_a_valid_plan_made_within_the_deadline(
    monkeypatch: pytest.MonkeyPatch, make_problem: Any
) -> None:
    watch = _Watch(monkeypatch, empty_selection=True)
    problem = parse_problem(_event(make_problem))
    limit = 0.5
    before = time.perf_counter()
    result = solve_problem(problem, time_limit=limit, workers=1)

    assert verify_schedule(problem, result.meetings) == []
    assert result.unscheduled_must_meet == []
    assert result.meetings, "the repair and the local search still make a plan"
    (deadline,) = watch.decompose_deadline
    assert deadline is not None
    assert deadline <= before + limit  # a point in time within the limit, not a measured duration
    for name in ("select_pairs", "repair_coverage", "improve"):
        assert watch.given.get(name), f"{name} ran"
        assert all(d is not None and d <= deadline for d in watch.given[name]), name
    # The stages end in order, the local search last, at the stages' deadline.
    (repair,) = watch.given["repair_coverage"]
    (search,) = watch.given["improve"]
    assert repair is not None
    assert search == deadline
    assert repair <= search


def test_every_stage_of_a_plan_gets_a_deadline(monkeypatch: pytest.MonkeyPatch, make_problem: Any) -> None:
    watch = _Watch(monkeypatch)
    problem = parse_problem(_event(make_problem, seed=9))
    result = solve_problem(problem, time_limit=1.0, workers=1)

    assert verify_schedule(problem, result.meetings) == []
    (deadline,) = watch.decompose_deadline
    assert deadline is not None
    for name in ("select_pairs", "place_pairs", "improve"):
        assert watch.given.get(name), f"{name} ran"
        assert all(d is not None and d <= deadline for d in watch.given[name]), name


def test_a_seeded_plan_bounds_its_stages_by_work_and_stays_the_same(
    monkeypatch: pytest.MonkeyPatch, make_problem: Any
) -> None:
    watch = _Watch(monkeypatch, empty_selection=True)
    problem = parse_problem(_event(make_problem, seed=13))
    runs = [solve_problem(problem, time_limit=10.0, workers=1, seed=3) for _ in range(2)]

    assert [(m.slot, m.table, m.a, m.b) for m in runs[0].meetings] == [
        (m.slot, m.table, m.a, m.b) for m in runs[1].meetings
    ]
    assert verify_schedule(problem, runs[0].meetings) == []
    assert watch.decompose_deadline == [None, None]  # work, not the clock, bounds the stages
    assert watch.given["repair_coverage"] == [None, None]
    assert all(isinstance(n, int) and n > 0 for n in watch.steps["repair_coverage"] + watch.steps["improve"])


def test_the_stages_split_one_deadline_in_order() -> None:
    split = stages.StageDeadlines.split(100.0, 110.0)
    assert 100.0 < split.priority <= split.rounds <= split.repair <= split.search == 110.0
    late = stages.StageDeadlines.split(100.0, 90.0)  # no time left: every stage stops at once
    assert late.priority == late.rounds == late.repair == late.search == 100.0


def test_a_selection_that_cannot_fit_its_time_is_skipped_and_a_fair_fill_covers_everyone(
    monkeypatch: pytest.MonkeyPatch, make_problem: Any
) -> None:
    watch = _Watch(monkeypatch)
    monkeypatch.setattr(stages, "MIP_PAIRS_PER_SECOND", 1)  # every MIP looks far too long
    problem = parse_problem(_event(make_problem, seed=21))
    result = solve_problem(problem, time_limit=1.0, workers=1)

    assert "select_pairs" not in watch.given
    assert result.stats.selection_status == "SKIPPED"
    assert verify_schedule(problem, result.meetings) == []
    assert result.unscheduled_must_meet == []
    assert result.stats.unmatched_participants == []


def test_a_selection_that_runs_past_the_repairs_time_still_leaves_everyone_covered(
    monkeypatch: pytest.MonkeyPatch, make_problem: Any
) -> None:
    # The MIP cannot be stopped before its root LP is solved: it may end after the repair's deadline
    # has passed, having chosen too little to cover everyone.
    def late(_inp: Any, **kw: Any) -> Selection:
        while time.perf_counter() <= kw["deadline"] + 0.25:  # past the local search's deadline too
            time.sleep(0.02)
        return Selection(pairs=[0], status="FEASIBLE", objective=0.0, covered_hard=False)

    monkeypatch.setattr(stages, "select_pairs", late)
    problem = parse_problem(_event(make_problem, seed=17))
    result = solve_problem(problem, time_limit=0.5, workers=1)

    assert verify_schedule(problem, result.meetings) == []
    assert result.unscheduled_must_meet == []
    assert result.stats.unmatched_participants == []


def test_a_repair_stopped_by_its_budget_still_covers_the_people_it_did_not_reach(make_problem: Any) -> None:
    inp = encode(parse_problem(_event(make_problem, seed=21))).inp
    repaired = repair_coverage(inp, inp.fixed, max_steps=1)  # one participant repaired, then stopped

    assert verify_assignment(inp, repaired) == []
    met = {k for p, _s in repaired for k in inp.pairs[p]}
    active = inp.active()
    assert [k for k in range(inp.n_participants) if active[k] and k not in met] == []
