"""Results are sorted best first with ties broken by id, as the scores are shown (six decimals)."""

from __future__ import annotations

import numpy as np

from matchmaker.matching.ranking import Ranking, Scored, shown_score


def _ranking(scores: dict[str, float]) -> Ranking:
    ids = list(scores)
    values = np.array([scores[i] for i in ids], dtype=np.float64)
    return Ranking(ids, values, lambda i: Scored(ids[i], float(values[i]), float(values[i])))


def test_scores_shown_alike_are_ordered_by_id() -> None:
    # Both are shown as 0.051595; the one with the smaller id comes first, whatever the digits beyond.
    ranking = _ranking({"prov-sarjkent": 0.0515953, "prov-raskrsnica": 0.0515948, "prov-zeta": 0.9})
    shown = [(s.doc_id, shown_score(s.score)) for s in ranking.all()]
    assert shown == [("prov-zeta", 0.9), ("prov-raskrsnica", 0.051595), ("prov-sarjkent", 0.051595)]


def test_a_candidate_shown_alike_with_the_last_one_of_the_top_is_not_cut_by_the_digits_beyond() -> None:
    ranking = _ranking({"b": 0.5000004, "a": 0.4999996, "c": 0.2})
    assert [s.doc_id for s in ranking.top(1)] == ["a"]


def test_shown_score_is_kept_in_the_unit_interval() -> None:
    assert shown_score(1.0000004) == 1.0
    assert shown_score(-0.2) == 0.0
    assert shown_score(0.12345649) == 0.123456
