"""`matchmaker index status` on a fresh home says every index is missing, without loading a model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app


def test_status_json_on_a_fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHMAKER_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["index", "status", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["kind"] for line in lines] == ["city", "provider", "case"]
    assert all(line["present"] is False and line["stale"] is True for line in lines)


def test_status_table_tells_how_to_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHMAKER_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["index", "status"])
    assert result.exit_code == 0, result.output
    assert "missing" in result.stdout
    assert "matchmaker index build" in result.stdout


def test_a_hashing_model_of_no_dimension_is_refused_with_what_to_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It ended in "unexpected failure (ZeroDivisionError: integer modulo by zero)"."""
    monkeypatch.setenv("MATCHMAKER_HOME", str(tmp_path))
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-0")
    result = CliRunner().invoke(app, ["index", "build"])
    assert result.exit_code == 2, result.output
    assert result.output == (
        "error: cannot use the embedding model 'hashing-0': a hashing encoder needs a dimension of 1 or"
        " more (e.g. hashing-64)\n"
    )
