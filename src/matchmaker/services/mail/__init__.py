"""E-mail: templates (:mod:`.compose`), the outbox and its SMTP sender (:mod:`.outbox`), and who is
told what (:mod:`.notify`)."""

from matchmaker.services.mail.compose import Attachment, Composed, MessageKind, compose
from matchmaker.services.mail.notify import Notifier
from matchmaker.services.mail.outbox import MailSender, Outbox, OutboxEntry, SendReport, check_address

__all__ = [
    "Attachment",
    "Composed",
    "MailSender",
    "MessageKind",
    "Notifier",
    "Outbox",
    "OutboxEntry",
    "SendReport",
    "check_address",
    "compose",
]
