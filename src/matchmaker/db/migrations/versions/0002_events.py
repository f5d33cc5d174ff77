"""events: slots, tables, participants, requests, pair rules, plan, published meetings, feedback

Create Date: 2026-11-30 05:22:18.614748
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from matchmaker.db.migrations.columns import (
    event_ref,
    new_indexes,
    new_table,
    reversible,
    serial_id,
    timestamps,
)

revision: str = "0002"
down_revision: str | None = "0001"

upgrade, downgrade = reversible(
    new_table(
        "event",
        sa.Column("id", AutoString(length=128), nullable=False),
        sa.Column("name", AutoString(length=300), nullable=False),
        sa.Column("timezone", AutoString(length=64), nullable=True),
        sa.Column("request_deadline", UTCDateTime(), nullable=True),
        sa.Column("published_version", sa.Integer(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("generated_at", UTCDateTime(), nullable=True),
        sa.Column("plan_stats", sa.Text(), nullable=True),
        *timestamps(),
        sa.PrimaryKeyConstraint("id"),
    ),
    new_table(
        "event_feedback",
        *serial_id(),
        *event_ref(),
        sa.Column("rater", AutoString(length=128), nullable=False),
        sa.Column("other", AutoString(length=128), nullable=False),
        sa.Column("rating", AutoString(length=40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        *timestamps(),
        sa.UniqueConstraint("event_id", "rater", "other"),
    ),
    new_indexes("event_feedback", "event_id"),
    new_table(
        "event_meeting",
        *event_ref(),
        sa.Column("a", AutoString(length=128), nullable=False),
        sa.Column("b", AutoString(length=128), nullable=False),
        sa.Column("slot_id", AutoString(length=64), nullable=False),
        sa.Column("table_number", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("kind", AutoString(length=20), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "a", "b"),
    ),
    new_table(
        "event_pair_rule",
        *event_ref(),
        sa.Column("a", AutoString(length=128), nullable=False),
        sa.Column("b", AutoString(length=128), nullable=False),
        sa.Column("kind", AutoString(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "a", "b"),
    ),
    new_table(
        "event_participant",
        *event_ref(),
        sa.Column("participant_id", AutoString(length=128), nullable=False),
        sa.Column("side", AutoString(length=20), nullable=False),
        sa.Column("available", sa.Text(), nullable=True),
        sa.Column("max_meetings", sa.Integer(), nullable=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "participant_id"),
    ),
    new_table(
        "event_published_meeting",
        *event_ref(),
        sa.Column("uid", AutoString(length=128), nullable=False),
        sa.Column("a", AutoString(length=128), nullable=False),
        sa.Column("b", AutoString(length=128), nullable=False),
        sa.Column("slot_id", AutoString(length=64), nullable=False),
        sa.Column("table_number", sa.Integer(), nullable=False),
        sa.Column("start", AutoString(length=40), nullable=False),
        sa.Column("end", AutoString(length=40), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "uid"),
    ),
    new_indexes("event_published_meeting", "a", "b"),
    new_table(
        "event_request",
        *serial_id(),
        *event_ref(),
        sa.Column("sender", AutoString(length=128), nullable=False),
        sa.Column("recipient", AutoString(length=128), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        *timestamps(),
        sa.UniqueConstraint("event_id", "sender", "recipient"),
    ),
    new_indexes("event_request", "event_id"),
    new_table(
        "event_slot",
        *event_ref(),
        sa.Column("slot_id", AutoString(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start", AutoString(length=40), nullable=False),
        sa.Column("end", AutoString(length=40), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "slot_id"),
    ),
    new_table(
        "event_table",
        *event_ref(),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("label", AutoString(length=200), nullable=True),
        sa.PrimaryKeyConstraint("event_id", "number"),
    ),
)
