"""events: a declined meeting request keeps why its recipient declined it

A request answered before this release has no reason.

Create Date: 2026-12-06 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.db.migrations.columns import new_columns, reversible

revision: str = "0015_request_decline_reason"
down_revision: str | None = "0014_calendar_names"

upgrade, downgrade = reversible(
    new_columns("event_request", sa.Column("decline_reason", sa.Text(), nullable=True))
)
