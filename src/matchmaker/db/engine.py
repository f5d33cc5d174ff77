"""Database engine, schema migrations and the unit-of-work session.

The schema is owned by Alembic (``matchmaker/db/migrations``). :class:`Database` upgrades the
database to the newest revision when it is built, so an upgraded install keeps
its data and a fresh home gets the full schema.

Every command builds a :class:`Database`, so the check must be cheap: the revision stored in the
database is compared with the head revision read from the migration scripts' ``revision`` and
``down_revision`` lines (:func:`head_revision`, no Alembic import). Alembic runs only when they differ
(a fresh or an older database), or when the scripts cannot be read that way.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, DBAPIError
from sqlmodel import Session, create_engine

from matchmaker.errors import ConfigurationError
from matchmaker.settings import Settings

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _enable_sqlite_foreign_keys(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _begin_before_savepoint(connection: Connection, _name: str) -> None:
    """Open the transaction a savepoint belongs to (SQLite).

    The sqlite3 driver begins a transaction only before a statement that writes, so a nested block
    (``session.begin_nested()``) that comes first would have SQLite start one for the savepoint alone,
    and releasing the savepoint would commit it: what the block wrote would stay when its unit of work
    rolls back. ``BEGIN`` first makes the savepoint part of the unit's transaction; it takes no lock, as
    the savepoint alone would not have.
    """
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN")


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


def _unstorable_reason(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return "contains an unpaired surrogate (not valid Unicode text)"
    return None


def unstorable(value: Any, path: str = "", whole: str = "body") -> str | None:
    """The first text in ``value`` that no database can store (a NUL character, an unpaired surrogate)
    as ``field: reason``, its field named by its path (``focal_point.name``, ``solutions[0].title``;
    ``whole`` names the value itself), or None when every text can be stored."""
    if isinstance(value, str):
        reason = _unstorable_reason(value)
        return f"{path or whole}: {reason}" if reason else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = unstorable(key, path, whole) or unstorable(
                item, f"{path}.{key}" if path else str(key), whole
            )
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if found := unstorable(item, f"{path or whole}[{index}]", whole):
                return found
    return None


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at the packaged migrations and the given database."""
    from alembic.config import Config  # noqa: PLC0415 - Alembic is loaded only when the schema changes

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> set[str]:
    """Upgrade the database behind ``engine`` to the newest schema revision; the revisions it had.

    A database whose revision no migration script names was upgraded by a newer release: it is refused
    with a :class:`ConfigurationError` that says so, before Alembic is asked to find that revision.
    On PostgreSQL the migration holds a lock of the database (:func:`_lock_schema`), so processes that
    start together migrate one after the other: the revisions are read once the lock is held, and a
    process that waited finds the schema current and changes nothing.
    """
    from alembic import command  # noqa: PLC0415 - Alembic is loaded only when the schema changes
    from alembic.util.exc import CommandError  # noqa: PLC0415 - Alembic is loaded only when the schema changes

    before = stored_revisions(engine)
    # When every script is readable (a head is found), a stored revision none of them names is newer.
    unknown = before - script_revisions() if head_revision() is not None else set()
    if unknown:
        raise _newer_schema(engine, unknown)
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            _lock_schema(connection)
            before = _revisions_of(connection)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except CommandError as exc:
        if "Can't locate revision" in str(exc):
            raise _newer_schema(engine, stored_revisions(engine)) from exc
        raise
    except DBAPIError as exc:
        raise _failed_upgrade(engine, before, exc) from exc
    return before


def _failed_upgrade(engine: Engine, before: set[str], exc: DBAPIError) -> ConfigurationError:
    """What an operator reads when a migration fails: which upgrade, why, and in what state it left
    the schema (on PostgreSQL the migrations run in one transaction, so nothing changed); or, when
    the database could not be reached, that and what to check (no upgrade was tried)."""
    reason = str(exc.orig or exc).strip().splitlines()
    shown = engine.url.render_as_string(hide_password=True)
    if exc.statement is None:  # no statement was sent: the database could not be reached at all
        where = (
            "MATCHMAKER_DATABASE_URL, and that the database server runs and holds that database"
            if engine.dialect.name == "postgresql"
            else "that the database file can be created and written there"
            " (MATCHMAKER_HOME, MATCHMAKER_DATABASE_URL)"
        )
        why = reason[0] if reason else type(exc).__name__
        return ConfigurationError(f"cannot connect to the database {shown}: {why}; check {where}")
    after = "; its schema is as it was" if engine.dialect.name == "postgresql" else ""
    return ConfigurationError(
        f"could not upgrade the database {shown} from revision {', '.join(sorted(before)) or '(none)'} "
        f"to {head_revision() or 'the newest'}: {reason[0] if reason else type(exc).__name__}{after}. "
        "Correct the cause and run `matchmaker db upgrade` again"
    )


#: The PostgreSQL advisory lock that one process holds while it migrates a database (any constant
#: 64-bit number that nothing else in the database uses; this one spells "mm-schema").
_SCHEMA_LOCK_KEY = 0x6D6D2D736368656D


def _lock_schema(connection: Connection) -> None:
    """On PostgreSQL, wait for any other process migrating the same database, until the transaction
    ends. Two migrations at once would both create the new tables, and the second would fail with
    'relation already exists'. SQLite is serialised by a file lock instead (:func:`_migration_lock`)."""
    if connection.dialect.name != "postgresql":
        return
    key = {"key": _SCHEMA_LOCK_KEY}
    if not connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), key).scalar_one():
        logger.warning("Another process is migrating the database; waiting for it")
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), key)


def _revisions_of(connection: Connection) -> set[str]:
    """The revisions recorded in the database, read in ``connection``'s transaction (empty for a
    database Alembic has not touched; a missing table is asked about, not tried, as a failed statement
    would end a PostgreSQL transaction)."""
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return {str(v) for v in connection.execute(text("SELECT version_num FROM alembic_version")).scalars()}


def _newer_schema(engine: Engine, revisions: set[str]) -> ConfigurationError:
    shown = engine.url.render_as_string(hide_password=True)
    return ConfigurationError(
        f"the database {shown} has schema revision {', '.join(sorted(revisions))}, which this release "
        f"of matchmaker does not know (its newest is {head_revision() or 'unknown'}): a newer release "
        "upgraded it. Run that release, or restore the backup taken before the upgrade"
    )


def script_revisions(directory: Path = MIGRATIONS_DIR) -> set[str]:
    """Every revision the migration scripts name, read from their text (an unreadable one is left out:
    :func:`head_revision` is None then)."""
    found: set[str] = set()
    for path in sorted((directory / "versions").glob("*.py")):
        revision, _parent = _revision_and_parent(path)
        if not path.name.startswith("_") and isinstance(revision, str):
            found.add(revision)
    return found


#: ``revision = "0004_event_edit"`` or ``down_revision: str | None = None`` at the start of a line.
_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=\n]*=[ \t]*(.*?)[ \t]*(?:#.*)?$", re.MULTILINE)
_LITERAL = re.compile(r"""^(?:None|"([^"\\]*)"|'([^'\\]*)')$""")
_UNREADABLE = object()


def _revision_and_parent(path: Path) -> tuple[object, object]:
    """The ``revision`` and ``down_revision`` of a migration script, read from its text.

    A value that is not a plain string literal or ``None`` (a tuple of parents, an expression) is
    returned as an unreadable marker.
    """
    values: dict[str, object] = {}
    for name, raw in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
        literal = _LITERAL.match(raw)
        if name in values or literal is None:
            values[name] = _UNREADABLE
        else:
            values[name] = None if raw == "None" else (literal.group(1) or literal.group(2) or "")
    return values.get("revision", _UNREADABLE), values.get("down_revision", _UNREADABLE)


@cache
def head_revision(directory: Path = MIGRATIONS_DIR) -> str | None:
    """The one head revision of the migration scripts, read from their text (Alembic is not imported).

    ``None`` when the scripts do not name exactly one head with plain string revisions (a merge,
    branches, or a script this reader does not understand); the caller then asks Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((directory / "versions").glob("*.py")):
        if path.name.startswith("_"):
            continue
        revision, parent = _revision_and_parent(path)
        if not isinstance(revision, str) or not isinstance(parent, str | None):
            return None  # a merge (a tuple of parents) or an expression: Alembic knows better
        revisions.add(revision)
        if parent is not None:
            parents.add(parent)
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def stored_revisions(engine: Engine) -> set[str]:
    """The revisions Alembic recorded in the database; empty for a database it has not touched."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return {str(v) for v in rows}
    except DBAPIError:  # no alembic_version table yet: a fresh database
        return set()


def is_current(engine: Engine) -> bool:
    """Whether the database is at the head revision of the migration scripts, without Alembic."""
    head = head_revision()
    return head is not None and stored_revisions(engine) == {head}


@contextmanager
def _migration_lock(sqlite_path: str | None) -> Iterator[None]:
    """Serialise schema migrations of one SQLite file between processes (two first runs at once).

    On PostgreSQL the migration's transaction holds an advisory lock instead (:func:`_lock_schema`);
    SQLite's DDL is not protected that way, so the second process would try to create tables the first
    has just made.
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
            event.listen(engine, "savepoint", _begin_before_savepoint)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        self.engine: Engine = engine
        if migrate_schema:
            self.upgrade()

    def upgrade(self) -> tuple[set[str], set[str]]:
        """Bring the schema to the newest revision when it is not there: the revisions (before, after)."""
        engine = self.engine
        before = stored_revisions(engine)
        head = head_revision()
        if head is not None and before == {head}:  # what is_current says, with one query
            return before, before
        parsed = engine.url
        logger.info("Migrating database %s", parsed.render_as_string(hide_password=True))
        with _migration_lock(parsed.database if parsed.get_backend_name() == "sqlite" else None):
            before = migrate(engine)  # as found once no other process migrates it
        return before, stored_revisions(engine)

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


def on_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once ``session``'s transaction has committed; a rollback drops it unrun.

    ``action`` runs after the commit, so what it reads through other sessions sees the write.
    """

    def committed(_: Session) -> None:
        if event.contains(session, "after_rollback", rolled_back):
            event.remove(session, "after_rollback", rolled_back)
        action()

    def rolled_back(_: Session) -> None:
        if event.contains(session, "after_commit", committed):
            event.remove(session, "after_commit", committed)

    event.listen(session, "after_commit", committed, once=True)
    event.listen(session, "after_rollback", rolled_back, once=True)


__all__ = [
    "MIGRATIONS_DIR",
    "Database",
    "alembic_config",
    "head_revision",
    "is_current",
    "migrate",
    "on_commit",
    "stored_revisions",
    "unstorable",
]
