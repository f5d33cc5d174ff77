"""Repositories: a session in, domain objects out.

Reads return the public read models (``CityPublic`` and friends); the one read that carries the focal
point is :func:`get_city_confidential`, which the services call only for roles allowed to see it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import CursorResult, delete, func, update
from sqlmodel import Session, col, select

from matchmaker.db.models import (
    NAME_FIELDS,
    CaseCreate,
    CasePublic,
    CaseStudy,
    City,
    CityConfidential,
    CityCreate,
    CityPublic,
    FocalPoint,
    FocalPointIn,
    IngestRun,
    Kind,
    Provider,
    ProviderCreate,
    ProviderPublic,
    PublicRecord,
    Solution,
    SolutionIn,
    SolutionPublic,
    utcnow,
)
from matchmaker.errors import NotFoundError

_CITY_FIELDS = set(CityPublic.model_fields) - {"id"}
_PROVIDER_FIELDS = set(ProviderPublic.model_fields) - {"id", "solutions"}
_CASE_FIELDS = set(CasePublic.model_fields) - {"id"}


# --------------------------------------------------------------------------------------------------
# Shared by the three kinds

RecordRow = TypeVar("RecordRow", City, Provider, CaseStudy)
Public = TypeVar("Public", bound=BaseModel)


def _row(session: Session, table: type[RecordRow], record_id: str, word: str) -> RecordRow:
    """The stored row, or :class:`NotFoundError` naming the kind."""
    row = session.get(table, record_id)
    if row is None:
        raise NotFoundError(f"no {word} with id {record_id!r}")
    return row


@dataclass(frozen=True, slots=True)
class _Reads(Generic[RecordRow, Public]):
    """The reads of a kind whose public model is its row as it is (cities and case studies)."""

    table: type[RecordRow]
    public: type[Public]
    #: The kind in "no ... with id" messages.
    word: str

    def read(self, row: RecordRow) -> Public:
        """A row as its public model."""
        return self.public.model_validate(row, from_attributes=True)

    def row(self, session: Session, record_id: str) -> RecordRow:
        """The stored row, or :class:`NotFoundError`."""
        return _row(session, self.table, record_id, self.word)

    def list(self, session: Session) -> list[Public]:
        """Every record, ordered by id."""
        return [self.read(row) for row in session.exec(select(self.table).order_by(col(self.table.id)))]

    def get(self, session: Session, record_id: str) -> Public:
        """One record's public model."""
        return self.read(self.row(session, record_id))


def _upsert_row(
    session: Session, table: type[RecordRow], record_id: str, values: dict[str, Any], *, new: bool = False
) -> bool:
    """Insert a row or overwrite its fields; returns True when it was new. With ``new`` the row is
    inserted without looking for a stored one: an existing id fails the write (``IntegrityError``)."""
    row = None if new else session.get(table, record_id)
    created = row is None
    if row is None:
        row = table(id=record_id, **values)  # type: ignore[misc]  # a concrete table class
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return created


# --------------------------------------------------------------------------------------------------
# Cities


_CITIES = _Reads(City, CityPublic, "city")
#: Every city, ordered by id.
list_cities = _CITIES.list
#: One city's public profile.
get_city = _CITIES.get


def get_city_confidential(session: Session, city_id: str) -> CityConfidential:
    """One city with its focal point (staff, and the city itself)."""
    row = _CITIES.row(session, city_id)
    contact = session.get(FocalPoint, city_id)
    focal = None
    if contact is not None:
        focal = FocalPointIn(
            name=contact.name, email=contact.email, phone=contact.phone, extra=contact.extra or {}
        )
    public = _CITIES.read(row)
    return CityConfidential(**public.model_dump(), focal_point=focal)


def upsert_city(session: Session, record: CityCreate, *, new: bool = False) -> bool:
    """Insert or update a city; returns True when it was new. The focal point is replaced if given.
    With ``new`` the city is only inserted (see :func:`_upsert_row`)."""
    created = _upsert_row(session, City, record.id, record.model_dump(include=_CITY_FIELDS), new=new)
    if record.focal_point is not None:
        _set_focal_point(session, record.id, record.focal_point)
    session.flush()
    return created


def _set_focal_point(session: Session, city_id: str, focal: FocalPointIn) -> None:
    contact = session.get(FocalPoint, city_id) or FocalPoint(city_id=city_id)
    contact.name = focal.name
    contact.email = str(focal.email) if focal.email else None
    contact.phone = focal.phone
    contact.extra = dict(focal.extra)
    session.add(contact)


def update_city(session: Session, city_id: str, changes: dict[str, Any]) -> CityPublic:
    """Apply a validated partial change to a city. A focal point in ``changes`` changes the fields it
    names; the others (its ``extra`` too) stay as stored, as the record's own fields do. A focal point
    given as ``None`` is removed."""
    row = _CITIES.row(session, city_id)
    merged = CityCreate.model_validate(
        {**_CITIES.read(row).model_dump(), **{k: v for k, v in changes.items() if k != "focal_point"}}
    )
    for key in _CITY_FIELDS:
        setattr(row, key, getattr(merged, key))
    row.updated_at = utcnow()
    session.add(row)
    if "focal_point" in changes and changes["focal_point"] is None:
        # Null clears the field, as it does any other: the contact (personal data) is erased.
        session.execute(delete(FocalPoint).where(col(FocalPoint.city_id) == city_id))
    elif changes.get("focal_point") is not None:
        stored = session.get(FocalPoint, city_id)
        kept: dict[str, Any] = {}
        if stored is not None:
            kept = {
                "name": stored.name,
                "email": stored.email,
                "phone": stored.phone,
                "extra": stored.extra or {},
            }
        _set_focal_point(session, city_id, FocalPointIn.model_validate({**kept, **changes["focal_point"]}))
    session.flush()
    return _CITIES.read(row)


# --------------------------------------------------------------------------------------------------
# Providers


def _solutions_by_provider(session: Session, ids: Sequence[str] | None = None) -> dict[str, list[Solution]]:
    query = select(Solution).order_by(col(Solution.provider_id), col(Solution.position))
    if ids is not None:
        query = query.where(col(Solution.provider_id).in_(ids))
    out: dict[str, list[Solution]] = {}
    for sol in session.exec(query):
        out.setdefault(sol.provider_id, []).append(sol)
    return out


def _provider_public(row: Provider, solutions: Sequence[Solution]) -> ProviderPublic:
    data = {key: getattr(row, key) for key in _PROVIDER_FIELDS}
    sols = [
        SolutionPublic(
            title=s.title,
            description=s.description,
            domains=s.domains,
            deployed_in=s.deployed_in,
            extra=s.extra or {},
        )
        for s in solutions
    ]
    return ProviderPublic(id=row.id, solutions=sols, **data)


def list_providers(session: Session) -> list[ProviderPublic]:
    """Every provider with its solutions, ordered by id."""
    solutions = _solutions_by_provider(session)
    rows = session.exec(select(Provider).order_by(col(Provider.id)))
    return [_provider_public(row, solutions.get(row.id, [])) for row in rows]


def get_provider(session: Session, provider_id: str) -> ProviderPublic:
    """One provider with its solutions."""
    row = _row(session, Provider, provider_id, "provider")
    return _provider_public(row, _solutions_by_provider(session, [provider_id]).get(provider_id, []))


def _replace_solutions(session: Session, provider_id: str, solutions: Sequence[SolutionIn]) -> None:
    session.execute(delete(Solution).where(col(Solution.provider_id) == provider_id))
    for position, sol in enumerate(solutions):
        session.add(
            Solution(
                provider_id=provider_id,
                position=position,
                title=sol.title,
                description=sol.description,
                domains=sol.domains,
                deployed_in=sol.deployed_in,
                extra=dict(sol.extra),
            )
        )


def upsert_provider(session: Session, record: ProviderCreate, *, new: bool = False) -> bool:
    """Insert or update a provider and replace its solutions; returns True when it was new. With
    ``new`` the provider is only inserted (see :func:`_upsert_row`)."""
    created = _upsert_row(session, Provider, record.id, record.model_dump(include=_PROVIDER_FIELDS), new=new)
    _replace_solutions(session, record.id, record.solutions)
    session.flush()
    return created


def _keeping_extra(solutions: Sequence[Any], current: Sequence[SolutionPublic]) -> list[Any]:
    """``solutions`` as given in a change, a solution that leaves out ``extra`` given the ``extra`` of the
    stored solution of the same title (those of one title paired in order), as a change that leaves
    out a field of the record keeps that field. A solution that sends ``extra``, even empty, sets it."""
    stored: dict[str, list[dict[str, Any]]] = {}
    for old in current:
        stored.setdefault(old.title, []).append(old.extra)
    kept: list[Any] = []
    for given in solutions:
        title = given.get("title") if isinstance(given, dict) else None
        same = stored.get(title.strip(), []) if isinstance(title, str) else []
        if isinstance(given, dict) and "extra" not in given and same:
            given = {**given, "extra": same.pop(0)}
        kept.append(given)
    return kept


def update_provider(session: Session, provider_id: str, changes: dict[str, Any]) -> ProviderPublic:
    """Apply a validated partial change to a provider. Solutions, when given, replace the old ones; a
    solution given without ``extra`` keeps that of the stored solution of its title."""
    current = get_provider(session, provider_id)
    if isinstance(changes.get("solutions"), list):
        changes = {**changes, "solutions": _keeping_extra(changes["solutions"], current.solutions)}
    merged = ProviderCreate.model_validate({**current.model_dump(), **changes})
    upsert_provider(session, merged)
    return get_provider(session, provider_id)


# --------------------------------------------------------------------------------------------------
# Case studies


_CASES = _Reads(CaseStudy, CasePublic, "case study")
#: Every case study, ordered by id.
list_cases = _CASES.list
#: One case study.
get_case = _CASES.get


def upsert_case(session: Session, record: CaseCreate, *, new: bool = False) -> bool:
    """Insert or update a case study; returns True when it was new. With ``new`` it is only inserted
    (see :func:`_upsert_row`)."""
    return _upsert_row(session, CaseStudy, record.id, record.model_dump(include=_CASE_FIELDS), new=new)


def update_case(session: Session, case_id: str, changes: dict[str, Any]) -> CasePublic:
    """Apply a validated partial change to a case study."""
    current = get_case(session, case_id)
    merged = CaseCreate.model_validate({**current.model_dump(), **changes})
    upsert_case(session, merged)
    return get_case(session, case_id)


# --------------------------------------------------------------------------------------------------
# Generic helpers


_TABLES: dict[Kind, type[City] | type[Provider] | type[CaseStudy]] = {
    "city": City,
    "provider": Provider,
    "case": CaseStudy,
}


def has_id(session: Session, kind: Kind, record_id: str) -> bool:
    """Whether a record of ``kind`` has exactly this id (one indexed lookup)."""
    table = _TABLES[kind]
    return session.exec(select(table.id).where(col(table.id) == record_id)).first() is not None


def lock_record(session: Session, kind: Kind, record_id: str) -> bool:
    """Lock a record's row until the transaction ends; whether the record exists.

    PostgreSQL: ``SELECT ... FOR UPDATE``. SQLite locks the whole database for a writer, so the lock is
    a write that changes nothing: it waits for any other writer, and as the transaction's first
    statement it makes what is read next the state after that writer.
    """
    table = _TABLES[kind]
    if session.get_bind().dialect.name == "sqlite":
        touched = session.execute(
            update(table).where(col(table.id) == record_id).values(updated_at=table.updated_at)
        )
        return isinstance(touched, CursorResult) and touched.rowcount > 0
    found = session.exec(select(table.id).where(col(table.id) == record_id).with_for_update()).first()
    return found is not None


def written_at(session: Session, kind: Kind, record_id: str) -> datetime | None:
    """When a record was last written (every insert and update sets it), or None when there is none."""
    table = _TABLES[kind]
    stamp: datetime | None = session.exec(select(table.updated_at).where(col(table.id) == record_id)).first()
    return stamp


def delete_record(session: Session, kind: Kind, record_id: str) -> None:
    """Delete one record (its solutions or focal point go with it)."""
    table = _TABLES[kind]
    row = session.get(table, record_id)
    if row is None:
        raise NotFoundError(f"no {kind} with id {record_id!r}")
    if kind == "provider":
        session.execute(delete(Solution).where(col(Solution.provider_id) == record_id))
    if kind == "city":
        session.execute(delete(FocalPoint).where(col(FocalPoint.city_id) == record_id))
    session.delete(row)
    session.flush()


def events_with_participant(session: Session, participant_id: str) -> list[str]:
    """The ids of the events ``participant_id`` takes part in, sorted."""
    # The event tables load only when a record is deleted, not with every short command.
    from matchmaker.db.events import EventParticipant  # noqa: PLC0415

    rows = session.exec(
        select(EventParticipant.event_id).where(col(EventParticipant.participant_id) == participant_id)
    )
    return sorted(set(rows))


def count_records(session: Session) -> dict[Kind, int]:
    """How many records of each kind are stored."""
    return {
        kind: int(session.exec(select(func.count()).select_from(table)).one())
        for kind, table in _TABLES.items()
    }


def change_marks(session: Session) -> dict[Kind, tuple[object, ...]]:
    """Per kind, a mark that changes whenever its stored records do: how many rows there are and the
    newest ``updated_at`` (every insert and update sets it), and for providers the count of their
    solutions too. Aggregates only, so it costs the same whatever the size of the corpus."""
    marks: dict[Kind, tuple[object, ...]] = {}
    for kind, table in _TABLES.items():
        count, newest = session.exec(select(func.count(), func.max(col(table.updated_at)))).one()
        marks[kind] = (int(count), newest)
    solutions = int(session.exec(select(func.count()).select_from(Solution)).one())
    marks["provider"] = (*marks["provider"], solutions)
    return marks


def name_entries(session: Session, kind: Kind) -> list[tuple[str, str, str]]:
    """(id, name, country) of every record of a kind, for name resolution (a case study's name is its
    title: :data:`~matchmaker.db.models.NAME_FIELDS`)."""
    table = _TABLES[kind]
    name = col(getattr(table, NAME_FIELDS[kind]))
    return [(r[0], r[1], r[2]) for r in session.exec(select(table.id, name, table.country))]


def provider_regions(session: Session) -> list[tuple[str, str, list[str]]]:
    """(id, name, regions served) of every provider."""
    rows = session.exec(select(Provider.id, Provider.name, Provider.regions_served))
    return [(r[0], r[1], list(r[2] or [])) for r in rows]


def existing_ids(session: Session, kind: Kind) -> set[str]:
    """Ids stored for a kind."""
    table = _TABLES[kind]
    return {str(r) for r in session.exec(select(table.id))}


def record_ingest(session: Session, run: IngestRun) -> IngestRun:
    """Store the account of one ingest."""
    run.finished_at = utcnow()
    session.add(run)
    session.flush()
    return run


def last_ingest(session: Session) -> IngestRun | None:
    """The most recent ingest run, if any."""
    return session.exec(select(IngestRun).order_by(col(IngestRun.id).desc()).limit(1)).first()


def ingest_run(session: Session, run_id: int) -> IngestRun | None:
    """One ingest run by its id, if it is recorded."""
    return session.get(IngestRun, run_id)


# --------------------------------------------------------------------------------------------------
# One table of per-kind operations, so callers never branch on the kind


class _Upsert(Protocol):
    """Insert or update a record of one kind (``new``: only insert); True when it was new."""

    def __call__(self, session: Session, record: Any, *, new: bool = False) -> bool: ...


@dataclass(frozen=True, slots=True)
class KindRepository:
    """The storage operations of one record kind."""

    kind: Kind
    list: Callable[[Session], list[PublicRecord]]
    get: Callable[[Session, str], PublicRecord]
    upsert: _Upsert
    update: Callable[[Session, str, dict[str, Any]], PublicRecord]

    def insert(self, session: Session, record: Any) -> bool:
        """Store a new record, never overwriting one (an existing id raises ``IntegrityError``)."""
        return self.upsert(session, record, new=True)


REPOSITORIES: dict[Kind, KindRepository] = {
    "city": KindRepository(
        "city",
        list_cities,  # type: ignore[arg-type]
        get_city,
        upsert_city,
        update_city,
    ),
    "provider": KindRepository(
        "provider",
        list_providers,  # type: ignore[arg-type]
        get_provider,
        upsert_provider,
        update_provider,
    ),
    "case": KindRepository(
        "case",
        list_cases,  # type: ignore[arg-type]
        get_case,
        upsert_case,
        update_case,
    ),
}
