"""cities: a focal point keeps the contact fields it has beyond name, e-mail and phone

Create Date: 2026-12-06 11:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010_focal_point_extra"
down_revision: str | None = "0009_published_places"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("focal_point", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extra", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("focal_point", schema=None) as batch_op:
        batch_op.drop_column("extra")
