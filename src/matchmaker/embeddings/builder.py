"""Building a kind's bundle from records, reusing everything that did not change.

:func:`build_bundle` is pure with respect to the database: records in, bundle out. Reuse happens at
three levels, cheapest first:

1. the corpus hash equals the live bundle's, and so does every record's whole hash → nothing to do
   (the encoder is not even loaded); a record whose fields other than its text changed gives a new
   generation with every passage and vector kept, so that matching reads the record again;
2. a document whose content hash is unchanged keeps its passages and vectors from the live bundle;
3. the passages of new or edited documents are looked up in the embedding cache by text hash, and
   only the misses are encoded.

Unchanged documents keep their rows and new ones are appended, so when nothing was edited or removed
an HNSW index is extended instead of rebuilt. Flat indexes are always rebuilt from the vectors:
that is a memory copy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from matchmaker.embeddings.bundle import DocumentEntry, IndexBundle, new_manifest
from matchmaker.embeddings.cache import EmbeddingCache, EncoderSource, embed_texts
from matchmaker.embeddings.encoder import Encoder, FloatArray
from matchmaker.embeddings.passages import (
    DocKind,
    Passage,
    Record,
    corpus_hash,
    document_hash,
    record_hash,
    record_kind,
    record_passages,
)
from matchmaker.embeddings.progress import Progress
from matchmaker.embeddings.vector_index import FaissIndex, IndexType, build_index

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KindReport:
    """What building one kind did."""

    kind: DocKind
    documents: int
    passages: int
    embedded: int
    reused: int
    seconds: float
    changed: bool
    index_type: str = ""
    generation: str = ""
    corpus_hash: str = ""
    #: Passages encoded with the multilingual model (the second dense channel) and the time it took.
    multilingual_embedded: int = 0
    multilingual_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def build_bundle(
    kind: DocKind,
    records: Sequence[Record],
    *,
    model_name: str,
    encoder: EncoderSource,
    cache: EmbeddingCache | None,
    previous: IndexBundle | None,
    exact_max: int,
    batch_size: int = 64,
    progress: Progress | None = None,
    force: bool = False,
    unchanged: Mapping[str, str] | None = None,
) -> tuple[IndexBundle | None, KindReport]:
    """A new bundle for ``records``, or ``None`` if ``previous`` is up to date (and not ``force``).

    ``unchanged`` names more documents of the corpus by id and content hash, without their records:
    each must be in ``previous`` with that hash, and keeps its passages and vectors from it (a write
    reads the records it wrote, not the whole kind).
    """
    t0 = time.perf_counter()
    docs: dict[str, tuple[str, Record]] = {}
    for record in records:
        if record_kind(record) != kind:
            msg = f"a {record_kind(record)} record was given to the {kind} index"
            raise ValueError(msg)
        docs[record.id] = (document_hash(record), record)
    if previous is not None and previous.manifest.model_name != model_name:
        previous = None
    known = {doc_id: h for doc_id, (h, _) in docs.items()}
    if unchanged:
        if previous is None or any(
            (e := previous.documents.get(d)) is None or e.doc_hash != h for d, h in unchanged.items()
        ):
            msg = f"documents named unchanged are not in the live {kind} bundle with that content"
            raise ValueError(msg)
        known = {**unchanged, **known}
    # The whole records' hashes: a record whose other fields changed (languages, regions, population)
    # makes a new generation with the same passages, so that matching reads the record again.
    whole = {doc_id: record_hash(record) for doc_id, (_, record) in docs.items()}
    chash = corpus_hash(known.items())
    if (
        previous is not None
        and not force
        and previous.manifest.corpus_hash == chash
        and all((e := previous.documents.get(d)) is not None and e.record_hash == h for d, h in whole.items())
    ):
        report = KindReport(
            kind,
            previous.manifest.document_count,
            previous.manifest.passage_count,
            0,
            previous.manifest.passage_count,
            time.perf_counter() - t0,
            changed=False,
            index_type=previous.manifest.index_type,
            generation=previous.generation,
            corpus_hash=chash,
        )
        return None, report

    kept: list[str] = []
    fresh: list[str] = []
    if previous is not None:
        for doc_id, entry in previous.documents.items():
            if known.get(doc_id) == entry.doc_hash:
                kept.append(doc_id)
    kept_set = set(kept)
    fresh = [doc_id for doc_id in docs if doc_id not in kept_set]
    appended_only = previous is not None and len(kept) == len(previous.documents)

    passages: list[Passage] = []
    entries: list[DocumentEntry] = []
    blocks: list[FloatArray] = []
    for doc_id in kept:
        assert previous is not None
        rows = previous.document_rows(doc_id)
        start = len(passages)
        passages.extend(previous.passages[rows])
        blocks.append(np.asarray(previous.vectors[rows], dtype=np.float32))
        entries.append(
            DocumentEntry(
                doc_id,
                known[doc_id],
                start,
                len(passages),
                whole.get(doc_id, previous.documents[doc_id].record_hash),
            )
        )
    reused_from_bundle = len(passages)

    new_passages: list[Passage] = []
    for doc_id in fresh:
        doc_hash, record = docs[doc_id]
        start = len(passages) + len(new_passages)
        new_passages.extend(record_passages(record))
        entries.append(
            DocumentEntry(doc_id, doc_hash, start, len(passages) + len(new_passages), whole[doc_id])
        )
    vectors_new, stats = embed_texts(
        [p.embed_text for p in new_passages],
        model_name=model_name,
        encoder=encoder,
        cache=cache,
        batch_size=batch_size,
        progress=progress,
        label=f"Embedding {kind} passages",
    )
    passages.extend(new_passages)

    dimension = _dimension(previous, blocks, vectors_new, encoder)
    if len(vectors_new):
        blocks.append(vectors_new)
    vectors = np.concatenate(blocks) if blocks else np.zeros((0, dimension), dtype=np.float32)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)

    # An exact (flat) index is not built here: the bundle makes it from its vectors on its first
    # search, as a bundle read from disk does (it would be a second copy of every vector).
    index: FaissIndex | None = None
    if len(vectors) > exact_max:
        base = previous.built_index if previous is not None and appended_only else None
        index = build_index(vectors, dimension, exact_max=exact_max, base=base)
        if index.index_type == "flat":  # HNSW missed its recall target: exact search
            index = None
    index_type: IndexType = "flat" if index is None else index.index_type
    seconds = time.perf_counter() - t0
    manifest = new_manifest(
        kind,
        model_name=model_name,
        dimension=dimension,
        passage_count=len(passages),
        document_count=len(entries),
        corpus_hash=chash,
        index_type=index_type,
        build_seconds=seconds,
    )
    bundle = IndexBundle(manifest, passages, entries, vectors, index)
    report = KindReport(
        kind,
        len(entries),
        len(passages),
        stats.embedded,
        stats.reused + reused_from_bundle,
        seconds,
        changed=True,
        index_type=index_type,
        corpus_hash=chash,
    )
    logger.info(
        "%s index: %d documents (%d unchanged, %d new or edited), %d passages, %d embedded, %d reused",
        kind,
        len(entries),
        len(kept),
        len(fresh),
        len(passages),
        report.embedded,
        report.reused,
    )
    return bundle, report


def embed_second(
    bundle: IndexBundle,
    report: KindReport,
    *,
    model_name: str,
    encoder: EncoderSource,
    cache: EmbeddingCache,
    batch_size: int = 64,
    progress: Progress | None = None,
    since: IndexBundle | None = None,
) -> KindReport:
    """Put the vectors of a second encoder (the multilingual one) for the bundle's passages into the
    embedding cache, encoding only the texts not there yet, so the matcher reads them at start-up
    instead of encoding. ``report`` comes back with the count and the time added.

    With ``since`` (the bundle this one was built from, whose passages were put in already), only the
    passages of documents new or changed since then are looked at: a write costs one document.
    """
    t0 = time.perf_counter()
    passages = bundle.passages if since is None else changed_passages(bundle, since)
    _, stats = embed_texts(
        [p.embed_text for p in passages],
        model_name=model_name,
        encoder=encoder,
        cache=cache,
        batch_size=batch_size,
        progress=progress,
        label=f"Embedding {bundle.kind} passages ({model_name})",
    )
    seconds = time.perf_counter() - t0
    if stats.embedded:
        logger.info(
            "%s index: %d passages embedded with %s in %.1fs",
            bundle.kind,
            stats.embedded,
            model_name,
            seconds,
        )
    return replace(
        report,
        seconds=report.seconds + seconds,
        multilingual_embedded=stats.embedded,
        multilingual_seconds=seconds,
    )


def changed_passages(bundle: IndexBundle, since: IndexBundle) -> list[Passage]:
    """The passages of ``bundle``'s documents that are new or changed since ``since``."""
    out: list[Passage] = []
    for doc_id, entry in bundle.documents.items():
        before = since.documents.get(doc_id)
        if before is None or before.doc_hash != entry.doc_hash:
            out.extend(bundle.passages[entry.start : entry.stop])
    return out


def _dimension(
    previous: IndexBundle | None, blocks: list[FloatArray], new: FloatArray, encoder: EncoderSource
) -> int:
    if len(new):
        return int(new.shape[1])
    if blocks:
        return int(blocks[0].shape[1])
    if previous is not None:
        return previous.manifest.dimension
    # An empty corpus on a first build: the only source of the dimension is the encoder itself.
    enc = encoder if isinstance(encoder, Encoder) else encoder()
    return enc.dimension


__all__ = ["KindReport", "build_bundle", "changed_passages", "embed_second"]
