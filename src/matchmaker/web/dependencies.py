"""Typed dependencies: the container built by ``create_app`` and the services handlers ask for by name.

``session`` is a yield dependency: each request that asks for a request-scoped service gets one unit of
work, committed after the handler returns and rolled back when it raises. Handlers declare what they
need (``records: NamedDependency[RecordService]``); nothing is looked up by name at run time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio.to_thread
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlmodel import Session

from matchmaker.services.container import Services
from matchmaker.services.events import EventServices, Planner
from matchmaker.services.indexing import IndexService
from matchmaker.services.matching import MatchingService
from matchmaker.services.records import RecordService
from matchmaker.services.selfservice import SelfService
from matchmaker.services.users import UserService
from matchmaker.settings import Settings


def provide_services(state: State) -> Services:
    """Dependency ``services``: the instance's container."""
    services: Services = state.services
    return services


def provide_settings(services: NamedDependency[Services]) -> Settings:
    """Dependency ``settings``: the instance's settings."""
    return services.settings


async def provide_session(services: NamedDependency[Services]) -> AsyncIterator[Session]:
    """Dependency ``session``: the request's unit of work (commit after the handler, rollback on error)."""
    session = Session(services.database.engine, expire_on_commit=False)
    try:
        yield session
    except BaseException:
        await anyio.to_thread.run_sync(session.rollback)
        raise
    else:
        await anyio.to_thread.run_sync(session.commit)
    finally:
        await anyio.to_thread.run_sync(session.close)


def provide_records(services: NamedDependency[Services], session: NamedDependency[Session]) -> RecordService:
    """Dependency ``records``."""
    return services.records(session)


def provide_self_service(
    services: NamedDependency[Services], session: NamedDependency[Session]
) -> SelfService:
    """Dependency ``self_service``: a participant's own availability and profile."""
    return services.self_service(session)


def provide_users(services: NamedDependency[Services], session: NamedDependency[Session]) -> UserService:
    """Dependency ``users``."""
    return services.users(session)


def provide_events(services: NamedDependency[Services], session: NamedDependency[Session]) -> EventServices:
    """Dependency ``events``: the event sub-features in the request's unit of work."""
    return services.events(session)


def provide_planner(services: NamedDependency[Services]) -> Planner:
    """Dependency ``planner``: generate, re-plan and publish (long work, own transactions)."""
    return services.planner


def provide_matching(services: NamedDependency[Services]) -> MatchingService:
    """Dependency ``matching``: the loaded model and matcher."""
    return services.matching


def provide_indexes(services: NamedDependency[Services]) -> IndexService:
    """Dependency ``indexes``."""
    return services.indexes


DEPENDENCIES = {
    "services": Provide(provide_services, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "session": Provide(provide_session),
    "records": Provide(provide_records, sync_to_thread=False),
    "users": Provide(provide_users, sync_to_thread=False),
    "self_service": Provide(provide_self_service, sync_to_thread=False),
    "events": Provide(provide_events, sync_to_thread=False),
    "planner": Provide(provide_planner, sync_to_thread=False),
    "matching": Provide(provide_matching, sync_to_thread=False),
    "indexes": Provide(provide_indexes, sync_to_thread=False),
}

__all__ = ["DEPENDENCIES"]
