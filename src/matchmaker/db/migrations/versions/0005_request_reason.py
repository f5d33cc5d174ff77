"""events: meeting requests keep the matcher's reason for the pair

Create Date: 2026-12-02 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.db.migrations.columns import add_columns, drop_columns

revision: str = "0005_request_reason"
down_revision: str | None = "0004_event_edit"


def upgrade() -> None:
    """Apply this revision."""
    add_columns("event_request", sa.Column("reason", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    drop_columns("event_request", "reason")
