"""Choose the fusion weights on the tuning half only: a small grid over the document-level signals.

Runs ``matchmaker eval --split tune`` for each point of a small grid (the whole-document passage
signal with the main encoder, the same with the multilingual encoder, and the multilingual best
passage per need, each off or at one weight) and prints nDCG@10 per query kind and their mean.
The held-out half and corpora/eval2 are never read here.

    MATCHMAKER_HOME=A python corpora/tools/fusion_grid.py [--labels corpora/eval] [--weight 0.5]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from matchmaker.evaluation import evaluate
from matchmaker.matching.scoring import profile
from matchmaker.services.container import Services
from matchmaker.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=Path("corpora/eval"))
    parser.add_argument("--weight", type=float, action="append", help="grid values besides 0 (repeatable)")
    parser.add_argument("--ml-dense", type=float, action="append", help="values of w_ml_dense (default 0)")
    parser.add_argument("--kind", action="append", help="query kinds (default: all four)")
    args = parser.parse_args()
    values = [0.0, *(args.weight or [0.5])]
    full = profile("full")
    configs = []
    for doc_topk, ml_doc, ml_dense in itertools.product(values, values, args.ml_dense or [0.0]):
        name = f"doc_topk={doc_topk} ml_doc={ml_doc} ml_dense={ml_dense}"
        configs.append(
            full.with_changes(name, {"w_doc_topk": doc_topk, "w_ml_doc": ml_doc, "w_ml_dense": ml_dense})
        )
    services = Services.build(Settings())
    try:
        matcher = services.matching.matcher()
        kinds = args.kind or ["city_provider", "city_city", "city_case", "text_case"]
        rows = evaluate(
            matcher.engine(),
            args.labels,
            encoder=lambda: matcher.encoder,
            kinds=kinds,
            modes=configs,
            split="tune",
        )
    finally:
        services.close()
    table: dict[str, dict[str, float]] = {}
    for row in rows:
        if "/" in row.kind:
            continue
        table.setdefault(row.mode, {})[row.kind] = row.ndcg
    print("| profile | " + " | ".join(kinds) + " | mean |")
    print("|---|" + "---:|" * (len(kinds) + 1))
    for mode, got in table.items():
        cells = [got.get(k, float("nan")) for k in kinds]
        print(f"| {mode} | " + " | ".join(f"{c:.3f}" for c in cells) + f" | {sum(cells) / len(cells):.3f} |")


if __name__ == "__main__":
    main()
