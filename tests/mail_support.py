"""A real SMTP server for tests (aiosmtpd), started and stopped by the test, and what it received."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """Every message the server accepted, parsed, in order."""

    messages: list[EmailMessage] = field(default_factory=list)
    #: After this many accepted messages the server shuts itself down (None: never).
    stop_after: int | None = None
    #: Recipients the server refuses, with its whole reply (``"550 5.1.1 ... User unknown"``).
    refuse: dict[str, str] = field(default_factory=dict)
    server: SmtpServer | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.stop_after is not None and len(self.messages) >= self.stop_after:
            # Go away in the middle of a run: refuse this message and stop listening.
            assert self.server is not None
            threading.Thread(target=self.server.stop, daemon=True).start()
            return "421 closing down"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1:``port`` that can be stopped and started again."""

    def __init__(self, port: int, inbox: Inbox | None = None) -> None:
        self.port = port
        self.inbox = inbox or Inbox()
        self.inbox.server = self
        self._controller: Controller | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._controller is None:
                self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
                self._controller.start()

    def stop(self) -> None:
        with self._lock:
            if self._controller is not None:
                self._controller.stop()
                self._controller = None


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and the HTML body of a message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return str(text.get_content()), str(html.get_content())
