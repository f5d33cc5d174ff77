"""Fitting the centroid's adapter (:mod:`matchmaker.evaluation.adapter`) on hand-made data: a query
space turned away from the passages' space is turned back, a strong penalty keeps the identity, and
the folds keep a group together."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.evaluation.adapter import (
    AdapterQuery,
    centroid_scores,
    cross_validate,
    fit_adapter,
    folds_of,
    in_groups,
    signal_ndcg,
)

DIM = 8


def _unit(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)
    return out


def _turned_queries(count: int, seed: int) -> list[AdapterQuery]:
    """Documents of two passages each; every query asks for one document, but its point is that
    document's first passage turned by a fixed rotation (plus a little noise)."""
    rng = np.random.default_rng(0)
    rotation, _ = np.linalg.qr(rng.standard_normal((DIM, DIM)))
    passages = [_unit(rng.standard_normal((2, DIM))) for _ in range(16)]
    ids = [f"doc{j}" for j in range(len(passages))]
    asked = np.random.default_rng(seed)
    out = []
    for i in range(count):
        j = int(asked.integers(len(ids)))
        point = _unit(rotation.T @ passages[j][0] + 0.05 * asked.standard_normal(DIM))
        out.append(
            AdapterQuery(f"q{seed}-{i}", "city_provider", f"g{i % 6}", point, ids, passages, {ids[j]: 3})
        )
    return out


def test_a_turned_query_space_is_turned_back() -> None:
    train, test = _turned_queries(32, seed=1), _turned_queries(20, seed=2)
    before = signal_ndcg(test, None)["city_provider"]
    w = fit_adapter(train, penalty=1e-4, epochs=80, rate=0.05)
    after = signal_ndcg(test, w)["city_provider"]
    assert before < 0.5
    assert after > before + 0.3
    # The same data and settings give the same matrix.
    np.testing.assert_array_equal(w, fit_adapter(train, penalty=1e-4, epochs=80, rate=0.05))


def test_a_strong_penalty_keeps_the_identity() -> None:
    queries = _turned_queries(12, seed=3)
    strong = fit_adapter(queries, penalty=100.0, epochs=30)
    weak = fit_adapter(queries, penalty=1e-4, epochs=30)
    # Adam moves every entry by about its rate at each step, so the identity is kept to that order.
    assert np.abs(strong - np.eye(DIM)).max() < 0.02
    assert np.abs(weak - np.eye(DIM)).max() > 0.1


def test_without_graded_pairs_nothing_is_learned() -> None:
    ungraded = [
        AdapterQuery(q.qid, q.kind, q.group, q.centre, q.ids, q.passages, {})
        for q in _turned_queries(4, seed=4)
    ]
    np.testing.assert_array_equal(
        fit_adapter(ungraded, penalty=0.01, epochs=5), np.eye(DIM, dtype=np.float32)
    )


def test_the_signal_is_the_mean_of_each_candidates_best_passages() -> None:
    centre = np.array([1.0, 0.0], np.float32)
    passages = [
        np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], np.float32),
        np.array([[0.0, 1.0]], np.float32),
        np.zeros((0, 2), np.float32),
    ]
    q = AdapterQuery("q", "city_case", "q", centre, ["a", "b", "c"], passages, {"a": 2})
    assert centroid_scores(None, q, top=2) == pytest.approx([0.8, 0.0, 0.0])
    swap = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    assert centroid_scores(swap, q, top=2) == pytest.approx([0.9, 1.0, 0.0])


def test_folds_keep_each_group_together_and_cover_every_group_once() -> None:
    queries = _turned_queries(12, seed=5)
    folds = folds_of([q.group for q in queries], 3)
    assert sorted(g for fold in folds for g in fold) == sorted({q.group for q in queries})
    assert folds == folds_of([q.group for q in reversed(queries)], 3)
    for fold in folds:
        assert {q.group for q in in_groups(queries, fold)} == set(fold)
    scored = cross_validate(queries, [0.01, 1.0], folds)
    assert set(scored) == {0.01, 1.0}
    assert set(scored[0.01]) == {"city_provider"}
