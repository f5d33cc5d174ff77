"""Feasibility checks run before solving, with reasons that say what to relax.

:func:`check_must_meet` looks at the must-meet pairs (with published meetings kept in place) and
returns every problem it can prove without a solver:

- the pair is two providers, or is also blocked;
- the two have no common available slot, or one has ``max_meetings`` 0;
- a participant has more must-meets than meetings allowed or than slots it can use;
- there are more must-meets than ``slots × tables`` (less the published meetings).

Whatever these cheap checks miss, the solver finds; the service then names the must-meet pairs
that could not fit (:mod:`matchmaker.scheduling.service`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from matchmaker.errors import InfeasibleScheduleError
from matchmaker.scheduling.encode import allowed_sides, availability, capacities, locked_problems
from matchmaker.scheduling.problem import Pair, SchedulingProblem, pair_key
from matchmaker.wording import counted

logger = logging.getLogger(__name__)


@dataclass
class FeasibilityReport:
    """Problems found before solving.

    ``impossible`` maps must-meet pairs that can never be held to the reason; ``reasons`` holds
    every problem as a sentence, including those about several pairs at once. ``fatal`` problems
    (published meetings that break a participant's maximum) make any schedule impossible.
    """

    impossible: dict[Pair, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    fatal: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.reasons

    def raise_if_fatal(self) -> None:
        """Raise :class:`InfeasibleScheduleError` when no schedule at all is possible."""
        if self.fatal:
            raise InfeasibleScheduleError("the schedule is infeasible: " + " ".join(self.fatal), self.fatal)

    def raise_if_any(self) -> None:
        """Raise :class:`InfeasibleScheduleError` listing every problem, if there is one."""
        if self.ok:
            return
        n = len(self.reasons)
        head = f"the schedule is infeasible ({counted(n, 'problem')}): "
        raise InfeasibleScheduleError(head + " ".join(self.reasons), self.reasons)


def check_must_meet(problem: SchedulingProblem, *, keep_locked: bool = True) -> FeasibilityReport:
    """Find must-meet requirements that cannot all be met, each with what to relax."""
    report = FeasibilityReport()
    # Participants are named as staff know them: the file's or the event's name, else the id.
    names = problem.names()

    def who(pid: str) -> str:
        return names.get(pid, pid)

    sides = {p.id: p.side for p in problem.participants}
    avail = availability(problem)
    cap = capacities(problem)
    blocked = {pair_key(a, b) for a, b in problem.blocked}
    bad_locked = {id(m) for m, _ in locked_problems(problem)}
    locked = [m for m in problem.locked if id(m) not in bad_locked] if keep_locked else []
    locked_pairs = {m.pair for m in locked}

    musts: list[Pair] = []
    for a, b in problem.must_meet:
        key = pair_key(a, b)
        if key in musts:
            continue
        musts.append(key)
        reason: str | None = None
        if not allowed_sides(sides[a], sides[b]):
            reason = (
                f"must-meet {who(a)}–{who(b)} pairs two providers; meetings pair a city with a provider"
                " or two cities — remove it."
            )
        elif key in blocked:
            reason = (
                f"must-meet {who(a)}–{who(b)} is also blocked — remove it from must_meet or from blocked."
            )
        elif key in locked_pairs:
            continue
        elif not avail[a] & avail[b]:
            reason = (
                f"must-meet {who(a)}–{who(b)}: they have no common available slot"
                f" — widen the availability of {who(a)} or {who(b)}."
            )
        else:
            zero = [pid for pid in (a, b) if cap[pid] == 0]
            if zero:
                reason = (
                    f"must-meet {who(a)}–{who(b)}: {who(zero[0])} may have no meetings (max_meetings 0)"
                    " — raise it."
                )
        if reason:
            report.impossible[key] = reason
            report.reasons.append(reason)

    possible = [k for k in musts if k not in report.impossible and k not in locked_pairs]
    per_person: dict[str, list[Pair]] = defaultdict(list)
    for key in possible:
        for pid in key:
            per_person[pid].append(key)
    locked_count: dict[str, int] = defaultdict(int)
    locked_slots: dict[str, set[str]] = defaultdict(set)
    for m in locked:
        for pid in (m.a, m.b):
            locked_count[pid] += 1
            locked_slots[pid].add(m.slot)
    for pid, n in sorted(locked_count.items()):
        if n > cap[pid]:
            reason = (
                f"{who(pid)} has {counted(n, 'published meeting')} but may have only"
                f" {cap[pid]} (its max_meetings or its available slots) — raise its maximum to at least"
                f" {n}, restore its availability, or re-plan without keeping them."
            )
            report.fatal.append(reason)
            report.reasons.append(reason)
    for pid, keys in sorted(per_person.items()):
        participant = problem.participant(pid)
        total = len(keys) + locked_count[pid]
        others = ", ".join(who(a if b == pid else b) for a, b in keys)
        if participant.max_meetings is not None and total > participant.max_meetings:
            held = counted(total, "must-meet or published meeting", "must-meets and published meetings")
            report.reasons.append(
                f"{who(pid)} has {held} but max_meetings {participant.max_meetings} — raise it or drop"
                f" {'its must-meet' if len(keys) == 1 else 'some of its must-meets'} ({others})."
            )
            continue
        usable: set[str] = set()
        for a, b in keys:
            usable |= (avail[a] & avail[b]) - locked_slots[pid]
        if len(keys) > len(usable):
            one = len(keys) == 1
            free = f"only {counted(len(usable), 'free slot')}" if usable else "no free slot"
            report.reasons.append(
                f"{who(pid)} has {counted(len(keys), 'must-meet')} ({others}) but {free} shared with"
                f" {'that partner' if one else 'those partners'} — widen availability or drop"
                f" {'it' if one else f'{len(keys) - len(usable)} of them'}."
            )
    room = len(problem.slots) * problem.tables - len(locked)
    if len(possible) > room:
        kept = f", less {counted(len(locked), 'published meeting')}" if locked else ""
        report.reasons.append(
            f"the event has {counted(len(possible), 'must-meet')} but only {counted(room, 'free place')}"
            f" ({counted(len(problem.slots), 'slot')} × {counted(problem.tables, 'table')}{kept})"
            " — add tables or slots, or drop must-meets."
        )
    if report.reasons:
        logger.info("feasibility check found %s", counted(len(report.reasons), "problem"))
    return report


def must_meet_reason_after_solve(problem: SchedulingProblem, key: Pair) -> str:
    """The reason shown for a must-meet pair the solver could not place."""
    a, b = key
    common = sorted(availability(problem)[a] & availability(problem)[b])
    shown = ", ".join(common[:6]) + (", …" if len(common) > 6 else "")
    names = problem.names()
    return (
        f"must-meet {names.get(a, a)}–{names.get(b, b)} could not be placed together with the other"
        " must-meets and published meetings"
        f" (common slots: {shown}) — widen availability, add tables or slots,"
        " raise max_meetings, or drop this pair."
    )
