"""Columns, keys and indexes that several migration scripts define, add or drop alike, and the
changes a revision declares once for its upgrade and its downgrade.

A revision's schema never changes once it is released: a definition here that a revision uses is
never edited; a column that changes is written out, or given a new function, in the revision that
changes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem
from sqlmodel.sql.sqltypes import UTCDateTime


def serial_id() -> list[SchemaItem]:
    """An integer ``id`` the database numbers, and the primary key on it."""
    return [sa.Column("id", sa.Integer(), autoincrement=True, nullable=False), sa.PrimaryKeyConstraint("id")]


def timestamps() -> list[SchemaItem]:
    """``created_at`` and ``updated_at``, both required."""
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def stored_record() -> list[SchemaItem]:
    """What every corpus record table ends with: its text ``id`` (the primary key), ``extra`` and the
    timestamps."""
    return [
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        *timestamps(),
        sa.PrimaryKeyConstraint("id"),
    ]


def event_ref() -> list[SchemaItem]:
    """The ``event_id`` of a row that belongs to an event, deleted with the event."""
    return [
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
    ]


def add_columns(table: str, *columns: sa.Column[Any]) -> None:
    """Add ``columns`` to ``table``, in their order."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.add_column(column)


def drop_columns(table: str, *names: str) -> None:
    """Undo :func:`add_columns` given the names of its columns (the columns are dropped last first)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in reversed(names):
            batch_op.drop_column(name)


def create_indexes(table: str, *columns: str, unique: bool = False) -> None:
    """An index ``ix_<table>_<column>`` on each of ``columns``."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=unique)


def drop_indexes(table: str, *columns: str) -> None:
    """Undo :func:`create_indexes` with the same arguments (the indexes are dropped last first)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in reversed(columns):
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))


class Change(Protocol):
    """One change of a revision's schema: what its upgrade does and how its downgrade undoes it."""

    def apply(self) -> None:
        """Make the change."""

    def revert(self) -> None:
        """Undo :meth:`apply`."""


@dataclass(frozen=True)
class _NewColumns:
    table: str
    columns: tuple[sa.Column[Any], ...]

    def apply(self) -> None:
        add_columns(self.table, *self.columns)

    def revert(self) -> None:
        drop_columns(self.table, *(column.name for column in self.columns))


def new_columns(table: str, *columns: sa.Column[Any]) -> Change:
    """``columns`` added to ``table`` (:func:`add_columns`); reverted, they are dropped."""
    return _NewColumns(table, columns)


@dataclass(frozen=True)
class _NewTable:
    name: str
    items: tuple[SchemaItem, ...]

    def apply(self) -> None:
        op.create_table(self.name, *self.items)

    def revert(self) -> None:
        op.drop_table(self.name)


def new_table(name: str, *items: SchemaItem) -> Change:
    """A table ``name`` created with ``items``, its columns and constraints; reverted, it is dropped."""
    return _NewTable(name, items)


@dataclass(frozen=True)
class _NewIndexes:
    table: str
    columns: tuple[str, ...]
    unique: bool

    def apply(self) -> None:
        create_indexes(self.table, *self.columns, unique=self.unique)

    def revert(self) -> None:
        drop_indexes(self.table, *self.columns)


def new_indexes(table: str, *columns: str, unique: bool = False) -> Change:
    """The indexes :func:`create_indexes` makes on ``columns`` of ``table``; reverted, they are dropped
    (:func:`drop_indexes`)."""
    return _NewIndexes(table, columns, unique)


def reversible(*changes: Change) -> tuple[Callable[[], None], Callable[[], None]]:
    """A revision's ``upgrade`` and ``downgrade``: the upgrade makes ``changes`` in their order, the
    downgrade undoes them, last first.

    The changes are built once, when Alembic loads the revision's module. Making them again (an
    upgrade after a downgrade in the same process) is safe: Alembic copies a column or a constraint
    that is already attached to a table.
    """

    def upgrade() -> None:
        """Apply this revision."""
        for change in changes:
            change.apply()

    def downgrade() -> None:
        """Revert this revision."""
        for change in reversed(changes):
            change.revert()

    return upgrade, downgrade
