"""Ratings of published meetings after an event, and the feedback signal later matching uses.

The rating values and how a signal moves a score live in :mod:`matchmaker.services.feedback`.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from matchmaker.db.events import MeetingFeedback
from matchmaker.db.models import utcnow
from matchmaker.errors import InvalidInputError
from matchmaker.scheduling.problem import pair_key
from matchmaker.services.events import store
from matchmaker.services.events.schemas import FeedbackIn, FeedbackPublic
from matchmaker.services.feedback import Signal, read_signal


class EventFeedback(store.InSession):
    """Ratings of meetings, in one unit of work."""

    def record(self, event_id: str, data: FeedbackIn, *, now: datetime | None = None) -> FeedbackPublic:
        """Store (or replace) a participant's rating of a published meeting it had."""
        now = now or utcnow()
        session = self.session
        store.event_row(session, event_id)
        store.participant(session, event_id, data.rater)
        pair = pair_key(data.rater, data.other)
        if not any(pair_key(r.a, r.b) == pair for r in store.published(session, event_id, confirmed=True)):
            raise InvalidInputError(
                f"{data.rater!r} has no published meeting with {data.other!r} in event {event_id!r}"
            )
        row = store.first_where(
            session, MeetingFeedback, event_id=event_id, rater=data.rater, other=data.other
        ) or MeetingFeedback(event_id=event_id, rater=data.rater, other=data.other, rating=data.rating)
        row.rating = data.rating
        row.comment = data.comment
        row.updated_at = now
        session.add(row)
        session.flush()
        return FeedbackPublic.model_validate(row, from_attributes=True)

    def list(self, event_id: str, *, rater: str | None = None) -> list[FeedbackPublic]:
        """The ratings of an event (only those given by ``rater`` when given)."""
        store.event_row(self.session, event_id)
        stmt = select(MeetingFeedback).where(MeetingFeedback.event_id == event_id)
        if rater is not None:
            stmt = stmt.where(MeetingFeedback.rater == rater)
        return [
            FeedbackPublic.model_validate(r, from_attributes=True)
            for r in self.session.exec(stmt.order_by(col(MeetingFeedback.id)))
        ]

    def signal(self) -> Signal:
        """The feedback signal of every rated pair, over all events: ``{(a, b) sorted: value in [-1, 1]}``.

        Pairs that found cooperation possible rank higher for follow-up meetings, pairs that showed
        insufficient interest rank lower (:mod:`matchmaker.services.feedback`).
        """
        return read_signal(self.session)


__all__ = ["EventFeedback"]
