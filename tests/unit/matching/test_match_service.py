"""The five queries and pair scores through the Matcher service, on a tiny corpus (hashing encoder)."""

from __future__ import annotations

import json
import re

import pytest

from matchmaker.db.models import CityPublic, Kind, PublicRecord
from matchmaker.embeddings.passages import field_text
from matchmaker.errors import InvalidInputError, NotFoundError
from matchmaker.matching.explain import explanation, mentor_case_evidence
from matchmaker.services.container import Services
from matchmaker.services.matching import Matcher, MatchResponse
from services_support import stored_records


def _get_record(services: Services, kind: Kind, record_id: str) -> PublicRecord:
    with stored_records(services) as records:
        return records.get(kind, record_id)


def _ids(response: MatchResponse) -> list[str]:
    return [r.id for r in response.results]


def _check_shape(response: MatchResponse) -> None:
    scores = [r.score for r in response.results]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    json.dumps(response.model_dump())  # JSON-safe


def test_providers_for_a_city_put_the_capability_that_answers_its_need_first(matcher: Matcher) -> None:
    response = matcher.providers_for_city("lumen", top=5)
    _check_shape(response)
    assert response.query == "lumen"
    assert _ids(response)[0] == "prov-brightway"
    assert "prov-taxcloud" not in _ids(response)[:2]


def test_top_limits_and_a_large_top_returns_every_candidate(matcher: Matcher) -> None:
    assert len(matcher.providers_for_city("lumen", top=2).results) == 2
    everything = matcher.providers_for_city("lumen", top=1000)
    assert sorted(_ids(everything)) == sorted(
        ["prov-brightway", "prov-farlight", "prov-binroute", "prov-floodwatch", "prov-taxcloud"]
    )


def test_context_lowers_but_never_hides_a_provider(matcher: Matcher) -> None:
    results = {r.id: r for r in matcher.providers_for_city("lumen", top=100).results}
    far = results["prov-farlight"]
    factors = {f["factor"]: f for f in far.explanation["context"]}
    assert factors["region"]["multiplier"] < 1.0
    assert "not Albania" in factors["region"]["detail"]
    assert results["prov-brightway"].score > far.score


def test_context_factors_name_countries_and_languages_not_their_codes(matcher: Matcher) -> None:
    """Participants read the factors: 'works in English', 'not Albania', never 'en' or 'AL'."""
    details = [
        f["detail"]
        for r in matcher.providers_for_city("lumen", top=100).results
        for f in r.explanation["context"]
        if f["factor"] in ("language", "region", "references")
    ]
    assert details
    assert not [d for d in details if re.search(r"\b(?:[A-Z]{2}|[a-z]{2})\b(?:,|;|$)", d)], details
    assert any("English" in d for d in details)


def test_explanation_quotes_need_and_capability_with_offsets(
    matcher: Matcher, loaded_services: Services
) -> None:
    best = matcher.providers_for_city("lumen", top=1).results[0]
    exp = best.explanation
    assert exp["summary"]
    need = exp["needs"][0]["need"]
    city = _get_record(loaded_services, "city", "lumen")
    assert field_text(city, need["field"])[need["start"] : need["end"]] == need["text"]
    match = exp["needs"][0]["match"]
    provider = _get_record(loaded_services, "provider", best.id)
    assert field_text(provider, match["field"])[match["start"] : match["end"]] == match["text"]
    assert -1.0 <= exp["needs"][0]["similarity"] <= 1.0
    assert any(t["kind"] == "domain" for t in exp["shared_tags"])


def test_explanations_never_carry_the_focal_point(matcher: Matcher) -> None:
    dumped = json.dumps(
        [
            matcher.providers_for_city("lumen", top=10).model_dump(),
            matcher.cities_for_city("verde", top=10).model_dump(),
            matcher.cities_for_provider("prov-brightway", top=10).model_dump(),
        ]
    )
    assert "secret.person" not in dumped
    assert "Secret Person" not in dumped


def test_a_city_is_never_its_own_comparable_city(matcher: Matcher) -> None:
    response = matcher.cities_for_city("lumen", top=100)
    _check_shape(response)
    assert "lumen" not in _ids(response)
    assert sorted(_ids(response)) == ["kent", "rivo", "verde"]
    assert all(r.explanation["relation"] in ("comparable", "mentor") for r in response.results)


def test_a_city_with_a_case_study_on_the_same_need_is_a_mentor(matcher: Matcher) -> None:
    results = {r.id: r for r in matcher.cities_for_city("lumen", top=10).results}
    verde = results["verde"]
    assert verde.relation == "mentor"
    assert verde.explanation["relation"] == "mentor"
    assert verde.explanation["mentor_case"]["id"] == "case-verde-led"
    # The mentor and Kent (the same lighting need, in Turkish) come before Rivo, which shares none.
    assert set(_ids(matcher.cities_for_city("lumen", top=2))) == {"verde", "kent"}


def test_a_mentor_case_quoted_in_a_list_is_the_one_quoted_for_that_result_alone(matcher: Matcher) -> None:
    # A list scores its mentors' case studies together; each reason quotes what scoring the case
    # alone quotes.
    engine = matcher.engine()
    cfg = engine.config
    items = engine.cities_for_city("lumen", cfg)[:10]
    needs = engine.needs_of("city", "lumen", cfg)
    together = mentor_case_evidence(engine, needs, items, cfg)
    assert together is not None
    assert "case-verde-led" in together.columns
    target = engine.kind("city")
    own = engine.candidate_evidence(needs, "city", [i.doc_id for i in items], cfg)
    for c, item in enumerate(items):
        listed = explanation(
            engine, needs, target, own, item=item, cfg=cfg, what="city", column=c, mentor_cases=together
        )
        alone = explanation(engine, needs, target, own, item=item, cfg=cfg, what="city", column=c)
        assert listed == alone
        if item.doc_id == "verde":
            assert listed["mentor_case"]["needs"], listed["mentor_case"]
    assert mentor_case_evidence(engine, needs, [i for i in items if i.mentor_case is None], cfg) is None


def test_cities_for_a_provider_use_the_same_pair_scores(matcher: Matcher) -> None:
    response = matcher.cities_for_provider("prov-floodwatch", top=10)
    _check_shape(response)
    assert _ids(response)[0] == "rivo"
    for r in response.results:
        assert r.score == pytest.approx(matcher.pair_score(r.id, "prov-floodwatch"), abs=1e-6)


def test_cases_for_a_city_leave_out_its_own_case_studies(matcher: Matcher) -> None:
    assert "case-verde-led" not in _ids(matcher.cases_for_city("verde", top=10))
    lumen = matcher.cases_for_city("lumen", top=10)
    _check_shape(lumen)
    assert _ids(lumen)[0] == "case-verde-led"


def test_free_text_case_search(matcher: Matcher) -> None:
    response = matcher.search_cases("garbage trucks and overflowing bins", top=2)
    _check_shape(response)
    assert response.query == "garbage trucks and overflowing bins"
    assert _ids(response)[0] == "case-port-bins"
    assert response.results[0].explanation["needs"][0]["need"]["field"] == "query"


def test_empty_search_text_is_invalid(matcher: Matcher) -> None:
    with pytest.raises(InvalidInputError):
        matcher.search_cases("   ")


def test_unknown_ids_are_not_found(matcher: Matcher) -> None:
    with pytest.raises(NotFoundError):
        matcher.providers_for_city("atlantis")
    with pytest.raises(NotFoundError):
        matcher.cities_for_provider("prov-nobody")


def test_pair_score_is_symmetric_for_city_and_provider_and_none_for_unknown_pairs(matcher: Matcher) -> None:
    score = matcher.pair_score("lumen", "prov-brightway")
    assert score is not None
    assert 0.0 < score <= 1.0
    assert matcher.pair_score("prov-brightway", "lumen") == score
    assert matcher.pair_score("lumen", "verde") is not None
    assert matcher.pair_score("lumen", "nowhere") is None
    assert matcher.pair_score("prov-brightway", "prov-farlight") is None
    assert matcher.pair_score("lumen", "lumen") is None


def test_results_are_deterministic(matcher: Matcher, loaded_services: Services) -> None:
    first = matcher.providers_for_city("lumen", top=10).model_dump()
    fresh = Matcher(loaded_services.settings, loaded_services.database, loaded_services.indexes)
    again = fresh.providers_for_city("lumen", top=10).model_dump()
    assert first == again


def test_a_summary_not_in_english_still_matches(matcher: Matcher) -> None:
    assert _ids(matcher.providers_for_city("kent", top=2))[0] in {"prov-brightway", "prov-farlight"}


def test_the_matcher_picks_up_a_new_generation(matcher: Matcher, loaded_services: Services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = matcher.engine().generations
    extra = tmp_path / "more"
    extra.mkdir()
    city = {
        "id": "nova",
        "name": "Nova",
        "country": "AL",
        "summary": "Street lamps are old and waste electricity.",
    }
    (extra / "cities.jsonl").write_text(json.dumps(city) + "\n", encoding="utf-8")
    loaded_services.corpus.ingest_paths([extra])
    assert matcher.engine().generations != before
    assert "nova" in _ids(matcher.cities_for_city("lumen", top=10))
    assert isinstance(_get_record(loaded_services, "city", "nova"), CityPublic)


def test_a_quote_not_in_english_carries_an_english_gloss(matcher: Matcher) -> None:
    response = matcher.providers_for_city("kent", top=1)
    top = response.results[0]
    need = top.explanation["needs"][0]["need"]
    assert need["text"].startswith("Sokak") or "Bütçe" in need["text"] or "elektrik" in need["text"]
    assert need["gloss"]  # English words for the Turkish quote
    assert "[en gloss: " in top.explanation["summary"]
    # English quotes stay as they are.
    english = matcher.providers_for_city("lumen", top=1).results[0]
    assert "gloss" not in english.explanation["needs"][0]["need"]


def test_adjusters_share_one_signature_and_are_switched_by_the_profile(matcher: Matcher) -> None:
    from matchmaker.matching.scoring import profile

    engine = matcher.engine()
    kent = engine.profiles["city"]["kent"]
    brightway = engine.profiles["provider"]["prov-brightway"]
    full, base = profile("full"), profile("base")
    for adjuster in (engine.context_adjuster, engine.obstacle_adjuster):
        factors = adjuster(kent, brightway, full)
        assert all(f.multiplier > 0 for f in factors)
    assert engine.context_adjuster(kent, brightway, full)  # language, budget, ... checks apply
    assert engine.context_adjuster(kent, brightway, base) == []


def test_two_cities_score_the_same_in_either_order_at_their_better_side(matcher: Matcher) -> None:
    # Verde mentors Lumen, so the pair is worth more to Lumen than to Verde. The scheduler asks in one
    # order only; either order must give the pair the value it has for the city that gains most.
    engine = matcher.engine()
    for_lumen = engine.rank_cities_for_city("lumen").item("verde")
    for_verde = engine.rank_cities_for_city("verde").item("lumen")
    assert for_lumen is not None
    assert for_verde is not None
    assert round(float(for_lumen.score), 6) != round(float(for_verde.score), 6)
    best = max(round(float(for_lumen.score), 6), round(float(for_verde.score), 6))
    assert matcher.pair_score("lumen", "verde") == best
    assert matcher.pair_score("verde", "lumen") == best
    # The same for a whole schedule's scores at once.
    at_once = matcher.pair_scores()
    assert at_once("verde", "lumen") == best
    assert at_once("lumen", "verde") == best


def test_a_comparable_citys_summary_says_how_its_score_is_made(matcher: Matcher) -> None:
    """The summary said "context: region -15%" beside a score that also blended in the shared
    providers, so staff could not get from the reasons to the score: now it gives each part with its
    share, the context stated on the part it applies to, and the score they add up to."""
    results = matcher.cities_for_city("lumen", top=100).results
    assert results
    for result in results:
        composed = result.explanation["composition"]
        parts = composed["parts"]
        assert sum(p["share"] for p in parts) == pytest.approx(1.0)
        total = sum(p["share"] * p["value"] for p in parts) + composed.get("feedback", 0.0)
        assert min(1.0, max(0.0, total)) == pytest.approx(result.score, abs=0.002)
        assert composed["score"] == pytest.approx(result.score, abs=0.002)
        summary = result.explanation["summary"]
        assert f"score {composed['score']:.2f} = " in summary
        assert " × shared providers " in summary
        for part in parts:
            if part["part"] == "comparable":
                assert part["value"] == pytest.approx(
                    part["relevance"] * part["context_multiplier"], abs=0.001
                )
                for effect in part["context"]:
                    # Stated on the comparable part, not as if it moved the whole score.
                    assert f"context {(part['context_multiplier'] - 1) * 100:+.0f}%: " in summary
                    assert effect in summary
        assert "; context: " not in summary
        assert all("start" in m["need"] for m in result.explanation["needs"])  # passages still quoted
    assert any(p["context"] for r in results for p in r.explanation["composition"]["parts"] if "context" in p)
