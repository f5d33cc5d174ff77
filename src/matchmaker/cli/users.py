"""``matchmaker users``: issue, list and revoke API bearer tokens; invite and move users."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from matchmaker.cli.app import command_group
from matchmaker.cli.context import unit_of_work
from matchmaker.cli.options import JsonLinesOpt
from matchmaker.cli.output import configure_logging, emit_json, handled, new_table, stderr, stdout
from matchmaker.db.models import LABEL_MAX, SERIAL_ID_MAX
from matchmaker.errors import InvalidInputError

if TYPE_CHECKING:
    from matchmaker.services.users import Principal

users_app = command_group("users", "API users and their bearer tokens.")


class RoleChoice(StrEnum):
    """Roles a user can have."""

    staff = "staff"
    city = "city"
    provider = "provider"


# The options that users add and users invite share.
RoleOpt = Annotated[RoleChoice, typer.Option("--role", help="staff, city or provider.")]
ForOpt = Annotated[
    str | None, typer.Option("--for", help="The city or provider (id or name) the user speaks for.")
]


def _label_option(who: str) -> Any:
    """``--label``, the note kept with a user, whose help says what it notes (``who``)."""
    return typer.Option("--label", help=f"A note: {who} (at most {LABEL_MAX} characters).")


#: A user's id as the commands take it: one the database can number (a larger one is refused as an
#: option out of range, not sent to the database, which cannot compare it with an id).
UserIdArg = Annotated[int, typer.Argument(min=1, max=SERIAL_ID_MAX, help="The user's id (see `users list`).")]

#: The option that gives each field a refusal may name (the API's key, the console's form field).
_OPTION_OF = {"subject_id": "--for", "label": "--label", "email": "--email"}


@contextmanager
def _options_named() -> Iterator[None]:
    """Name the option in a refusal of the field it gives, as the API names the key of its body: the
    option in place of the field's name that begins the message (``--label is 201 characters long``),
    or before it (``--for: no city matches 'Atlantis'``)."""
    try:
        yield
    except InvalidInputError as exc:
        option = _OPTION_OF.get(exc.field or "")
        if option is not None:
            words = (exc.field or "").replace("_", " ")
            if exc.message.startswith(f"{words} "):
                exc.message = option + exc.message[len(words) :]
            else:
                exc.message = f"{option}: {exc.message}"
        raise


def _named(principal: Principal) -> str:
    """A user as the messages name it: its role and id, and the record it speaks for."""
    who = f" for {principal.subject_id}" if principal.subject_id else ""
    return f"{principal.role} user {principal.user_id}{who}"


@users_app.command("add")
@handled
def add(
    role: RoleOpt,
    subject: ForOpt = None,
    label: Annotated[str | None, _label_option("who holds the token")] = None,
) -> None:
    """Create an API user; its bearer token is printed alone on the last line, once."""
    configure_logging()
    with _options_named(), unit_of_work() as (services, session):
        issued = services.users(session).add_user(role.value, subject, label)
    stderr.print(f"Created {_named(issued.principal)}. The token is shown only now.", markup=False)
    # The token alone on the last line of standard output, so scripts can take it with `tail -n1`.
    typer.echo(issued.token)


@users_app.command("list")
@handled
def list_users(
    as_json: JsonLinesOpt = False,
) -> None:
    """List active API users (never their tokens)."""
    configure_logging()
    with unit_of_work() as (services, session):
        users = services.users(session).list_users()
    if as_json:
        for u in users:
            emit_json({"id": u.user_id, "role": u.role, "for": u.subject_id, "label": u.label})
        return
    table = new_table("id", "role", "for", "label", whole=("id", "role", "for"))
    for u in users:
        table.add_row(str(u.user_id), u.role, u.subject_id or "", u.label or "")
    stdout.print(table)


@users_app.command("revoke")
@handled
def revoke(user_id: UserIdArg) -> None:
    """Revoke a user: its token, console sessions, open sign-in links and calendar feed addresses stop."""
    configure_logging()
    with unit_of_work(write=True) as (services, session):
        services.accounts(session).revoke(user_id)
    stdout.print(f"Revoked user {user_id}.", markup=False)


@users_app.command("move")
@handled
def move(
    user_id: UserIdArg,
    subject: Annotated[
        str, typer.Option("--for", help="The city or provider (id or name) the user speaks for from now on.")
    ],
) -> None:
    """Move a user to another city or provider; its sessions and the feeds it made for the old one stop."""
    configure_logging()
    with _options_named(), unit_of_work(write=True) as (services, session):
        principal = services.accounts(session).change_subject(user_id, subject)
    stdout.print(
        f"Moved {_named(principal)}; its console sessions were ended and the calendar feed addresses it "
        "made for the record it left stopped.",
        markup=False,
    )


@users_app.command("rotate")
@handled
def rotate(user_id: UserIdArg) -> None:
    """Give a user a new bearer token, printed alone on the last line; the old one stops working now.

    The user's console sessions and the calendar feed addresses it made stop working too."""
    configure_logging()
    with unit_of_work(write=True) as (services, session):
        issued = services.accounts(session).rotate_token(user_id)
    stderr.print(
        f"New token for {_named(issued.principal)}; the old one no longer works, its console sessions "
        "were ended and the calendar feed addresses it made stopped. The token is shown only now.",
        markup=False,
    )
    typer.echo(issued.token)


@users_app.command("invite")
@handled
def invite(
    role: RoleOpt,
    email: Annotated[str, typer.Option("--email", help="Where the invitation goes.")],
    subject: ForOpt = None,
    label: Annotated[str | None, _label_option("who the person is")] = None,
) -> None:
    """Queue an e-mail invitation; its one-time sign-in link is printed alone on the last line."""
    configure_logging()
    with _options_named(), unit_of_work() as (services, session):
        invited = services.accounts(session).invite(role.value, email, subject, label)
    stderr.print(
        f"Queued an invitation to {invited.email} ({_named(invited.principal)}); "
        f"the link works once, until {invited.expires_at:%Y-%m-%d %H:%M} UTC. "
        "Send it with `matchmaker outbox send`.",
        markup=False,
    )
    typer.echo(invited.link)
