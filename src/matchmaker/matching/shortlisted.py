"""A query's relevance against a large kind with the full evidence computed for a shortlist of
candidates only (the policy and the functions on arrays are :mod:`.shortlist`'s): which candidates
are shortlisted, from the dense search (exact, or the bundle's HNSW index) and BM25, and what a
candidate left out scores.

:class:`Shortlister` keeps the arrays this reads per kind and generation (each passage's damping,
each bundle row's row in the kind). The evidence itself is the engine's: :meth:`Shortlister.relevance`
takes the engine (it never holds it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.bundle import IndexBundle
from matchmaker.embeddings.encoder import FloatArray
from matchmaker.embeddings.passages import DocKind
from matchmaker.matching import shortlist, signals
from matchmaker.matching.adapters import adapter_for_vectors
from matchmaker.matching.kinds import KindIndex
from matchmaker.matching.needs import Needs
from matchmaker.matching.ranking import Norms
from matchmaker.matching.scoring import EngineConfig
from matchmaker.matching.shortlist import ShortlistPolicy

if TYPE_CHECKING:
    from matchmaker.matching.engine import Engine


class Shortlister:
    """Shortlisting for one engine, with the arrays it reads kept per kind and generation."""

    def __init__(self) -> None:
        self._arrays: dict[tuple[DocKind, Any], npt.NDArray[Any]] = {}

    def relevance(
        self, engine: Engine, needs: Needs, target: KindIndex, cfg: EngineConfig, policy: ShortlistPolicy
    ) -> tuple[FloatArray, Norms]:
        """Every candidate's relevance, ``engine``'s full evidence computed for a shortlist only
        (:meth:`Engine.shortlisted_relevance <.engine.Engine.shortlisted_relevance>`)."""
        chosen, raw, outside_row = engine.shortlist_of(needs, target, cfg, policy)
        n, d = raw.shape
        lexical_top = np.full(n, cfg.lexical_floor, dtype=np.float32)
        if cfg.w_lexical > 0 and d and n:
            lexical_top = signals.bm25_divisors(raw, cfg.lexical_floor)
        scored = np.union1d(chosen, shortlist.spread_sample(d, chosen, policy.sample))
        inside = np.isin(scored, chosen)
        outside = d - len(chosen)

        def baseline_of(combined: FloatArray) -> FloatArray:
            if cfg.need_baseline <= 0 or d < cfg.baseline_min_candidates or not n:
                return np.zeros(n, dtype=np.float32)
            return shortlist.estimated_quantile(
                combined[:, inside], combined[:, ~inside], outside, cfg.need_baseline
            )

        view = replace(target.candidates(cfg, scored.tolist()), lexical=lambda _tokens: raw[:, scored])
        ev = engine.evidence(
            needs, view, cfg, norms=Norms(lexical_top, np.zeros(n, np.float32)), baseline_of=baseline_of
        )
        assert ev.norms is not None
        row = outside_row.copy()
        row[scored] = ev.relevance
        return row, ev.norms

    def shortlist_of(
        self,
        needs: Needs,
        target: KindIndex,
        cfg: EngineConfig,
        policy: ShortlistPolicy,
        *,
        bundle: IndexBundle | None,
        term_weights: FloatArray,
    ) -> tuple[npt.NDArray[np.int64], FloatArray, FloatArray]:
        """The shortlisted candidates of ``target`` for ``needs`` (sorted positions), the raw BM25 of
        each need against every candidate (needs × candidates; zeros without BM25) and what a
        candidate left out scores (:func:`outside_relevance`). ``bundle``: the kind's bundle."""
        cands = target.candidates(cfg)
        n, d = len(needs.passages), len(cands)
        q_vectors, q_tokens = needs.view(cfg)
        raw = np.zeros((n, d), dtype=np.float32)
        if cfg.w_lexical > 0 and d and n:
            raw = cands.lexical(q_tokens)
        hits = [self.dense_hits(q_vectors, target, cands.vectors, cfg, policy.per_need, bundle=bundle)]
        if (
            policy.multilingual
            and (cfg.w_ml_dense > 0 or cfg.w_ml_doc > 0)
            and needs.ml_vectors is not None
            and cands.ml_vectors is not None
        ):
            sims = (needs.ml_vectors @ cands.ml_vectors.T) * self.passage_damping(target, cfg)[None, :]
            hits.append(shortlist.top_rows(sims.astype(np.float32), policy.per_need))
        outside = outside_relevance(needs, target, cfg, term_weights)
        chosen = shortlist.shortlist(
            np.concatenate(hits, axis=1), target.row_doc, raw, policy.lexical_per_need, outside
        )
        return chosen, raw, outside

    def passage_damping(self, target: KindIndex, cfg: EngineConfig) -> FloatArray:
        """What :func:`.evidence.damped` multiplies each candidate passage's cosine by, as one vector."""
        key = (target.kind, ("damping", target.generation, cfg))
        cached = self._arrays.get(key)
        if cached is None:
            damping = np.ones(len(target.passages), dtype=np.float32)
            if cfg.context_weight < 1.0:
                damping[target.context_mask(cfg)] = cfg.context_weight
            if cfg.use_roles and target.kind == "city":
                damping *= signals.role_weights(target.roles, np.asarray(cfg.role_vector, np.float32))
            cached = self._arrays[key] = damping
        return cached

    def dense_hits(
        self,
        queries: FloatArray,
        target: KindIndex,
        vectors: FloatArray,
        cfg: EngineConfig,
        k: int,
        *,
        bundle: IndexBundle | None,
    ) -> npt.NDArray[np.int64]:
        """Per query row, the rows of its ``k`` best passages of ``target`` (``vectors``: the view
        the evidence reads), -1 for none. Exact over the view, damped as the evidence damps; with an
        approximate (HNSW) bundle index, its search over the model's vectors, plus an exact search
        over the passages whose view differs (gloss-blended)."""
        damping = self.passage_damping(target, cfg)
        if bundle is None or bundle.manifest.index_type != "hnsw" or not len(vectors):
            return shortlist.top_rows(((queries @ vectors.T) * damping[None, :]).astype(np.float32), k)
        to_rows = self._bundle_rows(target, bundle)
        _, found = bundle.index.search(queries, k)
        hits = np.where(found >= 0, to_rows[np.clip(found, 0, None)], -1)
        differ = np.asarray(target._gloss_rows, dtype=np.int64) if vectors is not target.vectors else None
        if differ is not None and len(differ):
            sims = (queries @ vectors[differ].T) * damping[differ][None, :]
            hits = np.concatenate([hits, differ[shortlist.top_rows(sims.astype(np.float32), k)]], axis=1)
        return hits.astype(np.int64)

    def _bundle_rows(self, target: KindIndex, bundle: IndexBundle) -> npt.NDArray[np.int64]:
        """Each row of ``bundle`` as a row of ``target`` (-1 for a document ``target`` leaves out)."""
        key = (target.kind, ("rows", target.generation))
        cached = self._arrays.get(key)
        if cached is None:
            cached = np.full(len(bundle), -1, dtype=np.int64)
            for doc_id, (a, b) in zip(target.ids, target.bounds, strict=True):
                entry = bundle.documents[doc_id]
                cached[entry.start : entry.stop] = np.arange(a, b)
            self._arrays[key] = cached
        return cached


def outside_relevance(
    needs: Needs, target: KindIndex, cfg: EngineConfig, term_weights: FloatArray
) -> FloatArray:
    """The relevance of candidates left out of a shortlist: whole-text tags (and whole-text
    cosine) as computed for all, every need at or under its baseline, passage-level document
    signals at 0; never more than the full score against the same norms."""
    d = len(target)
    w = term_weights
    per_doc: dict[str, FloatArray] = {"doc_tags": np.zeros(d, dtype=np.float32)}
    if cfg.w_doc_tags > 0:
        per_doc["doc_tags"] = signals.tag_overlap(needs.profile.vector, target.doc_tags, w)
    if cfg.w_doc_dense > 0 and needs.doc_vector is not None:
        cosine = signals.document_cosine(needs.doc_vector, target.doc_vectors)
        per_doc["doc_dense"] = signals.linear_map(cosine, cfg.doc_lo, cfg.doc_hi)
    zero = ("doc_topk",) if cfg.w_doc_topk > 0 else ()
    if cfg.w_centroid > 0 and adapter_for_vectors(target.model_name, target.vectors.shape[1]) is not None:
        zero = (*zero, "centroid")
    if cfg.w_ml_doc > 0 and needs.ml_vectors is not None and target.ml_vectors is not None:
        zero = (*zero, "ml_doc")
    return np.array(shortlist.outside_relevance(per_doc, cfg.document_signals, zero, d), dtype=np.float32)
