"""How a command gets its services: one container per command, closed when the command ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from matchmaker.cli.output import load_settings
from matchmaker.services.container import Services


@contextmanager
def open_services() -> Iterator[Services]:
    """The instance's services for one command (settings from the environment)."""
    services = Services.build(load_settings())
    try:
        yield services
    finally:
        services.close()


@contextmanager
def unit_of_work(*, write: bool = False) -> Iterator[tuple[Services, Session]]:
    """The services and one unit of work: committed when the command succeeds, rolled back otherwise
    (``write``: holding SQLite's write lock from the start, see ``Database.unit_of_work``)."""
    with open_services() as services, services.database.unit_of_work(write=write) as session:
        yield services, session


__all__ = ["open_services", "unit_of_work"]
