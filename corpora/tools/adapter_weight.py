"""Choose the weight of the ``centroid`` signal on the tuning half, each query read by an adapter
that never saw it.

The shipped adapter was fitted on every query of the tuning half, so the engine's figures there are
in sample. Here the tuning half is cut into the folds of ``learn_adapter.py`` (a city's queries of
every kind in one fold, a free-text query alone); for each fold an adapter is fitted on the other
folds (with the penalty the shipped one was fitted with) and the full engine ranks the fold's queries
with it, at each weight of ``centroid``. The held-out half and corpora/eval2 are never read.

    MATCHMAKER_HOME=A HF_HUB_OFFLINE=1 python corpora/tools/adapter_weight.py [--weights 0 0.05 0.1 0.25]

(``A``: a home with corpora/demo ingested.)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from unittest import mock

import numpy as np

from matchmaker.evaluation import read_queries
from matchmaker.evaluation.adapter import fit_adapter, folds_of, in_groups
from matchmaker.evaluation.metrics import ndcg_at_k
from matchmaker.evaluation.runner import ranking
from matchmaker.matching import evidence
from matchmaker.matching.adapters import ADAPTER_DIR, Adapter, adapter_for, adapter_slug
from matchmaker.matching.scoring import profile
from matchmaker.services.container import Services
from matchmaker.settings import Settings
from matchmaker.vocabulary import detect_language

sys.path.insert(0, str(Path(__file__).resolve().parent))
import learn_adapter

KINDS = tuple(learn_adapter.KINDS)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--labels", type=Path, default=learn_adapter.ROOT / "eval")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.05, 0.1, 0.15, 0.25])
    args = parser.parse_args(argv)
    settings = Settings()
    shipped = adapter_for(settings.model_name)
    if shipped is None:
        print(f"no adapter ships for {settings.model_name}", file=sys.stderr)
        return 2
    meta = json.loads((ADAPTER_DIR / f"{adapter_slug(settings.model_name)}.json").read_text(encoding="utf-8"))
    texts = read_queries(args.labels / "queries.tsv")
    services = Services.build(settings)
    try:
        matcher = services.matching.matcher()
        engine = matcher.engine()
        queries = learn_adapter.tuning_queries(engine, matcher.encoder, args.labels)
        full = profile("full")
        per: dict[float, dict[str, list[float]]] = {w: defaultdict(list) for w in args.weights}
        languages = {c: engine.profiles["city"][c].language for c in engine.kind("city").ids}
        languages.update({q: detect_language(t) for q, t in texts.items()})
        folds = folds_of([q.group for q in queries], args.folds)
        for f, left_out in enumerate(folds):
            rest = [g for fold in folds if fold is not left_out for g in fold]
            w_fold = fit_adapter(in_groups(queries, rest), float(meta["penalty"]))
            fold_adapter = Adapter(settings.model_name, w_fold, shipped.lo, shipped.hi)
            # The engine reads this fold's adapter; patch.object fails loudly if the seam is renamed.
            with mock.patch.object(evidence, "adapter_for_vectors", lambda *_args, a=fold_adapter: a):
                for weight in args.weights:
                    # A name of its own per fold: nothing computed with another fold's adapter is reused.
                    cfg = full.with_changes(f"fold{f}_w{weight}", {"w_centroid": weight})
                    for q in in_groups(queries, left_out):
                        kind, qid = q.kind, q.qid
                        needs = (
                            engine.needs_of_text(texts[qid], matcher.encoder, cfg)
                            if kind == "text_case"
                            else None
                        )
                        ranked = [s.doc_id for s in ranking(engine, kind, qid, needs, cfg).all()]
                        value = ndcg_at_k(ranked, q.grades)
                        per[weight][kind].append(value)
                        per[weight][f"{kind}/{'en' if languages[qid] == 'en' else 'non-en'}"].append(value)
            print(f"fold {f + 1} of {len(folds)} done", file=sys.stderr, flush=True)
    finally:
        services.close()
    print("| w_centroid | " + " | ".join(KINDS) + " | mean |")
    print("|---:|" + "---:|" * (len(KINDS) + 1))
    for weight, got in per.items():
        means = [float(np.mean(got[k])) for k in KINDS]
        print(f"| {weight:g} | " + " | ".join(f"{m:.3f}" for m in means) + f" | {np.mean(means):.3f} |")
    print("\nBy the query's language (English / not English):\n")
    print("| w_centroid | " + " | ".join(KINDS) + " |")
    print("|---:|" + "---:|" * len(KINDS))
    for weight, got in per.items():
        cells = [f"{np.mean(got[k + '/en']):.3f} / {np.mean(got[k + '/non-en']):.3f}" for k in KINDS]
        print(f"| {weight:g} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
