"""Database engine, schema migrations and the unit-of-work session.

The schema is owned by Alembic (``matchmaker/db/migrations``). :class:`Database` upgrades the
database to the newest revision when it is built, so an upgraded install keeps
its data and a fresh home gets the full schema.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from matchmaker.settings import Settings

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _enable_sqlite_foreign_keys(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at the packaged migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Upgrade the database behind ``engine`` to the newest schema revision."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class Database:
    """The instance's database: one engine, migrated to the newest schema when it is made.

    Each :meth:`unit_of_work` is one transaction: it commits when its block succeeds and rolls back when it
    raises. The web app opens one per request (a yield dependency); the CLI opens one per command. There is
    no process-wide registry: whoever builds a ``Database`` owns it and disposes of it.
    """

    def __init__(self, settings: Settings, *, migrate_schema: bool = True) -> None:
        url = settings.db_url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            settings.ensure_dirs()
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        if migrate_schema:
            logger.info("Migrating database %s", parsed.render_as_string(hide_password=True))
            migrate(engine)
        self.engine: Engine = engine

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (one writer at a time)."""
        return self.engine.url.get_backend_name() == "sqlite"

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session whose work commits when the block succeeds and rolls back when it raises."""
        session = Session(self.engine, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


__all__ = ["MIGRATIONS_DIR", "Database", "alembic_config", "migrate"]
