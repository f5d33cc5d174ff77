"""solve_problem end to end on small problems: rules, fairness, priorities, errors, re-planning."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.errors import InfeasibleScheduleError
from matchmaker.scheduling import greedy_schedule, parse_problem, solve_problem, verify_schedule


def _solve(data: dict[str, Any], **kw: Any) -> Any:
    return solve_problem(parse_problem(data), time_limit=5, workers=1, **kw)


def _pairs(result: Any) -> set[frozenset[str]]:
    return {frozenset((m.a, m.b)) for m in result.meetings}


def test_fairness_beats_greedy(make_problem: Any) -> None:
    data = make_problem(
        n_slots=1,
        scores=[
            {"a": "c1", "b": "p1", "score": 0.9},
            {"a": "c1", "b": "p2", "score": 0.8},
            {"a": "c2", "b": "p1", "score": 0.7},
        ],
    )
    greedy = greedy_schedule(parse_problem(data))
    assert greedy.stats.unmatched_participants == ["c2", "p2"]
    result = _solve(data)
    assert result.stats.unmatched_participants == []
    assert result.stats.min_meetings_active == 1
    assert result.objective == pytest.approx(1.5)
    assert result.objective > greedy.objective


def test_provider_pairs_blocked_and_declined_never_meet(make_problem: Any) -> None:
    data = make_problem(
        n_slots=3,
        scores=[
            {"a": "p1", "b": "p2", "score": 1.0},
            {"a": "c1", "b": "p1", "score": 0.9},
            {"a": "c2", "b": "p2", "score": 0.9},
            {"a": "c1", "b": "c2", "score": 0.3},
        ],
        blocked=[["c1", "p1"]],
        requests=[{"from": "p2", "to": "c2", "status": "declined"}],
    )
    result = _solve(data)
    assert _pairs(result) == {frozenset(("c1", "c2"))}  # city–city is allowed
    assert not verify_schedule(parse_problem(data), result.meetings)


def test_pairs_without_score_or_request_are_not_candidates(make_problem: Any) -> None:
    data = make_problem(requests=[{"from": "p1", "to": "c1", "status": "pending"}])
    assert _pairs(_solve(data)) == {frozenset(("c1", "p1"))}


def test_score_lookup_fills_missing_scores(make_problem: Any) -> None:
    asked: list[tuple[str, str]] = []

    def lookup(a: str, b: str) -> float | None:
        asked.append((a, b))
        return 0.5 if {a, b} == {"c2", "p2"} else None

    result = _solve(make_problem(), score_lookup=lookup)
    assert _pairs(result) == {frozenset(("c2", "p2"))}
    assert not any(a.startswith("p") and b.startswith("p") for a, b in asked)


def test_must_meet_and_accepted_have_priority(make_problem: Any, problem_dict: dict[str, Any]) -> None:
    problem_dict["slots"] = problem_dict["slots"][:1]
    problem_dict["tables"] = 1
    problem_dict["must_meet"] = [["c2", "p2"]]
    result = _solve(problem_dict)
    assert _pairs(result) == {frozenset(("c2", "p2"))}
    assert result.meetings[0].kind == "must_meet"
    del problem_dict["must_meet"]
    problem_dict["requests"] = [{"from": "p1", "to": "c2", "status": "accepted"}]
    assert _pairs(_solve(problem_dict)) == {frozenset(("c2", "p1"))}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"must_meet": [["p1", "p2"]]}, "two providers"),
        ({"must_meet": [["c1", "p1"]], "blocked": [["p1", "c1"]]}, "also blocked"),
        ({"must_meet": [["c1", "p1"], ["c1", "p2"], ["c2", "p1"]], "tables": 1}, "free places"),
    ],
)
def test_infeasible_says_what_to_relax(make_problem: Any, extra: dict[str, Any], expected: str) -> None:
    with pytest.raises(InfeasibleScheduleError) as info:
        _solve(make_problem(**extra))
    assert expected in str(info.value)
    assert info.value.reasons


def test_infeasible_no_common_slot_and_max_meetings(make_problem: Any) -> None:
    data = make_problem(must_meet=[["c1", "p1"], ["c1", "p2"], ["c2", "p1"]])
    data["participants"][0]["max_meetings"] = 1
    data["participants"][1]["available"] = ["s1"]
    data["participants"][2]["available"] = ["s2"]
    with pytest.raises(InfeasibleScheduleError) as info:
        _solve(data)
    text = " ".join(info.value.reasons)
    assert "c1 has 2 must-meets" in text
    assert "max_meetings 1" in text
    assert "c2–p1: they have no common available slot" in text


def test_one_must_meet_is_counted_in_the_singular(make_problem: Any) -> None:
    # c1's one free slot with p1 is taken by its published meeting with p2.
    data = make_problem(n_slots=2, must_meet=[["c1", "p1"]])
    for person in data["participants"]:
        person["available"] = ["s1"] if person["id"] in ("c1", "p1") else ["s1", "s2"]
    data["locked"] = [{"slot": "s1", "table": 1, "a": "c1", "b": "p2"}]
    with pytest.raises(InfeasibleScheduleError) as info:
        _solve(data)
    text = " ".join(info.value.reasons)
    assert "c1 has 1 must-meet (p1) but no free slot shared with that partner" in text, text


def test_participant_with_too_few_slots_for_its_must_meets(make_problem: Any) -> None:
    data = make_problem(n_slots=2, must_meet=[["c1", "p1"], ["c2", "p1"], ["c1", "p2"]])
    for person in data["participants"]:
        person["available"] = ["s1"] if person["id"] in ("c1", "c2") else ["s1", "s2"]
    with pytest.raises(InfeasibleScheduleError, match="c1 has 2 must-meets"):
        _solve(data)
    relaxed = _solve(data, strict_must_meet=False)
    assert len(relaxed.unscheduled_must_meet) == 1
    assert not verify_schedule(parse_problem(data), relaxed.meetings)


def test_solver_names_must_meets_that_do_not_fit(make_problem: Any) -> None:
    # Each check on its own passes, but both pairs need slot s1 and there is one table.
    data = make_problem(n_slots=2, tables=1, must_meet=[["c1", "p1"], ["c2", "p2"]])
    for person in data["participants"]:
        if person["id"] in ("c1", "c2"):
            person["available"] = ["s1"]
    with pytest.raises(InfeasibleScheduleError) as info:
        _solve(data)
    assert "could not be placed" in str(info.value)
    assert len(info.value.reasons) == 1
    relaxed = _solve(data, strict_must_meet=False)
    assert len(relaxed.unscheduled_must_meet) == 1
    assert len(relaxed.meetings) == 1


def test_replan_keeps_locked_and_reports_changes(problem_dict: dict[str, Any]) -> None:
    first = _solve(problem_dict)
    published = [m.model_dump(include={"slot", "table", "a", "b"}) for m in first.meetings]
    problem_dict["locked"] = published[:2]
    problem_dict["participants"].append({"id": "p3", "side": "provider"})
    problem_dict["scores"].append({"a": "c2", "b": "p3", "score": 1.0})
    second = _solve(problem_dict)
    kept = {(m["slot"], m["table"], m["a"], m["b"]) for m in published[:2]}
    assert kept <= {(m.slot, m.table, m.a, m.b) for m in second.meetings}
    assert second.changes is not None
    assert len(second.changes.kept) == 2
    assert not second.changes.moved
    assert any("p3" in (m.a, m.b) for m in second.changes.added)


def test_locked_meeting_of_a_withdrawn_participant_is_cancelled(problem_dict: dict[str, Any]) -> None:
    problem_dict["locked"] = [{"slot": "s1", "table": 1, "a": "c1", "b": "p1"}]
    problem_dict["participants"] = [p for p in problem_dict["participants"] if p["id"] != "p1"]
    problem_dict["scores"] = [s for s in problem_dict["scores"] if "p1" not in (s["a"], s["b"])]
    result = _solve(problem_dict)
    assert result.changes is not None
    assert [(m.a, m.b) for m in result.changes.cancelled] == [("c1", "p1")]
    assert "no longer takes part" in result.stats.dropped_locked[0]


def test_published_meetings_over_a_new_maximum_are_reported(problem_dict: dict[str, Any]) -> None:
    problem_dict["locked"] = [
        {"slot": "s1", "table": 1, "a": "c1", "b": "p1"},
        {"slot": "s2", "table": 1, "a": "c1", "b": "p2"},
    ]
    problem_dict["participants"][0]["max_meetings"] = 1
    with pytest.raises(InfeasibleScheduleError, match="c1 has 2 published meetings"):
        _solve(problem_dict, strict_must_meet=False)
    result = _solve(problem_dict, keep_locked=False)
    assert sum(1 for m in result.meetings if "c1" in (m.a, m.b)) == 1


def test_replan_without_keeping_locked_may_move(problem_dict: dict[str, Any]) -> None:
    problem_dict["locked"] = [{"slot": "s1", "table": 2, "a": "c1", "b": "p1"}]
    problem_dict["participants"][0]["available"] = ["s1", "s2"]
    result = _solve(problem_dict, keep_locked=False)
    assert result.changes is not None
    assert not verify_schedule(parse_problem(problem_dict), result.meetings)


def test_contract_json_shape(problem_dict: dict[str, Any]) -> None:
    out = _solve(problem_dict).contract_dict()
    assert set(out) == {"meetings", "objective", "unscheduled_must_meet", "stats"}
    assert set(out["meetings"][0]) == {"slot", "table", "a", "b", "score"}
    assert out["objective"] == pytest.approx(sum(m["score"] for m in out["meetings"]))


@st.composite
def small_problems(draw: st.DrawFn) -> dict[str, Any]:
    n_slots = draw(st.integers(1, 3))
    slot_ids = [f"s{k + 1}" for k in range(n_slots)]
    n = draw(st.integers(2, 6))
    people: list[dict[str, Any]] = []
    for k in range(n):
        person: dict[str, Any] = {"id": f"x{k}", "side": draw(st.sampled_from(["city", "provider"]))}
        if draw(st.booleans()):
            person["available"] = draw(st.lists(st.sampled_from(slot_ids), unique=True))
        if draw(st.booleans()):
            person["max_meetings"] = draw(st.integers(0, 3))
        people.append(person)
    ids = [p["id"] for p in people]
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    scored = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    blocked = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=2)) if pairs else []
    return {
        "slots": [{"id": s, "start": "2038-01-01T09:00", "end": "2038-01-01T09:20"} for s in slot_ids],
        "tables": draw(st.integers(1, 2)),
        "participants": people,
        "scores": [{"a": a, "b": b, "score": draw(st.floats(0, 1))} for a, b in scored],
        "blocked": [list(p) for p in blocked],
        "requests": [
            {
                "from": a,
                "to": b,
                "status": draw(st.sampled_from(["pending", "accepted", "declined", "expired"])),
            }
            for a, b in draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3))
        ]
        if pairs
        else [],
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_no_hard_rule_is_ever_broken(data: dict[str, Any]) -> None:
    problem = parse_problem(data)
    result = solve_problem(problem, time_limit=2, workers=1)
    assert verify_schedule(problem, result.meetings) == []
    assert verify_schedule(problem, greedy_schedule(problem).meetings) == []
    # fairness: the solver never covers fewer active participants than greedy
    assert len(result.stats.unmatched_participants) <= len(
        greedy_schedule(problem).stats.unmatched_participants
    )


def _event(n: int, seed: int) -> dict[str, Any]:
    """A mid-sized random event: sparse scores, uneven availability, one accepted request."""
    import random

    rng = random.Random(seed)
    slots = [
        {"id": f"s{k}", "start": f"2038-03-02T{9 + k:02d}:00", "end": f"2038-03-02T{9 + k:02d}:20"}
        for k in range(6)
    ]
    people = [
        {
            "id": f"x{k}",
            "side": "city" if k < n * 6 // 10 else "provider",
            "available": [f"s{s}" for s in sorted(rng.sample(range(6), rng.randint(3, 6)))],
            "max_meetings": rng.randint(2, 4),
        }
        for k in range(n)
    ]
    cities = [p["id"] for p in people if p["side"] == "city"]
    scores = [
        {"a": c, "b": p["id"], "score": round(rng.random(), 3)}
        for c in cities
        for p in people
        if p["id"] != c and rng.random() < 0.3
    ]
    return {
        "slots": slots,
        "tables": max(2, n // 5),
        "participants": people,
        "scores": scores,
        "requests": [{"from": scores[0]["b"], "to": scores[0]["a"], "status": "accepted"}],
    }


def test_a_seed_with_fixed_workers_gives_the_same_schedule() -> None:
    problem = parse_problem(_event(40, 3))
    runs = [solve_problem(problem, time_limit=10, seed=11, workers=2) for _ in range(2)]
    first, second = ([(m.slot, m.table, m.a, m.b) for m in r.meetings] for r in runs)
    assert first == second
    assert runs[0].stats.seed == 11
    assert runs[0].stats.workers == 2
    assert not verify_schedule(problem, runs[0].meetings)


def test_infeasible_file_reason_names_no_event_or_published_meetings(make_problem: Any) -> None:
    """A problem file has no event and, unless it says so, no published meetings: the reason speaks of
    neither."""
    with pytest.raises(InfeasibleScheduleError) as info:
        _solve(make_problem(must_meet=[["c1", "p1"], ["c1", "p2"], ["c2", "p1"]], tables=1))
    text = " ".join(info.value.reasons)
    assert "published" not in text
    assert "edit the event" not in text
    assert "add tables or slots" in text


def test_what_to_relax_counts_one_slot_and_one_table_in_the_singular(make_problem: Any) -> None:
    data = make_problem(n_slots=1, tables=1, must_meet=[["c1", "p1"], ["c2", "p2"]])
    with pytest.raises(InfeasibleScheduleError) as info:
        _solve(data)
    text = " ".join(info.value.reasons)
    assert "only 1 free place (1 slot × 1 table)" in text
    assert "(s)" not in text


def test_the_solver_gets_its_time_limit_after_the_scores_are_looked_up(
    make_problem: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Scores looked up from the matcher can take longer than the limit on a large event; the solver
    # must still get the seconds --time-limit gives it, not what the lookups left of them.
    from matchmaker.scheduling import service

    given: list[float] = []
    real = service.decompose

    def watched(*args: Any, deadline: float | None = None, **kw: Any) -> Any:
        given.append((deadline or 0.0) - time.perf_counter())
        return real(*args, deadline=deadline, **kw)

    monkeypatch.setattr(service, "decompose", watched)

    def slow(_a: str, _b: str) -> float:
        time.sleep(0.1)
        return 0.5

    data = make_problem(cities=("c1", "c2", "c3"), providers=("p1", "p2", "p3"))
    solve_problem(parse_problem(data), score_lookup=slow, time_limit=1.0, workers=1)
    assert given, "the stages ran"
    assert given[0] > 0.5 * service.STAGES_SHARE * 1.0
