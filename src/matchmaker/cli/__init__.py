"""The ``matchmaker`` command.

Each command group lives in its own module and registers itself on :data:`app`. Commands parse their
arguments, call one service, and format the result; exit codes come from :mod:`matchmaker.cli.output`.
"""

from __future__ import annotations

from matchmaker.cli.app import app, main

# Importing the command modules registers their commands on ``app``.
from matchmaker.cli import corpus as _corpus  # noqa: F401  isort: skip
from matchmaker.cli import events as _events  # noqa: F401  isort: skip
from matchmaker.cli import index as _index  # noqa: F401  isort: skip
from matchmaker.cli import match as _match  # noqa: F401  isort: skip
from matchmaker.cli import outbox as _outbox  # noqa: F401  isort: skip
from matchmaker.cli import schedule as _schedule  # noqa: F401  isort: skip
from matchmaker.cli import selfservice as _selfservice  # noqa: F401  isort: skip
from matchmaker.cli import serve as _serve  # noqa: F401  isort: skip
from matchmaker.cli import users as _users  # noqa: F401  isort: skip

__all__ = ["app", "main"]
