"""Rows kept across a write are copied run by run: the same array as one gather, whatever the layout."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.matching.ranking import copy_rows


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=40),
    st.lists(st.integers(min_value=-1, max_value=39), max_size=150),
)
def test_copying_runs_gives_what_a_gather_gives(rows: int, take: list[int]) -> None:
    source = np.arange(rows * 3, dtype=np.float32).reshape(rows, 3)
    wanted = np.array([t if t < rows else -1 for t in take], dtype=np.int64)
    kept = wanted >= 0
    expected = np.full((len(wanted), 3), -7.0, dtype=np.float32)
    expected[kept] = source[wanted[kept]]
    out = np.full((len(wanted), 3), -7.0, dtype=np.float32)
    copy_rows(out, source, np.flatnonzero(kept), wanted[kept])
    np.testing.assert_array_equal(out, expected)


def test_a_document_inserted_in_the_middle_leaves_two_runs() -> None:
    source = np.arange(20, dtype=np.float32).reshape(10, 2)
    take = np.array([0, 1, 2, 3, -1, -1, 4, 5, 6, 7, 8, 9])
    out = np.zeros((12, 2), dtype=np.float32)
    kept = take >= 0
    copy_rows(out, source, np.flatnonzero(kept), take[kept])
    np.testing.assert_array_equal(out[:4], source[:4])
    np.testing.assert_array_equal(out[6:], source[4:])
    np.testing.assert_array_equal(out[4:6], 0)
