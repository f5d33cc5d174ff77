"""events: calendar entries keep the event's name and the parties' names they were published with

A calendar app takes an entry's new text only with a higher SEQUENCE. The releases before this one
gave entries the current names, so renaming the event or a participant changed an entry's SUMMARY and
DESCRIPTION under the same SEQUENCE. From this release an entry shows the names it was published
with, and a publication that gives it other names raises its SEQUENCE. A meeting published before
keeps the names its calendars read now (the current ones), so the upgrade changes no calendar entry.

Create Date: 2026-12-06 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from matchmaker.db.migrations.columns import add_columns, drop_columns

revision: str = "0014_calendar_names"
down_revision: str | None = "0013_request_notified"


def _text_columns(table: str, *columns: str) -> sa.TableClause:
    """The text ``columns`` of ``table``, as this revision reads and writes them."""
    return sa.table(table, *(sa.column(name, sa.String) for name in columns))


_event, _city, _provider = (_text_columns(t, "id", "name") for t in ("event", "city", "provider"))
_published = _text_columns("event_published_meeting", "event_id", "a", "b", "event_name", "a_name", "b_name")


def _name_of(pid: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """The name calendars read for the participant ``pid``: its provider's, else its city's, else
    the id (as the names shown were looked up)."""

    def named(table: sa.TableClause) -> sa.ScalarSelect[str]:
        return sa.select(table.c.name).where(table.c.id == pid).scalar_subquery()

    return sa.func.coalesce(sa.func.nullif(named(_provider), ""), sa.func.nullif(named(_city), ""), pid)


def upgrade() -> None:
    """Apply this revision."""
    add_columns(
        "event_published_meeting",
        sa.Column("event_name", AutoString(length=300), nullable=True),
        sa.Column("a_name", AutoString(length=300), nullable=True),
        sa.Column("b_name", AutoString(length=300), nullable=True),
    )
    event_name = sa.select(_event.c.name).where(_event.c.id == _published.c.event_id).scalar_subquery()
    op.get_bind().execute(
        sa.update(_published).values(
            event_name=event_name, a_name=_name_of(_published.c.a), b_name=_name_of(_published.c.b)
        )
    )


def downgrade() -> None:
    """Revert this revision."""
    drop_columns("event_published_meeting", "event_name", "a_name", "b_name")
