"""Pair scores for a whole schedule: the numbers :meth:`Matcher.pair_score` gives, pair by pair."""

from __future__ import annotations

from itertools import product

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
                {"id": f"s{k}", "start": f"2027-03-02T0{k}:00", "end": f"2027-03-02T0{k}:20"} for k in (1, 2)
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
