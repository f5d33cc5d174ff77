"""Helpers shared by the route modules: pagination and id parameters, the parameters of the event
routes, text no database can store, and files to download."""

from __future__ import annotations

import inspect
import logging
from types import NoneType
from typing import Annotated, Any, Literal, TypeVar

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.constants import RESERVED_KWARGS
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency, Provide
from litestar.enums import ParamType
from litestar.exceptions import ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.params import HeaderParameter, Parameter, ParameterKwarg
from litestar.typing import FieldDefinition

from matchmaker.db.engine import unstorable
from matchmaker.db.models import ID_PATTERN, SERIAL_ID_MAX, Kind
from matchmaker.errors import InvalidInputError, whole_number_reason
from matchmaker.services.events import EventServices
from matchmaker.services.events.schemas import ExportSource
from matchmaker.settings import Settings
from matchmaker.web.errors import WHOLE_NUMBER_TEXT
from matchmaker.web.schemas import MAX_OFFSET, MAX_PAGE

logger = logging.getLogger(__name__)

T = TypeVar("T", str, bytes)

Offset = Annotated[
    int, Parameter(ge=0, le=MAX_OFFSET, description="Index of the first item to return.", required=False)
]
Limit = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Largest number of items.", required=False)]
RecordId = Annotated[
    str,
    Parameter(min_length=1, max_length=128, pattern=ID_PATTERN.pattern, description="The record's id."),
]

#: An event's id, under the rule it was created by: one no event can have (a NUL in it, say) is refused
#: naming the parameter (400), not sent to the database.
EventId = Annotated[
    str, Parameter(min_length=1, max_length=128, pattern=ID_PATTERN.pattern, description="The event's id.")
]
#: A path id of a row the database numbers (a meeting request, a user, a message); a number no row can
#: have is a 400, not a query the database cannot run.
SerialId = Annotated[int, Parameter(ge=1, le=SERIAL_ID_MAX, description="The id the server gave it.")]
#: The event sub-features in the request's unit of work.
Events = NamedDependency[EventServices]
#: Which schedule an export shows: the published one unless the plan is asked for.
Source = Annotated[ExportSource, Parameter(required=False, description="Which schedule.")]

#: A change's ``If-Match`` header: the ``ETag`` of the version the client read (or ``*``, any).
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        max_length=1000,
        description="Change only the version with this ETag (from a GET); 412 when it was changed since.",
    ),
]
#: The header that tells a record's version, on reads and changes.
VERSION_HEADERS = [
    ResponseHeader(
        name="ETag",
        description=(
            "The record's version; send it back in If-Match to change only this version. A caller that"
            " sees only the public profile gets a tag of that profile."
        ),
        documentation_only=True,
    )
]


def etag(version: str) -> str:
    """A record version as an ``ETag`` header value (a strong tag)."""
    return f'"{version}"'


def versions_named(header: str | None) -> frozenset[str] | None:
    """The record versions an ``If-Match`` header accepts; None for no header or ``*`` (any version).

    Tags are compared strongly (RFC 9110): a weak tag (``W/"..."``) matches no version. A tag sent
    without its quotes is read as the tag.
    """
    if header is None or header.strip() == "*":
        return None
    versions = set()
    for part in header.split(","):
        tag = part.strip()
        if not tag or tag.startswith("W/"):
            continue
        versions.add(tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag)
    return frozenset(versions)


def bad_query(key: str, message: str, *, source: Literal["query", "body"] = "query") -> ValidationException:
    """A query parameter that breaks a rule its type cannot say (a bound from the settings, a pair that
    excludes each other): a 400 naming it, as for a parameter of the wrong type or out of its range.
    With ``source="body"`` it is a field of the body instead, and the answer a 422 naming it."""
    return ValidationException(
        detail=f"{key}: {message}", extra=[{"key": key, "message": message, "source": source}]
    )


def single_query_values(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: every query parameter of the API takes one value, so one given twice is a 400 naming it
    (the framework would keep one of the values and drop the other without a word)."""
    for key in connection.query_params:
        count = len(connection.query_params.getall(key))
        if count > 1:
            raise bad_query(key, f"given {count} times; give it once")


#: The methods that only read: caches, browsers and proxies add query parameters of their own to
#: these, so an unknown one is ignored there.
_READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _query_key(name: str, field: FieldDefinition) -> str | None:
    """The query key of the handler parameter ``name``: the name its declaration gives
    (``QueryParameter(name="all")``, or ``Parameter(query="all")``), else its own; ``None`` for a
    header, a cookie or a path parameter."""
    kwarg = field.kwarg_definition
    if not isinstance(kwarg, ParameterKwarg):
        return name
    return (kwarg.name or name) if kwarg.param_type is ParamType.QUERY else None


def _query_names(handler: BaseRouteHandler) -> set[str]:
    """The query keys the handler declares: its parameters that are neither framework arguments,
    dependencies, path parameters, headers nor cookies."""
    dependencies = set(handler.resolve_dependencies())
    found = set()
    for name, field in handler.parsed_fn_signature.parameters.items():
        if name in RESERVED_KWARGS or name in dependencies:
            continue
        if (key := _query_key(name, field)) is not None:
            found.add(key)
    return found


def declared_queries_only(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard of the API's routes that act (create, change, delete, plan, publish, send, rebuild,
    upload): a query parameter the route does not take is a 400 naming it, before any work starts
    (``POST /indexes/rebuild?kind=city`` rebuilt every index, as if the ``kind`` asked for had been
    heard). Reading routes are left alone."""
    if connection.scope.get("method", "GET") in _READING_METHODS:
        return
    known = _query_names(handler) - set(connection.path_params)
    unknown = sorted({key for key in connection.query_params if key not in known})
    if not unknown:
        return
    takes = f"it takes {', '.join(sorted(known))}" if known else "it takes none"
    message = f"not a parameter of this request; {takes}"
    raise ValidationException(
        detail="; ".join(f"{key}: {message}" for key in unknown),
        extra=[{"key": key, "message": message, "source": "query"} for key in unknown],
    )


def _whole_number_names(handler: BaseRouteHandler) -> dict[str, str]:
    """The query keys of the handler's whole-number parameters (an ``int``, or an optional one), each
    with the parameter's name."""
    found = {}
    for name, field in handler.parsed_fn_signature.parameters.items():
        if (key := _query_key(name, field)) is None:
            continue
        types = [t for t in (field.args if field.is_optional else (field.annotation,)) if t is not NoneType]
        if types and all(t is int for t in types):
            found[key] = name
    return found


def whole_number_queries(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard: a whole-number query parameter takes digits alone (after a minus). The framework's reader
    would take ``1e3`` as 1000 and ``10.0`` as 10, while ``1.5`` is refused: text that is no whole
    number as the API documents it is a 400 naming the parameter and quoting it."""
    refused = [
        (key, whole_number_reason(text))
        for key in _whole_number_names(handler)
        if key not in connection.path_params
        and (text := connection.query_params.get(key)) is not None
        and not WHOLE_NUMBER_TEXT.fullmatch(text)
    ]
    if refused:
        raise ValidationException(
            detail="; ".join(f"{key}: {reason}" for key, reason in refused),
            extra=[{"key": key, "message": reason, "source": "query"} for key, reason in refused],
        )


def public_address(request: Request[Any, Any, Any], settings: Settings, path: str) -> str:
    """The absolute address of ``path`` on this server that the API or the console gives: it starts
    with MATCHMAKER_PUBLIC_URL when that is set (behind a reverse proxy the request's own address is
    not the one people reach, and its Host header is the client's to choose), else with the address
    the request reached."""
    base = settings.public_url_set or str(request.base_url).rstrip("/")
    return base + path


def reject_unstorable(value: Any, where: str = "body") -> None:
    """Refuse text that no database can store (NUL, unpaired surrogates), naming the field."""
    problem = unstorable(value, "" if where == "body" else where)
    if problem:
        raise InvalidInputError(problem)


def record_id_of(kind: Kind, annotation: object) -> Provide:
    """A record kind's path parameter (``city_id`` in ``/cities/{city_id:str}``) as a dependency whose
    value is the id, so that the handlers of every kind take it under one name, ``record_id``.

    ``annotation`` (such as :data:`RecordId`) is what validates and documents the parameter.
    """
    name = f"{kind}_id"

    def record_id(**path: str) -> str:
        return path[name]

    # The dependency's one parameter is named after the kind; Litestar reads the signature to fill it.
    parameter = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)
    record_id.__signature__ = inspect.Signature([parameter], return_annotation=str)  # type: ignore[attr-defined]
    record_id.__annotations__ = {name: annotation, "return": str}
    return Provide(record_id, sync_to_thread=False)


def attachment(content: T, media_type: str, filename: str) -> Response[T]:
    """A file the client saves as ``filename``."""
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


__all__ = [
    "VERSION_HEADERS",
    "EventId",
    "Events",
    "IfMatch",
    "Limit",
    "Offset",
    "RecordId",
    "SerialId",
    "Source",
    "attachment",
    "etag",
    "public_address",
    "record_id_of",
    "reject_unstorable",
    "single_query_values",
    "versions_named",
    "whole_number_queries",
]
