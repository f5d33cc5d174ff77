"""events: a venue, plan and publish reports, reasons for participants, calendar feed tokens

Create Date: 2026-12-02 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from matchmaker.db.migrations.columns import (
    add_columns,
    create_indexes,
    drop_columns,
    drop_indexes,
    event_ref,
)

revision: str = "0004_event_edit"
down_revision: str | None = "0003_self_service"


def upgrade() -> None:
    """Apply this revision."""
    add_columns(
        "event",
        sa.Column("venue", AutoString(length=300), nullable=True),
        sa.Column("plan_report", sa.Text(), nullable=True),
        sa.Column("publish_report", sa.Text(), nullable=True),
    )
    add_columns("event_meeting", sa.Column("public_reason", sa.Text(), nullable=True))
    add_columns("event_published_meeting", sa.Column("public_reason", sa.Text(), nullable=True))
    op.create_table(
        "event_feed_token",
        sa.Column("token_hash", AutoString(length=64), nullable=False),
        *event_ref(),
        sa.Column("participant_id", AutoString(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    create_indexes("event_feed_token", "event_id")


def downgrade() -> None:
    """Revert this revision."""
    drop_indexes("event_feed_token", "event_id")
    op.drop_table("event_feed_token")
    drop_columns("event_published_meeting", "public_reason")
    drop_columns("event_meeting", "public_reason")
    drop_columns("event", "venue", "plan_report", "publish_report")
