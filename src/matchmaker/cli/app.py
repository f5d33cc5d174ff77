"""The Typer application shared by every command module, and the entry point that never shows a traceback."""

from __future__ import annotations

import logging
import sys
from typing import Any

import typer
from pydantic import ValidationError
from typer._click import Context
from typer.core import TyperGroup

from matchmaker.errors import validation_reason

logger = logging.getLogger(__name__)


class _ProductWordsGroup(TyperGroup):
    """The ``matchmaker`` command group: an option refused for its type or its bound says why in the
    product's words (``Invalid value for '--top': must be 1 or more``), as every other refusal does,
    rather than the validation library's (``Input should be greater than or equal to 1``). Every
    subcommand's options are read inside this group's :meth:`invoke`."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except typer.BadParameter as exc:
            cause = exc.__cause__
            problems = cause.errors(include_url=False) if isinstance(cause, ValidationError) else []
            if problems:
                exc.message = validation_reason(problems[0])
            raise


app = typer.Typer(
    name="matchmaker",
    help="Matchmaking and knowledge exchange for smart-city cooperation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_ProductWordsGroup,
)


@app.callback()
def _root() -> None:
    # A callback keeps ``matchmaker`` a group of commands even when only one command module is loaded
    # (``matchmaker schedule`` loads the schedule command alone); without it, Typer would turn a lone
    # command into the program itself, and ``schedule`` would be read as its PROBLEM.json argument.
    """The ``matchmaker`` command itself: no options of its own."""


def command_group(name: str, help_text: str) -> typer.Typer:
    """A group of subcommands, ``matchmaker NAME …``, registered on :data:`app`; given no subcommand, it
    prints its help."""
    group = typer.Typer(name=name, help=help_text, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


EXIT_UNEXPECTED = 1
EXIT_INTERRUPTED = 130


def describe_failure(exc: BaseException) -> str:
    """One line for a failure no command handled (the traceback goes to the log at debug level)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if "database is locked" in text:
        return "the database is busy: another process kept it locked too long; try again"
    if type(exc).__name__ == "OperationalError" or "sqlalchemy" in type(exc).__module__:
        return f"the database could not be used ({text[:200]})"
    return f"unexpected failure ({type(exc).__name__}: {text[:200]})"


def main() -> None:
    """Entry point of the console script: errors end with one ``error:`` line, never a traceback."""
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        logger.debug("Unhandled failure", exc_info=exc)
        sys.stderr.write(f"error: {describe_failure(exc)}\n")
        sys.exit(EXIT_UNEXPECTED)
