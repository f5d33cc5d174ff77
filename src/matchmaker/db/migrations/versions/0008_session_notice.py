"""session notices: what a console change leaves for the next page of its session, shown once

Create Date: 2026-12-06 10:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from matchmaker.db.migrations.columns import new_indexes, new_table, reversible, serial_id

revision: str = "0008_session_notice"
down_revision: str | None = "0007_published_location"

upgrade, downgrade = reversible(
    new_table(
        "session_notice",
        *serial_id(),
        sa.Column("session_hash", sa.String(length=128), nullable=False),
        sa.Column("kind", AutoString(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["session_hash"], ["web_session.id_hash"], ondelete="CASCADE"),
    ),
    new_indexes("session_notice", "session_hash"),
)
