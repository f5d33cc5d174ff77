"""Feedback and statistics of an event, computed from hand-made rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from matchmaker.services.events.schemas import EventStatistics
from matchmaker.services.events.statistics import (
    GivenRating,
    HeldMeeting,
    Person,
    RequestOutcome,
    compute_statistics,
)
from matchmaker.web.console.event_reports import statistics_charts

DAY = datetime(2038, 3, 2, 9)  # noqa: DTZ001  slot times are local to the event
NOW = datetime(2038, 3, 2, 10, 30, tzinfo=UTC)

PEOPLE = [
    Person("kukes", "Kukës", "city"),
    Person("osh", "Ош", "city"),
    Person("tirana", "Tirana", "city"),
    Person("acme", "Acme Mobility", "provider"),
    Person("databridge", "DataBridge", "provider"),
]


def _meeting(hour: int, table: int, a: str, b: str, score: float) -> HeldMeeting:
    start = DAY.replace(hour=hour)
    end = start + timedelta(minutes=20)
    return HeldMeeting(
        slot=f"s{hour}",
        start=start,
        end=end,
        ends=end.replace(tzinfo=UTC),
        table=table,
        table_label=None,
        a=a,
        b=b,
        score=score,
    )


MEETINGS = [
    _meeting(9, 1, "kukes", "acme", 0.9),
    _meeting(9, 2, "osh", "databridge", 0.8),
    _meeting(10, 1, "kukes", "databridge", 0.5),
    _meeting(11, 1, "tirana", "acme", 0.3),  # still to come at NOW
]
RATINGS = [
    GivenRating("kukes", "acme", "cooperation_possible", "Pilot next spring"),
    GivenRating("acme", "kukes", "informative"),
    GivenRating("osh", "databridge", "not_held"),
    GivenRating("databridge", "kukes", "insufficient_interest"),
]
REQUESTS = [
    RequestOutcome("acme", "kukes", "accepted"),
    RequestOutcome("databridge", "osh", "declined"),
    RequestOutcome("databridge", "tirana", "expired"),
    RequestOutcome("kukes", "acme", "accepted"),
    RequestOutcome("osh", "tirana", "pending"),
]


def _stats() -> EventStatistics:
    return compute_statistics(
        "ws1",
        source="published",
        people=PEOPLE,
        meetings=MEETINGS,
        requests=REQUESTS,
        ratings=RATINGS,
        now=NOW,
    )


def test_each_meeting_shows_both_ratings_and_its_outcome() -> None:
    st = compute_statistics(
        "ws1", source="published", people=PEOPLE, meetings=MEETINGS, requests=[], ratings=RATINGS, now=NOW
    )
    by_pair = {(o.a, o.b): o for o in st.outcomes}
    first = by_pair[("kukes", "acme")]
    assert (first.rating_a, first.rating_b) == ("cooperation_possible", "informative")
    assert first.comment_a == "Pilot next spring"
    assert first.a_name == "Kukës"
    assert first.status == "held"
    assert by_pair[("osh", "databridge")].status == "no_show"
    assert by_pair[("kukes", "databridge")].rating_b == "insufficient_interest"
    assert by_pair[("kukes", "databridge")].rating_a is None
    assert by_pair[("tirana", "acme")].status == "upcoming"
    assert [o.slot for o in st.outcomes] == ["s9", "s9", "s10", "s11"]
    assert (st.meetings, st.rated_meetings, st.no_shows, st.ratings) == (4, 3, 1, 4)


def test_an_ended_meeting_without_ratings_is_not_rated() -> None:
    later = NOW + timedelta(days=1)
    st = compute_statistics(
        "ws1", source="published", people=PEOPLE, meetings=MEETINGS, requests=[], ratings=[], now=later
    )
    assert {o.status for o in st.outcomes} == {"not_rated"}
    assert st.mean_rating_value is None
    assert st.score_rating_correlation is None


def test_meetings_per_participant_include_those_without_any() -> None:
    st = compute_statistics(
        "ws1", source="plan", people=PEOPLE, meetings=MEETINGS[:2], requests=[], ratings=[], now=NOW
    )
    counts = {p.id: p.meetings for p in st.per_participant}
    assert counts == {"kukes": 1, "osh": 1, "tirana": 0, "acme": 1, "databridge": 1}
    assert st.per_participant[-1].id == "tirana", "most meetings first"
    assert st.source == "plan"


def test_request_rates_in_all_and_per_direction() -> None:
    st = compute_statistics(
        "ws1", source="published", people=PEOPLE, meetings=[], requests=REQUESTS, ratings=[], now=NOW
    )
    total = st.requests[0]
    assert total.direction == "all"
    assert (total.total, total.accepted, total.declined, total.pending, total.expired) == (5, 2, 1, 1, 1)
    assert total.accept_rate == pytest.approx(0.4)
    assert total.decline_rate == pytest.approx(0.2)
    by_direction = {r.direction: r for r in st.requests[1:]}
    assert set(by_direction) == {"provider → city", "city → provider", "city → city"}
    assert by_direction["provider → city"].total == 3
    assert by_direction["provider → city"].accept_rate == pytest.approx(1 / 3, abs=1e-4)
    assert by_direction["city → city"].pending == 1
    assert by_direction["city → city"].accept_rate == 0.0


def test_no_requests_have_no_rates() -> None:
    st = compute_statistics(
        "ws1", source="none", people=PEOPLE, meetings=[], requests=[], ratings=[], now=NOW
    )
    assert [(r.direction, r.total, r.accept_rate) for r in st.requests] == [("all", 0, None)]


def test_rating_distribution_counts_every_value_in_order() -> None:
    st = _stats()
    assert [(c.rating, c.count) for c in st.rating_distribution] == [
        ("not_held", 1),
        ("insufficient_interest", 1),
        ("informative", 1),
        ("cooperation_possible", 1),
    ]


def test_score_against_rating_leaves_out_no_shows() -> None:
    st = _stats()
    points = [(p.rater, p.score, p.value) for p in st.score_vs_rating]
    assert points == [("databridge", 0.5, -1.0), ("acme", 0.9, 0.3), ("kukes", 0.9, 1.0)]
    assert st.mean_rating_value == pytest.approx((1.0 + 0.3 - 1.0) / 3, abs=1e-4)
    # Higher scores went with better ratings here.
    assert st.score_rating_correlation is not None
    assert st.score_rating_correlation > 0.5


def test_a_party_taken_out_of_the_event_since_is_still_named_on_the_feedback_tab() -> None:
    stayed = [p for p in PEOPLE if p.id != "osh"]
    stats = compute_statistics(
        "ws1",
        source="published",
        people=stayed,
        meetings=MEETINGS,
        requests=[],
        ratings=[GivenRating("osh", "databridge", "informative")],
        now=NOW,
        names={"osh": "Ош"},
    )
    held = next(o for o in stats.outcomes if "osh" in (o.a, o.b))
    assert held.a_name == "Ош"
    charts = "".join(statistics_charts(stats).values())
    assert "Ош on DataBridge" in charts
    assert "osh on" not in charts


def test_a_party_taken_out_of_the_event_since_still_counts_its_meetings() -> None:
    # Osh met DataBridge and was taken out afterwards: the meeting is listed, so Osh's bar is drawn.
    stayed = [p for p in PEOPLE if p.id != "osh"]
    stats = compute_statistics(
        "ws1",
        source="published",
        people=stayed,
        meetings=MEETINGS,
        requests=[],
        ratings=[],
        now=NOW,
        names={"osh": "Ош"},
        former_sides={"osh": "city"},
    )
    per = {p.id: (p.name, p.side, p.meetings) for p in stats.per_participant}
    assert per["osh"] == ("Ош", "city", 1)
    assert sum(p.meetings for p in stats.per_participant) == 2 * stats.meetings
    assert "Ош" in statistics_charts(stats)["meetings"]
