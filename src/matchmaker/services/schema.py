"""The database schema on its own: the step of an upgrade that runs before the servers start again."""

from __future__ import annotations

from dataclasses import dataclass

from matchmaker.db.engine import Database
from matchmaker.settings import Settings


@dataclass(frozen=True, slots=True)
class SchemaUpgrade:
    """What an upgrade of the schema did: the database (its password hidden) and its revisions."""

    database: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """Whether a migration ran."""
        return self.before != self.after


def upgrade_schema(settings: Settings) -> SchemaUpgrade:
    """Bring the database of ``settings`` to the newest schema revision of this release.

    Servers and commands do the same when they start; running it first, once, lets an operator see it
    succeed (or read why not: a database a newer release upgraded is refused) before restarting them.
    """
    database = Database(settings, migrate_schema=False)
    try:
        before, after = database.upgrade()
        shown = database.engine.url.render_as_string(hide_password=True)
    finally:
        database.dispose()
    return SchemaUpgrade(shown, tuple(sorted(before)), tuple(sorted(after)))


__all__ = ["SchemaUpgrade", "upgrade_schema"]
