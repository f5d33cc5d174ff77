"""events: where each published meeting was announced (its table's name and the venue)

Create Date: 2026-12-06 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString

from matchmaker.db.migrations.columns import new_columns, reversible

revision: str = "0007_published_location"
down_revision: str | None = "0006_workers"

upgrade, downgrade = reversible(
    new_columns("event_published_meeting", sa.Column("location", AutoString(length=600), nullable=True))
)
