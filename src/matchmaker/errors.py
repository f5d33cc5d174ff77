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

from collections.abc import Mapping, Sequence


class MatchmakerError(Exception):
    """Base of every error matchmaker raises on purpose."""

    #: Short machine-readable title, used as the problem-details title.
    title = "Matchmaker error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInputError(MatchmakerError):
    """The input is malformed or violates a rule; the message says which."""

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
    """Credentials are missing or unknown."""

    title = "Authentication required"


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


_WHOLE = "must be a whole number"
_LIST = 'must be a list of values (a JSON array such as ["a", "b"])'
_WHEN = "must be a date and time such as 2027-03-02T09:00"
_DAY = "must be a date such as 2027-03-02"
#: What a value must be, by the kind of the validation error (pydantic's error ``type``) it broke, for
#: the kinds whose own text speaks of "input" and of types rather than of the field.
_MUST_BE = {
    **dict.fromkeys(
        ("int_type", "int_parsing", "int_from_float", "int_parsing_size"), "must be a whole number"
    ),
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
    **dict.fromkeys(("date_type", "date_parsing", "date_from_datetime_parsing"), _DAY),
    **dict.fromkeys(("time_type", "time_parsing"), "must be a time such as 09:00"),
    **dict.fromkeys(
        ("url_type", "url_parsing", "url_scheme"), "must be a web address such as https://example.com"
    ),
    "missing": "required field is missing",
    "extra_forbidden": "is not a known field",
    "json_invalid": "is not valid JSON",
}


def validation_reason(error: Mapping[str, object]) -> str:
    """One problem of a validation error (an entry of pydantic's ``ValidationError.errors()``) in the
    product's words, without the field: ``must be a whole number``, ``must be 'csv' or 'xlsx'``, or the
    reason a validator of ours gave (``country 'ZZ' is not an ISO 3166-1 alpha-2 code``)."""
    kind = str(error.get("type", ""))
    message = str(error.get("msg", "is not valid"))
    if kind in _MUST_BE:
        return _MUST_BE[kind]
    if kind in ("literal_error", "enum"):
        return "must be " + message.removeprefix("Input should be ")
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


__all__ = [
    "AmbiguousNameError",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
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
    "validation_reason",
]
