"""The engine with the real model on a slice of the demo corpus: the answers a user would expect."""

from __future__ import annotations

import json

import pytest

from matchmaker.services.matching import Matcher

pytestmark = pytest.mark.slow


def _ids(matcher_response: object) -> list[str]:
    return [r.id for r in matcher_response.results]  # type: ignore[attr-defined]


def test_address_register_providers_for_a_city_without_street_names(real_matcher: Matcher) -> None:
    top = _ids(real_matcher.providers_for_city("kukes", top=4))
    assert {"prov-adresa-lab", "prov-geoatlas"} & set(top)


def test_a_summary_in_albanian_finds_the_permit_system(real_matcher: Matcher) -> None:
    assert "prov-eleje-sistem" in _ids(real_matcher.providers_for_city("kamez", top=3))


def test_mentor_city_with_a_case_on_the_same_problem(real_matcher: Matcher) -> None:
    response = real_matcher.cities_for_city("kukes", top=6)
    ferizaj = next(r for r in response.results if r.id == "ferizaj")
    assert ferizaj.relation == "mentor"
    assert ferizaj.explanation["mentor_case"]["id"] == "case-ferizaj-addresses"
    assert "kukes" not in _ids(response)


def test_free_text_search_in_english_and_russian(real_matcher: Matcher) -> None:
    english = real_matcher.search_cases("streets without names and houses without numbers", top=3)
    assert _ids(english)[0] == "case-ferizaj-addresses"
    russian = real_matcher.search_cases("как город сократил потери воды в водопроводной сети", top=2)
    assert {"case-izmir-leaks", "case-yangiobod-water"} & set(_ids(russian))


def test_explanations_are_json_and_quote_public_text_only(real_matcher: Matcher) -> None:
    dumped = json.dumps(real_matcher.providers_for_city("kukes", top=10).model_dump(), ensure_ascii=False)
    assert "@" not in dumped  # the focal point's e-mail never appears
    assert "Arbër Dushku" not in dumped


def test_pair_scores_feed_the_scheduler(real_matcher: Matcher) -> None:
    good = real_matcher.pair_score("kukes", "prov-adresa-lab")
    poor = real_matcher.pair_score("kukes", "prov-parkpal")
    assert good is not None
    assert poor is not None
    assert good > poor
