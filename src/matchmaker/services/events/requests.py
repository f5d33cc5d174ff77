"""Meeting requests between participants: send, answer, list (pending ones expire at the deadline)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from matchmaker.db.events import Event, MeetingRequestRow
from matchmaker.db.models import SERIAL_ID_MAX, utcnow
from matchmaker.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from matchmaker.services.events import store
from matchmaker.services.events.rules import (
    RequestRow,
    duplicate_problem,
    effective_status,
    pair_problem,
    told_in_zone,
)
from matchmaker.services.events.schemas import Answer, RequestAnswer, RequestCreate, RequestPublic

if TYPE_CHECKING:
    from matchmaker.services.mail.notify import Notifier

#: The answers a request takes, in the order they are offered.
_ANSWERS: tuple[Answer, ...] = ("accepted", "declined")


@dataclass(frozen=True, slots=True)
class Closing:
    """Why an event takes no new meeting requests: it ``ended`` (its last slot is over) or its request
    ``deadline`` passed, ``since`` that instant."""

    why: Literal["ended", "deadline"]
    since: datetime


@dataclass(frozen=True, slots=True)
class AnswerChoice:
    """What the recipient of a request may answer now: the ``answers`` it may give (both while it
    waits, the other one once answered), or none and the ``refusal`` its answer would get; and
    whether it may say again why it declined (``reason_editable``: a declined request, its answer
    kept, even once the schedule is published)."""

    answers: tuple[Answer, ...]
    refusal: str | None = None
    reason_editable: bool = False


class MeetingRequests(store.InSession):
    """Meeting requests of events, in one unit of work; the other party is notified by e-mail in the
    same unit of work when a ``notifier`` is given. ``explain`` gives the matcher's one-line reason
    for a new request's pair (stored with it, so both parties and staff read the same reason)."""

    def __init__(
        self,
        session: Session,
        *,
        notifier: Notifier | None = None,
        explain: Callable[[str, str], str | None] | None = None,
    ) -> None:
        super().__init__(session)
        self.notifier = notifier
        self.explain = explain

    def closing(self, event_id: str, *, now: datetime | None = None) -> Closing | None:
        """Since when the event takes no new meeting requests, and why, or ``None`` while it does."""
        now = now or utcnow()
        ev = store.event_row(self.session, event_id)
        ends = store.event_end(self.session, ev)
        if ends is not None and now >= ends:
            return Closing("ended", ends)
        deadline = ev.request_deadline
        if deadline is not None and now > deadline:
            return Closing("deadline", deadline)
        return None

    def closed(self, event_id: str, *, now: datetime | None = None) -> str | None:
        """Why the event takes no new meeting requests (it has ended, or its request deadline has
        passed), or ``None`` while it does: the event by its name, and since when on its own clock
        (:func:`~matchmaker.services.events.rules.told_in_zone`), as the API, the command line and the
        participants' pages all say it."""
        closing = self.closing(event_id, now=now)
        if closing is None:
            return None
        ev = store.event_row(self.session, event_id)
        when = told_in_zone(closing.since, ev.timezone)
        if closing.why == "ended":
            return f"{ev.name} ended on {when}; it takes no new meeting requests"
        return f"the request deadline of {ev.name} passed on {when}"

    def create(
        self, event_id: str, data: RequestCreate, *, now: datetime | None = None, recorded: bool = False
    ) -> RequestPublic:
        """Store a pending meeting request between two participants of the event (a city may ask a
        provider or another city; a provider asks a city).

        Refused (4xx) when both parties are the same, one does not take part, two providers would
        meet, the event has ended or its deadline has passed (409, see :meth:`closed`), or the pair
        already has a request in either direction. ``recorded``: staff write down a request that was
        made while the event was open (``matchmaker event request --status``), so neither the end nor
        the deadline refuses it, and its recipient, whose answer staff record with it, is not asked
        to answer it.
        """
        now = now or utcnow()
        session = self.session
        ev = store.event_row(session, event_id)
        sides = store.sides(session, event_id, [data.sender, data.recipient])
        names = store.told_names(session, [data.sender, data.recipient], sides)
        problem = pair_problem(
            sides,
            data.sender,
            data.recipient,
            "meeting request",
            names=names,
            event=ev.name,
        )
        if problem:
            raise InvalidInputError(problem)
        closed = None if recorded else self.closed(event_id, now=now)
        if closed:
            raise ConflictError(closed)
        duplicate = duplicate_problem(
            self._between(event_id, data.sender, data.recipient, now=now),
            data.sender,
            data.recipient,
            names=names,
            event=ev.name,
        )
        if duplicate:
            raise ConflictError(duplicate)
        reason = self.explain(data.sender, data.recipient) if self.explain is not None else None
        row = MeetingRequestRow(
            event_id=event_id,
            sender=data.sender,
            recipient=data.recipient,
            message=data.message,
            reason=reason,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError as exc:  # the same request, stored by another transaction meanwhile
            between = self._between(event_id, data.sender, data.recipient, now=now)
            raise ConflictError(
                duplicate_problem(between, data.sender, data.recipient, names=names, event=ev.name)
                or "this request was just made"
            ) from exc
        if self.notifier is not None and not recorded:
            told = self.notifier.request_received(
                event_id, data.sender, data.recipient, data.message, reason=reason
            )
            if told:
                row.notified = True
                session.add(row)
                session.flush()
        return store.request_public(row, ev.request_deadline, now)

    def _between(self, event_id: str, a: str, b: str, *, now: datetime) -> list[RequestRow]:
        """The event's requests between ``a`` and ``b``, in either direction, with their status as of
        ``now`` (a pending one is expired once the deadline has passed)."""
        deadline = store.event_row(self.session, event_id).request_deadline
        stmt = select(MeetingRequestRow).where(
            MeetingRequestRow.event_id == event_id,
            col(MeetingRequestRow.sender).in_((a, b)),
            col(MeetingRequestRow.recipient).in_((a, b)),
        )
        rows = [store.request_row(r) for r in self.session.exec(stmt.order_by(col(MeetingRequestRow.id)))]
        return [r.model_copy(update={"status": effective_status(r.status, deadline, now)}) for r in rows]

    def _stored(self, event_id: str, request_id: int) -> tuple[Event, MeetingRequestRow]:
        """The event and one of its stored requests (:class:`NotFoundError` for a request of another
        event or none)."""
        ev = store.event_row(self.session, event_id)
        # An id no row can have is not looked up (PostgreSQL refuses one past its integer column).
        row = self.session.get(MeetingRequestRow, request_id) if 1 <= request_id <= SERIAL_ID_MAX else None
        if row is None or row.event_id != event_id:
            raise NotFoundError(f"no request {request_id} in {ev.name}")
        return ev, row

    def answer(
        self,
        event_id: str,
        request_id: int,
        answer: Answer,
        *,
        decline_reason: str | None = None,
        by: str | None = None,
        now: datetime | None = None,
    ) -> RequestPublic:
        """Accept or decline a request, saying why it is declined when ``decline_reason`` is given
        (at most :data:`~matchmaker.services.events.schemas.MAX_TEXT` characters; refused with an
        acceptance). ``by`` (when given) must be its recipient; staff pass None.

        A request that expired at the deadline can no longer be answered by participants, and once the
        event's schedule is published they can no longer change an answer they gave (staff can); the
        participants' pages offer what this allows through :meth:`answer_choices`. The sender's
        people are told by e-mail when the answer, or the reason for declining, changed.
        """
        checked = RequestAnswer(answer=answer, decline_reason=decline_reason)
        now = now or utcnow()
        session = self.session
        ev, row = self._stored(event_id, request_id)
        if by is not None:
            if by != row.recipient:
                raise PermissionDeniedError("only the recipient of a request can answer it")
            refusal = self._refusal(ev, row, answer, now=now)
            if refusal:
                raise ConflictError(refusal)
        changed = (row.status, row.decline_reason) != (answer, checked.decline_reason)
        row.status = answer
        row.decline_reason = checked.decline_reason
        row.updated_at = now
        session.add(row)
        session.flush()
        if changed and self.notifier is not None:
            self.notifier.request_answered(
                event_id,
                row.sender,
                row.recipient,
                accepted=answer == "accepted",
                decline_reason=checked.decline_reason,
            )
        return store.request_public(row, ev.request_deadline, now)

    def answer_choices(
        self, event_id: str, participant: str, *, now: datetime | None = None
    ) -> dict[int, AnswerChoice]:
        """For each request ``participant`` received in the event, by id, what it may answer now, by
        the rule :meth:`answer` applies to it: a pending request takes either answer until it
        expires, an answered one the other answer until the schedule is published; a declined one
        may be declined again with another reason."""
        now = now or utcnow()
        ev = store.event_row(self.session, event_id)
        stmt = select(MeetingRequestRow).where(
            MeetingRequestRow.event_id == event_id, MeetingRequestRow.recipient == participant
        )
        out: dict[int, AnswerChoice] = {}
        for row in self.session.exec(stmt.order_by(col(MeetingRequestRow.id))):
            assert row.id is not None
            others: tuple[Answer, ...] = tuple(a for a in _ANSWERS if a != row.status)
            refusal = self._refusal(ev, row, others[0], now=now)
            again = row.status == "declined" and self._refusal(ev, row, "declined", now=now) is None
            out[row.id] = AnswerChoice(() if refusal else others, refusal, reason_editable=again)
        return out

    def _refusal(self, ev: Event, row: MeetingRequestRow, answer: Answer, *, now: datetime) -> str | None:
        """Why the recipient may not give ``answer`` to the request, or ``None`` when it may."""

        def sender() -> str:
            return store.names(self.session, [row.sender]).get(row.sender) or repr(row.sender)

        if effective_status(row.status, ev.request_deadline, now) == "expired":
            return f"the request from {sender()} expired at the deadline"
        if row.status not in {"pending", answer} and ev.published_version:
            # The published schedule is what both parties read; a changed answer would leave the
            # other side expecting a meeting this side no longer wants, without a word.
            return (
                f"you {row.status} the request from {sender()} and the schedule of {ev.name} is "
                "published; ask the ministry's staff to change the meeting"
            )
        return None

    def withdraw(
        self, event_id: str, request_id: int, *, by: str | None = None, now: datetime | None = None
    ) -> None:
        """Take back a request that still waits for its answer; neither party sees it any longer.
        ``by`` (when given) must be its sender; staff pass None. When the recipient's people were told
        of the request by e-mail, they are told the same way that it was withdrawn.

        Only a pending request can be withdrawn (an answered or expired one is part of the record
        staff plan from), and once the event's schedule is published participants can no longer
        withdraw one (staff can), as they can no longer change an answer then.
        """
        now = now or utcnow()
        session = self.session
        ev, row = self._stored(event_id, request_id)
        recipient = store.names(session, [row.recipient]).get(row.recipient) or repr(row.recipient)
        if by is not None:
            if by != row.sender:
                raise PermissionDeniedError("only the sender of a request can withdraw it")
            if ev.published_version:
                raise ConflictError(
                    f"the schedule of {ev.name} is published; ask the ministry's staff to withdraw the"
                    f" request to {recipient}"
                )
        status = effective_status(row.status, ev.request_deadline, now)
        if status != "pending":
            raise ConflictError(
                f"the request to {recipient} was {status}; only a request still waiting for its answer"
                " can be withdrawn"
            )
        session.delete(row)
        session.flush()
        if row.notified and self.notifier is not None:
            self.notifier.request_withdrawn(event_id, row.sender, row.recipient)

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


__all__ = ["AnswerChoice", "Closing", "MeetingRequests"]
