"""``--help`` of every command reads as whole sentences, wrapped at the terminal's width only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.core import TyperOption
from typer.testing import CliRunner

from matchmaker.cli import load_commands

APP = load_commands()


def _paths(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _paths(sub, (*path, name))


PATHS = list(_paths(typer.main.get_command(APP)))


def _help(path: tuple[str, ...], columns: int) -> list[str]:
    result = CliRunner().invoke(APP, [*path, "--help"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def _description(lines: list[str]) -> list[str]:
    """The text between the usage line and the first panel."""
    start = next(i for i, line in enumerate(lines) if "Usage:" in line) + 1
    end = next((i for i, line in enumerate(lines) if line.startswith("╭")), len(lines))
    return [line.strip() for line in lines[start:end] if line.strip()]


def _command_rows(lines: list[str]) -> list[str]:
    """The lines of the Commands panel."""
    start = next((i for i, line in enumerate(lines) if line.startswith("╭─ Commands")), None)
    if start is None:
        return []
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("╰"))
    return lines[start + 1 : end]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "matchmaker")
def test_on_a_wide_terminal_no_help_sentence_is_broken(path: tuple[str, ...]) -> None:
    lines = _help(path, 200)
    for line in _description(lines):
        assert line.endswith((".", ")", ":")), f"a sentence breaks after {line!r}"
    for row in _command_rows(lines):
        # A row whose name column is blank continues the previous command's summary.
        assert not row.startswith("│  "), f"a command's summary breaks before {row!r}"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "matchmaker")
def test_every_option_says_what_it_does(path: tuple[str, ...]) -> None:
    command = typer.main.get_command(APP)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    silent = [p.opts[0] for p in command.params if isinstance(p, TyperOption) and not p.help]
    assert silent == []
