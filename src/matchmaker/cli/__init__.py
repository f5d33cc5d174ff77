"""The ``matchmaker`` command.

Each command group lives in its own module and registers itself on the Typer app of
:mod:`matchmaker.cli.app`. Commands parse their arguments, call one service, and format the result; exit
codes come from :mod:`matchmaker.cli.output`.

Command modules are registered lazily: ``matchmaker users add`` imports the users module alone, so a
short command does not pay for the matching engine, the scheduler or the web stack. ``app`` (used by
tests and ``--help``) is the application with every command registered.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import TYPE_CHECKING

from matchmaker.cli import app as _app_module

if TYPE_CHECKING:
    import typer

# Importing the submodule bound its name on this package; drop it, so that ``matchmaker.cli.app`` is
# the application with every command (see ``__getattr__``), as it always was.
del globals()["app"]

#: The modules that register commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "corpus",
    "db",
    "schedule",
    "events",
    "selfservice",
    "index",
    "jobs",
    "match",
    "outbox",
    "schedule",
    "serve",
    "users",
)
#: Which module registers each top-level command; a name missing here loads every module.
COMMAND_HOMES: dict[str, tuple[str, ...]] = {
    "db": ("db",),
    "ingest": ("corpus",),
    "list": ("corpus",),
    "show": ("corpus",),
    "event": ("events", "selfservice"),
    "index": ("index",),
    "jobs": ("jobs",),
    "match": ("match",),
    "search": ("match",),
    "eval": ("match",),
    "outbox": ("outbox",),
    "schedule": ("schedule",),
    "serve": ("serve",),
    "openapi": ("serve",),
    "users": ("users",),
}


def load_commands(*modules: str) -> typer.Typer:
    """Register the commands of ``modules`` (every module when none is named) and return the app."""
    for name in modules or COMMAND_MODULES:
        importlib.import_module(f"matchmaker.cli.{name}")
    return _app_module.app


def _modules_for(argv: list[str]) -> tuple[str, ...] | None:
    """The modules that register the command in ``argv``, if it is known."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    return COMMAND_HOMES.get(command) if command is not None else None


def _defer_model_schemas() -> None:
    """Let pydantic build a model's validators on the model's first use instead of at its import.

    A command imports every table model and schema of the modules it loads, and uses few of them: a
    listing validates one public model, never the focal point's e-mail (whose validator would import
    ``email_validator``). Only models defined from now on are affected; what a model accepts and
    returns is unchanged.
    """
    from pydantic import BaseModel  # noqa: PLC0415 - imported by every command module anyway

    BaseModel.model_config["defer_build"] = True


def main() -> None:
    """Entry point of the console script: load the command's modules only, then run it.

    Errors end with one ``error:`` line, never a traceback (:func:`matchmaker.cli.app.main`).
    """
    modules = _modules_for(sys.argv[1:])
    if modules is None or "serve" not in modules:  # the server builds its schemas before it listens
        _defer_model_schemas()
    # The imports make objects that live until the process ends and no reference cycles to collect, so
    # the collector has nothing to find while they run.
    gc.disable()
    try:
        if modules is not None:
            load_commands(*modules)
        else:
            load_commands()
    finally:
        # What the imports made (modules, classes, the table models) lives until the process ends.
        # Frozen, it is left out of every later garbage collection, including the full ones Python runs
        # while it shuts down, which would otherwise walk all of it again: a fifth to a quarter of the
        # CPU time of a short command (bench/bench_cli.py).
        gc.freeze()
        gc.enable()
    _app_module.main()


def __getattr__(name: str) -> typer.Typer:
    # ``from matchmaker.cli import app`` gives the application with every command registered.
    if name == "app":
        return load_commands()
    raise AttributeError(name)


__all__ = ["COMMAND_HOMES", "COMMAND_MODULES", "app", "load_commands", "main"]
