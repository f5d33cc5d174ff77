"""The k best of a row without sorting it all: the same indices, in the same order, as a stable sort."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from matchmaker.matching.ranking import top_indices


def _sorted_top(values: np.ndarray, k: int) -> list[int]:
    return [int(i) for i in np.argsort(-values, kind="stable")[: max(k, 0)]]


def test_ties_at_the_cut_go_to_the_lower_index() -> None:
    values = np.array([0.2, 0.9, 0.5, 0.9, 0.5, 0.5, 0.1], np.float32)
    assert top_indices(values, 3).tolist() == [1, 3, 2]
    assert top_indices(values, 4).tolist() == [1, 3, 2, 4]


def test_k_beyond_the_row_and_zero() -> None:
    values = np.array([0.3, 0.7], np.float32)
    assert top_indices(values, 5).tolist() == [1, 0]
    assert top_indices(values, 0).tolist() == []


@given(
    arrays(np.float32, st.integers(1, 60), elements=st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0, -0.5])),
    st.integers(0, 70),
)
def test_the_same_as_a_stable_sort(values: np.ndarray, k: int) -> None:
    assert top_indices(values, k).tolist() == _sorted_top(values, k)


def test_a_row_with_nan_is_sorted_as_before() -> None:
    values = np.array([0.3, np.nan, 0.7, 0.1], np.float32)
    assert top_indices(values, 2).tolist() == _sorted_top(values, 2)
