"""Benchmark the meeting scheduler against the greedy baseline and the LP bound, in one run.

Synthetic, seeded problems of 100, 300, 500 and 1,000 participants with 12 to 24 slots (random
scores, availability, maximums, requests, some must-meets and blocked pairs). Prints one row per
problem; never asserts.

    .venv/bin/python bench/bench_scheduling.py [--sizes 100,300,500,1000] [--workers 2] [--solver-seed 1]

The bound is the LP relaxation of pair selection with coverage (``matchmaker.scheduling.bound``):
each participant's maximum is min(max_meetings, available slots), at most slots × tables meetings,
must-meets held, every participant who can meet someone meets someone; slot timing is ignored, so
no covering schedule beats it. "+req" is the same bound with every accepted request held too.
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from datetime import datetime, timedelta
from typing import Any

from matchmaker.scheduling import (
    ScheduleResult,
    SchedulingProblem,
    greedy_schedule,
    parse_problem,
    solve_problem,
    verify_schedule,
)
from matchmaker.scheduling.bound import lp_bounds
from matchmaker.scheduling.encode import PENDING_BONUS, SCORE_SCALE, encode
from matchmaker.scheduling.problem import pair_key

SIZES = {100: 12, 300: 18, 500: 24, 1000: 24}


def make_problem(
    n: int, n_slots: int, seed: int, availability: tuple[float, float] = (0.5, 1.0)
) -> dict[str, Any]:
    """A synthetic problem: 60% cities, 40% providers, sparse scores, a few requests and must-meets.

    Each participant is available in a share of the slots drawn from ``availability``.
    """
    rng = random.Random(seed)
    start = datetime(2027, 3, 2, 9, 0)  # noqa: DTZ001  slot times are local, like the problem file
    slots = [
        {
            "id": f"s{k + 1}",
            "start": (start + timedelta(minutes=25 * k)).isoformat(),
            "end": (start + timedelta(minutes=25 * k + 20)).isoformat(),
        }
        for k in range(n_slots)
    ]
    n_cities = int(n * 0.6)
    people: list[dict[str, Any]] = []
    for k in range(n):
        side = "city" if k < n_cities else "provider"
        share = rng.uniform(*availability)
        avail = sorted(rng.sample(range(n_slots), max(2, round(share * n_slots))))
        person: dict[str, Any] = {
            "id": f"{side[0]}{k}",
            "side": side,
            "available": [f"s{s + 1}" for s in avail],
        }
        if rng.random() < 0.8:
            person["max_meetings"] = rng.randint(3, 8)
        people.append(person)
    cities = [p["id"] for p in people if p["side"] == "city"]
    providers = [p["id"] for p in people if p["side"] == "provider"]
    scores: dict[tuple[str, str], float] = {}
    for c in cities:
        # Some cities are niche: few scored partners, so a greedy schedule tends to leave them out.
        density = 0.03 if rng.random() < 0.15 else rng.uniform(0.1, 0.3)
        for p in providers:
            if rng.random() < density:
                scores[pair_key(c, p)] = round(rng.random() ** 1.5, 3)
        for c2 in rng.sample(cities, 3):
            if c2 != c and rng.random() < 0.5:
                scores[pair_key(c, c2)] = round(0.6 * rng.random(), 3)
    scored = sorted(k for k in scores if k[0][0] != k[1][0])
    picks = rng.sample(scored, n // 25 + n // 5)
    must = [list(k) for k in picks[: n // 25]]
    requests = [
        {
            "from": k[1],
            "to": k[0],
            "status": rng.choice(["accepted", "pending", "pending", "declined", "expired"]),
        }
        for k in picks[n // 25 :]
    ]
    blocked = [list(k) for k in rng.sample([k for k in scored if list(k) not in must], n // 50)]
    return {
        "slots": slots,
        "tables": max(4, n // 8),
        "participants": people,
        "scores": [{"a": a, "b": b, "score": s} for (a, b), s in sorted(scores.items())],
        "requests": requests,
        "must_meet": must,
        "blocked": blocked,
    }


def pending_pairs(problem: SchedulingProblem) -> set[tuple[str, str]]:
    """Pairs whose strongest request is pending (the encoder's rule): they weigh PENDING_BONUS more."""
    rank = {"accepted": 3, "declined": 2, "pending": 1, "expired": 0}
    best: dict[tuple[str, str], str] = {}
    for r in problem.requests:
        key = pair_key(r.sender, r.recipient)
        if key not in best or rank[r.status] > rank[best[key]]:
            best[key] = r.status
    return {k for k, status in best.items() if status == "pending"}


def objective(result: ScheduleResult, pending: set[tuple[str, str]]) -> float:
    """The score level of the scheduler's objective: match scores plus the pending-request bonus.

    Both schedules are judged by this same function; the levels above it (must-meets held,
    participants covered, accepted requests held) are reported in their own columns.
    """
    return sum(m.score + (PENDING_BONUS if m.pair in pending else 0.0) for m in result.meetings)


def lp_bounds_for(problem: SchedulingProblem) -> tuple[float, float]:
    """The LP bound with coverage, without and with accepted requests held (score units)."""
    inp = encode(problem, max_variables=10**12).inp
    bounds = lp_bounds(inp)
    return bounds[0].value / SCORE_SCALE, bounds[-1].value / SCORE_SCALE


def violations(problem: SchedulingProblem, result: ScheduleResult) -> int:
    """Hard-rule violations plus must-meets not held plus accepted requests not held."""
    broken = len(verify_schedule(problem, result.meetings))
    s = result.stats
    return (
        broken
        + (s.must_meet_total - s.must_meet_scheduled)
        + (s.accepted_requests_total - s.accepted_requests_scheduled)
    )


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--time-limit", type=float, default=None, help="default: 30 s, 60 s above 500")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sizes", default="100,300,500,1000")
    parser.add_argument("--seed", type=int, default=7, help="instance seed")
    parser.add_argument("--solver-seed", type=int, default=None, help="deterministic solver run")
    parser.add_argument(
        "--availability",
        default="0.5,1.0",
        help="range of the share of slots each participant attends (tighter: 0.25,0.6)",
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    low, high = (float(x) for x in args.availability.split(","))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)

    header = (
        f"{'n':>5} {'slots':>5} {'tables':>6} {'pairs':>6} {'bound':>8} {'+req':>8} {'product':>8} "
        f"{'p/bound':>7} {'p/+req':>7} {'greedy':>8} {'g/bound':>7} {'left out g/p':>12} "
        f"{'min mtg g/p':>11} {'accepted g/p/all':>16} {'must g/p/all':>12} {'viol g/p':>8} "
        f"{'status':>8} {'time s':>6}"
    )
    print(header)
    print("-" * len(header))
    for n in (int(x) for x in args.sizes.split(",")):
        n_slots = SIZES.get(n, 24)
        limit = args.time_limit if args.time_limit is not None else (30.0 if n <= 500 else 60.0)
        problem = parse_problem(make_problem(n, n_slots, args.seed + n, (low, high)))
        greedy = greedy_schedule(problem)  # the baseline sees every pair
        started = time.perf_counter()
        # Not strict: a generated must-meet may be impossible (no common slot); it is then reported
        # and counted as not held, for greedy too.
        result = solve_problem(
            problem, time_limit=limit, workers=args.workers, seed=args.solver_seed, strict_must_meet=False
        )
        elapsed = time.perf_counter() - started
        bound, bound_req = lp_bounds_for(problem)
        pending = pending_pairs(problem)
        g_obj, s_obj = objective(greedy, pending), objective(result, pending)
        s, g = result.stats, greedy.stats
        left_out = f"{len(g.unmatched_participants)}/{len(s.unmatched_participants)}"
        accepted = (
            f"{g.accepted_requests_scheduled}/{s.accepted_requests_scheduled}/{s.accepted_requests_total}"
        )
        must = f"{g.must_meet_scheduled}/{s.must_meet_scheduled}/{s.must_meet_total}"
        viol = f"{violations(problem, greedy)}/{violations(problem, result)}"
        print(
            f"{n:>5} {n_slots:>5} {problem.tables:>6} {s.candidate_pairs:>6} {bound:>8.2f} {bound_req:>8.2f} "
            f"{s_obj:>8.2f} {s_obj / bound:>7.2%} {s_obj / bound_req:>7.2%} {g_obj:>8.2f} "
            f"{g_obj / bound:>7.2%} {left_out:>12} "
            f"{f'{g.min_meetings_active}/{s.min_meetings_active}':>11} {accepted:>16} {must:>12} "
            f"{viol:>8} {s.status:>8} {elapsed:>6.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
