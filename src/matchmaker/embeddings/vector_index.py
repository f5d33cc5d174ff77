"""The vector-index seam: exact (flat) or approximate (HNSW) inner-product search over unit vectors.

:class:`VectorIndex` is the small interface the bundles use: ``add``, ``search``, ``save`` and the
facts a manifest records. :func:`build_index` chooses the type: exact ``IndexFlatIP`` up to
``exact_max`` vectors, ``IndexHNSWFlat`` (inner product) above it. For HNSW, :func:`tune_ef_search`
measures recall@10 against exact search on a sample of perturbed corpus vectors and raises
``efSearch`` until recall reaches the target (0.95 by default); if even the largest efSearch misses
the target, the build falls back to the exact index, so an index never answers worse than the target.

The ids an index returns are row numbers into the bundle's passage table.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.encoder import FloatArray, faiss_threads, normalize_rows

logger = logging.getLogger(__name__)

IndexType = Literal["flat", "hnsw"]
IntArray = npt.NDArray[np.int64]

RECALL_TARGET = 0.95
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
EF_SEARCH_STEPS = (16, 32, 64, 128, 256, 512, 1024)


class VectorIndex(Protocol):
    """Inner-product search over L2-normalised vectors; ids are row numbers."""

    @property
    def index_type(self) -> IndexType:
        """``flat`` (exact) or ``hnsw`` (approximate)."""
        ...

    @property
    def ntotal(self) -> int:
        """Number of vectors held."""
        ...

    def params(self) -> dict[str, Any]:
        """Parameters a manifest records (``M``, ``ef_search``, measured recall...)."""
        ...

    def add(self, vectors: FloatArray) -> None:
        """Append vectors; their ids continue from :attr:`ntotal`."""
        ...

    def search(self, queries: FloatArray, k: int) -> tuple[FloatArray, IntArray]:
        """Scores and ids of the ``k`` best rows per query; missing slots have id ``-1``."""
        ...

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (a file)."""
        ...


@dataclass
class FaissIndex:
    """A :class:`VectorIndex` over a faiss index."""

    index: Any
    kind: IndexType
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def index_type(self) -> IndexType:
        """``flat`` or ``hnsw``."""
        return self.kind

    @property
    def ntotal(self) -> int:
        """Number of vectors."""
        return int(self.index.ntotal)

    @property
    def dimension(self) -> int:
        """Vector dimension."""
        return int(self.index.d)

    @property
    def ef_search(self) -> int | None:
        """HNSW search breadth (None for flat)."""
        return int(self.index.hnsw.efSearch) if self.kind == "hnsw" else None

    def set_ef_search(self, ef: int) -> None:
        """Set HNSW efSearch (ignored for flat)."""
        if self.kind == "hnsw":
            self.index.hnsw.efSearch = int(ef)

    def params(self) -> dict[str, Any]:
        """Manifest parameters."""
        out: dict[str, Any] = {}
        if self.kind == "hnsw":
            out = {
                "M": int(self.index.hnsw.nb_neighbors(1)),
                "ef_construction": int(self.index.hnsw.efConstruction),
                "ef_search": int(self.index.hnsw.efSearch),
            }
        out.update(self.extra)
        return out

    def add(self, vectors: FloatArray) -> None:
        """Append vectors."""
        if len(vectors):
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, queries: FloatArray, k: int) -> tuple[FloatArray, IntArray]:
        """Top-``k`` scores and row ids per query."""
        q = np.ascontiguousarray(queries, dtype=np.float32)
        if q.ndim == 1:
            q = q.reshape(1, -1)
        if self.ntotal == 0 or k <= 0:
            return np.zeros((len(q), 0), dtype=np.float32), np.zeros((len(q), 0), dtype=np.int64)
        scores, ids = self.index.search(q, min(k, self.ntotal))
        return scores.astype(np.float32, copy=False), ids.astype(np.int64, copy=False)

    def save(self, path: Path) -> None:
        """Write with faiss's own format."""
        import faiss  # noqa: PLC0415 - heavy; loaded only when an index is built, read or written

        faiss.write_index(self.index, str(path))

    def clone(self) -> FaissIndex:
        """An independent copy (to append to without touching a published index)."""
        import faiss  # noqa: PLC0415 - heavy; loaded only when an index is built, read or written

        copy = faiss.deserialize_index(faiss.serialize_index(self.index))
        return FaissIndex(copy, self.kind, dict(self.extra))


def flat_index(vectors: FloatArray, dimension: int) -> FaissIndex:
    """Exact inner-product index."""
    import faiss  # noqa: PLC0415 - heavy; loaded only when an index is built, read or written

    index = FaissIndex(faiss.IndexFlatIP(dimension), "flat")
    index.add(vectors)
    return index


def hnsw_index(
    vectors: FloatArray, dimension: int, *, m: int = HNSW_M, ef_construction: int = HNSW_EF_CONSTRUCTION
) -> FaissIndex:
    """HNSW graph over the vectors, inner-product metric."""
    import faiss  # noqa: PLC0415 - heavy; loaded only when an index is built, read or written

    raw = faiss.IndexHNSWFlat(dimension, m, faiss.METRIC_INNER_PRODUCT)
    raw.hnsw.efConstruction = ef_construction
    index = FaissIndex(raw, "hnsw")
    index.add(vectors)
    return index


def sample_queries(vectors: FloatArray, n: int, *, noise: float = 0.6, seed: int = 0) -> FloatArray:
    """Perturbed corpus rows: queries near, but not at, stored vectors.

    The noise has norm ``noise`` against a unit vector (0.6 gives a cosine of about 0.86 with the
    source row, like a paraphrase), so the true neighbours are not just the source row's twins and
    the measured recall is not flattered.
    """
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(vectors), size=min(n, len(vectors)), replace=False)
    base = np.asarray(vectors[rows], dtype=np.float32)
    jitter = rng.standard_normal(base.shape).astype(np.float32) * (noise / np.sqrt(base.shape[1]))
    return normalize_rows(base + jitter)


def exact_neighbours(vectors: FloatArray, queries: FloatArray, k: int) -> IntArray:
    """Ground-truth top-``k`` ids by brute force."""
    import faiss  # noqa: PLC0415 - heavy; loaded only when an index is built, read or written

    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(np.ascontiguousarray(vectors, dtype=np.float32))
    _, ids = exact.search(queries, min(k, len(vectors)))
    return ids.astype(np.int64, copy=False)


def recall_at_k(approx: IntArray, exact: IntArray) -> float:
    """Mean fraction of the exact top-k found in the approximate top-k."""
    if exact.size == 0:
        return 1.0
    hits = sum(len(set(a.tolist()) & set(e.tolist()) - {-1}) for a, e in zip(approx, exact, strict=True))
    return hits / float(exact.size)


def tune_ef_search(
    index: FaissIndex,
    vectors: FloatArray,
    *,
    target: float = RECALL_TARGET,
    k: int = 10,
    n_queries: int = 300,
    steps: tuple[int, ...] = EF_SEARCH_STEPS,
) -> tuple[int, float]:
    """Smallest efSearch in ``steps`` whose measured recall@k reaches ``target``, and that recall."""
    queries = sample_queries(vectors, n_queries)
    truth = exact_neighbours(vectors, queries, k)
    recall = 0.0
    ef = steps[0]
    for ef in steps:
        if ef < k:
            continue
        index.set_ef_search(ef)
        _, ids = index.search(queries, k)
        recall = recall_at_k(ids, truth)
        logger.debug("HNSW efSearch=%d recall@%d=%.4f", ef, k, recall)
        if recall >= target:
            break
    return ef, recall


def build_index(
    vectors: FloatArray,
    dimension: int,
    *,
    exact_max: int,
    recall_target: float = RECALL_TARGET,
    base: FaissIndex | None = None,
) -> FaissIndex:
    """Exact index up to ``exact_max`` vectors, tuned HNSW above (exact if HNSW misses the target).

    ``base`` is a published HNSW index holding a prefix of ``vectors``: it is cloned and only the new
    rows are added, which is how appends stay cheap on large collections.
    """
    n = len(vectors)
    if n <= exact_max:
        return flat_index(vectors, dimension)
    t0 = time.perf_counter()
    with faiss_threads():  # insertion and the recall batch parallelise well; see encoder docs
        if base is not None and base.kind == "hnsw" and base.ntotal <= n:
            index = base.clone()
            index.add(vectors[base.ntotal :])
        else:
            index = hnsw_index(vectors, dimension)
        built = time.perf_counter() - t0
        ef, recall = tune_ef_search(index, vectors, target=recall_target)
    if recall < recall_target:
        logger.warning(
            "HNSW recall@10 %.3f stays below %.2f even at efSearch=%d; using exact search",
            recall,
            recall_target,
            ef,
        )
        return flat_index(vectors, dimension)
    index.set_ef_search(ef)
    index.extra["recall_at_10"] = round(recall, 4)
    logger.info("HNSW over %d vectors built in %.1fs; efSearch=%d recall@10=%.3f", n, built, ef, recall)
    return index


def read_index(path: Path, kind: IndexType, params: dict[str, Any]) -> FaissIndex:
    """Read an index written by :meth:`FaissIndex.save` and restore its search parameters."""
    import faiss  # noqa: PLC0415 - heavy; loaded only when an index is built, read or written

    index = FaissIndex(faiss.read_index(str(path)), kind)
    if kind == "hnsw" and "ef_search" in params:
        index.set_ef_search(int(params["ef_search"]))
    if "recall_at_10" in params:
        index.extra["recall_at_10"] = params["recall_at_10"]
    return index


__all__ = [
    "RECALL_TARGET",
    "FaissIndex",
    "IndexType",
    "VectorIndex",
    "build_index",
    "exact_neighbours",
    "flat_index",
    "hnsw_index",
    "read_index",
    "recall_at_k",
    "sample_queries",
    "tune_ef_search",
]
