"""workers: background jobs, index generations and rate-limit windows shared by server processes

Create Date: 2026-12-02 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from matchmaker.db.migrations.columns import new_indexes, new_table, reversible, serial_id

revision: str = "0006_workers"
down_revision: str | None = "0005_request_reason"

upgrade, downgrade = reversible(
    new_table(
        "job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", AutoString(length=40), nullable=False),
        sa.Column("state", AutoString(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", AutoString(length=500), nullable=False),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", AutoString(length=4000), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("worker", AutoString(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    ),
    new_indexes("job", "state", "owner_id"),
    new_table(
        "index_generation",
        *serial_id(),
        sa.Column("kind", AutoString(length=20), nullable=False),
        sa.Column("generation", AutoString(length=80), nullable=False),
        sa.Column("corpus_hash", AutoString(length=128), nullable=False),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.Column("checksums", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    ),
    new_indexes("index_generation", "kind"),
    new_table(
        "rate_window",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start"),
    ),
)
