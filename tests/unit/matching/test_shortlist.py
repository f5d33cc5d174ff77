"""Shortlisting candidates: the pure functions on hand-made arrays, and the engine with a low threshold."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from matchmaker.embeddings.bundle import IndexBundle
from matchmaker.embeddings.vector_index import hnsw_index
from matchmaker.matching.shortlist import (
    ShortlistPolicy,
    estimated_quantile,
    outside_relevance,
    shortlist,
    spread_sample,
    top_rows,
)
from matchmaker.services.container import Services
from matchmaker.services.matching import Matcher
from matchmaker.settings import Settings

CITIES = ("lumen", "verde", "rivo", "kent")


def test_top_rows_are_the_k_largest_of_each_row() -> None:
    sims = np.array([[0.1, 0.9, 0.3, 0.8], [0.5, 0.2, 0.7, 0.1]], dtype=np.float32)
    assert [sorted(r) for r in top_rows(sims, 2).tolist()] == [[1, 3], [0, 2]]
    assert [sorted(r) for r in top_rows(sims, 9).tolist()] == [[0, 1, 2, 3], [0, 1, 2, 3]]
    assert top_rows(sims, 0).shape == (2, 0)
    assert top_rows(np.zeros((2, 0), np.float32), 3).shape == (2, 0)


def test_the_shortlist_is_the_documents_of_the_best_passages_and_the_best_bm25_documents() -> None:
    row_doc = np.array([0, 0, 1, 2, 2, 3, 4], dtype=np.int64)  # 7 passages of 5 documents
    passages = np.array([[1, 4], [6, -1]], dtype=np.int64)  # two needs; -1: no passage
    lexical = np.array([[0.0, 0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    assert shortlist(passages, row_doc, lexical, 1).tolist() == [0, 2, 3, 4]
    # Documents with no BM25 score are not taken for their lexical rank.
    assert shortlist(passages[:, :1], row_doc, lexical * 0, 3).tolist() == [0, 4]
    assert shortlist(passages, row_doc, lexical, 0).tolist() == [0, 2, 4]
    # And the best documents by the document-level signals every candidate has (positive only).
    documents = np.array([0.0, 0.3, 0.0, 0.0, 0.1], dtype=np.float32)
    assert shortlist(passages[:, :1], row_doc, lexical * 0, 1, documents).tolist() == [0, 1, 4]
    assert shortlist(passages[:, :1], row_doc, lexical * 0, 3, documents * 0).tolist() == [0, 4]


def test_the_baseline_sample_is_spread_over_the_documents_left_out_and_always_the_same() -> None:
    chosen = np.array([0, 1, 2, 50], dtype=np.int64)
    sample = spread_sample(100, chosen, 10)
    assert len(sample) == 10
    assert not set(sample.tolist()) & set(chosen.tolist())
    assert sample.tolist() == sorted(sample.tolist())
    assert sample[0] == 3
    assert sample[-1] == 99
    assert spread_sample(100, chosen, 10).tolist() == sample.tolist()
    assert spread_sample(6, chosen[:3], 10).tolist() == [3, 4, 5]
    assert len(spread_sample(6, chosen[:3], 0)) == 0


def test_the_estimated_quantile_is_numpys_without_a_sample_and_close_with_one() -> None:
    rng = np.random.default_rng(3)
    inside = rng.random((3, 40)).astype(np.float32)
    assert estimated_quantile(inside, np.zeros((3, 0), np.float32), 0, 0.75) == pytest.approx(
        np.quantile(inside, 0.75, axis=1), abs=1e-7
    )
    # Every weight 1 (a sample of all that is left out) gives numpy's quantile of everything.
    rest = rng.random((3, 25)).astype(np.float32)
    assert estimated_quantile(inside, rest, 25, 0.75) == pytest.approx(
        np.quantile(np.concatenate([inside, rest], axis=1), 0.75, axis=1), abs=1e-6
    )
    # 1,000 values; the best 100 counted one by one, the other 900 by every 9th of them.
    values = np.arange(1000, dtype=np.float32)[None, :] / 1000
    top, left = values[:, 900:], values[:, :900]
    estimate = estimated_quantile(top, left[:, ::9], 900, 0.75)
    assert estimate[0] == pytest.approx(np.quantile(values, 0.75), abs=0.006)


def test_a_document_left_out_scores_its_document_signals_with_the_needs_at_zero() -> None:
    weights = {"needs": 0.85, "doc_tags": 0.15, "doc_topk": 0.25, "doc_dense": 0.0}
    tags = np.array([0.0, 0.5, 1.0], dtype=np.float32)
    out = outside_relevance({"doc_tags": tags}, weights, ("doc_topk",), 3)
    assert out.tolist() == pytest.approx((tags * 0.15 / 1.25).tolist())
    assert outside_relevance({"doc_tags": tags}, weights, (), 3).tolist() == pytest.approx(
        (tags * 0.15).tolist()
    )


def test_the_policy_applies_from_its_size_on_and_never_at_zero() -> None:
    assert ShortlistPolicy(10).applies(10)
    assert not ShortlistPolicy(10).applies(9)
    assert not ShortlistPolicy(0).applies(10**6)


def test_a_shortlisted_row_keeps_the_exact_best_and_scores_every_candidate(matcher: Matcher) -> None:
    engine = matcher.engine()
    cfg = engine.config
    assert engine.shortlist is not None
    assert not engine.shortlists(engine.kind("provider"))
    narrow = ShortlistPolicy(1, per_need=1, lexical_per_need=1, sample=1)
    wide = ShortlistPolicy(1, per_need=10_000, lexical_per_need=10_000, sample=0)
    for kind in ("provider", "city", "case"):
        target = engine.kind(kind)
        for city in CITIES:
            needs = engine.needs_of("city", city, cfg)
            exact = engine.evidence(needs, target, cfg)
            row, norms = engine.shortlisted_relevance(needs, target, cfg, narrow)
            assert row.shape == exact.relevance.shape
            assert np.all((row >= 0) & (row <= 1)), (kind, city)
            assert len(norms.baseline) == len(needs.passages)
            best = int(np.argmax(exact.relevance))
            assert best in engine.shortlist_of(needs, target, cfg, narrow)[0].tolist()
            assert int(np.argmax(row)) == best, (kind, city)
            # A shortlist holding every candidate gives the exact scores.
            everything, _ = engine.shortlisted_relevance(needs, target, cfg, wide)
            assert everything == pytest.approx(exact.relevance, abs=1e-6)


def test_with_a_low_threshold_the_service_ranks_and_explains_from_shortlists(loaded: Settings) -> None:
    exact_services = Services.build(loaded)
    low = loaded.model_copy(
        update={
            "shortlist_min_candidates": 2,
            "shortlist_per_need": 2,
            "shortlist_lexical_per_need": 1,
            "shortlist_sample": 1,
            "shortlist_flat": True,
        }
    )
    services = Services.build(low)
    flat_only = Services.build(low.model_copy(update={"shortlist_flat": False}))
    try:
        exact, short = exact_services.matching.matcher(), services.matching.matcher()
        assert short.engine().shortlists(short.engine().kind("provider"))
        # A flat index is shortlisted only when asked to: its dense pass costs what the evidence's does.
        plain = flat_only.matching.matcher().engine()
        assert not plain.shortlists(plain.kind("provider"))
        for city in CITIES:
            want = exact.providers_for_city(city, top=2).results
            got = short.providers_for_city(city, top=2).results
            assert [r.id for r in got][:1] == [r.id for r in want][:1], city
            assert all(0.0 <= r.score <= 1.0 for r in got)
        want_cases = exact.search_cases("street lamps use too much electricity", top=1).results
        got_cases = short.search_cases("street lamps use too much electricity", top=1).results
        assert [r.id for r in got_cases] == [r.id for r in want_cases]
        assert got_cases[0].explanation
        # Every provider still has a score for every city (cities for a provider reads a column).
        providers = short.engine().kind("provider")
        matrix = short.engine().relevance_matrix("provider", short.engine().config)
        assert matrix.shape == (len(CITIES), len(providers))
        assert np.all((matrix >= 0) & (matrix <= 1))
    finally:
        flat_only.close()
        services.close()
        exact_services.close()


def test_with_an_hnsw_bundle_the_best_passages_come_from_its_search(matcher: Matcher) -> None:
    engine = matcher.engine()
    cfg = engine.config
    engine.shortlist = ShortlistPolicy(2, per_need=2, lexical_per_need=1, sample=1)
    for kind in ("provider", "city"):
        bundle = engine.bundles[kind]
        graph = hnsw_index(bundle.vectors, bundle.manifest.dimension)
        engine.bundles[kind] = IndexBundle(
            replace(bundle.manifest, index_type="hnsw"),
            bundle.passages,
            list(bundle.documents.values()),
            bundle.vectors,
            graph,
        )
        target = engine.kind(kind)
        assert engine.shortlists(target)
        for city in CITIES:
            needs = engine.needs_of("city", city, cfg)
            q_vectors, _ = needs.view(cfg)
            view, _ = target.view(cfg)
            hits = engine._dense_hits(q_vectors, target, view, cfg, 2)
            assert hits.min() >= 0
            assert hits.max() < len(view)
            exact = engine.evidence(needs, target, cfg).relevance
            row, _ = engine.relevance_of(needs, target, cfg)
            assert int(np.argmax(row)) == int(np.argmax(exact)), (kind, city)
            assert np.all((row >= 0) & (row <= 1))


def test_a_shortlisted_row_is_stored_under_a_key_of_its_own(matcher: Matcher) -> None:
    engine = matcher.engine()
    cfg = engine.config
    exact_key = engine._row_key("provider", cfg, 0)
    engine.shortlist = ShortlistPolicy(2, flat=True)
    engine._row_digests.clear()
    assert engine._row_key("provider", cfg, 0) != exact_key
    engine.shortlist = ShortlistPolicy(10_000, flat=True)  # not applied: the key is the exact row's
    engine._row_digests.clear()
    assert engine._row_key("provider", cfg, 0) == exact_key
