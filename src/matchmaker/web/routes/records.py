"""CRUD for cities, providers and case studies: one controller definition, made once per kind.

Who may read what is one rule in :mod:`matchmaker.services.visibility`, shared with the console
(``RecordService.visible_list`` and ``visible_get``). Who may do what (staff may do everything):

============  ==========================  =====================================  ============
              cities                      providers                              cases
============  ==========================  =====================================  ============
city          read all; own in full;      read all                               read all
              change its own profile
provider      read all (public profiles)  read and change its own profile only   none
============  ==========================  =====================================  ============

Creating and deleting records is for staff only.

:func:`record_controller` builds the controller of a kind from its :class:`RecordRoutes`: the path, the
SQLModel classes of its bodies and answers, the OpenAPI texts and examples, and who may read or change
it. The handlers are annotated with the unions of :mod:`matchmaker.db.models` (what mypy checks); the
controller's ``signature_namespace`` names the kind's own classes, so the OpenAPI document describes each
kind with its own request and response models.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, TypeAlias, TypedDict

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, JSONBody
from litestar.types import Guard, Method, OperationIDCreator
from litestar.types.internal_types import PathParameterDefinition

from matchmaker.db.models import (
    KIND_WORDS,
    PLURAL_OF,
    UPDATE_MODELS,
    CaseCreate,
    CasePublic,
    CityConfidential,
    CityCreate,
    Kind,
    ProviderCreate,
    ProviderPublic,
    PublicRecord,
    RecordIn,
    RecordUpdate,
)
from matchmaker.services.records import RecordService
from matchmaker.services.selfservice import SelfService
from matchmaker.services.users import Principal
from matchmaker.services.visibility import require_read, view_of
from matchmaker.web.auth import require_city_owner, require_own_provider, roles, staff_only
from matchmaker.web.errors import problems
from matchmaker.web.routes.common import (
    VERSION_HEADERS,
    IfMatch,
    Limit,
    Offset,
    RecordId,
    etag,
    record_id_of,
    reject_unstorable,
    versions_named,
)
from matchmaker.web.schemas import CasePage, CityPage, ProviderPage

CITY_EXAMPLE = {
    "id": "kukes",
    "name": "Kukës",
    "country": "AL",
    "summary": "Mountain municipality; rural streets have no names, lighting is costly.",
    "kind": "municipality",
    "population": 47000,
    "language": "en",
    "priorities": ["data_platforms_gis", "energy_buildings"],
    "focal_point": {"name": "A. Person", "email": "focal@example.org", "phone": "+355 000 000"},
}
PROVIDER_EXAMPLE = {
    "id": "acme-gis",
    "name": "Acme GIS",
    "country": "TR",
    "description": "Address registries and GIS for small municipalities.",
    "kind": "company",
    "languages": ["en", "tr"],
    "regions_served": ["Balkans"],
    "solutions": [{"title": "Street addressing", "description": "Names and numbers", "domains": []}],
}
CASE_EXAMPLE = {
    "id": "tepebasi-lighting",
    "title": "LED street lighting through an ESCO contract",
    "city": "Tepebaşı",
    "country": "TR",
    "text": "The municipality replaced 9,000 lamps without capital expenditure...",
    "obstacles": ["funding"],
    "stages": ["plan", "do"],
}

# What mypy sees in the handlers; each controller's ``signature_namespace`` replaces these names with
# its kind's classes for Litestar (validation and OpenAPI).
RecordBody: TypeAlias = RecordIn
RecordChange: TypeAlias = RecordUpdate
RecordView: TypeAlias = PublicRecord
RecordPage: TypeAlias = CityPage | ProviderPage | CasePage


class _Documented(TypedDict):
    """What a route decorator takes from an :class:`Operation`."""

    summary: str
    description: str
    responses: dict[int, ResponseSpec]
    operation_id: OperationIDCreator
    sync_to_thread: bool


@dataclass(frozen=True, slots=True)
class Operation:
    """The OpenAPI texts of one endpoint and the problem statuses it documents beside 400 and 401."""

    summary: str
    description: str
    statuses: tuple[int, ...] = ()

    def route(self, handler_name: str) -> _Documented:
        """The route decorator's arguments: these texts, the problem answers, and the operation id
        Litestar derives from a handler called ``handler_name``; the handler runs in a worker thread."""
        return {
            "summary": self.summary,
            "description": self.description,
            "responses": problems(*self.statuses),
            "operation_id": _operation_id(handler_name),
            "sync_to_thread": True,
        }


_CHANGE = (403, 404, 409, 412, 413, 415, 422)
_CREATE = (403, 409, 413, 415, 422)
#: How a change is made on the condition that the record is still as read (every kind alike).
_IF_MATCH = (
    " To change the record only if nobody changed it since you read it, send the `ETag` of your read"
    " (`GET`) in an `If-Match` header: if the record was changed meanwhile, nothing is written and the"
    " answer is 412. Without `If-Match` the change is applied to the record as it is."
)


@dataclass(frozen=True, slots=True)
class RecordRoutes:
    """Everything that differs between the endpoints of the three record kinds."""

    kind: Kind
    #: The controller's description.
    description: str
    body: type[RecordIn]
    #: The model of one record in an answer (cities: with the focal point, shown to those who may see it).
    view: type[PublicRecord]
    page: type[RecordPage]
    example: Example
    #: Roles that may list and read this kind (every signed-in role when empty).
    readers: tuple[str, ...]
    #: For a kind whose own users may read and change only their own record: the check, raising 403.
    own_record: Callable[[Principal, str], None] | None
    list_op: Operation
    get_op: Operation
    #: The descriptions of a change and of a deletion (their summaries and statuses are the same per kind).
    update_text: str
    delete_text: str

    @property
    def plural(self) -> str:
        """The URL segment and OpenAPI tag (``cities``)."""
        return PLURAL_OF[self.kind]

    @property
    def singular(self) -> str:
        """The word in handler names and operation ids (``city``: ``get_city``): the kind."""
        return self.kind

    @property
    def record_id(self) -> Provide:
        """The kind's path parameter (``city_id``) as the dependency ``record_id``."""
        return record_id_of(self.kind, RecordId)

    @property
    def create_op(self) -> Operation:
        """Creating a record: staff only; an existing id is a conflict."""
        word = KIND_WORDS[self.kind]
        return Operation(
            f"Create a {word} (staff)", f"Store a new {word}; an existing id is a conflict (409).", _CREATE
        )

    @property
    def update_op(self) -> Operation:
        """Changing a record: staff, and for some kinds the record's own user."""
        who = "staff, or itself" if self.own_record is not None else "staff"
        return Operation(f"Change a {KIND_WORDS[self.kind]} ({who})", self.update_text + _IF_MATCH, _CHANGE)

    @property
    def delete_op(self) -> Operation:
        """Deleting a record: staff only."""
        # A city or provider taking part in an event is refused until it is taken out of the event.
        statuses = (403, 404) if self.kind == "case" else (403, 404, 409)
        return Operation(f"Delete a {KIND_WORDS[self.kind]} (staff)", self.delete_text, statuses)

    def signature_namespace(self) -> dict[str, object]:
        """The classes that stand behind the handlers' annotation names for this kind."""
        return {
            "RecordBody": Annotated[self.body, Body(examples=[self.example])],
            "RecordChange": UPDATE_MODELS[self.kind],
            "RecordView": self.view,
            "RecordPage": self.page,
        }


def _operation_id(
    name: str,
) -> Callable[[HTTPRouteHandler, Method, list[str | PathParameterDefinition]], str]:
    """Operation ids as Litestar derives them from a handler called ``name``, so they stay stable."""

    def create(_: HTTPRouteHandler, __: Method, components: list[str | PathParameterDefinition]) -> str:
        prefix = ""
        for component in components:
            word = (component.name if isinstance(component, PathParameterDefinition) else component).title()
            if word not in prefix:
                prefix += word
        return re.sub(r"[^A-Za-z0-9]+", "", prefix + name.title())

    return create


def record_controller(spec: RecordRoutes) -> type[Controller]:
    """The controller of one record kind: list, read, create, change and delete."""
    readers: Sequence[Guard] = [roles(*spec.readers)] if spec.readers else []
    owners: Sequence[Guard] = [] if spec.own_record is not None else [staff_only]
    one = f"/{{{spec.singular}_id:str}}"

    class RecordController(Controller):
        path = f"/{spec.plural}"
        tags = (spec.plural,)
        signature_namespace = spec.signature_namespace()
        dependencies = {"record_id": spec.record_id}  # noqa: RUF012 - Litestar reads class attributes

        @get("/", guards=readers, **spec.list_op.route(f"list_{spec.plural}"))
        def list_records(
            self,
            records: NamedDependency[RecordService],
            current_user: NamedDependency[Principal],
            offset: Offset = 0,
            limit: Limit = 50,
        ) -> RecordPage:
            shown = records.visible_list(current_user, spec.kind)
            return spec.page.model_validate(
                {
                    "items": shown[offset : offset + limit],
                    "total": len(shown),
                    "offset": offset,
                    "limit": limit,
                }
            )

        @get(
            one, guards=readers, response_headers=VERSION_HEADERS, **spec.get_op.route(f"get_{spec.singular}")
        )
        def get_record(
            self,
            records: NamedDependency[RecordService],
            current_user: NamedDependency[Principal],
            record_id: NamedDependency[str],
        ) -> Response[RecordView]:
            # Who may read it first, so a refusal is the same whether the record exists or not (the
            # version's 404 told a provider which of its competitors' ids are stored).
            require_read(current_user, spec.kind, record_id)
            # The version next: a write between the two reads then leaves the tag older than the body
            # (a conditional change is refused and read again), never newer (a change made on a read that
            # missed someone else's write).
            version = records.version(spec.kind, record_id)
            shown = records.visible_get(current_user, spec.kind, record_id)
            tag = records.visible_version(current_user, spec.kind, record_id, shown, version)
            return Response(shown, headers={"ETag": etag(tag)})

        @post(
            "/",
            guards=[staff_only],
            status_code=201,
            **spec.create_op.route(f"create_{spec.singular}"),
        )
        def create_record(self, records: NamedDependency[RecordService], data: RecordBody) -> RecordView:
            reject_unstorable(data.model_dump())
            records.create(spec.kind, data)
            return records.get_in_full(spec.kind, data.id)

        @patch(
            one,
            guards=owners,
            response_headers=VERSION_HEADERS,
            **spec.update_op.route(f"update_{spec.singular}"),
        )
        def update_record(
            self,
            *,
            records: NamedDependency[RecordService],
            self_service: NamedDependency[SelfService],
            current_user: NamedDependency[Principal],
            record_id: NamedDependency[str],
            data: JSONBody[RecordChange],
            if_match: IfMatch = None,
        ) -> Response[RecordView]:
            if spec.own_record is not None:
                spec.own_record(current_user, record_id)
            changes = data.model_dump(exclude_unset=True)
            reject_unstorable(changes)
            if current_user.is_staff or spec.kind == "case":
                records.update(spec.kind, record_id, changes, if_version=versions_named(if_match))
            else:
                # A city or provider changes its own profile under the console's rules: the fields it
                # owns, and not while an event it takes part in is being planned.
                self_service.update_profile(
                    spec.kind, record_id, changes, if_version=versions_named(if_match)
                )
            shown = view_of(current_user, records.get_in_full(spec.kind, record_id))
            return Response(shown, headers={"ETag": etag(records.version(spec.kind, record_id))})

        @delete(one, guards=[staff_only], **spec.delete_op.route(f"delete_{spec.singular}"))
        def delete_record(
            self, records: NamedDependency[RecordService], record_id: NamedDependency[str]
        ) -> None:
            records.delete(spec.kind, record_id)

    RecordController.__doc__ = spec.description
    RecordController.__name__ = RecordController.__qualname__ = f"{spec.singular.title()}Controller"
    return RecordController


CITY_ROUTES = RecordRoutes(
    kind="city",
    description="Cities, municipalities and institutions.",
    body=CityCreate,
    view=CityConfidential,
    page=CityPage,
    example=Example(summary="A municipality", value=CITY_EXAMPLE),
    readers=(),
    own_record=require_city_owner,
    list_op=Operation("List cities (public profiles)", "Every city's public profile, by id. Any role."),
    get_op=Operation(
        "One city",
        "A city. Staff and the city's own focal point also get ``focal_point``; others get the\n"
        "public profile only.",
        (404,),
    ),
    update_text="Apply a partial change; fields left out stay as they are. A city's focal point may change\n"
    "its own city's ``name``, ``summary``, ``population`` and ``language`` (403 for other fields), as on\n"
    "the console's *Edit profile*, except while an event it takes part in is being planned (409).",
    delete_text="Delete a city and its focal point. A city taking part in an event is refused (409)\n"
    "until it is removed from the event.",
)

PROVIDER_ROUTES = RecordRoutes(
    kind="provider",
    description="Solution and service providers.",
    body=ProviderCreate,
    view=ProviderPublic,
    page=ProviderPage,
    example=Example(summary="A company", value=PROVIDER_EXAMPLE),
    readers=("staff", "city", "provider"),
    own_record=require_own_provider,
    list_op=Operation(
        "List providers", "Every provider, by id. A provider sees only its own profile in the list."
    ),
    get_op=Operation("One provider", "A provider. A provider may read only its own profile.", (403, 404)),
    update_text="Apply a partial change. A provider may change only its own profile's ``name``,\n"
    "``description``, ``website``, ``languages``, ``regions_served`` and ``solutions`` (403 for\n"
    "``country`` and ``kind``, which staff change), as on the console's *Edit profile*, except while\n"
    "an event it takes part in is being planned (409); ``solutions``, when given, replace the old list (a\n"
    "solution sent without ``extra`` keeps the ``extra`` of the stored solution of the same title).",
    delete_text="Delete a provider and its solutions. A provider taking part in an event is refused (409)\n"
    "until it is removed from the event.",
)

CASE_ROUTES = RecordRoutes(
    kind="case",
    description="Case studies of cities going through smart-city projects.",
    body=CaseCreate,
    view=CasePublic,
    page=CasePage,
    example=Example(summary="A case study", value=CASE_EXAMPLE),
    readers=("staff", "city"),
    own_record=None,
    list_op=Operation("List case studies", "Every case study, by id. Staff and cities.", (403,)),
    get_op=Operation("One case study", "A case study. Staff and cities.", (403, 404)),
    update_text="Apply a partial change.",
    delete_text="Delete a case study.",
)

CityController = record_controller(CITY_ROUTES)
ProviderController = record_controller(PROVIDER_ROUTES)
CaseController = record_controller(CASE_ROUTES)
RECORD_CONTROLLERS = (CityController, ProviderController, CaseController)

__all__ = [
    "CASE_ROUTES",
    "CITY_ROUTES",
    "PROVIDER_ROUTES",
    "RECORD_CONTROLLERS",
    "CaseController",
    "CityController",
    "ProviderController",
    "RecordRoutes",
    "record_controller",
]
