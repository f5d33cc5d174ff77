"""events: meeting requests keep the matcher's reason for the pair

Create Date: 2026-12-02 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_request_reason"
down_revision: str | None = "0004_event_edit"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("event_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("event_request", schema=None) as batch_op:
        batch_op.drop_column("reason")
