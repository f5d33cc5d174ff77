"""Scoring every pair a schedule needs: one pair at a time against the whole problem at once.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/bench_schedule_scoring.py [--sizes 100 250 500] [--rounds 3]

For each size N it writes N cities and N providers (``corpora/tools/synthesize.py`` copies of the
demo, varied text, trimmed to N each, with the case studies of the cities kept), ingests them into a
temporary home as ``matchmaker ingest`` does, and then times what ``matchmaker schedule`` does for a
problem file without ``scores`` over all 2N participants: a score for every city–provider and
city–city pair,

* the old way: :meth:`Matcher.pair_score` asked once per pair, in the order the scheduler asks
  (participants as the problem file lists them: every city, then every provider; with
  ``--order interleaved`` a city, a provider, a city...);
* the new way: :meth:`Matcher.pair_scores` for the participants at once (what the schedule path
  uses now).

Each round starts from a fresh matcher with its engine built and warm (as a command has it before
the scheduler asks), so neither side reuses the other's rankings. It checks that both ways give
the same score for every pair (they are rounded to 6 decimals) and prints the medians and their
ratio. ``--keep DIR`` keeps each size's home and reuses it later. ``--scores-file FILE`` writes
every pair's score (``FILE`` with ``-N`` added to its name, one per size), or, when that file
exists, counts the pairs whose score differs from it: run one tree and then another on the same
kept homes to see that a change leaves every score as it was. BLAS is pinned to one thread, as in
the server.

The default encoders are hashing encoders with the dimension of the bundled models (384): the
scoring's work does not depend on what the vectors mean. ``--model`` and ``--multilingual`` name
the real ones.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matchmaker.threads import pin_blas_threads

pin_blas_threads(1)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "corpora" / "tools"))

if TYPE_CHECKING:
    from matchmaker.services.matching import Matcher
    from matchmaker.settings import Settings

Scores = dict[tuple[str, str], float | None]


def _write_corpus(n: int, target: Path) -> None:
    """``n`` cities and ``n`` providers (and the case studies of those cities) under ``target``."""
    from synthesize import synthesize

    source = target.parent / "synthesized"
    factor = max(1, -(-n // 45))  # the demo holds 45 cities and 90 providers
    synthesize(ROOT / "corpora" / "demo", source, factor)
    target.mkdir(parents=True, exist_ok=True)
    kept: set[str] = set()
    for name in ("cities", "providers", "cases"):
        lines = (source / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
        records = [r for r in records if r.get("city_id") in kept] if name == "cases" else records[:n]
        if name == "cities":
            kept = {r["id"] for r in records}
        with (target / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    shutil.rmtree(source)


def _home(n: int, model: str, multilingual: str, keep: Path | None) -> tuple[Path, Callable[[], None]]:
    """A home holding ``n`` cities and ``n`` providers, ingested; and what removes it afterwards."""
    from matchmaker.services.container import Services
    from matchmaker.settings import Settings

    if keep is not None:
        home = keep / f"{n}-{model}-{multilingual}"
        if (home / "ingested").exists():
            return home, lambda: None
        shutil.rmtree(home, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix="bench-schedule-scoring-"))
    else:
        work = Path(tempfile.mkdtemp(prefix="bench-schedule-scoring-"))
        home = work / "home"
    _write_corpus(n, work / "corpus")
    t0 = time.perf_counter()
    services = Services.build(Settings(home=home, model_name=model, multilingual_model=multilingual))
    try:
        services.corpus.ingest_paths([work / "corpus"])
        services.matching.prepare()
    finally:
        services.close()
    print(f"N={n}: ingest {time.perf_counter() - t0:.0f} s", flush=True)
    if keep is not None:
        (home / "ingested").write_text("yes\n", encoding="utf-8")
        shutil.rmtree(work)
        return home, lambda: None
    return home, lambda: shutil.rmtree(work, ignore_errors=True)


def _fresh_matcher(settings: Settings) -> tuple[Matcher, Callable[[], None]]:
    """A matcher of its own with its engine built and warm, and what closes it."""
    from matchmaker.services.container import Services

    services = Services.build(settings)
    matcher = services.matching.matcher()
    matcher.engine().warm()
    return matcher, services.close


def _pairs(cities: list[str], providers: list[str], order: str = "cities-first") -> list[tuple[str, str]]:
    """The pairs the scheduler asks about, in its order (participants as listed, each pair once)."""
    people = [*cities, *providers]
    if order == "interleaved":
        people = [person for pair in zip(cities, providers, strict=True) for person in pair]
    city_set = set(cities)
    return [
        (a, b)
        for n, a in enumerate(people)
        for b in people[n + 1 :]
        if a in city_set or b in city_set  # provider–provider pairs are never asked
    ]


def _one_at_a_time(matcher: Matcher, pairs: list[tuple[str, str]]) -> Scores:
    return {(a, b): matcher.pair_score(a, b) for a, b in pairs}


def _at_once(matcher: Matcher, pairs: list[tuple[str, str]]) -> Scores:
    score = matcher.pair_scores()
    return {(a, b): score(a, b) for a, b in pairs}


def _against_file(scores: Scores, path: Path) -> int | None:
    """Write ``scores`` to ``path``; or, when it exists, how many pairs score otherwise there."""
    if not path.exists():
        path.write_text(json.dumps([[a, b, value] for (a, b), value in scores.items()]), encoding="utf-8")
        return None
    kept = {(a, b): value for a, b, value in json.loads(path.read_text(encoding="utf-8"))}
    return sum(1 for pair in kept.keys() | scores.keys() if kept.get(pair, -1.0) != scores.get(pair, -1.0))


def run(
    n: int,
    rounds: int,
    model: str,
    multilingual: str,
    *,
    keep: Path | None,
    order: str,
    scores_file: Path | None = None,
) -> dict[str, float]:
    """Time both ways over ``n`` cities and ``n`` providers, participants in ``order``; the figures."""
    from matchmaker.settings import Settings

    home, remove = _home(n, model, multilingual, keep)
    settings = Settings(home=home, model_name=model, multilingual_model=multilingual)
    try:
        matcher, close = _fresh_matcher(settings)
        engine = matcher.engine()
        cities, providers = list(engine.kind("city").ids), list(engine.kind("provider").ids)
        close()
        pairs = _pairs(cities, providers, order)
        times: dict[str, list[float]] = {"old": [], "new": []}
        results: dict[str, Scores] = {}
        ways = {"old": _one_at_a_time, "new": _at_once}
        if not hasattr(matcher, "pair_scores"):  # a tree from before the batch: the old way alone
            del ways["new"], times["new"]
        # One untimed pass computes and stores what every later matcher reads (the case-study rows
        # of every city, which an ingest does not store), so each way is timed on the same footing.
        matcher, close = _fresh_matcher(settings)
        ways["new" if "new" in ways else "old"](matcher, _pairs(cities, providers))
        close()
        for r in range(rounds):
            for name in sorted(ways, reverse=r % 2 == 1):
                matcher, close = _fresh_matcher(settings)
                t0 = time.perf_counter()
                results[name] = ways[name](matcher, pairs)
                times[name].append(time.perf_counter() - t0)
                close()
            said = ", ".join(f"{name} {times[name][-1]:.2f} s" for name in ways)
            print(f"N={n} round {r + 1}: {said}", flush=True)
        kept = _kept_mib(settings, pairs)
        new_scores = results.get("new", results["old"])
        differ = sum(1 for pair in pairs if results["old"][pair] != new_scores[pair])
        if scores_file is not None:
            path = scores_file.with_name(f"{scores_file.stem}-{n}{scores_file.suffix}")
            against = _against_file(new_scores, path)
            said = "written" if against is None else f"{against} pairs score otherwise than there"
            print(f"N={n}: scores file {path}: {said}", flush=True)
            differ += against or 0
        scored = sum(1 for value in results["old"].values() if value is not None)
    finally:
        remove()
    old = statistics.median(times["old"])
    new = statistics.median(times["new"]) if "new" in times else float("nan")
    return {
        "n": n,
        "cities": len(cities),
        "providers": len(providers),
        "pairs": len(pairs),
        "scored": scored,
        "old": old,
        "new": new,
        "ratio": old / new if new else float("inf"),
        "differ": differ,
        "kept": kept,
    }


def _kept_mib(settings: Settings, pairs: list[tuple[str, str]]) -> float:
    """MiB that scoring every pair holds at its end beyond the matcher with its engine (the rankings
    kept for the schedule, or in the matcher's cache on a tree without the batch), the scores
    themselves left out; one untimed pass under tracemalloc."""
    matcher, close = _fresh_matcher(settings)
    try:
        matcher.engine()
        gc.collect()
        tracemalloc.start()
        scorer = matcher.pair_scores() if hasattr(matcher, "pair_scores") else matcher.pair_score
        for a, b in pairs:
            scorer(a, b)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del scorer
    finally:
        close()
    return kept / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100], help="N: cities and providers each")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each way per size")
    parser.add_argument("--model", default="hashing-384", help="encoder name")
    parser.add_argument("--multilingual", default="hashing-384", help="multilingual encoder name")
    parser.add_argument("--keep", type=Path, help="keep each size's ingested home here and reuse it")
    parser.add_argument(
        "--scores-file",
        type=Path,
        help="write every pair's score here (-N added to the name), or compare with it when it exists",
    )
    parser.add_argument(
        "--order",
        choices=["cities-first", "interleaved"],
        default="cities-first",
        help="the participants' order in the problem file",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    keep = args.keep.resolve() if args.keep is not None else None
    rows = [
        run(
            n,
            max(1, args.rounds),
            args.model,
            args.multilingual,
            keep=keep,
            order=args.order,
            scores_file=args.scores_file,
        )
        for n in args.sizes
    ]
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"encoders {args.model}, {args.multilingual}; participants {args.order}; "
        f"medians of {args.rounds} rounds; 1 BLAS thread"
    )
    print()
    print(
        "| N | cities | providers | pairs | scored | one at a time s | at once s | ratio | scores differ"
        " | kept at the end MiB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['n']} | {row['cities']} | {row['providers']} | {row['pairs']:,} | {row['scored']:,} "
            f"| {row['old']:.2f} | {row['new']:.2f} | {row['ratio']:.1f}× | {row['differ']} "
            f"| {row['kept']:.1f} |"
        )
    if any(row["differ"] for row in rows):
        raise SystemExit("the two ways gave different scores")


if __name__ == "__main__":
    main()
