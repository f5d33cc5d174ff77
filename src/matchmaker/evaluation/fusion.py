"""Fusion weights fitted on graded judgements: a linear pairwise ranking model over the engine's signals.

Each (query, candidate) pair is a row of features (the document-level signals the engine fuses, one
column each); within a query, every pair of candidates with different grades is one example: the
difference of their features should score positive when the first is graded higher. The model is
a pairwise logistic loss with an L2 penalty and non-negative coefficients, so the coefficients are
fusion weights as a scoring profile reads them (:func:`matchmaker.matching.signals.fuse` leaves out
weights at or below 0). Each pair counts by the difference of the two gains (``2**grade - 1``, as
nDCG counts them), and every query weighs the same in total, whatever its number of pairs.

:func:`cross_validate` chooses the penalty: queries are split into folds by group (a city's queries
of every kind stay together), each fold scored by nDCG@k of the linear score on the queries left
out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from matchmaker.evaluation.metrics import K, ndcg_at_k

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Query:
    """One query's candidates: ids, features (candidates × signals), grades (unlisted: 0), the
    query's kind and its group for cross-validation."""

    qid: str
    kind: str
    group: str
    ids: Sequence[str]
    features: FloatArray
    grades: Mapping[str, int]


def pair_differences(features: FloatArray, grades: Sequence[int]) -> tuple[FloatArray, FloatArray]:
    """Every (better, worse) pair of one query's candidates: the feature differences (pairs ×
    signals) and each pair's weight (the difference of gains), the weights summing to 1."""
    g = np.asarray(grades, dtype=np.int64)
    gains = 2.0 ** g.astype(np.float64) - 1.0
    hi, lo = np.nonzero(g[:, None] > g[None, :])
    if len(hi) == 0:
        return np.zeros((0, features.shape[1])), np.zeros(0)
    diffs = (features[hi] - features[lo]).astype(np.float64)
    weights = gains[hi] - gains[lo]
    return diffs, weights / weights.sum()


def pairwise_loss(
    coef: FloatArray, diffs: FloatArray, weights: FloatArray, l2: float
) -> tuple[float, FloatArray]:
    """The weighted pairwise logistic loss plus ``l2``/2 · |coef|², and its gradient."""
    margins = diffs @ coef
    loss = float((weights * np.logaddexp(0.0, -margins)).sum()) + 0.5 * l2 * float(coef @ coef)
    # d/dm log(1 + e^-m) = -1 / (1 + e^m)
    slope = -weights / (1.0 + np.exp(np.clip(margins, -50.0, 50.0)))
    grad = diffs.T @ slope + l2 * coef
    return loss, grad


def fit_pairwise(diffs: FloatArray, weights: FloatArray, l2: float) -> FloatArray:
    """Non-negative coefficients minimising :func:`pairwise_loss` (SciPy's L-BFGS-B with bounds; the
    problem is convex and has a handful of coefficients)."""
    coef = np.zeros(diffs.shape[1])
    if len(diffs) == 0:
        return coef
    result = minimize(
        pairwise_loss,
        coef,
        args=(diffs, weights, l2),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)] * diffs.shape[1],
        options={"maxiter": 3000, "ftol": 1e-12, "gtol": 1e-10},
    )
    out: FloatArray = np.maximum(np.asarray(result.x, dtype=np.float64), 0.0)
    return out


def stack_pairs(queries: Sequence[Query], scale: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Every query's pairs (features divided by ``scale``), each kind weighing the same in total and
    every query the same within its kind."""
    per_kind: dict[str, int] = {}
    for q in queries:
        per_kind[q.kind] = per_kind.get(q.kind, 0) + 1
    all_diffs: list[FloatArray] = []
    all_weights: list[FloatArray] = []
    for q in queries:
        diffs, weights = pair_differences(q.features / scale, [q.grades.get(d, 0) for d in q.ids])
        all_diffs.append(diffs)
        all_weights.append(weights / (per_kind[q.kind] * len(per_kind)))
    if not all_diffs:
        return np.zeros((0, len(scale))), np.zeros(0)
    return np.vstack(all_diffs), np.concatenate(all_weights)


def feature_scale(queries: Sequence[Query]) -> FloatArray:
    """Each signal's standard deviation over every candidate of ``queries`` (1 where it is constant)."""
    stacked = np.vstack([q.features for q in queries])
    sd = stacked.std(axis=0)
    out: FloatArray = np.where(sd > 1e-9, sd, 1.0)
    return out


def fit(queries: Sequence[Query], l2: float) -> FloatArray:
    """Non-negative fusion weights for the signals (on their own scale), fitted on ``queries``."""
    scale = feature_scale(queries)
    diffs, weights = stack_pairs(queries, scale)
    out: FloatArray = fit_pairwise(diffs, weights, l2) / scale
    return out


def ranked_ids(ids: Sequence[str], scores: FloatArray) -> list[str]:
    """``ids`` best first by ``scores``, ties broken by id (as the engine ranks)."""
    order = sorted(range(len(ids)), key=lambda i: (-float(scores[i]), ids[i]))
    return [ids[i] for i in order]


def ndcg_by_kind(queries: Sequence[Query], coef: FloatArray, k: int = K) -> dict[str, float]:
    """Mean nDCG@k of the linear score ``features @ coef`` per query kind."""
    per: dict[str, list[float]] = {}
    for q in queries:
        ranked = ranked_ids(q.ids, q.features @ coef)
        per.setdefault(q.kind, []).append(ndcg_at_k(ranked, q.grades, k))
    return {kind: sum(v) / len(v) for kind, v in per.items()}


def folds(groups: Sequence[str], n: int) -> list[set[str]]:
    """``groups`` (sorted, deduplicated) dealt round-robin into ``n`` folds."""
    out: list[set[str]] = [set() for _ in range(n)]
    for i, g in enumerate(sorted(set(groups))):
        out[i % n].add(g)
    return [f for f in out if f]


def cross_validate(
    queries: Sequence[Query], penalties: Sequence[float], n_folds: int = 5
) -> dict[float, dict[str, float]]:
    """Per penalty, nDCG@10 per kind averaged over every query, each scored by the model fitted
    without its fold."""
    parts = folds([q.group for q in queries], n_folds)
    out: dict[float, dict[str, float]] = {}
    for l2 in penalties:
        got: dict[str, list[float]] = {}
        for held in parts:
            train = [q for q in queries if q.group not in held]
            test = [q for q in queries if q.group in held]
            coef = fit(train, l2)
            for q in test:
                ranked = ranked_ids(q.ids, q.features @ coef)
                got.setdefault(q.kind, []).append(ndcg_at_k(ranked, q.grades))
        out[l2] = {kind: sum(v) / len(v) for kind, v in got.items()}
    return out


__all__ = [
    "Query",
    "cross_validate",
    "feature_scale",
    "fit",
    "fit_pairwise",
    "folds",
    "ndcg_by_kind",
    "pair_differences",
    "pairwise_loss",
    "ranked_ids",
    "stack_pairs",
]
