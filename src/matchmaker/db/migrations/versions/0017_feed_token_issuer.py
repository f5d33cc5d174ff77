"""events: a calendar feed address records the user who asked for it

Revoking a user now stops the feed addresses it made. An address made before this release has no
issuer: revoking a city's or a provider's user stops that participant's addresses whose issuer is
unknown (see :meth:`matchmaker.services.events.feeds.CalendarFeeds.stop_issued_by`).

Create Date: 2026-12-06 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017_feed_token_issuer"
down_revision: str | None = "0016_request_ids_never_reused"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("event_feed_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issued_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_event_feed_token_issued_by", "api_user", ["issued_by"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index(batch_op.f("ix_event_feed_token_issued_by"), ["issued_by"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("event_feed_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_feed_token_issued_by"))
        batch_op.drop_constraint("fk_event_feed_token_issued_by", type_="foreignkey")
        batch_op.drop_column("issued_by")
