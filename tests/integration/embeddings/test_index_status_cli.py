"""`matchmaker index status` as staff read it in an 80-column terminal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app


def test_status_shows_the_model_and_the_build_time_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    cities = tmp_path / "cities.jsonl"
    kukes = {"id": "kukes", "name": "Kukës", "country": "AL", "summary": "Floods every spring."}
    cities.write_text(json.dumps(kukes) + "\n", encoding="utf-8")
    runner = CliRunner()
    ingested = runner.invoke(app, ["ingest", str(cities)])
    assert ingested.exit_code == 0, ingested.output
    status = runner.invoke(app, ["index", "status"])
    assert status.exit_code == 0, status.output
    assert "…" not in status.stdout
    assert "Model: hashing-64" in status.stdout
    built = json.loads(runner.invoke(app, ["index", "status", "--json"]).stdout.splitlines()[0])
    minute = built["manifest"]["built_at"][:16].replace("T", " ")
    assert re.search(rf"│ city +│ current +│ 1/1 +│ \d+ +│ flat +│ {minute} +│", status.stdout)
    assert re.search(r"│ provider +│ missing +│", status.stdout)
