"""The matching use cases: the five queries of the contract and pair scores for the scheduler.

The CLI and the web API call only :class:`Matcher`::

    matcher = Matcher.for_settings(settings)          # once per process; share it between threads
    matcher.providers_for_city("kukes", top=10)       # -> MatchResponse
    matcher.cities_for_city("kukes")                  # results carry relation comparable | mentor
    matcher.cities_for_provider("prov-kartlink")
    matcher.cases_for_city("kukes")
    matcher.search_cases("streets without names")
    matcher.pair_score("kukes", "prov-kartlink")      # float | None, either order, for the scheduler
    matcher.pair_scores()("kukes", "prov-kartlink")   # the same, for every pair of one schedule

Ids must already be resolved (:func:`matchmaker.services.records.resolve_id`); an unknown id raises
:class:`~matchmaker.errors.NotFoundError`. A record stored but not yet indexed raises
:class:`~matchmaker.errors.IndexUnavailableError`.

The matcher keeps one :class:`~matchmaker.matching.engine.Engine` built from the live index
generations. When ``matchmaker ingest`` or ``index build`` publishes a new generation, the next
query notices it (one ``stat`` per kind) and builds a new engine from the one before, reusing what
did not change (:mod:`matchmaker.matching.analysis`, the relevance rows of unchanged cities), while
queries already running finish on the old one. The embedding model is loaded only when a free-text
search needs it (or by :meth:`Matcher.warm`).
"""

from __future__ import annotations

import functools
import gc
import logging
import math
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Concatenate, Literal, ParamSpec, Protocol, TypeVar

from pydantic import BaseModel, Field

from matchmaker.allocator import map_large_blocks, return_free_memory
from matchmaker.db.engine import Database
from matchmaker.embeddings.bundle import (
    BUILD_HINT,
    IndexBundle,
    IndexStore,
    Manifest,
    kind_dir,
    read_manifest,
    verify_files,
)
from matchmaker.embeddings.cache import EmbeddingCache, KeptOpen, embed_texts
from matchmaker.embeddings.encoder import Encoder, FloatArray, load_encoder
from matchmaker.embeddings.passages import KINDS, DocKind, Record
from matchmaker.errors import (
    IndexDamagedError,
    IndexUnavailableError,
    InvalidInputError,
    MatchmakerError,
    NotFoundError,
)
from matchmaker.matching.analysis import TAG_KINDS, Analyses
from matchmaker.matching.analysis_store import AnalysisStore
from matchmaker.matching.engine import (
    DEFAULT_CONFIG,
    Engine,
    EngineConfig,
    Evidence,
    Needs,
    Norms,
    Ranking,
    Scored,
    SecondEncoder,
)
from matchmaker.matching.explain import (
    CANDIDATE_WORDS,
    explanation,
    mentor_case_evidence,
    on_a_domain,
    on_topic,
    quoted,
    shortened,
)
from matchmaker.matching.ranking import ranked, shown_score
from matchmaker.matching.shortlist import ShortlistPolicy
from matchmaker.services import feedback
from matchmaker.services.indexing import IndexService
from matchmaker.settings import Settings
from matchmaker.vocabulary.language import load_identifier
from matchmaker.vocabulary.roles import RoleModel, shipped_model
from matchmaker.vocabulary.tagger import compile_cues

logger = logging.getLogger(__name__)

Relation = Literal["comparable", "mentor"]
#: Above this many changed documents of a kind, a new engine reads the kind's records in full.
_REREAD_LIMIT = 50

#: Every this many engines a matcher builds, one full garbage collection (see :func:`_settle_heap`).
_FULL_COLLECTION_EVERY = 64
#: How long the background freshening after a write waits before it starts (s).
_FRESHEN_DELAY = 0.1
#: How long background work waits for running queries before it takes its next chunk anyway (s).
_IDLE_WAIT = 0.5
#: Bytes of scores a matcher keeps for single pairs (:class:`PairCache`): a city's scores take 8 bytes
#: a provider and a city, so 32 MiB hold every city of a corpus of 1,400 cities and 1,400 providers,
#: and 400 cities of one of 5,000 of each.
PAIR_CACHE_BYTES = 32 * 2**20

P = ParamSpec("P")
R = TypeVar("R")


def _settle_heap(*, collect: bool) -> None:
    """Leave what a new engine holds (millions of tokens, passages and profiles) out of later garbage
    collections.

    An engine lives until a write replaces it, and is then freed by reference counting. Left to the
    collector, every full collection walked all of it: 0.5–0.7 s each at 50× the demo, about one
    write in three (bench/README.md). Frozen, it is skipped. The few reference cycles an engine
    leaves behind when replaced are picked up by a full collection first when ``collect`` (every
    :data:`_FULL_COLLECTION_EVERY` engines).
    """
    if collect:
        gc.unfreeze()
        gc.collect()
    gc.freeze()


class MatchResult(BaseModel):
    """One suggestion: the candidate's id, its score in [0, 1] and why."""

    id: str
    score: float = Field(ge=0.0, le=1.0)
    explanation: dict[str, Any]
    name: str | None = None
    kind: str | None = None
    relation: Relation | None = None


@dataclass(frozen=True, slots=True)
class Suggested:
    """A candidate for a city without its explanation (:meth:`Matcher.ranked_for_cities`): its id,
    its score as results show it, and for another city how it relates (comparable or mentor)."""

    id: str
    score: float
    relation: str | None = None


class MatchResponse(BaseModel):
    """The answer to one query: the query (an id or the search text) and the results, best first."""

    query: str
    results: list[MatchResult]


class _FreshenStoppedError(Exception):
    """The matcher closed while its matrices were being brought up to date in the background."""


class _Queries:
    """The queries in progress in one matcher: background work waits while any runs."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = threading.Condition()

    @contextmanager
    def running(self) -> Iterator[None]:
        """Count a query in progress while the block runs."""
        with self._idle:
            self._running += 1
        try:
            yield
        finally:
            with self._idle:
                self._running -= 1
                if not self._running:
                    self._idle.notify_all()

    def wait_idle(self, timeout: float = _IDLE_WAIT) -> None:
        """Wait until no query runs (or ``timeout`` seconds, so a steady load cannot starve the caller)."""
        with self._idle:
            self._idle.wait_for(lambda: not self._running, timeout)


def _query(method: Callable[Concatenate[Matcher, P], R]) -> Callable[Concatenate[Matcher, P], R]:
    """A query of the matcher: counted while it runs (see :class:`_Queries`)."""

    @functools.wraps(method)
    def run(self: Matcher, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.queries.running():
            return method(self, *args, **kwargs)

    return run


#: Why a free-text search is refused when it has nothing to look for (after the field that holds it).
NO_WORDS = "must contain at least one letter or digit"


def searchable(text: str) -> bool:
    """Whether a free-text search has something to look for: a letter or a digit (``!!!`` has not)."""
    return any(ch.isalnum() for ch in text)


class Matcher:
    """The matching service of one instance; see the module docstring."""

    def __init__(self, settings: Settings, database: Database, indexes: IndexService) -> None:
        self.settings = settings
        #: The scoring profile every engine this matcher builds uses.
        self.config: EngineConfig = DEFAULT_CONFIG
        self.database = database
        self.indexes = indexes
        self._store = indexes.index_store()
        self._engine: Engine | None = None
        #: Freeze each new engine out of garbage collection (:func:`_settle_heap`): for a long-running
        #: server, which the matching service's background start sets; short-lived processes and
        #: tests leave it off.
        self.settle_heap = False
        self._engines_built = 0
        self._lock = threading.Lock()
        #: Each city's scores read by :meth:`pair_score`, kept between calls.
        self.pair_cache = PairCache()
        #: Queries in progress: the background freshening after a write gives way to them.
        self.queries = _Queries()
        #: After a write, the engine whose matrices a background thread brings up to date next.
        self._freshen_next: Engine | None = None
        self._freshener: threading.Thread | None = None
        self._freshen_lock = threading.Lock()
        #: Set by :meth:`close`: the background freshening stops at its next chunk of rows.
        self._stop_freshening = threading.Event()
        #: The analysis store and the embedding cache, each kept open from first use to :meth:`close`.
        self._analysis_store = AnalysisStore(settings.cache_dir)
        self._embedding_cache = KeptOpen(lambda: EmbeddingCache.in_dir(settings.index_dir))

    @property
    def store(self) -> IndexStore:
        """The live index bundles this matcher reads."""
        return self._store

    def close(self) -> None:
        """Stop the background freshening and close the cache files this matcher keeps open (they
        open again, and a later write freshens again, if it is used after)."""
        with self._freshen_lock:
            self._freshen_next = None
            freshener = self._freshener
            self._stop_freshening.set()
        if freshener is not None:
            freshener.join()
        self._stop_freshening.clear()
        self._analysis_store.close()
        self._embedding_cache.close()

    # ----------------------------------------------------------------------------------------------
    # Loading

    @property
    def encoder(self) -> Encoder:
        """The embedding model (loaded on first use, once)."""
        return self.indexes.encoder

    def warm(self) -> None:
        """Load the model, the indexes and every kind's matching data now, compile the vocabulary's
        cues and load the language identifier (a record written later is analysed without waiting
        for them)."""
        _ = self.encoder
        compile_cues()
        load_identifier()
        self.engine().warm()

    def prepare_written(self, kind: DocKind, doc_ids: Sequence[str]) -> None:
        """Build the engine over the generation a write published, with what its first queries
        read (:meth:`Engine.prepare_written`), so they do not wait for it; the rest of its matrices
        are brought up to date in the background (:meth:`Engine.freshen`)."""
        engine = self.engine()
        engine.prepare_written(kind, doc_ids)
        with self._freshen_lock:
            self._freshen_next = engine
            if self._freshener is None:
                self._freshener = threading.Thread(
                    target=self._freshen_loop, name="matching-freshen", daemon=True
                )
                self._freshener.start()

    def wait_until_fresh(self, timeout: float | None = None) -> bool:
        """Block until the background freshening after the last write is done; whether it is."""
        with self._freshen_lock:
            freshener = self._freshener
        if freshener is not None:
            freshener.join(timeout)
            return not freshener.is_alive()
        return True

    def _freshen_loop(self) -> None:
        """Freshen the newest engine handed over, until none is waiting (an engine replaced in the
        meantime is skipped: the next one carries what was done)."""
        while True:
            time.sleep(_FRESHEN_DELAY)  # the query a client sends right after its write goes first
            with self._freshen_lock:
                engine, self._freshen_next = self._freshen_next, None
                if engine is None:
                    self._freshener = None
                    return
            if engine is self._engine:
                self._freshen_one(engine, self._freshen_pause)
            del engine  # a replaced engine is not kept alive here
            return_free_memory()

    def _freshen_pause(self) -> None:
        """Between two chunks of the background freshening: give way to queries, stop on close."""
        if self._stop_freshening.is_set():
            raise _FreshenStoppedError
        self.queries.wait_idle()

    @staticmethod
    def _freshen_one(engine: Engine, pause: Callable[[], None]) -> None:
        started = time.perf_counter()
        try:
            engine.freshen(pause=pause)
        except _FreshenStoppedError:
            logger.info("Matching matrices left to queries: the matcher is closing")
            return
        except Exception:  # queries compute what they need
            logger.exception("The matching matrices could not be brought up to date")
            return
        logger.info("Matching matrices up to date in %.0f ms", (time.perf_counter() - started) * 1000)

    def _bundles(self) -> dict[DocKind, IndexBundle]:
        """The live bundles; kinds never indexed are left out (queries needing them say so)."""
        bundles = {kind: b for kind in KINDS if (b := self._store.maybe(kind)) is not None}
        if not bundles:
            self._store.get("city")  # raises the store's own explanation of what is missing
        return bundles

    def engine(self) -> Engine:
        """The engine over the live generations (rebuilt when a new generation was published)."""
        bundles = self._bundles()
        generations = tuple(bundles[k].generation for k in sorted(bundles))
        engine = self._engine
        if engine is not None and engine.generations == generations:
            return engine
        with self._lock:
            engine = self._engine
            if engine is not None and engine.generations == generations:
                return engine
            records = self._load_records(engine, bundles)
            model_name = next(iter(bundles.values())).manifest.model_name
            unavailable = {k: v for k, v in self._store.problems.items() if k not in bundles}
            second = self._second_encoder()
            # What did not change is taken from the engine being replaced, or read from the store.
            analyses = Analyses(
                self._analysis_store, previous=engine.analyses if engine is not None else None
            )
            engine = Engine(
                bundles,
                records,
                config=self.config,
                embed=self._embedder(model_name),
                second=second,
                role_model=_role_model_for(second),
                unavailable=unavailable,
                analyses=analyses,
                previous=engine,
                shortlist=ShortlistPolicy(
                    self.settings.shortlist_min_candidates,
                    self.settings.shortlist_per_need,
                    self.settings.shortlist_lexical_per_need,
                    self.settings.shortlist_sample,
                    self.settings.shortlist_multilingual,
                    self.settings.shortlist_flat,
                ),
            )
            self._engine = engine
            self.pair_cache.clear()
            self._engines_built += 1
            if self.settle_heap:
                _settle_heap(collect=self._engines_built % _FULL_COLLECTION_EVERY == 0)
            logger.info("Matching engine ready for generations %s", ", ".join(generations))
            return engine

    def _embedder(
        self, model_name: str, encoder: Callable[[], Encoder] | None = None, label: str = "Embedding glosses"
    ) -> Callable[[Sequence[str]], FloatArray]:
        """Vectors for texts from the embedding cache, loading the model only for texts not cached."""

        def embed(texts: Sequence[str]) -> FloatArray:
            vectors, _ = embed_texts(
                list(texts),
                model_name=model_name,
                encoder=encoder or (lambda: self.encoder),
                cache=self._embedding_cache.get(),
                batch_size=self.settings.embed_batch_size,
                label=label,
            )
            return vectors

        return embed

    def _second_encoder(self) -> SecondEncoder | None:
        """The multilingual channel: stored passages from the embedding cache (filled at index time),
        queries encoded directly; ``None`` when ``multilingual_model`` is empty."""
        name = self.settings.multilingual_model
        if not name:
            return None

        def model() -> Encoder:
            return load_encoder(self.settings, name)

        return SecondEncoder(
            name,
            self._embedder(name, model, "Embedding passages (multilingual)"),
            lambda texts: model().encode(list(texts)),
        )

    def _load_records(
        self, before: Engine | None, bundles: Mapping[DocKind, IndexBundle]
    ) -> dict[DocKind, list[Record]]:
        """The records of every kind; a kind whose index generation did not change since ``before``
        was built keeps the records it had (the engine rebuilds on a new generation)."""
        if before is None:
            return self.indexes.records(KINDS)
        out: dict[DocKind, list[Record]] = {}
        reread: list[DocKind] = []
        for kind in KINDS:
            old, new = before.bundles.get(kind), bundles.get(kind)
            kept = before.records.get(kind, {})
            if old is None or new is None or set(kept) != set(old.documents):
                reread.append(kind)
            elif new.generation == old.generation:
                out[kind] = list(kept.values())
            else:
                # Only documents whose record changed are read again (a write changes one).
                changed = [
                    d
                    for d, e in new.documents.items()
                    if (o := old.documents.get(d)) is None or not o.same_record(e)
                ]
                if len(changed) > _REREAD_LIMIT:
                    reread.append(kind)
                    continue
                fresh = {r.id: r for r in self.indexes.records_by_id(kind, changed)}
                ids = sorted(d for d in new.documents if d in fresh or d in kept)
                out[kind] = [fresh[d] if d in fresh else kept[d] for d in ids]
        if reread:
            out.update(self.indexes.records(reread))
        return {kind: out.get(kind, []) for kind in KINDS}

    # ----------------------------------------------------------------------------------------------
    # Queries

    @_query
    def providers_for_city(self, city_id: str, top: int = 10) -> MatchResponse:
        """Providers whose capabilities answer the city's needs and fit its context."""
        return self._for_city(city_id, "provider", top, feedback=True)

    @_query
    def cities_for_city(self, city_id: str, top: int = 10) -> MatchResponse:
        """Comparable cities (same needs, similar context) and mentors (a case study that answers a need)."""
        return self._for_city(city_id, "city", top, feedback=True)

    def _for_city(self, city_id: str, kind: DocKind, top: int, *, feedback: bool) -> MatchResponse:
        """A city's best candidates of ``kind`` with their explanations (moved by meeting ratings
        with ``feedback``)."""
        engine = self.engine()
        self._check(engine, "city", city_id)
        needs = engine.needs_of("city", city_id, engine.config)
        rank = {
            "provider": engine.rank_providers_for_city,
            "city": engine.rank_cities_for_city,
            "case": engine.rank_cases_for_city,
        }[kind]
        ranking = rank(city_id, None)
        items = (
            self._with_feedback(city_id, ranking, self._top(top)) if feedback else ranking.top(self._top(top))
        )
        return self._respond(engine, city_id, items, needs, kind=kind, top=top)

    @_query
    def ranked_for_cities(
        self, city_ids: Sequence[str], kind: Literal["provider", "city"], top: int = 10
    ) -> dict[str, list[Suggested]]:
        """Each city's ``top`` best providers (as :meth:`providers_for_city` ranks them) or other
        cities (as :meth:`cities_for_city` does), scores moved by the city's own ratings, without
        their explanations: for a page that lists the suggestions of many cities at once. The ratings
        of all the cities are read in one query."""
        if not city_ids:
            return {}
        engine = self.engine()
        for city_id in city_ids:
            self._check(engine, "city", city_id)
        with self.database.unit_of_work() as session:
            rated = feedback.read_own_ratings_of(session, city_ids)
        rankings = (
            ((city_id, engine.rank_providers_for_city(city_id)) for city_id in city_ids)
            if kind == "provider"
            else engine.rank_cities_for_cities(city_ids)  # their strengths computed together
        )
        out: dict[str, list[Suggested]] = {}
        for city_id, ranking in rankings:
            items = self._with_feedback(city_id, ranking, self._top(top), rated.get(city_id, {}))
            out[city_id] = [Suggested(item.doc_id, shown_score(item.score), item.relation) for item in items]
        return out

    @_query
    def cities_for_provider(self, provider_id: str, top: int = 10) -> MatchResponse:
        """Municipalities whose needs the provider's offer answers, scored as city → provider."""
        engine = self.engine()
        self._check(engine, "provider", provider_id)
        ranking = engine.rank_cities_for_provider(provider_id)
        top_items = self._with_feedback(provider_id, ranking, self._top(top))[:top]
        providers = engine.kind("provider")
        results = []
        for item in top_items:
            needs = engine.needs_of("city", item.doc_id, engine.config)
            ev = engine.candidate_evidence(needs, "provider", [provider_id], engine.config)
            exp = explanation(
                engine,
                needs,
                providers,
                ev,
                item=_as_candidate(item, provider_id),
                cfg=engine.config,
                what=CANDIDATE_WORDS["provider"],
                column=0,
            )
            results.append(self._result(engine, "city", item, exp))
        return MatchResponse(query=provider_id, results=results)

    @_query
    def cases_for_city(self, city_id: str, top: int = 10) -> MatchResponse:
        """Case studies of cities that solved the same problem, best if they overcame the same obstacle."""
        return self._for_city(city_id, "case", top, feedback=False)

    @_query
    def search_cases(self, text: str, top: int = 10) -> MatchResponse:
        """Case studies for a free-text description of a problem (any supported language)."""
        query = text.strip()
        if not query:
            raise InvalidInputError("the search text is empty")
        if not searchable(query):
            raise InvalidInputError(f"the search text {NO_WORDS}")
        limit = self.settings.max_query_chars
        if len(query) > limit:
            raise InvalidInputError(f"the search text is {len(query)} characters long; the limit is {limit}")
        engine = self.engine()
        needs = engine.needs_of_text(text, self.encoder)
        cases = engine.kind("case")
        if engine.shortlists(cases):
            # The shown case studies are explained from their own evidence, against the query's norms.
            row, norms = engine.relevance_of(needs, cases, engine.config)
            items = engine.rank_cases(needs.profile, row, engine.config).top(self._top(top))
            return self._respond(engine, text, items, needs, kind="case", top=top, norms=norms)
        evidence = engine.evidence(needs, cases, engine.config)
        items = engine.rank_cases(needs.profile, evidence.relevance, engine.config).top(self._top(top))
        return self._respond(engine, text, items, needs, kind="case", top=top, evidence=evidence)

    @_query
    def pair_score(self, a_id: str, b_id: str) -> float | None:
        """The score of a city–provider or city–city pair, the same in either order; ``None`` for
        unknown ids.

        A city ranks the other city from its own side (a mentor is one for the city it mentors, not the
        other way round), so a city–city pair is worth what it is worth to the city that gains most:
        the higher of the two sides' scores. A city–provider pair is the city's score of the provider.
        """
        engine = self.engine()
        return _scored_pair(engine, a_id, b_id, lambda city, kind: self.pair_cache.scores(engine, city, kind))

    def pair_scores(self) -> PairScores:
        """:meth:`pair_score` for many pairs, as the scheduler asks for every pair of an event: the
        same numbers, each city's rankings computed once over one engine (see :class:`PairScores`)."""
        return PairScores(self)

    @_query
    def pair_reason(self, a_id: str, b_id: str) -> str | None:
        """Why a city–provider or city–city pair should meet, in one line participants may read.

        Built from the matcher's explanation (:attr:`MatchResult.explanation`) with readable names and
        no ids or scores: the city's need and the provider's capability (or the other city's need),
        a mentor city's case study, or the topics the two share. ``None`` for unknown pairs or when
        the explanation has nothing to show.
        """
        return _pair_reason(_Rankings(self.engine()), a_id, b_id)

    @_query
    def meeting_reason(self, a_id: str, b_id: str) -> str | None:
        """Why two participants meet when neither asked the other: :meth:`pair_reason`, told from the
        pair's order, except that between two cities where one is a mentor of the other it is told from
        the side of the city it mentors (the line then names the mentor's case study, as that city's
        suggestions do), whichever order the meeting has."""
        return _meeting_reason(_Rankings(self.engine()), a_id, b_id)

    def meeting_reasons(self) -> MeetingReasons:
        """:meth:`pair_reason` and :meth:`meeting_reason` for many meetings, as a plan asks for each of
        its meetings: the same lines, over one engine, each city's rankings computed once."""
        return MeetingReasons(self)

    @staticmethod
    def _name(engine: Engine, doc_id: str) -> str:
        kind = _kind_of(engine, doc_id)
        if kind is None:
            return doc_id
        index = engine.kind(kind)
        return index.profiles[index.pos[doc_id]].name or doc_id

    # ----------------------------------------------------------------------------------------------
    # Helpers

    def _feedback(self, rater: str) -> Mapping[str, feedback.Rated]:
        """How ``rater`` itself rated its earlier meetings, per other participant, with the signal in
        [-1, 1] (see :mod:`matchmaker.services.feedback`). The other side's ratings are left out:
        suggestions are read by the city or provider they are for, and a rating is its author's own."""
        with self.database.unit_of_work() as session:
            return feedback.read_own_ratings(session, rater)

    def _with_feedback(
        self, query_id: str, ranking: Ranking, top: int, rated: Mapping[str, feedback.Rated] | None = None
    ) -> list[Scored]:
        """The ``top`` best, with scores moved by how ``query_id`` rated its earlier meetings with
        them, as one more context factor.

        A pair whose meeting was rated "cooperation possible" ranks higher for a follow-up; one that
        showed insufficient interest ranks lower. Nobody is hidden. Every rated pair of the query is
        ranked with the best, so a rating can lift a candidate from anywhere. The engine's cached
        lists are not changed: adjusted items are copies. ``rated``: the query's own ratings, when
        the caller has read them already.
        """
        if rated is None:
            rated = self._feedback(query_id)
        if not rated:
            return ranking.top(top)
        out: list[Scored] = []
        for item in ranking.top(top, include=rated):
            own = rated.get(item.doc_id)
            if own is None:
                out.append(item)
                continue
            adjusted, factor = feedback.feedback_factor(item.score, own)
            out.append(
                replace(
                    item,
                    score=adjusted,
                    factors=[*item.factors, factor],
                )
            )
        return ranked(out)[:top]

    def _top(self, top: int) -> int:
        if top < 1:
            raise InvalidInputError(f"top must be at least 1, got {top}")
        return top

    def _check(self, engine: Engine, kind: DocKind, doc_id: str) -> None:
        if doc_id not in engine.records.get(kind, {}):
            word = "case study" if kind == "case" else kind
            raise NotFoundError(f"no {word} with id {doc_id!r}")
        if doc_id not in engine.kind(kind).pos:
            raise IndexUnavailableError(f"{kind} {doc_id!r} is stored but not indexed yet; {BUILD_HINT}")

    def _respond(
        self,
        engine: Engine,
        query: str,
        items: list[Scored],
        needs: Needs,
        *,
        kind: DocKind,
        top: int,
        evidence: Evidence | None = None,
        norms: Norms | None = None,
    ) -> MatchResponse:
        top_items = items[: self._top(top)]
        target = engine.kind(kind)
        cfg = engine.config
        what = CANDIDATE_WORDS[kind]

        if evidence is not None or (not needs.doc_id and norms is None):
            ev = evidence or engine.evidence(needs, target, cfg)
            explained = [
                explanation(engine, needs, target, ev, item=item, cfg=cfg, what=what) for item in top_items
            ]
        else:
            # A stored city: the shown candidates' own evidence, against the city's row norms.
            own = engine.candidate_evidence(needs, kind, [item.doc_id for item in top_items], cfg, norms)
            cases = mentor_case_evidence(engine, needs, top_items, cfg)
            explained = [
                explanation(
                    engine, needs, target, own, item=item, cfg=cfg, what=what, column=c, mentor_cases=cases
                )
                for c, item in enumerate(top_items)
            ]
        results = [
            self._result(engine, kind, item, exp) for item, exp in zip(top_items, explained, strict=True)
        ]
        return MatchResponse(query=query, results=results)

    def _result(self, engine: Engine, kind: DocKind, item: Scored, exp: dict[str, Any]) -> MatchResult:
        index = engine.kind(kind)
        name = index.profiles[index.pos[item.doc_id]].name if item.doc_id in index.pos else None
        relation: Relation | None = item.relation if item.relation in ("comparable", "mentor") else None  # type: ignore[assignment]
        return MatchResult(
            id=item.doc_id,
            score=shown_score(item.score),
            explanation=exp,
            name=name,
            kind=kind,
            relation=relation,
        )


def _role_model_for(second: SecondEncoder | None) -> RoleModel | None:
    """The shipped role model when its vectors come from the multilingual encoder in use, else ``None``
    (the engine then takes roles from its rules)."""
    if second is None:
        return None
    model = shipped_model()
    return model if model.encoder_name == second.name else None


def _as_candidate(item: Scored, provider_id: str) -> Scored:
    """The same scored pair seen from the provider's side (the explanation is about the provider)."""
    return Scored(provider_id, item.score, item.relevance, item.factors)


def _city_pair(engine: Engine, a_id: str, b_id: str) -> tuple[str, str, DocKind] | None:
    """A city–provider (either order) or city–city pair as (city, other, other's kind); ``None`` for
    unknown ids, a pair with itself, or a pair without a city."""
    kind_a, kind_b = _kind_of(engine, a_id), _kind_of(engine, b_id)
    if kind_a is None or kind_b is None or a_id == b_id:
        return None
    if kind_a == "provider" and kind_b == "city":
        a_id, b_id, kind_a, kind_b = b_id, a_id, kind_b, kind_a
    if kind_a != "city" or kind_b not in ("provider", "city"):
        return None
    return a_id, b_id, kind_b


class _Scores(Protocol):
    """A city's scores of the providers or of the other cities, by id."""

    def get(self, doc_id: str, /) -> float | None: ...


def _scored_pair(
    engine: Engine, a_id: str, b_id: str, scores_of: Callable[[str, DocKind], _Scores]
) -> float | None:
    """A pair's score from the cities' ranked scores (``scores_of(city, kind)``); see
    :meth:`Matcher.pair_score`."""
    pair = _city_pair(engine, a_id, b_id)
    if pair is None:
        return None
    city_id, other_id, kind = pair
    score = scores_of(city_id, kind).get(other_id)
    if kind != "city":
        return score
    back = scores_of(other_id, "city").get(city_id)
    sides = [s for s in (score, back) if s is not None]
    return max(sides) if sides else None


def _ranking(engine: Engine, city_id: str, kind: DocKind) -> Ranking:
    """A city's ranking of every provider (``kind`` provider) or of every other city."""
    rank = engine.rank_providers_for_city if kind == "provider" else engine.rank_cities_for_city
    return rank(city_id)


def _ranked_scores(engine: Engine, city_id: str, kind: DocKind) -> dict[str, float]:
    """Every provider's (``kind`` provider) or other city's score for a city, as results show it
    (the ranking's scores only: no result objects, explanations or strengths)."""
    ranking = _ranking(engine, city_id, kind)
    return {
        doc_id: shown_score(float(score))
        for doc_id, score in zip(ranking.ids, ranking.scores.tolist(), strict=True)
        if doc_id != city_id
    }


def _score_vector(engine: Engine, city_id: str, kind: DocKind) -> array[float]:
    """:func:`_ranked_scores` as an array in the order of the kind's index (a ranking scores the
    kind's documents in that order), the city itself ``nan``: 8 bytes a score instead of a dict entry
    and a float object."""
    scores = array("d", map(shown_score, _ranking(engine, city_id, kind).scores.tolist()))
    own = engine.kind(kind).pos.get(city_id)
    if own is not None:
        scores[own] = math.nan
    return scores


class _VectorScores:
    """A score vector of :func:`_score_vector` read by id."""

    __slots__ = ("_pos", "_scores")

    def __init__(self, scores: array[float], pos: Mapping[str, int]) -> None:
        self._scores = scores
        self._pos = pos

    def get(self, doc_id: str, /) -> float | None:
        i = self._pos.get(doc_id)
        if i is None:
            return None
        score = self._scores[i]
        return None if math.isnan(score) else score


class PairCache:
    """Each city's scores of every provider and of every other city, kept between calls of
    :meth:`Matcher.pair_score`.

    A city holds one entry, with both of its score vectors (:func:`_score_vector`: its providers'
    scores and its cities' scores, 8 bytes a score); the entries least recently read are dropped
    first once the vectors held pass ``limit`` bytes. A schedule whose participants alternate a city
    and a provider, asked one pair at a time, reads every city's two vectors in turn: a cache of a
    number of rankings (each city's two counted apart) missed on every read once the cities were more
    than half of it, and each pair computed a whole ranking again; here every city stays while the
    vectors of all of them fit in ``limit``.
    """

    def __init__(self, limit: int = PAIR_CACHE_BYTES) -> None:
        #: The most bytes of scores kept.
        self.limit = limit
        self._entries: OrderedDict[tuple[tuple[str, ...], str], dict[DocKind, array[float]]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """The bytes of scores held now."""
        return self._size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def scores(self, engine: Engine, city_id: str, kind: DocKind) -> _VectorScores:
        """The city's scores of the providers (``kind`` provider) or of the other cities, by id."""
        key = (engine.generations, city_id)
        with self._lock:
            entry = self._entries.get(key)
            vector = entry.get(kind) if entry is not None else None
            if vector is not None:
                self._entries.move_to_end(key)
        if vector is None:
            vector = _score_vector(engine, city_id, kind)
            with self._lock:
                entry = self._entries.setdefault(key, {})
                self._entries.move_to_end(key)
                if kind not in entry:
                    entry[kind] = vector
                    self._size += vector.itemsize * len(vector)
                    while self._size > self.limit and self._entries:
                        _, dropped = self._entries.popitem(last=False)
                        self._size -= sum(v.itemsize * len(v) for v in dropped.values())
        return _VectorScores(vector, engine.kind(kind).pos)


class PairScores:
    """Pair scores for a schedule: :meth:`Matcher.pair_score` of any pair, the same number, for
    callers that ask about many pairs at once.

    A schedule asks about every city–provider and city–city pair of its participants. Asked one pair
    at a time, the matcher looks for a new index generation on every call and keeps the scores of
    only as many cities as :data:`PAIR_CACHE_BYTES` holds; here the engine is taken once, on the
    first call, and each city's provider and city rankings are computed once, when first needed,
    and kept while this object lives (one schedule). A generation published meanwhile is read by
    the next schedule.
    """

    def __init__(self, matcher: Matcher) -> None:
        self._matcher = matcher
        self._engine: Engine | None = None
        self._rows: dict[tuple[str, DocKind], dict[str, float]] = {}
        self._lock = threading.Lock()

    def __call__(self, a_id: str, b_id: str) -> float | None:
        """The pair's score, the same in either order; ``None`` for unknown ids (as
        :meth:`Matcher.pair_score`)."""
        return _scored_pair(self._engine_once(), a_id, b_id, self._scores_of)

    def _engine_once(self) -> Engine:
        engine = self._engine
        if engine is None:
            engine = self._engine = self._matcher.engine()
        return engine

    def _scores_of(self, city_id: str, kind: DocKind) -> dict[str, float]:
        key = (city_id, kind)
        scores = self._rows.get(key)
        if scores is None:
            with self._matcher.queries.running():
                scores = _ranked_scores(self._engine_once(), city_id, kind)
            with self._lock:
                scores = self._rows.setdefault(key, scores)
        return scores


class _Rankings:
    """One engine and the rankings asked of it, each city's computed once (for the reasons of one
    query, or of every meeting of a plan)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._made: dict[tuple[str, DocKind], Ranking] = {}

    def of(self, city_id: str, kind: DocKind) -> Ranking:
        key = (city_id, kind)
        ranking = self._made.get(key)
        if ranking is None:
            ranking = self._made[key] = _ranking(self.engine, city_id, kind)
        return ranking

    def cities(self, city_ids: Sequence[str]) -> None:
        """Make the city rankings of ``city_ids`` not made yet, together: their strengths (which
        tell mentors) read for a batch of cities at a time, the numbers of one by one up to float32
        rounding (:meth:`Engine.rank_cities_for_cities`)."""
        todo = [c for c in dict.fromkeys(city_ids) if (c, "city") not in self._made]
        for city_id, ranking in self.engine.rank_cities_for_cities(todo):
            self._made[(city_id, "city")] = ranking


class MeetingReasons:
    """:meth:`Matcher.pair_reason` (``requested``) or :meth:`Matcher.meeting_reason` of any pair, the
    same line, for callers that ask about every meeting of a plan: the engine is taken once, on the
    first call, and each city's rankings are computed once and kept while this object lives."""

    def __init__(self, matcher: Matcher) -> None:
        self._matcher = matcher
        self._rankings: _Rankings | None = None

    def __call__(self, a_id: str, b_id: str, *, requested: bool) -> str | None:
        """Why ``a_id`` and ``b_id`` meet, told from ``a_id``'s side when one asked the other."""
        with self._matcher.queries.running():
            if requested:
                return _pair_reason(self._rankings_once(), a_id, b_id)
            return _meeting_reason(self._rankings_once(), a_id, b_id)

    def many(self, asked: Sequence[tuple[str, str, bool]]) -> list[str | None]:
        """The line of each ``(a_id, b_id, requested)`` of ``asked``, in order: what calling this
        object for each would give, computed together. The cities' rankings of other cities (which
        tell mentors) are made in batches, and each city's lines are told at once
        (:func:`_pair_reasons`: its needs read once, its partners' evidence in one pass)."""
        with self._matcher.queries.running():
            rankings = self._rankings_once()
            engine = rankings.engine
            pairs = [_city_pair(engine, a, b) for a, b, _requested in asked]
            # A city–city meeting reads the cities' rankings of each other (both, to find a mentor).
            rankings.cities([c for pair in pairs if pair is not None and pair[2] == "city" for c in pair[:2]])
            told = [
                None if pair is None else _told_as(rankings, a, b, requested=requested)
                for pair, (a, b, requested) in zip(pairs, asked, strict=True)
            ]
            partners: dict[tuple[str, DocKind], list[str]] = {}
            for pair in told:
                if pair is not None:
                    partners.setdefault((pair[0], pair[2]), []).append(pair[1])
            lines: dict[tuple[str, str], str | None] = {}
            for (city_id, kind), others in partners.items():
                for other_id, line in _pair_reasons(rankings, city_id, kind, others).items():
                    lines[(city_id, other_id)] = line
            return [None if pair is None else lines[(pair[0], pair[1])] for pair in told]

    def _rankings_once(self) -> _Rankings:
        if self._rankings is None:
            self._rankings = _Rankings(self._matcher.engine())
        return self._rankings


def _pair_reason(rankings: _Rankings, a_id: str, b_id: str) -> str | None:
    """:meth:`Matcher.pair_reason` with the rankings of ``rankings``."""
    pair = _city_pair(rankings.engine, a_id, b_id)
    if pair is None:
        return None
    city_id, other_id, kind = pair
    return _pair_reasons(rankings, city_id, kind, [other_id])[other_id]


def _pair_reasons(
    rankings: _Rankings, city_id: str, kind: DocKind, others: Sequence[str]
) -> dict[str, str | None]:
    """The line of :meth:`Matcher.pair_reason` for the city ``city_id`` and each of ``others`` (all
    of ``kind``, provider or city), by id: the city's needs are read once, and the evidence of the
    others and of their mentors' case studies is computed in one pass each."""
    engine = rankings.engine
    ranking = rankings.of(city_id, kind)
    items = {other_id: ranking.item(other_id) for other_id in dict.fromkeys(others)}
    out: dict[str, str | None] = dict.fromkeys(items)
    shown = [item for item in items.values() if item is not None]
    if not shown:
        return out
    cfg = engine.config
    needs = engine.needs_of("city", city_id, cfg)
    ev = engine.candidate_evidence(needs, kind, [item.doc_id for item in shown], cfg)
    cases = mentor_case_evidence(engine, needs, shown, cfg)
    target = engine.kind(kind)
    what = CANDIDATE_WORDS[kind]
    city = Matcher._name(engine, city_id)
    for column, item in enumerate(shown):
        exp = explanation(
            engine, needs, target, ev, item=item, cfg=cfg, what=what, column=column, mentor_cases=cases
        )
        out[item.doc_id] = readable_reason(exp, city=city, other=Matcher._name(engine, item.doc_id))
    return out


def _meeting_reason(rankings: _Rankings, a_id: str, b_id: str) -> str | None:
    """:meth:`Matcher.meeting_reason` with the rankings of ``rankings``."""
    told = _told_as(rankings, a_id, b_id, requested=False)
    if told is None:
        return None
    city_id, other_id, kind = told
    return _pair_reasons(rankings, city_id, kind, [other_id])[other_id]


def _told_as(
    rankings: _Rankings, a_id: str, b_id: str, *, requested: bool
) -> tuple[str, str, DocKind] | None:
    """Whose side a meeting's line is told from, as (city, other, other's kind): the city of a
    city–provider pair; for a pair somebody asked for (``requested``), ``a_id``'s side; between two
    cities nobody asked to meet, the side of the city the other mentors when one does, else the
    pair's order. ``None`` when the pair has no line (see :func:`_city_pair`)."""
    pair = _city_pair(rankings.engine, a_id, b_id)
    if requested or pair is None or pair[2] != "city":
        return pair
    city, other, _ = pair
    if not _is_mentor(rankings, city, other) and _is_mentor(rankings, other, city):
        return other, city, "city"
    return pair


def _is_mentor(rankings: _Rankings, city_id: str, other_id: str) -> bool:
    """Whether the city ``other_id`` is a mentor of the city ``city_id`` (from ``city_id``'s side)."""
    item = rankings.of(city_id, "city").item(other_id)
    return item is not None and item.relation == "mentor"


def _kind_of(engine: Engine, doc_id: str) -> DocKind | None:
    for kind in ("city", "provider"):
        if doc_id in engine.records.get(kind, {}):  # type: ignore[call-overload]
            return kind  # type: ignore[return-value]
    return None


class MatchingService:
    """The matching runtime of one instance: the model, the matcher, readiness and pair scores.

    The server calls :meth:`start` once (in a worker thread) at start-up; the CLI lets the matcher load
    what it needs on first use. A model or an index that cannot be loaded does not stop the server:
    ``/ready`` says what is missing and the matching endpoints answer 503 until an index exists.
    """

    def __init__(self, settings: Settings, database: Database, indexes: IndexService) -> None:
        self.settings = settings
        self.database = database
        self.indexes = indexes
        self.model_problem = ""
        self.matcher_problem = ""
        self.load_seconds = 0.0
        self.model_loaded = False
        self._matcher: Matcher | None = None
        self._lock = threading.Lock()
        self._loader: threading.Thread | None = None
        #: Set by :meth:`start_in_background` (a server): the matcher then keeps its engines out of
        #: garbage collection (:attr:`Matcher.settle_heap`).
        self.long_running = False

    @property
    def loading(self) -> bool:
        """Whether a background :meth:`start_in_background` is still loading the model and indexes."""
        loader = self._loader
        return loader is not None and loader.is_alive()

    def start_in_background(self) -> threading.Thread:
        """Run :meth:`start` in a daemon thread and return at once.

        The server calls this from its lifespan so that its socket is bound (and ``/health`` answers)
        while the model and indexes load; ``/ready`` says "loading" until the thread is done. Called
        again (an app given services already started), it returns the thread of the first call.
        """
        with self._lock:
            if self._loader is not None:
                return self._loader
            self.long_running = True
            map_large_blocks()  # a server's peak memory stays near its resident memory (allocator.py)
            loader = threading.Thread(target=self.start, name="matching-loader", daemon=True)
            self._loader = loader
            loader.start()
            return loader

    def wait_until_loaded(self, timeout: float | None = None) -> bool:
        """Block until a background start has finished; whether it has."""
        loader = self._loader
        if loader is not None:
            loader.join(timeout)
        return not self.loading

    def start(self) -> None:
        """Load the model and, when the indexes exist, the matcher with its data (blocking)."""
        started = time.perf_counter()
        try:
            _ = self.indexes.encoder
            self.model_loaded = True
            self.model_problem = ""
        except MatchmakerError as exc:
            self.model_problem = exc.message
            logger.error("The embedding model could not be loaded: %s", exc.message)  # noqa: TRY400
        except Exception as exc:  # a broken model must not stop /health from answering
            self.model_problem = f"the embedding model could not be loaded ({type(exc).__name__})"
            logger.exception("The embedding model could not be loaded")
        if self.model_loaded:
            try:
                self.matcher().warm()  # indexes and matching data now, not on the first request
            except MatchmakerError as exc:
                logger.warning("Matching is not available yet: %s", exc.message)
        self.load_seconds = time.perf_counter() - started
        logger.info("Matching runtime loaded in %.1fs", self.load_seconds)

    def prepare(self) -> None:
        """Analyse the documents of the live indexes and compute the relevance matrices now (after an
        ingest or a rebuild): both are stored, so a process starting later reads them."""
        started = time.perf_counter()
        try:
            self.matcher().engine().precompute()
        except MatchmakerError as exc:
            logger.warning("Matching data not prepared: %s", exc.message)
            return
        except Exception:  # preparing only saves time later: it never fails the ingest
            logger.exception("Matching data not prepared")
            return
        logger.info("Matching data prepared in %.1fs", time.perf_counter() - started)

    def after_write(self, kind: DocKind, doc_ids: Sequence[str]) -> None:
        """After a write of ``doc_ids`` committed and its index was refreshed: in a server, bring the
        matcher up to the new generation now (:meth:`Matcher.prepare_written`), so that the next
        query answers as fast as a warm one and the write, not the reads after it, pays for the
        change. A short-lived process (the CLI) and a matcher not loaded yet skip this: their next
        query builds what it needs. A failure here never fails the write."""
        matcher = self._matcher
        if not self.long_running or matcher is None or self.loading:
            return
        started = time.perf_counter()
        try:
            matcher.prepare_written(kind, doc_ids)
        except MatchmakerError as exc:
            logger.warning("Matching data not prepared after a write: %s", exc.message)
            return
        except Exception:  # the next query builds what it needs
            logger.exception("Matching data not prepared after a write")
            return
        logger.info("Matching data prepared after a write in %.0f ms", (time.perf_counter() - started) * 1000)

    def matcher(self) -> Matcher:
        """The shared matcher, created on first use; :class:`IndexUnavailableError` when it cannot be."""
        matcher = self._matcher
        if matcher is not None:
            return matcher
        if self.model_problem:
            raise IndexUnavailableError(self.model_problem)
        with self._lock:
            if self._matcher is None:
                try:
                    self._matcher = Matcher(self.settings, self.database, self.indexes)
                    self._matcher.settle_heap = self.long_running
                    self.matcher_problem = ""
                except IndexUnavailableError as exc:
                    self._matcher = None
                    self.matcher_problem = exc.message
                    raise
            return self._matcher

    def close(self) -> None:
        """Close the files the matcher keeps open."""
        matcher = self._matcher
        if matcher is not None:
            matcher.close()

    def pair_scorer(self) -> tuple[ScoreFunction, str]:
        """The matcher's pair scores for one schedule (:meth:`Matcher.pair_scores`), guarded, and
        where scores come from.

        When no matcher can be loaded, or it fails on a pair, the pairs are scored 0.0 with a warning and
        the description says why, so requests, staff rules and coverage still shape a schedule.
        """
        try:
            matcher = self.matcher()
        except MatchmakerError as exc:
            logger.warning("the matcher cannot be loaded (%s); every pair is scored 0.0", exc.message)
            return (
                lambda _a, _b: 0.0
            ), f"none: the matcher could not be loaded ({exc.message}), pairs scored 0.0"
        guarded = GuardedScore(matcher.pair_scores(), "matcher")
        return guarded, "matcher"

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Whether the model and every index are loaded, and per index: present, stale, damaged.

        An index is *damaged* when its live generation was refused (checksums, unreadable files, NaN
        vectors), even if an older generation still serves; *stale* when the database holds other
        documents than it indexes. While a background start is running the answer is not ready, with
        ``loading`` set, and nothing is loaded by asking.
        """
        if self.loading:
            return False, {"model": None, "indexes": {}, "problems": ["still loading"], "loading": True}
        indexes: dict[str, Any] = {}
        encoder = self.indexes.encoder_if_loaded()
        store = self._matcher.store if self._matcher is not None else None
        database_problem = ""
        try:
            db_hashes: dict[str, str] | None = self.indexes.corpus_hashes()
        except Exception as exc:  # readiness still reports the indexes when the database does not answer
            logger.exception("Could not read the database for the readiness check")
            db_hashes = None
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            database_problem = f"database: cannot be read ({reason[0] if reason else type(exc).__name__})"
        for kind in KINDS:
            indexes[kind] = self._index_state(kind, encoder, store, db_hashes)
        problems = [f"{k}: {v['problem']}" for k, v in indexes.items() if v.get("problem")]
        if database_problem:
            problems.insert(0, database_problem)
        if self.model_problem:
            problems.insert(0, f"model: {self.model_problem}")
        elif encoder is None:
            problems.insert(0, "model: still loading")
        if not problems and self._matcher is None:
            try:
                self.matcher()
            except MatchmakerError as exc:
                problems.append(f"matcher: {exc.message}")
        return not problems, {
            "model": encoder.name if encoder is not None else None,
            "indexes": indexes,
            "problems": problems,
        }

    def _index_state(
        self,
        kind: DocKind,
        encoder: Encoder | None,
        store: IndexStore | None,
        db_hashes: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        try:
            manifest = read_manifest(self.settings.index_dir, kind)
        except IndexDamagedError as exc:
            state: dict[str, Any] = {"present": True, "stale": None, "damaged": True, "problem": exc.message}
            if store is not None and (serving := store.maybe(kind)) is not None:
                state["serving"] = serving.generation
            return state
        if manifest is None:
            return {
                "present": False,
                "stale": None,
                "damaged": False,
                "problem": "no index; ingest a corpus or rebuild",
            }
        state = {
            "present": True,
            "documents": manifest.document_count,
            "generation": manifest.generation,
            "stale": None if db_hashes is None else db_hashes.get(kind) != manifest.corpus_hash,
            "damaged": False,
        }
        if encoder is not None and manifest.model_name != encoder.name:
            state["problem"] = f"built with model {manifest.model_name!r}"
            return state
        damage = self._damage(kind, manifest, store)
        if damage:
            state["damaged"] = True
            state["problem"] = damage
            if store is not None and (serving := store.maybe(kind)) is not None:
                state["serving"] = serving.generation
        elif state["stale"]:
            state["problem"] = f"stale: the database holds other documents than the index; {BUILD_HINT}"
        return state

    def _damage(self, kind: DocKind, manifest: Manifest, store: IndexStore | None) -> str:
        """Why the live generation of ``kind`` is refused, or ``""``."""
        if store is not None:
            store.maybe(kind)  # picks up a generation published since the last request
            return store.problems.get(kind, "")
        directory = kind_dir(self.settings.index_dir, kind) / manifest.generation
        try:
            verify_files(directory, manifest)
        except IndexUnavailableError as exc:
            return exc.message
        except FileNotFoundError:
            return f"generation {manifest.generation} is missing"
        return ""


#: The kinds of shared tags a participant's reason may name when it quotes no passage: topics, the
#: kinds of passage tags.
_REASON_TAG_KINDS = frozenset(kind.value for kind in TAG_KINDS)


def readable_reason(exp: dict[str, Any], *, city: str, other: str) -> str | None:
    """One participant-facing line from a matcher explanation: names, the need and what answers it.

    Never ids, scores or staff wording; ``None`` when the explanation shows nothing concrete. Between
    two cities the line says what the relation is: a mentor's case study, or what it already does that
    answers the need when that (not its case study) makes it a mentor, or, for a comparable city, the
    need both state. A city is said to need only what its summary states as a need: a passage
    the matcher read as context, background or a strength is not quoted as one, nor a need that
    shares no topic with what the other side offers. Without a stated need, a statement of the
    city's situation on the other side's topic is quoted as what the city writes.
    """
    relation = exp.get("relation")
    mentor = exp.get("mentor_case") or {}
    strength = exp.get("mentor_strength") if relation == "mentor" else None
    if (
        strength
        and strength.get("match")
        and not (mentor.get("title") and _score(mentor) >= _score(strength))
    ):
        # A mentor by what its summary says it already does, as the explanation's summary gives it: its
        # case study (if any) is not what makes it one, and may be on another problem altogether.
        done = quoted(strength["match"], 90, gloss_limit=70)
        if strength.get("need"):
            return (
                f"{city} needs {quoted(strength['need'], 80, gloss_limit=70)} ↔ {other} has done it: {done}"
            )
        return f"{other} has done what {city} needs: {done}"
    if mentor.get("title") and relation != "comparable":
        return f"{other} has a case study on a similar problem: “{shortened(mentor['title'], 90)}”"
    sides = ("need", "match") if relation == "comparable" else ("need",)
    answered = [m for m in exp.get("needs") or [] if m.get("match") and on_topic(m)]
    needs = [m for m in answered if all(_stated_need(m.get(side) or {}) for side in sides)]
    if needs:
        need, match = needs[0]["need"], needs[0]["match"]
        # A quote not in English carries its English gloss, so the other side can read it.
        need_text, match_text = quoted(need, 80, gloss_limit=70), quoted(match, 90, gloss_limit=70)
        if relation == "comparable":
            return f"{city} needs {need_text}, and so does {other}: {match_text}"
        return f"{city} needs {need_text} ↔ {other}: {match_text}"
    # What the city writes as its situation ("lighting is old sodium lamps; we cannot finance a
    # replacement") set against an answer on its topic says more than shared topics, without being
    # called a need.
    stated = [m for m in answered if on_a_domain(m) and all(_stated(m.get(side) or {}) for side in sides)]
    if stated:
        said, match = stated[0]["need"], stated[0]["match"]
        return f"{city}: {quoted(said, 80, gloss_limit=70)} ↔ {other}: {quoted(match, 90, gloss_limit=70)}"
    # Topics only: a pathway stage both name ("Assess the current situation") or a scale says nothing
    # of why the two should meet.
    tags = [
        t["label"]
        for t in exp.get("shared_tags") or []
        if t.get("label") and t.get("kind", "domain") in _REASON_TAG_KINDS
    ]
    if tags:
        return f"{city} and {other} share: {', '.join(tags[:3])}"
    return None


def _score(part: Mapping[str, Any]) -> float:
    """The ``score`` of a mentor's case study or strength in an explanation (0 when it gives none)."""
    score = part.get("score")
    return float(score) if isinstance(score, int | float) else 0.0


def _stated_need(passage: Mapping[str, Any]) -> bool:
    """Whether a quoted city passage is a need (passages without a role are read as needs)."""
    return bool(passage.get("role", "need") == "need")


def _stated(passage: Mapping[str, Any]) -> bool:
    """Whether a quoted city passage states a need or the city's situation (not its background or a
    strength it already has)."""
    return passage.get("role", "need") in {"need", "context"}


#: A pair's score for the scheduler; ``None`` when the pair is unknown.
ScoreFunction = Callable[[str, str], float | None]


class GuardedScore:
    """A pair score that falls back to 0.0 for the remaining pairs once the matcher fails, with a reason."""

    def __init__(self, score: ScoreFunction, source: str) -> None:
        self._score: ScoreFunction | None = score
        self.source = source

    def __call__(self, a: str, b: str) -> float | None:
        """The pair's score, or 0.0 once the matcher has failed."""
        if self._score is None:
            return 0.0
        try:
            return self._score(a, b)
        except MatchmakerError as exc:
            logger.warning("the matcher failed (%s); the remaining pairs are scored 0.0", exc.message)
            self._score = None
            self.source = f"none: the matcher failed ({exc.message}), pairs scored 0.0"
            return 0.0


__all__ = [
    "NO_WORDS",
    "GuardedScore",
    "MatchResponse",
    "MatchResult",
    "Matcher",
    "MatchingService",
    "MeetingReasons",
    "PairScores",
    "Relation",
    "ScoreFunction",
    "Suggested",
    "readable_reason",
    "searchable",
]
