"""Shortlisting candidates before the full evidence, for large kinds; pure functions on arrays.

Above :attr:`ShortlistPolicy.min_candidates` documents of a kind, a query's full evidence (dense
best passage, BM25, vocabulary, passage top-k, the multilingual channel) is computed for a
shortlist only:

* per need, the documents of its ``per_need`` best passages by dense similarity (the model's
  vectors; with ``multilingual``, the multilingual channel's too, when the profile weighs it),
  statements of context damped as the evidence damps them (:func:`top_rows`);
* per need, its ``lexical_per_need`` best documents by BM25 (scores the evidence needs anyway, for
  its divisor), and as many best documents by the document-level signals scored for every
  candidate (:func:`outside_relevance`: whole-text tags, whole-text cosine);
* their union (:func:`shortlist`).

A systematic sample of the documents outside the shortlist (:func:`spread_sample`) is scored with
them, so each need's baseline (its quantile over *all* candidates) is estimated from the shortlist
counted one by one and the sample standing for the rest (:func:`estimated_quantile`). A document
left out gets :func:`outside_relevance`: its document-level signals that are cheap for every
document (whole-text tags, whole-text cosine) fused as the profile says, with every need at or under
its baseline and the passage-level document signals at 0, which is never more than its full score
against the same norms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from matchmaker.matching import signals

if TYPE_CHECKING:
    # Only a name for annotations: these pure array functions do not load the embeddings package.
    from matchmaker.embeddings.encoder import FloatArray

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ShortlistPolicy:
    """When and how wide candidates are shortlisted (``min_candidates`` 0: never): passages per need
    by dense similarity, documents per need by BM25, documents outside scored for the baselines,
    whether the multilingual channel shortlists passages too (a second pass over all vectors), and
    whether kinds with an exact (flat) index are shortlisted too (their dense pass is over every
    passage, as the full evidence's is; ``bench/bench_shortlist.py`` measures what it saves).

    :meth:`applies` is the size rule only; the engine also asks for an approximate index unless
    ``flat``."""

    min_candidates: int = 2_000
    per_need: int = 200
    lexical_per_need: int = 50
    sample: int = 200
    multilingual: bool = False
    flat: bool = False

    def applies(self, candidates: int) -> bool:
        """Whether a kind of ``candidates`` documents is shortlisted."""
        return self.min_candidates > 0 and candidates >= self.min_candidates


def top_rows(sims: FloatArray, k: int) -> IntArray:
    """Per row of ``sims`` (needs × passages), the columns of its ``k`` largest values (all of them
    when there are fewer), in no particular order."""
    n, p = sims.shape
    if p == 0 or k <= 0:
        return np.zeros((n, 0), dtype=np.int64)
    if k >= p:
        return np.broadcast_to(np.arange(p, dtype=np.int64), (n, p)).copy()
    out: IntArray = np.argpartition(-sims, k - 1, axis=1)[:, :k].astype(np.int64)
    return out


def shortlist(
    passage_rows: IntArray,
    row_doc: IntArray,
    lexical: FloatArray,
    lexical_per_need: int,
    documents: FloatArray | None = None,
) -> IntArray:
    """The shortlisted documents, sorted: the documents of ``passage_rows`` (needs × k passage rows,
    -1 for none; ``row_doc`` maps a passage row to its document), per need the ``lexical_per_need``
    documents with the highest positive score in ``lexical`` (needs × documents), and as many
    documents with the highest positive score in ``documents`` (one score per document)."""
    rows = passage_rows[passage_rows >= 0]
    parts = [row_doc[rows].astype(np.int64)]
    n, d = lexical.shape
    if n and d and lexical_per_need > 0:
        best = top_rows(lexical, lexical_per_need)
        picked = np.take_along_axis(lexical, best, axis=1) > 0
        parts.append(best[picked])
    if documents is not None and len(documents) and lexical_per_need > 0:
        best = top_rows(documents[None, :], lexical_per_need)[0]
        parts.append(best[documents[best] > 0])
    out: IntArray = np.unique(np.concatenate(parts)).astype(np.int64)
    return out


def spread_sample(count: int, chosen: IntArray, size: int) -> IntArray:
    """About ``size`` documents of ``range(count)`` not in ``chosen``, evenly spaced (the same every
    time), sorted; all of them when there are fewer."""
    rest = np.setdiff1d(np.arange(count, dtype=np.int64), chosen)
    if size <= 0 or len(rest) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(rest) <= size:
        return rest
    picks = np.unique(np.linspace(0, len(rest) - 1, size).round().astype(np.int64))
    out: IntArray = rest[picks]
    return out


def estimated_quantile(inside: FloatArray, sample: FloatArray, outside: int, quantile: float) -> FloatArray:
    """Per row, the ``quantile`` of ``inside`` (needs × s, each counted once) together with
    ``outside`` more values that ``sample`` (needs × r) stands for, each sample value counting
    ``outside / r``.

    Linear interpolation between the values at the middle of their weights: with no outside values
    (or every weight 1) it is ``np.quantile``'s default.
    """
    n, s = inside.shape
    r = sample.shape[1]
    if outside <= 0 or r == 0:
        if s == 0:
            return np.zeros(n, dtype=np.float32)
        return np.quantile(inside, quantile, axis=1).astype(np.float32)
    values = np.concatenate([inside, sample], axis=1).astype(np.float64)
    weights = np.concatenate([np.ones(s), np.full(r, outside / r)])
    total = s + outside
    out = np.zeros(n, dtype=np.float32)
    for i in range(n):
        order = np.argsort(values[i], kind="stable")
        w = weights[order]
        centres = np.cumsum(w) - w / 2.0 - 0.5
        out[i] = np.interp(quantile * (total - 1), centres, values[i][order])
    return out


def outside_relevance(
    per_doc: Mapping[str, FloatArray], weights: Mapping[str, float], zero: tuple[str, ...], count: int
) -> FloatArray:
    """The relevance of documents left out of a shortlist: the document-level signals given
    (``per_doc``, one value per document), the aggregated needs and the signals named in ``zero`` at
    0, fused with the profile's ``weights`` as the full evidence fuses them."""
    signals_of: dict[str, FloatArray] = {"needs": np.zeros(count, dtype=np.float32)}
    for name in zero:
        signals_of[name] = np.zeros(count, dtype=np.float32)
    signals_of.update(per_doc)
    return signals.fuse(signals_of, weights)


__all__ = [
    "ShortlistPolicy",
    "estimated_quantile",
    "outside_relevance",
    "shortlist",
    "spread_sample",
    "top_rows",
]
