"""Matching benchmark: warm latency of the five queries over the demo corpus.

Run from the repository root::

    .venv/bin/python bench/bench_matching.py [--home DIR] [--rounds 5]

Without ``--home`` it ingests ``corpora/demo`` into a temporary home first (about two minutes on
2 cores: every passage is embedded). With ``--home`` it uses an instance that already holds the demo
corpus (``MATCHMAKER_HOME=DIR matchmaker ingest corpora/demo``).

It prints the engine start-up time (tags, contexts, BM25 indexes, glosses) and, once warm, the
median and p95 latency of each service call (top 10 with explanations, as the CLI and the API ask),
each city asked ``--rounds`` times. A city → provider query is the figure the issue asks for.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matchmaker.embeddings.encoder import cpu_count
from support import demo_instance


def _timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out: list[float] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def _row(name: str, samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return f"| {name} | {len(samples)} | {statistics.median(samples):.1f} | {p95:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an instance home that already holds the demo corpus")
    parser.add_argument("--rounds", type=int, default=5, help="times each query is asked")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    services, close = demo_instance(args.home)

    matcher = services.matching.matcher()
    t0 = time.perf_counter()
    _ = matcher.encoder
    model_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = matcher.engine()
    engine.warm()
    warm_s = time.perf_counter() - t0
    cities = engine.kind("city").ids
    providers = engine.kind("provider").ids
    # First queries build the per-configuration city-city matrix; keep them out of the figures.
    matcher.cities_for_city(cities[0])
    matcher.search_cases("warm-up")

    rounds = max(1, args.rounds)

    def cold(city: str) -> None:
        engine.clear_caches()
        matcher.providers_for_city(city)

    rows = [
        _row(
            "providers for a city, first time (nothing cached)",
            [t for c in cities for t in _timed(lambda c=c: cold(c), 1)],
        ),
        _row(
            "providers for a city (service, top 10, explanations)",
            [t for c in cities for t in _timed(lambda c=c: matcher.providers_for_city(c), rounds)],
        ),
        _row(
            "providers for a city (engine ranking only)",
            [t for c in cities for t in _timed(lambda c=c: engine.providers_for_city(c), rounds)],
        ),
        _row(
            "comparable and mentor cities for a city",
            [t for c in cities for t in _timed(lambda c=c: matcher.cities_for_city(c), rounds)],
        ),
        _row(
            "cities for a provider",
            [t for p in providers[:20] for t in _timed(lambda p=p: matcher.cities_for_provider(p), 1)],
        ),
        _row(
            "case studies for a city",
            [t for c in cities for t in _timed(lambda c=c: matcher.cases_for_city(c), rounds)],
        ),
        _row(
            "free-text case search (encodes the query)",
            _timed(
                lambda: matcher.search_cases("streets without names and houses without numbers"), 5 * rounds
            ),
        ),
    ]
    print(f"machine: {platform.machine()}, {cpu_count()} cores, Python {platform.python_version()}")
    print(f"model load: {model_s:.1f} s; engine start-up (profiles, tags, BM25, glosses): {warm_s:.1f} s")
    print(f"corpus: {len(cities)} cities, {len(providers)} providers, {len(engine.kind('case').ids)} cases")
    print()
    print("| query | runs | median ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(row)
    close()


if __name__ == "__main__":
    main()
