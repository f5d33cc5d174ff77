"""Schedules as results: meetings, statistics, rule checks and the diff of two schedules."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, Field

from matchmaker.scheduling.encode import allowed_sides, availability, capacities
from matchmaker.scheduling.explain import Shortfall
from matchmaker.scheduling.problem import Pair, Placement, SchedulingProblem, pair_key


class Meeting(Placement):
    """A scheduled meeting with its score and why it was scheduled."""

    score: float = 0.0
    reason: str | None = None
    kind: str = "score"

    def contract_dict(self) -> dict[str, Any]:
        """The meeting as CONTRACT.md prints it."""
        return {"slot": self.slot, "table": self.table, "a": self.a, "b": self.b, "score": self.score}


class ScheduleStats(BaseModel):
    """Figures about one schedule and how it was found.

    ``score_objective`` is the score level the scheduler maximises (match scores plus the
    pending-request bonus). ``lp_bound`` is an upper bound on it for any schedule that covers as many
    active participants and holds the must-meets (see :mod:`matchmaker.scheduling.bound`); ``gap`` is
    ``1 - score_objective / lp_bound``. ``lp_bound_with_requests`` / ``gap_with_requests`` also hold
    every accepted request, as the schedule does. ``status`` is ``OPTIMAL`` when the schedule is
    proven best (it reaches the bound, or CP-SAT proved it), else ``FEASIBLE``.
    """

    status: str
    solve_seconds: float
    method: str = ""
    objective_internal: int = 0
    bound_internal: int = 0
    score_objective: float = 0.0
    lp_bound: float | None = None
    lp_bound_status: str = "NOT_COMPUTED"
    gap: float = 0.0
    lp_bound_with_requests: float | None = None
    gap_with_requests: float | None = None
    selection_status: str = ""
    stage_rounds: int = 0
    cut_pairs: int = 0
    local_search_moves: int = 0
    seed: int | None = None
    workers: int = 0
    meetings: int = 0
    participants: int = 0
    active_participants: int = 0
    unmatched_participants: list[str] = Field(default_factory=list)
    no_meeting_possible: list[str] = Field(
        default_factory=list,
        description="Participants who could have no meeting at all (no partner with a common free slot, "
        "a maximum of 0, or every pair blocked); they are not counted as active.",
    )
    min_meetings_active: int = 0
    mean_meetings: float = 0.0
    max_meetings: int = 0
    must_meet_scheduled: int = 0
    must_meet_total: int = 0
    accepted_requests_scheduled: int = 0
    accepted_requests_total: int = 0
    tables_used: float = 0.0
    candidate_pairs: int = 0
    pruned_pairs: int = 0
    greedy_objective: float = 0.0
    improved_windows: int = 0
    unscheduled_must_meet_reasons: list[str] = Field(default_factory=list)
    dropped_locked: list[str] = Field(default_factory=list)
    shortfalls: list[Shortfall] = Field(default_factory=list)


class Move(BaseModel):
    """A meeting of the same pair at another slot or table."""

    before: Placement
    after: Placement


class ScheduleDiff(BaseModel):
    """What changed between two schedules; pairs are matched regardless of order."""

    kept: list[Placement] = Field(default_factory=list)
    moved: list[Move] = Field(default_factory=list)
    added: list[Placement] = Field(default_factory=list)
    cancelled: list[Placement] = Field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when anything moved, was added or was cancelled."""
        return bool(self.moved or self.added or self.cancelled)


class ScheduleResult(BaseModel):
    """The answer of :func:`matchmaker.scheduling.service.solve_problem`."""

    meetings: list[Meeting]
    objective: float
    unscheduled_must_meet: list[tuple[str, str]] = Field(default_factory=list)
    stats: ScheduleStats
    changes: ScheduleDiff | None = None

    def contract_dict(self) -> dict[str, Any]:
        """The ``--json`` output of ``matchmaker schedule`` (CONTRACT.md)."""
        stats = self.stats.model_dump()
        if self.changes is not None:
            stats["changes"] = self.changes.model_dump()
        return {
            "meetings": [m.contract_dict() for m in self.meetings],
            "objective": self.objective,
            "unscheduled_must_meet": [list(p) for p in self.unscheduled_must_meet],
            "stats": stats,
        }


class _PlacementLike(Protocol):
    @property
    def slot(self) -> str: ...
    @property
    def table(self) -> int: ...
    @property
    def a(self) -> str: ...
    @property
    def b(self) -> str: ...


def _placement(m: _PlacementLike) -> Placement:
    return Placement(slot=m.slot, table=m.table, a=m.a, b=m.b)


def diff_schedules(old: Iterable[_PlacementLike], new: Iterable[_PlacementLike]) -> ScheduleDiff:
    """Compare two schedules: meetings kept, moved (same pair, other slot or table), added, cancelled."""
    before = {pair_key(m.a, m.b): _placement(m) for m in old}
    after = {pair_key(m.a, m.b): _placement(m) for m in new}
    diff = ScheduleDiff()
    for key, m in sorted(after.items()):
        prev = before.get(key)
        if prev is None:
            diff.added.append(m)
        elif (prev.slot, prev.table) == (m.slot, m.table):
            diff.kept.append(m)
        else:
            diff.moved.append(Move(before=prev, after=m))
    diff.cancelled = [m for key, m in sorted(before.items()) if key not in after]
    return diff


def verify_schedule(problem: SchedulingProblem, meetings: Sequence[_PlacementLike]) -> list[str]:
    """Every hard rule of CONTRACT.md the meetings break, as readable lines; empty when valid."""
    out: list[str] = []
    sides = {p.id: p.side for p in problem.participants}
    avail = availability(problem)
    cap = capacities(problem)
    slot_ids = {s.id for s in problem.slots}
    blocked = {pair_key(a, b) for a, b in problem.blocked}
    busy: set[tuple[str, str]] = set()
    tables: set[tuple[str, int]] = set()
    pairs: set[Pair] = set()
    count: Counter[str] = Counter()
    for m in meetings:
        key = pair_key(m.a, m.b)
        where = f"{m.a}–{m.b} in {m.slot}"
        if m.slot not in slot_ids:
            out.append(f"{where}: unknown slot")
            continue
        if m.a not in sides or m.b not in sides or m.a == m.b:
            out.append(f"{where}: unknown or identical participants")
            continue
        if not allowed_sides(sides[m.a], sides[m.b]):
            out.append(f"{where}: two providers")
        if key in blocked:
            out.append(f"{where}: blocked pair")
        if key in pairs:
            out.append(f"{where}: the pair meets twice")
        pairs.add(key)
        if not 1 <= m.table <= problem.tables:
            out.append(f"{where}: table {m.table} does not exist")
        if (m.slot, m.table) in tables:
            out.append(f"{where}: table {m.table} is used twice")
        tables.add((m.slot, m.table))
        for pid in (m.a, m.b):
            if m.slot not in avail[pid]:
                out.append(f"{where}: {pid} is not available")
            if (pid, m.slot) in busy:
                out.append(f"{where}: {pid} has two meetings in this slot")
            busy.add((pid, m.slot))
            count[pid] += 1
    out += [
        f"{pid} has {n} meetings, more than {cap[pid]}" for pid, n in sorted(count.items()) if n > cap[pid]
    ]
    return out


def meeting_counts(problem: SchedulingProblem, meetings: Iterable[_PlacementLike]) -> dict[str, int]:
    """Number of meetings per participant (zero included)."""
    counts: dict[str, int] = defaultdict(int, {p.id: 0 for p in problem.participants})
    for m in meetings:
        counts[m.a] += 1
        counts[m.b] += 1
    return dict(counts)


def fill_counts(stats: ScheduleStats, counts: dict[str, int], active: Iterable[str]) -> None:
    """Fill the per-participant figures of ``stats``."""
    active_ids = list(active)
    stats.participants = len(counts)
    stats.active_participants = len(active_ids)
    stats.unmatched_participants = sorted(pid for pid in active_ids if counts.get(pid, 0) == 0)
    stats.no_meeting_possible = sorted(set(counts) - set(active_ids))
    stats.min_meetings_active = min((counts.get(pid, 0) for pid in active_ids), default=0)
    stats.mean_meetings = round(statistics.fmean(counts.values()), 3) if counts else 0.0
    stats.max_meetings = max(counts.values(), default=0)
