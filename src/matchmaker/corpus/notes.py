"""Notes on a valid record that is stored as given but will not work as its writer expects.

* A label of a controlled-vocabulary field (a city's ``priorities``, a solution's ``domains``, a case
  study's ``domains``, ``obstacles`` and ``stages``) that no term of the vocabulary matches is kept
  (unknown values are kept, not rejected) but matches nothing: :func:`unknown_labels` names it, with
  the closest term when one is near.
* A city's focal-point contact (e-mail, phone, other contact fields) typed into its public text is
  shown as ``[redacted]`` to everyone but staff and the city itself: :func:`contact_in_public_text`
  names the field, never the value (a warning is read by more people than the focal point). So is
  the value of a record's internal field copied into its public text (:func:`internal_in_public_text`).

* A field whose name is a known field's written otherwise (``Population``, ``regions served``) is
  kept in ``extra`` but not read as that field: :func:`misnamed_fields` names it.

All are warnings, never refusals: ingest, upload and edits store the record and report them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz, process

from matchmaker.corpus.reader import field_key, strings_in
from matchmaker.db.models import (
    MIN_CONFIDENTIAL_CHARS,
    CaseCreate,
    CasePublic,
    CityCreate,
    CityPublic,
    FocalPointIn,
    ProviderCreate,
    ProviderPublic,
    is_internal_key,
)
from matchmaker.vocabulary.tagger import resolve_label
from matchmaker.vocabulary.terms import Kind as TermKind
from matchmaker.vocabulary.terms import terms_of_kind
from matchmaker.wording import noun_for

#: The controlled-vocabulary fields of each record model, with the kind of term they hold.
CITY_VOCABULARY = (("priorities", TermKind.DOMAIN),)
CASE_VOCABULARY = (
    ("domains", TermKind.DOMAIN),
    ("obstacles", TermKind.OBSTACLE),
    ("stages", TermKind.STAGE),
)
SOLUTION_VOCABULARY = (("domains", TermKind.DOMAIN),)

#: How close (rapidfuzz ratio, 0-100) a known term's id must be to be offered as the one meant; a
#: looser scorer offered "utilities_infrastructure" for "culture".
_CLOSEST_CUTOFF = 70.0


def _closest(label: str, kind: TermKind) -> str | None:
    ids = [term.id for term in terms_of_kind(kind)]
    best = process.extractOne(label.strip().lower().replace(" ", "_"), ids, scorer=fuzz.ratio)
    return best[0] if best is not None and best[1] >= _CLOSEST_CUTOFF else None


def _labels(value: Any) -> list[str]:
    return [str(v) for v in (value or []) if str(v).strip()]


#: What people put between two labels written as one (``mobility, energy_buildings`` in a CSV cell
#: whose items should be separated by ``;``).
_JOINED = re.compile(r"\s*[,/|]\s*")


def _unknown(where: str, labels: Iterable[str], kind: TermKind) -> Iterator[str]:
    for label in labels:
        term = resolve_label(label, (kind,))
        if term is not None:
            parts = [p for p in _JOINED.split(label) if p.strip()]
            found = {t.id for t in (resolve_label(p, (kind,)) for p in parts) if t is not None}
            if len(parts) > 1 and len(found) > 1:
                # One label is read as one term: the other terms it names were dropped.
                yield (
                    f"{where}: {label!r} names more than one {kind.value.replace('_', ' ')}, but is read as"
                    f" {term.id!r} alone; give each as an item of its own (separated by ';' in a CSV cell)"
                )
            continue
        closest = _closest(label, kind)
        hint = f" (the closest known one is {closest!r})" if closest else ""
        what = kind.value.replace("_", " ")
        yield f"{where}: {label!r} is no known {what}{hint}; it is kept but matches nothing"


def unknown_labels(record: BaseModel) -> list[str]:
    """One note per vocabulary label of ``record`` (a city, provider or case study, as given or as
    stored) that no term matches, naming the field and the label."""
    notes: list[str] = []
    if isinstance(record, CityCreate | CityPublic):
        for name, kind in CITY_VOCABULARY:
            notes.extend(_unknown(name, _labels(getattr(record, name)), kind))
    elif isinstance(record, CaseCreate | CasePublic):
        for name, kind in CASE_VOCABULARY:
            notes.extend(_unknown(name, _labels(getattr(record, name)), kind))
    elif isinstance(record, ProviderCreate | ProviderPublic):
        for n, solution in enumerate(record.solutions):
            for name, kind in SOLUTION_VOCABULARY:
                notes.extend(_unknown(f"solutions[{n}].{name}", _labels(getattr(solution, name)), kind))
    return notes


def contact_values(focal_point: FocalPointIn | dict[str, Any] | None) -> list[str]:
    """The focal point's contact values that are long enough to be looked for (name, e-mail, phone and
    its other fields)."""
    if focal_point is None:
        return []
    data = focal_point if isinstance(focal_point, dict) else focal_point.model_dump(mode="json")
    return sorted({v.strip() for v in strings_in(data) if len(v.strip()) >= MIN_CONFIDENTIAL_CHARS})


def contact_in_public_text(
    public: dict[str, Any], focal_point: FocalPointIn | dict[str, Any] | None
) -> list[str]:
    """One note per public field of a city (``public``: its fields by name, public ``extra`` fields
    as ``extra.KEY``) that holds a value of its own focal point. The note names the field and the kind
    of value, not the value."""
    contacts = contact_values(focal_point)
    if not contacts:
        return []
    named = focal_point if isinstance(focal_point, dict) else focal_point.model_dump(mode="json")  # type: ignore[union-attr]
    what = {str(v).strip(): key for key, v in named.items() if isinstance(v, str)}
    notes: list[str] = []
    for name, value in public.items():
        texts = list(strings_in(value))
        found = sorted({what.get(c, "contact") for c in contacts if any(c in t for t in texts)})
        if found:
            notes.append(
                f"{name}: holds the focal point's {' and '.join(found)}; other cities and providers see it"
                " as [redacted] (move it to focal_point, which only staff and the city itself see)"
            )
    return notes


def _public_fields(record: BaseModel) -> dict[str, Any]:
    """A record's fields that others see, by name (public ``extra`` fields as ``extra.KEY``)."""
    public = record.model_dump(mode="json", exclude={"focal_point", "extra", "id"})
    extra = getattr(record, "extra", None) or {}
    # Internal fields are staff-only, as the focal point is: a value there is seen by no one else.
    return public | {f"extra.{key}": value for key, value in extra.items() if not is_internal_key(key)}


def internal_in_public_text(record: BaseModel) -> list[str]:
    """One note per public field of a record that holds the value of one of its own internal fields
    (``internal_budget`` and the like, staff-only): everyone but staff sees it as [redacted]."""
    extra = getattr(record, "extra", None) or {}
    internal = {
        key: [v.strip() for v in strings_in(value) if len(v.strip()) >= MIN_CONFIDENTIAL_CHARS]
        for key, value in extra.items()
        if is_internal_key(key)
    }
    if not any(internal.values()):
        return []
    notes: list[str] = []
    for name, value in _public_fields(record).items():
        texts = list(strings_in(value))
        keys = sorted(key for key, values in internal.items() if any(v in t for v in values for t in texts))
        if keys:
            notes.append(
                f"{name}: holds the value of the internal {noun_for(len(keys), 'field')}"
                f" {', '.join(map(repr, keys))}; everyone but staff sees it as [redacted]"
            )
    return notes


def city_contact_notes(record: BaseModel) -> list[str]:
    """:func:`contact_in_public_text` for a city record, as given or as stored with its focal point
    (its public ``extra`` fields too); nothing for other records."""
    focal_point = getattr(record, "focal_point", None)
    if not isinstance(record, CityCreate | CityPublic) or focal_point is None:
        return []
    return contact_in_public_text(_public_fields(record), focal_point)


def misnamed_fields(record: BaseModel) -> list[str]:
    """One note per unknown field of ``record`` (kept in its ``extra``) whose name is a known field's
    written otherwise (``Population``, ``regions served``): its value is kept, but not read as that
    field."""
    extra = getattr(record, "extra", None) or {}
    known = set(type(record).model_fields) - {"extra"}
    return [
        f"extra.{key}: is not read as {field_key(key)!r} (field names are lower case, with _ between"
        " words); it is kept as an extra field"
        for key in extra
        if field_key(key) in known and key != field_key(key)
    ]


def record_notes(record: BaseModel) -> list[str]:
    """Every note on ``record`` (see the module's docstring)."""
    return [
        *city_contact_notes(record),
        *internal_in_public_text(record),
        *unknown_labels(record),
        *misnamed_fields(record),
    ]
