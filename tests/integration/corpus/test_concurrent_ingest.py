"""Two ``matchmaker ingest`` runs on one SQLite home both succeed; the CLI never prints a traceback."""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from matchmaker.cli import load_commands, main

DEMO = Path(__file__).resolve().parents[3] / "corpora" / "demo"
SRC = Path(__file__).resolve().parents[3] / "src"
CLI = "from matchmaker.cli import main; main()"


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MATCHMAKER_HOME": str(home),
        "MATCHMAKER_MODEL_NAME": "hashing-64",
        "PYTHONPATH": str(SRC),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


@pytest.mark.slow
@pytest.mark.parametrize("fresh_home", [True, False], ids=["fresh-home", "existing-home"])
def test_two_ingests_at_once_both_store_everything(home: Path, fresh_home: bool) -> None:
    env = _env(home)
    if not fresh_home:
        first = subprocess.run(
            [sys.executable, "-c", CLI, "ingest", str(DEMO / "cities.jsonl")],
            env=env,
            capture_output=True,
            check=False,
        )
        assert first.returncode == 0, first.stderr.decode()
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", CLI, "ingest", str(DEMO), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [(p.wait(timeout=600), *p.communicate()) for p in runs]
    for code, out, err in outputs:
        assert code == 0, err.decode()
        assert b"Traceback" not in err
        assert json.loads(out.decode().splitlines()[-1])["accepted"] == 192
    listed = subprocess.run(
        [sys.executable, "-c", CLI, "list", "providers", "--json"], env=env, capture_output=True, check=True
    )
    assert len(listed.stdout.decode().splitlines()) == 90


def test_an_unexpected_failure_is_one_error_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def locked(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    # The command modules register on the real application first (run alone, this test would otherwise
    # hand them the stand-in); the package re-exports the Typer object as ``app``, which hides the
    # module of the same name.
    load_commands()
    monkeypatch.setattr(importlib.import_module("matchmaker.cli.app"), "app", locked)
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the database is busy")
    assert "Traceback" not in err
