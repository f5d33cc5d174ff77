"""Exact below the threshold, HNSW above it with recall@10 of at least 0.95 against exact search."""

from __future__ import annotations

import numpy as np

from matchmaker.embeddings.encoder import normalize_rows
from matchmaker.embeddings.vector_index import (
    build_index,
    exact_neighbours,
    recall_at_k,
    sample_queries,
)


def clustered(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few hundred centres: closer to real embeddings than uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((200, dim)).astype(np.float32)
    labels = rng.integers(0, len(centres), size=n)
    return normalize_rows(centres[labels] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32))


def test_small_collections_get_exact_search() -> None:
    vectors = clustered(500, 32)
    index = build_index(vectors, 32, exact_max=1000)
    assert index.index_type == "flat"
    queries = sample_queries(vectors, 50)
    _, ids = index.search(queries, 10)
    assert recall_at_k(ids, exact_neighbours(vectors, queries, 10)) == 1.0


def test_large_collections_get_hnsw_with_measured_recall() -> None:
    vectors = clustered(8000, 48)
    index = build_index(vectors, 48, exact_max=1000)
    assert index.index_type == "hnsw"
    params = index.params()
    assert params["recall_at_10"] >= 0.95
    # Recall on fresh queries (another seed than the tuning sample) also holds.
    queries = sample_queries(vectors, 300, seed=7)
    _, ids = index.search(queries, 10)
    assert recall_at_k(ids, exact_neighbours(vectors, queries, 10)) >= 0.95


def test_hnsw_append_extends_the_published_index() -> None:
    vectors = clustered(3000, 32)
    base = build_index(vectors[:2500], 32, exact_max=100)
    grown = build_index(vectors, 32, exact_max=100, base=base)
    assert base.ntotal == 2500, "the published index is not touched"
    assert grown.ntotal == 3000
    assert grown.index_type == "hnsw"
    _, ids = grown.search(vectors[2990:], 1)
    assert ids[:, 0].tolist() == list(range(2990, 3000))


def test_search_asks_for_more_than_stored() -> None:
    vectors = clustered(5, 16)
    index = build_index(vectors, 16, exact_max=10)
    scores, ids = index.search(vectors[:1], 10)
    assert ids.shape == (1, 5)
    assert ids[0, 0] == 0
    assert abs(scores[0, 0] - 1.0) < 1e-5
