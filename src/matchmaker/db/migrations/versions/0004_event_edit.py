"""events: a venue, plan and publish reports, reasons for participants, calendar feed tokens

Create Date: 2026-12-02 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from matchmaker.db.migrations.columns import create_indexes, drop_indexes, event_ref

revision: str = "0004_event_edit"
down_revision: str | None = "0003_self_service"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("venue", AutoString(length=300), nullable=True))
        batch_op.add_column(sa.Column("plan_report", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("publish_report", sa.Text(), nullable=True))
    with op.batch_alter_table("event_meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("event_published_meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_reason", sa.Text(), nullable=True))
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
    with op.batch_alter_table("event_published_meeting", schema=None) as batch_op:
        batch_op.drop_column("public_reason")
    with op.batch_alter_table("event_meeting", schema=None) as batch_op:
        batch_op.drop_column("public_reason")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("publish_report")
        batch_op.drop_column("plan_report")
        batch_op.drop_column("venue")
