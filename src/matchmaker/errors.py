"""The one error tree of matchmaker.

Domain code raises these; the CLI and the web layer map them to exit codes and HTTP statuses in one
place each (``matchmaker.cli`` and ``matchmaker.web.errors``). Domain code never imports the web
framework.

::

    MatchmakerError
    ├── InvalidInputError           bad input from a user: 422, exit 2
    │   ├── RecordRejectedError     one corpus record failed validation
    │   └── AmbiguousNameError      a name matched several records closely
    ├── NotFoundError               no such record: 404
    ├── ConflictError               the change clashes with stored state: 409
    ├── AuthenticationError         missing or unknown credentials: 401
    ├── PermissionDeniedError       the role may not do this: 403
    ├── PayloadTooLargeError        an upload or line is over its bound: 413
    ├── IndexUnavailableError       an index bundle is missing, stale or does not fit the settings: 503
    │   └── IndexDamagedError       a bundle's files do not match their checksums or hold NaN vectors
    ├── ConfigurationError          a setting names something this instance cannot use: 503, exit 2
    └── InfeasibleScheduleError     the scheduling problem cannot be solved as stated: 422, exit 2
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence


class MatchmakerError(Exception):
    """Base of every error matchmaker raises on purpose. ``field``, when given, is the one field of the
    input it refuses, by its key (``email``, ``slot``), for a form to mark it and an answer to name it."""

    #: Short machine-readable title, used as the problem-details title.
    title = "Matchmaker error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class InvalidInputError(MatchmakerError):
    """The input is malformed or violates a rule; the message says which (and ``field`` the field)."""

    title = "Invalid input"


class RecordRejectedError(InvalidInputError):
    """One corpus record failed validation."""

    title = "Record rejected"


class AmbiguousNameError(InvalidInputError):
    """A name resolved to several records; the candidates are listed."""

    title = "Ambiguous name"

    def __init__(self, query: str, candidates: Sequence[tuple[str, str]], *, more: int = 0) -> None:
        listing = ", ".join(f"{cid} ({name})" for cid, name in candidates)
        if more:
            listing += f" and {more} more"
        super().__init__(f"{query!r} is ambiguous; candidates: {listing}. Give the id instead.")
        self.query = query
        self.candidates = list(candidates)


class NotFoundError(MatchmakerError):
    """The named record does not exist."""

    title = "Not found"


class ConflictError(MatchmakerError):
    """The request clashes with stored state."""

    title = "Conflict"


class PreconditionFailedError(ConflictError):
    """A change was made on a condition (the version the caller last read) that no longer holds."""

    title = "Precondition failed"


class AuthenticationError(MatchmakerError):
    """Credentials are missing or unknown. ``why``, when given, says why credentials that worked no
    longer do: ``ended`` (signed out, or access changed), ``expired``, or ``gone`` (the record they
    speak for is no longer stored), for the sign-in page to tell the person."""

    title = "Authentication required"

    def __init__(self, message: str, *, field: str | None = None, why: str | None = None) -> None:
        super().__init__(message, field=field)
        self.why = why


class PermissionDeniedError(MatchmakerError):
    """The caller's role may not do this."""

    title = "Forbidden"


class PayloadTooLargeError(MatchmakerError):
    """An upload, a line or a field is larger than its bound."""

    title = "Payload too large"


class IndexUnavailableError(MatchmakerError):
    """An index bundle is missing, stale or was built for other settings."""

    title = "Index unavailable"


class IndexDamagedError(IndexUnavailableError):
    """An index bundle's files are damaged: a checksum mismatch, an unreadable file, NaN vectors."""

    title = "Index damaged"


class ConfigurationError(MatchmakerError):
    """A setting names something the instance cannot use: a home it cannot create or write, a database
    driver that is not installed. The message names the ``MATCHMAKER_`` variable."""

    title = "Configuration error"


class InfeasibleScheduleError(MatchmakerError):
    """The scheduling problem cannot be solved; the message says what to relax."""

    title = "Infeasible schedule"

    def __init__(self, message: str, reasons: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.reasons = list(reasons)


# --------------------------------------------------------------------------------------------------
# Validation problems in the product's words (the API, the console, ingest and the CLI say them alike)


#: What a whole number looks like, in the message refusing anything else.
WHOLE_NUMBER_EXAMPLE = 10
#: Text given is quoted up to this many characters.
_GIVEN_CHARS = 40
_LIST = 'must be a list of values (a JSON array such as ["a", "b"])'
_WHEN = "must be a date and time such as 2027-03-02T09:00"
_DAY = "must be a date such as 2027-03-02"
#: An instant (a deadline) written without its UTC offset.
_INSTANT = "must have a UTC offset, such as 2027-03-02T09:00+03:00 or 2027-03-02T06:00Z"
#: What a value must be, by the kind of the validation error (pydantic's error ``type``) it broke, for
#: the kinds whose own text speaks of "input" and of types rather than of the field.
_MUST_BE = {
    **dict.fromkeys(("float_type", "float_parsing", "decimal_type", "decimal_parsing"), "must be a number"),
    **dict.fromkeys(("string_type", "string_unicode", "string_sub_type"), "must be text"),
    **dict.fromkeys(("bool_type", "bool_parsing"), "must be true or false"),
    **dict.fromkeys(("list_type", "tuple_type", "set_type", "frozen_set_type", "iterable_type"), _LIST),
    **dict.fromkeys(
        ("dict_type", "model_type", "model_attributes_type", "dataclass_type"),
        'must be an object of named fields (a JSON object such as {"name": "..."})',
    ),
    **dict.fromkeys(
        ("datetime_type", "datetime_parsing", "datetime_from_date_parsing", "datetime_object_invalid"), _WHEN
    ),
    "timezone_aware": _INSTANT,
    **dict.fromkeys(("date_type", "date_parsing", "date_from_datetime_parsing"), _DAY),
    **dict.fromkeys(("time_type", "time_parsing"), "must be a time such as 09:00"),
    **dict.fromkeys(
        ("url_type", "url_parsing", "url_scheme"), "must be a web address such as https://example.com"
    ),
    "missing": "required field is missing",
    "extra_forbidden": "is not a known field",
    "json_invalid": "is not valid JSON",
    "finite_number": "must be a finite number",
}


#: A number out of its range, by the kind of validation error: the bound (a key of pydantic's error
#: ``ctx``) and what the value must be.
_RANGE = {
    "greater_than_equal": ("ge", "must be {} or more"),
    "greater_than": ("gt", "must be more than {}"),
    "less_than_equal": ("le", "must be {} or less"),
    "less_than": ("lt", "must be less than {}"),
    "multiple_of": ("multiple_of", "must be a multiple of {}"),
}
#: A value of the wrong length, by the kind of validation error: the bound and what the value must be,
#: with the unit counted (one and many).
_LENGTH = {
    "string_too_short": ("min_length", "must be at least", "character", "characters"),
    "string_too_long": ("max_length", "must be at most", "character", "characters"),
    "too_short": ("min_length", "must have at least", "entry", "entries"),
    "too_long": ("max_length", "must have at most", "entry", "entries"),
    "bytes_too_short": ("min_length", "must be at least", "byte", "bytes"),
    "bytes_too_long": ("max_length", "must be at most", "byte", "bytes"),
}


#: The kinds of validation error of a value that is no whole number.
_NOT_WHOLE = frozenset(("int_type", "int_parsing", "int_from_float", "int_parsing_size"))
#: A value given of no plain kind, named by its JSON kind.
_GIVEN_KINDS = ((list, "a list"), (tuple, "a list"), (dict, "an object"))


def _given(value: object) -> str:
    """A value someone gave, as the message quotes it: text quoted (cut after a few words), other plain
    values as JSON writes them (``2.5``, ``true``, ``null``), a list or an object by its kind."""
    if isinstance(value, str):
        shown = value if len(value) <= _GIVEN_CHARS else value[:_GIVEN_CHARS] + "…"
        return repr(shown)
    for kind, words in _GIVEN_KINDS:
        if isinstance(value, kind):
            return words
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    return "a value of another kind"


#: Stands for a value given that is not known (the error does not hold it).
_UNKNOWN = object()


def whole_number_reason(given: object = _UNKNOWN) -> str:
    """The one message refusing a value that is no whole number, with an example and, when it is
    known, the value given: ``must be a whole number such as 10 (got 'ten')``."""
    reason = f"must be a whole number such as {WHOLE_NUMBER_EXAMPLE}"
    return reason if given is _UNKNOWN else given_reason(reason, given)


def given_reason(reason: str, given: object) -> str:
    """A refusal's ``reason`` followed by the value given, quoted: ``must be true or false (got 'yes')``."""
    return f"{reason} (got {_given(given)})"


def _number(value: object) -> str:
    """A bound as a person writes it: ``1``, not ``1.0``."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def range_reason(kind: str, bound: object, given: object = _UNKNOWN) -> str:
    """The one message refusing a number out of its range, by the kind of validation error it broke
    (``greater_than_equal``, ``less_than_equal``, ...) and the bound, with the value given when it is
    known: ``must be 0 or more (got -1)``, ``must be 200 or less``."""
    reason = _RANGE[kind][1].format(_number(bound))
    return reason if given is _UNKNOWN else f"{reason} (got {_given(given)})"


def _bound_reason(kind: str, bounds: Mapping[str, object]) -> str | None:
    """What a value out of its range or of the wrong length must be, from the bound it broke:
    ``must be 1 or more``, ``must be at most 300 characters``, ``must have at most 50 entries``;
    ``None`` for the other kinds of error."""
    if kind in _RANGE:
        key = _RANGE[kind][0]
        return range_reason(kind, bounds[key]) if key in bounds else None
    if kind not in _LENGTH or _LENGTH[kind][0] not in bounds:
        return None
    key, must, one, many = _LENGTH[kind]
    count = bounds[key]
    if kind == "string_too_short" and count == 1:
        return "must not be empty"
    return f"{must} {_number(count)} {one if count == 1 else many}"


class FieldValueError(ValueError):
    """A validator's refusal of one field, raised where the model's fields are read together (its
    ``model_validator``): the error then names ``field`` rather than the whole body."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def error_key(error: Mapping[str, object]) -> str:
    """The field an entry of pydantic's ``ValidationError.errors()`` is about (``solutions.0.title``):
    its location, or the field a :class:`FieldValueError` names, or ``body`` for the whole body."""
    location = error.get("loc") or ()
    if isinstance(location, tuple) and location:
        return ".".join(str(p) for p in location)
    ctx = error.get("ctx")
    cause = ctx.get("error") if isinstance(ctx, Mapping) else None
    return cause.field if isinstance(cause, FieldValueError) else "body"


def validation_line(error: Mapping[str, object]) -> str:
    """One problem of a validation error as the command line says it, naming its field as the API's
    ``errors`` do (:func:`error_key`): ``table_labels: 2 table labels for 3 tables``; a problem of the
    input as a whole, which no field names, is its reason alone."""
    key = error_key(error)
    reason = validation_reason(error)
    return reason if key == "body" and not error.get("loc") else f"{key}: {reason}"


def validation_reason(error: Mapping[str, object]) -> str:
    """One problem of a validation error (an entry of pydantic's ``ValidationError.errors()``) in the
    product's words, without the field: ``must be a whole number such as 10 (got 'ten')`` (the value
    given is quoted only here, when the error holds it), ``must be 'csv' or 'xlsx'``,
    ``must be 1 or more``, ``must be at most 300 characters``, or the reason a validator of ours gave
    (``country 'ZZ' is not an ISO 3166-1 alpha-2 code``). A range or length is said with its bound,
    which the error's ``ctx`` holds (keep it: ``errors(include_context=True)``, the default)."""
    kind = str(error.get("type", ""))
    message = str(error.get("msg", "is not valid"))
    if kind in _NOT_WHOLE:
        return whole_number_reason(error.get("input", _UNKNOWN))
    if kind in _MUST_BE:
        return _MUST_BE[kind]
    bounds = error.get("ctx")
    bounded = _bound_reason(kind, bounds) if isinstance(bounds, Mapping) else None
    if bounded is not None:
        return bounded
    if kind in ("literal_error", "enum"):
        return "must be " + message.removeprefix("Input should be ")
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


__all__ = [
    "AmbiguousNameError",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "FieldValueError",
    "IndexDamagedError",
    "IndexUnavailableError",
    "InfeasibleScheduleError",
    "InvalidInputError",
    "MatchmakerError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RecordRejectedError",
    "error_key",
    "given_reason",
    "range_reason",
    "validation_line",
    "validation_reason",
    "whole_number_reason",
]
