"""Index bundles: one self-describing directory per document kind, published atomically.

Layout under ``$MATCHMAKER_HOME/indexes/<kind>/``::

    CURRENT                 name of the live generation (replaced atomically with os.replace)
    .lock                   held by the one writer of this kind (fcntl.flock)
    g<ns>-<rand>/           one generation, never modified once published
        manifest.json       model, dimension, normalisation, counts, corpus hash, index type, files
                            with their sizes and SHA-256 checksums (verified on every load)
        passages.json       passage table: row i of the index is passage i
        documents.json      per document: id, content hash, first and last passage row, record hash
        vectors.npy         float32 unit vectors, one row per passage (kept for incremental updates)
        index.faiss         the HNSW graph (flat bundles rebuild their exact index from vectors.npy)
    .tmp-<rand>/            a generation being written; never read

Why a pointer file instead of renaming the bundle directory over the old one: a directory cannot be
atomically replaced while it has contents, but a small file can. A writer fills ``.tmp-*``, fsyncs it,
renames it to its generation name, then replaces ``CURRENT``. A crash before the last step leaves
the old generation live and a ``.tmp-*`` that the next writer deletes. Readers resolve ``CURRENT``
once and read only that generation, so they see a whole bundle or the previous one, never half of one.
The newest :data:`KEEP_GENERATIONS` generations are kept so a reader that resolved ``CURRENT`` just
before a switch can still finish loading; a reader that loses even that race retries.

:class:`IndexStore` is what a long-running process holds: ``store.get("provider")`` returns the live
:class:`IndexBundle`, checking with one ``stat`` of ``CURRENT`` whether a new generation was
published and swapping it in. Bundles are immutable, so a request that already holds the old one
finishes with it undisturbed. A store can also :meth:`~IndexStore.follow` a ledger of the newest
generations (the database's, when several processes share a bundle directory): a generation newer
than the one it holds is loaded by name, even where a shared file system is slow to show the new
``CURRENT``.

A damaged generation (a checksum that does not match, an unreadable file, vectors that are not
finite numbers) is refused with a logged reason: the store keeps serving the generation it holds, or
at start-up falls back to the newest older generation that verifies. When none does, that kind alone
is unavailable (:class:`IndexDamagedError`, a 503 with the reason) and the other kinds keep serving.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from matchmaker.embeddings.encoder import Encoder, FloatArray, normalize_rows
from matchmaker.embeddings.passages import SPLITTER_VERSION, DocKind, Passage, as_kind
from matchmaker.embeddings.vector_index import FaissIndex, IndexType, flat_index, read_index
from matchmaker.errors import IndexDamagedError, IndexUnavailableError
from matchmaker.settings import Settings
from matchmaker.threads import ARRAY_READS

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
KEEP_GENERATIONS = 3
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
PASSAGES = "passages.json"
DOCUMENTS = "documents.json"
VECTORS = "vectors.npy"
INDEX = "index.faiss"
BUILD_HINT = "run `matchmaker index build`"
_LOAD_ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a bundle says about itself (``manifest.json``)."""

    kind: DocKind
    model_name: str
    dimension: int
    passage_count: int
    document_count: int
    corpus_hash: str
    index_type: IndexType
    built_at: str
    build_seconds: float = 0.0
    index_params: dict[str, Any] = field(default_factory=dict)
    normalized: bool = True
    metric: str = "inner_product"
    splitter_version: int = SPLITTER_VERSION
    format_version: int = FORMAT_VERSION
    generation: str = ""
    files: dict[str, int] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Manifest:
        """Parse, ignoring unknown keys (newer writers may add some)."""
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        values["kind"] = as_kind(str(values["kind"]))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """One document in a bundle: its content hash, its passage rows ``[start, stop)`` and the hash of
    its whole record (:func:`~matchmaker.embeddings.passages.record_hash`; ``None`` in bundles built
    before it was kept), which tells matching to read a record whose other fields changed."""

    doc_id: str
    doc_hash: str
    start: int
    stop: int
    record_hash: str | None = None

    def to_dict(self) -> dict[str, str | int]:
        """The entry as stored in ``documents.json``: what ``asdict`` gives, without its deep copy."""
        entry: dict[str, str | int] = {
            "doc_id": self.doc_id,
            "doc_hash": self.doc_hash,
            "start": self.start,
            "stop": self.stop,
        }
        if self.record_hash is not None:
            entry["record_hash"] = self.record_hash
        return entry

    def same_record(self, other: DocumentEntry) -> bool:
        """Whether ``other`` stands for this very record: the same text and the same other fields."""
        return self.doc_hash == other.doc_hash and self.record_hash == other.record_hash


@dataclass(frozen=True, slots=True)
class PassageHit:
    """A passage found by a search, with its inner-product score (cosine similarity)."""

    passage: Passage
    score: float
    row: int


@dataclass(frozen=True, slots=True)
class DocumentHit:
    """A document found by a search: its best passage score and its best passages, best first."""

    doc_id: str
    score: float
    hits: tuple[PassageHit, ...]


class IndexBundle:
    """An immutable, loaded index of one kind: passages, their vectors and a search index.

    Rows are grouped by document, so a document's passages and vectors are contiguous slices.
    """

    def __init__(
        self,
        manifest: Manifest,
        passages: Sequence[Passage],
        documents: Sequence[DocumentEntry],
        vectors: FloatArray,
        index: FaissIndex | None,
        *,
        path: Path | None = None,
    ) -> None:
        indexed = index.ntotal if index is not None else len(vectors)
        if not (len(passages) == len(vectors) == indexed == manifest.passage_count):
            msg = (
                f"{manifest.kind} bundle is inconsistent: {len(passages)} passages, {len(vectors)} vectors, "
                f"{indexed} indexed, manifest says {manifest.passage_count}; {BUILD_HINT}"
            )
            raise IndexUnavailableError(msg)
        self.manifest = manifest
        self.passages: tuple[Passage, ...] = tuple(passages)
        self.documents: dict[str, DocumentEntry] = {d.doc_id: d for d in documents}
        self.vectors = vectors
        # ``None``: an exact index over ``vectors``, made on first search (it would copy them).
        self._index = index
        self._index_lock = threading.Lock()
        self.path = path

    @property
    def index(self) -> FaissIndex:
        """The search index (an exact one is made from the vectors when first asked for)."""
        if self._index is None:
            with self._index_lock:
                if self._index is None:
                    self._index = flat_index(self.vectors, self.manifest.dimension)
        return self._index

    @property
    def built_index(self) -> FaissIndex | None:
        """The search index if it was built or read; ``None`` for an exact index not made yet."""
        return self._index

    @property
    def kind(self) -> DocKind:
        """Document kind."""
        return self.manifest.kind

    @property
    def generation(self) -> str:
        """Generation name (empty for a bundle not yet published)."""
        return self.manifest.generation

    @property
    def doc_ids(self) -> list[str]:
        """Ids of the indexed documents, in row order."""
        return list(self.documents)

    def __len__(self) -> int:
        return len(self.passages)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.documents

    def document_rows(self, doc_id: str) -> slice:
        """Row slice of a document's passages (empty if unknown)."""
        entry = self.documents.get(doc_id)
        return slice(0, 0) if entry is None else slice(entry.start, entry.stop)

    def document_passages(self, doc_id: str) -> list[Passage]:
        """A document's passages, in field order."""
        return list(self.passages[self.document_rows(doc_id)])

    def document_vectors(self, doc_id: str) -> FloatArray:
        """A document's passage vectors ``(n_passages, dimension)``, rows as :meth:`document_passages`."""
        out: FloatArray = np.asarray(self.vectors[self.document_rows(doc_id)], dtype=np.float32)
        return out

    def _excluded_rows(self, exclude: Collection[str]) -> int:
        return sum(e.stop - e.start for d in exclude if (e := self.documents.get(d)) is not None)

    def search(
        self, queries: FloatArray, k: int = 10, *, exclude: Collection[str] = ()
    ) -> list[list[PassageHit]]:
        """The ``k`` best passages per query row, best first, skipping documents in ``exclude``."""
        q = _as_queries(queries, self.manifest.dimension)
        fetch = min(len(self.passages), k + self._excluded_rows(exclude))
        scores, ids = self.index.search(q, fetch)
        out: list[list[PassageHit]] = []
        for row_scores, row_ids in zip(scores, ids, strict=True):
            hits: list[PassageHit] = []
            for score, idx in zip(row_scores.tolist(), row_ids.tolist(), strict=True):
                if idx < 0:
                    continue
                passage = self.passages[idx]
                if passage.doc_id in exclude:
                    continue
                hits.append(PassageHit(passage, float(score), int(idx)))
                if len(hits) == k:
                    break
            out.append(hits)
        return out

    def search_documents(
        self, queries: FloatArray, k: int = 10, *, exclude: Collection[str] = (), per_document: int = 3
    ) -> list[list[DocumentHit]]:
        """The ``k`` best documents per query row, scored by their best passage.

        Each hit carries up to ``per_document`` of the document's best passages, which is what an
        explanation quotes. The passage search is widened until ``k`` documents are found or the
        index is exhausted.
        """
        q = _as_queries(queries, self.manifest.dimension)
        available = len(self.documents) - sum(1 for d in exclude if d in self.documents)
        out: list[list[DocumentHit]] = []
        for row in q:
            fetch = max(4 * k, 32)
            while True:
                hits = self.search(row, fetch, exclude=exclude)[0]
                grouped: dict[str, list[PassageHit]] = {}
                for hit in hits:
                    grouped.setdefault(hit.passage.doc_id, []).append(hit)
                if len(grouped) >= min(k, available) or fetch >= len(self.passages):
                    break
                fetch = min(fetch * 4, len(self.passages))
            docs = [
                DocumentHit(doc_id, group[0].score, tuple(group[:per_document]))
                for doc_id, group in grouped.items()
            ]
            docs.sort(key=lambda d: (-d.score, d.doc_id))
            out.append(docs[:k])
        return out

    # ----------------------------------------------------------------------------------------------
    # Persistence

    def write(self, directory: Path) -> dict[str, int]:
        """Write the bundle files into ``directory`` (which must exist); returns file sizes."""
        directory.mkdir(parents=True, exist_ok=True)
        # json.dumps encodes in C; json.dump to a file encodes chunk by chunk in Python (5× slower).
        passages = json.dumps([p.to_dict() for p in self.passages], ensure_ascii=False, separators=(",", ":"))
        (directory / PASSAGES).write_text(passages, encoding="utf-8")
        documents = json.dumps([d.to_dict() for d in self.documents.values()], ensure_ascii=False)
        (directory / DOCUMENTS).write_text(documents, encoding="utf-8")
        np.save(directory / VECTORS, np.ascontiguousarray(self.vectors, dtype=np.float32))
        index = self._index  # an exact index is made again from the vectors: not written
        if index is not None and index.kind != "flat":
            index.save(directory / INDEX)
        if not bool(np.isfinite(self.vectors).all()):
            msg = f"the {self.kind} vectors contain values that are not finite numbers; not writing them"
            raise IndexDamagedError(msg)
        files = [p for p in sorted(directory.iterdir()) if p.name != MANIFEST]
        sizes = {p.name: p.stat().st_size for p in files}
        checksums = {p.name: file_checksum(p) for p in files}
        params = index.params() if index is not None else {}
        manifest = _replace(self.manifest, files=sizes, checksums=checksums, index_params=params)
        _write_json(directory / MANIFEST, manifest.to_json())
        return sizes

    @classmethod
    def read(
        cls,
        directory: Path,
        *,
        model_name: str | None = None,
        dimension: int | None = None,
        kind: DocKind | None = None,
    ) -> IndexBundle:
        """Load a bundle directory, refusing one built for another model, dimension or format."""
        manifest = parse_manifest(directory)
        check_manifest(manifest, model_name=model_name, dimension=dimension, kind=kind)
        verify_files(directory, manifest)
        try:
            raw = json.loads((directory / PASSAGES).read_text(encoding="utf-8"))
            passages = [Passage.from_dict(manifest.kind, item) for item in raw]
            documents = [
                DocumentEntry(**d) for d in json.loads((directory / DOCUMENTS).read_text(encoding="utf-8"))
            ]
            with ARRAY_READS:
                vectors: FloatArray = np.load(directory / VECTORS, allow_pickle=False)
        except FileNotFoundError:
            raise
        except (ValueError, KeyError, TypeError, OSError, EOFError) as exc:
            msg = f"index bundle {directory} is damaged ({type(exc).__name__}: {exc}); {BUILD_HINT}"
            raise IndexDamagedError(msg) from exc
        if vectors.dtype != np.float32 or vectors.ndim != 2 or vectors.shape[1] != manifest.dimension:
            msg = f"index bundle {directory}: vectors have shape {vectors.shape}; {BUILD_HINT}"
            raise IndexDamagedError(msg)
        if not bool(np.isfinite(vectors).all()):
            msg = f"index bundle {directory}: vectors contain NaN or infinite values; {BUILD_HINT}"
            raise IndexDamagedError(msg)
        try:
            index = (
                None
                if manifest.index_type == "flat"
                else read_index(directory / INDEX, manifest.index_type, manifest.index_params)
            )
        except (RuntimeError, ValueError, OSError) as exc:
            msg = f"index bundle {directory}: the search index cannot be read ({exc}); {BUILD_HINT}"
            raise IndexDamagedError(msg) from exc
        return cls(manifest, passages, documents, vectors, index, path=directory)


def file_checksum(path: Path) -> str:
    """SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_files(directory: Path, manifest: Manifest) -> None:
    """Raise :class:`IndexDamagedError` unless every file has the size and checksum the manifest gives.

    A bundle written before checksums were recorded has sizes only; it is checked on those and a
    warning says a rebuild adds the checksums.
    """
    for name, size in manifest.files.items():
        try:
            actual = (directory / name).stat().st_size
        except FileNotFoundError:
            msg = f"index bundle {directory}: {name} is missing; {BUILD_HINT}"
            raise IndexDamagedError(msg) from None
        if actual != size:
            msg = f"index bundle {directory}: {name} is {actual} bytes, manifest says {size}; {BUILD_HINT}"
            raise IndexDamagedError(msg)
    if not manifest.checksums:
        logger.warning("index bundle %s has no checksums; %s to add them", directory, BUILD_HINT)
        return
    for name in manifest.files:
        expected = manifest.checksums.get(name)
        if expected is None:
            msg = f"index bundle {directory}: the manifest has no checksum for {name}; {BUILD_HINT}"
            raise IndexDamagedError(msg)
        if file_checksum(directory / name) != expected:
            msg = f"index bundle {directory}: {name} does not match its checksum (damaged); {BUILD_HINT}"
            raise IndexDamagedError(msg)


def check_manifest(
    manifest: Manifest, *, model_name: str | None, dimension: int | None, kind: DocKind | None = None
) -> None:
    """Raise :class:`IndexUnavailableError` unless the manifest fits the model, dimension and format."""
    problems: list[str] = []
    if manifest.format_version != FORMAT_VERSION:
        problems.append(f"format version {manifest.format_version}, expected {FORMAT_VERSION}")
    if kind is not None and manifest.kind != kind:
        problems.append(f"kind {manifest.kind!r}, expected {kind!r}")
    if model_name is not None and manifest.model_name != model_name:
        problems.append(f"model {manifest.model_name!r}, settings say {model_name!r}")
    if dimension is not None and manifest.dimension != dimension:
        problems.append(f"dimension {manifest.dimension}, the encoder gives {dimension}")
    if not manifest.normalized or manifest.metric != "inner_product":
        problems.append("vectors are not unit-length inner-product vectors")
    if problems:
        hint = BUILD_HINT
        if model_name is not None and manifest.model_name != model_name:
            # A mistyped model name is the likelier cause than a wish to rebuild every index.
            was = manifest.model_name
            hint = f"set MATCHMAKER_MODEL_NAME={was} as it was, or {BUILD_HINT} with the new model"
        msg = f"the {manifest.kind} index was built for other settings ({'; '.join(problems)}); {hint}"
        raise IndexUnavailableError(msg)


def _replace(manifest: Manifest, **changes: Any) -> Manifest:
    data = manifest.to_json()
    data.update(changes)
    return Manifest.from_json(data)


def _as_queries(queries: FloatArray, dimension: int) -> FloatArray:
    q = np.asarray(queries, dtype=np.float32)
    if q.ndim == 1:
        q = q.reshape(1, -1)
    if q.shape[1] != dimension:
        msg = f"query vectors have dimension {q.shape[1]}, the index has {dimension}"
        raise ValueError(msg)
    return normalize_rows(q)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, data: Any) -> None:
    with path.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())


def utc_now_iso() -> str:
    """Build time stamp for manifests."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_manifest(
    kind: DocKind,
    *,
    model_name: str,
    dimension: int,
    passage_count: int,
    document_count: int,
    corpus_hash: str,
    index_type: IndexType,
    build_seconds: float = 0.0,
) -> Manifest:
    """A manifest for a bundle about to be written (files and generation are filled in on publish)."""
    return Manifest(
        kind=kind,
        model_name=model_name,
        dimension=dimension,
        passage_count=passage_count,
        document_count=document_count,
        corpus_hash=corpus_hash,
        index_type=index_type,
        built_at=utc_now_iso(),
        build_seconds=round(build_seconds, 3),
    )


# --------------------------------------------------------------------------------------------------
# Generations on disk


def kind_dir(index_dir: Path, kind: DocKind) -> Path:
    """Directory holding a kind's generations."""
    return index_dir / kind


def current_generation(index_dir: Path, kind: DocKind) -> str | None:
    """Name of the live generation, or ``None`` if none was published."""
    try:
        name = (kind_dir(index_dir, kind) / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def parse_manifest(directory: Path) -> Manifest:
    """The manifest of a bundle directory; :class:`FileNotFoundError` when it is not there, and
    :class:`IndexDamagedError` when it cannot be read as one (bytes changed, cut short)."""
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            msg = "not a JSON object"
            raise TypeError(msg)  # noqa: TRY301 - reported as an unreadable manifest below
        return Manifest.from_json(data)
    except FileNotFoundError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        msg = f"index bundle {directory} has an unreadable manifest ({exc}); {BUILD_HINT}"
        raise IndexDamagedError(msg) from exc


def read_manifest(index_dir: Path, kind: DocKind) -> Manifest | None:
    """Manifest of the live generation, without loading the bundle (``None`` if absent;
    :class:`IndexDamagedError` when it cannot be read, or CURRENT names a generation not on disk)."""
    missing = None
    for _ in range(_LOAD_ATTEMPTS):
        generation = current_generation(index_dir, kind)
        if generation is None:
            return None
        if generation == missing:
            # CURRENT still names it, so it was not collected: deleted, or never copied back.
            _refuse(f"the live {kind} generation {generation} is missing its directory; {BUILD_HINT}")
        try:
            return parse_manifest(kind_dir(index_dir, kind) / generation)
        except (FileNotFoundError, NotADirectoryError):
            missing = generation  # collected between the two reads if CURRENT has moved on
    return None


def generation_manifest(index_dir: Path, kind: DocKind, generation: str) -> Manifest | None:
    """Manifest of one named generation (``None`` if it is not on disk)."""
    try:
        return parse_manifest(kind_dir(index_dir, kind) / generation)
    except (FileNotFoundError, NotADirectoryError):
        return None


def read_generation(
    index_dir: Path, kind: DocKind, generation: str, *, model_name: str | None, dimension: int | None
) -> IndexBundle:
    """Read and verify one generation of a kind (:meth:`IndexBundle.read`) against the expected model
    and dimension (``None``: not checked)."""
    return IndexBundle.read(
        kind_dir(index_dir, kind) / generation, model_name=model_name, dimension=dimension, kind=kind
    )


def generations(index_dir: Path, kind: DocKind) -> list[str]:
    """Names of the published generations of a kind on disk, newest first."""
    directory = kind_dir(index_dir, kind)
    if not directory.is_dir():
        return []
    names = [p.name for p in directory.iterdir() if p.is_dir() and p.name.startswith("g")]
    return sorted(names, reverse=True)


def load_bundle(
    index_dir: Path,
    kind: DocKind,
    *,
    model_name: str | None = None,
    dimension: int | None = None,
    fallback: bool = False,
) -> IndexBundle:
    """Load the live bundle of a kind, checking it against the expected model and dimension.

    A damaged live generation raises :class:`IndexDamagedError`; with ``fallback`` the newest older
    generation that verifies is loaded instead (the refusal is logged with its reason).
    """
    missing: tuple[str, str] | None = None  # the generation last found incomplete, and what it lacked
    for _ in range(_LOAD_ATTEMPTS):
        generation = current_generation(index_dir, kind)
        if generation is None:
            msg = f"there is no {kind} index in {index_dir}; {BUILD_HINT}"
            raise IndexUnavailableError(msg)
        try:
            if missing is not None and missing[0] == generation:
                # CURRENT still names it, so it was not collected: deleted, or never copied back.
                _refuse(f"the live {kind} generation {generation} is missing {missing[1]}; {BUILD_HINT}")
            return read_generation(index_dir, kind, generation, model_name=model_name, dimension=dimension)
        except (FileNotFoundError, NotADirectoryError) as exc:
            # The generation was collected after we read CURRENT (several publishes in between).
            logger.debug("generation %s of %s vanished while loading; retrying", generation, kind)
            directory = kind_dir(index_dir, kind) / generation
            lacking = Path(str(exc.filename)).name if directory.is_dir() and exc.filename else "its directory"
            missing = (generation, lacking)
        except IndexDamagedError as exc:
            if current_generation(index_dir, kind) != generation:
                # Collected while we verified it (a file "missing"): not damage of the live index.
                logger.debug("generation %s of %s was replaced while loading; retrying", generation, kind)
                continue
            logger.error("Refusing %s index generation %s: %s", kind, generation, exc.message)  # noqa: TRY400
            if not fallback:
                raise
            older = _older_good(index_dir, kind, generation, model_name=model_name, dimension=dimension)
            if older is None:
                raise
            logger.warning(
                "Serving the %s index from the older generation %s until it is rebuilt",
                kind,
                older.generation,
            )
            return older
    msg = f"the {kind} index in {index_dir} keeps changing while loading; try again or {BUILD_HINT}"
    raise IndexUnavailableError(msg)


def _refuse(message: str) -> NoReturn:
    raise IndexDamagedError(message)


def _older_good(
    index_dir: Path, kind: DocKind, damaged: str, *, model_name: str | None, dimension: int | None
) -> IndexBundle | None:
    """The newest generation older than ``damaged`` that loads and verifies, if any."""
    for name in generations(index_dir, kind):
        if name >= damaged:
            continue
        try:
            return read_generation(index_dir, kind, name, model_name=model_name, dimension=dimension)
        except (IndexUnavailableError, FileNotFoundError) as exc:
            logger.info("Older %s generation %s is not usable either: %s", kind, name, exc)
    return None


@dataclass(frozen=True, slots=True)
class GenerationCheck:
    """The result of verifying one generation on disk."""

    kind: DocKind
    generation: str
    live: bool
    ok: bool
    problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def verify_kind(
    index_dir: Path,
    kind: DocKind,
    *,
    model_name: str | None = None,
    dimension: int | None = None,
    live_only: bool = False,
) -> list[GenerationCheck]:
    """Verify every generation of a kind on disk (checksums, readable files, finite vectors), newest first;
    ``live_only``: the live generation alone."""
    live = current_generation(index_dir, kind)
    out: list[GenerationCheck] = []
    for name in generations(index_dir, kind):
        if live_only and name != live:
            continue
        try:
            read_generation(index_dir, kind, name, model_name=model_name, dimension=dimension)
        except IndexUnavailableError as exc:
            out.append(GenerationCheck(kind, name, name == live, ok=False, problem=exc.message))
        except FileNotFoundError as exc:
            out.append(
                GenerationCheck(kind, name, name == live, ok=False, problem=f"missing file {exc.filename}")
            )
        else:
            out.append(GenerationCheck(kind, name, name == live, ok=True))
    if live is not None and live not in {c.generation for c in out}:
        out.insert(0, GenerationCheck(kind, live, True, ok=False, problem="the live generation is missing"))
    return out


class BundleWriter:
    """The single writer of one kind: holds an exclusive lock from ``__enter__`` to ``__exit__``.

    Hold it across reading the previous bundle, building and publishing, so two concurrent refreshes
    serialise instead of the slower one publishing an older corpus over a newer one.
    """

    def __init__(self, index_dir: Path, kind: DocKind, *, keep: int = KEEP_GENERATIONS) -> None:
        self.index_dir = index_dir
        self.kind = kind
        self.dir = kind_dir(index_dir, kind)
        self.keep = max(2, keep)
        self._lock_fd: int | None = None

    def __enter__(self) -> BundleWriter:
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._lock_fd = fd
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def previous(
        self,
        *,
        model_name: str | None = None,
        dimension: int | None = None,
        held: IndexBundle | None = None,
    ) -> IndexBundle | None:
        """The live bundle if it exists and fits; ``None`` otherwise (a full build follows).

        ``held`` is a bundle of this kind the process already holds: while it is the live generation
        and of the model asked for, it is the answer, without reading the bundle from disk."""
        if (
            held is not None
            and (model_name is None or held.manifest.model_name == model_name)
            and held.generation == current_generation(self.index_dir, self.kind)
        ):
            return held
        try:
            return load_bundle(self.index_dir, self.kind, model_name=model_name, dimension=dimension)
        except IndexUnavailableError as exc:
            logger.info("Not reusing the %s bundle: %s", self.kind, exc)
            return None

    def publish(self, bundle: IndexBundle) -> IndexBundle:
        """Write ``bundle`` as a new generation and make it live; returns it as published."""
        if self._lock_fd is None:
            msg = "BundleWriter.publish() needs the writer lock: use `with BundleWriter(...) as w:`"
            raise RuntimeError(msg)
        self._collect(drop_temporaries=True)
        generation = f"g{time.time_ns():020d}-{secrets.token_hex(3)}"
        tmp = self.dir / f".tmp-{generation}"
        tmp.mkdir()
        try:
            manifest = _replace(bundle.manifest, generation=generation)
            staged = IndexBundle(
                manifest, bundle.passages, list(bundle.documents.values()), bundle.vectors, bundle.built_index
            )
            staged.write(tmp)
            for child in tmp.iterdir():
                with child.open("rb") as fh:
                    os.fsync(fh.fileno())
            _fsync_dir(tmp)
            final = self.dir / generation
            tmp.rename(final)
            pointer = self.dir / f".{CURRENT}.{generation}"
            with pointer.open("w", encoding="utf-8") as fh:
                fh.write(generation + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            pointer.replace(self.dir / CURRENT)
            _fsync_dir(self.dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._collect(drop_temporaries=False)
        logger.info(
            "Published %s index generation %s: %d passages of %d documents (%s)",
            self.kind,
            generation,
            manifest.passage_count,
            manifest.document_count,
            manifest.index_type,
        )
        data = json.loads((final / MANIFEST).read_text(encoding="utf-8"))
        return IndexBundle(
            Manifest.from_json(data),
            bundle.passages,
            list(bundle.documents.values()),
            bundle.vectors,
            bundle.built_index,
            path=final,
        )

    def _collect(self, *, drop_temporaries: bool) -> None:
        """Delete old generations (keeping the newest few) and, under the lock, crash leftovers."""
        live = current_generation(self.index_dir, self.kind)
        generations = sorted(p for p in self.dir.iterdir() if p.is_dir() and p.name.startswith("g"))
        for old in generations[: -self.keep]:
            if old.name != live:
                shutil.rmtree(old, ignore_errors=True)
        if drop_temporaries:
            # We hold the lock, so no other writer is using a temporary: these are crash leftovers.
            for leftover in self.dir.glob(".tmp-*"):
                shutil.rmtree(leftover, ignore_errors=True)
            for leftover in self.dir.glob(f".{CURRENT}.*"):
                leftover.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------------
# The reader a server holds


class IndexStore:
    """Live bundles of every kind for a long-running process, hot-reloaded when a new one is published.

    ``get(kind)`` costs one ``stat`` of the ``CURRENT`` pointer when nothing changed. When a new
    generation appears, the first caller loads it while concurrent callers keep getting the previous
    bundle; the swap is a reference assignment. If a new generation cannot be used (built for
    another model, say), the previous bundle keeps serving and the problem is logged.
    """

    def __init__(
        self,
        index_dir: Path,
        *,
        model_name: str | None,
        dimension: int | None = None,
        check_interval: float = 0.0,
    ) -> None:
        self.index_dir = index_dir
        self.model_name = model_name
        self.dimension = dimension
        self.check_interval = check_interval
        self._bundles: dict[DocKind, IndexBundle] = {}
        self._stamps: dict[DocKind, tuple[int, int, int]] = {}
        self._checked: dict[DocKind, float] = {}
        #: Why the newest generation of a kind is not the one serving (damaged, other settings), if so.
        self.problems: dict[DocKind, str] = {}
        self._failed: dict[DocKind, tuple[tuple[int, int, int], IndexUnavailableError]] = {}
        self._locks: dict[DocKind, threading.Lock] = {
            k: threading.Lock() for k in ("city", "provider", "case")
        }
        self._ledger: Callable[[], Mapping[DocKind, str]] | None = None
        self._ledger_interval = 1.0
        self._ledger_seen: Mapping[DocKind, str] = {}
        self._ledger_checked = float("-inf")
        self._ledger_lock = threading.Lock()
        self._refused: set[str] = set()
        self._missing: set[str] = set()

    def follow(self, ledger: Callable[[], Mapping[DocKind, str]], *, interval: float = 1.0) -> None:
        """Also load the generation ``ledger()`` names as newest when it is newer than the one held.

        ``ledger`` is asked at most every ``interval`` seconds (it is a database query); a failing
        ledger is logged and the ``CURRENT`` pointer alone decides until it answers again.
        """
        self._ledger = ledger
        self._ledger_interval = interval
        self._ledger_checked = float("-inf")

    def _newest_named(self, kind: DocKind) -> str | None:
        """The ledger's newest generation of ``kind`` (cached for the ledger interval)."""
        ledger = self._ledger
        if ledger is None:
            return None
        now = time.monotonic()
        if now - self._ledger_checked >= self._ledger_interval and self._ledger_lock.acquire(blocking=False):
            try:
                self._ledger_seen = dict(ledger())
            except Exception as exc:  # the database is away: the CURRENT pointer still works
                logger.warning("Could not read the newest index generations: %s", exc)
            finally:
                self._ledger_checked = now
                self._ledger_lock.release()
        return self._ledger_seen.get(kind)

    def _follow_ledger(self, kind: DocKind, bundle: IndexBundle) -> IndexBundle:
        """``bundle``, or the newer generation the ledger names when it is on disk and usable."""
        wanted = self._newest_named(kind)
        if wanted is None or wanted <= bundle.generation or wanted in self._refused:
            return bundle
        lock = self._locks[kind]
        if not lock.acquire(blocking=False):
            return bundle  # another thread is loading it
        try:
            current = self._bundles.get(kind, bundle)
            if current.generation >= wanted:
                return current
            try:
                fresh = read_generation(
                    self.index_dir, kind, wanted, model_name=self.model_name, dimension=self.dimension
                )
            except FileNotFoundError:
                if wanted in self._missing:
                    return current
                self._missing.add(wanted)  # say so once; a shared directory may show it later
                logger.warning(
                    "The %s index generation %s recorded in the database is not in %s; is the bundle "
                    "directory shared by every server?",
                    kind,
                    wanted,
                    self.index_dir,
                )
                return current
            except IndexUnavailableError as exc:
                self._refused.add(wanted)
                self.problems[kind] = f"generation {wanted} refused: {exc.message}"
                logger.error("Keeping %s index %s: %s", kind, current.generation, exc.message)  # noqa: TRY400
                return current
            self._bundles[kind] = fresh
            self.problems.pop(kind, None)
            logger.info(
                "Swapped %s index %s → %s (recorded in the database)", kind, current.generation, wanted
            )
            return fresh
        finally:
            lock.release()

    @classmethod
    def for_settings(
        cls, settings: Settings, encoder: Encoder | None = None, *, check_interval: float = 0.0
    ) -> IndexStore:
        """A store checking bundles against ``settings.model_name`` (or ``encoder.name``/``dimension``)."""
        if encoder is not None:
            return cls(
                settings.index_dir,
                model_name=encoder.name,
                dimension=encoder.dimension,
                check_interval=check_interval,
            )
        return cls(settings.index_dir, model_name=settings.model_name, check_interval=check_interval)

    def _stamp(self, kind: DocKind) -> tuple[int, int, int] | None:
        try:
            st = (kind_dir(self.index_dir, kind) / CURRENT).stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def get(self, kind: DocKind) -> IndexBundle:
        """The live bundle of ``kind``; raises :class:`IndexUnavailableError` if there is none usable."""
        bundle = self._get(kind)
        if self._ledger is not None:
            return self._follow_ledger(kind, bundle)
        return bundle

    def _get(self, kind: DocKind) -> IndexBundle:
        bundle = self._bundles.get(kind)
        now = time.monotonic()
        if bundle is not None and now - self._checked.get(kind, 0.0) < self.check_interval:
            return bundle
        self._checked[kind] = now
        stamp = self._stamp(kind)
        if bundle is not None and stamp == self._stamps.get(kind):
            return bundle
        lock = self._locks[kind]
        if bundle is not None:
            if not lock.acquire(blocking=False):
                return bundle  # another thread is loading the new generation; serve the old one meanwhile
        else:
            lock.acquire()
        try:
            current = self._bundles.get(kind)
            stamp = self._stamp(kind)
            if current is not None and stamp == self._stamps.get(kind):
                return current
            if stamp is None and current is None:
                msg = f"there is no {kind} index in {self.index_dir}; {BUILD_HINT}"
                raise IndexUnavailableError(msg)
            if stamp is None and current is not None:
                return current  # pointer removed by hand: keep serving what we have
            generation = current_generation(self.index_dir, kind)
            if current is not None and generation is not None and generation < current.generation:
                self._stamps[kind] = stamp  # type: ignore[assignment]
                return current  # the ledger already led us past this generation
            if current is not None and generation == current.generation:
                self._stamps[kind] = stamp  # type: ignore[assignment]
                return current
            failed = self._failed.get(kind)
            if current is None and failed is not None and failed[0] == stamp:
                raise failed[1]  # the same refused generation: do not re-read it on every request
            try:
                fresh = load_bundle(
                    self.index_dir,
                    kind,
                    model_name=self.model_name,
                    dimension=self.dimension,
                    fallback=current is None,
                )
            except IndexUnavailableError as exc:
                self.problems[kind] = f"generation {generation} refused: {exc.message}"
                if current is None:
                    if stamp is not None:
                        self._failed[kind] = (stamp, exc)
                    raise
                logger.error(  # noqa: TRY400 - the reason is the message; no traceback is needed
                    "Keeping %s index %s: the new generation %s is unusable: %s",
                    kind,
                    current.generation,
                    generation,
                    exc.message,
                )
                self._stamps[kind] = stamp  # type: ignore[assignment]
                return current
            if fresh.generation != generation:
                self.problems[kind] = (
                    f"generation {generation} refused as damaged; serving {fresh.generation}"
                )
            else:
                self.problems.pop(kind, None)
            self._failed.pop(kind, None)
            self._bundles[kind] = fresh
            self._stamps[kind] = stamp  # type: ignore[assignment]
            if current is not None:
                logger.info("Swapped %s index %s → %s", kind, current.generation, fresh.generation)
            return fresh
        finally:
            lock.release()

    def offer(self, bundle: IndexBundle) -> bool:
        """Hold ``bundle``, just published by this process, without reading it back from disk.

        It is taken only when it is the live generation of its kind (the ``CURRENT`` pointer names
        it), newer than the one held and built for this store's model; otherwise the next :meth:`get`
        decides as usual. Returns whether it was taken.
        """
        kind = bundle.kind
        if self.model_name is not None and bundle.manifest.model_name != self.model_name:
            return False
        if self.dimension is not None and bundle.manifest.dimension != self.dimension:
            return False
        with self._locks[kind]:
            held = self._bundles.get(kind)
            if held is not None and held.generation >= bundle.generation:
                return False
            stamp = self._stamp(kind)
            if stamp is None or current_generation(self.index_dir, kind) != bundle.generation:
                return False
            self._bundles[kind] = bundle
            self._stamps[kind] = stamp
            self._failed.pop(kind, None)
            self.problems.pop(kind, None)
        return True

    def maybe(self, kind: DocKind) -> IndexBundle | None:
        """Like :meth:`get` but ``None`` when no usable bundle exists."""
        with contextlib.suppress(IndexUnavailableError):
            return self.get(kind)
        return None

    def loaded(self) -> Iterator[IndexBundle]:
        """Bundles currently held (without checking for new generations)."""
        return iter(list(self._bundles.values()))


__all__ = [
    "BUILD_HINT",
    "FORMAT_VERSION",
    "BundleWriter",
    "DocumentEntry",
    "DocumentHit",
    "GenerationCheck",
    "IndexBundle",
    "IndexStore",
    "Manifest",
    "PassageHit",
    "check_manifest",
    "current_generation",
    "file_checksum",
    "generation_manifest",
    "generations",
    "load_bundle",
    "new_manifest",
    "parse_manifest",
    "read_manifest",
    "verify_files",
    "verify_kind",
]
