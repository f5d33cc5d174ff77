"""The CLI's output layer: JSON lines, tables, errors and exit codes, in one place.

Rich is imported when a command first prints something only rich can print (a table, markup, a
progress bar): a line of plain text is written as it is, as rich would write it, so short commands do
not load rich.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from functools import cached_property, wraps
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TextIO, TypeVar

import typer
from pydantic import ValidationError

from matchmaker.errors import (
    ConfigurationError,
    IndexUnavailableError,
    InfeasibleScheduleError,
    InvalidInputError,
    MatchmakerError,
    NotFoundError,
)
from matchmaker.settings import Settings, describe_settings_error

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

P = ParamSpec("P")
R = TypeVar("R")

#: What rich would change in a line of text: the control characters it strips (and the others, to be
#: safe), tabs it expands, and ``:name:`` emoji codes it replaces.
_NOT_PLAIN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]|:\S*?:")


class Output:
    """Standard output or standard error, as the commands print to it.

    :meth:`print` takes what rich's ``Console.print`` takes. Text printed with ``markup=False`` that
    rich would print unchanged is written directly; anything else goes through a rich console (no
    highlighting, soft wrapping: lines are never cut), made on first use. That console reads no
    markup: what the commands print is data (names, quotes, "[en gloss: …]", "[mentor]"), and a
    bracket in it is text, not a style.
    """

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr

    @cached_property
    def console(self) -> Console:
        """The rich console behind this output (rich is imported now)."""
        from rich.console import Console  # noqa: PLC0415 - rich loads only for what needs it

        return Console(stderr=self._stderr, highlight=False, soft_wrap=True, markup=False)

    @property
    def _stream(self) -> TextIO:
        return sys.stderr if self._stderr else sys.stdout

    def print(self, *objects: object, markup: bool | None = None, soft_wrap: bool | None = None) -> None:
        """Print ``objects`` as rich does (a line of plain text without rich)."""
        if (
            markup is False
            and soft_wrap is not False
            and len(objects) == 1
            and isinstance(objects[0], str)
            and not _NOT_PLAIN.search(objects[0])
            and "console" not in self.__dict__  # once rich prints here, it prints everything
        ):
            stream = self._stream
            stream.write(objects[0] + "\n")
            stream.flush()
            return
        _fold_long_cells(objects)
        self.console.print(*objects, markup=markup, soft_wrap=soft_wrap)


def _fold_long_cells(objects: tuple[object, ...]) -> None:
    """Let the cells of the tables among ``objects`` fold onto more lines instead of ending in "…": a
    model name, a time, an e-mail address or an error shows whole, however narrow the terminal."""
    from rich.table import Table  # noqa: PLC0415 - rich loads only for what needs it

    for table in objects:
        if isinstance(table, Table):
            for column in table.columns:
                if column.overflow == "ellipsis":
                    column.overflow = "fold"


stdout = Output()
stderr = Output(stderr=True)


def new_table(*headers: str, title: str | None = None, whole: Collection[str] = ()) -> Table:
    """A rich table with these column headers (rich is imported now).

    The columns named in ``whole`` (ids, e-mail addresses, short codes: what a person copies) never
    wrap; the others wrap or fold to make room for them.
    """
    from rich.table import Table  # noqa: PLC0415 - rich loads only for what needs it

    table = Table(*headers, title=title)
    for column in table.columns:
        column.no_wrap = column.header in whole
    return table


EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2


def no_meeting_possible_line(ids: Collection[str]) -> str | None:
    """The line naming participants of a schedule who could have no meeting at all (None for none)."""
    if not ids:
        return None
    return (
        "no meeting possible (no partner with a score or a request, none with a common free slot,"
        " a maximum of 0 or every pair blocked): " + ", ".join(ids)
    )


def exit_code_for(exc: MatchmakerError) -> int:
    """The exit code of an error of the project's tree."""
    if isinstance(exc, InvalidInputError | InfeasibleScheduleError | ConfigurationError):
        return EXIT_INVALID
    if isinstance(exc, NotFoundError | IndexUnavailableError):
        return EXIT_FAILURE
    return EXIT_FAILURE


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print ``error: message`` on standard error and exit."""
    stderr.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


class QueryFailures:
    """The queries of one command that failed, when a command answers several in turn.

    A query that cannot be answered (a name that resolves to nothing or to several records, a text
    the matcher refuses) prints its ``error:`` line on standard error and the next query is answered;
    standard output holds the answers only. :meth:`exit` ends the command with the exit code that one
    such query alone would have had (the higher one when they differ), or does nothing when all were
    answered.
    """

    def __init__(self) -> None:
        self.code = EXIT_OK

    @contextmanager
    def caught(self) -> Iterator[None]:
        """Run one query: a bad name or input is reported and counted, not raised."""
        try:
            yield
        except (NotFoundError, InvalidInputError) as exc:
            stderr.print(f"error: {exc.message}", markup=False)
            self.code = max(self.code, exit_code_for(exc))

    def exit(self) -> None:
        """End the command with a failure's exit code when a query failed."""
        if self.code != EXIT_OK:
            raise typer.Exit(self.code)


def emit_json(value: Any) -> None:
    """Print one JSON object on its own line (UTF-8, not ASCII-escaped)."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def configure_logging(verbose: bool = False) -> None:
    """Log to standard error: warnings by default, everything with ``--verbose``."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def load_settings() -> Settings:
    """Settings from the environment, or a clear error (a file a setting names is checked too)."""
    try:
        settings = Settings()
    except ValidationError as exc:
        fail(f"invalid settings: {describe_settings_error(exc)}", EXIT_INVALID)
    try:
        settings.check_files()
    except ConfigurationError as exc:
        fail(exc.message, exit_code_for(exc))
    return settings


@contextmanager
def errors_to_exit() -> Iterator[None]:
    """Turn errors of the project's tree into a message and an exit code."""
    try:
        yield
    except MatchmakerError as exc:
        fail(exc.message, exit_code_for(exc))


def handled(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command so that project errors end it with a message and the right exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with errors_to_exit():
            return func(*args, **kwargs)

    return wrapper
