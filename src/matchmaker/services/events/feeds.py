"""Subscribable calendar feeds: a secret, revocable address per participant of an event.

Calendar clients (Outlook, Google Calendar, Apple Calendar) subscribe to a URL and poll it; they
cannot sign in. Each participant gets a random token (only its SHA-256 is stored); the feed at
``/feeds/{token}.ics`` is the participant's calendar, and revoking the token makes the address answer
404 at once. Issuing a new token revokes the previous ones of the same participant.

Each token records the user who asked for it (``issued_by``; none when staff make it from the command
line). Revoking a user stops every address it made (:meth:`CalendarFeeds.stop_issued_by`), so a focal
point who leaves loses the calendar of its city's meetings with its account, while the addresses its
colleagues made keep working; rotating a user's token does the same, since whoever held a token that
may have leaked may have made addresses with it. An address whose maker is unknown (made from the
command line, or before makers were recorded) is stopped when any user of its participant is revoked
or has its token rotated: its holder may be the person who left, and the participant can make a new
address at once. Moving a user to another city
or provider stops, by the same rule, the addresses it made for the record it no longer speaks for
and that record's addresses whose maker is unknown.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import col, or_, select

from matchmaker.db.events import EventFeedToken, EventParticipant
from matchmaker.db.models import utcnow
from matchmaker.errors import ConflictError, NotFoundError
from matchmaker.services.events import store

logger = logging.getLogger(__name__)

#: Where a token's feed is served, relative to the server's root.
FEED_PATH = "/feeds/{token}.ics"


class FeedLink(BaseModel):
    """A participant's secret feed address (shown once; keep it like a password)."""

    event_id: str
    participant_id: str
    token: str
    path: str
    url: str | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeeds(store.InSession):
    """Feed tokens of events, in one unit of work."""

    def issue(
        self, event_id: str, participant_id: str, *, issued_by: int | None, now: datetime | None = None
    ) -> FeedLink:
        """A new feed address for the participant, made for the user ``issued_by`` (None: staff at the
        command line); the participant's earlier addresses stop working.

        An address is made only once the event's schedule is published (the API, the console and the
        command line alike): before that, :class:`~matchmaker.errors.ConflictError` and no address
        is stopped.
        """
        now = now or utcnow()
        ev = store.event_row(self.session, event_id)
        store.participant(self.session, event_id, participant_id)
        if not ev.published_version:
            raise ConflictError(
                f"the schedule of {ev.name} is not published yet: a calendar address can be made once"
                " the schedule is published; your earlier addresses were left as they were"
            )
        self.revoke(event_id, participant_id, now=now)
        token = secrets.token_urlsafe(32)
        self.session.add(
            EventFeedToken(
                token_hash=_digest(token),
                event_id=event_id,
                participant_id=participant_id,
                created_at=now,
                issued_by=issued_by,
            )
        )
        self.session.flush()
        logger.info("event %s: issued a calendar feed address for %s", event_id, participant_id)
        return FeedLink(
            event_id=event_id,
            participant_id=participant_id,
            token=token,
            path=FEED_PATH.format(token=token),
        )

    def revoke(self, event_id: str, participant_id: str, *, now: datetime | None = None) -> int:
        """Stop every feed address of the participant; how many were active."""
        now = now or utcnow()
        rows = self.session.exec(
            select(EventFeedToken).where(
                EventFeedToken.event_id == event_id,
                EventFeedToken.participant_id == participant_id,
            )
        )
        return self._stop([r for r in rows if r.revoked_at is None], now)

    def stop_issued_by(
        self, user_id: int, subject_id: str | None, *, keeping: str | None = None, now: datetime | None = None
    ) -> int:
        """Stop, in every event, each active address the user made, and each active address of
        ``subject_id`` (the city or provider the user spoke for) whose maker is unknown; how many.

        ``keeping`` is the record a user that moves now speaks for: the addresses it made for it keep
        working, and so do those of ``subject_id`` when it is that record (the user did not move)."""
        issued = col(EventFeedToken.issued_by)
        participant = col(EventFeedToken.participant_id)
        made = issued == user_id
        if keeping is not None:
            made = made & (participant != keeping)
        if subject_id is not None and subject_id != keeping:
            made = or_(made, issued.is_(None) & (participant == subject_id))
        rows = self.session.exec(select(EventFeedToken).where(made, col(EventFeedToken.revoked_at).is_(None)))
        stopped = self._stop(list(rows), now or utcnow())
        if stopped:
            logger.info("stopped %d calendar feed address(es) left by user %d", stopped, user_id)
        return stopped

    def _stop(self, rows: list[EventFeedToken], now: datetime) -> int:
        for row in rows:
            row.revoked_at = now
            self.session.add(row)
        self.session.flush()
        return len(rows)

    def resolve(self, token: str) -> tuple[str, str]:
        """The event and participant of an active token (:class:`NotFoundError` otherwise).

        A participant taken out of the event keeps its address while it has published meetings there:
        its calendar learns from it that they are cancelled.
        """
        row = self.session.get(EventFeedToken, _digest(token)) if token else None
        if row is None or row.revoked_at is not None:
            raise NotFoundError("no calendar feed at this address (it may have been revoked)")
        pid = row.participant_id
        if self.session.get(EventParticipant, (row.event_id, pid)) is None and not any(
            pid in (m.a, m.b) for m in store.published(self.session, row.event_id)
        ):
            raise NotFoundError("no calendar feed at this address (it may have been revoked)")
        return row.event_id, pid


__all__ = ["FEED_PATH", "CalendarFeeds", "FeedLink"]
