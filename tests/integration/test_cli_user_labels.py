"""``matchmaker users add|invite --label``: a label is bounded like the other names of the product."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.settings import Settings


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_a_label_too_long_is_refused_with_its_length_and_the_limit(db_settings: Settings) -> None:
    for command in (("add",), ("invite", "--email", "someone@example.org")):
        refused = run("users", *command, "--role", "staff", "--label", "x" * 5000)
        assert refused.exit_code == 2, refused.output
        assert "--label is 5000 characters long; the limit is 200" in refused.output
    listed = run("users", "list", "--json")
    assert listed.stdout.strip() == ""
    kept = run("users", "add", "--role", "staff", "--label", "y" * 200)
    assert kept.exit_code == 0, kept.output
