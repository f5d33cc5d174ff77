"""events: a meeting request's id is never given to another request

Without AUTOINCREMENT, SQLite numbers a new row one past the largest id in the table, so the id of a
withdrawn request (the newest one) went to the next request sent, and whoever kept the old id reached
another participant's request with it. The table is rebuilt, its rows kept with their ids, as an
AUTOINCREMENT table, which never hands out an id again. PostgreSQL's sequences never reuse a value:
nothing changes there.

Create Date: 2026-12-06 18:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision: str = "0016_request_ids_never_reused"
down_revision: str | None = "0015_request_decline_reason"

#: The tables whose integer ids people are shown and whose rows are deleted.
TABLES = ("event_request",)


def _rebuild(*, autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    """Apply this revision."""
    _rebuild(autoincrement=True)


def downgrade() -> None:
    """Revert this revision."""
    _rebuild(autoincrement=False)
