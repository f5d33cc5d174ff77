"""events: where each published meeting was announced (its table's name and the venue)

Create Date: 2026-12-06 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0007_published_location"
down_revision: str | None = "0006_workers"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("event_published_meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location", AutoString(length=600), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("event_published_meeting", schema=None) as batch_op:
        batch_op.drop_column("location")
