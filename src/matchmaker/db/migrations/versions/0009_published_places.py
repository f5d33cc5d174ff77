"""events: the venue and each table's name as they were published, kept as they were entered

Create Date: 2026-12-06 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0009_published_places"
down_revision: str | None = "0008_session_notice"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_venue", AutoString(length=300), nullable=True))
    with op.batch_alter_table("event_published_meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("table_name", AutoString(length=200), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("event_published_meeting", schema=None) as batch_op:
        batch_op.drop_column("table_name")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("published_venue")
