"""Ratings of earlier meetings as a signal for later suggestions and schedules: one home for both.

Each rating has a value (:data:`RATING_VALUES`): *cooperation possible* +1, *informative, no cooperation
planned* +0.3, *insufficient interest* -1. *Did not take place* says nothing about the fit of the pair and
is left out. A pair's signal is the mean value of its ratings, from both sides and every event, in
[-1, 1]; pairs with only "did not take place" ratings have no signal.

:func:`adjust` is the one way a signal moves a score, used by matching (a ``feedback`` context factor,
:func:`feedback_factor`) and by event scheduling (the feedback of other events) alike. The factor names
the ratings as their author gave them (:data:`RATING_LABELS`) and states the change as what it is, an
amount added to the score (``+0.20 to the score``), not a percentage. Scheduling (staff) weighs both sides'
ratings of a pair; a city's or a provider's suggestions follow only the ratings it gave itself, so that
nobody learns from its suggestions how the other side rated their meeting.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from matchmaker.db.events import MeetingFeedback
from matchmaker.matching.fit import Factor
from matchmaker.scheduling.problem import Pair, pair_key
from matchmaker.services.events.schemas import RATING_LABELS

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


def _ratings(
    session: Session,
    *,
    exclude_event: str | None = None,
    rater: str | None = None,
    raters: Collection[str] | None = None,
) -> list[tuple[str, str, str]]:
    """``(rater, other, rating)`` of every rating over all events (``exclude_event`` left out); with
    ``rater``, the ratings that participant gave only; with ``raters``, those these gave."""
    stmt = select(MeetingFeedback.rater, MeetingFeedback.other, MeetingFeedback.rating)
    if exclude_event is not None:
        stmt = stmt.where(col(MeetingFeedback.event_id) != exclude_event)
    if rater is not None:
        stmt = stmt.where(col(MeetingFeedback.rater) == rater)
    if raters is not None:
        stmt = stmt.where(col(MeetingFeedback.rater).in_(sorted(raters)))
    return [(r, o, g) for r, o, g in session.exec(stmt)]


def read_signal(session: Session, *, exclude_event: str | None = None, rater: str | None = None) -> Signal:
    """The signal of every rated pair over all events (``exclude_event`` left out); with ``rater``,
    from the ratings that participant gave only."""
    return aggregate_feedback(_ratings(session, exclude_event=exclude_event, rater=rater))


@dataclass(frozen=True)
class Rated:
    """How one participant rated its earlier meetings with another: the ratings that carry a signal
    (rating keys, in the order given) and the pair's signal from them."""

    ratings: tuple[str, ...]
    signal: float


def read_own_ratings(session: Session, rater: str) -> dict[str, Rated]:
    """The ratings ``rater`` gave its earlier meetings, per other participant (see :class:`Rated`);
    the other side's ratings are left out."""
    return _own_ratings(rater, _ratings(session, rater=rater))


def read_own_ratings_of(session: Session, raters: Collection[str]) -> dict[str, dict[str, Rated]]:
    """:func:`read_own_ratings` of each of ``raters`` (those that gave none left out), in one query."""
    if not raters:
        return {}
    given: dict[str, list[tuple[str, str, str]]] = {}
    for row in _ratings(session, raters=raters):
        given.setdefault(row[0], []).append(row)
    return {rater: _own_ratings(rater, rows) for rater, rows in given.items()}


def _own_ratings(rater: str, rows: list[tuple[str, str, str]]) -> dict[str, Rated]:
    """What :func:`read_own_ratings` says from ``rows``, the ratings ``rater`` gave."""
    signal = aggregate_feedback(rows)
    given: dict[str, list[str]] = {}
    for _rater, other, rating in rows:
        if RATING_VALUES.get(rating) is not None:
            given.setdefault(other, []).append(rating)
    return {
        other: Rated(tuple(ratings), signal[pair_key(rater, other)])
        for other, ratings in given.items()
        if pair_key(rater, other) in signal
    }


@dataclass(frozen=True, slots=True)
class FeedbackFactor(Factor):
    """The ``feedback`` context factor: its effect is the amount added to the score, not a percentage
    (a score moved from 0.05 to 0 is lowered by 0.05, not hidden)."""

    change: float = 0.0

    def to_dict(self) -> dict[str, object]:
        out = Factor.to_dict(self)
        out["effect"] = f"{self.change:+.2f} to the score"
        out["change"] = round(self.change, 4)
        return out


def feedback_factor(score: float, rated: Rated, weight: float = FEEDBACK_WEIGHT) -> tuple[float, Factor]:
    """``score`` moved by ``rated``'s signal (:func:`adjust`), and the context factor that says so: the
    ratings as their author gave them, and the change of the score."""
    adjusted = adjust(score, rated.signal, weight)
    multiplier = adjusted / score if score > 0 else 1.0 + rated.signal
    return adjusted, FeedbackFactor("feedback", multiplier, _rated_as(rated.ratings), adjusted - score)


def _rated_as(ratings: Iterable[str]) -> str:
    """``earlier meeting of this pair rated “cooperation possible”``; several ratings are listed in
    the order given, a repeated one with its count."""
    counts = Counter(ratings)
    named = ", ".join(
        f"“{RATING_LABELS.get(r, r)}”" + (f" ({n}×)" if n > 1 else "") for r, n in counts.items()
    )
    noun = "meeting" if sum(counts.values()) == 1 else "meetings"
    return f"earlier {noun} of this pair rated {named}"


__all__ = [
    "FEEDBACK_WEIGHT",
    "RATING_VALUES",
    "FeedbackFactor",
    "Rated",
    "Signal",
    "adjust",
    "aggregate_feedback",
    "feedback_factor",
    "read_own_ratings",
    "read_own_ratings_of",
    "read_signal",
    "with_feedback",
]
