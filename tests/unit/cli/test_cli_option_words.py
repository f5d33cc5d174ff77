"""An option out of its range or of the wrong type is refused in the product's words, naming the option,
never in the validation library's ("Input should be greater than or equal to 1")."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["match", "providers", "--city", "kukes", "--top", "0"],
            "Invalid value for '--top': must be 1 or more",
        ),
        (
            ["match", "providers", "--city", "kukes", "--top", "abc"],
            "Invalid value for '--top': must be a whole number such as 10 (got 'abc')",
        ),
        (["serve", "--port", "0"], "Invalid value for '--port': must be 1 or more"),
        (["serve", "--port", "65536"], "Invalid value for '--port': must be 65535 or less"),
        (
            ["schedule", "problem.json", "--time-limit", "0"],
            "Invalid value for '--time-limit': must be 0.1 or more",
        ),
    ],
)
def test_an_option_out_of_range_says_its_bound(
    args: list[str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHMAKER_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert expected in result.output
    assert "should" not in result.output
