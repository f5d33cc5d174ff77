"""Use cases over API users: issue a bearer token, authenticate it, list and revoke users.

A token is 32 random bytes (URL-safe base64) behind a ``mm_`` prefix. Only its SHA-256 digest is
stored: the token has enough entropy that a slow password hash would add cost without adding safety,
and a digest lets the server find the user with one indexed lookup. The token itself is shown once,
when the user is created.

Roles:

* ``staff`` see and do everything; they speak for no record.
* ``city`` speaks for one city (``subject_id``), which must exist when the user is created.
* ``provider`` speaks for one provider, which must exist when the user is created.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Literal, get_args

from sqlmodel import Session, col, select

from matchmaker.db import repository
from matchmaker.db.engine import unstorable
from matchmaker.db.models import LABEL_MAX, ApiUser, City, Provider, Role
from matchmaker.errors import (
    AmbiguousNameError,
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from matchmaker.matching.names import NameEntry, resolve

logger = logging.getLogger(__name__)

ROLES: tuple[Role, ...] = get_args(Role)
TOKEN_PREFIX = "mm_"  # noqa: S105 - a marker, not a secret
_TOKEN_BYTES = 32
_MAX_TOKEN_CHARS = 200


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user's id, role and the record it speaks for (none for staff)."""

    user_id: int
    role: Role
    subject_id: str | None = None
    label: str | None = None

    @property
    def is_staff(self) -> bool:
        """Staff see and do everything."""
        return self.role == "staff"

    def is_city(self, city_id: str) -> bool:
        """Whether this principal is the focal point of ``city_id``."""
        return self.role == "city" and self.subject_id == city_id

    def is_provider(self, provider_id: str) -> bool:
        """Whether this principal is the provider ``provider_id``."""
        return self.role == "provider" and self.subject_id == provider_id


@dataclass(frozen=True, slots=True)
class IssuedUser:
    """A new user and its bearer token; the token is never stored and cannot be shown again."""

    principal: Principal
    token: str


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256 digest in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random bearer token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)


def _principal(user: ApiUser) -> Principal:
    assert user.id is not None
    role: Role = user.role  # type: ignore[assignment]
    return Principal(user_id=user.id, role=role, subject_id=user.subject_id, label=user.label)


def storable(value: str | None, field: str) -> None:
    """Refuse text no database can store (a NUL, an unpaired surrogate) with :class:`InvalidInputError`
    naming ``field``, before it reaches a query or a name search."""
    problem = unstorable(value, field) if value is not None else None
    if problem:
        raise InvalidInputError(problem.removeprefix(f"{field}: "), field=field)


def checked_label(label: str | None) -> str | None:
    """A user's label as given; :class:`InvalidInputError` of the field ``label`` naming its length when
    it is too long, or what in it cannot be stored."""
    storable(label, "label")
    if label is not None and len(label) > LABEL_MAX:
        message = f"label is {len(label)} characters long; the limit is {LABEL_MAX}"
        raise InvalidInputError(message, field="label")
    return label


def subject_of(session: Session, role: str, subject: str | None) -> str | None:
    """The id of the record a user of ``role`` speaks for, from ``subject`` (an id, or a name resolved
    fuzzily); none for staff. Every refusal is a mistake in the input naming the field
    ``subject_id``: a record that is missing or not found, or a name that fits several. The message
    speaks of the record, not of how a caller gives it: the API, the console and the command line each
    name the field as their body, form or options do."""
    field = "subject_id"
    storable(subject, field)
    if role == "staff":
        if subject:
            raise InvalidInputError("staff users speak for no record; leave it out", field=field)
        return None
    if not subject:
        raise InvalidInputError(f"a {role} user needs the {role} it speaks for", field=field)
    kind: Literal["city", "provider"] = "city" if role == "city" else "provider"
    entries = [NameEntry(i, n, c) for i, n, c in repository.name_entries(session, kind)]
    try:
        return resolve(subject, entries, kind=role)
    except AmbiguousNameError as exc:
        exc.field = field
        raise
    except NotFoundError as exc:
        # The record is named in the input, not in an address: a mistake in the field that names it.
        raise InvalidInputError(exc.message, field=field) from exc


class UserService:
    """API users in one unit of work (``session``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_user(self, role: str, subject: str | None = None, label: str | None = None) -> IssuedUser:
        """Create an API user and return it with its token.

        ``subject`` is required for ``city`` and ``provider`` and must resolve (by id, or fuzzily by name)
        to an existing record of that kind; staff take none.
        """
        if role not in ROLES:
            raise InvalidInputError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        subject_id = subject_of(self.session, role, subject)
        token = new_token()
        session = self.session
        user = ApiUser(
            role=role, subject_id=subject_id, label=checked_label(label), token_hash=hash_token(token)
        )
        session.add(user)
        session.flush()
        principal = _principal(user)
        logger.info("Created API user %d (role %s, for %s)", principal.user_id, role, subject_id or "-")
        return IssuedUser(principal=principal, token=token)

    def authenticate(self, token: str) -> Principal:
        """The principal of a bearer token; :class:`AuthenticationError` when it is unknown or revoked."""
        token = token.strip()
        if not token or len(token) > _MAX_TOKEN_CHARS or not token.isascii():
            raise AuthenticationError("the bearer token is not valid")
        digest = hash_token(token)
        session = self.session
        user = session.exec(select(ApiUser).where(col(ApiUser.token_hash) == digest)).first()
        # The lookup is by digest; compare again in constant time so timing says nothing either way.
        if user is None or user.revoked or not hmac.compare_digest(user.token_hash, digest):
            raise AuthenticationError("the bearer token is not valid")
        if user.subject_id is not None:
            table = City if user.role == "city" else Provider
            if session.get(table, user.subject_id) is None:
                kind = "city" if user.role == "city" else "provider"
                raise AuthenticationError(f"the {kind} this token speaks for no longer exists")
        return _principal(user)

    def list_users(self) -> list[Principal]:
        """Every user that is not revoked, by id."""
        session = self.session
        rows = session.exec(select(ApiUser).where(col(ApiUser.revoked).is_(False)).order_by(col(ApiUser.id)))
        return [_principal(row) for row in rows]

    def _active_staff(self) -> int:
        """How many staff users are not revoked."""
        rows = self.session.exec(
            select(ApiUser.id)
            .where(col(ApiUser.role) == "staff", col(ApiUser.revoked).is_(False))
            .with_for_update()  # two staff revoking each other at once are counted one after the other
        )
        return len(rows.all())

    def rotate_token(self, user_id: int) -> IssuedUser:
        """Give a user a new bearer token in place of its old one, which stops working at once; the
        user keeps its id, role, record, address and label."""
        user = self.session.get(ApiUser, user_id)
        if user is None:
            raise NotFoundError(f"no API user with id {user_id}")
        if user.revoked:
            raise ConflictError(f"user {user_id} is revoked; add a new user instead")
        token = new_token()
        user.token_hash = hash_token(token)
        self.session.add(user)
        self.session.flush()
        logger.info("Gave API user %d a new token", user_id)
        return IssuedUser(principal=_principal(user), token=token)

    def revoke_user(self, user_id: int) -> None:
        """Revoke a user's token; later requests with it get 401. The last staff user is not revoked.

        The API, the console and ``matchmaker users revoke`` call :meth:`Accounts.revoke
        <matchmaker.services.accounts.Accounts.revoke>`, which also ends the user's sessions, sign-in
        links and calendar feed addresses."""
        session = self.session
        user = session.get(ApiUser, user_id)
        if user is None:
            raise NotFoundError(f"no API user with id {user_id}")
        if user.role == "staff" and not user.revoked and self._active_staff() == 1:
            who = user.label or user.email or f"user {user_id}"
            raise ConflictError(
                f"{who} is the last staff user: revoking it would leave no one to run the console"
                " and the API; add another staff user first"
            )
        user.revoked = True
        session.add(user)
        logger.info("Revoked API user %d", user_id)


__all__ = [
    "ROLES",
    "IssuedUser",
    "Principal",
    "UserService",
    "checked_label",
    "hash_token",
    "new_token",
    "storable",
    "subject_of",
]
