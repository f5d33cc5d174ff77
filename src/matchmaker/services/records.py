"""Use cases: read, resolve, change and delete stored records."""

from __future__ import annotations

from typing import Any

from matchmaker.db import repository as repo
from matchmaker.db.engine import create_db_engine, session_scope
from matchmaker.db.models import (
    CaseCreate,
    CasePublic,
    CityConfidential,
    CityCreate,
    CityPublic,
    ProviderCreate,
    ProviderPublic,
)
from matchmaker.db.repository import Kind
from matchmaker.errors import ConflictError
from matchmaker.matching.names import NameEntry, resolve
from matchmaker.settings import Settings

PublicRecord = CityPublic | ProviderPublic | CasePublic

_KIND_WORD = {"city": "city", "provider": "provider", "case": "case study"}


def list_records(settings: Settings, kind: Kind) -> list[PublicRecord]:
    """Every stored record of a kind, public fields only, ordered by id."""
    with session_scope(create_db_engine(settings)) as session:
        if kind == "city":
            return list(repo.list_cities(session))
        if kind == "provider":
            return list(repo.list_providers(session))
        return list(repo.list_cases(session))


def resolve_id(settings: Settings, kind: Kind, query: str) -> str:
    """Resolve an id or a (fuzzy) name of a record of a kind to its id."""
    with session_scope(create_db_engine(settings)) as session:
        entries = [NameEntry(i, n, c) for i, n, c in repo.name_entries(session, kind)]
    return resolve(query, entries, kind=_KIND_WORD[kind])


def get_record(settings: Settings, kind: Kind, record_id: str) -> PublicRecord:
    """One record's public view."""
    with session_scope(create_db_engine(settings)) as session:
        if kind == "city":
            return repo.get_city(session, record_id)
        if kind == "provider":
            return repo.get_provider(session, record_id)
        return repo.get_case(session, record_id)


def get_city_confidential(settings: Settings, city_id: str) -> CityConfidential:
    """A city with its focal point. Callers check the role before calling this."""
    with session_scope(create_db_engine(settings)) as session:
        return repo.get_city_confidential(session, city_id)


def create_record(
    settings: Settings, kind: Kind, record: CityCreate | ProviderCreate | CaseCreate
) -> PublicRecord:
    """Store a new record; an existing id is a conflict."""
    with session_scope(create_db_engine(settings)) as session:
        if record.id in repo.existing_ids(session, kind):
            raise ConflictError(f"a {_KIND_WORD[kind]} with id {record.id!r} already exists")
        if isinstance(record, CityCreate):
            repo.upsert_city(session, record)
        elif isinstance(record, ProviderCreate):
            repo.upsert_provider(session, record)
        else:
            repo.upsert_case(session, record)
    return get_record(settings, kind, record.id)


def update_record(settings: Settings, kind: Kind, record_id: str, changes: dict[str, Any]) -> PublicRecord:
    """Apply a partial change; the merged record is validated as a whole."""
    with session_scope(create_db_engine(settings)) as session:
        if kind == "city":
            return repo.update_city(session, record_id, changes)
        if kind == "provider":
            return repo.update_provider(session, record_id, changes)
        return repo.update_case(session, record_id, changes)


def delete_record(settings: Settings, kind: Kind, record_id: str) -> None:
    """Delete a record."""
    with session_scope(create_db_engine(settings)) as session:
        repo.delete_record(session, kind, record_id)


def counts(settings: Settings) -> dict[Kind, int]:
    """How many records of each kind are stored."""
    with session_scope(create_db_engine(settings)) as session:
        return repo.count_records(session)
