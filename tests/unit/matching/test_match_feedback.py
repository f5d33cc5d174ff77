"""Ratings of earlier meetings move later suggestions, and the explanation says so."""

from __future__ import annotations

from datetime import UTC, datetime

from events_support import EventCalls
from matchmaker.services.events.schemas import EventCreate, FeedbackIn, ParticipantIn, SlotIn
from matchmaker.services.matching import Matcher
from matchmaker.settings import Settings


def _rated_meeting(settings: Settings, city: str, provider: str, rating: str) -> None:
    ev = EventCalls(settings)
    ev(
        lambda e: e.catalog.create(
            EventCreate(
                id="ws1",
                name="Level 3 workshop",
                timezone="Europe/Istanbul",
                tables=1,
                slots=[SlotIn(start="2038-03-02T09:00", end="2038-03-02T09:20")],  # type: ignore[arg-type]
            )
        )
    )
    ev(lambda e: e.catalog.add_participants("ws1", [ParticipantIn(id=city), ParticipantIn(id=provider)]))
    ev.plan(lambda p: p.generate("ws1", score=lambda _a, _b: 0.5, time_limit=5))
    ev.plan(lambda p: p.publish("ws1"))
    feedback = FeedbackIn(rater=city, other=provider, rating=rating)  # type: ignore[arg-type]
    after = datetime(2038, 3, 3, tzinfo=UTC)
    ev(lambda e: e.feedback.record("ws1", feedback, now=after))


def _ranking(matcher: Matcher, city: str) -> list[str]:
    return [r.id for r in matcher.providers_for_city(city, top=50).results]


def test_a_meeting_of_little_interest_lowers_the_pair_and_says_why(
    matcher: Matcher, loaded: Settings
) -> None:
    before = matcher.providers_for_city("lumen", top=50).results
    first = before[0]
    _rated_meeting(loaded, "lumen", first.id, "insufficient_interest")

    after = matcher.providers_for_city("lumen", top=50).results
    moved = next(r for r in after if r.id == first.id)
    assert moved.score < first.score
    factors = {f["factor"]: f for f in moved.explanation["context"]}
    assert factors["feedback"]["effect"].startswith("-")
    assert "“insufficient interest”" in factors["feedback"]["detail"]
    assert {r.id for r in after} == {r.id for r in before}  # nobody is hidden


def test_a_participant_never_learns_how_the_other_side_rated_their_meeting(
    matcher: Matcher, loaded: Settings
) -> None:
    provider = matcher.providers_for_city("lumen", top=50).results[0].id
    before = {r.id: r for r in matcher.cities_for_provider(provider, top=50).results}
    _rated_meeting(loaded, "lumen", provider, "insufficient_interest")

    # The city's rating is its own: the provider's suggestions neither move nor say why.
    after = {r.id: r for r in matcher.cities_for_provider(provider, top=50).results}
    assert after["lumen"].score == before["lumen"].score
    assert all(f["factor"] != "feedback" for f in after["lumen"].explanation["context"])
    assert "rated" not in after["lumen"].explanation["summary"]


def test_cooperation_possible_raises_the_pair(matcher: Matcher, loaded: Settings) -> None:
    before = {r.id: r.score for r in matcher.providers_for_city("lumen", top=50).results}
    last = min((pid for pid in before if before[pid] > 0), key=lambda pid: (before[pid], pid))
    _rated_meeting(loaded, "lumen", last, "cooperation_possible")
    after = {r.id: r.score for r in matcher.providers_for_city("lumen", top=50).results}
    assert after[last] > before[last]
    unrated = [pid for pid in before if pid != last]
    assert all(after[pid] == before[pid] for pid in unrated)


def test_the_feedback_factor_names_the_rating_as_given(matcher: Matcher, loaded: Settings) -> None:
    """A meeting rated "informative, no cooperation planned" is not said to have been rated useful,
    and the factor says how much was added to the score."""
    first = matcher.providers_for_city("lumen", top=50).results[0]
    _rated_meeting(loaded, "lumen", first.id, "informative")

    moved = next(r for r in matcher.providers_for_city("lumen", top=50).results if r.id == first.id)
    factor = next(f for f in moved.explanation["context"] if f["factor"] == "feedback")
    assert factor["detail"] == "earlier meeting of this pair rated “informative, no cooperation planned”"
    assert "useful" not in factor["detail"]
    change = round(moved.score - first.score, 2)
    assert change == 0.06
    assert factor["effect"] == "+0.06 to the score"
    assert "feedback +0.06 to the score" in moved.explanation["summary"]


def test_a_low_score_lowered_to_zero_is_not_shown_as_minus_100_percent(
    matcher: Matcher, loaded: Settings
) -> None:
    """The adjustment is added to the score: a candidate at 0.05 rated "insufficient interest" is
    lowered by 0.05 (to 0, still listed), which the factor states as such, not as -100%."""
    before = {r.id: r.score for r in matcher.providers_for_city("lumen", top=50).results}
    low = min((pid for pid in before if 0 < before[pid] < 0.2), key=lambda pid: (before[pid], pid))
    _rated_meeting(loaded, "lumen", low, "insufficient_interest")

    moved = next(r for r in matcher.providers_for_city("lumen", top=50).results if r.id == low)
    factor = next(f for f in moved.explanation["context"] if f["factor"] == "feedback")
    assert moved.score == 0.0
    assert "%" not in factor["effect"]
    assert factor["effect"] == f"{-before[low]:+.2f} to the score"
    assert "%" not in moved.explanation["summary"].split("feedback", 1)[1].split(",", 1)[0]
