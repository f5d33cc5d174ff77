"""Single pair scores asked with cities and providers in turn: this tree against a baseline tree.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/bench_pair_cache.py --baseline ../main/src [--sizes 300] \
        [--rounds 3] [--keep DIR]

For each size N it builds a home of N cities and N providers as ``bench_schedule_scoring.py`` does
(``--keep DIR`` keeps it and reuses it later). Each tree (``--baseline SRC`` and this one) then runs
in a process of its own, with its ``src`` on ``PYTHONPATH``: a fresh matcher, its engine built and
warm, asks :meth:`Matcher.pair_score` once for every pair a schedule asks, participants interleaved
(a city, a provider, a city...), which reads each city's provider and city scores in turn. The trees
take turns, round after round. The table gives each tree's median seconds, its ratio to the
baseline, the rankings it computed (each city has two), the MiB the matcher still holds at the end
beyond itself and its engine (its cache of scores; one untimed pass under tracemalloc) and the pairs
whose score differs from the baseline's (every pair's score is written to JSON by each process and
compared). BLAS is pinned to one thread, as in the server; hashing encoders (384-d) by default.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import statistics
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matchmaker.threads import pin_blas_threads

pin_blas_threads(1)

from bench_schedule_scoring import _fresh_matcher, _home, _pairs  # noqa: E402
from support import run_in_tree  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _counting(engine: Any, counts: Counter[str]) -> None:
    """Count the rankings ``engine`` computes for pair scores (its two ranking methods, wrapped)."""
    for name in ("rank_providers_for_city", "rank_cities_for_city"):
        method = getattr(engine, name)

        def counted(city_id: str, *args: Any, _method: Callable[..., Any] = method, _name: str = name) -> Any:
            counts[_name] += 1
            return _method(city_id, *args)

        setattr(engine, name, counted)


def _worker(home: Path, model: str, multilingual: str, out: Path, memory: bool) -> None:
    """One tree's timed pass over ``home`` (and with ``memory`` an untimed one under tracemalloc);
    the figures and every pair's score written to ``out`` as JSON."""
    from matchmaker.settings import Settings

    settings = Settings(home=home, model_name=model, multilingual_model=multilingual)
    matcher, close = _fresh_matcher(settings)
    engine = matcher.engine()
    pairs = _pairs(list(engine.kind("city").ids), list(engine.kind("provider").ids), "interleaved")
    counts: Counter[str] = Counter()
    _counting(engine, counts)
    t0 = time.perf_counter()
    scores = [matcher.pair_score(a, b) for a, b in pairs]
    seconds = time.perf_counter() - t0
    close()
    kept = None
    if memory:
        matcher, close = _fresh_matcher(settings)
        gc.collect()
        tracemalloc.start()
        for a, b in pairs:
            matcher.pair_score(a, b)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] / 2**20
        tracemalloc.stop()
        close()
    figures = {"seconds": seconds, "rankings": sum(counts.values()), "kept": kept}
    body = {"figures": figures, "scores": [[a, b, s] for (a, b), s in zip(pairs, scores, strict=True)]}
    out.write_text(json.dumps(body), encoding="utf-8")


def _run_tree(src: Path, home: Path, args: argparse.Namespace, out: Path, memory: bool) -> dict[str, Any]:
    """Run :func:`_worker` for the tree ``src`` in a process of its own; what it wrote."""
    arguments = [str(home), "--model", args.model, "--multilingual", args.multilingual]
    return run_in_tree(src, __file__, [*arguments, *(["--memory"] if memory else [])], out)


def _differ(a: list[list[Any]], b: list[list[Any]]) -> int:
    kept = {(x, y): s for x, y, s in a}
    other = {(x, y): s for x, y, s in b}
    return sum(1 for pair in kept.keys() | other.keys() if kept.get(pair, -1.0) != other.get(pair, -1.0))


def run(n: int, args: argparse.Namespace, trees: dict[str, Path]) -> list[dict[str, Any]]:
    """Each tree's figures over ``n`` cities and ``n`` providers."""
    home, remove = _home(n, args.model, args.multilingual, args.keep)
    seconds: dict[str, list[float]] = {label: [] for label in trees}
    last: dict[str, dict[str, Any]] = {}
    kept: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pair-cache-") as tmp:
            for r in range(args.rounds):
                for label in sorted(trees, reverse=r % 2 == 1):
                    out = Path(tmp) / f"{label.replace(' ', '-')}.json"
                    result = _run_tree(trees[label], home, args, out, memory=r == 0)
                    seconds[label].append(result["figures"]["seconds"])
                    if r == 0:
                        kept[label] = result["figures"]["kept"]
                    last[label] = result
                said = ", ".join(f"{label} {seconds[label][-1]:.2f} s" for label in trees)
                print(f"N={n} round {r + 1}: {said}", flush=True)
    finally:
        remove()
    base = next(iter(trees))
    base_median = statistics.median(seconds[base])
    rows = []
    for label in trees:
        median = statistics.median(seconds[label])
        rows.append(
            {
                "n": n,
                "tree": label,
                "pairs": len(last[label]["scores"]),
                "seconds": median,
                "ratio": base_median / median,
                "rankings": last[label]["figures"]["rankings"],
                "kept": kept[label],
                "differ": _differ(last[base]["scores"], last[label]["scores"]),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300], help="N: cities and providers each")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each tree per size")
    parser.add_argument("--baseline", type=Path, help="another source tree to compare with")
    parser.add_argument("--model", default="hashing-384", help="encoder name")
    parser.add_argument("--multilingual", default="hashing-384", help="multilingual encoder name")
    parser.add_argument("--keep", type=Path, help="keep each size's ingested home here and reuse it")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.worker is not None:
        _worker(args.worker, args.model, args.multilingual, args.out, args.memory)
        return
    args.keep = args.keep.resolve() if args.keep is not None else None
    args.rounds = max(1, args.rounds)
    trees = {"this tree": ROOT / "src"}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    rows = [row for n in args.sizes for row in run(n, args, trees)]
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"encoders {args.model}, {args.multilingual}; participants interleaved; "
        f"medians of {args.rounds} rounds; 1 BLAS thread; load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print(
        "| N | pairs | tree | one at a time s | baseline / tree | rankings computed | kept at the end MiB"
        " | scores differ |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['n']} | {row['pairs']:,} | {row['tree']} | {row['seconds']:.2f} | {row['ratio']:.1f}× "
            f"| {row['rankings']:,} | {row['kept']:.1f} | {row['differ']} |"
        )
    if any(row["differ"] for row in rows):
        raise SystemExit("the trees gave different scores")


if __name__ == "__main__":
    main()
