"""How long a plan takes against its time limit on very large events, with the LP bound kept to the
limit and, as before, waited for however long it takes; side by side in one run.

The bound (``matchmaker.scheduling.bound``) is solved beside the search. On events of thousands of
participants its LP can take longer than the whole search: the plan then waited for it. With the limit
the bound stops, the plan is returned, and its statistics say the bound was not computed in time.

    .venv/bin/python bench/bench_bound_time.py [--sizes 1000,2000,3000] [--time-limit 5] [--slots 24]

Prints one row per size and variant (wall seconds, seconds over the limit, the bound's status, the
score); never asserts.
"""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

from bench_scheduling import make_problem
from matchmaker.scheduling import parse_problem, service, solve_problem
from matchmaker.scheduling.bound import Bound, lp_bounds


def _unbounded(*args: Any, time_limit: float | None = None, **kw: Any) -> list[Bound]:
    """The bound as it was solved before it had a limit of its own."""
    del time_limit
    return lp_bounds(*args, **kw)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,2000,3000")
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--slots", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    header = (
        f"{'size':>5} {'variant':<16} {'wall s':>7} {'over s':>7} {'ratio':>6} {'bound':>11} {'score':>10}"
    )
    print(header)
    print("-" * len(header))
    for n in (int(x) for x in args.sizes.split(",")):
        problem = parse_problem(make_problem(n, args.slots, 7 + n))
        walls: dict[str, float] = {}
        for variant, bound in (("waits for bound", _unbounded), ("bound in limit", lp_bounds)):
            service.lp_bounds = bound  # type: ignore[assignment]
            started = time.perf_counter()
            result = solve_problem(problem, time_limit=args.time_limit, workers=args.workers)
            wall = walls[variant] = time.perf_counter() - started
            ratio = wall / walls["waits for bound"]
            print(
                f"{n:>5} {variant:<16} {wall:>7.1f} {wall - args.time_limit:>7.1f} {ratio:>6.2f} "
                f"{result.stats.lp_bound_status:>11} {result.objective:>10.2f}",
                flush=True,
            )
    service.lp_bounds = lp_bounds  # type: ignore[assignment]


if __name__ == "__main__":
    main()
