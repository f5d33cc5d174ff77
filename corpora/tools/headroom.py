"""Where the engine's nDCG@10 is lost: the problem found, or the context told apart.

For each city query kind, on one half of a labelled set, prints the engine's nDCG@10 (profile
``full``) beside two upper bounds read from the same ranking:

- **problem level**: grades 3 and 2 counted alike (the right problem found, context aside);
- **context in order**: the candidates of grade 2 or more keep their places in the ranking, but
  those of grade 3 take the first of those places (what a perfect context check could give).

and the mean number of candidates of each grade in the top ten. For city → provider it then sets
each context check of :mod:`matchmaker.matching.fit` against the latent design's (GRADING.md) on the
top twenty candidates that answer one of the city's problems: how often the design fails a check
that the engine reads as a miss, as passed, or cannot read. Reads the design, so it is a
diagnostic, not a tuning aid:

    MATCHMAKER_HOME=A python corpora/tools/headroom.py [--design corpora/design]
        [--labels corpora/eval] [--split tune|heldout|all]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from matchmaker.evaluation import queries_in, read_judgements
from matchmaker.evaluation.metrics import ndcg_at_k
from matchmaker.evaluation.runner import ranking
from matchmaker.matching.engine import Engine
from matchmaker.matching.fit import provider_fit
from matchmaker.matching.scoring import profile
from matchmaker.services.container import Services
from matchmaker.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grade import Grader

CHECKS = ("language", "region", "scale", "budget", "hosting", "connectivity", "climate")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def bounds(
    engine: Engine, labels: Path, split: str, kind: str
) -> tuple[int, float, float, float, Counter[int]]:
    """Queries, nDCG@10, problem-level and context-in-order bounds, top-ten grade counts."""
    chosen = queries_in(labels, split)
    judged = read_judgements(labels / f"{kind}.tsv")
    cfg = profile("full")
    got: list[float] = []
    problem: list[float] = []
    ordered: list[float] = []
    mix: Counter[int] = Counter()
    for qid, grades in sorted(judged.items()):
        if (chosen is not None and qid not in chosen) or qid not in engine.kind("city").pos:
            continue
        ranked = [s.doc_id for s in ranking(engine, kind, qid, None, cfg).all()]
        got.append(ndcg_at_k(ranked, grades, 10))
        problem.append(ndcg_at_k(ranked, {d: 3 if g >= 2 else g for d, g in grades.items()}, 10))
        places = [i for i, d in enumerate(ranked) if grades.get(d, 0) >= 2]
        best_first = sorted((ranked[i] for i in places), key=lambda d: -grades[d])
        reordered = list(ranked)
        for i, d in zip(places, best_first, strict=True):
            reordered[i] = d
        ordered.append(ndcg_at_k(reordered, grades, 10))
        mix.update(grades.get(d, 0) for d in ranked[:10])
    return len(got), _mean(got), _mean(problem), _mean(ordered), mix


def check_agreement(engine: Engine, grader: Grader, labels: Path, split: str) -> dict[str, Counter[Any]]:
    """Per context check: (the design fails it, what the engine reads) over the top twenty answers."""
    chosen = queries_in(labels, split)
    cities = {c["id"]: c for c in grader.load("cities.json")["cities"]}
    providers = {p["id"]: p for p in grader.load("providers.json")["providers"]}
    cfg = profile("full")
    table: dict[str, Counter[Any]] = defaultdict(Counter)
    for cid, city in cities.items():
        if (chosen is not None and cid not in chosen) or cid not in engine.kind("city").pos:
            continue
        problems = {p for p, _ in city["needs"]}
        for scored in ranking(engine, "city_provider", cid, None, cfg).all()[:20]:
            provider = providers.get(scored.doc_id)
            caps = [c for c in (provider or {}).get("caps", []) if c["problem"] in problems]
            if provider is None or not caps:
                continue
            fails = set.intersection(*(set(grader.context_failures(city, provider, c)) for c in caps))
            read = {
                f.name: f.multiplier
                for f in provider_fit(
                    engine.profiles["city"][cid], engine.profiles["provider"][scored.doc_id]
                )
            }
            for check in CHECKS:
                m = read.get(check)
                table[check][(check in fails, "unread" if m is None else "miss" if m < 1 else "passed")] += 1
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", type=Path, default=Path("corpora/design"))
    parser.add_argument("--labels", type=Path, default=Path("corpora/eval"))
    parser.add_argument("--split", default="tune")
    args = parser.parse_args()
    services = Services.build(Settings())
    try:
        engine = services.matching.matcher().engine()
        print("| kind | queries | nDCG@10 | problem level | context in order | top ten by grade 0/1/2/3 |")
        print("|---|---:|---:|---:|---:|---|")
        for kind in ("city_provider", "city_city", "city_case"):
            n, got, problem, ordered, mix = bounds(engine, args.labels, args.split, kind)
            grades = "/".join(f"{mix[g] / max(n, 1):.1f}" for g in range(4))
            print(f"| {kind} | {n} | {got:.3f} | {problem:.3f} | {ordered:.3f} | {grades} |")
        table = check_agreement(engine, Grader(args.design), args.labels, args.split)
        print()
        print(
            "| check | design fails: engine miss / passed / unread | design passes: miss / passed / unread |"
        )
        print("|---|---|---|")
        for check in CHECKS:
            c = table[check]
            failed = " / ".join(str(c[(True, s)]) for s in ("miss", "passed", "unread"))
            passed = " / ".join(str(c[(False, s)]) for s in ("miss", "passed", "unread"))
            print(f"| {check} | {failed} | {passed} |")
    finally:
        services.close()


if __name__ == "__main__":
    main()
