"""Embedding cache: ``(model name, sha256 of the text)`` → vector, in one SQLite file.

The cache lives next to the bundles (``$MATCHMAKER_HOME/indexes/embedding-cache.sqlite3``). It is
what makes re-ingesting cheap: an unchanged corpus embeds nothing, and an edited record re-embeds only
the passages whose text changed. SQLite gives atomic multi-row writes and safe concurrent readers
(WAL), so an ingest and a rebuild running at once cannot corrupt it; a lost cache only costs time.

:func:`embed_texts` is the one entry point the services use: it looks texts up, encodes the misses in
batches (reporting progress), stores them, and says how many were embedded and how many reused. The
encoder is only loaded when something misses, so a no-op refresh never pays for loading the model.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Self, TypeVar

import numpy as np

from matchmaker.embeddings.encoder import Encoder, FloatArray, normalize_rows
from matchmaker.embeddings.passages import text_hash
from matchmaker.embeddings.progress import NullProgress, Progress

logger = logging.getLogger(__name__)

CACHE_FILE = "embedding-cache.sqlite3"
_CHUNK = 500  # SQLite host-parameter limit is 999 on old builds

EncoderSource = Encoder | Callable[[], Encoder]


class _SqliteFile:
    """One SQLite file in WAL mode, shared between threads behind a lock; a context manager."""

    def __init__(self, path: Path, schema: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        try:
            self._db = self._open(schema)
        except sqlite3.DatabaseError as exc:
            if type(exc) is not sqlite3.DatabaseError:  # busy, locked, read-only: not the file's content
                raise
            # What the file holds is derived data: a damaged file only costs the time to compute it
            # again, where it stopped every ingest, edit and index build.
            aside = path.with_name(f"{path.name}.damaged")
            logger.warning(
                "The cache file %s is damaged (%s); it is moved to %s and started anew", path, exc, aside
            )
            with contextlib.suppress(FileNotFoundError):  # another process moved it first
                path.replace(aside)
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            self._db = self._open(schema)

    def _open(self, schema: str) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(schema)
        except BaseException:
            db.close()
            raise
        return db

    def _select(self, query: str, keys: Sequence[str], *before: str) -> list[tuple[str, bytes]]:
        """Rows of ``query`` (its ``{}`` is the list of keys) for every key, in chunks SQLite accepts;
        ``before`` are parameters that come before the keys."""
        out: list[tuple[str, bytes]] = []
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for i in range(0, len(unique), _CHUNK):
                chunk = unique[i : i + _CHUNK]
                out.extend(self._db.execute(query.format(",".join("?" * len(chunk))), [*before, *chunk]))
        return out

    def _write(self, statement: str, rows: Sequence[tuple[object, ...]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(statement, rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class EmbeddingCache(_SqliteFile):
    """Vectors keyed by model name and text hash. Safe to share between threads."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            path,
            "CREATE TABLE IF NOT EXISTS vectors ("
            " model TEXT NOT NULL, hash TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,"
            " PRIMARY KEY (model, hash)) WITHOUT ROWID",
        )

    @classmethod
    def in_dir(cls, index_dir: Path) -> EmbeddingCache:
        """The cache file of an instance's index directory."""
        return cls(index_dir / CACHE_FILE)

    def get_many(self, model: str, hashes: Sequence[str]) -> dict[str, FloatArray]:
        """The cached vectors among ``hashes``."""
        rows = self._select(
            "SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({})", hashes, model
        )
        return {key: np.frombuffer(blob, dtype=np.float32) for key, blob in rows}

    def put_many(self, model: str, items: Sequence[tuple[str, FloatArray]]) -> None:
        """Store vectors (one transaction)."""
        rows = [
            (model, key, int(vec.shape[0]), np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in items
        ]
        self._write("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)

    def count(self, model: str | None = None) -> int:
        """Number of cached vectors (for one model, or all)."""
        with self._lock:
            if model is None:
                row = self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()
            else:
                row = self._db.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", (model,)).fetchone()
        return int(row[0])


class BlobCache(_SqliteFile):
    """Bytes keyed by a content key (derived data that is costly to compute and cheap to keep), in
    one SQLite file next to the embedding cache. Safe to share between threads; a lost file only
    costs time."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            path, "CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID"
        )

    @classmethod
    def in_dir(cls, index_dir: Path, name: str) -> BlobCache:
        """The cache file ``name`` of an instance's index directory."""
        return cls(index_dir / name)

    def get_many(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored values among ``keys``."""
        return {
            key: bytes(value)
            for key, value in self._select("SELECT key, value FROM blobs WHERE key IN ({})", keys)
        }

    def put_many(self, items: Sequence[tuple[str, bytes]]) -> None:
        """Store values (one transaction)."""
        self._write("INSERT OR REPLACE INTO blobs VALUES (?, ?)", list(items))


F = TypeVar("F", bound=_SqliteFile)


class KeptOpen(Generic[F]):
    """A cache file of a long-lived owner (the matcher, the index service): opened on first use and
    kept open until :meth:`close`. Closing the last connection to a SQLite file in WAL mode
    checkpoints it (10–20 ms with its fsyncs), which a write used to pay for each cache it touched.
    Safe to share between threads (the file serialises its operations); after :meth:`close`, or
    when an owner closes it on a failed operation, the next use opens it again."""

    def __init__(self, open_file: Callable[[], F]) -> None:
        self._open_file = open_file
        self._file: F | None = None
        self._lock = threading.Lock()

    def get(self) -> F:
        """The open file (opened now if it is not)."""
        with self._lock:
            if self._file is None:
                self._file = self._open_file()
            return self._file

    def close(self) -> None:
        """Close the file if it is open (it opens again on next use)."""
        with self._lock:
            file, self._file = self._file, None
        if file is not None:
            file.close()


@dataclass(frozen=True, slots=True)
class EmbedStats:
    """What one :func:`embed_texts` call did."""

    embedded: int
    reused: int
    seconds: float


def _resolve(source: EncoderSource) -> Encoder:
    return source if isinstance(source, Encoder) else source()


def embed_texts(
    texts: Sequence[str],
    *,
    model_name: str,
    encoder: EncoderSource,
    cache: EmbeddingCache | None,
    batch_size: int = 64,
    progress: Progress | None = None,
    label: str = "Embedding",
) -> tuple[FloatArray, EmbedStats]:
    """Vectors for ``texts`` (rows in the same order), from the cache where possible.

    ``encoder`` may be a callable that loads the encoder; it is called only if some text misses.
    Identical texts are encoded once.
    """
    t0 = time.perf_counter()
    hashes = [text_hash(t) for t in texts]
    cached = cache.get_many(model_name, hashes) if cache is not None else {}
    missing: dict[str, str] = {}
    for key, text in zip(hashes, texts, strict=True):
        if key not in cached and key not in missing:
            missing[key] = text
    fresh: dict[str, FloatArray] = {}
    if missing:
        enc = _resolve(encoder)
        if enc.name != model_name:
            msg = f"encoder {enc.name!r} does not match the model name {model_name!r}"
            raise ValueError(msg)
        # Sorting by length keeps batches homogeneous, which is what makes transformer batches fast.
        order = sorted(missing, key=lambda k: len(missing[k]))
        bar = progress or NullProgress()
        bar.start(label, len(order))
        try:
            for i in range(0, len(order), batch_size):
                keys = order[i : i + batch_size]
                vectors = enc.encode([missing[k] for k in keys], batch_size=batch_size)
                if vectors.shape != (len(keys), enc.dimension):
                    msg = f"encoder returned shape {vectors.shape}, expected {(len(keys), enc.dimension)}"
                    raise ValueError(msg)
                batch = list(zip(keys, vectors, strict=True))
                fresh.update(batch)
                if cache is not None:
                    cache.put_many(model_name, batch)
                bar.advance(len(keys))
        finally:
            bar.finish()
    if not texts:
        dim = encoder.dimension if isinstance(encoder, Encoder) else 0
        return np.zeros((0, dim), dtype=np.float32), EmbedStats(0, 0, time.perf_counter() - t0)
    rows = [fresh[k] if k in fresh else cached[k] for k in hashes]
    dims = {r.shape[0] for r in rows}
    if len(dims) != 1:
        msg = f"cached vectors of model {model_name!r} have several dimensions {sorted(dims)}"
        raise ValueError(msg)
    matrix = normalize_rows(np.stack(rows))
    # "embedded" counts distinct texts sent to the encoder; every other row came from the cache
    # (or from a duplicate text encoded in this same call).
    stats = EmbedStats(
        embedded=len(missing), reused=len(texts) - len(missing), seconds=time.perf_counter() - t0
    )
    return matrix, stats


__all__ = ["CACHE_FILE", "BlobCache", "EmbedStats", "EmbeddingCache", "EncoderSource", "embed_texts"]
