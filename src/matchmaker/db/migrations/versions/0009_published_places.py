"""events: the venue and each table's name as they were published, kept as they were entered

Create Date: 2026-12-06 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString

from matchmaker.db.migrations.columns import new_columns, reversible

revision: str = "0009_published_places"
down_revision: str | None = "0008_session_notice"

upgrade, downgrade = reversible(
    new_columns("event", sa.Column("published_venue", AutoString(length=300), nullable=True)),
    new_columns("event_published_meeting", sa.Column("table_name", AutoString(length=200), nullable=True)),
)
