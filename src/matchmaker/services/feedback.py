"""Ratings of earlier meetings as a signal for later suggestions and schedules: one home for both.

Each rating has a value (:data:`RATING_VALUES`): *cooperation possible* +1, *informative, no cooperation
planned* +0.3, *insufficient interest* -1. *Did not take place* says nothing about the fit of the pair and
is left out. A pair's signal is the mean value of its ratings, from both sides and every event, in
[-1, 1]; pairs with only "did not take place" ratings have no signal.

:func:`adjust` is the one way a signal moves a score, used by matching (a ``feedback`` context factor)
and by event scheduling (the feedback of other events) alike. Scheduling (staff) weighs both sides'
ratings of a pair; a city's or a provider's suggestions follow only the ratings it gave itself, so that
nobody learns from its suggestions how the other side rated their meeting.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable

from sqlmodel import Session, col, select

from matchmaker.db.events import MeetingFeedback
from matchmaker.scheduling.problem import Pair, pair_key

#: What each rating says about the pair (see the module docstring); None: no signal.
RATING_VALUES: dict[str, float | None] = {
    "not_held": None,
    "insufficient_interest": -1.0,
    "informative": 0.3,
    "cooperation_possible": 1.0,
}

#: How much a pair's feedback signal (in [-1, 1]) moves its score in [0, 1].
FEEDBACK_WEIGHT = 0.2

Signal = dict[Pair, float]


def aggregate_feedback(ratings: Iterable[tuple[str, str, str]]) -> Signal:
    """The feedback signal per pair from ``(rater, other, rating)`` triples (see module docstring)."""
    values: dict[Pair, list[float]] = {}
    for rater, other, rating in ratings:
        value = RATING_VALUES.get(rating)
        if value is None:
            continue
        values.setdefault(pair_key(rater, other), []).append(value)
    return {key: round(statistics.fmean(v), 4) for key, v in sorted(values.items())}


def adjust(score: float, signal: float, weight: float = FEEDBACK_WEIGHT) -> float:
    """``score + weight × signal``, kept in [0, 1]."""
    return min(1.0, max(0.0, score + weight * signal))


def with_feedback(
    score: Callable[[str, str], float | None], signal: Signal, weight: float = FEEDBACK_WEIGHT
) -> Callable[[str, str], float | None]:
    """``score`` adjusted by earlier feedback (:func:`adjust`); pairs without feedback keep their score.

    A pair rated "cooperation possible" before ranks higher for a follow-up meeting; one that showed
    insufficient interest ranks lower.
    """

    def adjusted(a: str, b: str) -> float | None:
        base = score(a, b)
        value = signal.get(pair_key(a, b))
        if value is None:
            return base
        return adjust(base or 0.0, value, weight)

    return adjusted


def read_signal(session: Session, *, exclude_event: str | None = None, rater: str | None = None) -> Signal:
    """The signal of every rated pair over all events (``exclude_event`` left out); with ``rater``,
    from the ratings that participant gave only."""
    stmt = select(MeetingFeedback.rater, MeetingFeedback.other, MeetingFeedback.rating)
    if exclude_event is not None:
        stmt = stmt.where(col(MeetingFeedback.event_id) != exclude_event)
    if rater is not None:
        stmt = stmt.where(col(MeetingFeedback.rater) == rater)
    return aggregate_feedback((r, o, g) for r, o, g in session.exec(stmt))


__all__ = [
    "FEEDBACK_WEIGHT",
    "RATING_VALUES",
    "Signal",
    "adjust",
    "aggregate_feedback",
    "read_signal",
    "with_feedback",
]
