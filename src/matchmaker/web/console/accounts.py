"""Invitation links and the staff users page.

``/invite/{token}`` is public: opening the link shows who it signs in (mail scanners that fetch links
use nothing up); pressing *Sign in* uses the link once and starts a server-side session.

``/users`` (staff): every user with role, record, address and last sign-in; invite one person or every
participant of an event, invite again, revoke, change the record a user speaks for; and the outbox
with its failures and a *send again* action.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import PathParameter
from litestar.response import Redirect
from sqlmodel import Session

from matchmaker.errors import AuthenticationError, MatchmakerError
from matchmaker.services.accounts import Accounts, Invited, Notice, SignInLink
from matchmaker.services.container import Services
from matchmaker.services.users import Principal
from matchmaker.web import auth
from matchmaker.web.console.events import form_field
from matchmaker.web.console.render import ConsolePage, page
from matchmaker.web.console.session import (
    STAFF,
    form_on,
    refusal_flash,
    services_of,
    subject_name,
    typed_values,
)
from matchmaker.web.console.signin import home_of, signed_in
from matchmaker.web.errors import status_for
from matchmaker.web.routes.common import SerialId
from matchmaker.wording import counted

logger = logging.getLogger(__name__)

_LINK_MAX = 400
#: The token part of an invitation link.
LinkToken = Annotated[str, PathParameter(min_length=1, max_length=_LINK_MAX)]


#: A numeric id in a path (a user or a message).
def _peek(services: Services, token: str) -> tuple[Principal, str | None]:
    with services.database.unit_of_work() as session:
        principal = services.accounts(session).peek(token)
        name = None
        if principal.subject_id:
            kind: Literal["city", "provider"] = "city" if principal.role == "city" else "provider"
            name = str(getattr(services.records(session).get(kind, principal.subject_id), "name", ""))
        return principal, name


def _redeem(services: Services, token: str) -> tuple[Principal, str]:
    with services.database.unit_of_work() as session:
        accounts = services.accounts(session)
        principal = accounts.redeem(token)
        return principal, accounts.start_session(principal.user_id)


_ROLE_WORDS = {"staff": "ministry staff", "city": "the focal point of", "provider": "the contact of"}


async def _refused_link(request: Request[Any, Any, Any], exc: AuthenticationError) -> Response[Any]:
    """The invitation page saying why the link does not sign anyone in, and, when this browser is
    signed in already (the person opened the link of an invitation it used), as whom and where to go."""
    signed_in_as = home = None
    principal = auth.principal_of(request)
    if principal is not None:
        name = await anyio.to_thread.run_sync(subject_name, services_of(request), principal)
        signed_in_as = _ROLE_WORDS[principal.role] + (f" {name}" if name else "")
        home = home_of(principal)
    return page(
        "console/invite.html",
        None,
        status_code=400,
        title="Sign in",
        token=None,
        who=None,
        error=exc.message,
        signed_in_as=signed_in_as,
        home=home,
    )


@get("/invite/{token:str}", name="console:invite", opt={"public": True})
async def invite_page(request: Request[Any, Any, Any], token: LinkToken) -> Response[Any]:
    """Who the link signs in, with a button that uses it (opening the page uses nothing up)."""
    try:
        principal, name = await anyio.to_thread.run_sync(_peek, services_of(request), token)
    except AuthenticationError as exc:
        return await _refused_link(request, exc)
    who = _ROLE_WORDS[principal.role] + (f" {name}" if name else "")
    return page(
        "console/invite.html",
        None,
        title="Sign in",
        token=token,
        who=who,
        error=None,
        signed_in_as=None,
        home=None,
    )


@post("/invite/{token:str}", name="console:invite-post", opt={"public": True})
async def invite_use(request: Request[Any, Any, Any], token: LinkToken) -> Response[Any]:
    """Use the link once: start a session and go to the person's home page."""
    services = services_of(request)
    try:
        principal, session_id = await anyio.to_thread.run_sync(_redeem, services, token)
    except AuthenticationError as exc:
        logger.info("An invitation link was refused: %s", exc.message)
        return await _refused_link(request, exc)
    return signed_in(request, Redirect(home_of(principal), status_code=303), session_id)


# --------------------------------------------------------------------------------------------------
# The users page


def _users_context(services: Services, event_id: str | None = None) -> dict[str, Any]:
    with services.database.unit_of_work() as session:
        outbox = services.outbox(session)
        return {
            "accounts": services.accounts(session).list_accounts(),
            "events": services.events(session).catalog.events(),
            "counts": outbox.counts(),
            "messages": outbox.list(limit=50),
            "selected_event": event_id,
        }


_USERS = ConsolePage("console/users.html", "Users", "/users")


async def _users_page(
    request: Request[Any, Any, Any],
    *,
    flash: dict[str, str] | None = None,
    status: int = 200,
    invited: list[SignInLink] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[Any]:
    context = await anyio.to_thread.run_sync(_users_context, services_of(request))
    return _USERS.response(
        request,
        status=status,
        flash=flash,
        invited=invited or [],
        typed=typed or {},
        **context,
    )


def _session_id(request: Request[Any, Any, Any]) -> str | None:
    """The id of the console session the request was signed in by (None when a bearer token was)."""
    token, source = auth.credentials(request.scope)
    return token if source == "cookie" else None


def _take_notices(services: Services, sid: str | None) -> list[Notice]:
    with services.database.unit_of_work() as session:
        return services.accounts(session).take_notices(sid)


@get("/users", name="console:users", opt=STAFF)
async def users_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """The staff users page, with what the change just made left to say (shown once)."""
    services = services_of(request)
    notices = await anyio.to_thread.run_sync(_take_notices, services, _session_id(request))
    if not notices:
        return await _users_page(request)
    flash = {"kind": notices[-1].kind, "text": " ".join(n.text for n in notices)}
    return await _users_page(request, flash=flash, invited=[link for n in notices for link in n.links])


def _notice(outcome: object, done: str) -> Notice:
    """What a change made on the users page says: ``done``, and the links of the invitations it queued
    (or what the change itself said, when it returns a :class:`Notice`)."""
    if isinstance(outcome, Notice):
        return outcome
    invited: list[Invited] = []
    if isinstance(outcome, Invited):
        invited = [outcome]
    elif isinstance(outcome, list) and all(isinstance(i, Invited) for i in outcome):
        invited = outcome
    text = done
    if isinstance(outcome, tuple) and len(outcome) == 2:  # (invited, skipped) of a whole event
        invited, skipped = outcome
        text = f"{done} {counted(len(invited), 'invitation')} queued."
        if skipped:
            text += f" No address is known for: {', '.join(skipped)}."
    links = tuple(SignInLink(email=i.email, link=i.link) for i in invited)
    return Notice(kind="ok", text=text, links=links)


#: The invitation form's labels of the fields the service names by key.
_INVITE_LABELS = {"role": "Role", "subject_id": "City or provider", "email": "E-mail address"}


async def _change(
    request: Request[Any, Any, Any],
    change: Callable[[Services, Session], object],
    done: str,
    typed: dict[str, str] | None = None,
) -> Response[Any]:
    """Run ``change(services, session)`` in its own unit of work and send the browser to the users
    page, which shows the outcome once (post/redirect/get: reloading it changes nothing again); or
    show the refusal with the status the API gives for the same error (and the invitation form still
    holding ``typed``, what was typed into it)."""
    services = services_of(request)
    sid = _session_id(request)

    def work() -> tuple[Notice, bool]:
        with services.database.unit_of_work(write=True) as session:
            notice = _notice(change(services, session), done)
            # The session may have just ended (staff revoking themselves): then the page says it now.
            left = sid is not None and services.accounts(session).leave_notice(sid, notice)
            return notice, left

    try:
        notice, left = await anyio.to_thread.run_sync(work)
    except MatchmakerError as exc:
        # The fields of the invitation form the refusal names are marked; another form's are not there.
        refused = {"kind": "error", "text": exc.message}
        flash = refusal_flash(exc, labels=_INVITE_LABELS) if typed is not None else refused
        return await _users_page(request, flash=flash, status=status_for(exc), typed=typed)
    if left:
        return Redirect("/users", status_code=303)
    return await _users_page(
        request, flash={"kind": notice.kind, "text": notice.text}, invited=list(notice.links)
    )


@post("/users/invite", name="console:users-invite", opt=form_on("console:users", STAFF))
async def users_invite(request: Request[Any, Any, Any]) -> Response[Any]:
    """Invite one person by e-mail."""
    form = await request.form()
    typed = typed_values(form)

    def invite(services: Services, session: Session) -> Invited:
        role = form_field(form, "role", 20, "Role")
        subject = form_field(form, "subject", 200, "City or provider") or None
        email = form_field(form, "email", 320, "E-mail address")
        return services.accounts(session).invite(role, email, subject)

    return await _change(request, invite, f"Invitation queued for {typed.get('email', '')}.", typed=typed)


@post("/users/invite-event", name="console:users-invite-event", opt=form_on("console:users", STAFF))
async def users_invite_event(request: Request[Any, Any, Any]) -> Response[Any]:
    """Invite every participant of an event."""
    form = await request.form()

    def change(services: Services, session: Session) -> tuple[list[Invited], list[str]]:
        done = services.accounts(session).invite_event(form_field(form, "event", 128, "Event"))
        return done.invited, done.skipped

    return await _change(request, change, "Invited the participants of the event:")


def _user_action(action: str, act: Callable[[Accounts, int], object], done: str) -> HTTPRouteHandler:
    """A button on a user's row: ``POST /users/{user_id}/{action}`` runs ``act`` on that user and shows
    the page saying ``done``."""

    @post(
        f"/users/{{user_id:int}}/{action}",
        name=f"console:users-{action}",
        opt=form_on("console:users", STAFF),
    )
    async def user_action(request: Request[Any, Any, Any], user_id: SerialId) -> Response[Any]:
        return await _change(
            request, lambda services, session: act(services.accounts(session), user_id), done
        )

    return user_action


#: Send a user a fresh invitation.
users_reinvite = _user_action(
    "reinvite", Accounts.reinvite, "A new invitation was queued; the earlier link no longer works."
)
#: Revoke a user (token, sessions and open links).
users_revoke = _user_action("revoke", Accounts.revoke, "The user was revoked and signed out everywhere.")


@post("/users/{user_id:int}/entity", name="console:users-entity", opt=form_on("console:users", STAFF))
async def users_entity(request: Request[Any, Any, Any], user_id: SerialId) -> Response[Any]:
    """Change the city or provider a user speaks for."""
    form = await request.form()

    def change(services: Services, session: Session) -> object:
        subject = form_field(form, "subject", 200, "City or provider")
        accounts = services.accounts(session)
        before = accounts.account(user_id).subject_id
        moved = accounts.change_subject(user_id, subject)
        if moved.subject_id == before:
            return Notice(kind="info", text="The user already speaks for that record; nothing was changed.")
        return moved

    return await _change(
        request,
        change,
        "The user now speaks for the new record; its sessions were ended and the calendar addresses it"
        " made for the old one stopped.",
    )


@post("/outbox/{message_id:int}/retry", name="console:outbox-retry", opt=form_on("console:users", STAFF))
async def outbox_retry(request: Request[Any, Any, Any], message_id: SerialId) -> Response[Any]:
    """Queue a failed message again."""
    return await _change(
        request,
        lambda services, session: services.outbox(session).requeue(message_id),
        "The message is queued again.",
    )


ROUTES = [
    invite_page,
    invite_use,
    users_page,
    users_invite,
    users_invite_event,
    users_reinvite,
    users_revoke,
    users_entity,
    outbox_retry,
]

__all__ = ["ROUTES"]
