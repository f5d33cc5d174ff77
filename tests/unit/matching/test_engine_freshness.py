"""The engine's fast paths give what the plain computation gives: rankings over arrays, context-fit
tables, one candidate scored alone, analyses and relevance rows kept between engines and processes."""

from __future__ import annotations

import dataclasses
import gc
import shutil
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matchmaker.matching import analysis, maintained
from matchmaker.matching.analysis import (
    PassageFacts,
    passage_facts,
    profile_from_bytes,
    profile_to_bytes,
)
from matchmaker.matching.engine import Engine, Ranking, Scored
from matchmaker.matching.fit import combine
from matchmaker.matching.lexical import LexicalIndex, tokenize
from matchmaker.matching.ranking import RelevanceRows
from matchmaker.services.container import Services
from matchmaker.services.matching import Matcher
from matchmaker.settings import Settings
from matchmaker.vocabulary.roles import CUE_NAMES, ROLES, RoleModel

CITIES = ("lumen", "verde", "rivo", "kent")


def _pairs(items: list[Scored]) -> list[tuple[str, float]]:
    return [(s.doc_id, round(s.score, 9)) for s in items]


def _fresh_engine(engine: Engine) -> Engine:
    """An engine over the same bundles, records, configuration and encoders as ``engine``, built
    without the engine before it (everything computed afresh)."""
    return Engine(
        engine.bundles,
        {k: list(v.values()) for k, v in engine.records.items()},
        config=engine.config,
        embed=engine._embed,
        second=engine.second,
        role_model=engine.role_model,
    )


def test_a_ranking_shows_the_best_first_and_adds_what_it_is_asked_to_include() -> None:
    scores = np.array([0.2, 0.9, 0.5, 0.9, 0.1])
    ids = ["e", "d", "c", "b", "a"]
    ranking = Ranking(ids, scores, lambda i: Scored(ids[i], float(scores[i]), float(scores[i])))
    assert [s.doc_id for s in ranking.top(2)] == ["b", "d"]  # a tie is broken by id
    assert [s.doc_id for s in ranking.top(2, include=["a"])] == ["b", "d", "a"]
    assert [s.doc_id for s in ranking.all()] == ["b", "d", "c", "e", "a"]
    kept = Ranking(ids, scores, ranking.item_at, np.array([True, False, True, True, True]))
    assert kept.item("d") is None
    assert [s.doc_id for s in kept.top(1)] == ["b"]


def test_rankings_over_arrays_give_the_same_order_and_scores_as_scoring_every_candidate(
    matcher: Matcher,
) -> None:
    engine = matcher.engine()
    for city in CITIES:
        for rank, kind in (
            (engine.rank_providers_for_city, "provider"),
            (engine.rank_cities_for_city, "city"),
            (engine.rank_cases_for_city, "case"),
        ):
            ranking = rank(city)
            everything = ranking.all()
            assert _pairs(ranking.top(2)) == _pairs(everything[:2]), (city, kind)
            for item in everything:
                row = ranking.position(item.doc_id)
                assert row is not None
                assert float(ranking.scores[row]) == pytest.approx(item.score, abs=1e-9)


def test_the_context_fit_table_equals_the_product_of_each_pairs_factors(matcher: Matcher) -> None:
    engine = matcher.engine()
    cfg = engine.config
    cities, providers = engine.kind("city"), engine.kind("provider")
    for kind, target in (("provider", providers), ("city", cities)):
        table = engine.fit_table(kind, cfg)
        assert table is not None
        for i, city in enumerate(cities.profiles):
            row = table.row(i)
            for j, candidate in enumerate(target.profiles):
                factors = engine.context_adjuster(city, candidate, cfg)
                assert row[j] == pytest.approx(combine(factors) if factors else 1.0, abs=1e-12)
                assert table.column(j)[i] == row[j]


def test_one_candidate_scored_alone_against_the_rows_norms_scores_as_among_all(matcher: Matcher) -> None:
    engine = matcher.engine()
    cfg = engine.config
    for kind in ("provider", "city", "case"):
        target = engine.kind(kind)
        for city in CITIES:
            needs = engine.needs_of("city", city, cfg)
            full = engine.evidence(needs, target, cfg)
            for j in range(len(target)):
                alone = engine.evidence(needs, target.candidates(cfg, j), cfg, norms=full.norms)
                assert float(alone.relevance[0]) == pytest.approx(float(full.relevance[j]), abs=1e-5)


def test_bm25_weights_of_one_text_add_up_to_its_score() -> None:
    texts = ["water leaks in old pipes", "buses come in groups", "water meters and pipes pipes"]
    index = LexicalIndex(texts)
    for query in ("water pipes", "buses water water", "nothing known"):
        tokens = tokenize(query)
        scores = index.scores(tokens)
        for doc in range(len(texts)):
            weights = index.document_weights(doc)
            assert sum(weights.get(t, 0.0) for t in tokens) == pytest.approx(float(scores[doc]), abs=1e-5)


@contextmanager
def _later_process_engine(settings: Settings) -> Iterator[Engine]:
    """The warmed engine of another process over the same home (its own services, closed after)."""
    later = Services.build(settings)
    try:
        engine = later.matching.matcher().engine()
        engine.warm()
        yield engine
    finally:
        later.close()


def test_passage_facts_and_profiles_survive_the_store(matcher: Matcher) -> None:
    engine = matcher.engine()
    facts = passage_facts(
        ["Интернет в городе хороший.", "Nous manquons de personnel pour surveiller le réseau."], "ru"
    )
    back = PassageFacts.from_bytes(facts.to_bytes())
    assert np.array_equal(back.tags, facts.tags)
    assert np.array_equal(back.context, facts.context)
    assert (back.glosses, back.tokens, back.tokens_x) == (facts.glosses, facts.tokens, facts.tokens_x)
    for kind in ("city", "provider", "case"):
        for profile in engine.profiles[kind].values():
            again = profile_from_bytes(profile_to_bytes(profile))
            assert np.array_equal(again.vector, profile.vector)
            assert (again.tags, again.city, again.offer, again.languages, again.mentor_city) == (
                profile.tags,
                profile.city,
                profile.offer,
                profile.languages,
                profile.mentor_city,
            )


def test_a_process_starting_later_reads_analyses_and_relevance_rows_instead_of_computing(
    loaded_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = loaded_services.matching.matcher().engine()
    first.precompute()
    expected = first.relevance_matrix("provider", first.config).copy()

    with _later_process_engine(loaded_services.settings) as engine:
        assert engine.analyses.computed == 0
        assert engine.analyses.read > 0

        def no_evidence(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("a stored relevance row was computed again")

        monkeypatch.setattr(Engine, "evidence", no_evidence)
        assert np.array_equal(engine.relevance_matrix("provider", engine.config), expected)


def test_a_home_glossed_by_other_glossary_code_glosses_its_passages_again(
    loaded_services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored passage facts hold the passages' English glosses: after an upgrade that changes the
    code of the gloss, a process over the same home computes them again instead of reading the
    glosses of the code before."""
    loaded_services.matching.matcher().engine().warm()
    # The same code, read from a copy in which the module of the gloss differs by one line.
    code = tmp_path / "matching"
    shutil.copytree(Path(analysis.__file__).parent, code, ignore=shutil.ignore_patterns("__pycache__"))
    builder = code / Path(str(sys.modules[analysis.gloss.__module__].__file__)).name
    builder.write_text(builder.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    monkeypatch.setattr(analysis, "__file__", str(code / "analysis.py"))
    analysis.fingerprint.cache_clear()
    try:
        with _later_process_engine(loaded_services.settings) as engine:
            assert engine.analyses.read == 0
            assert engine.analyses.computed > 0
    finally:
        monkeypatch.undo()
        analysis.fingerprint.cache_clear()


def test_after_a_write_the_new_engine_computes_only_what_changed(loaded_services: Services) -> None:
    matcher = loaded_services.matching.matcher()
    before = matcher.engine()
    before.precompute()
    cfg = before.config
    rows_before = before.relevance_matrix("provider", cfg).copy()
    comparable_before = before.relevance_matrix("city", cfg).copy()

    with loaded_services.database.unit_of_work(write=True) as session:
        records = loaded_services.records(session)
        summary = records.get("city", "kent").summary  # type: ignore[union-attr]
        records.update("city", "kent", {"summary": summary + " Street lights stay on all day."})

    after = matcher.engine()
    assert after is not before
    assert after.kind("provider") is before.kind("provider")  # an unchanged kind is reused whole
    after.warm()
    assert after.analyses.computed == 2  # kent's profile and its passage facts, nothing else

    cities = after.kind("city")
    kent = cities.pos["kent"]
    rows_after = after.relevance_matrix("provider", cfg)
    for city in ("lumen", "verde", "rivo"):
        i = cities.pos[city]
        assert np.array_equal(rows_after[i], rows_before[before.kind("city").pos[city]])
    assert not np.array_equal(rows_after[kent], rows_before[before.kind("city").pos["kent"]])

    # The comparable-cities matrix keeps the other cities' rows and scores kent's column alone;
    # it stays close to a full recomputation (the BM25 and baseline norms are the rows' own).
    patched = after.relevance_matrix("city", cfg)
    fresh = _fresh_engine(after).relevance_matrix("city", cfg)
    assert np.abs(patched - fresh).max() < 0.05
    assert not np.array_equal(patched, comparable_before)


def test_a_server_matcher_keeps_its_engines_out_of_garbage_collection_and_still_frees_replaced_ones(
    loaded_services: Services,
) -> None:
    matcher = loaded_services.matching.matcher()
    matcher.settle_heap = True
    try:
        gc.unfreeze()
        before = weakref.ref(matcher.engine())
        assert gc.get_freeze_count() > 0, "the engine and what it holds are frozen"
        with loaded_services.database.unit_of_work(write=True) as session:
            records = loaded_services.records(session)
            summary = records.get("city", "kent").summary  # type: ignore[union-attr]
            records.update("city", "kent", {"summary": summary + " Street lights stay on all day."})
        after = matcher.engine()
        assert after is not before()
        assert before() is None, "the replaced engine is freed by reference counting, frozen or not"
        assert matcher.providers_for_city("kent").results
    finally:
        gc.unfreeze()


def test_after_a_write_the_context_fit_table_made_from_the_one_before_equals_a_fresh_one(
    loaded_services: Services,
) -> None:
    matcher = loaded_services.matching.matcher()
    before = matcher.engine()
    cfg = before.config
    before.fit_table("provider", cfg)
    before.fit_table("city", cfg)
    with loaded_services.database.unit_of_work(write=True) as session:
        records = loaded_services.records(session)
        records.update(
            "city", "kent", {"population": 2_500_000, "summary": "A large city; no capital budget."}
        )
    after = matcher.engine()
    fresh = _fresh_engine(after)
    for kind in ("provider", "city"):
        kept, new = after.fit_table(kind, cfg), fresh.fit_table(kind, cfg)
        assert kept is not None
        assert new is not None
        for i in range(len(after.kind("city"))):
            assert np.array_equal(kept.row(i), new.row(i)), (kind, i)


def _precomputed(services: Services) -> tuple[Matcher, Engine]:
    """The services' matcher and its engine with the maintained matrices computed."""
    matcher = services.matching.matcher()
    engine = matcher.engine()
    engine.precompute()
    return matcher, engine


def _write(services: Services, kind: str, doc_id: str, field: str, extra: str) -> None:
    with services.database.unit_of_work(write=True) as session:
        records = services.records(session)
        text = getattr(records.get(kind, doc_id), field)  # type: ignore[arg-type]
        records.update(kind, doc_id, {field: text + extra})  # type: ignore[arg-type]


def test_rows_carried_over_two_writes_keep_their_values_and_score_only_the_changed_providers(
    loaded_services: Services,
) -> None:
    matcher, before = _precomputed(loaded_services)
    cfg = before.config
    row_before, norms = before.relevance_row("provider", "lumen", cfg)
    row_before = row_before.copy()
    old_pos = dict(before.kind("provider").pos)

    _write(loaded_services, "provider", "prov-farlight", "description", " Also smart poles.")
    assert matcher.engine() is not before  # an engine no query read rows from
    _write(loaded_services, "provider", "prov-taxcloud", "description", " Also parking fees.")
    after = matcher.engine()

    row_after, norms_after = after.relevance_row("provider", "lumen", cfg)
    assert norms_after is norms, "the row is carried with its own norms, not computed again"
    providers = after.kind("provider")
    changed = [providers.pos["prov-farlight"], providers.pos["prov-taxcloud"]]
    for j, doc_id in enumerate(providers.ids):
        if j not in changed:
            assert row_after[j] == row_before[old_pos[doc_id]], doc_id
    needs = after.needs_of("city", "lumen", cfg)
    alone = after.evidence(needs, providers.candidates(cfg, changed), cfg, norms=norms).relevance
    assert np.allclose(row_after[changed], alone)


def test_in_a_server_the_write_prepares_what_the_next_queries_read(
    loaded_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    matching = loaded_services.matching
    matching.long_running = True  # as a server's background start sets it
    matcher = matching.matcher()
    matcher.engine().precompute()
    assert matcher.cities_for_city("lumen").results  # its rows against case studies stored
    computed: list[str] = []
    relevance_of, put_columns = Engine.relevance_of, RelevanceRows.put_columns

    def counted_rows(self: Engine, *args: Any) -> Any:
        if threading.current_thread() is threading.main_thread():
            computed.append("row")
        return relevance_of(self, *args)

    def counted_columns(self: RelevanceRows, *args: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            computed.append("column")
        put_columns(self, *args)

    monkeypatch.setattr(Engine, "relevance_of", counted_rows)
    monkeypatch.setattr(RelevanceRows, "put_columns", counted_columns)
    _write(loaded_services, "city", "kent", "summary", " The city also needs parking sensors.")
    assert "row" in computed, "the write computed the written city's rows"
    computed.clear()
    assert matcher.providers_for_city("kent").results
    assert matcher.cases_for_city("kent").results
    assert computed == [], "the first queries after the write read the rows it prepared"

    assert matcher.wait_until_fresh(timeout=60)
    _write(loaded_services, "provider", "prov-floodwatch", "description", " Also river gauges.")
    assert matcher.wait_until_fresh(timeout=60)
    computed.clear()
    assert matcher.cities_for_city("lumen").results
    assert matcher.cities_for_provider("prov-floodwatch").results
    assert computed == [], "the changed provider's column was scored in the background"
    assert matcher.engine()._relevance[("provider", matcher.engine().config)].stale_rows() == []


def test_a_query_after_a_write_gives_what_a_fresh_engine_gives_for_the_written_city(
    loaded_services: Services,
) -> None:
    matching = loaded_services.matching
    matching.long_running = True
    matcher = matching.matcher()
    matcher.engine().precompute()
    _write(loaded_services, "city", "kent", "summary", " The city also needs parking sensors.")
    engine = matcher.engine()
    fresh = _fresh_engine(engine)
    assert _pairs(engine.providers_for_city("kent")) == _pairs(fresh.providers_for_city("kent"))
    assert _pairs(engine.cases_for_city("kent")) == _pairs(fresh.cases_for_city("kent"))


def test_many_cities_scored_together_against_a_few_candidates_score_as_each_alone(matcher: Matcher) -> None:
    engine = matcher.engine()
    cfg = engine.config
    providers = engine.kind("provider")
    view = providers.candidates(cfg, [providers.pos["prov-farlight"], providers.pos["prov-binroute"]])
    queries = []
    for n, city in enumerate(CITIES):
        needs = engine.needs_of("city", city, cfg)
        _, norms = engine.relevance_row("provider", city, cfg)
        assert norms is not None
        if n % 2:  # cities in another language read the multilingual channel where the profile says
            needs = dataclasses.replace(needs, profile=dataclasses.replace(needs.profile, language="tr"))
        queries.append((needs, norms))
    together = engine.relevance_for_many(queries, view, cfg)
    for row, (needs, norms) in zip(together, queries, strict=True):
        alone = engine.evidence(needs, view, cfg, norms=norms).relevance
        assert np.allclose(row, alone, atol=1e-6)


def test_after_a_city_write_the_shared_provider_signal_equals_one_computed_afresh(
    loaded_services: Services,
) -> None:
    matcher, before = _precomputed(loaded_services)
    cfg = before.config
    before.shared_providers_row(0, cfg)
    _write(loaded_services, "city", "kent", "summary", " The city also needs parking sensors.")
    after = matcher.engine()
    matrix = after.relevance_matrix("provider", cfg).astype(np.float64)
    centred = matrix - matrix.mean(axis=1, keepdims=True)
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-6)
    for i in range(len(after.kind("city"))):
        assert np.allclose(after.shared_providers_row(i, cfg), 0.5 * (centred @ centred[i] + 1.0), atol=1e-5)


def test_after_a_city_write_an_unchanged_citys_strengths_equal_those_computed_afresh(
    loaded_services: Services,
) -> None:
    matcher, before = _precomputed(loaded_services)
    cfg = before.config
    for city in CITIES:
        before.strength_evidence(city, cfg)
    _write(loaded_services, "city", "kent", "summary", " We already built a district heating network.")
    after = matcher.engine()
    fresh = _fresh_engine(after)
    for city in ("lumen", "verde", "rivo"):
        kept, new = after.strength_evidence(city, cfg), fresh.strength_evidence(city, cfg)
        assert np.allclose(kept.scores, new.scores, atol=1e-6), city
        assert np.allclose(kept.alike, new.alike, atol=1e-6), city
        assert np.array_equal(kept.passage, new.passage), city
        assert np.array_equal(kept.need, new.need), city
        assert np.array_equal(kept.strength, new.strength), city


def test_closing_the_matcher_stops_the_background_freshening(
    loaded_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    matching = loaded_services.matching
    matching.long_running = True
    matcher = matching.matcher()
    matcher.engine().precompute()
    started = threading.Event()
    chunks: list[int] = []
    workers: list[threading.Thread] = []

    def endless_freshen(self: Engine, pause: Any = None) -> None:
        workers.append(threading.current_thread())
        started.set()
        for _ in range(20_000):  # 40 s at least, far longer than the test waits: only the stop ends it
            pause()
            chunks.append(1)
            time.sleep(0.002)  # a chunk takes time, so a busy machine cannot run them all before close

    monkeypatch.setattr(Engine, "freshen", endless_freshen)
    _write(loaded_services, "city", "kent", "summary", " The city also needs parking sensors.")
    assert started.wait(timeout=30), "the write handed the engine to the background"
    matcher.close()
    assert not workers[0].is_alive(), "close waited for the background thread to stop"
    assert len(chunks) < 20_000, "the freshening stopped at a chunk, not at its end"
    assert matcher.wait_until_fresh(timeout=0)
    # the matcher is usable after close: its files open again and a later write freshens again
    monkeypatch.undo()
    assert matcher.providers_for_city("kent").results
    _write(loaded_services, "provider", "prov-floodwatch", "description", " Also river gauges.")
    assert matcher.wait_until_fresh(timeout=60)


def test_a_stored_row_is_keyed_by_the_scoring_code_as_well_as_the_configuration(
    loaded_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = loaded_services.matching.matcher().engine()
    rows = engine.maintained
    key = rows.row_key(engine, "provider", engine.config, 0)
    rows.row_digests.clear()
    assert rows.row_key(engine, "provider", engine.config, 0) == key  # the same code, the same key
    rows.row_digests.clear()
    monkeypatch.setattr(maintained, "scoring_fingerprint", lambda: "other code")
    assert rows.row_key(engine, "provider", engine.config, 0) != key  # rows of other code are not read


def test_a_stored_row_is_keyed_by_the_role_model_its_needs_were_weighted_with(
    loaded_services: Services,
) -> None:
    base = loaded_services.matching.matcher().engine()
    dimension = 8
    model = RoleModel(
        np.zeros((len(ROLES), dimension + len(CUE_NAMES)), dtype=np.float32),
        np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32),
        np.zeros(dimension, dtype=np.float32),
        "hand-made",
    )

    def key(role_model: RoleModel) -> str:
        engine = Engine(
            base.bundles,
            {k: list(v.values()) for k, v in base.records.items()},
            config=base.config,
            role_model=role_model,
        )
        return engine.maintained.row_key(engine, "provider", engine.config, 0)

    assert key(dataclasses.replace(model)) == key(model)  # the same numbers, the same key
    # A model with other numbers (a new one shipped with an upgrade) does not read the old rows.
    other = dataclasses.replace(model, bias=model.bias + np.float32(0.5))
    assert other.digest != model.digest
    assert key(other) != key(model)


def test_a_write_of_fields_that_are_not_text_reaches_the_next_query(loaded_services: Services) -> None:
    """A provider that changes only where it works (no text changed, so no passage either) is
    matched with what it says now: its region and language checks read the new values."""
    matcher = loaded_services.matching.matcher()

    def factors() -> dict[str, str]:
        found = {r.id: r for r in matcher.providers_for_city("lumen", top=100).results}
        return {f["factor"]: f["detail"] for f in found["prov-farlight"].explanation["context"]}

    before = factors()
    assert "not Albania" in before["region"]
    with loaded_services.database.unit_of_work(write=True) as session:
        loaded_services.records(session).update(
            "provider", "prov-farlight", {"regions_served": ["Western Balkans"], "languages": ["en", "sq"]}
        )
    after = factors()
    assert "not Albania" not in after["region"]
    assert after["region"] == "serves Albania"
