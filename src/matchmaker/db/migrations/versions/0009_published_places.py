"""events: the venue and each table's name as they were published, kept as they were entered

Create Date: 2026-12-06 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString

from matchmaker.db.migrations.columns import add_columns, drop_columns

revision: str = "0009_published_places"
down_revision: str | None = "0008_session_notice"


def upgrade() -> None:
    """Apply this revision."""
    add_columns("event", sa.Column("published_venue", AutoString(length=300), nullable=True))
    add_columns("event_published_meeting", sa.Column("table_name", AutoString(length=200), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    drop_columns("event_published_meeting", "table_name")
    drop_columns("event", "published_venue")
