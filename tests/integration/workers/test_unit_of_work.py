"""A unit of work is one transaction: what a nested block wrote goes when the unit rolls back."""

from __future__ import annotations

import pytest
from sqlmodel import select

from matchmaker.db.engine import Database
from matchmaker.db.workers import RateWindow
from matchmaker.settings import Settings


class _LaterStepError(Exception):
    """A step after the nested block fails."""


def _write_then_fail(database: Database, *, write: bool) -> None:
    with database.unit_of_work(write=write) as session:
        # A read first, as a request reads before it writes (the caller, the record it names).
        assert session.exec(select(RateWindow)).all() == []
        with session.begin_nested():
            session.add(RateWindow(key="kept-only-if-the-unit-commits", window_start=1, hits=1))
        raise _LaterStepError


@pytest.mark.parametrize("write", [False, True])
def test_a_nested_block_is_rolled_back_with_its_unit_of_work(db_settings: Settings, write: bool) -> None:
    database = Database(db_settings)
    try:
        with pytest.raises(_LaterStepError):
            _write_then_fail(database, write=write)
        with database.unit_of_work() as session:
            assert session.exec(select(RateWindow)).all() == []

        with database.unit_of_work(write=write) as session, session.begin_nested():
            session.add(RateWindow(key="stored", window_start=1, hits=1))
        with database.unit_of_work() as session:
            assert [w.key for w in session.exec(select(RateWindow))] == ["stored"]
    finally:
        database.dispose()
