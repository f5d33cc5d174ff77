"""Ranking metrics over graded judgements (grades 0–3; unlisted pairs are grade 0).

* nDCG@k with gain ``2**grade - 1`` and log2 discounts, the ideal taken from every listed judgement
  of the query (the same definition as ``corpora/tools/baseline_tfidf.py``).
* recall@k: the share of the query's relevant documents (grade ≥ ``min_grade``) found in the top k.
* MRR: the reciprocal rank of the first relevant document (0 when none is ranked).
* pairwise loss: over every pair of ranked documents with different grades, the share of pairs put
  in the wrong order, each pair weighted by the difference of its grades (a tie counts half). It
  reads the whole ranking, not only its top: what a check that compares every candidate with every
  other measures. Lower is better; 0.5 is a random order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

K = 10
MIN_GRADE = 2


def ndcg_at_k(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    """Normalised discounted cumulative gain of the first ``k`` of ``ranked``."""
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(
    ranked: Sequence[str], grades: Mapping[str, int], k: int = K, min_grade: int = MIN_GRADE
) -> float:
    """Share of the relevant documents found in the first ``k`` (1.0 when there are none)."""
    relevant = {d for d, g in grades.items() if g >= min_grade}
    if not relevant:
        return 1.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], grades: Mapping[str, int], min_grade: int = MIN_GRADE) -> float:
    """1 / rank of the first relevant document, 0 when none is ranked."""
    for i, d in enumerate(ranked):
        if grades.get(d, 0) >= min_grade:
            return 1.0 / (i + 1)
    return 0.0


def pairwise_loss(scores: Mapping[str, float], grades: Mapping[str, int]) -> float:
    """Weighted share of wrongly ordered pairs among the documents of ``scores`` (unlisted in
    ``grades``: grade 0); 0.0 when all of them have the same grade."""
    values = np.array(list(scores.values()), dtype=np.float64)
    levels = np.array([grades.get(d, 0) for d in scores], dtype=np.int64)
    wrong = total = 0.0
    present = sorted(set(levels.tolist()))
    for i, high in enumerate(present):
        above = values[levels == high]
        for low in present[:i]:
            below = values[levels == low]
            weight = float(high - low)
            lower = float((above[:, None] < below[None, :]).sum())
            ties = float((above[:, None] == below[None, :]).sum())
            wrong += weight * (lower + 0.5 * ties)
            total += weight * above.size * below.size
    return wrong / total if total else 0.0


__all__ = ["MIN_GRADE", "K", "ndcg_at_k", "pairwise_loss", "recall_at_k", "reciprocal_rank"]
