"""Message templates: every message is plain text plus HTML, rendered from ``templates/KIND.txt`` and
``templates/KIND.html`` with the same context.

Templates name people and events by their display names and link to console pages under
``MATCHMAKER_PUBLIC_URL``; they never show internal ids, and never anyone's e-mail address.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from jinja2 import Environment

MessageKind = Literal[
    "invitation",
    "request_received",
    "request_answered",
    "request_withdrawn",
    "schedule_published",
    "meeting_changed",
    "reminder",
    "event_cancelled",
]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

SUBJECTS: dict[MessageKind, str] = {
    "invitation": "Your sign-in link to the matchmaking console",
    "request_received": "{{ sender }} asks to meet you at {{ event }}",
    "request_answered": "{{ recipient }} {{ 'accepted' if accepted else 'declined' }} your meeting request",
    "request_withdrawn": "{{ sender }} withdrew its meeting request at {{ event }}",
    "schedule_published": "The meeting schedule of {{ event }} is published",
    "meeting_changed": "Your meetings at {{ event }} have changed",
    "reminder": "Your meetings tomorrow at {{ event }}",
    "event_cancelled": "{{ event }} is cancelled",
}


@cache
def _environment() -> Environment:
    """The template environment, made when the first message is rendered (a change that writes no
    message never loads Jinja)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape  # noqa: PLC0415

    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (a calendar entry)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Composed:
    """A rendered message, not yet addressed."""

    kind: MessageKind
    subject: str
    text: str
    html: str
    attachment: Attachment | None = None


def compose(kind: MessageKind, attachment: Attachment | None = None, **context: Any) -> Composed:
    """Render the subject, the plain text and the HTML of a message of ``kind``."""
    env = _environment()
    subject = env.from_string(SUBJECTS[kind]).render(**context)
    subject = " ".join(subject.split())[:300]
    text = env.get_template(f"{kind}.txt").render(**context)
    html = env.get_template(f"{kind}.html").render(subject=subject, **context)
    return Composed(kind=kind, subject=subject, text=text, html=html, attachment=attachment)


__all__ = ["SUBJECTS", "TEMPLATE_DIR", "Attachment", "Composed", "MessageKind", "compose"]
