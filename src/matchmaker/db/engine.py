"""Database engine, schema migrations and the unit-of-work session.

The schema is owned by Alembic (``matchmaker/db/migrations``). :class:`Database` upgrades the
database to the newest revision when it is built, so an upgraded install keeps
its data and a fresh home gets the full schema.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError
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


class NulCharacterError(ValueError):
    """A text value holds a NUL character, which PostgreSQL cannot store."""


def _refuse_nul(
    _conn: object, _cursor: object, statement: str, parameters: object, _context: object, _many: bool
) -> None:
    """Refuse NUL characters in text parameters on SQLite, as PostgreSQL does.

    SQLite stores them silently; PostgreSQL answers ``DataError``. Raising the same error here makes a
    write behave the same on both backends (the web layer maps it to 422, the CLI to a message).
    """
    # The DB-API gets a tuple (or dict) for one execution and a list of them for executemany.
    rows = parameters if isinstance(parameters, list) else [parameters]
    for row in rows:
        values = row.values() if isinstance(row, dict) else row if isinstance(row, list | tuple) else ()
        for value in values:
            if isinstance(value, str) and "\x00" in value:
                raise DataError(statement, None, NulCharacterError("a text value contains a NUL character"))


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


@contextmanager
def _migration_lock(sqlite_path: str | None) -> Iterator[None]:
    """Serialise schema migrations of one SQLite file between processes (two first runs at once).

    PostgreSQL runs each migration in a transaction of its own; SQLite's DDL is not protected the
    same way, so the second process would try to create tables the first has just made.
    """
    if not sqlite_path or sqlite_path == ":memory:":
        yield
        return
    lock_path = Path(f"{sqlite_path}.migrate.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("Another process is migrating the database; waiting for it")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


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
            event.listen(engine, "before_cursor_execute", _refuse_nul)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        if migrate_schema:
            logger.info("Migrating database %s", parsed.render_as_string(hide_password=True))
            with _migration_lock(parsed.database if parsed.get_backend_name() == "sqlite" else None):
                migrate(engine)
        self.engine: Engine = engine

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (one writer at a time)."""
        return self.engine.url.get_backend_name() == "sqlite"

    @contextmanager
    def unit_of_work(self, *, write: bool = False) -> Iterator[Session]:
        """A session whose work commits when the block succeeds and rolls back when it raises.

        ``write`` says the block will write: on SQLite the write lock is then taken when the block
        starts (``BEGIN IMMEDIATE``, waiting up to the busy timeout for another writer) instead of at
        the first write, where a concurrent writer would make SQLite fail at once with "database is
        locked" rather than wait.
        """
        session = Session(self.engine, expire_on_commit=False)
        try:
            if write and self.is_sqlite:
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
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
