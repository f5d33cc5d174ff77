"""People who sign in to the console: invitations by e-mail, server-side sessions, staff's user list.

*Invitations.* :meth:`Accounts.invite` creates (or reuses) a user with an e-mail address and queues an
invitation whose link is ``PUBLIC_URL/invite/TOKEN``. The token is ``ID.EXPIRY.SECRET.SIGNATURE``: the
signature (HMAC-SHA256 under the instance key) lets the server refuse a forged or altered link before
it touches the database; the secret part is stored only as a digest; ``expires_at`` (``invitation_days``)
and ``used_at`` make it expiring and single-use. Redeeming a link starts a session.

*Sessions.* A console session is a random id (``ms_`` + 32 bytes) in the ``mm_session`` cookie; the
server stores its digest with the user and an expiry. Signing out ends it on the server, so a copied
cookie stops working too. Bearer tokens for scripts are unchanged (:mod:`matchmaker.services.users`).

*Notices.* A change made from a console page leaves what it has to say (the sign-in links of the
invitations it queued among it) with the session, and the browser is sent to a page that shows it once
(:meth:`Accounts.leave_notice`, :meth:`Accounts.take_notices`): reloading that page repeats nothing.
The links are kept no longer than until that page is shown or the session ends.

*Instance key.* ``MATCHMAKER_SECRET_KEY`` when set; otherwise a random key made once and kept in
``HOME/secret.key`` (mode 600). Instances that share a database across hosts should set the variable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from matchmaker.db.accounts import Invitation, SessionNotice, WebSession
from matchmaker.db.models import ApiUser, City, FocalPoint, Provider, utcnow
from matchmaker.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from matchmaker.services.events import store
from matchmaker.services.events.feeds import CalendarFeeds
from matchmaker.services.events.rules import as_instant
from matchmaker.services.mail.notify import Notifier
from matchmaker.services.mail.outbox import check_address
from matchmaker.services.users import (
    ROLES,
    IssuedUser,
    Principal,
    UserService,
    checked_label,
    hash_token,
    new_token,
    storable,
    subject_of,
)
from matchmaker.settings import Settings

logger = logging.getLogger(__name__)

SESSION_PREFIX = "ms_"
_KEY_FILE = "secret.key"
_MAX_LINK_CHARS = 300


def instance_key(settings: Settings) -> bytes:
    """The key that signs invitation links (see the module docstring)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode("utf-8")
    path = settings.home / _KEY_FILE
    if not path.exists():
        settings.ensure_dirs()
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        if not path.exists():
            tmp.replace(path)
        else:
            tmp.unlink()
    return Path(path).read_text(encoding="utf-8").strip().encode("utf-8")


def _sign(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode("ascii").rstrip("=")


@dataclass(frozen=True, slots=True)
class Invited:
    """An invitation just queued: who, and the one-time link (shown to staff once)."""

    principal: Principal
    email: str
    link: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SignInLink:
    """The one-time link of an invitation, as staff are shown it once."""

    email: str
    link: str


@dataclass(frozen=True, slots=True)
class Notice:
    """What a change left for the next page of the session: ``kind`` is ``ok``, ``info`` or ``error``."""

    kind: str
    text: str
    links: tuple[SignInLink, ...] = ()


@dataclass(frozen=True, slots=True)
class Account:
    """A user as the staff users page lists it."""

    user_id: int
    role: str
    subject_id: str | None
    subject_name: str | None
    email: str | None
    label: str | None
    last_sign_in_at: datetime | None
    revoked: bool
    invitation_pending: bool


@dataclass(frozen=True, slots=True)
class EventInvitations:
    """What inviting every participant of an event did."""

    invited: list[Invited]
    #: Participants without a known address, by display name.
    skipped: list[str]


class Accounts:
    """Invitations, sessions and the user list, in one unit of work (``session``)."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.notifier = Notifier(session, settings)

    # ----------------------------------------------------------------------------------------------
    # Invitations

    def invite(
        self,
        role: str,
        email: str,
        subject: str | None = None,
        label: str | None = None,
        *,
        now: datetime | None = None,
    ) -> Invited:
        """Queue an invitation for ``email``; the user is created, or reused when one with the same role,
        record and address exists, the address compared without regard to case (an earlier, unused
        link then stops working; a ``label`` given replaces the one it had)."""
        storable(email, "email")
        address = check_address(email, field="email")
        label = checked_label(label)
        if role not in ROLES:
            raise InvalidInputError(f"role must be one of {', '.join(ROLES)}, got {role!r}", field="role")
        subject_id = subject_of(self.session, role, subject)
        user = self.session.exec(
            select(ApiUser).where(
                col(ApiUser.role) == role,
                col(ApiUser.subject_id) == subject_id if subject_id else col(ApiUser.subject_id).is_(None),
                func.lower(col(ApiUser.email)) == address.lower(),
                col(ApiUser.revoked).is_(False),
            )
        ).first()
        if user is None:
            # The user gets a bearer token nobody is shown: it signs in through links and sessions.
            user = ApiUser(
                role=role,
                subject_id=subject_id,
                label=label,
                token_hash=hash_token(new_token()),
                email=address,
            )
            self.session.add(user)
            self.session.flush()
        elif label is not None and label != user.label:
            # The note staff typed says who the person is now; it is kept, not dropped.
            user.label = label
            self.session.add(user)
            self.session.flush()
        return self._invite_user(user, now=now)

    def reinvite(self, user_id: int, *, now: datetime | None = None) -> Invited:
        """Send a user a fresh invitation (the earlier link stops working); :class:`ConflictError` for a
        user without an address or revoked, whom the request itself cannot change."""
        user = self._user(user_id)
        if not user.email:
            raise ConflictError(f"user {user_id} has no e-mail address; invite it with one")
        if user.revoked:
            raise ConflictError(f"user {user_id} is revoked")
        return self._invite_user(user, now=now)

    def invite_event(self, event_id: str, *, now: datetime | None = None) -> EventInvitations:
        """Invite every participant of an event: the addresses of its users, or a city's focal point
        (:class:`NotFoundError` for an unknown event)."""
        session = self.session
        store.event_row(session, event_id)
        people = store.participants(session, event_id)
        names = store.names(session, [p.participant_id for p in people])
        invited: list[Invited] = []
        skipped: list[str] = []
        for p in people:
            pid = p.participant_id
            users = session.exec(
                select(ApiUser).where(
                    col(ApiUser.subject_id) == pid,
                    col(ApiUser.revoked).is_(False),
                    col(ApiUser.email).is_not(None),
                )
            ).all()
            if users:
                invited.extend(self._invite_user(u, now=now) for u in users)
                continue
            focal = session.get(FocalPoint, pid) if p.side == "city" else None
            email = getattr(focal, "email", None) if focal is not None else None
            if email:
                invited.append(self.invite(p.side, str(email), pid, now=now))
            else:
                skipped.append(names.get(pid, pid))
        return EventInvitations(invited=invited, skipped=skipped)

    def redeem(self, token: str, *, now: datetime | None = None) -> Principal:
        """Use an invitation link once: its user's principal, or :class:`AuthenticationError`."""
        now = now or utcnow()
        parts = token.strip().split(".")
        refused = AuthenticationError("this sign-in link is not valid; ask for a new invitation")
        if len(token) > _MAX_LINK_CHARS or len(parts) != 4 or not token.isascii():
            raise refused
        raw_id, raw_expiry, secret, signature = parts
        expected = _sign(instance_key(self.settings), f"{raw_id}.{raw_expiry}.{secret}")
        if not hmac.compare_digest(expected, signature) or not raw_id.isdigit() or not raw_expiry.isdigit():
            raise refused
        invitation = self.session.get(Invitation, int(raw_id))
        if invitation is None or not hmac.compare_digest(invitation.secret_hash, hash_token(secret)):
            raise refused
        if invitation.used_at is not None:
            raise AuthenticationError("this sign-in link was already used; ask for a new invitation")
        if as_instant(invitation.expires_at, None) < now or int(raw_expiry) < int(now.timestamp()):
            raise AuthenticationError("this sign-in link has expired; ask for a new invitation")
        user = self._user(invitation.user_id)
        if user.revoked:
            raise refused
        try:
            self._check_subject(user)
        except AuthenticationError as exc:
            # Checked before the link is used up: a session for a deleted record would end at once,
            # and the link would be gone when the record is restored.
            raise AuthenticationError(
                f"this sign-in link is for a {user.role} that is no longer stored; ask for a new invitation"
            ) from exc
        invitation.used_at = now
        self.session.add(invitation)
        self.session.flush()
        return self._principal(user)

    def peek(self, token: str, *, now: datetime | None = None) -> Principal:
        """Check an invitation link without using it (the page that asks to confirm)."""
        with self.session.begin_nested() as nested:
            principal = self.redeem(token, now=now)
            nested.rollback()
        return principal

    # ----------------------------------------------------------------------------------------------
    # Sessions

    def start_session(self, user_id: int, *, now: datetime | None = None) -> str:
        """Start a console session for a user; returns the id for the cookie (shown only now)."""
        now = now or utcnow()
        user = self._user(user_id)
        sid = SESSION_PREFIX + secrets.token_urlsafe(32)
        expires = now + timedelta(hours=self.settings.session_hours)
        self.session.add(
            WebSession(id_hash=hash_token(sid), user_id=user_id, created_at=now, expires_at=expires)
        )
        user.last_sign_in_at = now
        self.session.add(user)
        self.session.flush()
        logger.info("Started a console session for user %d", user_id)
        return sid

    def session_principal(self, sid: str, *, now: datetime | None = None) -> Principal:
        """The principal of a live session id, or :class:`AuthenticationError`."""
        now = now or utcnow()
        if not _session_id_shaped(sid):
            raise AuthenticationError("the session is not valid")
        row = self.session.get(WebSession, hash_token(sid))
        if row is None or row.ended_at is not None:
            raise AuthenticationError("the session has ended", why="ended")
        if as_instant(row.expires_at, None) < now:
            raise AuthenticationError("the session has expired", why="expired")
        user = self._user(row.user_id)
        if user.revoked:
            raise AuthenticationError("this user was revoked", why="ended")
        self._check_subject(user)
        return self._principal(user)

    def end_session(self, sid: str, *, now: datetime | None = None) -> bool:
        """End a session on the server; False when there was none to end."""
        if not _session_id_shaped(sid):
            return False
        row = self.session.get(WebSession, hash_token(sid))
        if row is None or row.ended_at is not None:
            return False
        row.ended_at = now or utcnow()
        self.session.add(row)
        self._forget_notices([row.id_hash])
        self.session.flush()
        return True

    def leave_notice(self, sid: str, notice: Notice) -> bool:
        """Keep ``notice`` for the next page the live session ``sid`` opens; False (nothing kept) when
        the session is not live, so that the caller shows it itself."""
        if not _session_id_shaped(sid):
            return False
        row = self.session.get(WebSession, hash_token(sid))
        if row is None or row.ended_at is not None:
            return False
        self.session.add(
            SessionNotice(
                session_hash=row.id_hash,
                kind=notice.kind,
                text=notice.text,
                links=[{"email": link.email, "link": link.link} for link in notice.links],
            )
        )
        self.session.flush()
        return True

    def take_notices(self, sid: str | None) -> list[Notice]:
        """The notices left for session ``sid``, oldest first, deleted as they are read (one statement,
        so two pages opened at once never both show one)."""
        if not sid or not _session_id_shaped(sid):
            return []
        table = SessionNotice.__table__  # type: ignore[attr-defined]
        rows = self.session.execute(
            delete(table)
            .where(table.c.session_hash == hash_token(sid))
            .returning(table.c.id, table.c.kind, table.c.text, table.c.links)
        ).all()
        return [
            Notice(
                kind=kind,
                text=text,
                links=tuple(SignInLink(email=i["email"], link=i["link"]) for i in links),
            )
            for _, kind, text, links in sorted(rows)
        ]

    def sign_in_with_token(self, token: str, *, now: datetime | None = None) -> tuple[Principal, str]:
        """Exchange a bearer token for a new console session: (principal, session id)."""
        principal = UserService(self.session).authenticate(token)
        return principal, self.start_session(principal.user_id, now=now)

    # ----------------------------------------------------------------------------------------------
    # The users page

    def list_accounts(self, *, include_revoked: bool = False) -> list[Account]:
        """Every user with its role, record, address and last sign-in, by id."""
        stmt = select(ApiUser).order_by(col(ApiUser.id))
        if not include_revoked:
            stmt = stmt.where(col(ApiUser.revoked).is_(False))
        return self._accounts(list(self.session.exec(stmt)))

    def account(self, user_id: int) -> Account:
        """One user as :meth:`list_accounts` gives it (revoked or not); :class:`NotFoundError` when
        there is none."""
        [account] = self._accounts([self._user(user_id)])
        return account

    def _accounts(self, users: list[ApiUser]) -> list[Account]:
        """``users`` as the users page lists them, with their records' names and pending invitations."""
        names = store.names(self.session, [u.subject_id for u in users if u.subject_id])
        now = utcnow()
        pending = {
            i.user_id
            for i in self.session.exec(select(Invitation).where(col(Invitation.used_at).is_(None)))
            if as_instant(i.expires_at, None) >= now
        }
        out = []
        for u in users:
            assert u.id is not None
            out.append(
                Account(
                    user_id=u.id,
                    role=u.role,
                    subject_id=u.subject_id,
                    subject_name=names.get(u.subject_id) if u.subject_id else None,
                    email=u.email,
                    label=u.label,
                    last_sign_in_at=u.last_sign_in_at,
                    revoked=u.revoked,
                    invitation_pending=u.id in pending,
                )
            )
        return out

    def change_subject(self, user_id: int, subject: str) -> Principal:
        """Change the city or provider a user speaks for (a staff or revoked user's is refused:
        :class:`ConflictError`; naming the one it speaks for already changes nothing); its open
        sessions end, and so do the calendar feed addresses it made for the record it no longer speaks
        for (and that record's addresses whose maker is unknown, as when it is revoked; see
        :meth:`CalendarFeeds.stop_issued_by`)."""
        user = self._user(user_id)
        if user.role == "staff":
            # The user's stored role refuses it, whatever record the request names.
            raise ConflictError("staff users speak for no record")
        if user.revoked:
            raise ConflictError(f"user {user_id} is revoked")
        before = user.subject_id
        after = subject_of(self.session, user.role, subject)
        if after == before:
            # Named the record it already speaks for: nothing changes, so its sessions, calendar
            # addresses and the invitation on its way stay as they are.
            return self._principal(user)
        # An invitation e-mail not sent yet names the record the user spoke for: it is replaced by
        # one naming the new record (its link stops; the new e-mail carries a new one).
        unsent = self._withdraw_queued_invitations(user)
        user.subject_id = after
        self.session.add(user)
        self._end_all(user_id)
        CalendarFeeds(self.session).stop_issued_by(user_id, before, keeping=user.subject_id)
        self.session.flush()
        if unsent:
            self._invite_user(user, now=None)
        return self._principal(user)

    def rotate_token(self, user_id: int) -> IssuedUser:
        """A new bearer token for a user (the old one stops working); its console sessions end, so
        whoever held the old token is signed out too, and so do the calendar feed addresses it made
        (and its participant's addresses whose maker is unknown), as when it is revoked: a token is
        rotated when it may have leaked, and whoever held it may have made them."""
        issued = UserService(self.session).rotate_token(user_id)
        self._end_all(user_id)
        CalendarFeeds(self.session).stop_issued_by(user_id, issued.principal.subject_id)
        self.session.flush()
        return issued

    def revoke(self, user_id: int) -> None:
        """Revoke a user: its token, sessions, open invitations and the calendar feed addresses it made
        stop working (and its participant's addresses whose maker is unknown; see
        :meth:`CalendarFeeds.stop_issued_by`)."""
        UserService(self.session).revoke_user(user_id)
        self._end_all(user_id)
        CalendarFeeds(self.session).stop_issued_by(user_id, self._user(user_id).subject_id)
        for inv in self.session.exec(
            select(Invitation).where(col(Invitation.user_id) == user_id, col(Invitation.used_at).is_(None))
        ):
            inv.used_at = utcnow()
            self.session.add(inv)
        self._withdraw_queued_invitations(self._user(user_id))
        self.session.flush()

    # ----------------------------------------------------------------------------------------------

    def _invite_user(self, user: ApiUser, *, now: datetime | None) -> Invited:
        now = now or utcnow()
        assert user.id is not None
        assert user.email is not None
        for old in self.session.exec(
            select(Invitation).where(col(Invitation.user_id) == user.id, col(Invitation.used_at).is_(None))
        ):
            old.used_at = now  # one live link per user
            self.session.add(old)
        secret = secrets.token_urlsafe(24)
        expires = now + timedelta(days=self.settings.invitation_days)
        invitation = Invitation(
            user_id=user.id,
            email=user.email,
            secret_hash=hash_token(secret),
            created_at=now,
            expires_at=expires,
        )
        self.session.add(invitation)
        self.session.flush()
        payload = f"{invitation.id}.{int(expires.timestamp())}.{secret}"
        token = f"{payload}.{_sign(instance_key(self.settings), payload)}"
        link = f"{self.settings.public_url}/invite/{token}"
        names = store.names(self.session, [user.subject_id] if user.subject_id else [])
        entity = names.get(user.subject_id) if user.subject_id else "ministry staff"
        self.notifier.invitation(user.email, link, entity=entity, expires=expires)
        logger.info("Queued an invitation for user %d", user.id)
        return Invited(principal=self._principal(user), email=user.email, link=link, expires_at=expires)

    def _withdraw_queued_invitations(self, user: ApiUser) -> int:
        """Take a user's invitations not sent yet out of the outbox (it is revoked, or moved to another
        record, which they do not name); how many. Messages are keyed by address and record, not by
        user, so they stay while another user who is not revoked has that address and record (its own
        invitation may be among them)."""
        if not user.email:
            return 0
        others = self.session.exec(
            select(ApiUser.id).where(
                col(ApiUser.id) != user.id,
                col(ApiUser.role) == user.role,
                col(ApiUser.subject_id) == user.subject_id
                if user.subject_id
                else col(ApiUser.subject_id).is_(None),
                func.lower(col(ApiUser.email)) == user.email.lower(),
                col(ApiUser.revoked).is_(False),
            )
        ).first()
        if others is not None:
            return 0
        names = store.names(self.session, [user.subject_id] if user.subject_id else [])
        entity = names.get(user.subject_id) if user.subject_id else "ministry staff"
        taken = self.notifier.withdraw_invitations(user.email, entity=entity)
        if taken:
            logger.info("Took %d queued invitation(s) of user %d out of the outbox", taken, user.id)
        return taken

    def _user(self, user_id: int) -> ApiUser:
        user = self.session.get(ApiUser, user_id)
        if user is None:
            raise NotFoundError(f"no user with id {user_id}")
        return user

    def _check_subject(self, user: ApiUser) -> None:
        if user.subject_id is None:
            return
        table = City if user.role == "city" else Provider
        if self.session.get(table, user.subject_id) is None:
            raise AuthenticationError(f"the {user.role} this user speaks for no longer exists", why="gone")

    def _end_all(self, user_id: int) -> None:
        now = utcnow()
        ended = []
        for row in self.session.exec(
            select(WebSession).where(col(WebSession.user_id) == user_id, col(WebSession.ended_at).is_(None))
        ):
            row.ended_at = now
            self.session.add(row)
            ended.append(row.id_hash)
        self._forget_notices(ended)

    def _forget_notices(self, session_hashes: list[str]) -> None:
        """Drop what was left for sessions that end (sign-in links among it)."""
        if session_hashes:
            self.session.execute(
                delete(SessionNotice).where(col(SessionNotice.session_hash).in_(session_hashes))
            )

    @staticmethod
    def _principal(user: ApiUser) -> Principal:
        assert user.id is not None
        role = user.role if user.role in ROLES else "staff"
        return Principal(user_id=user.id, role=role, subject_id=user.subject_id, label=user.label)  # type: ignore[arg-type]


def _session_id_shaped(sid: str) -> bool:
    """Whether ``sid`` looks like a session id at all (checked before anything is looked up)."""
    return sid.startswith(SESSION_PREFIX) and len(sid) <= 100 and sid.isascii()


__all__ = [
    "SESSION_PREFIX",
    "Account",
    "Accounts",
    "EventInvitations",
    "Invited",
    "Notice",
    "SignInLink",
    "instance_key",
]
