"""Schema changes go through Alembic: an instance created by the first release keeps its data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from matchmaker.db.engine import alembic_config, create_db_engine, dispose_engines
from matchmaker.db.models import CityCreate
from matchmaker.services import records
from matchmaker.settings import Settings


def test_upgrade_from_the_first_revision_keeps_records(db_settings: Settings) -> None:
    db_settings.ensure_dirs()
    url = db_settings.db_url
    old = create_engine(url)
    cfg = alembic_config(url)
    with old.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO city (id, name, country, summary, priorities, challenges, extra, "
                "created_at, updated_at) VALUES ('kukes', 'Kukës', 'AL', 'Floods.', '[]', '[]', '{}', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    old.dispose()
    dispose_engines()

    engine = create_db_engine(db_settings)  # migrates to the newest revision on first use
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == _head()
    assert "city" in inspect(engine).get_table_names()
    city = records.get_record(db_settings, "city", "kukes")
    assert city.name == "Kukës"


def _head() -> str:
    from alembic.script import ScriptDirectory

    from matchmaker.db.engine import MIGRATIONS_DIR

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


def test_two_homes_share_nothing(tmp_path: Path) -> None:
    base = tmp_path
    a = Settings(home=base / "a", model_name="hashing-64")
    b = Settings(home=base / "b", model_name="hashing-64")
    records.create_record(a, "city", CityCreate(id="kukes", name="Kukës", country="AL", summary="Floods."))
    assert records.counts(a)["city"] == 1
    assert records.counts(b)["city"] == 0
    assert a.db_url != b.db_url
