"""The outbox over a real SMTP server: messages sent once each, nothing lost when the server goes away.

Runs on SQLite and on PostgreSQL (``db_settings``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from mail_support import SmtpServer, text_and_html
from matchmaker.cli import app
from matchmaker.db.accounts import OutboxMessage
from matchmaker.db.models import utcnow
from matchmaker.services.container import Services
from matchmaker.services.mail import compose
from matchmaker.services.mail import outbox as outbox_module
from matchmaker.services.mail.outbox import MailSender
from matchmaker.settings import Settings
from port_support import reserved_port


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def smtp(db_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with reserved_port() as port:
        monkeypatch.setenv("MATCHMAKER_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("MATCHMAKER_SMTP_PORT", str(port))
        monkeypatch.setenv("MATCHMAKER_MAIL_FROM", "matchmaking@ministry.example")
        server = SmtpServer(port)
        yield server
        server.stop()


@pytest.fixture
def services(db_settings: Settings, smtp: SmtpServer) -> Iterator[Services]:
    settings = db_settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "mail_from": "matchmaking@ministry.example"}
    )
    built = Services.build(settings)
    yield built
    built.close()


def queue(services: Services, n: int, start: int = 0) -> None:
    with services.database.unit_of_work() as session:
        outbox = services.outbox(session)
        for i in range(start, start + n):
            link = f"https://console.example/invite/{i}"
            message = compose("invitation", link=link, entity=f"Entity {i}", expires="1 January 2038")
            outbox.queue(f"person{i}@example.org", message)


def outbox_json() -> list[dict[str, Any]]:
    result = run("outbox", "list", "--json")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_queued_messages_arrive_once_each_as_text_and_html(services: Services, smtp: SmtpServer) -> None:
    smtp.start()
    queue(services, 3)
    assert [m["status"] for m in outbox_json()] == ["queued"] * 3
    report = services.mail.send_queued()
    assert (report.sent, report.queued) == (3, 0)
    assert len(smtp.inbox.messages) == 3
    first = smtp.inbox.messages[0]
    assert first["To"] == "person0@example.org"
    assert first["From"] == "matchmaking@ministry.example"
    text, html = text_and_html(first)
    assert "https://console.example/invite/0" in text
    assert 'href="https://console.example/invite/0"' in html
    assert "Entity 0" in text
    assert [m["status"] for m in outbox_json()] == ["sent"] * 3
    assert services.mail.send_queued().sent == 0  # nothing is sent twice


def test_a_server_that_goes_away_mid_run_loses_nothing(services: Services, smtp: SmtpServer) -> None:
    smtp.inbox.stop_after = 2
    smtp.start()
    queue(services, 5)
    report = services.mail.send_queued()
    assert report.sent == 2
    assert report.unreachable is not None
    assert report.queued == 3
    listed = {m["to"]: m for m in outbox_json()}
    assert [listed[f"person{i}@example.org"]["status"] for i in range(5)] == ["sent"] * 2 + ["queued"] * 3
    assert listed["person2@example.org"]["attempts"] == 1  # refused with 421: one try counted
    assert listed["person2@example.org"]["last_error"]

    # While the server is down, the command says so, exits 0 and keeps everything.
    down = run("outbox", "send")
    assert down.exit_code == 0, down.output
    assert "stay queued" in down.stdout
    assert [m["status"] for m in outbox_json()].count("queued") == 3

    smtp.inbox.stop_after = None
    smtp.start()
    up = run("outbox", "send", "--all")  # the tried ones wait for their next try unless asked for
    assert up.exit_code == 0, up.output
    assert "3 sent" in up.stdout
    received = sorted(str(m["To"]) for m in smtp.inbox.messages)
    assert received == [f"person{i}@example.org" for i in range(5)]  # every one, none twice
    assert {m["status"] for m in outbox_json()} == {"sent"}


def test_retries_are_bounded_and_failed_messages_can_be_sent_again(
    db_settings: Settings, smtp: SmtpServer
) -> None:
    settings = db_settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "mail_max_attempts": 2}
    )
    services = Services.build(settings)
    try:
        queue(services, 1)
        first = services.mail.send_queued()  # server down: one try, then a wait
        assert (first.retrying, first.queued) == (1, 1)
        assert services.mail.send_queued().sent == 0  # not due yet: backoff
        services.mail.send_queued(due_only=False)  # second and last try
        [entry] = outbox_json()
        assert entry["status"] == "failed"
        assert entry["attempts"] == 2
        assert "cannot reach" in entry["last_error"]

        smtp.start()
        again = run("outbox", "retry", str(entry["id"]))
        assert again.exit_code == 0, again.output
        assert services.mail.send_queued().sent == 1
        assert len(smtp.inbox.messages) == 1
    finally:
        services.close()


def test_a_message_tried_many_times_waits_six_hours_for_its_next_try(db_settings: Settings) -> None:
    """With many tries allowed (``MATCHMAKER_MAIL_MAX_ATTEMPTS=100``), a message whose server kept
    refusing it for days broke ``outbox send`` at its 60th try (the doubled wait no longer fit a time
    span), and stayed taken: never tried again, never marked failed. Its next try waits at most six
    hours, as the first ones did once the doubling reached them."""
    settings = db_settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": 1, "mail_max_attempts": 100, "mail_retry_seconds": 60}
    )
    services = Services.build(settings)
    try:
        queue(services, 1)
        with services.database.unit_of_work() as session:
            [row] = session.exec(select(OutboxMessage)).all()
            row.attempts = 60
            session.add(row)
        before = utcnow()
        report = services.mail.send_queued()  # nothing listens on port 1: a temporary failure
        assert (report.retrying, report.failed) == (1, 0)
        [entry] = outbox_json()
        assert (entry["status"], entry["attempts"]) == ("queued", 61)
        waits = datetime.fromisoformat(entry["next_attempt_at"]) - before
        assert timedelta(hours=5, minutes=59) < waits <= timedelta(hours=6, minutes=1)
    finally:
        services.close()


def test_without_an_smtp_server_configured_messages_stay_queued(
    db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services.build(db_settings)
    try:
        queue(services, 2)
    finally:
        services.close()
    result = run("outbox", "send")
    assert result.exit_code == 0, result.output
    assert "no SMTP server is configured" in result.stdout
    assert [m["status"] for m in outbox_json()] == ["queued", "queued"]


def test_retrying_an_id_past_what_the_database_holds_says_there_is_no_such_message(
    db_settings: Settings,
) -> None:
    # On PostgreSQL it said "the database could not be used (... integer out of range)".
    for message_id in ("2147483648", "99999999999999"):
        result = run("outbox", "retry", message_id)
        assert result.exit_code == 1, result.output
        assert f"error: no message {message_id} in the outbox" in result.stderr
        assert "database" not in result.stderr


def test_the_outbox_table_shows_each_address_whole(db_settings: Settings) -> None:
    services = Services.build(db_settings)
    try:
        with services.database.unit_of_work() as session:
            message = compose(
                "invitation", link="https://console.example/invite/1", entity="Kukës", expires="1 May"
            )
            services.outbox(session).queue("focal.point.kukes@municipality-of-kukes.example.org", message)
    finally:
        services.close()
    result = run("outbox", "list")  # an 80-column terminal
    assert result.exit_code == 0, result.output
    assert "focal.point.kukes@municipality-of-kukes.example.org" in result.stdout


def test_outbox_send_waits_for_a_failed_message_to_be_due_and_says_how_many_wait(
    db_settings: Settings, smtp: SmtpServer
) -> None:
    services = Services.build(db_settings)
    try:
        queue(services, 1)
    finally:
        services.close()
    down = run("outbox", "send")  # the server is down: one try, then a wait of a minute
    assert down.exit_code == 0, down.output
    assert "the 1 queued message stays queued and nothing was lost" in " ".join(down.stdout.split())
    [entry] = outbox_json()
    assert (entry["status"], entry["attempts"]) == ("queued", 1)

    smtp.start()
    again = run("outbox", "send")  # run again at once: the message is not due yet
    assert again.exit_code == 0, again.output
    assert "0 sent" in again.stdout
    assert "1 message waits for a later try" in again.stdout
    assert smtp.inbox.messages == []
    [entry] = outbox_json()
    assert entry["attempts"] == 1, "the message was not tried again before its time"

    now = run("outbox", "send", "--all")  # asked for: every queued message, due or not
    assert now.exit_code == 0, now.output
    assert "1 sent" in now.stdout
    assert "waits for a later try" not in now.stdout
    assert len(smtp.inbox.messages) == 1


def test_a_refused_recipient_is_told_to_staff_in_a_sentence_with_the_servers_reason(
    services: Services, smtp: SmtpServer
) -> None:
    smtp.inbox.refuse["person0@example.org"] = (
        "550 5.1.1 <person0@example.org>: Recipient address rejected: User unknown in virtual mailbox table"
    )
    smtp.inbox.refuse["person1@example.org"] = "450 4.2.1 Mailbox busy, try again later"
    smtp.start()
    queue(services, 2)
    result = run("outbox", "send")
    assert result.exit_code == 0, result.output
    listed = {m["to"]: m for m in outbox_json()}
    refused = listed["person0@example.org"]
    assert refused["status"] == "failed"
    expected = (
        "The SMTP server refused the address person0@example.org: Recipient address rejected: "
        "User unknown in virtual mailbox table (reply 550)."
    )
    assert refused["last_error"] == expected
    assert expected in result.stdout
    deferred = listed["person1@example.org"]
    assert deferred["status"] == "queued"
    assert deferred["last_error"] == (
        "The SMTP server cannot take mail for person1@example.org now: Mailbox busy, try again later "
        "(reply 450)."
    )


def test_a_long_run_keeps_each_message_it_is_sending_from_a_second_sender(
    services: Services, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slow server: each message takes four minutes to go, so the run outlasts the lease of a
    # message taken at its start. While the second message is being sent, another sender (a second
    # server process, or `matchmaker outbox send`) runs: it must not send that message too.
    smtp.start()
    queue(services, 3)
    clock = [utcnow()]
    monkeypatch.setattr(outbox_module, "utcnow", lambda: clock[0])
    deliver = MailSender._deliver
    other = MailSender(services.mail.settings, services.database)
    sending: list[str] = []

    def slow(self: MailSender, client: Any, row: Any) -> None:
        clock[0] += timedelta(minutes=4)
        sending.append(row.to_address)
        if self is not other and len(sending) == 2:
            other.send_queued()
        deliver(self, client, row)

    monkeypatch.setattr(MailSender, "_deliver", slow)
    services.mail.send_queued()
    received = sorted(str(m["To"]) for m in smtp.inbox.messages)
    assert received == [f"person{i}@example.org" for i in range(3)]  # every one, none twice
