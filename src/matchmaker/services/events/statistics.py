"""Feedback and statistics of an event for staff: one computation the console, the API and the CLI share.

:func:`compute_statistics` is pure (plain rows in, :class:`EventStatistics` out) and is tested on
hand-made data; :class:`EventStatisticsReader` loads an event's rows in a unit of work and calls it;
:func:`statistics_job` does the same as a background job (``GET .../statistics?wait=false``).

What is counted:

- the meetings of the published schedule (confirmed ones), or of the plan while nothing is published;
- per meeting, both sides' ratings: a *no-show* when either side says it did not take place, *held*
  when a side rated it otherwise, *upcoming* until its slot ends, else *not rated*;
- meeting requests by status as of now (pending ones expire at the deadline), in all and per direction
  (the sender's side → the recipient's side), as shares of all requests of that direction;
- the ratings by value, and each rating that says something about the pair (not a no-show) against the
  meeting's match score, with their Pearson correlation.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args

from sqlmodel import select

from matchmaker.db.engine import Database
from matchmaker.db.events import EventMeeting, MeetingFeedback, MeetingRequestRow, PublishedMeeting
from matchmaker.db.models import utcnow
from matchmaker.scheduling.problem import pair_key
from matchmaker.services.events import store
from matchmaker.services.events.feedback import meeting_end
from matchmaker.services.events.rules import as_instant, effective_status, side_of, zone
from matchmaker.services.events.schemas import (
    RATING_LABELS,
    EventStatistics,
    MeetingOutcome,
    MeetingOutcomeStatus,
    ParticipantMeetings,
    Rating,
    RatingCount,
    RequestFigures,
    RequestStatus,
    ScorePoint,
    Side,
    StatisticsSource,
    meeting_times,
)
from matchmaker.services.feedback import RATING_VALUES

#: The fewest points a correlation is given for.
MIN_CORRELATION_POINTS = 3
ALL_REQUESTS = "all"
#: The ratings in their order of value (no-show first).
_RATINGS: tuple[Rating, ...] = get_args(Rating)
#: Each rating by the text it is stored as.
_RATING_OF: dict[str, Rating] = {rating: rating for rating in _RATINGS}


@dataclass(frozen=True)
class Person:
    """A participant of the event."""

    id: str
    name: str
    side: Side


@dataclass(frozen=True)
class HeldMeeting:
    """A meeting of the schedule; ``ends`` is an aware instant."""

    slot: str
    start: datetime
    end: datetime
    ends: datetime
    table: int
    table_label: str | None
    a: str
    b: str
    score: float


@dataclass(frozen=True)
class RequestOutcome:
    """A meeting request and its status as of now."""

    sender: str
    recipient: str
    status: RequestStatus


@dataclass(frozen=True)
class GivenRating:
    """One participant's rating of its meeting with ``other``."""

    rater: str
    other: str
    rating: Rating
    comment: str | None = None


def _share(part: int, total: int) -> float | None:
    return round(part / total, 4) if total else None


def _request_figures(direction: str, statuses: Sequence[RequestStatus]) -> RequestFigures:
    counts = Counter(statuses)
    total = len(statuses)
    return RequestFigures(
        direction=direction,
        total=total,
        accepted=counts["accepted"],
        declined=counts["declined"],
        pending=counts["pending"],
        expired=counts["expired"],
        accept_rate=_share(counts["accepted"], total),
        decline_rate=_share(counts["declined"], total),
    )


def _correlation(points: Sequence[ScorePoint]) -> float | None:
    if len(points) < MIN_CORRELATION_POINTS:
        return None
    xs, ys = [p.score for p in points], [p.value for p in points]
    if math.isclose(statistics.pstdev(xs), 0.0) or math.isclose(statistics.pstdev(ys), 0.0):
        return None
    return round(statistics.correlation(xs, ys), 4)


def _status(ratings: Sequence[Rating | None], ends: datetime, now: datetime) -> MeetingOutcomeStatus:
    given = [r for r in ratings if r is not None]
    if "not_held" in given:
        return "no_show"
    if given:
        return "held"
    return "upcoming" if now < ends else "not_rated"


def compute_statistics(
    event_id: str,
    *,
    source: StatisticsSource,
    people: Sequence[Person],
    meetings: Sequence[HeldMeeting],
    requests: Sequence[RequestOutcome],
    ratings: Sequence[GivenRating],
    now: datetime,
    names: Mapping[str, str] | None = None,
    former_sides: Mapping[str, Side] | None = None,
    timezone: str | None = None,
) -> EventStatistics:
    """The event's feedback and statistics (see the module docstring) from plain rows; ``names`` names
    the parties of meetings who are no longer among ``people`` (taken out of the event since), and
    ``former_sides`` gives their sides (a city unless it says otherwise): their meetings count for
    them too; ``timezone`` is the event's zone, which the meetings' times are given on."""
    names = {**(names or {}), **{p.id: p.name for p in people}}
    sides = {p.id: p.side for p in people}
    by_rater = {(r.rater, r.other): r for r in ratings}
    outcomes: list[MeetingOutcome] = []
    tz = zone(timezone)
    for m in sorted(meetings, key=lambda m: (as_instant(m.start, tz), m.table)):
        ra, rb = by_rater.get((m.a, m.b)), by_rater.get((m.b, m.a))
        rating_a, rating_b = (ra.rating if ra else None), (rb.rating if rb else None)
        outcomes.append(
            MeetingOutcome(
                slot=m.slot,
                **meeting_times(m.start, m.end, timezone),
                table=m.table,
                table_label=m.table_label,
                a=m.a,
                a_name=names.get(m.a, m.a),
                b=m.b,
                b_name=names.get(m.b, m.b),
                score=m.score,
                rating_a=rating_a,
                rating_b=rating_b,
                comment_a=ra.comment if ra else None,
                comment_b=rb.comment if rb else None,
                status=_status([rating_a, rating_b], m.ends, now),
            )
        )

    count = Counter(pid for m in meetings for pid in (m.a, m.b))
    # A party taken out after its meetings took place still had them.
    former = [
        Person(pid, names.get(pid, pid), (former_sides or {}).get(pid, "city"))
        for pid in sorted(set(count) - set(sides))
    ]
    per_participant = sorted(
        (
            ParticipantMeetings(id=p.id, name=p.name, side=p.side, meetings=count[p.id])
            for p in [*people, *former]
        ),
        key=lambda p: (-p.meetings, p.name.casefold(), p.id),
    )

    directions: dict[str, list[RequestStatus]] = {}
    for req in requests:
        key = f"{sides.get(req.sender, 'city')} → {sides.get(req.recipient, 'city')}"
        directions.setdefault(key, []).append(req.status)
    figures = [_request_figures(ALL_REQUESTS, [req.status for req in requests])]
    figures += [_request_figures(key, statuses) for key, statuses in sorted(directions.items())]

    values = Counter(r.rating for r in ratings)
    distribution = [RatingCount(rating=k, label=RATING_LABELS[k], count=values[k]) for k in _RATINGS]

    score_of = {pair_key(m.a, m.b): m.score for m in meetings}
    points: list[ScorePoint] = []
    for given in ratings:
        value = RATING_VALUES.get(given.rating)
        score = score_of.get(pair_key(given.rater, given.other))
        if value is None or score is None:
            continue
        points.append(
            ScorePoint(rater=given.rater, other=given.other, score=score, rating=given.rating, value=value)
        )
    points.sort(key=lambda p: (p.score, p.value, p.rater))
    meaningful = [p.value for p in points]

    return EventStatistics(
        event_id=event_id,
        source=source,
        meetings=len(outcomes),
        rated_meetings=sum(o.status in ("held", "no_show") for o in outcomes),
        no_shows=sum(o.status == "no_show" for o in outcomes),
        ratings=len(ratings),
        mean_rating_value=round(statistics.fmean(meaningful), 4) if meaningful else None,
        score_rating_correlation=_correlation(points),
        outcomes=outcomes,
        per_participant=per_participant,
        requests=figures,
        rating_distribution=distribution,
        score_vs_rating=points,
    )


def _held(
    row: EventMeeting | PublishedMeeting,
    start: datetime,
    end: datetime,
    timezone: str | None,
    table_labels: Mapping[int, str],
) -> HeldMeeting:
    """A stored meeting (planned or published) held from ``start`` to ``end``."""
    return HeldMeeting(
        **store.placement_fields(row),
        start=start,
        end=end,
        ends=meeting_end(end.isoformat(), timezone),
        table_label=table_labels.get(row.table_number),
        score=row.score,
    )


class EventStatisticsReader(store.InSession):
    """An event's feedback and statistics, read in one unit of work."""

    def statistics(self, event_id: str, *, now: datetime | None = None) -> EventStatistics:
        """Ratings and no-shows per meeting, meetings per participant, request outcomes, ratings and
        score against rating (staff only: it names every participant and shows scores and comments)."""
        now = now or utcnow()
        session = self.session
        ev = store.event_row(session, event_id)
        rows = store.participants(session, event_id)
        known = store.names(session, [r.participant_id for r in rows])
        people = [
            Person(r.participant_id, known.get(r.participant_id, r.participant_id), side_of(r.side))
            for r in rows
        ]
        labels = store.table_labels(session, event_id)
        source: StatisticsSource
        meetings: list[HeldMeeting]
        if ev.published_version > 0:
            source = "published"
            meetings = [
                _held(r, datetime.fromisoformat(r.start), datetime.fromisoformat(r.end), ev.timezone, labels)
                for r in store.published(session, event_id, confirmed=True)
            ]
        else:
            slots = {s.id: s for s in store.slots(session, event_id)}
            planned = [r for r in store.plan(session, event_id) if r.slot_id in slots]
            source = "plan" if planned else "none"
            meetings = [
                _held(r, slots[r.slot_id].start, slots[r.slot_id].end, ev.timezone, labels) for r in planned
            ]
        former = store.mentioned(meetings) - {p.id for p in people}
        requests = [
            RequestOutcome(r.sender, r.recipient, effective_status(r.status, ev.request_deadline, now))
            for r in session.exec(select(MeetingRequestRow).where(MeetingRequestRow.event_id == event_id))
        ]
        ratings = [
            GivenRating(r.rater, r.other, _RATING_OF[r.rating], r.comment)
            for r in session.exec(select(MeetingFeedback).where(MeetingFeedback.event_id == event_id))
            if r.rating in _RATING_OF
        ]
        return compute_statistics(
            event_id,
            source=source,
            people=people,
            meetings=meetings,
            requests=requests,
            ratings=ratings,
            now=now,
            names=store.names(session, store.mentioned(meetings)),
            former_sides={pid: side_of(side) for pid, side in store.record_sides(session, former).items()},
            timezone=ev.timezone,
        )


def statistics_job(
    database: Database, params: Mapping[str, Any], progress: Callable[[float, str], None]
) -> dict[str, Any]:
    """Compute an event's statistics as a background job; ``params`` holds the event id. The result is
    what ``GET /api/v1/events/{id}/statistics`` answers when it waits."""
    event_id = str(params["event_id"])
    progress(0.05, f"reading the meetings, requests and ratings of {event_id}")
    with database.unit_of_work() as session:
        figures = EventStatisticsReader(session).statistics(event_id)
    return figures.model_dump(mode="json")


__all__ = [
    "EventStatisticsReader",
    "GivenRating",
    "HeldMeeting",
    "Person",
    "RequestOutcome",
    "compute_statistics",
    "statistics_job",
]
