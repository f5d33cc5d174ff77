"""Meeting scheduling for Level 3 matchmaking events: encode → check → solve → decode, and exports.

The entry point is :func:`solve_problem`; the pure core (:mod:`.core`, :mod:`.solver`) works on
arrays and can be tested without files; :mod:`.exports` renders CSV, HTML agendas and calendars.
"""

from matchmaker.scheduling.core import (
    SolverInput,
    fair_greedy_assignment,
    greedy_assignment,
    verify_assignment,
)
from matchmaker.scheduling.encode import ScoreLookup, encode
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
from matchmaker.scheduling.service import DEFAULT_TIME_LIMIT, greedy_schedule, solve_problem
from matchmaker.scheduling.solver import SolverOutput, solve_cpsat

__all__ = [
    "DEFAULT_TIME_LIMIT",
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
    "Slot",
    "SolverInput",
    "SolverOutput",
    "check_must_meet",
    "diff_schedules",
    "encode",
    "fair_greedy_assignment",
    "greedy_assignment",
    "greedy_schedule",
    "load_problem",
    "parse_problem",
    "parse_problem_text",
    "solve_cpsat",
    "solve_problem",
    "verify_assignment",
    "verify_schedule",
]
