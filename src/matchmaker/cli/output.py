"""The CLI's output layer: JSON lines, tables, errors and exit codes, in one place."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from matchmaker.errors import (
    IndexUnavailableError,
    InfeasibleScheduleError,
    InvalidInputError,
    MatchmakerError,
    NotFoundError,
)
from matchmaker.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2


def exit_code_for(exc: MatchmakerError) -> int:
    """The exit code of an error of the project's tree."""
    if isinstance(exc, InvalidInputError | InfeasibleScheduleError):
        return EXIT_INVALID
    if isinstance(exc, NotFoundError | IndexUnavailableError):
        return EXIT_FAILURE
    return EXIT_FAILURE


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print ``error: message`` on standard error and exit."""
    stderr.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


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
    """Settings from the environment, or a clear error."""
    try:
        return Settings()
    except ValidationError as exc:
        fail(f"invalid settings: {exc.errors()[0]['msg']}", EXIT_INVALID)


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
