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
