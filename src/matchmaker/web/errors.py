"""One mapping from errors to RFC 9457 problem details.

Every error leaving the server is ``application/problem+json``::

    {"type": "about:blank", "title": "Not found", "status": 404,
     "detail": "no city with id 'x'", "instance": "/api/v1/cities/x", "request_id": "..."}

The project's error tree (:mod:`matchmaker.errors`) maps to statuses in :data:`STATUS_FOR` and nowhere
else. Framework errors (unknown route, method, oversize body) keep their status with a clear message.
Validation has one rule, whichever layer checks it (the framework reading a body, a model in a
service, the domain's :class:`~matchmaker.errors.InvalidInputError`):

* 400: the request cannot be read (malformed JSON, text that is not UTF-8) or a query, path, header
  or cookie parameter is of the wrong type or out of its range;
* 422: the body was read but breaks a rule: a field missing, of the wrong type or out of range, an
  unknown country, fields that do not fit together; ``errors`` lists the fields.

Anything else is a bug: it is logged with its traceback and answered 500 with no detail, so that no
internal text, query or record reaches the caller.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from litestar import Controller, Litestar, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPIHeader,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import ParameterKwarg
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Empty, Scope
from litestar.utils.scope.state import ScopeState
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy.exc import DataError, OperationalError

from matchmaker.corpus.reader import file_name_too_long
from matchmaker.db.models import ID_PATTERN, ID_RULE
from matchmaker.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    IndexUnavailableError,
    InfeasibleScheduleError,
    InvalidInputError,
    MatchmakerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PreconditionFailedError,
    error_key,
    given_reason,
    range_reason,
    validation_reason,
    whole_number_reason,
)
from matchmaker.web.media import readable_size

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class RateLimitedError(MatchmakerError):
    """Too many expensive requests from one caller in the current window."""

    title = "Too many requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


#: The project's error tree → HTTP status. Subclasses inherit their parent's status; the most
#: specific entry wins because the lookup walks the exception's MRO.
STATUS_FOR: dict[type[MatchmakerError], int] = {
    MatchmakerError: 400,
    InvalidInputError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    PreconditionFailedError: 412,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    PayloadTooLargeError: 413,
    IndexUnavailableError: 503,
    ConfigurationError: 503,
    InfeasibleScheduleError: 422,
    RateLimitedError: 429,
}

_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ProblemDetails(BaseModel):
    """An RFC 9457 problem-details body."""

    type: str = Field(default="about:blank", description="Always about:blank: the status says it all.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request, in plain words.")
    instance: str = Field(description="The request path.")
    request_id: str | None = Field(default=None, description="Quote it when reporting a problem.")
    errors: list[dict[str, str]] | None = Field(
        default=None, description="For invalid input: one entry per field, with key and message."
    )


#: What a caller reads when the database cannot be reached, and when to try again (seconds).
DATABASE_UNAVAILABLE = "the database cannot be reached just now; try again shortly"
DATABASE_RETRY_SECONDS = 5
#: What a person reads in the console then.
DATABASE_UNAVAILABLE_PAGE = (
    "The service is temporarily unavailable: the database cannot be reached just now."
    " Please try again in a few seconds."
)

#: What a client over its bound of failed sign-ins reads (``matchmaker.web.ratelimit.signin_wait``).
SIGNIN_REFUSED_EXAMPLE = (
    "too many failed sign-ins from your address (at most 10 a minute): try again in 42 seconds"
)
#: The detail of each documented problem's example.
_EXAMPLE_DETAILS = {
    400: "top: " + whole_number_reason("ten"),
    401: "sign in: send Authorization: Bearer TOKEN (see `matchmaker users add`)",
    403: "a city focal point may only ask about its own city",
    404: "no city with id 'atlantis'",
    409: "a city with id 'kukes' already exists",
    412: "city 'kukes' was changed since you read it; read it again and send your change with its new ETag",
    413: "the request body is 1.2 MB; the limit is 1 MB",
    415: "send the body as application/json (got text/plain)",
    422: "country: country 'ZZ' is not an ISO 3166-1 alpha-2 code (XK is accepted for Kosovo)",
    429: "too many expensive requests: at most 120 per minute; retry in 12 s",
    503: "there is no provider index; run `matchmaker index build`",
}
#: The title of each documented problem's example: the status's, but the API answers 503 for an index.
_EXAMPLE_TITLES = {**_TITLES, 503: IndexUnavailableError.title}


def _example(status: int, title: str, detail: str) -> Example:
    value = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": "/api/v1/...",
        "request_id": "3f2c9a6e0b7d4c1e9a8b7c6d5e4f3a2b",
    }
    return Example(summary=title, value=value)


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI ``responses=`` entries documenting problem-details answers for these statuses.

    400, 401, 429 and 503 are always documented: every operation checks the caller's credentials, which
    are not checked at all while its client address is over its bound of failed sign-ins (429), and
    reads the database, which may be unreachable for a moment. An operation that names 429 is also
    an expensive one, and one that names 503 also needs an index, which may be missing.
    """
    out: dict[int, ResponseSpec] = {}
    for status in sorted({400, 401, 429, 503, *statuses}):
        title = _EXAMPLE_TITLES.get(status, "Error")
        examples = [_example(status, title, _EXAMPLE_DETAILS.get(status, "..."))]
        if status == 503:
            title = _TITLES[503]
            database = _example(503, title, DATABASE_UNAVAILABLE)
            examples = [database, *examples] if 503 in statuses else [database]
        if status == 429:
            signin = _example(429, title, SIGNIN_REFUSED_EXAMPLE)
            examples = [*examples, signin] if 429 in statuses else [signin]
        out[status] = ResponseSpec(
            data_container=ProblemDetails,
            generate_examples=False,
            description=title,
            media_type=PROBLEM_JSON,
            examples=examples,
        )
    return out


#: ``responses=`` of an operation without a body that the state of an event can refuse with a 409
#: (publishing with no plan, exporting before publication); :func:`document_problems` adds the rest.
CONFLICT = problems(409)


#: The headers an answer of these statuses carries, so that a client generated from the document
#: reads them: when to try again, how to sign in, where a background job is.
_STATUS_HEADERS: dict[str, tuple[str, str, Schema]] = {
    "202": ("Location", "The job to follow: /api/v1/jobs/{id}.", Schema(type=OpenAPIType.STRING)),
    "401": ("WWW-Authenticate", 'Always Bearer realm="matchmaker".', Schema(type=OpenAPIType.STRING)),
    "429": (
        "Retry-After",
        "Seconds to wait before the next expensive request counts again, or before a token is checked"
        " again after too many failed sign-ins.",
        Schema(type=OpenAPIType.INTEGER, minimum=1),
    ),
}


@dataclass
class DocumentedOperation(Operation):
    """An OpenAPI operation whose 202, 401 and 429 answers name the header each carries, and whose body
    is marked optional when the handler takes none (the framework marks every body required)."""

    def __post_init__(self) -> None:
        for status, (name, description, schema) in _STATUS_HEADERS.items():
            response = (self.responses or {}).get(status)
            if isinstance(response, OpenAPIResponse):
                header = OpenAPIHeader(schema=schema, description=description, required=True)
                response.headers = {**(response.headers or {}), name: header}
        if isinstance(self.request_body, RequestBody):
            for media in (self.request_body.content or {}).values():
                body = media.schema
                if isinstance(body, Schema) and any(
                    isinstance(option, Schema) and option.type == OpenAPIType.NULL
                    for option in body.one_of or ()
                ):
                    self.request_body.required = False


def document_headers(app: Litestar) -> None:
    """Let every route of ``app`` document the headers of its 202, 401 and 429 answers (call it once,
    before the OpenAPI document is first built)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler) and handler.operation_class is Operation:
                handler.operation_class = DocumentedOperation


_WRITES = frozenset({"POST", "PUT", "PATCH"})


def document_problems(controller: type[Controller]) -> None:
    """Give every operation of ``controller`` the problem answers its shape allows: 400 and 401
    always, 403 (roles and participation), 404 with an id in the path, and for a write with a body
    409, 413, 415 and 422; besides those, the problems it documents itself (``responses=problems(409)``
    where the state of the event refuses it, a body or not) and its other answers (such as 202).
    Call it once, below the controller's class."""
    for handler in vars(controller).values():
        if not isinstance(handler, HTTPRouteHandler):
            continue
        documented = handler.responses or {}
        statuses = {403, *(status for status in documented if status >= 400)}
        if "{" in "".join(handler.paths):
            statuses.add(404)
        if handler.http_methods & _WRITES and "data" in inspect.signature(handler.fn).parameters:
            statuses |= {409, 413, 415, 422}
        others = {status: spec for status, spec in documented.items() if status < 400}
        handler.responses = {**problems(*statuses), **others}


def status_for(exc: MatchmakerError) -> int:
    """The HTTP status of an error of the project's tree."""
    for cls in type(exc).__mro__:
        if cls in STATUS_FOR:
            return STATUS_FOR[cls]  # type: ignore[index]
    return 400


def field_named(name: str, message: str) -> str:
    """A refusal of one field as ``name: message``, unless the message already begins with the field's
    name (``role must be one of ...``)."""
    words = name.replace("_", " ").lower()
    return message if message.lower().startswith(words) else f"{name}: {message}"


def refused_keys(exc: MatchmakerError | ValidationError) -> list[str]:
    """The fields of the input a refusal is about, by key (``email``, ``solutions.0.title``): the field
    the error names, else those of the model's validation error an
    :class:`~matchmaker.errors.InvalidInputError` was raised from (or that it is); none when it names no
    field."""
    if isinstance(exc, ValidationError):
        return [error_key(e) for e in exc.errors()]
    if exc.field:
        return [exc.field]
    if not isinstance(exc, InvalidInputError):
        return []
    behind = _model_error_behind(exc)
    return [error_key(e) for e in behind.errors()] if behind is not None else []


def describe_validation(exc: ValidationError) -> list[dict[str, str]]:
    """A pydantic error as ``[{"key": "field.path", "message": "..."}]``; the input is quoted only by the
    reason that says what a whole number looks like (``must be a whole number such as 10 (got 'ten')``)."""
    out: list[dict[str, str]] = []
    for err in exc.errors(include_url=False):
        out.append({"key": error_key(err), "message": validation_reason(err), "source": "body"})
    return out


#: What the parameter reader calls the types it expected, in the product's words.
_PARAMETER_TYPES = {
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "bool": "true or false",
    "array": "a list (a JSON array)",
    "object": "an object (a JSON object)",
}
_EXPECTED = re.compile(r"Expected `(\w+)`(?:, got `\w+`)?(.*)", re.S)
#: The reader's words for a length bound (``Expected `str` of length <= 300``), as the kind of
#: validation error and the bound :func:`~matchmaker.errors.validation_reason` says them in words.
_OF_LENGTH = re.compile(r"Expected `(str|array|object)` of length (<=|>=) (\d+)")
_LENGTH_KINDS = {
    ("str", "<="): "string_too_long",
    ("str", ">="): "string_too_short",
    ("array", "<="): "too_long",
    ("array", ">="): "too_short",
    ("object", "<="): "too_long",
    ("object", ">="): "too_short",
}
#: The form of a text parameter, by the pattern the reader checks it against, in words.
_PATTERN_RULES = {ID_PATTERN.pattern: ID_RULE}
_MATCHING = re.compile(r"Expected `str` matching regex '(.*)'", re.S)
#: The reader's words for a number out of its range (``Expected `int` >= 0``), as the kind of
#: validation error :func:`~matchmaker.errors.range_reason` says in words, and the bound.
_OUT_OF_RANGE = re.compile(r"Expected `(?:int|float)` (>=|>|<=|<) (\S+)")
_RANGE_KINDS = {">=": "greater_than_equal", ">": "greater_than", "<=": "less_than_equal", "<": "less_than"}
#: A whole number as a query writes it: digits alone, after a minus sign for one below zero.
WHOLE_NUMBER_TEXT = re.compile(r"-?[0-9]+")
_NOT_ONE_OF = re.compile(r"Invalid enum value (.*)", re.S)


def _choices(annotation: object) -> list[str]:
    """The values a parameter of this type accepts when it is a choice (a ``Literal``, an ``Enum``,
    either of them optional); empty otherwise."""
    if get_origin(annotation) is Literal:
        return [str(getattr(value, "value", value)) for value in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    if get_origin(annotation) in (Union, UnionType):
        return [value for option in get_args(annotation) for value in _choices(option)]
    return []


def _query_keys(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The key in the query of each parameter of the request's handler that the query gives under
    another name than the handler's (``?all=`` for ``all_queued``), by the handler's name."""
    handler = request.scope.get("route_handler")
    if not isinstance(handler, HTTPRouteHandler):
        return {}
    keys = {}
    for name, field in handler.parsed_fn_signature.parameters.items():
        kwarg = field.kwarg_definition
        if isinstance(kwarg, ParameterKwarg) and not (kwarg.header or kwarg.cookie):
            key = kwarg.name or kwarg.query
            if key and key != name:
                keys[name] = key
    return keys


def _parameter_choices(request: Request[Any, Any, Any], name: str) -> list[str]:
    """The values the parameter ``name`` of the request's handler accepts, when it is a choice."""
    handler = request.scope.get("route_handler")
    if not isinstance(handler, HTTPRouteHandler):
        return []
    field = handler.parsed_fn_signature.parameters.get(name)
    return _choices(field.annotation) if field is not None else []


def _parameter_reason(message: str, choices: Sequence[str] = (), given: str | None = None) -> str:
    """What the framework's reader says of a parameter or body of the wrong type (``Expected `int`,
    got `str```, ``Expected `int` >= 0``), of the wrong length or form, in the product's words
    (``must be 0 or more (got -1)``, ``must be at most 300 characters``, what an id is made of); a value
    outside its ``choices`` is answered with them (``must be 'published' or 'plan', not 'x'``); a value
    of the wrong type is quoted when it is ``given``
    (``must be a whole number such as 10 (got 'ten')``, ``must be true or false (got 'yes')``)."""
    of_length = _OF_LENGTH.fullmatch(message)
    if of_length is not None:
        what, bound, count = of_length.groups()
        key = "max_length" if bound == "<=" else "min_length"
        return validation_reason({"type": _LENGTH_KINDS[what, bound], "ctx": {key: int(count)}})
    matching = _MATCHING.fullmatch(message)
    if matching is not None and matching.group(1) in _PATTERN_RULES:
        return f"must be {_PATTERN_RULES[matching.group(1)]}"
    out_of_range = _OUT_OF_RANGE.fullmatch(message)
    if out_of_range is not None:
        bound, kind = out_of_range.group(2), _RANGE_KINDS[out_of_range.group(1)]
        if given is None:
            return range_reason(kind, bound)
        return range_reason(kind, bound, int(given) if WHOLE_NUMBER_TEXT.fullmatch(given) else given)
    expected = _EXPECTED.fullmatch(message)
    if expected is not None and expected.group(1) == "int" and not expected.group(2):
        return whole_number_reason() if given is None else whole_number_reason(given)
    if expected is not None and expected.group(1) in _PARAMETER_TYPES:
        reason = f"must be {_PARAMETER_TYPES[expected.group(1)]}{expected.group(2)}"
        return reason if given is None or expected.group(2) else given_reason(reason, given)
    not_one_of = _NOT_ONE_OF.fullmatch(message)
    if not_one_of is not None:
        quoted = [repr(choice) for choice in choices]
        listed = f"{', '.join(quoted[:-1])} or {quoted[-1]}" if len(quoted) > 1 else "".join(quoted)
        return f"must be {listed or 'one of the documented values'}, not {not_one_of.group(1)}"
    if message == "Unsupported type: <class 'str'>":
        # A form part of text where a file is read (the upload's ``files``: a name sent, not the file).
        return "must be a file, not text (attach it: -F files=@cities.jsonl)"
    return message


def _printable(text: str) -> str:
    """Text safe to serialise: unpaired surrogates from hostile input become U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8")


def problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    title: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    """A problem-details response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": _printable(detail),
        "instance": _printable(request.url.path),
    }
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
    if extra:
        body.update(extra)
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _matchmaker_error(request: Request[Any, Any, Any], exc: MatchmakerError) -> Response[dict[str, Any]]:
    status = status_for(exc)
    extra: dict[str, Any] = {}
    headers: dict[str, str] | None = None
    if isinstance(exc, RateLimitedError):
        headers = {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, AuthenticationError):
        headers = {"WWW-Authenticate": 'Bearer realm="matchmaker"'}
    if isinstance(exc, InfeasibleScheduleError) and exc.reasons:
        extra["reasons"] = exc.reasons
    detail = exc.message
    model_error = _model_error_behind(exc) if isinstance(exc, InvalidInputError) else None
    if model_error is not None:
        # A service that validated a body with its model (a focal point's own profile) lists the fields
        # as the framework does for the same body.
        extra["errors"] = describe_validation(model_error)
    elif isinstance(exc, InvalidInputError) and exc.field:
        # A service's refusal of one field of the body (a record it names that does not exist) names
        # it as a refusal of the body's model does.
        extra["errors"] = [{"key": exc.field, "message": exc.message, "source": "body"}]
        detail = field_named(exc.field, exc.message)
    return problem(request, status, detail, title=exc.title, extra=extra, headers=headers)


def _pydantic_error(request: Request[Any, Any, Any], exc: ValidationError) -> Response[dict[str, Any]]:
    errors = describe_validation(exc)
    detail = "; ".join(f"{e['key']}: {e['message']}" for e in errors) or "the body is not valid"
    return problem(request, 422, detail, title="Invalid input", extra={"errors": errors})


def _model_error_behind(exc: BaseException) -> ValidationError | None:
    """The pydantic error a framework validation error was raised from, if any.

    Litestar validates a body whose type is a pydantic model by calling the model, and raises its own
    :class:`ValidationException` from the model's :class:`ValidationError`; only bodies are pydantic
    models here, so finding one means the body broke a rule of its model.
    """
    seen: set[int] = set()
    cause = exc.__cause__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ValidationError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__
    return None


def _every_item_error(request: Request[Any, Any, Any], first: ValidationError) -> ValidationError:
    """The error of every bad item of a body that is a list of models, each named by its position.

    The framework reads such a body item by item and stops at the first bad one, whose error names no
    position; the body it read is validated again as a whole so that the answer lists them all.
    """
    handler = request.scope.get("route_handler")
    data = handler.parsed_data_field if isinstance(handler, HTTPRouteHandler) else None
    body = ScopeState.from_scope(request.scope).body
    if data is None or not data.is_non_string_sequence or body is Empty or not isinstance(body, bytes):
        return first
    try:
        TypeAdapter(data.annotation).validate_json(body)
    except ValidationError as every:
        return every
    except Exception:  # the first item's error is still a true answer
        logger.debug("A list body could not be validated again as a whole", exc_info=True)
    return first


def parameter_problems(
    request: Request[Any, Any, Any], exc: ValidationException
) -> tuple[str, list[dict[str, str]]]:
    """What is wrong with a request's parameters or body, as the framework's reader refused them, in
    the product's words: one line (``source: must be 'published' or 'plan', not 'x'``) and each
    problem with its ``key``, ``message`` and ``source``."""
    errors: list[dict[str, str]] = []
    query_keys = _query_keys(request)
    if isinstance(exc.extra, list):
        for item in exc.extra:
            if isinstance(item, dict):
                entry = {
                    k: str(getattr(v, "value", v))
                    for k, v in item.items()
                    if k in {"key", "message", "source"}
                }
                # Litestar quotes pydantic's own text, which may repeat the input; keep the reason only,
                # without pydantic's "Value error, " before the reason a validator gave.
                message = entry.get("message", "").split("[type=", 1)[0].strip()
                choices = _parameter_choices(request, entry.get("key", ""))
                given = None
                if entry.get("source") == "query":
                    entry["key"] = query_keys.get(entry.get("key", ""), entry.get("key", ""))
                    given = request.query_params.get(entry["key"])
                entry["message"] = _parameter_reason(message.removeprefix("Value error, "), choices, given)
                errors.append(entry)
    for entry in errors:
        if entry.get("source") == "body" and entry.get("key") == "data":
            # The body as a whole (Litestar names it after the handler's parameter).
            entry["key"] = "body"
            if entry.get("message") == "'data'":
                entry["message"] = "the request body is missing"
    parts = [f"{e['key']}: {e['message']}" if e.get("key") else e.get("message", "") for e in errors]
    detail = "; ".join(p for p in parts if p) or str(exc.detail)
    if "JSON is malformed" in detail or "Malformed" in detail:
        detail = "the request body is not valid JSON"
    return detail, errors


def _validation_exception(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    model_error = _model_error_behind(exc)
    if model_error is not None:
        model_error = _every_item_error(request, model_error)
        # The same answer as when a service validates the body with the same model (a PATCH, say).
        return _pydantic_error(request, model_error)
    detail, errors = parameter_problems(request, exc)
    if errors and all(e.get("source") == "body" for e in errors):
        return problem(request, 422, detail, title="Invalid input", extra={"errors": errors})
    return problem(request, 400, detail, title="Bad request", extra={"errors": errors} if errors else None)


def _http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    refusal = form_refusal(exc)
    if refusal is not None:
        # The same answer as for a bound the product checks itself (a file name the parser read whole
        # but that is still too long, an upload over its size).
        return _matchmaker_error(request, refusal)
    if status >= 500:
        logger.error("HTTP %d on %s %s: %s", status, request.method, logged_path(request.scope), exc.detail)
        return problem(request, status, "the server could not answer this request")
    detail = str(exc.detail) if exc.detail else _TITLES.get(status, "Error")
    if isinstance(exc.__cause__, SerializationException):
        # The body could not be parsed; the parser's own words say where.
        reason = detail.removeprefix("JSON is malformed: ")
        detail = f"the request body is not valid JSON ({reason})"
    if status == 413:
        detail = too_large(request)
    headers = {k: str(v) for k, v in (exc.headers or {}).items()}
    return problem(request, status, detail, headers=headers or None)


#: The most parts (fields and files) a multipart form may have; the app gives it to the form reader.
FORM_PART_LIMIT = 1_000
#: The most headers one part of a multipart form may have: the form reader's own bound (a part needs
#: one to three: Content-Disposition, Content-Type, Content-Transfer-Encoding).
PART_HEADER_LIMIT = 8

#: What the multipart form parser says when a part's header line is over its bound (some 4 KB): in
#: practice the ``Content-Disposition`` line of a file whose name runs to thousands of characters.
_LONG_PART_HEADER = "Maximum segment header length exceeded"
#: ... when a form has more than :data:`FORM_PART_LIMIT` parts.
_TOO_MANY_PARTS = "Maximum segment count exceeded"
#: ... when a part has more than :data:`PART_HEADER_LIMIT` headers.
_TOO_MANY_PART_HEADERS = "Maximum segment header count exceeded"


def too_many_form_parts() -> PayloadTooLargeError:
    """Why a form of more than :data:`FORM_PART_LIMIT` parts is refused, multipart or url-encoded."""
    return PayloadTooLargeError(
        f"the form has more than {FORM_PART_LIMIT:,} parts (fields and files); "
        f"the limit is {FORM_PART_LIMIT:,}"
    )


def form_refusal(exc: BaseException) -> MatchmakerError | None:
    """Why a multipart form could not be read, in the product's words, when the form parser stopped at
    one of its bounds (a part's header line, a file name far too long; the number of parts; the headers
    of a part); ``None`` for any other error.

    The framework answers each of them with its own "Request Entity Too Large" and keeps the parser's
    error as context; this names the bound and its limit, as every other bound of the product does.
    """
    reason = str(exc.__context__ or "")
    if _LONG_PART_HEADER in reason:
        return InvalidInputError(file_name_too_long())
    if _TOO_MANY_PARTS in reason:
        return too_many_form_parts()
    if _TOO_MANY_PART_HEADERS in reason:
        return PayloadTooLargeError(
            f"a part of the form has more than {PART_HEADER_LIMIT} headers; the limit is {PART_HEADER_LIMIT}"
        )
    return None


def too_large(request: Request[Any, Any, Any], *, body: str = "request body") -> str:
    """Why a body was refused as too large, with its size and the endpoint's limit when known (the
    console's upload page says it in the same words); ``body`` names what was sent when it is not an
    upload (the console says "form")."""
    handler = request.scope.get("route_handler")
    limit = handler.resolve_request_max_body_size() if isinstance(handler, HTTPRouteHandler) else None
    length = request.headers.get("content-length", "")
    what = "upload" if "multipart/" in request.headers.get("content-type", "") else body
    if isinstance(limit, int) and limit > 0:
        size = readable_size(int(length)) if length.isdigit() else "too large"
        return f"the {what} is {size}; the limit is {readable_size(limit)}"
    return f"the {what} is larger than this address accepts"


#: The path parameter of the routes whose address is itself a credential (see the module docstring).
_SECRET_PARAMETER = "{token}"  # noqa: S105 - the name of a path parameter, not a secret


def logged_path(scope: Scope) -> str:
    """The path an access line gives: the request's, or for a route whose address carries a secret
    token, the route's template in its place."""
    template = str(scope.get("path_template") or "")
    if _SECRET_PARAMETER in template:
        return template
    return str(scope.get("path", ""))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    request_id = request.scope.get("state", {}).get("request_id", "-")
    logger.error(
        "Unhandled error on %s %s (request %s)",
        request.method,
        logged_path(request.scope),
        request_id,
        exc_info=exc,
    )
    return problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        f"an unexpected error occurred; quote request id {request_id} when reporting it",
    )


def log_database_unavailable(request: Request[Any, Any, Any], exc: OperationalError) -> None:
    """Log that the database could not be used for this request: it cannot be reached (down,
    restarting, dropped connections) or is busy; not a bug in the request, and worth trying again."""
    reason = str(exc.orig or exc).strip()
    logger.error(
        "The database could not be used on %s %s: %s",
        request.method,
        logged_path(request.scope),
        reason.splitlines()[0] if reason else "-",
    )


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """The one exception handler: every error, whatever its kind, becomes problem details here."""
    if isinstance(exc, MatchmakerError):
        return _matchmaker_error(request, exc)
    if isinstance(exc, ValidationError):
        return _pydantic_error(request, exc)
    if isinstance(exc, ValidationException):
        return _validation_exception(request, exc)
    if isinstance(exc, HTTPException):
        return _http_exception(request, exc)
    if isinstance(exc, UnicodeDecodeError):
        # Request parsing (a multipart text part, say) met bytes that are not UTF-8: bad input.
        logger.warning(
            "Undecodable input on %s %s: %s", request.method, logged_path(request.scope), exc.reason
        )
        return problem(request, 400, "the request contains text that is not valid UTF-8")
    if isinstance(exc, DataError):
        # A value the database refuses (a NUL byte, say) that validation let through: the input is
        # at fault, but the gap in validation is worth fixing, so keep the traceback.
        logger.warning(
            "The database refused a value on %s %s", request.method, logged_path(request.scope), exc_info=exc
        )
        return problem(request, 422, "a value in the request cannot be stored (for example a NUL character)")
    if isinstance(exc, OperationalError):
        log_database_unavailable(request, exc)
        return problem(
            request,
            503,
            DATABASE_UNAVAILABLE,
            title="Service unavailable",
            headers={"Retry-After": str(DATABASE_RETRY_SECONDS)},
        )
    return _unexpected(request, exc)


#: For ``Litestar(exception_handlers=...)``.
EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {Exception: handle_exception}

__all__ = [
    "CONFLICT",
    "DATABASE_RETRY_SECONDS",
    "DATABASE_UNAVAILABLE",
    "DATABASE_UNAVAILABLE_PAGE",
    "EXCEPTION_HANDLERS",
    "FORM_PART_LIMIT",
    "PART_HEADER_LIMIT",
    "PROBLEM_JSON",
    "STATUS_FOR",
    "ProblemDetails",
    "RateLimitedError",
    "describe_validation",
    "document_problems",
    "field_named",
    "form_refusal",
    "handle_exception",
    "log_database_unavailable",
    "logged_path",
    "parameter_problems",
    "problem",
    "problems",
    "refused_keys",
    "status_for",
    "too_large",
    "too_many_form_parts",
]
