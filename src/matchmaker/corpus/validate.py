"""Validating raw corpus records into the ``XCreate`` models, with one-line reasons."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlmodel import SQLModel

from matchmaker.corpus.reader import REQUIRED, written_otherwise
from matchmaker.db.engine import unstorable
from matchmaker.db.models import (
    CaseCreate,
    CityCreate,
    FocalPointIn,
    Kind,
    ProviderCreate,
    RecordIn,
    SolutionIn,
)
from matchmaker.errors import RecordRejectedError, validation_reason
from matchmaker.wording import noun_for

Record = RecordIn

MODELS: dict[Kind, type[CityCreate] | type[ProviderCreate] | type[CaseCreate]] = {
    "city": CityCreate,
    "provider": ProviderCreate,
    "case": CaseCreate,
}


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "record"


def describe(exc: ValidationError) -> str:
    """Turn a pydantic error into one readable line: ``field: reason; other: reason``."""
    reasons: list[str] = []
    # The input is kept for the one reason that quotes it (a value that is no whole number).
    for err in exc.errors(include_url=False):
        reasons.append(f"{_field_path(tuple(err['loc']))}: {validation_reason(err)}")
    return "; ".join(reasons)


def split_extra(kind: Kind, raw: dict[str, Any]) -> dict[str, Any]:
    """Move unknown top-level fields into ``extra`` so they are kept, not rejected; a city's focal
    point keeps its own unknown fields in its own ``extra`` (confidential with it), and each of a
    provider's solutions its own in its own ``extra`` (public with it)."""
    data = _split(MODELS[kind], raw)
    focal = data.get("focal_point")
    if kind == "city" and isinstance(focal, dict):
        data["focal_point"] = _split(FocalPointIn, focal, "focal_point.")
    solutions = data.get("solutions")
    if kind == "provider" and isinstance(solutions, list):
        data["solutions"] = [
            _split(SolutionIn, item, f"solutions[{n}].") if isinstance(item, dict) else item
            for n, item in enumerate(solutions)
        ]
    return data


def _split(model: type[SQLModel], raw: dict[str, Any], where: str = "") -> dict[str, Any]:
    """``raw`` with the keys ``model`` does not declare moved into (a copy of) its ``extra``. An
    ``extra`` given as something other than an object is left for validation to refuse, not dropped;
    a field given both in ``extra`` and beside it with another value is refused
    (:class:`RecordRejectedError`, named with the prefix ``where``): keeping one would drop the other."""
    known = set(model.model_fields)
    data: dict[str, Any] = {}
    given_extra = raw.get("extra")
    if given_extra is None:  # left out, or null: nothing given
        given_extra = {}
    if not isinstance(given_extra, dict):
        return {**{k: v for k, v in raw.items() if k in known}, "extra": given_extra}
    extra: dict[str, Any] = dict(given_extra)
    if any(isinstance(key, str) and not key.strip() for key in [*raw, *given_extra]):
        # Kept, it would be a field with no name, as a CSV value under a column without a name would.
        inside = f"{where.removesuffix('.')}: " if where else ""
        raise RecordRejectedError(f"{inside}a value is given under a field with no name; name that field")
    for key, value in raw.items():
        if key == "extra":
            continue
        if key in known:
            data[key] = value
        elif key in given_extra and given_extra[key] != value:
            msg = f"{where}{key}: given twice, beside 'extra' and inside it, with other values; give it once"
            raise RecordRejectedError(msg)
        else:
            extra[key] = value
    data["extra"] = extra
    return data


def validate_record(kind: Kind, raw: dict[str, Any]) -> Record:
    """Validate one raw record of a kind; raises :class:`RecordRejectedError` with a one-line reason."""
    if problem := unstorable(raw, whole="record"):
        raise RecordRejectedError(problem)
    missing = [name for name in REQUIRED[kind] if raw.get(name) in (None, "")]
    if missing:
        raise RecordRejectedError(
            f"missing required {noun_for(len(missing), 'field')}: {', '.join(missing)}"
            + written_otherwise(missing, list(raw), "field")
        )
    for name in ("id", "name", "country", "title", "city"):
        # Only the kind's own fields: another kind's (a provider's "city", a city's "title") is an
        # unknown field here, kept whatever it holds.
        if name in MODELS[kind].model_fields and name in raw and not isinstance(raw[name], str):
            raise RecordRejectedError(f"{name}: must be a string, got {type(raw[name]).__name__}")
    try:
        return MODELS[kind].model_validate(split_extra(kind, raw))
    except ValidationError as exc:
        raise RecordRejectedError(describe(exc)) from exc
