"""What the request guard's check for fields given twice costs a JSON body, against parsing it.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/bench_request_guard.py [--rounds 5]

The guard reads every JSON write under ``/api/v1`` before the app does (``repeated_fields``); the
baseline is ``json.loads`` of the same body, which the app does anyway. Bodies: a provider as the API
takes it, and objects of many fields (the shape a hostile client sends, up to the app's 1 MB body
limit). Medians of ``--rounds`` runs and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable

from matchmaker.web.request_guard import repeated_fields

PROVIDER = {
    "id": "prov-acme",
    "name": "Acme GIS",
    "country": "TR",
    "description": "Street addressing and GIS for municipalities. " * 20,
    "languages": ["en", "tr"],
    "regions_served": ["Western Balkans", "Türkiye"],
    "solutions": [
        {"title": f"Solution {i}", "description": "Names and numbers every street. " * 5, "domains": ["gis"]}
        for i in range(20)
    ],
}


def _median(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bodies = {"a provider (20 solutions)": json.dumps(PROVIDER).encode()}
    for fields in (5_000, 20_000, 40_000, 100_000):
        bodies[f"{fields:,} fields"] = ("{" + ",".join(f'"k{i}":0' for i in range(fields)) + "}").encode()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'body':<28}{'bytes':>10}{'json.loads ms':>15}{'guard ms':>10}{'ratio':>8}")
    for name, body in bodies.items():
        base = _median(lambda body=body: json.loads(body), args.rounds)  # type: ignore[misc]
        guard = _median(lambda body=body: repeated_fields(body), args.rounds)  # type: ignore[misc]
        print(f"{name:<28}{len(body):>10}{1000 * base:>15.2f}{1000 * guard:>10.2f}{guard / base:>8.2f}")


if __name__ == "__main__":
    main()
