"""Use cases over stored records of the three kinds: read, resolve, create, change and delete.

One generic path serves cities, providers and case studies (:data:`~matchmaker.db.repository.REPOSITORIES`
holds the per-kind storage operations). A write brings the index of its kind up to date in the same unit
of work, so the next query sees the change. The index service is asked for only then (``indexes`` is a
function), so reading records never loads the index machinery.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import logging
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from matchmaker.db import repository as repo
from matchmaker.db.models import KIND_WORDS, UPDATE_MODELS, CityConfidential, Kind, PublicRecord, RecordIn
from matchmaker.errors import (
    ConflictError,
    InvalidInputError,
    MatchmakerError,
    NotFoundError,
    PreconditionFailedError,
    validation_reason,
)
from matchmaker.matching.names import NameEntry, resolve
from matchmaker.services import visibility
from matchmaker.services.users import Principal
from matchmaker.services.visibility import ConfidentialTerms
from matchmaker.wording import noun_for

if TYPE_CHECKING:
    from matchmaker.services.indexing import IndexService

logger = logging.getLogger(__name__)


class RecordService:
    """Records of one unit of work (``session``); writes refresh the index of their kind and forget the
    cached confidential values."""

    def __init__(
        self,
        session: Session,
        indexes: Callable[[], IndexService] | None = None,
        confidential: ConfidentialTerms | None = None,
    ) -> None:
        self.session = session
        self._indexes = indexes
        self.confidential = confidential

    def list(self, kind: Kind) -> list[PublicRecord]:
        """Every stored record of a kind, public fields only, ordered by id."""
        return list(repo.REPOSITORIES[kind].list(self.session))

    def get(self, kind: Kind, record_id: str) -> PublicRecord:
        """One record's public view; :class:`NotFoundError` when there is none."""
        return repo.REPOSITORIES[kind].get(self.session, record_id)

    def public_list(self, kind: Kind) -> builtins.list[PublicRecord]:
        """Every record of a kind as anyone may see it: public fields, without the ``extra`` fields
        marked internal (which are staff-only, as the focal point is), and with every confidential
        value in them (a focal point's e-mail typed into a summary) replaced by ``[redacted]``, as
        the API answers a caller who is not staff."""
        pattern = visibility.compile_terms(visibility.confidential_terms(self.session))
        return [visibility.redacted(visibility.strip_internal(r), pattern) for r in self.list(kind)]

    def public_get(self, kind: Kind, record_id: str) -> PublicRecord:
        """One record as anyone may see it (see :meth:`public_list`)."""
        pattern = visibility.compile_terms(visibility.confidential_terms(self.session))
        return visibility.redacted(visibility.strip_internal(self.get(kind, record_id)), pattern)

    def visible_list(self, principal: Principal, kind: Kind) -> builtins.list[PublicRecord]:
        """The records of a kind ``principal`` may see, each as it may see it (see
        :mod:`matchmaker.services.visibility`); :class:`PermissionDeniedError` when it may see none."""
        visibility.require_list(principal, kind)
        return [
            visibility.view_of(principal, r)
            for r in self.list(kind)
            if visibility.may_read(principal, kind, r.id)
        ]

    def as_searched_by(
        self, principal: Principal, records: Collection[PublicRecord]
    ) -> builtins.list[PublicRecord]:
        """``records`` (as :meth:`visible_list` gives them) with the confidential values ``principal``
        may not see replaced by ``[redacted]``, as its answers show them: what a text search of that
        caller reads, so that a record found by a guessed focal-point address does not confirm it."""
        if principal.is_staff:
            return list(records)
        own_city = principal.subject_id if principal.role == "city" else None
        # The compiled pattern the answers are redacted with, kept a few seconds, where there is one.
        pattern = (
            self.confidential.pattern(own_city)
            if self.confidential is not None
            else visibility.compile_terms(visibility.confidential_terms(self.session, own_city=own_city))
        )
        return [visibility.redacted(r, pattern) for r in records]

    def visible_get(
        self, principal: Principal, kind: Kind, record_id: str
    ) -> PublicRecord | CityConfidential:
        """One record as ``principal`` may see it: with the focal point for staff and the city itself,
        public fields for everyone else. The permission is checked before the record is read."""
        visibility.require_read(principal, kind, record_id)
        if visibility.sees_in_full(principal, kind, record_id):
            return visibility.view_of(principal, self.get_in_full(kind, record_id))
        return visibility.view_of(principal, self.get(kind, record_id))

    def get_city_confidential(self, city_id: str) -> CityConfidential:
        """A city with its focal point. Callers check the role before calling this."""
        return repo.get_city_confidential(self.session, city_id)

    def get_in_full(self, kind: Kind, record_id: str) -> PublicRecord:
        """A record with its confidential fields (a city's focal point; the other kinds have none).

        Callers check the role before calling this.
        """
        if kind == "city":
            return self.get_city_confidential(record_id)
        return self.get(kind, record_id)

    def lock(self, kind: Kind, record_id: str) -> None:
        """Hold a record against other writers until this unit of work ends, so that what is read
        next and the change written after it are one step (a unit of work opened with ``write=True``
        holds SQLite's write lock from its start)."""
        if not repo.lock_record(self.session, kind, record_id):
            raise NotFoundError(f"no {KIND_WORDS[kind]} with id {record_id!r}")

    def resolve_id(self, kind: Kind, query: str) -> str:
        """Resolve an id or a (fuzzy) name of a record of a kind to its id."""
        exact = query.strip()
        if exact and repo.has_id(self.session, kind, exact):
            return exact  # an id, as most requests give: no need to read every name
        entries = [NameEntry(i, n, c) for i, n, c in repo.name_entries(self.session, kind)]
        return resolve(query, entries, kind=KIND_WORDS[kind])

    def create(self, kind: Kind, record: RecordIn) -> PublicRecord:
        """Store a new record; an existing id is a conflict, also when another writer stores the id
        between the check and the write (the record it stored is left as it is, and this unit of work
        can only be rolled back)."""
        exists = ConflictError(f"a {KIND_WORDS[kind]} with id {record.id!r} already exists")
        if repo.has_id(self.session, kind, record.id):
            raise exists
        try:
            # Written as new, never as an update: a record stored meanwhile makes the write fail
            # rather than be overwritten.
            repo.REPOSITORIES[kind].insert(self.session, record)
        except IntegrityError as error:
            raise exists from error
        self._refresh(kind, record.id)
        self._warn(kind, record.id)
        return self.get(kind, record.id)

    def notes(self, kind: Kind, record_id: str) -> builtins.list[str]:
        """What in the stored record will not work as written, as ingest warns about it: a vocabulary
        label no term matches, a focal point's contact in the public text (see
        :mod:`matchmaker.corpus.notes`). Each note names the field, never a confidential value."""
        # The notes read the vocabulary, a slow import that short commands (list, show) skip.
        from matchmaker.corpus.notes import record_notes  # noqa: PLC0415 - see above

        return record_notes(self.get_in_full(kind, record_id))

    def _warn(self, kind: Kind, record_id: str) -> None:
        """One WARNING line per note on a record just written: the condition is known now, once, not
        on every later request that shows the record."""
        for note in self.notes(kind, record_id):
            logger.warning("%s %r: %s", KIND_WORDS[kind], record_id, note)

    def version(self, kind: Kind, record_id: str) -> str:
        """A tag of the record as stored now: it changes with every write of the record (an edit, an
        ingest of its id), so a client can tell whether what it read is still what is stored."""
        stamp = repo.written_at(self.session, kind, record_id)
        if stamp is None:
            raise NotFoundError(f"no {KIND_WORDS[kind]} with id {record_id!r}")
        return hashlib.sha256(f"{kind}/{record_id}/{stamp.isoformat()}".encode()).hexdigest()[:20]

    def visible_version(
        self, principal: Principal, kind: Kind, record_id: str, shown: BaseModel, version: str
    ) -> str:
        """The tag of ``shown`` (a record as :meth:`visible_get` gave it to ``principal``), whose
        :meth:`version` read just before it was ``version``.

        Staff and the record itself get that version, the one a change is sent with. Anyone else gets
        a tag of what it was shown, so a change to fields it may not see (a city's focal point,
        internal fields) does not change its tag: the tag tells it nothing the body does not.
        """
        if visibility.may_suggest(principal, kind, record_id):
            return version
        seen = json.dumps(shown.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(f"{kind}/{record_id}/{seen}".encode()).hexdigest()[:20]

    def update(
        self,
        kind: Kind,
        record_id: str,
        changes: dict[str, Any],
        *,
        if_version: Collection[str] | None = None,
    ) -> PublicRecord:
        """Apply a partial change; the merged record is validated as a whole.

        With ``if_version``, the change is made only if the record's :meth:`version` is one of them
        (what the caller read is still what is stored); otherwise :class:`PreconditionFailedError`, and
        nothing is written. The record is locked first and until the write, so that a change and a
        deletion of one record at once run one after the other: the later one finds the record gone
        (:class:`NotFoundError`), and neither waits for the other forever.
        """
        self.lock(kind, record_id)
        if if_version is not None and self.version(kind, record_id) not in if_version:
            raise PreconditionFailedError(
                f"{KIND_WORDS[kind]} {record_id!r} was changed since you read it; read it again and"
                " send your change with its new ETag"
            )
        record = repo.REPOSITORIES[kind].update(self.session, record_id, changes)
        self._refresh(kind, record_id)
        self._warn(kind, record_id)
        return record

    def edit(self, kind: Kind, record_id: str, changes: Mapping[str, object]) -> PublicRecord:
        """Apply a partial change given as plain values (a form), validated as the API's PATCH body and
        then as at ingest; :class:`InvalidInputError` names the fields that are wrong.

        Validation comes before any write, so a refused change leaves the record as it was.
        """
        try:
            validated = UPDATE_MODELS[kind].model_validate(dict(changes))
            return self.update(kind, record_id, validated.model_dump(exclude_unset=True))
        except ValidationError as exc:
            raise InvalidInputError(describe_invalid(exc)) from exc

    def delete(self, kind: Kind, record_id: str) -> None:
        """Delete a record. A city or provider that takes part in an event is refused
        (:class:`ConflictError` naming the events): its meetings and agendas would lose whom they are
        with, so it is taken out of those events first. The record is locked first, as :meth:`update`
        locks it."""
        self.lock(kind, record_id)
        events = repo.events_with_participant(self.session, record_id) if kind != "case" else []
        if events:
            them = "that event" if len(events) == 1 else "them"
            raise ConflictError(
                f"{KIND_WORDS[kind]} {record_id!r} takes part in {noun_for(len(events), 'event')}"
                f" {', '.join(events)}; remove it from {them} first"
            )
        repo.delete_record(self.session, kind, record_id)
        self._refresh(kind, record_id)

    def counts(self) -> dict[Kind, int]:
        """How many records of each kind are stored."""
        return repo.count_records(self.session)

    def _refresh(self, kind: Kind, record_id: str) -> None:
        """Bring the kind's index up to date with this unit of work's write of ``record_id``.

        A failed refresh does not undo the change; the index status then shows the index as stale.
        """
        if self.confidential is not None:
            self.confidential.invalidate()
        if self._indexes is None:
            return
        try:
            self._indexes().refresh_written(kind, [record_id], session=self.session)
        except MatchmakerError as exc:
            logger.warning("The index could not be refreshed after a change: %s", exc.message)
        except Exception:
            logger.exception("The index could not be refreshed after a change")


def describe_invalid(exc: ValidationError, whole: str = "record") -> str:
    """A validation error in one line: ``field: message`` per problem (``whole`` when no field is named).

    A field is named in words (``programme level``, ``regions served``), as the forms label it.
    """
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ())).replace("_", " ") or whole
        parts.append(f"{where}: {validation_reason(error)}")
    return "; ".join(parts)


__all__ = ["PublicRecord", "RecordService", "describe_invalid"]
