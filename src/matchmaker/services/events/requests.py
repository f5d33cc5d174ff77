"""Meeting requests between participants: send, answer, list (pending ones expire at the deadline)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from matchmaker.db.events import MeetingRequestRow
from matchmaker.db.models import utcnow
from matchmaker.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from matchmaker.services.events import store
from matchmaker.services.events.rules import effective_status, pair_problem
from matchmaker.services.events.schemas import Answer, RequestCreate, RequestPublic

if TYPE_CHECKING:
    from matchmaker.services.mail.notify import Notifier


class MeetingRequests(store.InSession):
    """Meeting requests of events, in one unit of work; the other party is notified by e-mail in the
    same unit of work when a ``notifier`` is given."""

    def __init__(self, session: Session, *, notifier: Notifier | None = None) -> None:
        super().__init__(session)
        self.notifier = notifier

    def create(self, event_id: str, data: RequestCreate, *, now: datetime | None = None) -> RequestPublic:
        """Store a pending meeting request; refused after the deadline or when it already exists."""
        now = now or utcnow()
        session = self.session
        ev = store.event_row(session, event_id)
        problem = pair_problem(store.sides(session, event_id), data.sender, data.recipient, "meeting request")
        if problem:
            raise InvalidInputError(problem)
        if ev.request_deadline is not None and now > ev.request_deadline:
            raise ConflictError(
                f"the request deadline of event {event_id!r} ({ev.request_deadline.isoformat()}) has passed"
            )
        existing = store.first_where(
            session, MeetingRequestRow, event_id=event_id, sender=data.sender, recipient=data.recipient
        )
        if existing is not None:
            raise ConflictError(
                f"{data.sender!r} has already asked {data.recipient!r} (request {existing.id})"
            )
        row = MeetingRequestRow(
            event_id=event_id, sender=data.sender, recipient=data.recipient, message=data.message
        )
        session.add(row)
        session.flush()
        if self.notifier is not None:
            self.notifier.request_received(event_id, data.sender, data.recipient, data.message)
        return store.request_public(row, ev.request_deadline, now)

    def answer(
        self,
        event_id: str,
        request_id: int,
        answer: Answer,
        *,
        by: str | None = None,
        now: datetime | None = None,
    ) -> RequestPublic:
        """Accept or decline a request. ``by`` (when given) must be its recipient; staff pass None.

        A request that expired at the deadline can no longer be answered by participants.
        """
        now = now or utcnow()
        session = self.session
        ev = store.event_row(session, event_id)
        row = session.get(MeetingRequestRow, request_id)
        if row is None or row.event_id != event_id:
            raise NotFoundError(f"no request {request_id} in event {event_id!r}")
        if by is not None:
            if by != row.recipient:
                raise PermissionDeniedError("only the recipient of a request can answer it")
            if effective_status(row.status, ev.request_deadline, now) == "expired":
                raise ConflictError(f"request {request_id} expired at the deadline")
        changed = row.status != answer
        row.status = answer
        row.updated_at = now
        session.add(row)
        session.flush()
        if changed and self.notifier is not None and answer in ("accepted", "declined"):
            self.notifier.request_answered(event_id, row.sender, row.recipient, accepted=answer == "accepted")
        return store.request_public(row, ev.request_deadline, now)

    def list(
        self, event_id: str, *, participant: str | None = None, now: datetime | None = None
    ) -> list[RequestPublic]:
        """Requests of an event (only those sent or received by ``participant`` when given)."""
        now = now or utcnow()
        ev = store.event_row(self.session, event_id)
        stmt = select(MeetingRequestRow).where(MeetingRequestRow.event_id == event_id)
        if participant is not None:
            stmt = stmt.where(
                (col(MeetingRequestRow.sender) == participant)
                | (col(MeetingRequestRow.recipient) == participant)
            )
        rows = self.session.exec(stmt.order_by(col(MeetingRequestRow.id)))
        return [store.request_public(r, ev.request_deadline, now) for r in rows]


__all__ = ["MeetingRequests"]
