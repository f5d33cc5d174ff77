"""events: calendars of meetings published before places were kept stay in step with their entries

The releases before places were kept gave each published meeting's calendar entry the place it reads
now: its table's current name and the event's current venue, even when staff had changed them since
the last publication. This release gives the place the meeting was published with instead. Where the
two differ (the venue or a table's name was changed and not published again), the entry's SEQUENCE
grows by one, so that calendar apps take the entry with its published place instead of keeping the
one they have under the same SEQUENCE. A meeting published before locations were kept gets the place
its calendars read as its location, which it keeps until staff publish again.

Create Date: 2026-12-06 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012_calendar_places"
down_revision: str | None = "0011_solution_extra"

_event = sa.table("event", sa.column("id", sa.String), sa.column("venue", sa.String))
_tables = sa.table(
    "event_table",
    sa.column("event_id", sa.String),
    sa.column("number", sa.Integer),
    sa.column("label", sa.String),
)
_published = sa.table(
    "event_published_meeting",
    sa.column("event_id", sa.String),
    sa.column("uid", sa.String),
    sa.column("table_number", sa.Integer),
    sa.column("location", sa.String),
    sa.column("table_name", sa.String),
    sa.column("sequence", sa.Integer),
)


def upgrade() -> None:
    """Apply this revision."""
    connection = op.get_bind()
    # A result has keys() (its column names): dict() takes its rows only from a list.
    venues = dict(list(connection.execute(sa.select(_event.c.id, _event.c.venue))))
    labels = {
        (event_id, number): label
        for event_id, number, label in connection.execute(
            sa.select(_tables.c.event_id, _tables.c.number, _tables.c.label)
        )
    }
    rows = connection.execute(
        sa.select(
            _published.c.event_id,
            _published.c.uid,
            _published.c.table_number,
            _published.c.location,
            _published.c.sequence,
        ).where(_published.c.table_name.is_(None))
    )
    for event_id, uid, number, location, sequence in list(rows):
        # What the calendars read: the table's current name and the event's current venue.
        table = labels.get((event_id, number)) or f"Table {number}"
        read = ", ".join(x for x in (table, venues.get(event_id)) if x)
        where = (_published.c.event_id == event_id) & (_published.c.uid == uid)
        if location is None:
            connection.execute(sa.update(_published).where(where).values(location=read))
        elif location != read:
            connection.execute(sa.update(_published).where(where).values(sequence=sequence + 1))


def downgrade() -> None:
    """Revert this revision: nothing to undo (a calendar's SEQUENCE never goes back)."""
