"""Message templates: plain text and HTML from the same context, HTML escaped, subjects on one line."""

from __future__ import annotations

import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.services.mail import check_address, compose
from matchmaker.services.mail.notify import MeetingLine


def test_every_kind_renders_text_and_html_with_names_escaped_in_html() -> None:
    sender = 'Acme <script>alert("x")</script> & Co'
    message = compose(
        "request_received",
        sender=sender,
        recipient="Kukës",
        event="Level 3 workshop",
        message="Shall we talk about\nflood sensors?",
        deadline=None,
        link="https://console.example/me/requests",
    )
    assert "\n" not in message.subject
    assert message.subject.startswith("Acme <script>")  # a subject is plain text
    assert sender in message.text
    assert "<script>" not in message.html
    assert "&lt;script&gt;" in message.html
    assert 'href="https://console.example/me/requests"' in message.html


@pytest.mark.parametrize(
    ("kind", "context"),
    [
        ("invitation", {"link": "https://c.example/invite/x", "entity": "Kukës", "expires": "9 March 2038"}),
        (
            "request_answered",
            {"sender": "Acme", "recipient": "Kukës", "event": "W", "accepted": False, "link": "L"},
        ),
        ("request_withdrawn", {"sender": "Acme", "recipient": "Kukës", "event": "W", "link": "L"}),
        ("schedule_published", {"event": "W", "participant": "Kukës", "meetings": [], "link": "L"}),
        (
            "reminder",
            {
                "event": "W",
                "participant": "Kukës",
                "meetings": [MeetingLine("Tue 09:00", 1, "Acme")],
                "link": "L",
            },
        ),
    ],
)
def test_each_kind_has_both_bodies(kind: str, context: dict[str, object]) -> None:
    message = compose(kind, **context)  # type: ignore[arg-type]
    assert message.text.strip()
    assert message.html.lstrip().lower().startswith("<!doctype html>")
    assert message.subject


def test_declined_requests_say_so() -> None:
    message = compose(
        "request_answered", sender="Acme", recipient="Kukës", event="W", accepted=False, link="L"
    )
    assert "declined" in message.subject
    assert "declined" in message.text


@pytest.mark.parametrize("bad", ["", "no-at-sign", "a@b, c@d", "Name <a@b.example>", "a b@c.example"])
def test_only_single_plain_addresses_are_accepted(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        check_address(bad)
    assert check_address("  focal@kukes.example ") == "focal@kukes.example"
