"""The outbox: messages queued in the caller's transaction, sent later over SMTP.

A change that causes a message (an invitation, a meeting request, a publication) writes the message
with :meth:`Outbox.queue` in its own unit of work, so the message exists exactly when the change was
committed. :class:`MailSender` sends what is queued:

* each message is first *leased* with a conditional update, so two senders (two server processes,
  or the server and ``matchmaker outbox send``) never send the same message at the same time;
* a message is marked ``sent`` only after the SMTP server accepted it, in a transaction of its own, so
  a server that goes away mid-run leaves the rest queued;
* a temporary failure (no connection, a 4xx reply) counts one try and waits before the next
  (``mail_retry_seconds``, doubling); after ``mail_max_attempts`` tries, or at once on a permanent 5xx
  refusal, the message is ``failed``. Failed messages stay in the table and staff can queue them again.

Delivery is at least once: a crash between the server's acceptance and the commit sends that one
message again.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from matchmaker.db.accounts import OutboxMessage
from matchmaker.db.engine import Database
from matchmaker.db.models import SERIAL_ID_MAX, utcnow
from matchmaker.errors import ConflictError, InvalidInputError, NotFoundError
from matchmaker.services.mail.compose import Composed
from matchmaker.settings import Settings
from matchmaker.wording import counted

logger = logging.getLogger(__name__)

#: How long a sender owns a message it is sending, at the least; a slow server's timeout can make it
#: longer (:meth:`MailSender.lease`).
LEASE = timedelta(minutes=5)
#: The exchanges with the server that sending one message may wait on, each up to ``smtp_timeout``:
#: connect, EHLO, STARTTLS, login, MAIL, RCPT, DATA and the end of the data.
_STEPS_PER_MESSAGE = 8
_MAX_BACKOFF = timedelta(hours=6)


def check_address(address: str, *, field: str | None = None) -> str:
    """A plausible single e-mail address, stripped; :class:`InvalidInputError` otherwise (naming
    ``field``, the input that gave the address, when given)."""
    value = address.strip()
    _, parsed = parseaddr(value)
    local, _, domain = parsed.partition("@")
    if (
        not value
        or parsed != value
        or len(value) > 320
        or not local
        or not domain
        or any(c in value for c in " ,;<>\r\n\t")
    ):
        raise InvalidInputError(f"{address!r} is not an e-mail address", field=field)
    return value


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A message as staff see it in the outbox."""

    id: int
    kind: str
    to: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None
    has_attachment: bool


def _entry(row: OutboxMessage) -> OutboxEntry:
    assert row.id is not None
    return OutboxEntry(
        id=row.id,
        kind=row.kind,
        to=row.to_address,
        subject=row.subject,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
        has_attachment=row.attachment is not None,
    )


class Outbox:
    """Queue, list and re-queue messages in one unit of work (``session``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def queue(self, to: str, message: Composed, *, dedup_key: str | None = None) -> bool:
        """Queue ``message`` for ``to`` in the caller's transaction.

        With ``dedup_key``, a message already queued under the same key is not queued again and the
        answer is False.
        """
        address = check_address(to)
        session = self.session
        if dedup_key is not None:
            seen = session.exec(select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key)).first()
            if seen is not None:
                return False
        a = message.attachment
        row = OutboxMessage(
            kind=message.kind,
            to_address=address,
            subject=message.subject,
            body_text=message.text,
            body_html=message.html,
            attachment_name=a.filename if a else None,
            attachment_type=a.content_type if a else None,
            attachment=a.data if a else None,
            dedup_key=dedup_key,
        )
        if dedup_key is None:
            session.add(row)
            session.flush()
            return True
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # another process queued the same key in the meantime
            return False
        return True

    def withdraw_queued(
        self, key_prefix: str, *, failed_too: bool = False, now: datetime | None = None
    ) -> int:
        """Take out the messages still queued whose key starts with ``key_prefix`` (a message a newer
        one replaces), except one a sender holds right now; how many. With ``failed_too``, also those
        that failed: what they say no longer holds, so staff must not be able to send them again."""
        now = now or utcnow()
        statuses = ["queued", "failed"] if failed_too else ["queued"]
        rows = self.session.exec(
            select(OutboxMessage).where(
                col(OutboxMessage.dedup_key).startswith(key_prefix, autoescape=True),
                col(OutboxMessage.status).in_(statuses),
                or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
            )
        )
        taken = list(rows)
        for row in taken:
            self.session.delete(row)
        self.session.flush()
        return len(taken)

    def list(self, *, status: str | None = None, limit: int = 500, offset: int = 0) -> list[OutboxEntry]:
        """Messages, newest first (only those with ``status`` when given), from the ``offset``-th on."""
        stmt = select(OutboxMessage)
        if status is not None:
            stmt = stmt.where(OutboxMessage.status == status)
        rows = self.session.exec(stmt.order_by(col(OutboxMessage.id).desc()).offset(offset).limit(limit))
        return [_entry(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many messages are queued, sent and failed."""
        out = {"queued": 0, "sent": 0, "failed": 0}
        for status in self.session.exec(select(OutboxMessage.status)):
            out[status] = out.get(status, 0) + 1
        return out

    def requeue(self, message_id: int, *, now: datetime | None = None) -> OutboxEntry:
        """Queue a failed (or queued) message again with a fresh count of tries ("send again");
        :class:`ConflictError` for a message already sent."""
        # An id no row can have is not looked up (PostgreSQL refuses one past its integer column).
        row = self.session.get(OutboxMessage, message_id) if 1 <= message_id <= SERIAL_ID_MAX else None
        if row is None:
            raise NotFoundError(f"no message {message_id} in the outbox")
        if row.status == "sent":
            raise ConflictError(f"message {message_id} was already sent")
        row.status = "queued"
        row.attempts = 0
        row.next_attempt_at = now or utcnow()
        row.lease_until = None
        self.session.add(row)
        self.session.flush()
        return _entry(row)


@dataclass
class SendReport:
    """What one sending run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    queued: int = 0
    #: Queued messages whose next try is not due yet (a failed try's backoff), after the run.
    waiting: int = 0
    #: When the first of them is due.
    next_try_at: datetime | None = None
    #: Why the run stopped early (the server could not be reached), if it did.
    unreachable: str | None = None
    errors: list[str] = field(default_factory=list)

    def outcome(self) -> str:
        """What the run did, in a sentence: ``2 sent, 1 failed; 0 queued.``"""
        parts = [f"{self.sent} sent"]
        if self.retrying:
            parts.append(f"{self.retrying} to try again later")
        if self.failed:
            parts.append(f"{self.failed} failed")
        return ", ".join(parts) + f"; {self.queued} queued."

    def unreachable_text(self) -> str | None:
        """That the SMTP server could not be used and nothing was lost; None when it could be."""
        if not self.unreachable:
            return None
        stay = "stays" if self.queued == 1 else "stay"
        return (
            f"The SMTP server could not be used ({self.unreachable}); "
            f"the {counted(self.queued, 'queued message')} {stay} queued and nothing was lost."
        )


class _Temporary(Exception):  # noqa: N818 - a category of SMTP outcome, not an error we raise
    """The server could not take the message now; try again later."""


class _Permanent(Exception):  # noqa: N818
    """The server refused the message for good."""


def _attempted(session: Session, message_id: int) -> OutboxMessage | None:
    """The leased message with one more attempt counted and its lease released (None when gone)."""
    row = session.get(OutboxMessage, message_id)
    if row is not None:
        row.attempts += 1
        row.lease_until = None
    return row


class MailSender:
    """Sends queued messages over SMTP (see the module docstring)."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database

    @property
    def configured(self) -> bool:
        """Whether an SMTP server is set (``MATCHMAKER_SMTP_HOST``)."""
        return bool(self.settings.smtp_host)

    @property
    def lease(self) -> timedelta:
        """How long a sender owns a message it has taken: long enough to send it even when every
        exchange with the server waits its whole timeout, so no second sender takes it meanwhile."""
        return max(LEASE, timedelta(seconds=_STEPS_PER_MESSAGE * self.settings.smtp_timeout))

    def send_queued(self, *, now: datetime | None = None, due_only: bool = True) -> SendReport:
        """Send queued messages (only those whose next try is due when ``due_only``).

        Each message is taken when its turn comes, for :attr:`lease` from then: a long run does not
        lose hold of the messages it reaches late.
        """
        started = utcnow()
        now = now or started
        report = SendReport()
        ids = self._candidates(now, due_only=due_only)
        if not self.configured:
            self._count_queued(report)
            report.unreachable = "no SMTP server is configured (MATCHMAKER_SMTP_HOST)"
            return report
        client: smtplib.SMTP | None = None
        try:
            for message_id in ids:
                row = self._lease(message_id, now + (utcnow() - started))
                if row is None:
                    continue
                try:
                    if client is None:
                        client = self._connect()
                    self._deliver(client, row)
                except _Permanent as exc:
                    self._finish(message_id, failed=str(exc), now=now)
                    report.failed += 1
                    report.errors.append(f"message {message_id}: {exc}")
                    continue
                except _Temporary as exc:
                    self._retry(message_id, str(exc), now=now, report=report)
                    _close(client)
                    client = None
                    if report.unreachable is not None:
                        break  # the server is away: the rest stay queued untouched
                    continue
                self._finish(message_id, now=utcnow())
                report.sent += 1
        finally:
            _close(client)
        self._count_queued(report)
        if report.sent or report.failed or report.retrying:
            logger.info(
                "Outbox: %d sent, %d to retry, %d failed, %d queued",
                report.sent,
                report.retrying,
                report.failed,
                report.queued,
            )
        return report

    # ----------------------------------------------------------------------------------------------

    def _candidates(self, now: datetime, *, due_only: bool) -> list[int]:
        with self.database.unit_of_work() as session:
            stmt = select(OutboxMessage.id).where(OutboxMessage.status == "queued")
            if due_only:
                stmt = stmt.where(col(OutboxMessage.next_attempt_at) <= now)
            return [i for i in session.exec(stmt.order_by(col(OutboxMessage.id))) if i is not None]

    def _count_queued(self, report: SendReport) -> None:
        """Put into ``report`` how many messages are queued, and how many of them wait for a later try."""
        queued = col(OutboxMessage.status) == "queued"
        later = col(OutboxMessage.next_attempt_at) > utcnow()
        with self.database.unit_of_work() as session:
            report.queued = session.exec(select(func.count()).where(queued)).one()
            waiting, first = session.exec(
                select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(queued, later)
            ).one()
        report.waiting = waiting
        # SQLite gives back the naive UTC time it stored.
        report.next_try_at = first if first is None or first.tzinfo else first.replace(tzinfo=UTC)

    def _lease(self, message_id: int, now: datetime) -> OutboxMessage | None:
        """Take the message for this run, or None when another sender has it or it is done."""
        with self.database.unit_of_work() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id) == message_id,
                    col(OutboxMessage.status) == "queued",
                    or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
                )
                .values(lease_until=now + self.lease)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return session.get(OutboxMessage, message_id)

    def _finish(self, message_id: int, *, now: datetime, failed: str | None = None) -> None:
        with self.database.unit_of_work() as session:
            row = _attempted(session, message_id)
            if row is None:
                return
            if failed is None:
                row.status = "sent"
                row.sent_at = now
                row.last_error = None
            else:
                row.status = "failed"
                row.last_error = failed[:2000]
            session.add(row)

    def _retry(self, message_id: int, reason: str, *, now: datetime, report: SendReport) -> None:
        with self.database.unit_of_work() as session:
            row = _attempted(session, message_id)
            if row is None:
                return
            row.last_error = reason[:2000]
            if row.attempts >= self.settings.mail_max_attempts:
                row.status = "failed"
                report.failed += 1
                report.errors.append(f"message {message_id}: gave up after {row.attempts} tries: {reason}")
            else:
                # Capped before it is a timedelta: after some forty doublings the wait no longer fits
                # one, and the message would be stuck (taken, never tried again nor failed).
                wait = min(
                    self.settings.mail_retry_seconds * 2 ** (row.attempts - 1), _MAX_BACKOFF.total_seconds()
                )
                row.next_attempt_at = now + timedelta(seconds=wait)
                report.retrying += 1
            session.add(row)
        if reason.startswith("cannot reach"):
            report.unreachable = reason

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        host = s.smtp_host or "localhost"
        try:
            client: smtplib.SMTP
            if s.smtp_tls == "ssl":
                client = smtplib.SMTP_SSL(
                    host, s.smtp_port, timeout=s.smtp_timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(host, s.smtp_port, timeout=s.smtp_timeout)
                if s.smtp_tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                client.login(s.smtp_user, password)
        except smtplib.SMTPAuthenticationError as exc:
            raise _Temporary(f"cannot reach the SMTP server: sign-in refused ({exc.smtp_code})") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise _Temporary(f"cannot reach the SMTP server {host}:{s.smtp_port}: {exc}") from exc
        return client

    def _deliver(self, client: smtplib.SMTP, row: OutboxMessage) -> None:
        message = to_email(row, self.settings.mail_from)
        to = row.to_address
        try:
            refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (550, b""))
            raise _outcome(code, f"the address {to}", f"mail for {to} now", reply, to) from exc
        except smtplib.SMTPSenderRefused as exc:
            sender = self.settings.mail_from
            raise _outcome(
                exc.smtp_code, f"the sender address {sender}", "mail now", exc.smtp_error, sender
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise _outcome(
                exc.smtp_code, f"the message to {to}", f"the message to {to} now", exc.smtp_error, to
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise _Temporary(f"cannot reach the SMTP server: {exc}") from exc
        if refused:
            code, reply = next(iter(refused.values()))
            raise _outcome(code, f"the address {to}", f"mail for {to} now", reply, to)


def _server_reason(reply: bytes | str, address: str) -> str:
    """An SMTP reply's text as a reason: decoded, on one line, without the enhanced status code
    (``5.1.1``) or the address it repeats (``<x@example.org>:``)."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    text = " ".join(text.split())
    text = _STATUS_CODE.sub("", text)
    for prefix in (f"<{address}>:", f"{address}:"):
        if text.lower().startswith(prefix.lower()):
            text = text[len(prefix) :].strip()
    return text.rstrip(" .")


#: An enhanced status code at the start of a reply (RFC 3463): ``5.1.1``.
_STATUS_CODE = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}\s*")


def _outcome(
    code: int, refused: str, deferred: str, reply: bytes | str, address: str
) -> _Permanent | _Temporary:
    """The outcome of an SMTP refusal as staff read it: permanent for a 5xx reply, temporary otherwise.

    ``refused`` names what a 5xx reply refused (``the address x@example.org``), ``deferred`` what a 4xx
    reply could not take now (``mail for x@example.org``)."""
    reason = _server_reason(reply, address)
    because = f": {reason}" if reason else ", without giving a reason"
    if code >= 500:
        return _Permanent(f"The SMTP server refused {refused}{because} (reply {code}).")
    return _Temporary(f"The SMTP server cannot take {deferred}{because} (reply {code}).")


def _close(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def to_email(row: OutboxMessage, sender: str) -> EmailMessage:
    """The e-mail of a stored message: plain text, an HTML alternative and the attachment if any."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address  # one recipient per message: nobody sees anyone else's address
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rpartition("@")[2] or "matchmaker"
    message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}", domain=domain)
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    if row.attachment is not None:
        maintype, _, subtype = (row.attachment_type or "application/octet-stream").partition("/")
        params = {"method": "PUBLISH"} if (maintype, subtype) == ("text", "calendar") else {}
        message.add_attachment(
            row.attachment,
            maintype=maintype,
            subtype=subtype,
            filename=row.attachment_name or "attachment",
            params=params,
        )
    return message


__all__ = ["LEASE", "MailSender", "Outbox", "OutboxEntry", "SendReport", "check_address", "to_email"]
