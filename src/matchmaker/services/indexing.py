"""Use cases over the index bundles: rebuild, refresh after an ingest, and status.

* :meth:`IndexService.rebuild` re-splits every record in the database and publishes fresh bundles (the
  embedding cache still spares re-encoding unchanged texts). This is ``matchmaker index build``.
* :meth:`IndexService.refresh` brings bundles up to date after an ingest. When a kind's corpus hash equals
  its bundle's, it does nothing and never loads the model; otherwise unchanged documents keep their
  vectors and only new or edited passages are embedded.
* :meth:`IndexService.status` reports, per kind, whether a bundle exists, what its manifest says, and
  whether it is stale against the database.
* :func:`index_records` is the same machinery over records passed in (no database), for tests and
  tools.

Every publish is atomic (see :mod:`matchmaker.embeddings.bundle`) and recorded in the database's
``index_generation`` table with its manifest's checksums, in the same transaction as the write that
caused it. A running server's :class:`~matchmaker.embeddings.IndexStore` (:meth:`IndexService.index_store`)
compares the newest recorded generation with the one it holds (a cached query, at most every
:data:`LEDGER_SECONDS`) and swaps the new one in on its next request, so every worker on one database
follows the others' writes through the shared bundle directory.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlmodel import Session

from matchmaker.db import repository, workers
from matchmaker.db.engine import Database, on_commit
from matchmaker.embeddings.builder import KindReport, build_bundle, embed_second
from matchmaker.embeddings.bundle import (
    BundleWriter,
    GenerationCheck,
    IndexBundle,
    IndexStore,
    Manifest,
    current_generation,
    generation_manifest,
    read_manifest,
    verify_kind,
)
from matchmaker.embeddings.cache import EmbeddingCache, EncoderSource, KeptOpen
from matchmaker.embeddings.encoder import Encoder, load_encoder
from matchmaker.embeddings.passages import KINDS, DocKind, Record, as_kind, corpus_hash, document_hash
from matchmaker.embeddings.progress import LogProgress, Progress, auto_progress
from matchmaker.errors import IndexDamagedError, NotFoundError
from matchmaker.settings import Settings

logger = logging.getLogger(__name__)

RecordLoader = Callable[[Sequence[DocKind]], dict[DocKind, list[Record]]]

#: A server asks the database for the newest generations at most this often (seconds).
LEDGER_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What a rebuild or refresh did, per kind."""

    kinds: tuple[KindReport, ...]
    seconds: float

    @property
    def embedded(self) -> int:
        """Passages encoded by the model in this run, all kinds."""
        return sum(k.embedded for k in self.kinds)

    @property
    def changed(self) -> bool:
        """Whether any bundle was published."""
        return any(k.changed for k in self.kinds)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"seconds": round(self.seconds, 3), "kinds": [k.to_dict() for k in self.kinds]}

    def __str__(self) -> str:
        parts = [
            f"{k.kind}: {k.documents} documents, {k.passages} passages, {k.embedded} embedded, "
            f"{k.reused} reused{'' if k.changed else ' (up to date)'}"
            for k in self.kinds
        ]
        return "; ".join(parts) or "no kinds"


@dataclass(frozen=True, slots=True)
class KindStatus:
    """The state of one kind's bundle compared with the database."""

    kind: DocKind
    present: bool
    stale: bool | None
    documents_in_db: int | None
    manifest: dict[str, Any] = field(default_factory=dict)
    problem: str = ""
    #: The live generation's files do not match their checksums (only when they were checked).
    damaged: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _normalise_kinds(kinds: Iterable[str] | None) -> list[DocKind]:
    if kinds is None:
        return list(KINDS)
    wanted = {as_kind(k) for k in kinds}
    return [k for k in KINDS if k in wanted]


def load_records(session: Session, kinds: Sequence[DocKind]) -> dict[DocKind, list[Record]]:
    """The public records of the given kinds, read in the unit of work ``session``."""
    return {kind: list(repository.REPOSITORIES[kind].list(session)) for kind in kinds}


def _encoder_source(
    settings: Settings, encoder: Encoder | None, lazy: Callable[[], Encoder] | None
) -> tuple[str, EncoderSource]:
    """Model name and a lazy encoder: the model is loaded only if something must be embedded."""
    if encoder is not None:
        return encoder.name, encoder
    return settings.model_name, lazy or (lambda: load_encoder(settings))


#: Reads a kind's records when its bundle is built, under the kind's writer lock (see :func:`index_records`).
RecordsLoader = Callable[[], Sequence[Record]]


@dataclass(frozen=True, slots=True)
class WrittenRecords:
    """What one unit of work wrote to a kind: the records it created or edited (``records``) and the
    ids of every record of the kind now (``ids``, so a deleted one is missing). Indexing it reads
    nothing else: the other documents keep what the live bundle has for them."""

    records: Sequence[Record]
    ids: frozenset[str]
    #: Every record of the kind, when the live bundle cannot serve (none yet, or it lacks a document).
    load_all: Callable[[], Sequence[Record]]

    def against(self, previous: IndexBundle | None) -> tuple[Sequence[Record], dict[str, str] | None]:
        """The records to index and the documents known by their hash in ``previous`` only."""
        written = {r.id for r in self.records}
        rest = self.ids - written
        if previous is None or not rest <= previous.documents.keys():
            return self.load_all(), None
        return self.records, {d: previous.documents[d].doc_hash for d in rest}


def index_records(
    settings: Settings,
    records: Mapping[DocKind, Sequence[Record] | WrittenRecords | RecordsLoader],
    *,
    encoder: Encoder | None = None,
    encoder_source: Callable[[], Encoder] | None = None,
    progress: Progress | None = None,
    rebuild: bool = False,
    live: dict[DocKind, IndexBundle] | None = None,
    cache: EmbeddingCache | None = None,
) -> IndexReport:
    """Bring the bundles of the kinds in ``records`` up to date with exactly those records (or, for a
    kind given as :class:`WrittenRecords`, with the live bundle changed by what was written). A kind
    given as a :data:`RecordsLoader` is read when its turn comes, under the kind's writer lock: a write
    committed while an earlier kind was embedded is in what is read, and a write that publishes after
    this call builds on the bundle it published.

    ``rebuild`` ignores the live bundles (fresh passages, fresh index), still using the cache. The model
    is ``encoder``, else loaded by ``encoder_source`` (default: from the settings) only if something must
    be embedded. ``live`` holds the bundles this process last published or read, per kind: one that is
    still the live generation is reused instead of read from disk, and the bundles published or found
    current are put back in it. ``cache`` is an embedding cache the caller keeps open (default: the
    instance's, opened for this call).
    """
    t0 = time.perf_counter()
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    model_name, source = _encoder_source(settings, encoder, encoder_source)
    bar = progress if progress is not None else auto_progress()
    reports: list[KindReport] = []
    with contextlib.ExitStack() as opened:
        if cache is None:
            cache = opened.enter_context(EmbeddingCache.in_dir(settings.index_dir))
        for kind in _normalise_kinds(records):
            with BundleWriter(settings.index_dir, kind) as writer:
                held = None if live is None else live.get(kind)
                previous = None if rebuild else writer.previous(model_name=model_name, held=held)
                given = records[kind]
                if callable(given):
                    given = given()
                unchanged = None
                if isinstance(given, WrittenRecords):
                    given, unchanged = given.against(previous)
                bundle, report = build_bundle(
                    kind,
                    given,
                    unchanged=unchanged,
                    model_name=model_name,
                    encoder=source,
                    cache=cache,
                    previous=previous,
                    exact_max=settings.exact_index_max,
                    batch_size=settings.embed_batch_size,
                    progress=bar,
                    force=rebuild,
                )
                current = previous
                if bundle is not None:
                    current = writer.publish(bundle)
                    report = KindReport(**{**report.to_dict(), "generation": current.generation})
            if live is not None and current is not None:
                live[kind] = current
            if current is not None and settings.multilingual_model:
                ml = settings.multilingual_model
                report = embed_second(
                    current,
                    report,
                    model_name=ml,
                    encoder=lambda ml=ml: load_encoder(settings, ml),  # type: ignore[misc]
                    cache=cache,
                    batch_size=settings.embed_batch_size,
                    progress=bar,
                    since=previous if bundle is not None else None,
                )
            reports.append(report)
    return IndexReport(tuple(reports), time.perf_counter() - t0)


class _JobProgress:
    """Embedding progress reported to a background job (and logged, as in the server)."""

    def __init__(self, report: Callable[[float, str], None]) -> None:
        self._report = report
        self._log = LogProgress(logger)
        self._label = ""
        self._total = 0
        self._done = 0

    def start(self, label: str, total: int) -> None:
        self._label, self._total, self._done = label, total, 0
        self._log.start(label, total)
        self._report(0.0, f"{label}: 0 of {total}")

    def advance(self, n: int) -> None:
        self._done += n
        self._log.advance(n)
        fraction = self._done / self._total if self._total else 1.0
        self._report(min(0.99, fraction), f"{self._label}: {self._done} of {self._total}")

    def finish(self) -> None:
        self._log.finish()


def rebuild_progress(report: Callable[[float, str], None]) -> Progress:
    """A :class:`Progress` that tells a background job how far the embedding has come."""
    report(0.0, "rebuilding the indexes")
    return _JobProgress(report)


def _summary(manifest: Manifest) -> dict[str, Any]:
    keys = (
        "model_name",
        "dimension",
        "index_type",
        "passage_count",
        "document_count",
        "corpus_hash",
        "built_at",
        "generation",
        "format_version",
        "index_params",
    )
    data = manifest.to_json()
    return {k: data[k] for k in keys}


class IndexService:
    """The instance's index bundles: rebuild, refresh after a write, status.

    The embedding model is loaded only when something must be embedded, once per service (``encoder``
    shares a model already loaded elsewhere).
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        encoder: Encoder | None = None,
        prepare: Callable[[], None] | None = None,
        after_write: Callable[[DocKind, Sequence[str]], None] | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self._encoder = encoder
        #: Run after an ingest or a rebuild publishes (not inside a write's transaction): the matching
        #: runtime analyses the new documents then, so a process starting later reads, not computes.
        self._prepare = prepare
        #: Run once a write refreshed by :meth:`refresh_written` has committed, with the written ids:
        #: the matching runtime prepares the new generation then, so the next query does not wait.
        self._after_write = after_write
        self._encoder_lock = threading.Lock()
        #: The embedding cache, kept open from the first write or ingest to :meth:`close`.
        self._embedding_cache = KeptOpen(lambda: EmbeddingCache.in_dir(settings.index_dir))
        #: Per kind, the mark of the records its last corpus hash was computed from, and the record
        #: count and hash.
        self._hashes: dict[str, tuple[object, tuple[int, str]]] = {}
        #: The stores this service made: a refresh starts from the bundle they hold and hands them
        #: what it publishes, so neither is read back from disk in this process.
        self._stores: weakref.WeakSet[IndexStore] = weakref.WeakSet()

    @property
    def encoder(self) -> Encoder:
        """The embedding model (loaded on first use)."""
        if self._encoder is None:
            with self._encoder_lock:
                if self._encoder is None:
                    self._encoder = load_encoder(self.settings)
        return self._encoder

    def encoder_if_loaded(self) -> Encoder | None:
        """The model when it is already loaded, else ``None`` (never loads it)."""
        return self._encoder

    def use_encoder(self, encoder: Encoder) -> None:
        """Share a model loaded elsewhere (the server loads it once at start-up)."""
        self._encoder = encoder

    def records(
        self, kinds: Iterable[str] | None = None, *, session: Session | None = None
    ) -> dict[DocKind, list[Record]]:
        """The records of ``kinds`` (default: all), in ``session`` or a unit of work of their own."""
        wanted = _normalise_kinds(kinds)
        if session is not None:
            return load_records(session, wanted)
        with self.database.unit_of_work() as own:
            return load_records(own, wanted)

    def _loaders(
        self, kinds: Iterable[str] | None, *, session: Session | None = None
    ) -> dict[DocKind, RecordsLoader]:
        """Per kind of ``kinds`` (default: all), its records read when its bundle is built, under the
        kind's writer lock: a write another worker published while an earlier kind was embedded is then
        in what is indexed, instead of undone by a bundle built from records read before it."""
        return {
            kind: functools.partial(self._kind_records, kind, session) for kind in _normalise_kinds(kinds)
        }

    def _kind_records(self, kind: DocKind, session: Session | None) -> list[Record]:
        return self.records([kind], session=session)[kind]

    def records_by_id(self, kind: DocKind, ids: Iterable[str]) -> list[Record]:
        """The records of ``kind`` with these ids (those that no longer exist are left out)."""
        out: list[Record] = []
        with self.database.unit_of_work() as session:
            for record_id in ids:
                try:
                    out.append(repository.REPOSITORIES[kind].get(session, record_id))
                except NotFoundError:
                    continue
        return out

    def _index(
        self,
        records: Mapping[DocKind, Sequence[Record] | WrittenRecords | RecordsLoader],
        *,
        rebuild: bool,
        progress: Progress | None,
        session: Session | None = None,
    ) -> IndexReport:
        live = self._held_bundles()
        report = index_records(
            self.settings,
            records,
            encoder=self._encoder,
            encoder_source=lambda: self.encoder,
            progress=progress,
            rebuild=rebuild,
            live=live,
            cache=self._embedding_cache.get(),
        )
        published = [k for k in report.kinds if k.changed and k.generation]
        for kind_report in published:
            for store in list(self._stores):
                store.offer(live[kind_report.kind])
        if published:
            if session is not None:
                self._record_generations(session, published)
            else:
                with self.database.unit_of_work(write=True) as own:
                    self._record_generations(own, published)
                if self._prepare is not None:
                    self._prepare()
        return report

    def _record_generations(self, session: Session, published: Sequence[KindReport]) -> None:
        """Record published generations with their manifest's checksums (commits with ``session``)."""
        for report in published:
            manifest = generation_manifest(self.settings.index_dir, report.kind, report.generation)
            workers.record_generation(
                session,
                kind=report.kind,
                generation=report.generation,
                corpus_hash=manifest.corpus_hash if manifest else report.corpus_hash,
                document_count=manifest.document_count if manifest else report.documents,
                checksums=manifest.checksums if manifest else {},
            )

    def newest_generations(self) -> dict[DocKind, str]:
        """Per kind, the newest generation recorded in the database."""
        with self.database.unit_of_work() as session:
            return {as_kind(k): g for k, g in workers.newest_generations(session).items()}

    def index_store(self) -> IndexStore:
        """A store of the live bundles that follows the generations recorded in the database."""
        store = IndexStore.for_settings(self.settings, self._encoder)
        store.follow(self.newest_generations, interval=LEDGER_SECONDS)
        self._stores.add(store)
        return store

    def _held_bundles(self) -> dict[DocKind, IndexBundle]:
        """Per kind, the newest bundle one of this service's stores holds."""
        held: dict[DocKind, IndexBundle] = {}
        for store in list(self._stores):
            for bundle in store.loaded():
                known = held.get(bundle.kind)
                if known is None or bundle.generation > known.generation:
                    held[bundle.kind] = bundle
        return held

    def rebuild(self, kinds: Iterable[str] | None = None, *, progress: Progress | None = None) -> IndexReport:
        """Rebuild the bundles of ``kinds`` (default: all) from the database."""
        report = self._index(self._loaders(kinds), rebuild=True, progress=progress)
        logger.info("Rebuilt indexes in %.1fs: %s", report.seconds, report)
        return report

    def refresh(
        self,
        kinds: Iterable[str] | None = None,
        *,
        session: Session | None = None,
        progress: Progress | None = None,
    ) -> IndexReport:
        """Bring the bundles of ``kinds`` (default: all) up to date with the database, cheaply.

        ``session`` reads the records in an open unit of work, so a write is indexed before it commits.
        """
        report = self._index(
            self._loaders(kinds, session=session), rebuild=False, progress=progress, session=session
        )
        logger.info("Refreshed indexes in %.2fs: %s", report.seconds, report)
        return report

    def refresh_written(self, kind: DocKind, ids: Iterable[str], *, session: Session) -> IndexReport:
        """Bring ``kind``'s bundle up to date after a write of the records ``ids`` in ``session``
        (before it commits), reading those records and the kind's ids only: the other documents keep
        their passages and vectors from the live bundle."""
        repo = repository.REPOSITORIES[kind]
        written_ids = tuple(dict.fromkeys(ids))
        written: list[Record] = []
        for record_id in written_ids:
            with contextlib.suppress(NotFoundError):
                written.append(repo.get(session, record_id))
        change = WrittenRecords(
            tuple(written),
            frozenset(repository.existing_ids(session, kind)),
            lambda: load_records(session, [kind])[kind],
        )
        report = self._index({kind: change}, rebuild=False, progress=None, session=session)
        logger.info("Refreshed indexes in %.2fs: %s", report.seconds, report)
        published = next((k.generation for k in report.kinds if k.changed and k.generation), None)
        if published is not None:
            on_commit(session, lambda: self._index_again_if_overtaken(kind, written_ids, published))
        after_write = self._after_write
        if after_write is not None and any(k.changed for k in report.kinds):
            on_commit(session, lambda: after_write(kind, written_ids))
        return report

    def _index_again_if_overtaken(self, kind: DocKind, ids: Sequence[str], generation: str) -> None:
        """After a write that published ``generation`` has committed: a bundle of ``kind`` published
        since by a rebuild or refresh may have read the records before the commit, without the write.
        The written records are indexed again on top of it (nothing is published when it has them).

        The live generation is compared under the kind's writer lock: a rebuild that read the records
        before the commit and publishes after it holds that lock until it has published."""
        with BundleWriter(self.settings.index_dir, kind):
            overtaken = (current_generation(self.settings.index_dir, kind) or "") > generation
        if not overtaken:
            return
        try:
            with self.database.unit_of_work(write=True) as session:
                self.refresh_written(kind, ids, session=session)
        except Exception:
            logger.exception("The index could not be refreshed again after a change")

    def close(self) -> None:
        """Close the embedding cache this service keeps open (it opens again on next use)."""
        self._embedding_cache.close()

    def corpus_hashes(self) -> dict[str, str]:
        """Per kind, the corpus hash of the records in the database (see :meth:`corpus_digests`)."""
        return {kind: digest for kind, (_, digest) in self.corpus_digests().items()}

    def corpus_digests(self) -> dict[str, tuple[int, str]]:
        """Per kind, the corpus hash of the records in the database (what a current bundle carries).

        Hashing means reading every record, so each kind's hash is kept with a mark of what it was
        computed from: the kind's row count and newest change (:func:`~matchmaker.db.repository.change_marks`)
        and its newest recorded index generation. While a kind's mark is the same, none of its records
        was written and its kept hash is returned (a few aggregate queries, whatever the corpus size); a
        write, in this process or another on the same database, indexed or not, changes the mark, and
        only that kind is read again. The marks are read before the records, so a write committed in
        between makes the next call hash again rather than keep a hash under a mark it does not match.
        """
        with self.database.unit_of_work() as session:
            changes = repository.change_marks(session)
            generations = workers.newest_generations(session)
            marks = {kind: (changes[kind], generations.get(kind)) for kind in KINDS}
            kept = dict(self._hashes)
            moved = [kind for kind in KINDS if kind not in kept or kept[kind][0] != marks[kind]]
            records = load_records(session, moved) if moved else {}
        for kind, items in records.items():
            kept[kind] = (marks[kind], (len(items), corpus_hash((r.id, document_hash(r)) for r in items)))
        self._hashes = kept
        return {kind: kept[kind][1] for kind in KINDS}

    def verify(self, kinds: Iterable[str] | None = None) -> list[GenerationCheck]:
        """Verify every generation on disk of ``kinds`` (default: all) against its manifest's checksums."""
        model = self._encoder.name if self._encoder is not None else self.settings.model_name
        return [
            check
            for kind in _normalise_kinds(kinds)
            for check in verify_kind(self.settings.index_dir, kind, model_name=model)
        ]

    def status(self, kinds: Iterable[str] | None = None, *, check_files: bool = False) -> list[KindStatus]:
        """Per kind: is there a bundle, what does its manifest say, is it stale against the database?

        The database side comes from :meth:`corpus_digests`: records are read again only for kinds
        written since the last call. ``check_files`` also checks the live generation's files against
        their checksums, as loading it would (a damaged one is ``damaged``, with the reason)."""
        statuses = index_status(self.settings, kinds=kinds, digests=lambda _: self.corpus_digests())
        if not check_files:
            return statuses
        out: list[KindStatus] = []
        for status in statuses:
            if status.present:
                checks = verify_kind(self.settings.index_dir, status.kind, live_only=True)
                damage = next((c for c in checks if not c.ok), None)
                if damage is not None:
                    status = replace(status, damaged=True, problem=damage.problem)
            out.append(status)
        return out


def index_status(
    settings: Settings,
    *,
    kinds: Iterable[str] | None = None,
    loader: RecordLoader | None = None,
    digests: Callable[[Sequence[DocKind]], Mapping[str, tuple[int, str]]] | None = None,
) -> list[KindStatus]:
    """Per kind: is there a bundle, what does its manifest say, is it stale against the database?

    The database side is ``digests`` (per kind, the record count and corpus hash), or computed from
    the records ``loader`` reads."""
    wanted = _normalise_kinds(kinds)
    try:
        if digests is not None:
            known: Mapping[str, tuple[int, str]] | None = digests(wanted)
        elif loader is not None:
            known = {
                kind: (len(items), corpus_hash((r.id, document_hash(r)) for r in items))
                for kind, items in loader(wanted).items()
            }
        else:
            known = None
    except Exception as exc:  # a status report should still show the bundles
        logger.warning("Could not read the database for the index status: %s", exc)
        known = None
    out: list[KindStatus] = []
    for kind in wanted:
        in_db = None if known is None else known[kind][0]
        db_hash = None if known is None else known[kind][1]
        try:
            manifest = read_manifest(settings.index_dir, kind)
        except IndexDamagedError as exc:
            out.append(KindStatus(kind, True, None, in_db, problem=exc.message, damaged=True))
            continue
        if manifest is None:
            out.append(
                KindStatus(kind, present=False, stale=True, documents_in_db=in_db, problem="no bundle")
            )
            continue
        problem = ""
        if manifest.model_name != settings.model_name:
            problem = f"built with model {manifest.model_name!r}, settings say {settings.model_name!r}"
        stale = None if db_hash is None else (db_hash != manifest.corpus_hash or bool(problem))
        out.append(KindStatus(kind, True, stale, in_db, _summary(manifest), problem))
    return out


__all__ = [
    "IndexReport",
    "IndexService",
    "KindStatus",
    "index_records",
    "index_status",
    "load_records",
    "rebuild_progress",
]
