"""The evidence of a query against candidates: each need's signals against each candidate (dense,
lexical, vocabulary, fused per need) and their aggregation over the query's needs into one relevance
per candidate, as :class:`~.scoring.EngineConfig` says (see :mod:`.engine` for how a query is
scored).

The two stages are apart so the needs of several queries can be stacked for the first
(:meth:`.engine.Engine.relevance_for_many`). ``term_weights``: each
vocabulary term's weight, an obstacle counting ``obstacle_weight`` times a domain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.encoder import FloatArray
from matchmaker.matching import signals
from matchmaker.matching.adapters import adapter_for_vectors
from matchmaker.matching.kinds import Candidates
from matchmaker.matching.needs import Needs
from matchmaker.matching.ranking import Norms
from matchmaker.matching.scoring import DEFAULT_CONFIG, EngineConfig


@dataclass(frozen=True, slots=True)
class Evidence:
    """Per-need, per-candidate signals for one query against one kind."""

    dense: FloatArray  # n × D, cosine of the best passage
    lexical: FloatArray  # n × D, BM25 rescaled per need
    vocab: FloatArray  # n × D
    combined: FloatArray  # n × D, the fused per-need score used by the aggregation
    relevance: FloatArray  # D, aggregated over needs (and blended with whole-document tags)
    doc_tags: FloatArray  # D, whole-document tag overlap
    config: EngineConfig = DEFAULT_CONFIG
    doc_dense: FloatArray | None = None  # D, whole-text cosine
    ml_dense: FloatArray | None = None  # n × D, multilingual cosine of the best passage
    norms: Norms | None = None

    @property
    def mode(self) -> str:
        """The name of the scoring profile the evidence was computed with."""
        return self.config.mode

    @property
    def nbytes(self) -> int:
        """The memory its arrays hold."""
        arrays = (self.dense, self.lexical, self.vocab, self.combined, self.relevance, self.doc_tags)
        optional = (self.doc_dense, self.ml_dense)
        norms = (self.norms.lexical_top, self.norms.baseline) if self.norms is not None else ()
        return sum(a.nbytes for a in (*arrays, *(a for a in optional if a is not None), *norms))


@dataclass(frozen=True, slots=True)
class NeedSignals:
    """The per-need stage of an evidence (needs × candidates), before the per-query fusion: rows
    are needs, so the rows of one query can be taken from the needs of several stacked."""

    best: FloatArray  # cosine of the best passage
    lexical: FloatArray  # BM25 rescaled per need
    vocab: FloatArray
    combined: FloatArray  # the signals fused per need
    lexical_top: FloatArray  # n, each need's BM25 divisor
    doc_top: FloatArray | None  # mean of the best passages, for the whole-document signal
    ml_best: FloatArray | None
    ml_doc_top: FloatArray | None
    other: npt.NDArray[np.bool_] | None  # per candidate: the pair is not English on both sides
    lang_doc: bool  # the whole-document signal reads the multilingual encoder where ``other``

    def rows(self, rows: slice) -> NeedSignals:
        """The signals of some needs (one query's, out of several stacked)."""

        def cut(a: FloatArray | None) -> FloatArray | None:
            return None if a is None else a[rows]

        return NeedSignals(
            self.best[rows],
            self.lexical[rows],
            self.vocab[rows],
            self.combined[rows],
            self.lexical_top[rows],
            cut(self.doc_top),
            cut(self.ml_best),
            cut(self.ml_doc_top),
            self.other,
            self.lang_doc,
        )


def need_signals(
    q_vectors: FloatArray,
    q_tokens: Sequence[list[str]],
    tags: FloatArray,
    ml_vectors: FloatArray | None,
    *,
    english: bool,
    cands: Candidates,
    cfg: EngineConfig,
    lexical_top: FloatArray | None,
    term_weights: FloatArray,
    languages: Sequence[str] | None = None,
    language_bias: Mapping[str, float] | None = None,
) -> NeedSignals:
    """The per-need stage of :meth:`Engine.evidence`: each need's signals against each candidate and
    their fusion (needs × candidates). Each need's row depends on that need alone (and on the
    query's language), so the needs of several queries can be stacked. ``lexical_top``: the
    norms' BM25 divisors (a candidate scored alone is measured against the best of all)."""
    n, d = q_vectors.shape[0], len(cands)
    sims = damped(q_vectors, cands.vectors, cands, cfg)
    best = signals.best_passage(sims, cands.offsets)
    per_need: dict[str, FloatArray] = {"dense": signals.linear_map(best, cfg.dense_lo, cfg.dense_hi)}
    if cfg.w_topk > 0:
        top = signals.top_passages(sims, cands.bounds, cfg.top_passages)
        per_need["topk"] = signals.linear_map(top, cfg.dense_lo, cfg.dense_hi)
    doc_top = signals.top_passages(sims, cands.bounds, cfg.doc_top_passages) if cfg.w_doc_topk > 0 else None
    # The encoder by language: multilingual where the pair (or the query) is not in English.
    lang_doc = cfg.language_aware_doc and cfg.w_doc_topk > 0
    dense_share = 1.0 if cfg.language_aware_dense else cfg.language_dense_share
    lang_dense = dense_share > 0 and cfg.w_dense > 0
    ml_best: FloatArray | None = None
    ml_doc_top: FloatArray | None = None
    other: npt.NDArray[np.bool_] | None = None
    if (
        (cfg.w_ml_dense > 0 or cfg.w_ml_doc > 0 or lang_doc or lang_dense)
        and ml_vectors is not None
        and cands.ml_vectors is not None
    ):
        ml_sims = damped(ml_vectors, cands.ml_vectors, cands, cfg)
        ml_best = signals.best_passage(ml_sims, cands.offsets)
        bias: FloatArray | None = None
        if (
            cfg.ml_same_language_debias
            and language_bias
            and languages is not None
            and cands.languages is not None
        ):
            bias = signals.same_language_bias(languages, cands.languages, language_bias)
            ml_best = ml_best - bias
        ml_dense = signals.linear_map(ml_best, cfg.ml_lo, cfg.ml_hi)
        if cfg.w_ml_dense > 0:
            per_need["ml_dense"] = ml_dense
        cand_english = cands.english if cands.english is not None else np.ones(d, np.bool_)
        other = signals.non_english_pairs(english, cand_english, cfg.language_rule)
        lang_doc, lang_dense = lang_doc and bool(other.any()), lang_dense and bool(other.any())
        if cfg.w_ml_doc > 0 or lang_doc:
            ml_doc_top = signals.top_passages(ml_sims, cands.bounds, cfg.doc_top_passages)
            if bias is not None:
                ml_doc_top = ml_doc_top - bias
        if lang_dense:
            per_need["dense"] = signals.by_language(per_need["dense"], ml_dense, other, dense_share)

    lexical = np.zeros((n, d), dtype=np.float32)
    top_bm25 = np.full(n, cfg.lexical_floor, dtype=np.float32)
    if cfg.w_lexical > 0 and d and n:
        raw = cands.lexical(q_tokens)
        top_bm25 = signals.bm25_divisors(raw, cfg.lexical_floor)
        if lexical_top is not None:
            top_bm25 = np.maximum(lexical_top, top_bm25)
        lexical = signals.rescale_bm25(raw, cfg.lexical_floor, top_bm25)
    per_need["lexical"] = lexical

    w = term_weights
    vocab = np.zeros((n, d), dtype=np.float32)
    if cfg.w_vocab > 0 and d:
        vocab = signals.vocabulary_overlap(tags, cands.doc_tags, w)
    per_need["vocab"] = vocab
    weights_of = cfg.need_signals
    has_tags = (tags * w).sum(axis=1) > 0
    # A need without tags has no vocabulary evidence: its weight goes to the other signals.
    combined = np.zeros((n, d), dtype=np.float32)
    if has_tags.any():
        combined[has_tags] = signals.fuse({k: v[has_tags] for k, v in per_need.items()}, weights_of)
    if (~has_tags).any():
        no_vocab = {**weights_of, "vocab": 0.0}
        combined[~has_tags] = signals.fuse({k: v[~has_tags] for k, v in per_need.items()}, no_vocab)
    return NeedSignals(
        best, lexical, vocab, combined, top_bm25, doc_top, ml_best, ml_doc_top, other, lang_doc
    )


def fused(
    needs: Needs,
    cands: Candidates,
    cfg: EngineConfig,
    parts: NeedSignals,
    *,
    term_weights: FloatArray,
    norms: Norms | None = None,
    baseline_of: Callable[[FloatArray], FloatArray] | None = None,
) -> Evidence:
    """The per-query stage of :meth:`Engine.evidence`: each need's fused scores less its baseline,
    aggregated over the query's needs, and the whole-document signals, into one relevance per
    candidate."""
    combined = parts.combined
    d = len(cands)
    per_doc: dict[str, FloatArray] = {}
    if parts.doc_top is not None:
        per_doc["doc_topk"] = signals.linear_map(
            signals.document_topk(parts.doc_top, needs.weights), cfg.dense_lo, cfg.dense_hi
        )
    if parts.ml_doc_top is not None:
        ml_doc = signals.linear_map(
            signals.document_topk(parts.ml_doc_top, needs.weights), cfg.ml_lo, cfg.ml_hi
        )
        if cfg.w_ml_doc > 0:
            per_doc["ml_doc"] = ml_doc
        if parts.lang_doc and parts.other is not None:
            per_doc["doc_topk"] = signals.by_language(per_doc["doc_topk"], ml_doc, parts.other)
    if baseline_of is not None:
        baseline = baseline_of(combined)
    elif norms is None:
        baseline = signals.need_baselines(combined, cfg.need_baseline, cfg.baseline_min_candidates)
    else:
        baseline = norms.baseline
    ranked = signals.relative_to_baseline(combined, cfg.need_baseline, cfg.baseline_min_candidates, baseline)
    per_doc["needs"] = signals.aggregate(ranked, needs.weights, cfg.aggregation, cfg.top_k)
    w = term_weights
    doc_tags = np.zeros(d, dtype=np.float32)
    if cfg.w_doc_tags > 0:
        doc_tags = signals.tag_overlap(needs.profile.vector, cands.doc_tags, w)
    per_doc["doc_tags"] = doc_tags
    doc_dense: FloatArray | None = None
    if cfg.w_doc_dense > 0 and needs.doc_vector is not None:
        doc_dense = signals.document_cosine(needs.doc_vector, cands.doc_vectors())
        per_doc["doc_dense"] = signals.linear_map(doc_dense, cfg.doc_lo, cfg.doc_hi)
    adapter = adapter_for_vectors(cands.model_name, cands.vectors.shape[1]) if cfg.w_centroid > 0 else None
    if adapter is not None and len(needs.weights):
        centre = adapter.apply(needs.centre(cfg))
        top = signals.centroid_topk(centre, cands.vectors, cands.bounds, cfg.doc_top_passages)
        per_doc["centroid"] = signals.linear_map(top, adapter.lo, adapter.hi)
    relevance = signals.fuse(per_doc, cfg.document_signals)
    return Evidence(
        parts.best,
        parts.lexical,
        parts.vocab,
        combined,
        relevance,
        doc_tags,
        cfg,
        doc_dense,
        parts.ml_best,
        Norms(parts.lexical_top, baseline),
    )


def damped(queries: FloatArray, passages: FloatArray, cands: Candidates, cfg: EngineConfig) -> FloatArray:
    """Cosines of query passages against candidate passages, statements of context damped.

    Statements of context (languages, prices, hosting) are not capabilities. Against cities
    (comparable cities share needs), each candidate passage also counts as much as it is a need.
    """
    n = queries.shape[0]
    if not n or not len(passages):
        return np.zeros((n, len(passages)), np.float32)
    # In place: with many needs (a column scored for every city) the array is large.
    sims: FloatArray = np.asarray(queries @ passages.T, dtype=np.float32)
    context = cands.context
    if cfg.context_weight < 1.0 and context.any():
        sims[:, context] *= np.float32(cfg.context_weight)
    if cfg.use_roles and cands.kind == "city":
        sims *= signals.role_weights(cands.roles, np.asarray(cfg.role_vector, np.float32))[None, :]
    return sims
