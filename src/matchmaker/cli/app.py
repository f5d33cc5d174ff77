"""The Typer application shared by every command module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="matchmaker",
    help="Matchmaking and knowledge exchange for smart-city cooperation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Entry point of the console script."""
    app()
