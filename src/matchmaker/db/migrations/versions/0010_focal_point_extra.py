"""cities: a focal point keeps the contact fields it has beyond name, e-mail and phone

Create Date: 2026-12-06 11:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.db.migrations.columns import new_columns, reversible

revision: str = "0010_focal_point_extra"
down_revision: str | None = "0009_published_places"

upgrade, downgrade = reversible(new_columns("focal_point", sa.Column("extra", sa.JSON(), nullable=True)))
