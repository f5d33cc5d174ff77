"""What each role may see: internal fields, and the confidential values a response must never carry.

Two rules, both enforced for every non-staff caller:

* A record's ``extra`` keys that are marked internal (their name starts with ``internal``, ``private``,
  ``confidential`` or ``_``) are dropped from the record (:func:`strip_internal`).
* :func:`confidential_terms` lists the confidential *values* a caller may not see: every focal point's
  name, e-mail and phone (except the caller's own city's, for a city focal point) and the text of every
  internal field. The web layer scrubs these from every response body as a last line of defence, so a
  value that slips into an explanation, a search snippet or an error message still never leaves.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, select

from matchmaker.db.engine import Database
from matchmaker.db.models import CaseStudy, City, FocalPoint, Provider

INTERNAL_PREFIXES = ("internal", "private", "confidential", "_")
#: Shorter values are not scrubbed: they would match ordinary words.
MIN_TERM_CHARS = 5

M = TypeVar("M", bound=BaseModel)


def is_internal_key(key: str) -> bool:
    """Whether an ``extra`` key is marked internal (staff only)."""
    return key.strip().lower().startswith(INTERNAL_PREFIXES)


def public_extra(extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` without the keys marked internal."""
    return {k: v for k, v in extra.items() if not is_internal_key(k)}


def strip_internal(record: M) -> M:
    """A copy of a record whose ``extra`` holds no internal key (records without ``extra`` unchanged)."""
    extra = getattr(record, "extra", None)
    if not isinstance(extra, dict) or not any(is_internal_key(k) for k in extra):
        return record
    return record.model_copy(update={"extra": public_extra(extra)})


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def confidential_terms(session: Session, *, own_city: str | None = None) -> list[str]:
    """Confidential values a non-staff caller may not see, longest first.

    ``own_city`` is the city a city focal point speaks for: its own focal point is not confidential
    to it.
    """
    terms: set[str] = set()
    for contact in session.exec(select(FocalPoint)):
        if own_city is not None and contact.city_id == own_city:
            continue
        terms.update(v for v in (contact.name, contact.email, contact.phone) if v)
    for table in (City, Provider, CaseStudy):
        for extra in session.exec(select(table.extra)):  # type: ignore[attr-defined]
            if isinstance(extra, dict):
                for key, value in extra.items():
                    if is_internal_key(key):
                        terms.update(_strings(value))
    cleaned = {t.strip() for t in terms}
    return sorted((t for t in cleaned if len(t) >= MIN_TERM_CHARS), key=lambda t: (-len(t), t))


class ConfidentialTerms:
    """Compiled patterns of the confidential values, per viewpoint, refreshed every ``ttl`` seconds.

    Writes that may change them (records, ingest) call :meth:`invalidate`.
    """

    def __init__(self, database: Database, ttl: float = 2.0) -> None:
        self.database = database
        self.ttl = ttl
        self._cache: dict[str | None, tuple[float, re.Pattern[bytes] | None]] = {}
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Forget every cached pattern (call after a change to cities or focal points)."""
        with self._lock:
            self._cache.clear()

    def pattern(self, own_city: str | None) -> re.Pattern[bytes] | None:
        """The pattern for a caller speaking for ``own_city`` (``None`` for every other non-staff)."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(own_city)
            if hit is not None and hit[0] > now:
                return hit[1]
        with self.database.unit_of_work() as session:
            terms = confidential_terms(session, own_city=own_city)
        forms: set[bytes] = set()
        for term in terms:
            for form in (
                term,
                json.dumps(term, ensure_ascii=False)[1:-1],
                json.dumps(term)[1:-1],
                html.escape(term),
                html.escape(term, quote=False),
            ):
                forms.add(form.encode("utf-8"))
        compiled = (
            re.compile(b"|".join(re.escape(f) for f in sorted(forms, key=lambda f: (-len(f), f))))
            if forms
            else None
        )
        with self._lock:
            self._cache[own_city] = (now + self.ttl, compiled)
        return compiled


__all__ = [
    "INTERNAL_PREFIXES",
    "MIN_TERM_CHARS",
    "ConfidentialTerms",
    "confidential_terms",
    "is_internal_key",
    "public_extra",
    "strip_internal",
]
