"""Use cases over the index bundles: rebuild, refresh after an ingest, and status.

* :func:`rebuild_indexes` re-splits every record in the database and publishes fresh bundles (the
  embedding cache still spares re-encoding unchanged texts). This is ``matchmaker index build``.
* :func:`refresh_indexes` brings bundles up to date after an ingest. When a kind's corpus hash equals
  its bundle's, it does nothing and never loads the model; otherwise unchanged documents keep their
  vectors and only new or edited passages are embedded.
* :func:`index_status` reports, per kind, whether a bundle exists, what its manifest says, and
  whether it is stale against the database.
* :func:`index_records` is the same machinery over records passed in (no database), for tests and
  tools.

Every publish is atomic (see :mod:`matchmaker.embeddings.bundle`); a running server's
:class:`~matchmaker.embeddings.IndexStore` swaps the new generation in on its next request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from matchmaker.embeddings.builder import KindReport, build_bundle
from matchmaker.embeddings.bundle import BundleWriter, Manifest, read_manifest
from matchmaker.embeddings.cache import EmbeddingCache, EncoderSource
from matchmaker.embeddings.encoder import Encoder, load_encoder
from matchmaker.embeddings.passages import KINDS, DocKind, Record, as_kind, corpus_hash, document_hash
from matchmaker.embeddings.progress import Progress, auto_progress
from matchmaker.settings import Settings

logger = logging.getLogger(__name__)

RecordLoader = Callable[[Settings, Sequence[DocKind]], dict[DocKind, list[Record]]]


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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _normalise_kinds(kinds: Iterable[str] | None) -> list[DocKind]:
    if kinds is None:
        return list(KINDS)
    wanted = {as_kind(k) for k in kinds}
    return [k for k in KINDS if k in wanted]


def load_records(settings: Settings, kinds: Sequence[DocKind]) -> dict[DocKind, list[Record]]:
    """The public records of the given kinds, read from the database in one unit of work."""
    from matchmaker.db import repository
    from matchmaker.db.engine import create_db_engine, session_scope

    readers: Mapping[DocKind, Callable[[Any], Sequence[Record]]] = {
        "city": repository.list_cities,
        "provider": repository.list_providers,
        "case": repository.list_cases,
    }
    engine = create_db_engine(settings)
    with session_scope(engine) as session:
        return {kind: list(readers[kind](session)) for kind in kinds}


def _encoder_source(settings: Settings, encoder: Encoder | None) -> tuple[str, EncoderSource]:
    """Model name and a lazy encoder: the model is loaded only if something must be embedded."""
    if encoder is not None:
        return encoder.name, encoder
    return settings.model_name, lambda: load_encoder(settings)


def index_records(
    settings: Settings,
    records: Mapping[DocKind, Sequence[Record]],
    *,
    encoder: Encoder | None = None,
    progress: Progress | None = None,
    rebuild: bool = False,
) -> IndexReport:
    """Bring the bundles of the kinds in ``records`` up to date with exactly those records.

    ``rebuild`` ignores the live bundles (fresh passages, fresh index), still using the cache.
    """
    t0 = time.perf_counter()
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    model_name, source = _encoder_source(settings, encoder)
    bar = progress if progress is not None else auto_progress()
    reports: list[KindReport] = []
    with EmbeddingCache.in_dir(settings.index_dir) as cache:
        for kind in _normalise_kinds(records):
            with BundleWriter(settings.index_dir, kind) as writer:
                previous = None if rebuild else writer.previous(model_name=model_name)
                bundle, report = build_bundle(
                    kind,
                    records[kind],
                    model_name=model_name,
                    encoder=source,
                    cache=cache,
                    previous=previous,
                    exact_max=settings.exact_index_max,
                    batch_size=settings.embed_batch_size,
                    progress=bar,
                    force=rebuild,
                )
                if bundle is not None:
                    published = writer.publish(bundle)
                    report = KindReport(**{**report.to_dict(), "generation": published.generation})
            reports.append(report)
    return IndexReport(tuple(reports), time.perf_counter() - t0)


def rebuild_indexes(
    settings: Settings,
    *,
    encoder: Encoder | None = None,
    kinds: Iterable[str] | None = None,
    progress: Progress | None = None,
    loader: RecordLoader = load_records,
) -> IndexReport:
    """Rebuild the bundles of ``kinds`` (default: all) from the database."""
    wanted = _normalise_kinds(kinds)
    records = loader(settings, wanted)
    report = index_records(settings, records, encoder=encoder, progress=progress, rebuild=True)
    logger.info("Rebuilt indexes in %.1fs: %s", report.seconds, report)
    return report


def refresh_indexes(
    settings: Settings,
    *,
    kinds: Iterable[str] | None = None,
    encoder: Encoder | None = None,
    progress: Progress | None = None,
    loader: RecordLoader = load_records,
) -> IndexReport:
    """Bring the bundles of ``kinds`` (default: all) up to date with the database, cheaply."""
    wanted = _normalise_kinds(kinds)
    records = loader(settings, wanted)
    report = index_records(settings, records, encoder=encoder, progress=progress, rebuild=False)
    logger.info("Refreshed indexes in %.2fs: %s", report.seconds, report)
    return report


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


def index_status(
    settings: Settings, *, kinds: Iterable[str] | None = None, loader: RecordLoader = load_records
) -> list[KindStatus]:
    """Per kind: is there a bundle, what does its manifest say, is it stale against the database?"""
    wanted = _normalise_kinds(kinds)
    try:
        records: dict[DocKind, list[Record]] | None = loader(settings, wanted)
    except Exception as exc:  # a status report should still show the bundles
        logger.warning("Could not read the database for the index status: %s", exc)
        records = None
    out: list[KindStatus] = []
    for kind in wanted:
        manifest = read_manifest(settings.index_dir, kind)
        in_db = None if records is None else len(records[kind])
        db_hash = None if records is None else corpus_hash((r.id, document_hash(r)) for r in records[kind])
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
    "KindStatus",
    "index_records",
    "index_status",
    "load_records",
    "rebuild_indexes",
    "refresh_indexes",
]
