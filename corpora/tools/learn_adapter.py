"""Learn the need-centroid adapter on the tuning half only: a linear map of the English encoder's space.

The engine's ``centroid`` signal reads each query as one point, the centre of its need vectors (each
counted by its weight as a need, :func:`matchmaker.matching.signals.need_centre`), maps it with a
matrix ``W`` and compares it with each candidate's three best passages (cosine, mean of the three).
Both sides are read from the engine as it scores: the needs' vectors with their glosses and role
weights, the candidates' passage vectors. ``W`` starts at the identity and is fitted
(:mod:`matchmaker.evaluation.adapter`) on the queries of the tuning half of corpora/eval (its
cities for city → provider, city ↔ city and city → case, its free-text queries for text → case)
with a pairwise ranking loss: within a query every pair of candidates with different grades,
counted by the difference of their gains (``2^grade − 1``), and an L2 penalty on ``W − I``. The
penalty is chosen by cross-validation over the tuning half (a city's queries of every kind in one
fold; a free-text query alone), scored by nDCG@10 of the signal alone on the queries left out.
The held-out half and corpora/eval2 are never read.

The map of the signal into [0, 1] (``lo``, ``hi``) is the median and the 99.9th percentile of the
fitted signal over every city × provider pair of the home, the labels unread.

    MATCHMAKER_HOME=A HF_HUB_OFFLINE=1 python corpora/tools/learn_adapter.py [--folds 5] [--out DIR]

(``A``: a home with corpora/demo ingested) writes ``<model>.npy`` and ``<model>.json`` into
``src/matchmaker/matching/adapters`` (or ``--out``) and prints the cross-validation table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from matchmaker.embeddings.encoder import Encoder
from matchmaker.evaluation import queries_in, read_judgements, read_queries
from matchmaker.evaluation.adapter import (
    TOP,
    AdapterQuery,
    centroid_scores,
    cross_validate,
    fit_adapter,
    folds_of,
    signal_ndcg,
)
from matchmaker.matching.adapters import ADAPTER_DIR, adapter_slug
from matchmaker.matching.engine import Engine
from matchmaker.matching.scoring import profile
from matchmaker.services.container import Services
from matchmaker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"city_provider": "provider", "city_city": "city", "city_case": "case", "text_case": "case"}
PENALTIES = (0.003, 0.01, 0.03, 0.1)


def tuning_queries(engine: Engine, encoder: Encoder, labels: Path) -> list[AdapterQuery]:
    """The tuning half's graded queries as the engine reads them: each query's need centre (before
    the adapter) and its candidates' passage vectors. A city's queries share its group; a free-text
    query is a group of its own."""
    cfg = profile("full")
    passages: dict[str, dict[str, np.ndarray]] = {}
    for target in sorted(set(KINDS.values())):
        index = engine.kind(target)  # type: ignore[arg-type]
        cands = index.candidates(cfg)
        passages[target] = {d: cands.vectors[a:b] for d, (a, b) in zip(index.ids, cands.bounds, strict=True)}
    chosen = queries_in(labels, "tune") or set()
    texts = read_queries(labels / "queries.tsv")
    cities = set(engine.kind("city").ids)
    out: list[AdapterQuery] = []
    for kind, target in KINDS.items():
        for qid, grades in sorted(read_judgements(labels / f"{kind}.tsv").items()):
            if qid not in chosen or (kind != "text_case" and qid not in cities):
                continue
            if kind == "text_case":
                needs = engine.needs_of_text(texts[qid], encoder, cfg)
            else:
                needs = engine.needs_of("city", qid, cfg)
            centre = needs.centre(cfg)
            ids = [d for d, p in passages[target].items() if d != qid and len(p)]
            out.append(AdapterQuery(qid, kind, qid, centre, ids, [passages[target][d] for d in ids], grades))
    return out


def every_city_against_providers(engine: Engine) -> list[AdapterQuery]:
    """Every city of the home against every provider, ungraded: the pairs the signal's range is read
    from."""
    cfg = profile("full")
    index = engine.kind("provider")
    cands = index.candidates(cfg)
    ids = [d for d, (a, b) in zip(index.ids, cands.bounds, strict=True) if b > a]
    passages = [cands.vectors[a:b] for a, b in cands.bounds if b > a]
    out: list[AdapterQuery] = []
    for city in engine.kind("city").ids:
        needs = engine.needs_of("city", city, cfg)
        centre = needs.centre(cfg)
        out.append(AdapterQuery(city, "city_provider", city, centre, ids, passages, {}))
    return out


def _row(name: str, got: dict[str, float]) -> str:
    cells = [got[k] for k in KINDS]
    return f"| {name} | " + " | ".join(f"{c:.3f}" for c in cells) + f" | {np.mean(cells):.3f} |"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--labels", type=Path, default=ROOT / "eval")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ADAPTER_DIR)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    settings = Settings()
    services = Services.build(settings)
    try:
        matcher = services.matching.matcher()
        engine = matcher.engine()
        queries = tuning_queries(engine, matcher.encoder, args.labels)
        every_pair = every_city_against_providers(engine)
    finally:
        services.close()
    groups = [q.group for q in queries]
    folds = folds_of(groups, args.folds)
    print(f"{len(queries)} queries of the tuning half in {len(set(groups))} groups, {args.folds} folds")
    print("| penalty | " + " | ".join(KINDS) + " | mean |")
    print("|---:|" + "---:|" * (len(KINDS) + 1))
    print(_row("(identity)", signal_ndcg(queries, None)))
    results = cross_validate(queries, PENALTIES, folds)
    for penalty, got in results.items():
        print(_row(f"{penalty:g}", got), flush=True)
    penalty = max(PENALTIES, key=lambda p: (float(np.mean(list(results[p].values()))), -p))
    w = fit_adapter(queries, penalty)
    values = [s for q in every_pair for s in centroid_scores(w, q)]
    lo, hi = (float(round(x, 3)) for x in np.percentile(values, [50, 99.9]))
    slug = adapter_slug(settings.model_name)
    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / f"{slug}.npy", w)
    meta = {
        "model": settings.model_name,
        "penalty": penalty,
        "lo": lo,
        "hi": hi,
        "top_passages": TOP,
        "trained_on": "corpora/eval tuning half (corpora/eval/split.tsv), corpora/demo",
        "queries": len(queries),
        "tool": "corpora/tools/learn_adapter.py",
    }
    (args.out / f"{slug}.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"penalty {penalty}; lo {lo}, hi {hi}; written {args.out / slug}.npy")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
