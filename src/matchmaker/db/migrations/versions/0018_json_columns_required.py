"""workers, session notices: a job's parameters, an index generation's checksums and a console
notice's sign-in links are never missing

The migrations that created these JSON columns left them nullable, while the models require them and
the code always writes them. A row stored without a value (NULL, or a JSON ``null``) failed when read:
a queued job could never run, as each worker that took it failed on its parameters. Such rows are given
the value a new row gets (an empty object for parameters and checksums, an empty list for links), and
the columns are made NOT NULL. The downgrade makes them nullable again and leaves the values.

Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0018_json_columns_required"
down_revision: str | None = "0017_feed_token_issuer"

#: Per table, the JSON column made required and the value the model gives a new row.
COLUMNS: tuple[tuple[str, str, object], ...] = (
    ("index_generation", "checksums", {}),
    ("job", "params", {}),
    ("session_notice", "links", []),
)


def upgrade() -> None:
    """Apply this revision."""
    for table, name, empty in COLUMNS:
        column = sa.column(name, sa.JSON())
        missing = sa.or_(column.is_(None), sa.cast(column, sa.Text()) == "null")
        op.execute(sa.update(sa.table(table, column)).where(missing).values({name: empty}))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(name, existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    """Revert this revision."""
    for table, name, _empty in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(name, existing_type=sa.JSON(), nullable=True)
