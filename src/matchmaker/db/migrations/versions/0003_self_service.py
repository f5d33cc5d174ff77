"""self service: invitations, server-side sessions, the mail outbox, user e-mail and last sign-in,
the per-event self-service deadline

Create Date: 2026-12-02 15:00:00
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
    serial_id,
)

revision: str = "0003_self_service"
down_revision: str | None = "0002"


def upgrade() -> None:
    """Apply this revision."""
    add_columns(
        "api_user",
        sa.Column("email", AutoString(length=320), nullable=True),
        sa.Column("last_sign_in_at", UTCDateTime(), nullable=True),
    )
    add_columns("event", sa.Column("self_service_deadline", UTCDateTime(), nullable=True))
    op.create_table(
        "invitation",
        *serial_id(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", AutoString(length=320), nullable=False),
        sa.Column("secret_hash", AutoString(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["api_user.id"], ondelete="CASCADE"),
    )
    create_indexes("invitation", "user_id")
    op.create_table(
        "web_session",
        sa.Column("id_hash", AutoString(length=128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["api_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    create_indexes("web_session", "user_id")
    op.create_table(
        "outbox",
        *serial_id(),
        sa.Column("kind", AutoString(length=40), nullable=False),
        sa.Column("to_address", AutoString(length=320), nullable=False),
        sa.Column("subject", AutoString(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("attachment_name", AutoString(length=200), nullable=True),
        sa.Column("attachment_type", AutoString(length=100), nullable=True),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dedup_key", sa.String(length=300), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("dedup_key"),
    )
    create_indexes("outbox", "kind", "status")


def downgrade() -> None:
    """Revert this revision."""
    drop_indexes("outbox", "kind", "status")
    op.drop_table("outbox")
    drop_indexes("web_session", "user_id")
    op.drop_table("web_session")
    drop_indexes("invitation", "user_id")
    op.drop_table("invitation")
    drop_columns("event", "self_service_deadline")
    drop_columns("api_user", "email", "last_sign_in_at")
