"""Validation rules every layer's input models share.

JSON's ``true`` and ``false`` are kept apart from numbers and text: the validation library reads them
loosely (``true`` as 1, ``"yes"`` as true), so ``"tables": true`` would plan one table. Record inputs,
event inputs and scheduling problem files all read their fields through :func:`strict_truth_values`,
by way of :class:`StrictTruthModel`, a model that reads every field so: the base of record inputs,
event inputs, the API's event request bodies and scheduling problem files.
"""

from __future__ import annotations

from types import UnionType
from typing import Union, get_args, get_origin

from pydantic import BaseModel, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError


def _branches(annotation: object) -> tuple[object, ...]:
    """The types a field of this type takes: itself, or each branch of a union (an optional)."""
    return get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)


def _takes(annotation: object, kind: type) -> bool:
    """Whether a field of this type takes a value of ``kind`` (itself, or one branch of an optional)."""
    return kind in _branches(annotation)


def strict_truth_values(value: object, info: ValidationInfo, fields: dict[str, FieldInfo]) -> object:
    """Keep true and false apart from other values, which the validation library reads loosely.

    ``true`` or ``false`` for a number field would be read as 1 or 0 (``"tables": true`` an event of
    one table): it is refused as a number of the wrong type would be. A field that is true or false
    would read ``"yes"``, ``"true"``, ``1`` or ``"off"`` as a truth value (``"clear_deadline": "yes"``
    cleared the deadline): it takes JSON true or false only (or null where it is optional). Used as a
    ``field_validator("*", mode="before")`` of every input model."""
    field = fields.get(info.field_name or "")
    if field is None:
        return value
    if isinstance(value, bool) and not _takes(field.annotation, bool):
        if _takes(field.annotation, int):
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        if _takes(field.annotation, float):
            raise PydanticCustomError("float_type", "Input should be a valid number")
    if value is not None and not isinstance(value, bool):
        kinds = set(_branches(field.annotation)) - {type(None)}
        if kinds == {bool}:
            raise PydanticCustomError("bool_type", "Input should be a valid boolean")
    return value


class StrictTruthModel(BaseModel):
    """An input model whose every field reads true and false strictly (:func:`strict_truth_values`);
    each kind of input sets its own ``model_config`` (whether an unknown field is refused or dropped)."""

    @field_validator("*", mode="before")
    @classmethod
    def _strict_truth_values(cls, value: object, info: ValidationInfo) -> object:
        return strict_truth_values(value, info, cls.model_fields)
