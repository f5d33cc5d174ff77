"""What the server's log says while it migrates a database: the migrations, not Alembic's plumbing."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from matchmaker.db.engine import Database
from matchmaker.settings import Settings
from matchmaker.web.logs import configure_server_logging


def test_a_migration_logs_its_steps_and_not_alembics_plugins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_server_logging("INFO")
    try:
        logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.autogenerate.schemas")
        Database(Settings(home=tmp_path)).dispose()
        err = capsys.readouterr().err
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.NOTSET)
    messages = [json.loads(line)["message"] for line in err.splitlines() if line.startswith("{")]
    assert any(m.startswith("Running upgrade") for m in messages)
    assert not [m for m in messages if m.startswith("setup plugin")]
