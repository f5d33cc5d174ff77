"""A maintained relevance matrix carried across writes: unchanged rows and columns kept, a changed
candidate's column stale in every row until that row is read again (hand-made arrays)."""

from __future__ import annotations

import numpy as np

from matchmaker.matching.ranking import Norms, RelevanceRows


def _norms(value: float) -> Norms:
    return Norms(np.array([value], np.float32), np.array([0.0], np.float32))


def _filled(values: list[list[float]]) -> RelevanceRows:
    rows = RelevanceRows(len(values), len(values[0]))
    for i, row in enumerate(values):
        rows.put(i, np.array(row, np.float32), _norms(float(i)))
    return rows


def test_carried_rows_keep_unchanged_cities_and_candidates_and_mark_a_changed_candidate_stale() -> None:
    before = _filled([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    # City 1 changed (no row); candidate 0 changed; a new candidate was added at the end.
    after = before.carried(np.array([0, -1]), np.array([-1, 1, 2, -1]))
    assert after.version == before.version + 1
    assert after.missing() == [1]
    assert np.allclose(after.matrix[0, 1:3], [0.2, 0.3])
    assert after.norms[0] is before.norms[0]
    assert after.stale_columns(0) == [0, 3]
    assert after.stale_rows() == [0]
    assert after.stale_rows(1) == []


def test_a_stale_entry_stays_stale_over_several_writes_until_its_row_is_read() -> None:
    first = _filled([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    second = first.carried(np.array([0, 1]), np.array([-1, 1, 2]))  # candidate 0 written
    second.put_columns(1, [0], np.array([0.9], np.float32))  # city 1's row read after that write
    third = second.carried(np.array([0, 1]), np.array([0, 1, -1]))  # candidate 2 written
    assert third.stale_columns(0) == [0, 2]  # never read since the first write
    assert third.stale_columns(1) == [2]
    assert np.isclose(third.matrix[1, 0], 0.9)
    assert third.stale_rows(0) == [0]
    third.put_columns(0, [0, 2], np.array([0.7, 0.8], np.float32))
    assert third.stale_rows() == [1]
    assert np.allclose(third.matrix[0], [0.7, 0.2, 0.8])


def test_a_row_put_whole_is_fresh_and_a_new_matrix_has_nothing_stale() -> None:
    rows = RelevanceRows(2, 3)
    assert rows.missing() == [0, 1]
    assert rows.stale_rows() == []
    carried = _filled([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]).carried(np.array([0, 1]), np.array([0, -1, 2]))
    carried.put(1, np.array([1.0, 1.0, 1.0], np.float32), _norms(1.0))
    assert carried.stale_rows() == [0]
    assert carried.stale_columns(1) == []
