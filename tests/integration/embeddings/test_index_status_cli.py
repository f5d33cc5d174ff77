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


def test_status_after_a_crash_says_which_live_index_is_damaged_and_what_to_run(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    cities = tmp_path / "cities.jsonl"
    kukes = {"id": "kukes", "name": "Kukës", "country": "AL", "summary": "Floods every spring."}
    cities.write_text(json.dumps(kukes) + "\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(cities)]).exit_code == 0
    built = json.loads(runner.invoke(app, ["index", "status", "--json"]).stdout.splitlines()[0])
    vectors = home / "indexes" / "city" / built["manifest"]["generation"] / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 0xFF
    vectors.write_bytes(bytes(data))

    status = runner.invoke(app, ["index", "status"])
    assert status.exit_code == 0, status.output
    assert re.search(r"│ city +│ damaged +│", status.stdout)
    assert "city: index bundle " in status.stdout
    assert "vectors.npy does not match its checksum" in status.stdout
    assert "Run `matchmaker index build`" in status.stdout
    as_json = json.loads(runner.invoke(app, ["index", "status", "--json"]).stdout.splitlines()[0])
    assert as_json["damaged"] is True
    assert "vectors.npy" in as_json["problem"]

    assert runner.invoke(app, ["index", "build"]).exit_code == 0
    rebuilt = runner.invoke(app, ["index", "status"])
    assert re.search(r"│ city +│ current +│", rebuilt.stdout)
    assert "damaged" not in rebuilt.stdout
