"""Fit the document-level fusion weights on the tuning half only: a pairwise ranking model.

For every query of the tuning half of corpora/eval (city → provider, city ↔ city, city → case, free
text → case), each candidate's features are the engine's document-level signals, each read alone
with every other knob as in ``full`` (context fit included, mentors left out): ``needs`` (the fused
per-need evidence aggregated over needs), ``doc_tags``, ``doc_topk`` (the encoder by the query's
language, as ``full`` reads it), ``doc_dense``, ``ml_doc``, and for city ↔ city ``shared`` (how
alike the two cities' provider rankings are under ``full``). A linear pairwise model with
non-negative coefficients (:mod:`matchmaker.evaluation.fusion`) is fitted on the graded pairs; its
penalty is chosen by cross-validation over the tuning half's cities (a city's queries of every kind
in one fold; free-text queries by query). The coefficients, written as weights, are a scoring profile:

    MATCHMAKER_HOME=A python corpora/tools/learn_fusion.py [--labels corpora/eval] [--folds 5]

prints the cross-validation table, the weights of the chosen penalty and the profile's JSON. The
held-out half and corpora/eval2 are never read here.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from matchmaker.embeddings.encoder import Encoder
from matchmaker.evaluation import queries_in, read_judgements, read_queries
from matchmaker.evaluation.fusion import Query, cross_validate, fit, ndcg_by_kind
from matchmaker.evaluation.runner import ranking
from matchmaker.matching.engine import Engine
from matchmaker.matching.scoring import EngineConfig, profile
from matchmaker.services.container import Services
from matchmaker.settings import Settings

DOC_SIGNALS = ("needs", "doc_tags", "doc_topk", "doc_dense", "ml_doc")
FEATURES = (*DOC_SIGNALS, "shared")
KINDS = ("city_provider", "city_city", "city_case", "text_case")
PENALTIES = (0.0, 1e-4, 1e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
_OFF = {f"w_{s}": 0.0 for s in DOC_SIGNALS} | {"use_mentors": False, "w_shared_providers": 0.0}


def signal_profiles(full: EngineConfig) -> dict[str, EngineConfig]:
    """One profile per feature: ``full`` reading that signal alone."""
    out = {s: full.with_changes(f"only_{s}", {**_OFF, f"w_{s}": 1.0}) for s in DOC_SIGNALS}
    out["shared"] = full.with_changes("only_shared", {"use_mentors": False, "w_shared_providers": 1.0})
    return out


def features(
    engine: Engine,
    kind: str,
    qid: str,
    text: str,
    *,
    configs: dict[str, EngineConfig],
    encoder: Callable[[], Encoder],
) -> tuple[list[str], np.ndarray]:
    """The candidates of one query (those the engine ranks) and their features (candidates × FEATURES)."""
    needs = engine.needs_of_text(text, encoder(), profile("full")) if kind == "text_case" else None
    columns: list[np.ndarray] = []
    ids: list[str] = []
    keep: np.ndarray | None = None
    for name in FEATURES:
        if name == "shared" and kind != "city_city":
            columns.append(np.zeros(len(ids)))
            continue
        rank = ranking(engine, kind, qid, needs, configs[name])
        if keep is None:
            keep = np.array([rank.position(d) is not None for d in rank.ids])
            ids = [d for d, k in zip(rank.ids, keep, strict=True) if k]
        columns.append(np.asarray(rank.scores, dtype=np.float64)[keep])
    return ids, np.column_stack(columns)


def collect(engine: Engine, labels: Path, encoder: Callable[[], Encoder]) -> list[Query]:
    """The tuning half's queries of every kind with their features and grades."""
    chosen = queries_in(labels, "tune")
    configs = signal_profiles(profile("full"))
    out: list[Query] = []
    for kind in KINDS:
        path = labels / f"{kind}.tsv"
        if not path.exists():
            continue
        texts = read_queries(labels / "queries.tsv") if kind == "text_case" else {}
        for qid, grades in sorted(read_judgements(path).items()):
            if chosen is not None and qid not in chosen:
                continue
            if kind != "text_case" and qid not in engine.kind("city").pos:
                continue
            ids, x = features(engine, kind, qid, texts.get(qid, ""), configs=configs, encoder=encoder)
            ranked = set(ids)
            present = {d: g for d, g in grades.items() if d in ranked}
            # A city's queries of every kind fall in one fold (group = the city).
            out.append(Query(qid, kind, qid, ids, x, present))
    return out


def current_coefficients(full: EngineConfig) -> np.ndarray:
    """``full``'s fusion as coefficients of FEATURES (city ↔ city: the shared-provider blend)."""
    doc = np.array([full.document_signals[s] for s in DOC_SIGNALS], dtype=np.float64)
    a = full.w_shared_providers
    return np.array([*((1.0 - a) * doc / doc.sum()), a])


def as_profile(coef: np.ndarray) -> dict[str, float]:
    """Coefficients of FEATURES as profile knobs: document weights summing to 1 and the
    shared-provider share of the city ↔ city blend."""
    doc = coef[: len(DOC_SIGNALS)]
    total = float(doc.sum())
    knobs = {f"w_{s}": round(float(w) / total, 3) for s, w in zip(DOC_SIGNALS, doc, strict=True)}
    knobs["w_shared_providers"] = round(float(coef[-1]) / (float(coef[-1]) + total), 3)
    return knobs


def _row(name: str, got: dict[str, float]) -> str:
    cells = [got.get(k, float("nan")) for k in KINDS]
    return f"| {name} | " + " | ".join(f"{c:.3f}" for c in cells) + f" | {sum(cells) / len(cells):.3f} |"


def blend_queries(engine: Engine, queries: list[Query], fitted: EngineConfig) -> list[Query]:
    """The city ↔ city queries with two features: the score the shared providers are blended with
    (comparable or mentor, under ``fitted`` without shared providers) and the shared providers."""
    alone = fitted.with_changes("fitted_alone", {"w_shared_providers": 0.0})
    shared = FEATURES.index("shared")
    out: list[Query] = []
    for q in queries:
        if q.kind != "city_city":
            continue
        rank = engine.rank_cities_for_city(q.qid, alone)
        pos = {d: i for i, d in enumerate(rank.ids)}
        blended = np.array([rank.scores[pos[d]] for d in q.ids], dtype=np.float64)
        out.append(
            Query(q.qid, q.kind, q.group, q.ids, np.column_stack([blended, q.features[:, shared]]), q.grades)
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=Path("corpora/eval"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--name", default="full_learned", help="the profile's name in the JSON printed")
    args = parser.parse_args()
    services = Services.build(Settings())
    try:
        matcher = services.matching.matcher()
        engine = matcher.engine()
        queries = collect(engine, args.labels, lambda: matcher.encoder)
        header = "| penalty | " + " | ".join(KINDS) + " | mean |"
        print(
            f"Cross-validation on the tuning half ({args.folds} folds by city), nDCG@10 of the linear score"
        )
        print("(city_city without mentors: the blend's share is fitted in the second stage):\n")
        print(header)
        print("|---|" + "---:|" * (len(KINDS) + 1))
        print(_row("full (as now)", ndcg_by_kind(queries, current_coefficients(profile("full")))))
        results = cross_validate(queries, PENALTIES, args.folds)
        for l2, got in results.items():
            print(_row(f"{l2:g}", got))
        best = max(results, key=lambda p: (round(sum(results[p].values()) / len(results[p]), 4), p))
        coef = fit(queries, best)
        named = ", ".join(f"{n} {c:.4f}" for n, c in zip(FEATURES, coef, strict=True))
        print(f"\nchosen penalty {best:g}; coefficients {named}")
        print(_row("fitted (in sample)", ndcg_by_kind(queries, coef)))
        knobs = as_profile(coef)
        # Second stage: the share of shared providers in the city ↔ city blend, fitted against the
        # score it is blended with (comparable or mentor) under the weights just fitted.
        fitted = profile("full").with_changes(args.name, knobs)
        pairs = blend_queries(engine, queries, fitted)
        blend = cross_validate(pairs, PENALTIES, args.folds)
        print(
            "\nshare of shared providers, city_city, cross-validated: "
            + ", ".join(f"{l2:g} {g['city_city']:.3f}" for l2, g in blend.items())
        )
        l2 = max(blend, key=lambda p: (round(blend[p]["city_city"], 4), p))
        c = fit(pairs, l2)
        knobs["w_shared_providers"] = round(float(c[1] / c.sum()), 3)
    finally:
        services.close()
    print(json.dumps({args.name: {"comment": "", **knobs}}))


if __name__ == "__main__":
    main()
