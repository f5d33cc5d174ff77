"""The planner's log lines count in words an operator reads: "1 problem", "2 rounds", never "(s)"."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from matchmaker.scheduling import SolverInput
from matchmaker.scheduling.feasibility import check_must_meet
from matchmaker.scheduling.improve import improve
from matchmaker.scheduling.place import Timetable
from matchmaker.scheduling.problem import parse_problem


def _lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


def test_the_feasibility_check_logs_one_problem_in_the_singular(
    make_problem: Any, caplog: pytest.LogCaptureFixture
) -> None:
    problem = parse_problem(make_problem(n_slots=1, tables=1, must_meet=[["c1", "p1"], ["c2", "p2"]]))
    with caplog.at_level(logging.INFO, logger="matchmaker.scheduling.feasibility"):
        report = check_must_meet(problem)
    assert len(report.reasons) == 1, report.reasons
    assert _lines(caplog, "matchmaker.scheduling.feasibility") == ["feasibility check found 1 problem"]


def test_the_local_search_logs_its_counts_in_the_singular_for_one(caplog: pytest.LogCaptureFixture) -> None:
    one = frozenset({0})
    inp = SolverInput(
        n_participants=4,
        n_slots=1,
        tables=1,
        available=[one] * 4,
        capacity=[1] * 4,
        pairs=[(0, 1), (2, 3)],
        weights=[100, 900],
        accepted=[False, False],
        must=[False, False],
    )
    with caplog.at_level(logging.INFO, logger="matchmaker.scheduling.improve"):
        report = improve(inp, Timetable(inp, [(0, 0)]))
    assert report.improvements == 1
    (line,) = _lines(caplog, "matchmaker.scheduling.improve")
    assert line.startswith("local search: 1 improvement in "), line
    assert "(s)" not in line
