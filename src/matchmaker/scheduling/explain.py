"""Why a participant has fewer meetings than its maximum, and the gap in words.

:func:`shortfalls` looks at every participant with fewer meetings than it may have (its
``max_meetings``, or every slot it can attend when it has none) and gives the reasons, strongest
first, as codes with a sentence:

- ``availability``: its own available slots are fewer than its maximum;
- ``no_candidates``: it has fewer scored or requested partners than its maximum;
- ``blocked_pairs``: staff blocked some of its pairs (they are not candidates);
- ``no_availability_overlap``: some candidates share no available slot with it;
- ``partners_at_cap``: some candidates already have all the meetings they may have;
- ``busy_in_common_slots``: in every slot it shares with a candidate, one of the two is already in
  another meeting;
- ``tables_full``: the only slots where both are free have every table taken;
- ``better_pairs_elsewhere``: a meeting would fit, but only by giving up a better one (the
  schedule's objective chose the others).

:func:`describe_gap` turns the statistics into the sentence the console shows after a plan.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from pydantic import BaseModel, Field

from matchmaker.scheduling.core import BOUND_TIME_LIMIT, SolverInput
from matchmaker.scheduling.problem import SchedulingProblem, pair_key
from matchmaker.wording import counted

logger = logging.getLogger(__name__)


def _candidates(n: int, one: str, many: str) -> str:
    """``n`` candidates and the rest of the sentence, its verb agreeing (``one`` for 1, else ``many``)."""
    return f"{counted(n, 'candidate')} {one if n == 1 else many}"


_SENTENCES: dict[str, Callable[[int], str]] = {
    "availability": lambda n: f"available in only {counted(n, 'slot')}",
    "no_candidates": lambda n: (
        f"only {counted(n, 'candidate partner')} with a score or request"
        if n
        else "no candidate partner with a score or request"
    ),
    "blocked_pairs": lambda n: f"{counted(n, 'pair')} blocked by staff",
    "no_availability_overlap": lambda n: _candidates(
        n, "shares no available slot with it", "share no available slot with it"
    ),
    "partners_at_cap": lambda n: _candidates(
        n, "already has all the meetings it may have", "already have all the meetings they may have"
    ),
    "busy_in_common_slots": lambda n: _candidates(
        n, "is busy (or it is) in every shared slot", "are busy (or it is) in every shared slot"
    ),
    "tables_full": lambda n: f"{counted(n, 'candidate')} could only meet in slots whose tables are all taken",
    "better_pairs_elsewhere": lambda n: (
        f"{counted(n, 'candidate meeting')} would fit only by dropping better-scored ones"
    ),
}


class Shortfall(BaseModel):
    """A participant with fewer meetings than its maximum, and why."""

    participant: str
    meetings: int
    maximum: int
    reasons: dict[str, int] = Field(default_factory=dict)
    text: str = ""


def shortfalls(
    problem: SchedulingProblem,
    inp: SolverInput,
    participant_ids: Sequence[str],
    assignment: Sequence[tuple[int, int]],
) -> list[Shortfall]:
    """Every participant below its maximum, with the reasons (see the module docstring)."""
    n_slots = len(problem.slots)
    blocked: dict[str, int] = {}
    for a, b in {pair_key(a, b) for a, b in problem.blocked}:
        blocked[a] = blocked.get(a, 0) + 1
        blocked[b] = blocked.get(b, 0) + 1
    count = [0] * inp.n_participants
    busy: set[tuple[int, int]] = set()
    per_slot = [0] * inp.n_slots
    held: set[int] = set()
    for p, s in assignment:
        held.add(p)
        per_slot[s] += 1
        for k in inp.pairs[p]:
            count[k] += 1
            busy.add((k, s))
    candidates: list[list[int]] = [[] for _ in range(inp.n_participants)]
    for p, (i, j) in enumerate(inp.pairs):
        candidates[i].append(p)
        candidates[j].append(p)
    out: list[Shortfall] = []
    for k, pid in enumerate(participant_ids):
        person = problem.participant(pid)
        slots = n_slots if person.available is None else len(set(person.available))
        maximum = person.max_meetings if person.max_meetings is not None else slots
        if count[k] >= maximum:
            continue
        reasons: dict[str, int] = {}
        if slots < maximum:
            reasons["availability"] = slots
        if len(candidates[k]) < maximum:
            reasons["no_candidates"] = len(candidates[k])
        if blocked.get(pid):
            reasons["blocked_pairs"] = blocked[pid]
        for p in candidates[k]:
            if p in held:
                continue
            why = _pair_reason(inp, p, k, count=count, busy=busy, per_slot=per_slot)
            reasons[why] = reasons.get(why, 0) + 1
        out.append(
            Shortfall(
                participant=pid, meetings=count[k], maximum=maximum, reasons=reasons, text=_text(reasons)
            )
        )
    return out


def _pair_reason(
    inp: SolverInput, p: int, k: int, *, count: list[int], busy: set[tuple[int, int]], per_slot: list[int]
) -> str:
    i, j = inp.pairs[p]
    other = j if i == k else i
    common = inp.common_slots(p)
    if not common:
        return "no_availability_overlap"
    if count[other] >= inp.capacity[other]:
        return "partners_at_cap"
    free = [s for s in common if (i, s) not in busy and (j, s) not in busy]
    if not free:
        return "busy_in_common_slots"
    if all(per_slot[s] >= inp.tables for s in free):
        return "tables_full"
    return "better_pairs_elsewhere"


def _text(reasons: Mapping[str, int]) -> str:
    return "; ".join(_SENTENCES[code](n) for code, n in reasons.items()) or "no reason found"


def describe_gap(stats: Mapping[str, object] | BaseModel) -> str:
    """The gap of a schedule in words, e.g. ``"within 0.6% of the best possible"``.

    Reads ``lp_bound_status``, ``gap`` and ``gap_with_requests`` from the schedule statistics (a
    :class:`~matchmaker.scheduling.result.ScheduleStats` or its ``model_dump()``).
    """
    data = stats.model_dump() if isinstance(stats, BaseModel) else dict(stats)
    status = data.get("lp_bound_status")
    gap = data.get("gap")
    if status == BOUND_TIME_LIMIT:
        return (
            "no bound was computed within the time limit, so how close this schedule is to the best"
            " possible is not known"
        )
    if status != "OPTIMAL" or not isinstance(gap, int | float):
        return "no bound was computed for this schedule"
    rules = data.get("gap_with_requests")
    with_requests = isinstance(rules, int | float) and rules < gap - 0.0005
    if gap <= 0.0005:
        return "the best possible"
    if with_requests and isinstance(rules, int | float) and rules <= 0.0005:
        return (
            "the best possible while holding every accepted request"
            f" (within {gap:.1%} of the bound that ignores requests)"
        )
    text = f"within {gap:.1%} of the best possible"
    if with_requests and isinstance(rules, int | float):
        text += f" ({rules:.1%} of the best that also holds every accepted request)"
    return text
