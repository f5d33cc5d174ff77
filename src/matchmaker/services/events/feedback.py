"""Ratings of published meetings after an event, and the feedback signal later matching uses.

The rating values and how a signal moves a score live in :mod:`matchmaker.services.feedback`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import col, select

from matchmaker.db.events import MeetingFeedback
from matchmaker.db.models import utcnow
from matchmaker.errors import ConflictError, InvalidInputError
from matchmaker.scheduling.problem import pair_key
from matchmaker.services.events import store
from matchmaker.services.events.rules import as_instant, told_in_zone, zone
from matchmaker.services.events.schemas import FeedbackIn, FeedbackPublic
from matchmaker.services.feedback import Signal, read_signal


def meeting_end(stored: str | datetime, timezone: str | None) -> datetime:
    """When a published meeting ends, as an aware instant (a naive time is in the event's zone, else UTC)."""
    end = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
    return as_instant(end, zone(timezone))


def rating_opens(
    end: str | datetime, timezone: str | None, *, now: datetime | None = None
) -> datetime | None:
    """When a meeting that ends at ``end`` can be rated, in the event's time zone (UTC without one), or
    ``None`` when it can be rated already: once it has ended, by the product's clock
    (:func:`~matchmaker.db.models.utcnow`) unless ``now`` is given."""
    ends = meeting_end(end, timezone)
    if (now or utcnow()) >= ends:
        return None
    return ends.astimezone(zone(timezone) or UTC)


@dataclass(frozen=True)
class Rated:
    """A rating as stored, and whether it replaced the rater's earlier rating of the same meeting."""

    feedback: FeedbackPublic
    replaced: bool


class EventFeedback(store.InSession):
    """Ratings of meetings, in one unit of work."""

    def record(self, event_id: str, data: FeedbackIn, *, now: datetime | None = None) -> FeedbackPublic:
        """Store (or replace) a participant's rating of a published meeting it had (see :meth:`rate`)."""
        return self.rate(event_id, data, now=now).feedback

    def rate(self, event_id: str, data: FeedbackIn, *, now: datetime | None = None) -> Rated:
        """Store a participant's rating of a published meeting it had, or replace its earlier one.

        Only once the meeting's slot has ended: before that the rating is refused
        (:class:`ConflictError`), so ratings never reach the feedback signal ahead of the meeting. A
        participant naming itself as ``other`` is told it cannot rate itself (API, console and command
        line alike).
        """
        now = now or utcnow()
        session = self.session
        ev = store.event_row(session, event_id)
        # A participant taken out of the event still rates the meetings it had that took place.
        former = store.held_by_former(session, event_id, data.rater, now=now)
        if data.other == data.rater:
            raise InvalidInputError("you cannot rate yourself; choose the participant you met")
        pair = pair_key(data.rater, data.other)
        mine = (
            former
            if former is not None
            else store.published_of(session, event_id, data.rater, confirmed=True)
        )
        held = next((r for r in mine if pair_key(r.a, r.b) == pair), None)
        if held is None:
            sides = store.sides(session, event_id, [data.rater, data.other])
            known = store.told_names(session, [data.rater, data.other], sides)
            rater, other = (known.get(pid) or repr(pid) for pid in (data.rater, data.other))
            raise InvalidInputError(f"{rater} has no published meeting with {other} in {ev.name}")
        local = rating_opens(held.end, ev.timezone, now=now)
        if local is not None:
            other = store.names(session, [data.other]).get(data.other, data.other)
            raise ConflictError(
                f"the meeting with {other} ends on {told_in_zone(local, ev.timezone)};"
                " it can be rated once it has taken place"
            )
        earlier = store.first_where(
            session, MeetingFeedback, event_id=event_id, rater=data.rater, other=data.other
        )
        row = earlier or MeetingFeedback(
            event_id=event_id, rater=data.rater, other=data.other, rating=data.rating
        )
        row.rating = data.rating
        row.comment = data.comment
        row.updated_at = now
        session.add(row)
        session.flush()
        return Rated(FeedbackPublic.model_validate(row, from_attributes=True), replaced=earlier is not None)

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


__all__ = ["EventFeedback", "Rated", "meeting_end", "rating_opens"]
