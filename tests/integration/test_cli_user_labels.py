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


def test_a_user_id_no_user_can_have_is_refused_as_out_of_range(db_settings: Settings) -> None:
    """An id past what the database numbers is refused naming the bound, as the API refuses it in a
    path, not reported as an unexpected failure of the database."""
    assert run("users", "add", "--role", "staff").exit_code == 0
    for command in (("revoke",), ("rotate",), ("move", "--for", "kukes")):
        refused = run("users", command[0], "99999999999999999999", *command[1:])
        assert refused.exit_code == 2, refused.output
        assert "must be 2147483647 or less" in refused.output
        assert "unexpected" not in refused.output
    assert run("users", "revoke", "0").exit_code == 2
    missing = run("users", "revoke", "2147483647")
    assert missing.exit_code == 1
    assert "no API user with id 2147483647" in missing.output
