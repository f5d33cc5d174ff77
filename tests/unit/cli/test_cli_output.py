"""The CLI prints plain lines itself and everything else through rich, with the same result."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from rich.console import Console

from matchmaker.cli.output import Output, new_table

LINES = [
    "bench: Bench at Congress centre, hall B",
    "  12 slots (2038-03-02 09:00 – 13:55, Europe/Istanbul), 4 tables",
    "Kukës – Ош – İstanbul – 東京 – café",
    "x" * 300,  # longer than any terminal: never cut
    "",
    "two\nlines",
    "a [bold]bracket[/bold] stays as it is",
    "tab\tseparated",  # rich expands tabs
    "an emoji code :thumbs_up: and :not_an_emoji:",  # rich replaces known codes
    "carriage\rreturn and bell\x07",  # rich strips these
    "time 09:00:00",
]


def _rich(text: str, *, terminal: bool) -> str:
    out = io.StringIO()
    Console(file=out, highlight=False, soft_wrap=True, force_terminal=terminal, width=40).print(
        text, markup=False
    )
    return out.getvalue()


@pytest.mark.parametrize("text", LINES)
@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_a_line_prints_as_rich_prints_it(
    text: str, terminal: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output = Output()
    monkeypatch.setattr(type(output), "console", Console(highlight=False, soft_wrap=True, width=40))
    output.print(text, markup=False)
    assert capsys.readouterr().out == _rich(text, terminal=terminal)


def test_errors_go_to_standard_error(capsys: pytest.CaptureFixture[str]) -> None:
    Output(stderr=True).print("error: no city matches 'Atlantis'", markup=False)
    assert capsys.readouterr() == ("", "error: no city matches 'Atlantis'\n")


def test_tables_print_through_rich(capsys: pytest.CaptureFixture[str]) -> None:
    table = new_table("id", "name")
    table.add_row("kukes", "Kukës")
    Output().print(table)
    out = capsys.readouterr().out
    assert "kukes" in out
    assert "Kukës" in out


def test_plain_lines_do_not_load_rich() -> None:
    code = (
        "import sys; from matchmaker.cli.output import stdout; stdout.print('plain', markup=False); "
        "sys.stderr.write(str(sorted(m for m in sys.modules if m.split('.')[0] == 'rich')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "plain\n"
    assert done.stderr == "[]"


def test_a_table_too_wide_for_the_terminal_shows_every_value_whole(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As `matchmaker index status` prints it in an 80-column terminal.
    output = Output()
    monkeypatch.setattr(type(output), "console", Console(highlight=False, soft_wrap=True, width=80))
    table = new_table()
    for column in ("kind", "present", "state", "documents", "passages", "index", "model", "built"):
        table.add_column(column)
    values = (
        "provider",
        "yes",
        "current",
        "90/90",
        "387",
        "flat",
        "bundled:all-MiniLM-L6-v2",
        "2026-12-05T23:41:05+00:00",
    )
    table.add_row(*values)
    output.print(table)
    out = capsys.readouterr().out
    assert "…" not in out
    # Each column's pieces, read top to bottom, give the value back.
    rows = [line.split("│")[1:-1] for line in out.splitlines() if line.startswith("│")]
    cells = ["".join(row[i].strip() for row in rows) for i in range(8)]
    assert cells == list(values)
