"""Pair scores for a whole schedule: the numbers :meth:`Matcher.pair_score` gives, pair by pair."""

from __future__ import annotations

from collections import Counter
from itertools import product
from types import SimpleNamespace

import numpy as np
import pytest

from matchmaker.matching.ranking import Ranking, Scored
from matchmaker.scheduling.problem import parse_problem
from matchmaker.services.container import Services
from matchmaker.services.matching import Matcher

CITY_IDS = ["lumen", "verde", "rivo", "kent"]
PROVIDER_IDS = ["prov-brightway", "prov-farlight", "prov-binroute", "prov-floodwatch", "prov-taxcloud"]
#: Not a city or a provider: an unknown id and a case study's.
OTHER_IDS = ["nowhere", "case-verde-led"]


def test_scores_for_a_schedule_are_the_score_of_each_pair(matcher: Matcher) -> None:
    at_once = matcher.pair_scores()
    ids = CITY_IDS + PROVIDER_IDS + OTHER_IDS
    for a, b in product(ids, ids):
        assert at_once(a, b) == matcher.pair_score(a, b), (a, b)
    # Every city–provider and city–city pair is scored, in either order; nothing else is.
    for a, b in product(CITY_IDS, CITY_IDS + PROVIDER_IDS):
        if a != b:
            assert at_once(a, b) is not None
            assert at_once(a, b) == at_once(b, a)
    assert at_once("lumen", "lumen") is None
    assert at_once("prov-brightway", "prov-farlight") is None
    assert at_once("lumen", "nowhere") is None
    assert at_once("case-verde-led", "lumen") is None


def test_a_schedule_without_scores_gives_each_meeting_the_matchers_score(
    loaded_services: Services, matcher: Matcher
) -> None:
    people = [
        *({"id": c, "side": "city", "max_meetings": 2} for c in CITY_IDS),
        *({"id": p, "side": "provider", "max_meetings": 2} for p in PROVIDER_IDS),
        {"id": "nowhere", "side": "city"},
    ]
    problem = parse_problem(
        {
            "slots": [
                {"id": f"s{k}", "start": f"2038-03-02T0{k}:00", "end": f"2038-03-02T0{k}:20"} for k in (1, 2)
            ],
            "tables": 4,
            "participants": people,
        }
    )
    result, warning = loaded_services.planner.solve_file(problem, time_limit=10, seed=1, workers=1)
    assert warning is None
    assert result.meetings
    for meeting in result.meetings:
        assert "nowhere" not in (meeting.a, meeting.b)  # no score and no request: no meeting
        assert meeting.score == matcher.pair_score(meeting.a, meeting.b)


class _CountingEngine:
    """An engine of ``n`` cities and ``n`` providers whose rankings are made up, counting each ranking
    asked for, per city and kind."""

    generations = ("g1",)

    def __init__(self, n: int) -> None:
        cities = [f"c{i}" for i in range(n)]
        providers = [f"p{i}" for i in range(n)]
        self.records = {"city": dict.fromkeys(cities), "provider": dict.fromkeys(providers)}
        self._kinds = {
            kind: SimpleNamespace(ids=ids, pos={d: i for i, d in enumerate(ids)})
            for kind, ids in (("city", cities), ("provider", providers))
        }
        self.ranked: Counter[tuple[str, str]] = Counter()

    def kind(self, kind: str) -> SimpleNamespace:
        return self._kinds[kind]

    def _ranking(self, city_id: str, kind: str) -> Ranking:
        self.ranked[(city_id, kind)] += 1
        ids = self._kinds[kind].ids
        seed = int(city_id[1:])
        scores = np.array([((seed * 7 + j * 13) % 101) / 100.0 for j in range(len(ids))])

        def make(j: int) -> Scored:
            raise AssertionError("pair scores make no result objects")

        return Ranking(ids, scores, make)

    def rank_providers_for_city(self, city_id: str) -> Ranking:
        return self._ranking(city_id, "provider")

    def rank_cities_for_city(self, city_id: str) -> Ranking:
        return self._ranking(city_id, "city")


def _interleaved_asks(matcher: Matcher, n: int) -> list[float | None]:
    """Every city asked with a provider and then with the next city, twice over: each city's provider
    and city rankings are read in turn, as a schedule whose participants alternate asks them."""
    return [
        matcher.pair_score(f"c{i}", other)
        for _ in range(2)
        for i in range(n)
        for other in (f"p{i}", f"c{(i + 1) % n}")
    ]


def test_single_pairs_rank_each_city_once_when_cities_and_providers_alternate(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 300 cities: each city's two rankings are more than a cache of 512 rankings held.
    engine = _CountingEngine(300)
    monkeypatch.setattr(matcher, "engine", lambda: engine)
    first = _interleaved_asks(matcher, 300)
    assert set(engine.ranked.values()) == {1}
    assert len(engine.ranked) == 600
    # The scores are those of the rankings, as shown.
    assert first[0] == round(engine._ranking("c0", "provider").scores[0], 6)
    assert first[1] == max(
        round(engine._ranking("c0", "city").scores[1], 6), round(engine._ranking("c1", "city").scores[0], 6)
    )


def test_single_pairs_keep_the_scores_of_a_bounded_number_of_bytes(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _CountingEngine(10)
    monkeypatch.setattr(matcher, "engine", lambda: engine)
    # Room for the provider and city scores of two cities of ten providers and ten cities (8 bytes each).
    matcher.pair_cache.limit = 2 * 20 * 8
    asked = _interleaved_asks(matcher, 10)
    assert 0 < matcher.pair_cache.size <= matcher.pair_cache.limit
    assert sum(engine.ranked.values()) > 20  # the third city's scores took the place of the first's
    # The scores are the same as with room for all.
    engine = _CountingEngine(10)
    engine.generations = ("g2",)
    matcher.pair_cache.limit = 10**6
    assert _interleaved_asks(matcher, 10) == asked
    assert sum(engine.ranked.values()) == 20


def test_a_plans_reasons_are_the_line_of_each_pair(matcher: Matcher) -> None:
    at_once = matcher.meeting_reasons()
    ids = CITY_IDS + PROVIDER_IDS + OTHER_IDS
    told = 0
    for a, b in product(ids, ids):
        assert at_once(a, b, requested=True) == matcher.pair_reason(a, b), (a, b)
        assert at_once(a, b, requested=False) == matcher.meeting_reason(a, b), (a, b)
        told += at_once(a, b, requested=False) is not None
    assert told > len(CITY_IDS) * len(PROVIDER_IDS)


def test_a_plans_reasons_told_together_are_the_lines_told_one_by_one(matcher: Matcher) -> None:
    ids = CITY_IDS + PROVIDER_IDS + OTHER_IDS
    asked = [(a, b, requested) for a, b in product(ids, ids) for requested in (True, False)]
    together = matcher.meeting_reasons().many(asked)
    one_by_one = matcher.meeting_reasons()
    assert together == [one_by_one(a, b, requested=requested) for a, b, requested in asked]
    assert together == [
        matcher.pair_reason(a, b) if requested else matcher.meeting_reason(a, b) for a, b, requested in asked
    ]
    assert sum(line is not None for line in together) > len(CITY_IDS) * len(PROVIDER_IDS)
