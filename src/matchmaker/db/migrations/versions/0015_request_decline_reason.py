"""events: a declined meeting request keeps why its recipient declined it

A request answered before this release has no reason.

Create Date: 2026-12-06 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0015_request_decline_reason"
down_revision: str | None = "0014_calendar_names"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("event_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decline_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("event_request", schema=None) as batch_op:
        batch_op.drop_column("decline_reason")
