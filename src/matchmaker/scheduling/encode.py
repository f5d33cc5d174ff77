"""Encode a :class:`SchedulingProblem` into the solver's arrays.

Candidate pairs are the pairs with a score, an accepted or pending request, a must-meet, or a locked
meeting. When the file lacks a score for a pair, the caller's ``score_lookup`` (for example the
matcher) is asked; a pair with neither a score nor a request is not a candidate.

Rules applied here:

- only city–provider and city–city pairs; provider–provider pairs are never candidates;
- blocked pairs are never candidates; a declined request removes the pair unless staff made it a
  must-meet;
- a pending request makes the pair a candidate and adds :data:`PENDING_BONUS` to its weight;
  accepted requests get their own objective level (see :mod:`matchmaker.scheduling.solver`);
- with ``max_variables``, large problems can be pruned to each participant's best ``top_k`` pairs,
  always keeping must-meets, accepted requests and locked meetings. The scheduler itself does not
  prune (its first stage and the bound see every pair); pruning is for callers that run CP-SAT on
  the whole model.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

from matchmaker.scheduling.core import SolverInput
from matchmaker.scheduling.problem import Pair, Placement, SchedulingProblem, pair_key

logger = logging.getLogger(__name__)

#: ``score_lookup(a_id, b_id)``: the match score of a pair, or None when there is none.
ScoreLookup = Callable[[str, str], float | None]

#: Scores are turned into integers for CP-SAT at this resolution.
SCORE_SCALE = 1000
#: Added to the score of a pair with a pending request (not shown in the reported score).
PENDING_BONUS = 0.1
#: Above this many ``x[pair, slot]`` variables the candidate pairs are pruned.
DEFAULT_MAX_VARIABLES = 60_000
#: Smallest number of best pairs kept per participant when pruning.
MIN_TOP_K = 6

Kind = Literal["must_meet", "locked", "accepted_request", "pending_request", "score"]


@dataclass(frozen=True)
class Candidate:
    """A pair that may meet; ``a`` is the city when a city meets a provider."""

    a: str
    b: str
    score: float
    reason: str | None
    must: bool = False
    accepted: bool = False
    pending: bool = False
    locked: bool = False

    @property
    def kind(self) -> Kind:
        """Why the pair is on the schedule, strongest reason first."""
        if self.must:
            return "must_meet"
        if self.locked:
            return "locked"
        if self.accepted:
            return "accepted_request"
        if self.pending:
            return "pending_request"
        return "score"

    @property
    def key(self) -> Pair:
        """Order-free key of the pair."""
        return pair_key(self.a, self.b)


@dataclass
class Encoded:
    """The solver input together with everything needed to decode its answer."""

    problem: SchedulingProblem
    participant_ids: list[str]
    slot_ids: list[str]
    candidates: list[Candidate]
    inp: SolverInput
    fixed_tables: dict[tuple[int, int], int] = field(default_factory=dict)
    preferred_tables: dict[tuple[int, int], int] = field(default_factory=dict)
    previous: dict[int, int] = field(default_factory=dict)
    dropped_locked: list[tuple[Placement, str]] = field(default_factory=list)
    pruned_pairs: int = 0


def allowed_sides(side_a: str, side_b: str) -> bool:
    """Meetings pair a city with a provider, or two cities; never two providers."""
    return not (side_a == "provider" and side_b == "provider")


def capacities(problem: SchedulingProblem) -> dict[str, int]:
    """Most meetings each participant can have: its maximum, bounded by its available slots."""
    n_slots = len(problem.slots)
    out: dict[str, int] = {}
    for p in problem.participants:
        slots = n_slots if p.available is None else len(set(p.available))
        out[p.id] = slots if p.max_meetings is None else min(p.max_meetings, slots)
    return out


def availability(problem: SchedulingProblem) -> dict[str, frozenset[str]]:
    """Slot ids each participant can attend."""
    every = frozenset(s.id for s in problem.slots)
    return {p.id: every if p.available is None else frozenset(p.available) for p in problem.participants}


def locked_problems(problem: SchedulingProblem) -> list[tuple[Placement, str]]:
    """Locked meetings that can no longer be kept, each with the reason."""
    sides = {p.id: p.side for p in problem.participants}
    avail = availability(problem)
    slot_ids = {s.id for s in problem.slots}
    blocked = {pair_key(a, b) for a, b in problem.blocked}
    out: list[tuple[Placement, str]] = []
    for m in problem.locked:
        missing = [pid for pid in (m.a, m.b) if pid not in sides]
        if missing:
            out.append((m, f"{', '.join(repr(x) for x in missing)} no longer takes part"))
        elif m.slot not in slot_ids:
            out.append((m, f"slot {m.slot!r} no longer exists"))
        elif m.table > problem.tables:
            out.append((m, f"table {m.table} no longer exists (tables: {problem.tables})"))
        elif not allowed_sides(sides[m.a], sides[m.b]):
            out.append((m, "two providers cannot meet"))
        elif m.pair in blocked:
            out.append((m, "the pair is now blocked"))
        else:
            away = [pid for pid in (m.a, m.b) if m.slot not in avail[pid]]
            if away:
                out.append((m, f"{', '.join(repr(x) for x in away)} is no longer available in {m.slot!r}"))
    return out


def encode(
    problem: SchedulingProblem,
    *,
    score_lookup: ScoreLookup | None = None,
    keep_locked: bool = True,
    exclude_must: Collection[Pair] = (),
    max_variables: int = DEFAULT_MAX_VARIABLES,
) -> Encoded:
    """Build the solver input for ``problem``.

    ``exclude_must`` lists must-meet pairs (keys) to leave out because they cannot be held at all.
    With ``keep_locked`` the still-valid locked meetings become fixed; otherwise they only guide
    the solver (same tables where possible). Locked meetings that became invalid are dropped and
    reported in :attr:`Encoded.dropped_locked`.
    """
    people = [p.id for p in problem.participants]
    slots = [s.id for s in problem.slots]
    pidx = {pid: i for i, pid in enumerate(people)}
    sidx = {sid: i for i, sid in enumerate(slots)}
    sides = {p.id: p.side for p in problem.participants}
    avail = availability(problem)
    cap = capacities(problem)
    blocked = {pair_key(a, b) for a, b in problem.blocked}
    exclude = set(exclude_must)
    must = {pair_key(a, b) for a, b in problem.must_meet} - exclude

    scores: dict[Pair, tuple[float, str | None]] = {}
    for s in problem.scores or []:
        scores[pair_key(s.a, s.b)] = (s.score, s.reason)
    status: dict[Pair, str] = {}
    rank = {"accepted": 3, "declined": 2, "pending": 1, "expired": 0}
    for r in problem.requests:
        key = pair_key(r.sender, r.recipient)
        if key not in status or rank[r.status] > rank[status[key]]:
            status[key] = r.status

    dropped = locked_problems(problem)
    dropped_ids = {id(m) for m, _ in dropped}
    valid_locked = [m for m in problem.locked if id(m) not in dropped_ids]
    locked_keys = {m.pair for m in valid_locked} if keep_locked else set()

    def usable(key: Pair) -> bool:
        a, b = key
        return allowed_sides(sides[a], sides[b]) and key not in blocked

    keys: set[Pair] = {k for k in scores if usable(k)}
    keys |= {k for k, st in status.items() if st in ("accepted", "pending") and usable(k)}
    keys |= {k for k in must if usable(k)}
    keys |= locked_keys
    if score_lookup is not None:
        keys |= _looked_up(people, sides, blocked, scores, score_lookup)
    keys = {k for k in keys if k in must or k in locked_keys or status.get(k) != "declined"}

    candidates: list[Candidate] = []
    for key in sorted(keys):
        a, b = key
        if sides[a] == "provider" and sides[b] == "city":
            a, b = b, a
        score, reason = scores.get(key, (0.0, None))
        candidates.append(
            Candidate(
                a=a,
                b=b,
                score=score,
                reason=reason,
                must=key in must,
                accepted=status.get(key) == "accepted",
                pending=status.get(key) == "pending",
                locked=key in locked_keys,
            )
        )

    available_idx = [frozenset(sidx[s] for s in avail[pid]) for pid in people]
    candidates, pruned = _prune(candidates, pidx, available_idx, cap, max_variables)
    pairs = [(pidx[c.a], pidx[c.b]) for c in candidates]
    weights = [_weight(c) for c in candidates]
    by_key = {c.key: n for n, c in enumerate(candidates)}

    fixed: list[tuple[int, int]] = []
    fixed_tables: dict[tuple[int, int], int] = {}
    preferred: dict[tuple[int, int], int] = {}
    previous: dict[int, int] = {}
    for m in valid_locked:
        n = by_key.get(m.pair)
        if n is None:
            continue
        key_ps = (n, sidx[m.slot])
        previous[n] = sidx[m.slot]
        if keep_locked:
            fixed.append(key_ps)
            fixed_tables[key_ps] = m.table
        else:
            preferred[key_ps] = m.table

    inp = SolverInput(
        n_participants=len(people),
        n_slots=len(slots),
        tables=problem.tables,
        available=available_idx,
        capacity=[cap[pid] for pid in people],
        pairs=pairs,
        weights=weights,
        accepted=[c.accepted for c in candidates],
        must=[c.must for c in candidates],
        fixed=fixed,
    )
    logger.info(
        "encoded %d participants, %d slots, %d candidate pairs (%d pruned), %d fixed",
        len(people),
        len(slots),
        len(candidates),
        pruned,
        len(fixed),
    )
    return Encoded(
        problem=problem,
        participant_ids=people,
        slot_ids=slots,
        candidates=candidates,
        inp=inp,
        fixed_tables=fixed_tables,
        preferred_tables=preferred,
        previous=previous,
        dropped_locked=dropped,
        pruned_pairs=pruned,
    )


def _weight(c: Candidate) -> int:
    bonus = PENDING_BONUS if c.pending else 0.0
    return max(0, round((c.score + bonus) * SCORE_SCALE))


def _looked_up(
    people: list[str],
    sides: Mapping[str, str],
    blocked: set[Pair],
    scores: dict[Pair, tuple[float, str | None]],
    lookup: ScoreLookup,
) -> set[Pair]:
    found: set[Pair] = set()
    isfinite = math.isfinite
    for n, a in enumerate(people):
        a_provider = sides[a] == "provider"
        for b in people[n + 1 :]:
            if a_provider and sides[b] == "provider":  # never two providers (allowed_sides)
                continue
            key = (a, b) if a <= b else (b, a)  # pair_key, written out: it runs for every pair
            if key in scores or key in blocked:
                continue
            value = lookup(a, b)
            if value is not None and isfinite(value):
                scores[key] = (float(value), None)
                found.add(key)
    return found


def _prune(
    candidates: list[Candidate],
    pidx: dict[str, int],
    available: list[frozenset[int]],
    cap: dict[str, int],
    max_variables: int,
) -> tuple[list[Candidate], int]:
    """Keep each participant's best pairs until the model fits ``max_variables``."""

    def size(c: Candidate) -> int:
        return len(available[pidx[c.a]] & available[pidx[c.b]])

    slots = max((len(a) for a in available), default=0)
    if len(candidates) * slots <= max_variables:  # no pair has more variables than slots
        return candidates, 0
    sizes = [size(c) for c in candidates]
    if sum(sizes) <= max_variables:
        return candidates, 0
    protected = [c.must or c.accepted or c.locked for c in candidates]
    ranked: dict[str, list[int]] = {}
    for n in sorted(range(len(candidates)), key=lambda n: -_weight(candidates[n])):
        if sizes[n]:
            ranked.setdefault(candidates[n].a, []).append(n)
            ranked.setdefault(candidates[n].b, []).append(n)
    top_k = max(MIN_TOP_K, 3 * max(cap.values(), default=1))
    while True:
        keep = {n for n, prot in enumerate(protected) if prot}
        for pid, order in ranked.items():
            keep.update(order[: max(1, min(top_k, 3 * cap[pid]))] if cap[pid] else [])
        total = sum(sizes[n] for n in keep)
        if total <= max_variables or top_k <= MIN_TOP_K:
            break
        top_k = max(MIN_TOP_K, int(top_k * 0.8))
    kept = [candidates[n] for n in sorted(keep)]
    logger.info(
        "pruned candidate pairs to each participant's best %d: %d of %d kept",
        top_k,
        len(kept),
        len(candidates),
    )
    return kept, len(candidates) - len(kept)
