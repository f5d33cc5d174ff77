"""Schema changes go through Alembic: an instance created by the first release keeps its data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from matchmaker.db.engine import Database, alembic_config
from matchmaker.db.models import CityCreate
from matchmaker.services.records import RecordService
from matchmaker.settings import Settings
from services_support import stored_records


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

    database = Database(db_settings)  # migrates to the newest revision when it is made
    try:
        engine = database.engine
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == _head()
        assert "city" in inspect(engine).get_table_names()
        with database.unit_of_work() as session:
            city = RecordService(session).get("city", "kukes")
        assert city.name == "Kukës"
    finally:
        database.dispose()


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
    with stored_records(a) as records:
        records.create("city", CityCreate(id="kukes", name="Kukës", country="AL", summary="Floods."))
    with stored_records(a) as records:
        assert records.counts()["city"] == 1
    with stored_records(b) as records:
        assert records.counts()["city"] == 0
    assert a.db_url != b.db_url
