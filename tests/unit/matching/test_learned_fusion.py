"""The pairwise fusion model (``matchmaker.evaluation.fusion``) on hand-made features."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.evaluation.fusion import (
    Query,
    cross_validate,
    feature_scale,
    fit,
    fit_pairwise,
    folds,
    ndcg_by_kind,
    pair_differences,
    pairwise_loss,
    ranked_ids,
    stack_pairs,
)


def _query(qid: str, kind: str, features: list[list[float]], grades: list[int]) -> Query:
    ids = [f"{qid}-d{i}" for i in range(len(features))]
    return Query(
        qid,
        kind,
        qid,
        ids,
        np.array(features, dtype=np.float64),
        {d: g for d, g in zip(ids, grades, strict=True) if g},
    )


def test_pair_differences_pairs_each_better_candidate_with_each_worse_one() -> None:
    x = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.25]])
    diffs, weights = pair_differences(x, [3, 0, 1])
    # (0 over 1), (0 over 2), (2 over 1): gains 7, 0, 1.
    assert diffs.shape == (3, 2)
    got = {tuple(d): w for d, w in zip(diffs.tolist(), weights.tolist(), strict=True)}
    assert got[(1.0, -1.0)] == pytest.approx(7 / 14)
    assert got[(0.5, -0.25)] == pytest.approx(6 / 14)
    assert got[(0.5, -0.75)] == pytest.approx(1 / 14)


def test_pair_differences_without_different_grades_is_empty() -> None:
    diffs, weights = pair_differences(np.ones((3, 2)), [1, 1, 1])
    assert diffs.shape == (0, 2)
    assert weights.shape == (0,)


def test_pairwise_loss_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    diffs = rng.normal(size=(20, 3))
    weights = rng.random(20)
    coef = np.array([0.3, -0.2, 0.5])
    _, grad = pairwise_loss(coef, diffs, weights, 0.1)
    eps = 1e-6
    for k in range(3):
        step = np.zeros(3)
        step[k] = eps
        numeric = (
            pairwise_loss(coef + step, diffs, weights, 0.1)[0]
            - pairwise_loss(coef - step, diffs, weights, 0.1)[0]
        ) / (2 * eps)
        assert grad[k] == pytest.approx(numeric, rel=1e-4, abs=1e-7)


def test_fit_pairwise_keeps_coefficients_non_negative_and_finds_the_useful_signal() -> None:
    # Signal 0 orders every pair rightly, signal 1 wrongly: its weight stays at 0.
    diffs = np.array([[1.0, -1.0], [0.5, -0.2], [0.8, -0.9]])
    coef = fit_pairwise(diffs, np.full(3, 1 / 3), 0.01)
    assert coef[0] > 0
    assert coef[1] == 0.0


def test_a_larger_penalty_gives_smaller_coefficients() -> None:
    diffs = np.array([[1.0, 0.2], [0.5, 0.4], [0.8, -0.1]])
    weights = np.full(3, 1 / 3)
    small = fit_pairwise(diffs, weights, 0.01)
    large = fit_pairwise(diffs, weights, 1.0)
    assert np.linalg.norm(large) < np.linalg.norm(small)


def test_fit_recovers_the_signal_that_ranks_and_is_on_the_features_own_scale() -> None:
    queries = [
        _query("a", "k", [[10.0, 0.1], [5.0, 0.9], [1.0, 0.5]], [3, 1, 0]),
        _query("b", "k", [[2.0, 0.8], [8.0, 0.2], [4.0, 0.4]], [0, 3, 1]),
    ]
    coef = fit(queries, 0.01)
    assert coef[0] > 0
    assert coef[1] == 0.0
    assert ndcg_by_kind(queries, coef) == {"k": pytest.approx(1.0)}


def test_stack_pairs_weighs_every_kind_the_same() -> None:
    queries = [
        _query("a", "one", [[1.0], [0.0]], [1, 0]),
        _query("b", "one", [[1.0], [0.0]], [1, 0]),
        _query("c", "two", [[1.0], [0.0], [0.5]], [2, 0, 1]),
    ]
    scale = feature_scale(queries)
    _, weights = stack_pairs(queries, scale)
    assert weights.sum() == pytest.approx(1.0)
    assert weights[:2].sum() == pytest.approx(0.5)
    assert weights[2:].sum() == pytest.approx(0.5)


def test_feature_scale_is_one_for_a_constant_signal() -> None:
    queries = [_query("a", "k", [[1.0, 2.0], [3.0, 2.0]], [1, 0])]
    assert feature_scale(queries).tolist() == [1.0, 1.0]


def test_ranked_ids_breaks_ties_by_id() -> None:
    assert ranked_ids(["b", "a", "c"], np.array([0.5, 0.5, 0.9])) == ["c", "a", "b"]


def test_folds_keep_each_group_in_one_fold() -> None:
    parts = folds(["x", "y", "x", "z", "w"], 2)
    assert sorted(map(sorted, parts)) == [["w", "y"], ["x", "z"]]
    assert folds(["x"], 5) == [{"x"}]


def test_cross_validate_scores_each_penalty_on_left_out_queries() -> None:
    queries = [_query(f"q{i}", "k", [[1.0 + i, 0.0], [0.0, 1.0], [0.5, 0.5]], [2, 0, 1]) for i in range(4)]
    got = cross_validate(queries, [0.0, 0.1], n_folds=2)
    assert set(got) == {0.0, 0.1}
    assert got[0.0]["k"] == pytest.approx(1.0)
