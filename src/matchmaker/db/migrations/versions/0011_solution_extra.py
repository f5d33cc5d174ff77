"""providers: a solution keeps the fields it has beyond title, description, domains and deployed_in

Create Date: 2026-12-06 13:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.db.migrations.columns import new_columns, reversible

revision: str = "0011_solution_extra"
down_revision: str | None = "0010_focal_point_extra"

upgrade, downgrade = reversible(new_columns("solution", sa.Column("extra", sa.JSON(), nullable=True)))
