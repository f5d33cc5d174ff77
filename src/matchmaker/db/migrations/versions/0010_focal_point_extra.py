"""cities: a focal point keeps the contact fields it has beyond name, e-mail and phone

Create Date: 2026-12-06 11:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.db.migrations.columns import add_columns, drop_columns

revision: str = "0010_focal_point_extra"
down_revision: str | None = "0009_published_places"


def upgrade() -> None:
    """Apply this revision."""
    add_columns("focal_point", sa.Column("extra", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    drop_columns("focal_point", "extra")
