"""initial schema: cities, providers, solutions, cases, users, ingest runs

Create Date: 2026-11-23 13:28:41.555814
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import UTCDateTime

from matchmaker.db.migrations.columns import new_indexes, new_table, reversible, serial_id, stored_record

revision: str = "0001"
down_revision: str | None = None

upgrade, downgrade = reversible(
    new_table(
        "api_user",
        *serial_id(),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=128), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
    ),
    new_indexes("api_user", "token_hash", unique=True),
    new_table(
        "case_study",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("obstacles", sa.JSON(), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("funding", sa.Text(), nullable=True),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("providers", sa.JSON(), nullable=False),
        sa.Column("source_url", sa.String(length=1000), nullable=True),
        *stored_record(),
    ),
    new_indexes("case_study", "city", "country"),
    new_table(
        "city",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("priorities", sa.JSON(), nullable=False),
        sa.Column("challenges", sa.JSON(), nullable=False),
        sa.Column("programme_level", sa.Integer(), nullable=True),
        sa.Column("maturity", sa.JSON(), nullable=True),
        *stored_record(),
    ),
    new_indexes("city", "country", "name"),
    new_table(
        "ingest_run",
        *serial_id(),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("rejections", sa.JSON(), nullable=False),
    ),
    new_table(
        "provider",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("regions_served", sa.JSON(), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        *stored_record(),
    ),
    new_indexes("provider", "country", "name"),
    new_table(
        "focal_point",
        sa.Column("city_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(["city_id"], ["city.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("city_id"),
    ),
    new_table(
        "solution",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("deployed_in", sa.JSON(), nullable=False),
        *serial_id(),
        sa.Column("provider_id", sa.String(length=128), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("provider_id", "position"),
    ),
    new_indexes("solution", "provider_id"),
)
