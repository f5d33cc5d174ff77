"""events: where each published meeting was announced (its table's name and the venue)

Create Date: 2026-12-06 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString

from matchmaker.db.migrations.columns import add_columns, drop_columns

revision: str = "0007_published_location"
down_revision: str | None = "0006_workers"


def upgrade() -> None:
    """Apply this revision."""
    add_columns("event_published_meeting", sa.Column("location", AutoString(length=600), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    drop_columns("event_published_meeting", "location")
