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
from sqlmodel import Session

from matchmaker.cli import load_commands, main
from matchmaker.db import repository
from matchmaker.db.models import CityCreate
from matchmaker.services import corpus
from matchmaker.settings import Settings
from services_support import services_for, stored_records

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


@pytest.mark.postgres
def test_a_record_created_through_the_api_during_an_ingest_is_updated_not_the_ingest_failed(
    home: Path, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL, staff creating a city through the API while an ingest was storing the same id
    made the whole ingest fail ("the database could not be used"), losing the file's other records."""
    settings = Settings(home=home, database_url=pg_url, model_name="hashing-64")
    path = tmp_path / "cities.jsonl"
    kukes = {"id": "kukes", "name": "Kukës", "country": "AL", "summary": "Floods in spring."}
    osh = {"id": "osh", "name": "Osh", "country": "KG", "summary": "Old street lighting."}
    path.write_text("".join(json.dumps(r) + "\n" for r in (kukes, osh)), encoding="utf-8")
    looked_up: list[str] = []

    def store_as_the_api_creates_it(session: Session, record: CityCreate) -> bool:
        if looked_up:
            return repository.upsert_city(session, record)
        looked_up.append(record.id)  # the ingest has looked the id up and found nothing...
        with stored_records(settings) as api:  # ...when staff create it through the API
            api.create("city", CityCreate.model_validate(kukes | {"summary": "Typed in by staff."}))
        return repository.upsert_city(session, record, new=True)

    monkeypatch.setitem(corpus._UPSERT, "city", store_as_the_api_creates_it)
    with services_for(settings) as services:
        report = services.corpus.ingest_paths([path], refresh_index=False)
        assert report.exit_code == 0, report.rejections
        assert (report.files[0].created, report.files[0].updated) == (1, 1)
        with services.database.unit_of_work() as session:
            assert repository.get_city(session, "kukes").summary == "Floods in spring."
            assert repository.get_city(session, "osh").name == "Osh"
