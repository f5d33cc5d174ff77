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
                slots=[SlotIn(start="2027-03-02T09:00", end="2027-03-02T09:20")],  # type: ignore[arg-type]
            )
        )
    )
    ev(lambda e: e.catalog.add_participants("ws1", [ParticipantIn(id=city), ParticipantIn(id=provider)]))
    ev.plan(lambda p: p.generate("ws1", score=lambda _a, _b: 0.5, time_limit=5))
    ev.plan(lambda p: p.publish("ws1"))
    feedback = FeedbackIn(rater=city, other=provider, rating=rating)  # type: ignore[arg-type]
    after = datetime(2027, 3, 3, tzinfo=UTC)
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
    assert "little interest" in factors["feedback"]["detail"]
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
