"""Short commands start without loading what they do not use: the solver, the exports, the web stack,
the vector index, the model, the migration tool, the mail outbox, fuzzy name matching, or rich when they
print plain lines.

Each command runs in a fresh interpreter, as a person runs it, and reports the modules it loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.settings import Settings

#: Loaded by none of the commands below once the home exists.
HEAVY = (
    "alembic",
    "faiss",
    "fpdf",
    "icalendar",
    "jinja2",
    "litestar",
    "matchmaker.matching.engine",
    "matchmaker.services.events.agendas",
    "matchmaker.services.events.planning",
    "matchmaker.services.events.statistics",
    "matchmaker.services.mail",
    "numpy",
    "openpyxl",
    "ortools",
    "rapidfuzz",
    "rich.progress",
    "scipy",
    "sentence_transformers",
    "smtplib",
    "torch",
)

#: Loaded by some commands only: rich for a table or help, the event tables for event commands.
PLAIN = ("rich",)
NO_EVENTS = ("matchmaker.db.events", "matchmaker.services.events")
NO_SCHEDULE_COMMAND = ("matchmaker.cli.schedule",)

_PROBE = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("\\nMODULES:" + json.dumps(sorted(sys.modules)) + "\\n"))
sys.argv = ["matchmaker", *sys.argv[1:]]
from matchmaker.cli import main
main()
"""


def _loaded(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.rsplit("MODULES:", 1)[1]))


def _store(tmp_path: Path) -> None:
    cities = tmp_path / "cities.jsonl"
    kukes = {"id": "kukes", "name": "Kukës", "country": "AL", "summary": "Floods every spring."}
    cities.write_text(json.dumps(kukes) + "\n", encoding="utf-8")
    runner = CliRunner()
    for args in (
        ["ingest", "--no-index", str(cities)],
        ["event", "create", "ws1", "--name", "Workshop", "--tables", "2", "--start", "2038-03-02T09:00"],
    ):
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output


@pytest.fixture
def stored_home(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite home holding one city and one event."""
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    _store(tmp_path)
    return home


#: Each short command, and what it does not load beyond :data:`HEAVY`.
SHORT_COMMANDS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("--help",), ()),
    (("users", "add", "--role", "staff"), PLAIN + NO_EVENTS),
    (("list", "cities"), NO_EVENTS),
    (("show", "city", "Kukes"), PLAIN + NO_EVENTS),
    (("event", "list"), PLAIN + NO_SCHEDULE_COMMAND),
    (("event", "show", "ws1"), PLAIN + NO_SCHEDULE_COMMAND),
]


@pytest.mark.parametrize(
    ("args", "also_unused"), [pytest.param(a, u, id=" ".join(a)) for a, u in SHORT_COMMANDS]
)
def test_short_commands_load_no_heavy_module(
    stored_home: Path, args: tuple[str, ...], also_unused: tuple[str, ...]
) -> None:
    loaded = _loaded(*args)
    assert "sqlmodel" in loaded  # the probe saw the command run
    assert sorted(m for m in HEAVY + also_unused if m in loaded) == []


def test_listing_loads_no_migration_tool_on_either_database(tmp_path: Path, db_settings: Settings) -> None:
    _store(tmp_path)
    loaded = _loaded("list", "cities")
    assert "matchmaker.db.models" in loaded
    assert sorted(m for m in HEAVY if m in loaded) == []
