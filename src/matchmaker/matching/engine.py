"""The matching engine: need-by-need hybrid retrieval, vocabulary scoring, context fit and reasons.

How a query is scored
---------------------
1. **Needs.** The asking document is split into needs: the passages of a city (sentences and bullet
   items of its summary, each entry of its challenges) or the clauses of a free-text query. A need
   that carries no domain or obstacle tag (history, festivals, council size) weighs less
   (:attr:`EngineConfig.noise_weight`).
2. **Evidence per need and candidate**, three signals in [0, 1]:

   * *dense*: the best cosine similarity between the need and any passage of the candidate
     (capability descriptions, solutions, case text), mapped linearly from
     [``dense_lo``, ``dense_hi``] to [0, 1]. Statements of context (languages, prices, hosting)
     count ``context_weight`` times, on both sides. Passages of documents not
     in English carry the embedding of their English gloss (:mod:`.glossary`);
   * *lexical*: BM25 (bm25s, folded and prefix-stemmed words) of the need against the candidate's
     whole text, divided by the best score of that need (at least ``lexical_floor``);
   * *vocabulary*: how much of the need's domain and obstacle tags the candidate carries, tags
     weighted by their confidence, an obstacle counting ``obstacle_weight`` times a domain.

   They are fused linearly (``w_dense``, ``w_lexical``, ``w_vocab``; the vocabulary weight goes to the
   other two for a need without tags).
3. **Aggregation** over needs: each need's fused scores less the need's ``need_baseline`` quantile
   over all candidates (at 0 below; with ``baseline_min_candidates`` candidates or more), then
   ``max``, ``mean`` or ``topk`` (mean of the best ``top_k``), then blended with the overlap of the
   two documents' whole-text tags (``w_doc_tags``).
4. **Context fit** multiplies the result (:mod:`matchmaker.matching.fit`); it never removes a
   candidate. City ↔ city adds **mentors**: a city whose case study answers one of the asking city's
   needs and overcame one of its obstacles.

Scores are absolute (cosines and tag confidences are not rescaled per query, BM25 is rescaled per
need, and the need baseline only subtracts), so they stay in [0, 1] and are comparable across queries.

:class:`Engine` holds everything that does not depend on the query, built once per set of index
generations: passage vectors, BM25 indexes, tags and contexts. It is immutable once built and safe to
share between threads. An engine built after a write takes from the one before what did not change:
per-document analyses, unchanged kinds, rows of unchanged documents and the rows of the maintained
relevance matrices (a changed candidate's column is scored alone, against each row's :class:`Norms`).
Queries rank every candidate with arrays and make :class:`Scored` objects only for those shown
(:class:`Ranking`).

This module holds the engine: the kinds it prepares, what it carries from the engine before, and the
queries. Its parts have homes of their own:

* what one kind of documents holds: :mod:`.kinds`; results over arrays: :mod:`.ranking`;
* a query's needs: :mod:`.needs`, read from a stored document or a free text by :mod:`.query_needs`;
* the signals of a query against candidates and their fusion: :mod:`.evidence`;
* the maintained relevance matrices, carried across a write and brought up to date: :mod:`.maintained`;
* what relates two cities beyond their text (shared providers, strengths that make a mentor):
  :mod:`.city_relations`;
* what multiplies relevance into a score (context fit, obstacles overcome): :mod:`.adjusters`;
* a query's relevance from a shortlist of a large kind: :mod:`.shortlisted`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.bundle import IndexBundle
from matchmaker.embeddings.encoder import Encoder, FloatArray
from matchmaker.embeddings.passages import DocKind, Record
from matchmaker.errors import IndexUnavailableError
from matchmaker.matching.adjusters import (
    ContextFit,
    obstacle_factors,
    obstacle_multipliers,
    obstacle_overlap,
    resolve_references,
)
from matchmaker.matching.analysis import Analyses
from matchmaker.matching.bounded import SizedCache
from matchmaker.matching.city_relations import CityRelations, StrengthEvidence, shared_provider_ids
from matchmaker.matching.evidence import Evidence, fused, need_signals
from matchmaker.matching.fit import Factor, FitTable, combine
from matchmaker.matching.kinds import (
    Candidates,
    DocumentSet,
    KindIndex,
    SecondEncoder,
    passage_roles,
    rule_roles,
)
from matchmaker.matching.maintained import RelevanceMatrices
from matchmaker.matching.needs import Needs, need_weights, split_needs
from matchmaker.matching.profiles import (
    Profile,
    obstacle_mask,
)
from matchmaker.matching.query_needs import NeedsReader
from matchmaker.matching.ranking import (
    Norms,
    Ranking,
    RelevanceRows,
    Scored,
    adjusted,
)
from matchmaker.matching.scoring import DEFAULT_CONFIG, EngineConfig
from matchmaker.matching.shortlist import ShortlistPolicy
from matchmaker.matching.shortlisted import Shortlister
from matchmaker.matching.signals import SAME_LANGUAGE_BIAS
from matchmaker.vocabulary import load_vocabulary
from matchmaker.vocabulary.roles import RoleModel

Mode = str
QueryKind = Literal["city_provider", "provider_city", "city_city", "city_case", "text_case"]

#: The evidence of the newest (city, kind, configuration) queries is kept while it holds no more
#: than this (for explanations; the relevance of every city is kept apart, in the relevance
#: matrices): a city of 8 needs against 500 providers holds 94 KB, against the demo's 90 about 17 KB.
EVIDENCE_BYTES = 32 * 1024 * 1024
#: The strength evidence of this many queries is kept at least (more while it holds no more than
#: :data:`~.city_relations.STRENGTH_BYTES`).
EVIDENCE_CACHE = 64
#: Cities whose strength evidence is computed together when many cities' rankings are read at once
#: (:meth:`Engine.rank_cities_for_cities`): no more than the strength cache keeps at least.
STRENGTH_BATCH = EVIDENCE_CACHE


# --------------------------------------------------------------------------------------------------
# The engine


class Engine:
    """Everything the matcher needs that does not depend on the query, for one set of generations.

    Kinds are prepared lazily (a command about providers never tags case passages) and then kept.
    """

    def __init__(
        self,
        bundles: Mapping[DocKind, IndexBundle],
        records: Mapping[DocKind, Sequence[Record]],
        *,
        config: EngineConfig = DEFAULT_CONFIG,
        embed: Callable[[Sequence[str]], FloatArray] | None = None,
        second: SecondEncoder | None = None,
        role_model: RoleModel | None = None,
        unavailable: Mapping[DocKind, str] | None = None,
        analyses: Analyses | None = None,
        previous: Engine | None = None,
        shortlist: ShortlistPolicy | None = None,
    ) -> None:
        self.bundles = dict(bundles)
        #: Above its size, a query's full evidence is computed for a shortlist of candidates only.
        self.shortlist = shortlist
        #: The arrays shortlisting reads, per kind and generation.
        self.shortlister = Shortlister()
        #: The multilingual encoder (a second dense channel), and the role model over its vectors.
        self.second = second
        #: The multilingual encoder's excess for texts in the same language (``ml_same_language_debias``).
        self.language_bias = SAME_LANGUAGE_BIAS.get(second.name, {}) if second else {}
        self.role_model = role_model
        #: Why a kind has no bundle here (a damaged index, say), quoted by the queries that need it.
        self.unavailable = dict(unavailable or {})
        self._embed = embed
        self.records = {k: {r.id: r for r in v} for k, v in records.items()}
        self.config = config
        #: Profiles and passage facts, reused from ``previous`` and the analysis store where unchanged.
        self.analyses: Analyses = analyses or Analyses(
            previous=previous.analyses if previous is not None else None
        )
        self.profiles = self.analyses.profiles_of(records)
        self._kinds: dict[DocKind, KindIndex] = {}
        # The prepared kinds of the engine this one replaces: reused whole when neither their bundle
        # nor their profiles changed, else the source of the rows of unchanged documents.
        self._before: dict[DocKind, KindIndex] = dict(previous._kinds) if previous is not None else {}
        # The documents of each kind of the engine before, which everything carried was made of.
        made_of = (
            {kind: DocumentSet.of(index) for kind, index in previous._kinds.items()}
            if previous is not None
            else {}
        )
        self._cache_lock: threading.Lock = threading.Lock()
        models = sorted({b.manifest.model_name for b in self.bundles.values()})
        #: The relevance matrices, carried from ``previous`` where its documents did not change.
        self.maintained: RelevanceMatrices = RelevanceMatrices(
            config,
            previous.maintained if previous is not None else None,
            made_of,
            # What the stored rows depend on besides the configuration: the encoders, the role model
            # the roles come from (a new model shipped with an upgrade reads the rows again), and the
            # multilingual encoder's same-language correction.
            encoders=(
                f"{','.join(models)}|{second.name if second else ''}"
                f"|{role_model.digest if role_model is not None else ''}"
                f"|{sorted(self.language_bias.items())}"
            ),
            lock=self._cache_lock,
        )
        # The matrices made so far and their store-key digests, per (target kind, configuration).
        self._relevance = self.maintained.matrices
        self._row_digests = self.maintained.row_digests
        #: The needs of stored documents and of free-text queries (the clauses of long needs kept).
        self.needs_reader: NeedsReader = NeedsReader(
            embed=embed, second=second, role_model=role_model, lock=self._cache_lock
        )
        #: Shared providers and strengths between cities, carried from ``previous`` where unchanged.
        self.relations: CityRelations = CityRelations(
            config,
            previous.relations if previous is not None else None,
            made_of,
            lock=self._cache_lock,
            keep=EVIDENCE_CACHE,
        )
        self._evidence: SizedCache[tuple[str, DocKind, EngineConfig], tuple[Needs, Evidence]] = SizedCache(
            keep=1, limit=EVIDENCE_BYTES, size=lambda value: value[1].nbytes, touch=True
        )
        self._lock = threading.Lock()
        #: The context-fit tables, made again from ``previous``'s after a write.
        self.context_fit: ContextFit = ContextFit(
            resolve_references(self.records, self.profiles),
            previous.context_fit if previous is not None else None,
            lock=self._cache_lock,
        )
        vocab = load_vocabulary()
        self._weights_cache: dict[float, FloatArray] = {}
        self._labels = {t.id: t.label for t in vocab.terms}

    @property
    def generations(self) -> tuple[str, ...]:
        """The bundle generations this engine was built from."""
        return tuple(self.bundles[k].generation for k in sorted(self.bundles))

    def kind(self, kind: DocKind) -> KindIndex:
        """The prepared data of a kind (built on first use)."""
        index = self._kinds.get(kind)
        if index is not None:
            return index
        if kind not in self.bundles:
            reason = self.unavailable.get(kind)
            if reason:
                raise IndexUnavailableError(f"the {kind} index is unavailable: {reason}")
            msg = f"there is no {kind} index yet; ingest {kind} records or run `matchmaker index build`"
            raise IndexUnavailableError(msg)
        with self._lock:
            index = self._kinds.get(kind)
            if index is None:
                before = self._before.pop(kind, None)
                if before is not None and self._unchanged(before, kind):
                    index = before
                else:
                    index = KindIndex(
                        self.bundles[kind],
                        self.profiles[kind],
                        analyses=self.analyses,
                        previous=before,
                        embed=self._embed,
                        second=self.second,
                        role_model=self.role_model,
                    )
                self._kinds[kind] = index
                if not self._before:
                    self.analyses.release_previous()
        return index

    def _unchanged(self, index: KindIndex, kind: DocKind) -> bool:
        """Whether a prepared kind serves this engine as it is: same bundle, same profiles."""
        profiles = self.profiles[kind]
        return (
            index.generation == self.bundles[kind].generation
            and len(profiles) == len(index.ids)
            and all(profiles.get(d) is p for d, p in zip(index.ids, index.profiles, strict=True))
        )

    def clear_caches(self) -> None:
        """Forget cached evidence, context factors and city matrices (benchmarks measure cold queries)."""
        with self._cache_lock:
            self._evidence.clear()
            self.context_fit.tables.clear()
            self._relevance.clear()
            self.relations.shared.clear()
            self.relations.strengths.clear()

    def warm(self) -> None:
        """Prepare every kind now, with the vectors and BM25 index the engine's configuration reads
        (servers call this at start-up)."""
        for kind in self.bundles:
            self.kind(kind).view(self.config)

    def precompute(self) -> None:
        """Compute (or read) the city → provider and city ↔ city relevance matrices of the engine's
        configuration now, storing new rows (an ingest or a rebuild does, so queries read them)."""
        self.warm()
        if "city" not in self.bundles:
            return
        for kind in ("provider", "city"):
            if kind in self.bundles:
                self.relevance_matrix(kind, self.config)
                self.fit_table(kind, self.config)

    def prepare_written(self, kind: DocKind, doc_ids: Sequence[str]) -> None:
        """Prepare what the first queries after a write of ``doc_ids`` (of ``kind``) would otherwise
        wait for: every kind's views, the context-fit tables, the maintained matrices carried from
        the replaced engine, and a written city's own rows and strengths. What is left (a changed
        document's column in every row) is :meth:`freshen`'s."""
        self.warm()
        if "city" not in self.bundles:
            return
        cfg = self.config
        for target in ("provider", "city"):
            if target in self.bundles:
                self.fit_table(target, cfg)
                self._relevance_rows(target, cfg)
        if kind != "city":
            return
        cities = self.kind("city")
        for doc_id in doc_ids:
            if doc_id not in cities.pos:
                continue  # deleted
            for target in ("provider", "case", "city"):
                if target in self.bundles:
                    self.relevance_row(target, doc_id, cfg)
            if cfg.strength_mentors and cfg.use_roles:
                self.strength_evidence(doc_id, cfg)

    def freshen(self, pause: Callable[[], None] | None = None) -> None:
        """Bring the maintained city → provider and city ↔ city matrices up to date: every missing
        row computed, every stale entry scored again (a server does this after a write, in the
        background, so later queries read them). ``pause`` is called before each chunk of rows
        (the background waits there while queries run)."""
        if "city" not in self.bundles:
            return
        cfg = self.config
        for target in ("provider", "city"):
            if target in self.bundles:
                self.relevance_matrix(target, cfg, pause=pause)
        if cfg.w_shared_providers > 0 and "provider" in self.bundles:
            self.relations.centred_provider_rows(self, cfg)

    # ----------------------------------------------------------------------------------------------
    # Needs

    def needs_of(self, kind: DocKind, doc_id: str, cfg: EngineConfig | None = None) -> Needs:
        """The needs of a stored document: its passages, and (``clause_needs``) the clauses of passages
        that hold several, weighted as ``cfg`` says."""
        cfg = cfg or self.config
        return self.needs_reader.of_document(self.kind(kind), doc_id, cfg)

    def needs_of_text(self, text: str, encoder: Encoder, cfg: EngineConfig | None = None) -> Needs:
        """The needs of a free-text query, encoded with ``encoder``."""
        cfg = cfg or self.config
        return self.needs_reader.of_text(text, encoder, cfg)

    # ----------------------------------------------------------------------------------------------
    # Evidence

    def _term_weights(self, obstacle_weight: float) -> FloatArray:
        cached = self._weights_cache.get(obstacle_weight)
        if cached is None:
            cached = (1.0 + (obstacle_weight - 1.0) * obstacle_mask()).astype(np.float32)
            self._weights_cache[obstacle_weight] = cached
        return cached

    def evidence(
        self,
        needs: Needs,
        target: KindIndex | Candidates,
        cfg: EngineConfig | None = None,
        *,
        norms: Norms | None = None,
        baseline_of: Callable[[FloatArray], FloatArray] | None = None,
    ) -> Evidence:
        """Every signal of every candidate of ``target`` for ``needs``, fused as ``cfg`` says.

        With ``norms`` (from an earlier evidence against all candidates), BM25 is divided and the
        baseline subtracted as they say, so a few candidates (one changed document) are scored as
        they would be among all. With ``baseline_of``, each need's baseline is what it estimates from
        the fused per-need scores of these candidates (a shortlist and a sample of the rest).
        """
        cfg = cfg or self.config
        cands = target.candidates(cfg) if isinstance(target, KindIndex) else target
        q_vectors, q_tokens = needs.view(cfg)
        w = self._term_weights(cfg.obstacle_weight)
        signals_of = need_signals(
            q_vectors,
            q_tokens,
            needs.tags,
            needs.ml_vectors,
            english=needs.profile.language == "en",
            cands=cands,
            cfg=cfg,
            lexical_top=norms.lexical_top if norms is not None else None,
            term_weights=w,
            languages=self._bias_languages([needs]),
            language_bias=self.language_bias,
        )
        return fused(needs, cands, cfg, signals_of, term_weights=w, norms=norms, baseline_of=baseline_of)

    def _bias_languages(self, stacked: Sequence[Needs]) -> list[str] | None:
        """Each passage's language, for the same-language correction of the multilingual cosine;
        None where it has nothing to correct (no table for the encoder, or English queries only)."""
        if not self.language_bias or all(n.profile.language == "en" for n in stacked):
            return None
        return [n.profile.language for n in stacked for _ in n.passages]

    def relevance_for_many(
        self, queries: Sequence[tuple[Needs, Norms]], cands: Candidates, cfg: EngineConfig
    ) -> FloatArray:
        """The relevance of a few candidates (``cands``) for many stored cities' needs at once, each
        scored against its own row's norms: :meth:`evidence`'s ``relevance`` per city, with the
        per-need signals computed once over the needs of every city (stacked) instead of once per
        city. Rows are the queries, in order."""
        out = np.zeros((len(queries), len(cands)), dtype=np.float32)
        w = self._term_weights(cfg.obstacle_weight)
        # Cities whose needs read the same channels are stacked together.
        groups: dict[tuple[bool, bool], list[int]] = {}
        for q, (needs, _) in enumerate(queries):
            if needs.passages:
                key = (needs.profile.language == "en", needs.ml_vectors is not None)
                groups.setdefault(key, []).append(q)
        for (english, with_ml), members in groups.items():
            views = [queries[q][0].view(cfg) for q in members]
            signals_of = need_signals(
                np.vstack([v for v, _ in views]),
                [t for _, tokens in views for t in tokens],
                np.vstack([queries[q][0].tags for q in members]),
                np.vstack([queries[q][0].ml_vectors for q in members]) if with_ml else None,  # type: ignore[misc]
                english=english,
                cands=cands,
                cfg=cfg,
                lexical_top=np.concatenate([queries[q][1].lexical_top for q in members]),
                term_weights=w,
                languages=None if english else self._bias_languages([queries[q][0] for q in members]),
                language_bias=self.language_bias,
            )
            start = 0
            for q in members:
                needs, norms = queries[q]
                rows = slice(start, start + len(needs.passages))
                start = rows.stop
                out[q] = fused(
                    needs, cands, cfg, signals_of.rows(rows), term_weights=w, norms=norms
                ).relevance
        return out

    # ----------------------------------------------------------------------------------------------
    # Shortlists: above a size, the full evidence of a query is computed for a few hundred candidates

    def shortlists(self, target: KindIndex) -> bool:
        """Whether queries against ``target`` compute the full evidence for a shortlist only: from
        the policy's size on, when the kind's bundle has an approximate (HNSW) index or the policy
        shortlists over exact indexes too (their dense pass costs what the full evidence's does)."""
        policy = self.shortlist
        if policy is None or not policy.applies(len(target)):
            return False
        bundle = self.bundles.get(target.kind)
        return policy.flat or (bundle is not None and bundle.manifest.index_type == "hnsw")

    def relevance_of(
        self, needs: Needs, target: KindIndex, cfg: EngineConfig | None = None
    ) -> tuple[FloatArray, Norms]:
        """Every candidate's relevance for ``needs`` and the norms it is measured against: from the
        full evidence (:meth:`evidence`), or, when ``target`` is shortlisted, from
        :meth:`shortlisted_relevance`."""
        cfg = cfg or self.config
        if self.shortlists(target):
            return self.shortlisted_relevance(needs, target, cfg)
        ev = self.evidence(needs, target, cfg)
        assert ev.norms is not None
        return ev.relevance, ev.norms

    def shortlisted_relevance(
        self, needs: Needs, target: KindIndex, cfg: EngineConfig, policy: ShortlistPolicy | None = None
    ) -> tuple[FloatArray, Norms]:
        """Every candidate's relevance, the full evidence computed for a shortlist only
        (:mod:`.shortlist`): per need, the documents of its best passages by dense similarity (as
        the policy says) and its best documents by BM25, plus a sample of the rest
        for the need baselines. BM25 is divided by each need's best score over all candidates.
        Candidates left out score their document-level signals only
        (:func:`~.shortlist.outside_relevance`)."""
        policy = policy or self.shortlist or ShortlistPolicy()
        return self.shortlister.relevance(self, needs, target, cfg, policy)

    def shortlist_of(
        self, needs: Needs, target: KindIndex, cfg: EngineConfig, policy: ShortlistPolicy | None = None
    ) -> tuple[npt.NDArray[np.int64], FloatArray, FloatArray]:
        """The shortlisted candidates of ``target`` for ``needs`` (sorted positions), the raw BM25 of
        each need against every candidate (needs × candidates; zeros without BM25) and what a
        candidate left out scores (:func:`~.shortlisted.outside_relevance`)."""
        policy = policy or self.shortlist or ShortlistPolicy()
        return self.shortlister.shortlist_of(
            needs,
            target,
            cfg,
            policy,
            bundle=self.bundles.get(target.kind),
            term_weights=self._term_weights(cfg.obstacle_weight),
        )

    def _dense_hits(
        self, queries: FloatArray, target: KindIndex, vectors: FloatArray, cfg: EngineConfig, k: int
    ) -> npt.NDArray[np.int64]:
        return self.shortlister.dense_hits(
            queries, target, vectors, cfg, k, bundle=self.bundles.get(target.kind)
        )

    # ----------------------------------------------------------------------------------------------
    # The five queries

    def providers_for_city(self, city_id: str, cfg: EngineConfig | None = None) -> list[Scored]:
        """Every provider scored for a city, best first."""
        return self.rank_providers_for_city(city_id, cfg).all()

    def cities_for_provider(self, provider_id: str, cfg: EngineConfig | None = None) -> list[Scored]:
        """Every city scored for a provider, with the city → provider score of each pair, best first."""
        return self.rank_cities_for_provider(provider_id, cfg).all()

    def cases_for_city(self, city_id: str, cfg: EngineConfig | None = None) -> list[Scored]:
        """Every case study scored for a city (its own case studies left out), best first."""
        return self.rank_cases_for_city(city_id, cfg).all()

    def search_cases(
        self, text: str, encoder: Encoder, cfg: EngineConfig | None = None, *, needs: Needs | None = None
    ) -> list[Scored]:
        """Every case study scored for a free-text query (or its ``needs`` already made), best first."""
        cfg = cfg or self.config
        needs = needs if needs is not None else self.needs_of_text(text, encoder, cfg)
        return self.rank_search_cases(needs, cfg).all()

    def cities_for_city(self, city_id: str, cfg: EngineConfig | None = None) -> list[Scored]:
        """Every other city scored as a comparable city or a mentor, best first."""
        return self.rank_cities_for_city(city_id, cfg).all()

    # Rankings: every candidate scored with arrays; result objects only for what is shown.

    def rank_search_cases(self, needs: Needs, cfg: EngineConfig | None = None) -> Ranking:
        """Every case study for a free-text query's ``needs``."""
        cfg = cfg or self.config
        return self.rank_cases(needs.profile, self.relevance_of(needs, self.kind("case"), cfg)[0], cfg)

    def rank_providers_for_city(self, city_id: str, cfg: EngineConfig | None = None) -> Ranking:
        """Every provider scored for a city: relevance times the context fit, per provider."""
        cfg = cfg or self.config
        row, _ = self.relevance_row("provider", city_id, cfg)
        i = self.kind("city").pos[city_id]
        table = self.fit_table("provider", cfg)
        return _fitted_ranking(self.kind("provider").ids, row, table, lambda t: t.row(i), lambda j: (i, j))

    def rank_cities_for_provider(self, provider_id: str, cfg: EngineConfig | None = None) -> Ranking:
        """Every city scored for a provider: a column of the maintained city → provider matrix."""
        cfg = cfg or self.config
        j = self.kind("provider").pos[provider_id]
        column = self.relevance_column("provider", j, cfg).copy()
        table = self.fit_table("provider", cfg)
        return _fitted_ranking(self.kind("city").ids, column, table, lambda t: t.column(j), lambda i: (i, j))

    def rank_cases_for_city(self, city_id: str, cfg: EngineConfig | None = None) -> Ranking:
        """Every case study scored for a city, its own case studies left out."""
        cfg = cfg or self.config
        row, _ = self.relevance_row("case", city_id, cfg)
        cities = self.kind("city")
        return self.rank_cases(cities.profiles[cities.pos[city_id]], row, cfg, mentor=city_id)

    def rank_cases(
        self, query: Profile, relevance_row: FloatArray, cfg: EngineConfig, *, mentor: str | None = None
    ) -> Ranking:
        """Case studies scored from their relevance and the obstacles they overcame (cases whose
        mentor city is ``mentor`` left out)."""
        cases = self.kind("case")
        bonus = obstacle_multipliers(query, cases, cfg)
        relevance = relevance_row.astype(np.float64)
        keep = None
        if mentor is not None:
            keep = np.array([p.mentor_city != mentor for p in cases.profiles], dtype=bool)
        return Ranking(
            cases.ids,
            np.clip(relevance * bonus, 0.0, 1.0),
            lambda j: self._case_scored(query, cases, j, float(relevance_row[j]), cfg),
            keep,
        )

    def rank_cities_for_cities(
        self, city_ids: Sequence[str], cfg: EngineConfig | None = None
    ) -> Iterator[tuple[str, Ranking]]:
        """Each city's :meth:`rank_cities_for_city` in turn, the strength evidence their results read
        computed for :data:`STRENGTH_BATCH` cities at a time (one matrix product for their needs,
        :meth:`CityRelations.strength_evidences`); read each ranking before asking for the next."""
        cfg = cfg or self.config
        use_strengths = cfg.strength_mentors and cfg.use_roles
        for start in range(0, len(city_ids), STRENGTH_BATCH):
            batch = list(city_ids[start : start + STRENGTH_BATCH])
            if use_strengths:
                strengths = self.relations.strength_evidences(self, batch, cfg)
                for city_id, evidence in zip(batch, strengths, strict=True):
                    yield city_id, self.rank_cities_for_city(city_id, cfg, strengths=evidence)
            else:
                for city_id in batch:
                    yield city_id, self.rank_cities_for_city(city_id, cfg)

    def rank_cities_for_city(
        self, city_id: str, cfg: EngineConfig | None = None, *, strengths: StrengthEvidence | None = None
    ) -> Ranking:
        """Every other city scored as a comparable city or a mentor (``strengths``: the city's
        :meth:`strength_evidence`, when read already).

        Comparable: how well each city's text answers this city's needs and the reverse (a row and a
        column of the maintained city ↔ city matrix), times the context fit. A mentor has a case
        study that answers one of the needs and overcame one of the obstacles, or states as a
        strength what this city needs. With ``w_shared_providers``, cities whose provider rankings
        agree score higher.
        """
        cfg = cfg or self.config
        cities = self.kind("city")
        i = cities.pos[city_id]
        row, _ = self.relevance_row("city", city_id, cfg)
        column = self.relevance_column("city", i, cfg)
        # Symmetric: how well B's text answers A's needs and how well A's text answers B's.
        comparable = (0.5 * (row + column)).astype(np.float32)
        table = self.fit_table("city", cfg)
        comparable64 = comparable.astype(np.float64)
        score = comparable64 * table.row(i) if table is not None else comparable64.copy()

        # A mentor has a case study that answers one of the needs and overcame one of the obstacles.
        mentor_best: dict[str, tuple[float, str, bool]] = {}
        if cfg.use_mentors and "case" in self.bundles:
            cases = self.kind("case")
            me = cities.profiles[i]
            case_scores = self.rank_cases(
                me, self.relevance_row("case", city_id, cfg)[0], cfg
            ).scores.tolist()
            overcame = (obstacle_overlap(me, cases) > 0).tolist()
            for j, prof in enumerate(cases.profiles):
                mentor = prof.mentor_city
                best = mentor_best.get(mentor, (-1.0, "", False))[0] if mentor else 0.0
                if mentor and mentor != city_id and case_scores[j] > best:
                    mentor_best[mentor] = (case_scores[j], cases.ids[j], overcame[j])
        mentors: dict[int, tuple[float, str, bool]] = {
            cities.pos[m]: v for m, v in mentor_best.items() if m in cities.pos
        }
        relation_mentor = np.zeros(len(cities), dtype=bool)
        for j, (m_score, _, overcame) in mentors.items():
            weighted = m_score * cfg.mentor_weight
            if overcame and weighted >= cfg.mentor_share * score[j]:
                relation_mentor[j] = True
            score[j] = max(float(score[j]), weighted)

        # Strengths decide a city's relation, never its score: they are read when the first result
        # object is made, so a ranking read for its scores alone (pair scores) never computes them.
        use_strengths = cfg.strength_mentors and cfg.use_roles
        strength_cache: list[tuple[StrengthEvidence, npt.NDArray[np.bool_]]] = []

        def strength_mentors() -> tuple[StrengthEvidence, npt.NDArray[np.bool_]]:
            if not strength_cache:
                read = strengths if strengths is not None else self.strength_evidence(city_id, cfg)
                # A city that already did what this city needs is a mentor, not a comparable city.
                strength_cache.append(
                    (read, (read.strength >= 0.5) & (read.scores > 0) & (read.scores > read.alike))
                )
            return strength_cache[0]

        use_shared = cfg.w_shared_providers > 0 and "provider" in self.bundles
        shared = self.shared_providers_row(i, cfg) if use_shared else None
        if shared is not None:
            score = (1.0 - cfg.w_shared_providers) * score + cfg.w_shared_providers * shared.astype(
                np.float64
            )
        keep = np.ones(len(cities), dtype=bool)
        keep[i] = False

        def make(j: int) -> Scored:
            factors = table.factors(i, j) if table is not None else []
            comp = float(comparable[j]) * combine(factors) if factors else float(comparable[j])
            item = Scored(cities.ids[j], comp, float(comparable[j]), factors, relation="comparable")
            if j in mentors:
                m_score, m_case, overcame = mentors[j]
                m_score *= cfg.mentor_weight
                item.mentor_case, item.mentor_score = m_case, m_score
                if overcame and m_score >= cfg.mentor_share * comp:
                    item.relation = "mentor"
                item.score = max(comp, m_score)
            if use_strengths and item.relation != "mentor":
                evidence, strength_mentor = strength_mentors()
                if strength_mentor[j]:
                    item.relation = "mentor"
                    s_score = float(evidence.scores[j])
                    item.mentor_strength = (int(evidence.need[j]), int(evidence.passage[j]), s_score)
            if shared is not None:
                item.shared_providers = float(shared[j])
                item.score = (
                    1.0 - cfg.w_shared_providers
                ) * item.score + cfg.w_shared_providers * item.shared_providers
            item.score = min(1.0, max(0.0, item.score))
            return item

        return Ranking(cities.ids, np.clip(score, 0.0, 1.0), make, keep)

    # ----------------------------------------------------------------------------------------------
    # Pieces

    def city_evidence(self, city_id: str, target_kind: DocKind, cfg: EngineConfig) -> tuple[Needs, Evidence]:
        """A city's needs and their evidence against a kind, computed once per configuration."""
        key = (city_id, target_kind, cfg)
        with self._cache_lock:
            hit = self._evidence.get(key)
            if hit is not None:
                return hit
        needs = self.needs_of("city", city_id, cfg)
        value = (needs, self.evidence(needs, self.kind(target_kind), cfg))
        rows = self._relevance_rows(target_kind, cfg)
        with self._cache_lock:
            self._evidence.put(key, value)
            rows.put(self.kind("city").pos[city_id], value[1].relevance, value[1].norms)
        return value

    def _relevance_rows(self, target_kind: DocKind, cfg: EngineConfig) -> RelevanceRows:
        return self.maintained.rows_of(self, target_kind, cfg)

    def relevance_row(
        self, target_kind: DocKind, city_id: str, cfg: EngineConfig
    ) -> tuple[FloatArray, Norms | None]:
        """City ``city_id``'s row of the relevance matrix against ``target_kind`` and its norms
        (read from the store, or computed, when not known yet)."""
        return self.maintained.row(self, target_kind, city_id, cfg)

    def relevance_column(self, target_kind: DocKind, j: int, cfg: EngineConfig) -> FloatArray:
        """Candidate ``j``'s column of the relevance matrix against ``target_kind``: every city's
        row made known, and fresh where its entry for ``j`` is stale."""
        return self.maintained.column(self, target_kind, j, cfg)

    def candidate_evidence(
        self,
        needs: Needs,
        target_kind: DocKind,
        doc_ids: Sequence[str],
        cfg: EngineConfig,
        norms: Norms | None = None,
    ) -> Evidence:
        """The evidence of some candidates for a stored city's needs (one column each, in order),
        scored against the norms of the city's relevance row (or ``norms`` given, for a free-text
        query): what explanations quote, without scoring every candidate."""
        target = self.kind(target_kind)
        if norms is None:
            _, norms = self.relevance_row(target_kind, needs.doc_id, cfg)
        return self.evidence(
            needs, target.candidates(cfg, [target.pos[d] for d in doc_ids]), cfg, norms=norms
        )

    def relevance_matrix(
        self, target_kind: DocKind, cfg: EngineConfig, *, pause: Callable[[], None] | None = None
    ) -> FloatArray:
        """``R[c, d]``: how well candidate ``d`` of ``target_kind`` answers city ``c``'s needs.

        The matrix is kept per configuration and filled one city row at a time, as each city's
        evidence is computed; rows of cities not asked about yet are computed here. Rows carried from
        the engine this one replaced (unchanged cities, unchanged candidates) are not computed again.
        """
        return self.maintained.matrix(self, target_kind, cfg, pause=pause)

    def _row_key(self, target_kind: DocKind, cfg: EngineConfig, i: int) -> str:
        return self.maintained.row_key(self, target_kind, cfg, i)

    def fit_table(self, kind: DocKind, cfg: EngineConfig) -> FitTable | None:
        """The context fit of every city against every candidate of ``kind`` (providers or cities)
        as arrays; ``None`` when ``use_context`` is off."""
        return self.context_fit.table(kind, cfg, self.kind)

    def shared_providers_row(self, i: int, cfg: EngineConfig) -> FloatArray:
        """``S[i, b]`` in [0, 1] for every city b: how alike the provider rankings of cities i and b
        are (:meth:`CityRelations.shared_providers_row`)."""
        return self.relations.shared_providers_row(self, i, cfg)

    def strength_evidence(self, city_id: str, cfg: EngineConfig) -> StrengthEvidence:
        """How well every city's strength passages answer ``city_id``'s needs, cached per
        configuration (:meth:`CityRelations.strength_evidence`)."""
        return self.relations.strength_evidence(self, city_id, cfg)

    def shared_provider_ids(self, a: str, b: str, cfg: EngineConfig, k: int = 10) -> list[str]:
        """Providers in the top ``k`` of both cities (for explanations)."""
        return shared_provider_ids(self, a, b, cfg, k)

    # Adjusters: one signature, (query profile, candidate profile, configuration) -> factors.

    def context_adjuster(self, query: Profile, candidate: Profile, cfg: EngineConfig) -> list[Factor]:
        """Context fit: city ↔ provider (language, region, scale, budget, hosting, connectivity,
        climate, references) or city ↔ city (region group, scale class); none when ``use_context`` is off."""
        return self.context_fit.factors(query, candidate, cfg)

    def obstacle_adjuster(self, query: Profile, candidate: Profile, cfg: EngineConfig) -> list[Factor]:
        """The asking city's obstacles a case study overcame (``1 + case_obstacle_bonus × share``)."""
        return obstacle_factors(query, candidate, cfg, self._labels)

    def _case_scored(
        self, query: Profile, cases: KindIndex, j: int, relevance: float, cfg: EngineConfig
    ) -> Scored:
        factors = self.obstacle_adjuster(query, cases.profiles[j], cfg)
        return Scored(cases.ids[j], adjusted(relevance, factors), relevance, factors)


def _fitted_ranking(
    ids: Sequence[str],
    relevance: FloatArray,
    table: FitTable | None,
    multipliers: Callable[[FitTable], npt.NDArray[np.float64]],
    pair: Callable[[int], tuple[int, int]],
) -> Ranking:
    """City → provider ``relevance`` of the ranked ``ids`` times the context fit: the
    ``multipliers`` read from the fit ``table`` (a city's row or a provider's column; none when
    ``use_context`` is off), and for candidate ``k`` its factors at (city, provider) ``pair(k)``."""
    raw = relevance.astype(np.float64)
    scores = raw * multipliers(table) if table is not None else raw

    def fitted(k: int) -> Scored:
        value = float(relevance[k])
        factors = table.factors(*pair(k)) if table is not None else []
        return Scored(ids[k], adjusted(value, factors), value, factors)

    return Ranking(ids, np.clip(scores, 0.0, 1.0), fitted)


__all__ = [
    "DEFAULT_CONFIG",
    "Candidates",
    "Engine",
    "EngineConfig",
    "Evidence",
    "KindIndex",
    "Needs",
    "Norms",
    "Ranking",
    "RelevanceRows",
    "Scored",
    "SecondEncoder",
    "StrengthEvidence",
    "need_weights",
    "passage_roles",
    "rule_roles",
    "split_needs",
]
