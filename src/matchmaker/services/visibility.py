"""What each role may see: which records of each kind, which of their fields, and the confidential
values a response must never carry.

*Which records.* One rule, used by the API and the console alike (staff see everything):

============  ==========================  =====================================  ============
              cities                      providers                              case studies
============  ==========================  =====================================  ============
city          every public profile;       every profile                          every one
              its own with its focal point
provider      every public profile        its own profile only                   none
============  ==========================  =====================================  ============

Suggestions (match queries) about a city or a provider are for staff and for that city or provider
itself (:func:`require_self`, :func:`may_suggest`). :func:`require_read` and :func:`require_list` refuse with
:class:`~matchmaker.errors.PermissionDeniedError` before anything is read, so a refusal never says
whether a record exists; :meth:`matchmaker.services.records.RecordService.visible_list` and
:meth:`~matchmaker.services.records.RecordService.visible_get` apply the rule and return each record
as the caller may see it (:func:`view_of`).

*Which fields.* Two rules, both enforced for every non-staff caller:

* A record's ``extra`` keys that are marked internal (their name starts with ``internal``, ``private``,
  ``confidential``, ``_`` or ``focal_point``: a provider's or case study's contact person) are dropped
  from the record (:func:`strip_internal`).
* The focal point is read only for staff and for the city itself (:func:`sees_in_full`); every other
  answer is built from the public read models, which have no field for it.

:func:`confidential_terms` lists the confidential *values* a caller may not see: every focal point's
name, e-mail, phone and other contact fields (its ``extra``), except the caller's own city's for a city
focal point, and the text of every internal field. The web layer checks every response body for them
as a last line of defence; a hit there means a code path leaked, and is logged as an error (see
:mod:`matchmaker.web.redaction`), unless the value is one its city typed into its own public text
(:func:`typed_in_public_text`: warned about when the record was written, redacted without a log line).
The command line's public listing redacts the same values (:func:`redacted`).
Values the caller supplied itself (in its request or in its own record, :func:`known_to`) are never
rewritten: replacing a guess exactly where it is right would confirm it.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, select

from matchmaker.corpus.reader import strings_in
from matchmaker.db import repository
from matchmaker.db.engine import Database
from matchmaker.db.models import (
    INTERNAL_PREFIXES,
    KIND_WORDS,
    MIN_CONFIDENTIAL_CHARS,
    CaseStudy,
    City,
    FocalPoint,
    Kind,
    Provider,
    is_internal_key,
)
from matchmaker.errors import NotFoundError, PermissionDeniedError
from matchmaker.services.users import Principal

#: Shorter values are not scrubbed: they would match ordinary words.
MIN_TERM_CHARS = MIN_CONFIDENTIAL_CHARS

M = TypeVar("M", bound=BaseModel)


def public_extra(extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` without the keys marked internal."""
    return {k: v for k, v in extra.items() if not is_internal_key(k)}


def internal_extra(extra: dict[str, Any] | None) -> dict[str, Any]:
    """The keys of ``extra`` marked internal, with their values (none for no ``extra``)."""
    return {k: v for k, v in (extra or {}).items() if is_internal_key(k)}


def strip_internal(record: M) -> M:
    """A copy of a record whose ``extra`` holds no internal key, nor its focal point's ``extra`` (the
    city itself sees its focal point, but a key marked internal there is staff-only as anywhere);
    records without either unchanged."""
    update: dict[str, Any] = {}
    extra = getattr(record, "extra", None)
    if isinstance(extra, dict) and any(is_internal_key(k) for k in extra):
        update["extra"] = public_extra(extra)
    contact = getattr(record, "focal_point", None)
    contact_extra = getattr(contact, "extra", None)
    if (
        isinstance(contact, BaseModel)
        and isinstance(contact_extra, dict)
        and any(is_internal_key(k) for k in contact_extra)
    ):
        update["focal_point"] = contact.model_copy(update={"extra": public_extra(contact_extra)})
    return record.model_copy(update=update) if update else record


def may_list(principal: Principal, kind: Kind) -> bool:
    """Whether ``principal`` may browse records of ``kind`` at all (a provider sees no case study)."""
    return not (principal.role == "provider" and kind == "case")


def may_read(principal: Principal, kind: Kind, record_id: str) -> bool:
    """Whether ``principal`` may read the record ``record_id`` of ``kind``."""
    if principal.is_staff:
        return True
    if not may_list(principal, kind):
        return False
    if principal.role == "provider" and kind == "provider":
        return principal.is_provider(record_id)
    return True


def require_list(principal: Principal, kind: Kind) -> None:
    """:class:`PermissionDeniedError` unless ``principal`` may browse records of ``kind``."""
    if not may_list(principal, kind):
        raise PermissionDeniedError(f"the {principal.role} role has no access to {KIND_WORDS[kind]} records")


def require_read(principal: Principal, kind: Kind, record_id: str) -> None:
    """:class:`PermissionDeniedError` unless ``principal`` may read that record (checked before reading
    it, so the answer is the same whether it exists or not)."""
    require_list(principal, kind)
    if not may_read(principal, kind, record_id):
        raise PermissionDeniedError("a provider may only see and change its own profile and suggestions")


def require_self(principal: Principal, kind: Kind, record_id: str) -> None:
    """Staff, or the city or provider ``record_id`` itself: who may read suggestions about a record or
    change it as its owner."""
    if principal.is_staff:
        return
    if kind == "city" and principal.is_city(record_id):
        return
    if kind == "provider" and principal.is_provider(record_id):
        return
    if principal.role == "city" and kind == "city":
        raise PermissionDeniedError("a city focal point may only ask about its own city")
    if principal.role == "provider" and kind == "provider":
        raise PermissionDeniedError("a provider may only see and change its own profile and suggestions")
    raise PermissionDeniedError(f"the {principal.role} role may not do this for a {KIND_WORDS[kind]}")


def may_suggest(principal: Principal, kind: Kind, record_id: str) -> bool:
    """Whether ``principal`` may read suggestions about that city or provider (see :func:`require_self`)."""
    try:
        require_self(principal, kind, record_id)
    except PermissionDeniedError:
        return False
    return True


def sees_in_full(principal: Principal, kind: Kind, record_id: str) -> bool:
    """Whether ``principal`` sees the record's confidential fields: staff, and a city its own focal point."""
    return principal.is_staff or (kind == "city" and principal.is_city(record_id))


def view_of(principal: Principal, record: M) -> M:
    """``record`` as ``principal`` may see it: internal ``extra`` fields for staff only."""
    return record if principal.is_staff else strip_internal(record)


def confidential_terms(session: Session, *, own_city: str | None = None) -> list[str]:
    """Confidential values a non-staff caller may not see, longest first.

    ``own_city`` is the city a city focal point speaks for: its own focal point is not confidential
    to it.
    """
    terms: set[str] = set()
    for contact in session.exec(select(FocalPoint)):
        if own_city is not None and contact.city_id == own_city:
            # Its own contact is not confidential to it, but the fields marked internal in it are.
            terms.update(strings_in(internal_extra(contact.extra)))
            continue
        terms.update(v for v in (contact.name, contact.email, contact.phone) if v)
        terms.update(strings_in(contact.extra))
    for table in (City, Provider, CaseStudy):
        for extra in session.exec(select(table.extra)):  # type: ignore[attr-defined]
            if isinstance(extra, dict):
                for key, value in extra.items():
                    if is_internal_key(key):
                        terms.update(strings_in(value))
    cleaned = {t.strip() for t in terms}
    return sorted((t for t in cleaned if len(t) >= MIN_TERM_CHARS), key=lambda t: (-len(t), t))


def typed_in_public_text(session: Session) -> set[str]:
    """The focal-point values (of :func:`confidential_terms`) that their own city's public text holds,
    and the values of a record's internal fields that its own public text holds:
    typed into a summary or a public field by whoever wrote the record, and warned about when it was
    written. They are redacted for every other caller like any confidential value, but their presence
    in a response is expected, not a leak of some code path."""
    contacts: dict[str, list[str]] = {}
    for contact in session.exec(select(FocalPoint)):
        values = [v for v in (contact.name, contact.email, contact.phone) if v]
        values.extend(strings_in(contact.extra))
        contacts[contact.city_id] = [t for t in (v.strip() for v in values) if len(t) >= MIN_TERM_CHARS]
    typed: set[str] = set()
    for kind in ("city", "provider", "case"):
        for record in repository.REPOSITORIES[kind].list(session):
            extra = getattr(record, "extra", None) or {}
            own = [*contacts.get(record.id, [])] if kind == "city" else []
            own += [
                t
                for key, value in extra.items()
                if is_internal_key(key)
                for t in (v.strip() for v in strings_in(value))
                if len(t) >= MIN_TERM_CHARS
            ]
            if own:
                texts = list(strings_in(strip_internal(record).model_dump(mode="json")))
                typed.update(v for v in own if any(v in text for text in texts))
    return typed


def redacted(record: M, pattern: TermPattern | None) -> M:
    """A copy of ``record`` whose text holds none of the values of ``pattern`` (of
    :func:`compile_terms`; each replaced by ``[redacted]``), as the web layer redacts a response to a
    caller who may not see them; ``record`` itself when none is there."""
    if pattern is None:
        return record
    clean, count = pattern.scrub(record.model_dump_json().encode("utf-8"))
    return record if count == 0 else type(record).model_validate_json(clean)


def known_to(session: Session, principal: Principal) -> list[str]:
    """Texts ``principal`` wrote or was given as its own: every string of the record it speaks for
    (its provider profile, its city). A confidential value inside them is one the caller typed or
    already holds, so echoing it back tells the caller nothing."""
    if principal.role not in ("city", "provider") or not principal.subject_id:
        return []
    kind: Kind = "city" if principal.role == "city" else "provider"
    try:
        record = repository.REPOSITORIES[kind].get(session, principal.subject_id)
    except NotFoundError:
        return []
    return list(strings_in(strip_internal(record).model_dump(mode="json")))


@dataclass(frozen=True)
class TermPattern:
    """The confidential values of one viewpoint, compiled: each raw, JSON-escaped and HTML-escaped
    form of a value maps back to the value."""

    regex: re.Pattern[bytes]
    forms: dict[bytes, str]

    def found(self, body: bytes) -> set[str]:
        """The confidential values ``body`` holds, in any of their forms."""
        return {self.forms[m.group(0)] for m in self.regex.finditer(body)}

    def scrub(
        self, body: bytes, *, keep: Collection[str] = (), mark: bytes = b"[redacted]"
    ) -> tuple[bytes, int]:
        """``body`` with every form of every value replaced by ``mark``, except the values in ``keep``;
        and how many were replaced."""
        count = 0

        def replace(match: re.Match[bytes]) -> bytes:
            nonlocal count
            if self.forms[match.group(0)] in keep:
                return match.group(0)
            count += 1
            return mark

        return self.regex.sub(replace, body), count


def compile_terms(terms: Iterable[str]) -> TermPattern | None:
    """The pattern of ``terms`` in every form a response may carry them, longest first (None if none)."""
    forms: dict[bytes, str] = {}
    for term in terms:
        for form in (
            term,
            json.dumps(term, ensure_ascii=False)[1:-1],
            json.dumps(term)[1:-1],
            html.escape(term),
            html.escape(term, quote=False),
        ):
            forms.setdefault(form.encode("utf-8"), term)
    if not forms:
        return None
    ordered = sorted(forms, key=lambda f: (-len(f), f))
    return TermPattern(re.compile(b"|".join(re.escape(f) for f in ordered)), forms)


class ConfidentialTerms:
    """Compiled patterns of the confidential values, per viewpoint, refreshed every ``ttl`` seconds.

    Writes that may change them (records, ingest) call :meth:`invalidate`.
    """

    def __init__(self, database: Database, ttl: float = 2.0) -> None:
        self.database = database
        self.ttl = ttl
        self._cache: dict[str | None, tuple[float, TermPattern | None]] = {}
        self._typed: tuple[float, frozenset[str]] | None = None
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Forget every cached pattern (call after a change to cities or focal points)."""
        with self._lock:
            self._cache.clear()
            self._typed = None

    def pattern(self, own_city: str | None) -> TermPattern | None:
        """The pattern for a caller speaking for ``own_city`` (``None`` for every other non-staff)."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(own_city)
            if hit is not None and hit[0] > now:
                return hit[1]
        with self.database.unit_of_work() as session:
            compiled = compile_terms(confidential_terms(session, own_city=own_city))
        with self._lock:
            self._cache[own_city] = (now + self.ttl, compiled)
        return compiled

    def typed_in_public_text(self) -> frozenset[str]:
        """:func:`typed_in_public_text`, read again every ``ttl`` seconds as the patterns are."""
        now = time.monotonic()
        with self._lock:
            hit = self._typed
            if hit is not None and hit[0] > now:
                return hit[1]
        with self.database.unit_of_work() as session:
            typed = frozenset(typed_in_public_text(session))
        with self._lock:
            self._typed = (now + self.ttl, typed)
        return typed

    def known_to(self, principal: Principal) -> list[str]:
        """:func:`known_to` in a unit of work of its own."""
        with self.database.unit_of_work() as session:
            return known_to(session, principal)


__all__ = [
    "INTERNAL_PREFIXES",
    "MIN_TERM_CHARS",
    "ConfidentialTerms",
    "TermPattern",
    "compile_terms",
    "confidential_terms",
    "internal_extra",
    "is_internal_key",
    "known_to",
    "may_list",
    "may_read",
    "may_suggest",
    "public_extra",
    "redacted",
    "require_list",
    "require_read",
    "require_self",
    "sees_in_full",
    "strip_internal",
    "typed_in_public_text",
    "view_of",
]
