"""The centroid signal's cost: a city's evidence with ``full`` against ``full`` without it, side by side.

Run from the repository root::

    .venv/bin/python bench/bench_centroid.py [--home DIR] [--rounds 5]

Without ``--home`` it ingests ``corpora/demo`` into a temporary home first. Each round computes
every city's evidence (needs against every candidate, all signals fused: the stage the signal is
added to) against the providers, the other cities and the cases, with the engine's caches cleared
before each, under each profile in turn, interleaved so that both share the machine's state. It
prints the median per query and the ratio ``full`` / ``-centroid`` (the baseline, the engine
before the signal).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matchmaker.embeddings.encoder import cpu_count
from matchmaker.embeddings.passages import DocKind
from matchmaker.matching.scoring import EngineConfig, profile
from support import demo_instance

KINDS: tuple[DocKind, ...] = ("provider", "city", "case")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an instance home that already holds the demo corpus")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    services, close = demo_instance(args.home)
    engine = services.matching.matcher().engine()
    engine.warm()
    cities = engine.kind("city").ids
    configs: dict[str, EngineConfig] = {"-centroid": profile("-centroid"), "full": profile("full")}
    times: dict[tuple[DocKind, str], list[float]] = {(k, name): [] for k in KINDS for name in configs}
    for _ in range(max(1, args.rounds)):
        for kind in KINDS:
            for name, cfg in configs.items():
                for city in cities:
                    engine.clear_caches()
                    t0 = time.perf_counter()
                    engine.city_evidence(city, kind, cfg)
                    times[(kind, name)].append((time.perf_counter() - t0) * 1000.0)
    print(f"machine: {platform.machine()}, {cpu_count()} cores, Python {platform.python_version()}")
    print(f"corpus: {len(cities)} cities; {max(1, args.rounds)} rounds, caches cleared before each")
    print()
    print("| one city's evidence against | `-centroid` median ms | `full` median ms | ratio |")
    print("|---|---:|---:|---:|")
    for kind in KINDS:
        before = statistics.median(times[(kind, "-centroid")])
        after = statistics.median(times[(kind, "full")])
        print(
            f"| {kind} ({len(engine.kind(kind).ids)}) | {before:.2f} | {after:.2f} | {after / before:.2f} |"
        )
    close()


if __name__ == "__main__":
    main()
