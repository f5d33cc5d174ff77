"""Meeting scheduling for Level 3 matchmaking events: encode → check → solve → decode, and exports.

The entry point is :func:`solve_problem`. Solving is three pure stages on arrays: choose the pairs
(:mod:`.select`, a MIP), give them slots (:mod:`.place`, ejection chains), improve locally
(:mod:`.improve`), run by :mod:`.decompose`; :mod:`.solver` is CP-SAT on the whole model, used when
it is small; :mod:`.bound` is the LP bound reported with every schedule, and :mod:`.explain` says
why a participant has few meetings and puts the gap into words (:func:`describe_gap`).
:mod:`.exports` renders CSV, HTML agendas and calendars.

The names below are imported on first use (PEP 562), so that ``import matchmaker.scheduling.problem``
(pair keys, slots) does not load the solvers (OR-Tools, SciPy) or the exports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matchmaker.lazy import lazy_exports

if TYPE_CHECKING:
    from matchmaker.scheduling.bound import Bound, lp_bound
    from matchmaker.scheduling.core import (
        DEFAULT_TIME_LIMIT,
        SolverInput,
        fair_greedy_assignment,
        greedy_assignment,
        verify_assignment,
    )
    from matchmaker.scheduling.explain import Shortfall, describe_gap, shortfalls
    from matchmaker.scheduling.feasibility import FeasibilityReport, check_must_meet
    from matchmaker.scheduling.problem import (
        LockedMeeting,
        MeetingRequest,
        Participant,
        Placement,
        SchedulingProblem,
        ScoreEntry,
        Slot,
        load_problem,
        parse_problem,
        parse_problem_text,
    )
    from matchmaker.scheduling.result import (
        Meeting,
        ScheduleDiff,
        ScheduleResult,
        ScheduleStats,
        diff_schedules,
        verify_schedule,
    )
    from matchmaker.scheduling.service import greedy_schedule, solve_problem
    from matchmaker.scheduling.solver import SolverOutput, solve_cpsat

# Imported now: ``encode`` is also the name of its submodule, and a submodule imported later would
# otherwise take the function's place on the package. The module is light (no solver).
from matchmaker.scheduling.encode import ScoreLookup, encode

#: Which submodule defines each public name.
_HOMES: dict[str, str] = {
    "Bound": "bound",
    "lp_bound": "bound",
    "SolverInput": "core",
    "fair_greedy_assignment": "core",
    "greedy_assignment": "core",
    "verify_assignment": "core",
    "Shortfall": "explain",
    "describe_gap": "explain",
    "shortfalls": "explain",
    "FeasibilityReport": "feasibility",
    "check_must_meet": "feasibility",
    "LockedMeeting": "problem",
    "MeetingRequest": "problem",
    "Participant": "problem",
    "Placement": "problem",
    "SchedulingProblem": "problem",
    "ScoreEntry": "problem",
    "Slot": "problem",
    "load_problem": "problem",
    "parse_problem": "problem",
    "parse_problem_text": "problem",
    "Meeting": "result",
    "ScheduleDiff": "result",
    "ScheduleResult": "result",
    "ScheduleStats": "result",
    "diff_schedules": "result",
    "verify_schedule": "result",
    "DEFAULT_TIME_LIMIT": "core",
    "greedy_schedule": "service",
    "solve_problem": "service",
    "SolverOutput": "solver",
    "solve_cpsat": "solver",
}


__getattr__ = lazy_exports(__name__, _HOMES, globals())


__all__ = [
    "DEFAULT_TIME_LIMIT",
    "Bound",
    "FeasibilityReport",
    "LockedMeeting",
    "Meeting",
    "MeetingRequest",
    "Participant",
    "Placement",
    "ScheduleDiff",
    "ScheduleResult",
    "ScheduleStats",
    "SchedulingProblem",
    "ScoreEntry",
    "ScoreLookup",
    "Shortfall",
    "Slot",
    "SolverInput",
    "SolverOutput",
    "check_must_meet",
    "describe_gap",
    "diff_schedules",
    "encode",
    "fair_greedy_assignment",
    "greedy_assignment",
    "greedy_schedule",
    "load_problem",
    "lp_bound",
    "parse_problem",
    "parse_problem_text",
    "shortfalls",
    "solve_cpsat",
    "solve_problem",
    "verify_assignment",
    "verify_schedule",
]
