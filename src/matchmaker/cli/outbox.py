"""``matchmaker outbox``: the e-mail messages waiting for, sent by or refused by the SMTP server."""

from __future__ import annotations

from datetime import UTC
from enum import StrEnum
from typing import Annotated

import typer

from matchmaker.cli.app import command_group
from matchmaker.cli.context import open_services, unit_of_work
from matchmaker.cli.options import JsonLinesOpt
from matchmaker.cli.output import configure_logging, emit_json, handled, new_table, stdout
from matchmaker.wording import counted

outbox_app = command_group("outbox", "E-mail messages: list, send, send again.")


class StatusChoice(StrEnum):
    """Statuses of a message."""

    queued = "queued"
    sent = "sent"
    failed = "failed"


@outbox_app.command("list")
@handled
def list_messages(
    status: Annotated[
        StatusChoice | None, typer.Option("--status", help="Only queued, sent or failed.")
    ] = None,
    as_json: JsonLinesOpt = False,
) -> None:
    """List messages, newest first: queued, sent and failed."""
    configure_logging()
    with unit_of_work() as (services, session):
        entries = services.outbox(session).list(status=status.value if status else None)
    if as_json:
        for e in entries:
            emit_json(
                {
                    "id": e.id,
                    "kind": e.kind,
                    "to": e.to,
                    "subject": e.subject,
                    "status": e.status,
                    "attempts": e.attempts,
                    "created_at": e.created_at.isoformat(),
                    "next_attempt_at": e.next_attempt_at.isoformat() if e.status == "queued" else None,
                    "sent_at": e.sent_at.isoformat() if e.sent_at else None,
                    "last_error": e.last_error,
                }
            )
        return
    table = new_table(
        "id", "status", "tries", "kind", "to", "subject", "last error", whole=("id", "status", "tries", "to")
    )
    for e in entries:
        table.add_row(str(e.id), e.status, str(e.attempts), e.kind, e.to, e.subject, e.last_error or "")
    stdout.print(table)


@outbox_app.command("send")
@handled
def send(
    due_only: Annotated[
        bool,
        typer.Option(
            "--due-only/--all",
            help="Only messages whose next try is due, as the server sends them (the default); --all "
            "also tries at once those waiting after a failed try.",
        ),
    ] = True,
) -> None:
    """Send what is queued and due. Exits 0 when the SMTP server is down: the messages stay queued."""
    configure_logging()
    with open_services() as services:
        report = services.mail.send_queued(due_only=due_only)
    stdout.print(report.outcome(), markup=False)
    for line in report.errors:
        stdout.print(f"  {line}", markup=False)
    if report.waiting and report.next_try_at is not None:
        many = "1 message waits" if report.waiting == 1 else f"{report.waiting} messages wait"
        stdout.print(
            f"{many} for a later try after a failed one (the next at "
            f"{report.next_try_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC); "
            "`matchmaker outbox send --all` tries them now.",
            markup=False,
        )
    unreachable = report.unreachable_text()
    if unreachable:
        stdout.print(unreachable, markup=False)


@outbox_app.command("retry")
@handled
def retry(message_id: Annotated[int, typer.Argument(help="The message's id (see `outbox list`).")]) -> None:
    """Queue a failed message again ("send again"); the next `outbox send` tries it."""
    configure_logging()
    with unit_of_work() as (services, session):
        entry = services.outbox(session).requeue(message_id)
    stdout.print(f"Message {entry.id} to {entry.to} is queued again.", markup=False)


@outbox_app.command("remind")
@handled
def remind() -> None:
    """Queue the day-before reminders of published meetings (once per participant and day)."""
    configure_logging()
    with unit_of_work() as (services, session):
        queued = services.notifier(session).reminders()
    stdout.print(f"Queued {counted(queued, 'reminder')}.", markup=False)
