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

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import select

from matchmaker.db.engine import create_db_engine, session_scope
from matchmaker.db.models import CaseStudy, City, FocalPoint, Provider
from matchmaker.settings import Settings

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


def confidential_terms(settings: Settings, *, own_city: str | None = None) -> list[str]:
    """Confidential values a non-staff caller may not see, longest first.

    ``own_city`` is the city a city focal point speaks for: its own focal point is not confidential
    to it.
    """
    terms: set[str] = set()
    with session_scope(create_db_engine(settings)) as session:
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


__all__ = [
    "INTERNAL_PREFIXES",
    "MIN_TERM_CHARS",
    "confidential_terms",
    "is_internal_key",
    "public_extra",
    "strip_internal",
]
