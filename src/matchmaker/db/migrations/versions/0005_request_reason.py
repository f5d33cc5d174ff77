"""events: meeting requests keep the matcher's reason for the pair

Create Date: 2026-12-02 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.db.migrations.columns import new_columns, reversible

revision: str = "0005_request_reason"
down_revision: str | None = "0004_event_edit"

upgrade, downgrade = reversible(new_columns("event_request", sa.Column("reason", sa.Text(), nullable=True)))
