"""``matchmaker event self-service EVENT --until WHEN``: until when participants change their own
availability and profile."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from matchmaker.cli.context import unit_of_work
from matchmaker.cli.events import event_app, in_utc
from matchmaker.cli.output import EXIT_INVALID, configure_logging, fail, handled, stdout


@event_app.command("self-service")
@handled
def self_service(
    event_id: Annotated[str, typer.Argument(help="The event's id.")],
    until: Annotated[
        str,
        typer.Option(
            "--until",
            help=(
                "ISO 8601 time (UTC unless an offset is given, as --deadline),"
                " or 'none' (use the request deadline)."
            ),
        ),
    ],
) -> None:
    """Set until when participants may change their own availability and profile."""
    configure_logging()
    when: datetime | None = None
    if until.strip().lower() != "none":
        try:
            when = in_utc(datetime.fromisoformat(until.strip()))
        except ValueError:
            fail(f"{until!r} is not an ISO 8601 time", EXIT_INVALID)
    with unit_of_work() as (services, session):
        deadline = services.self_service(session).set_deadline(event_id, when)
    if deadline is None:
        until_told = "the event is over: it has neither a self-service nor a request deadline"
    else:
        # Told on the event's clock, with its offset and zone (set_deadline gives it in the event's zone).
        until_told = f"{deadline.isoformat(timespec='minutes')} ({deadline.tzinfo})"
        if when is None:  # the self-service deadline is cleared: the request deadline governs
            until_told = f"the request deadline, {until_told}"
    stdout.print(f"Participants of {event_id} may change their settings until {until_told}.", markup=False)
