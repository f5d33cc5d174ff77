"""events: a meeting request remembers whether its recipient was told of it by e-mail

A request stored before this release is taken as not told, so withdrawing it tells nobody.

Create Date: 2026-12-06 14:35:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.db.migrations.columns import new_columns, reversible

revision: str = "0013_request_notified"
down_revision: str | None = "0012_calendar_places"

upgrade, downgrade = reversible(
    new_columns(
        "event_request", sa.Column("notified", sa.Boolean(), nullable=False, server_default=sa.false())
    )
)
