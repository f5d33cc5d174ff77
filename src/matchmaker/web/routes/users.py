"""Users, invitations and the e-mail outbox over HTTP (staff): a thin adapter over the same use cases
as ``matchmaker users invite``, ``matchmaker outbox list|send|retry`` and the console's Users page
(:class:`~matchmaker.services.accounts.Accounts`, :class:`~matchmaker.services.mail.Outbox` and
:class:`~matchmaker.services.mail.MailSender`).

An invitation's one-time sign-in link is in the answer of the request that queued it, and nowhere
else: ``matchmaker users invite`` prints it and the console shows it once, so that staff can hand it
over when the e-mail does not arrive. The user list and the outbox never show a link or a token.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

import anyio.to_thread
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import Body, QueryParameter
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlmodel import Session

from matchmaker.db.models import LABEL_MAX
from matchmaker.services.accounts import Account, Invited
from matchmaker.services.container import Services
from matchmaker.services.mail.outbox import OutboxEntry, SendReport
from matchmaker.web.auth import staff_only
from matchmaker.web.errors import document_problems, problems
from matchmaker.web.routes.common import EventId, Limit, Offset, SerialId
from matchmaker.web.schemas import PageInfo

Role = Literal["staff", "city", "provider"]
Status = Literal["queued", "sent", "failed"]
_LINK_TEXT = (
    "The one-time sign-in link the e-mail carries, shown in this answer only (as `matchmaker users "
    "invite` prints it and the console shows it once), to hand over when the e-mail does not arrive."
)


# --------------------------------------------------------------------------------------------------
# Shapes


class InvitationIn(BaseModel):
    """Whom to invite: a role, the city or provider the person speaks for, and where the e-mail goes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    role: Role
    subject_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        validate_default=True,
        description="The city or provider (id or name) the person speaks for; none for staff.",
    )
    email: str = Field(min_length=1, max_length=320, description="Where the invitation goes.")
    label: str | None = Field(default=None, max_length=LABEL_MAX, description="A note: who the person is.")

    @field_validator("subject_id")
    @classmethod
    def _subject_fits_role(cls, value: str | None, info: ValidationInfo) -> str | None:
        role = info.data.get("role")
        if role == "staff" and value is not None:
            raise ValueError("staff users speak for no record; leave subject_id out")
        if role in ("city", "provider") and value is None:
            raise ValueError(f"a {role} user needs subject_id naming the {role} it speaks for")
        return value


INVITATION_EXAMPLE = Example(
    summary="The focal point of a city",
    value={"role": "city", "subject_id": "kukes", "email": "focal.point@kukes.example.org"},
)


class InvitationOut(BaseModel):
    """An invitation just queued in the outbox."""

    user_id: int = Field(description="The user the invitation signs in (created, or the one reused).")
    role: Role
    subject_id: str | None = Field(default=None, description="The city or provider the user speaks for.")
    email: str
    expires_at: datetime = Field(description="When the link stops working (it works once).")
    link: str = Field(description=_LINK_TEXT)

    @classmethod
    def of(cls, invited: Invited) -> InvitationOut:
        """The view of an invitation the service queued: the fields of the same names of its principal
        (the user it signs in) and of the invitation."""
        return cls(
            **asdict(invited.principal), email=invited.email, expires_at=invited.expires_at, link=invited.link
        )


class EventInvitationsOut(BaseModel):
    """What inviting every participant of an event queued."""

    invited: list[InvitationOut]
    skipped: list[str] = Field(description="Participants no address is known for, by name.")


class UserOut(BaseModel):
    """A user as the console's Users page lists it (never its token)."""

    user_id: int
    role: str
    subject_id: str | None = Field(default=None, description="The city or provider the user speaks for.")
    subject_name: str | None = Field(default=None, description="Its name.")
    email: str | None
    label: str | None
    last_sign_in_at: datetime | None = Field(description="The last console sign-in, if any.")
    revoked: bool
    invitation_pending: bool = Field(description="Whether a sign-in link is waiting to be used.")

    @classmethod
    def of(cls, account: Account) -> UserOut:
        """The view of an account of the user list (the fields of the same names)."""
        return cls(**asdict(account))


class UserChange(BaseModel):
    """What to change of a user: the record it speaks for."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject_id: str = Field(
        min_length=1,
        max_length=200,
        description="The city or provider (id or name) the user speaks for from now on, of the user's role.",
    )


USER_CHANGE_EXAMPLE = Example(summary="Move a focal point to another city", value={"subject_id": "kukes"})


class UserPage(PageInfo):
    """A page of users, by id."""

    items: list[UserOut]


class MessageOut(BaseModel):
    """A message of the outbox (its text is not shown: an invitation's carries a sign-in link)."""

    id: int
    kind: str = Field(description="invitation, request, answer, publication, reminder...")
    to: str = Field(description="The recipient's address.")
    subject: str
    status: Status
    attempts: int = Field(description="Tries so far.")
    created_at: datetime
    next_attempt_at: datetime | None = Field(description="When a queued message is tried next.")
    sent_at: datetime | None
    last_error: str | None = Field(description="Why the last try failed (the SMTP server's words).")
    has_attachment: bool

    @classmethod
    def of(cls, entry: OutboxEntry) -> MessageOut:
        """The view of an outbox entry (the fields of the same names; a next try only when queued)."""
        fields = asdict(entry)
        if entry.status != "queued":
            fields["next_attempt_at"] = None
        return cls(**fields)


class MessagePage(PageInfo):
    """A page of outbox messages, newest first, with how many there are of each status."""

    counts: dict[str, int] = Field(description="Messages queued, sent and failed (all of them).")
    items: list[MessageOut]


class SendOut(BaseModel):
    """What one sending run did; an SMTP server that cannot be used leaves the messages queued."""

    sent: int
    retrying: int = Field(description="Messages the server could not take now; tried again later.")
    failed: int = Field(description="Messages refused for good (see their last_error).")
    queued: int = Field(description="Messages still queued after the run.")
    waiting: int = Field(description="Queued messages waiting for a later try after a failed one.")
    next_try_at: datetime | None = Field(description="When the first of those is due.")
    unreachable: str | None = Field(description="Why the SMTP server could not be used, if it could not.")
    errors: list[str]
    detail: str = Field(description="The outcome in a sentence.")

    @classmethod
    def of(cls, report: SendReport) -> SendOut:
        """The view of a sending run's report, with the sentences ``matchmaker outbox send`` prints."""
        detail = " ".join(t for t in (report.outcome(), report.unreachable_text()) if t)
        return cls(**asdict(report), detail=detail)


# --------------------------------------------------------------------------------------------------
# Routes

Svc = NamedDependency[Services]
Db = NamedDependency[Session]


class UserController(Controller):
    """Users: invite by e-mail, invite again, list, move to another record and revoke (staff)."""

    path = "/users"
    tags = ("users",)
    guards = (staff_only,)

    @get("/", sync_to_thread=True, summary="List users (staff)")
    def list_users(
        self,
        services: Svc,
        session: Db,
        offset: Offset = 0,
        limit: Limit = 50,
        include_revoked: Annotated[
            bool, QueryParameter(required=False, description="List revoked users too.")
        ] = False,
    ) -> UserPage:
        """Every user with its role, record, address and last console sign-in, by id; never a token
        or a sign-in link."""
        accounts = services.accounts(session).list_accounts(include_revoked=include_revoked)
        return UserPage(
            total=len(accounts),
            offset=offset,
            limit=limit,
            items=[UserOut.of(a) for a in accounts[offset : offset + limit]],
        )

    @post("/invitations", sync_to_thread=True, status_code=201, summary="Invite a person by e-mail (staff)")
    def invite(
        self,
        services: Svc,
        session: Db,
        data: Annotated[InvitationIn, Body(examples=[INVITATION_EXAMPLE])],
    ) -> InvitationOut:
        """Queue an e-mail invitation, as `matchmaker users invite` does. The user is created, or reused
        when one with the same role, record and address exists (its earlier, unused link then stops
        working). The answer holds the one-time sign-in link, once: `users invite` prints it and the
        console shows it once, so staff can hand it over when the e-mail does not arrive; no list
        shows it again. A `subject_id` that names no city or provider is refused with 422 naming the
        field, as any other mistake in the body."""
        invited = services.accounts(session).invite(data.role, data.email, data.subject_id, data.label)
        return InvitationOut.of(invited)

    @patch(
        "/{user_id:int}",
        sync_to_thread=True,
        summary="Move a user to another city or provider (staff)",
        responses=problems(409),
    )
    def change(
        self,
        services: Svc,
        session: Db,
        user_id: SerialId,
        data: Annotated[UserChange, Body(examples=[USER_CHANGE_EXAMPLE])],
    ) -> UserOut:
        """Change the city or provider a city or provider user speaks for, as the console's Users page
        and `matchmaker users move` do: its console sessions end, and the calendar feed addresses it
        made for the record it leaves stop (with that record's addresses whose maker is unknown).
        The answer is the user as the list gives it. A `subject_id` that names no record of the user's
        role is refused with 422 naming the field; a staff user, who speaks for no record, or a revoked
        user with 409."""
        accounts = services.accounts(session)
        accounts.change_subject(user_id, data.subject_id)
        return UserOut.of(accounts.account(user_id))

    @post(
        "/{user_id:int}/invitations",
        sync_to_thread=True,
        status_code=201,
        summary="Invite a user again (staff)",
        responses=problems(409),
    )
    def reinvite(self, services: Svc, session: Db, user_id: SerialId) -> InvitationOut:
        """A fresh invitation to the user's address; its earlier link stops working. The answer holds
        the new one-time link, once (as for a first invitation). A user without an address, or revoked,
        is refused with 409 saying so."""
        return InvitationOut.of(services.accounts(session).reinvite(user_id))

    @post(
        "/{user_id:int}/revoke",
        sync_to_thread=True,
        status_code=204,
        summary="Revoke a user (staff)",
        responses=problems(409),
    )
    def revoke(self, services: Svc, session: Db, user_id: SerialId) -> None:
        """Its token, console sessions, open invitations and the calendar feed addresses it made stop
        working at once, as do its city's or provider's addresses whose maker is unknown. The last staff
        user is not revoked (409: add another staff user first)."""
        services.accounts(session).revoke(user_id)


class EventInvitationController(Controller):
    """Inviting the participants of an event (staff)."""

    path = "/events"
    tags = ("users",)
    guards = (staff_only,)

    @post(
        "/{event_id:str}/invitations",
        sync_to_thread=True,
        status_code=201,
        summary="Invite every participant of an event (staff)",
    )
    def invite_event(self, services: Svc, session: Db, event_id: EventId) -> EventInvitationsOut:
        """Invite each participant at the addresses of its users, or a city at its focal point's, as the
        console's "invite every participant" does; `skipped` names those no address is known for.
        The answer holds each one-time sign-in link, once."""
        done = services.accounts(session).invite_event(event_id)
        return EventInvitationsOut(invited=[InvitationOut.of(i) for i in done.invited], skipped=done.skipped)


class OutboxController(Controller):
    """The e-mail outbox: queued, sent and failed messages; send, send again (staff)."""

    path = "/outbox"
    tags = ("outbox",)
    guards = (staff_only,)

    @get("/", sync_to_thread=True, summary="List outbox messages (staff)")
    def list_messages(
        self,
        services: Svc,
        session: Db,
        offset: Offset = 0,
        limit: Limit = 50,
        status: Annotated[
            Status | None, QueryParameter(required=False, description="Only queued, sent or failed.")
        ] = None,
    ) -> MessagePage:
        """Messages newest first, with the recipient, the number of tries and why the last one failed,
        as `matchmaker outbox list` shows them."""
        outbox = services.outbox(session)
        counts = outbox.counts()
        entries = outbox.list(status=status, offset=offset, limit=limit)
        total = counts.get(status, 0) if status else sum(counts.values())
        return MessagePage(
            total=total,
            offset=offset,
            limit=limit,
            counts=counts,
            items=[MessageOut.of(e) for e in entries],
        )

    @post("/send", status_code=200, summary="Send the queued messages (staff)")
    async def send(
        self,
        services: Svc,
        all_queued: Annotated[
            bool,
            QueryParameter(
                name="all",
                required=False,
                description="Also try at once the messages waiting after a failed try.",
            ),
        ] = False,
    ) -> SendOut:
        """Send what is queued and due, as `matchmaker outbox send` does. An SMTP server that is down or
        not configured is no error: the answer is 200, says so in `unreachable` and `detail`, and the
        messages stay queued."""
        report = await anyio.to_thread.run_sync(lambda: services.mail.send_queued(due_only=not all_queued))
        return SendOut.of(report)

    @post(
        "/{message_id:int}/retry",
        sync_to_thread=True,
        status_code=200,
        summary="Send a message again (staff)",
        responses=problems(409),
    )
    def retry(self, services: Svc, session: Db, message_id: SerialId) -> MessageOut:
        """Queue a failed message again with a fresh count of tries, as the console's "Send again" does;
        the next sending run (the server's own, or `POST /api/v1/outbox/send`) tries it. A message
        already sent is refused with 409 saying so."""
        return MessageOut.of(services.outbox(session).requeue(message_id))


document_problems(UserController)
document_problems(EventInvitationController)
document_problems(OutboxController)

__all__ = ["EventInvitationController", "OutboxController", "UserController"]
