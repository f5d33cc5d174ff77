"""Tables of people who sign in and the mail they are sent (migration ``0003_self_service``).

- :class:`Invitation`: a one-time sign-in link sent to a user's address. Only the SHA-256 digest of the
  link's secret part is stored; ``used_at`` makes it single-use and ``expires_at`` bounds its life.
- :class:`WebSession`: a signed-in console session. The browser holds a random session id in its cookie
  and the server stores its digest, so signing out (``ended_at``) ends the session on the server and the
  cookie never carries a bearer token.
- :class:`SessionNotice`: what a change made from a console page left for the page the browser is sent
  to next (post/redirect/get), such as the sign-in link of an invitation just queued; that page shows it
  once and deletes it (migration ``0008_session_notice``).
- :class:`OutboxMessage`: an e-mail written in the same transaction as the change that caused it, sent
  later by :mod:`matchmaker.services.outbox`. ``status`` is ``queued`` until the SMTP server accepts it
  (``sent``) or the tries run out or the server refuses it for good (``failed``); ``lease_until`` lets
  one sender at a time own a message. ``dedup_key`` keeps a reminder from being queued twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import JSON, Column, ForeignKey, Integer, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from matchmaker.db.models import serial_id, utcnow

MessageStatus = Literal["queued", "sent", "failed"]


def _user_fk() -> Column[int]:
    return Column(Integer, ForeignKey("api_user.id", ondelete="CASCADE"), nullable=False, index=True)


class Invitation(SQLModel, table=True):
    """A one-time sign-in link for a user."""

    __tablename__ = "invitation"

    id: int | None = serial_id()
    user_id: int = Field(sa_column=_user_fk())
    email: str = Field(max_length=320)
    secret_hash: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A signed-in console session (the cookie holds the id; the table its digest)."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=128)
    user_id: int = Field(sa_column=_user_fk())
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ended_at: datetime | None = None


class SessionNotice(SQLModel, table=True):
    """A message for the next page a console session opens, shown once (its sign-in links included)."""

    __tablename__ = "session_notice"

    id: int | None = serial_id()
    session_hash: str = Field(
        sa_column=Column(
            String(128), ForeignKey("web_session.id_hash", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: str = Field(max_length=20)
    text: str = Field(sa_type=Text)
    #: ``[{"email": ..., "link": ...}]``: sign-in links of invitations just queued.
    links: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    """An e-mail message waiting for, or done with, the SMTP server."""

    __tablename__ = "outbox"

    id: int | None = serial_id()
    kind: str = Field(max_length=40, index=True)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_type=Text)
    body_html: str = Field(sa_type=Text)
    attachment_name: str | None = Field(default=None, max_length=200)
    attachment_type: str | None = Field(default=None, max_length=100)
    attachment: bytes | None = Field(default=None, sa_type=LargeBinary)
    status: str = Field(default="queued", max_length=20, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    dedup_key: str | None = Field(default=None, sa_column=Column(String(300), unique=True, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


__all__ = ["Invitation", "MessageStatus", "OutboxMessage", "SessionNotice", "WebSession"]
