"""CRUD for cities, providers and case studies.

Who may do what (staff may do everything):

============  ==========================  =====================================  ============
              cities                      providers                              cases
============  ==========================  =====================================  ============
city          read all; own in full       read all                               read all
provider      read all (public profiles)  read and change its own profile only   none
============  ==========================  =====================================  ============

Creating and deleting records is for staff only.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import Body, JSONBody

from matchmaker.db.models import (
    CaseCreate,
    CasePublic,
    CaseUpdate,
    CityConfidential,
    CityCreate,
    CityUpdate,
    ProviderCreate,
    ProviderPublic,
    ProviderUpdate,
)
from matchmaker.errors import PermissionDeniedError
from matchmaker.services import records as records_service
from matchmaker.services.users import Principal
from matchmaker.services.visibility import strip_internal
from matchmaker.settings import Settings
from matchmaker.web.auth import require_own_provider, roles, sees_city_in_full, staff_only
from matchmaker.web.errors import problems
from matchmaker.web.routes.common import Limit, Offset, RecordId, after_write, reject_unstorable
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


def _public(principal: Principal, record: Any) -> Any:
    return record if principal.is_staff else strip_internal(record)


def _page(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    return {"items": items[offset : offset + limit], "total": len(items), "offset": offset, "limit": limit}


class CityController(Controller):
    """Cities, municipalities and institutions."""

    path = "/cities"
    tags = ("cities",)

    @get("/", sync_to_thread=True, summary="List cities (public profiles)", responses=problems())
    def list_cities(
        self,
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> CityPage:
        """Every city's public profile, by id. Any role."""
        items = [_public(current_user, c) for c in records_service.list_records(settings, "city")]
        return CityPage.model_validate(_page(items, offset, limit))

    @get("/{city_id:str}", sync_to_thread=True, summary="One city", responses=problems(404))
    def get_city(
        self, settings: NamedDependency[Settings], current_user: NamedDependency[Principal], city_id: RecordId
    ) -> CityConfidential:
        """A city. Staff and the city's own focal point also get ``focal_point``; others get the
        public profile only."""
        if sees_city_in_full(current_user, city_id):
            return _public(current_user, records_service.get_city_confidential(settings, city_id))  # type: ignore[no-any-return]
        record = records_service.get_record(settings, "city", city_id)
        return _public(current_user, record)  # type: ignore[no-any-return]

    @post(
        "/",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Create a city (staff)",
        responses=problems(403, 409, 413, 422),
        status_code=201,
    )
    def create_city(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        data: Annotated[CityCreate, Body(examples=[Example(summary="A municipality", value=CITY_EXAMPLE)])],
    ) -> CityConfidential:
        """Store a new city; an existing id is a conflict (409)."""
        reject_unstorable(data.model_dump())
        records_service.create_record(settings, "city", data)
        after_write(request, {"city"})
        return records_service.get_city_confidential(settings, data.id)

    @patch(
        "/{city_id:str}",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Change a city (staff)",
        responses=problems(403, 404, 413, 422),
    )
    def update_city(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        city_id: RecordId,
        data: JSONBody[CityUpdate],
    ) -> CityConfidential:
        """Apply a partial change; fields left out stay as they are."""
        reject_unstorable(data.model_dump(exclude_unset=True))
        records_service.update_record(settings, "city", city_id, data.model_dump(exclude_unset=True))
        after_write(request, {"city"})
        return records_service.get_city_confidential(settings, city_id)

    @delete(
        "/{city_id:str}",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Delete a city (staff)",
        responses=problems(403, 404),
    )
    def delete_city(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings], city_id: RecordId
    ) -> None:
        """Delete a city and its focal point."""
        records_service.delete_record(settings, "city", city_id)
        after_write(request, {"city"})


class ProviderController(Controller):
    """Solution and service providers."""

    path = "/providers"
    tags = ("providers",)

    @get(
        "/",
        sync_to_thread=True,
        guards=[roles("staff", "city", "provider")],
        summary="List providers",
        responses=problems(),
    )
    def list_providers(
        self,
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> ProviderPage:
        """Every provider, by id. A provider sees only its own profile in the list."""
        items = records_service.list_records(settings, "provider")
        if current_user.role == "provider":
            items = [p for p in items if current_user.is_provider(p.id)]
        items = [_public(current_user, p) for p in items]
        return ProviderPage.model_validate(_page(items, offset, limit))

    @get("/{provider_id:str}", sync_to_thread=True, summary="One provider", responses=problems(403, 404))
    def get_provider(
        self,
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        provider_id: RecordId,
    ) -> ProviderPublic:
        """A provider. A provider may read only its own profile."""
        if current_user.role == "provider":
            require_own_provider(current_user, provider_id)
        return _public(current_user, records_service.get_record(settings, "provider", provider_id))  # type: ignore[no-any-return]

    @post(
        "/",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Create a provider (staff)",
        responses=problems(403, 409, 413, 422),
        status_code=201,
    )
    def create_provider(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        data: Annotated[
            ProviderCreate, Body(examples=[Example(summary="A company", value=PROVIDER_EXAMPLE)])
        ],
    ) -> ProviderPublic:
        """Store a new provider; an existing id is a conflict (409)."""
        reject_unstorable(data.model_dump())
        record = records_service.create_record(settings, "provider", data)
        after_write(request, {"provider"})
        return record  # type: ignore[return-value]

    @patch(
        "/{provider_id:str}",
        sync_to_thread=True,
        summary="Change a provider (staff, or itself)",
        responses=problems(403, 404, 413, 422),
    )
    def update_provider(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        provider_id: RecordId,
        data: JSONBody[ProviderUpdate],
    ) -> ProviderPublic:
        """Apply a partial change. A provider may change only its own profile; ``solutions``, when
        given, replace the old list."""
        require_own_provider(current_user, provider_id)
        reject_unstorable(data.model_dump(exclude_unset=True))
        record = records_service.update_record(
            settings, "provider", provider_id, data.model_dump(exclude_unset=True)
        )
        after_write(request, {"provider"})
        return _public(current_user, record)  # type: ignore[no-any-return]

    @delete(
        "/{provider_id:str}",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Delete a provider (staff)",
        responses=problems(403, 404),
    )
    def delete_provider(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings], provider_id: RecordId
    ) -> None:
        """Delete a provider and its solutions."""
        records_service.delete_record(settings, "provider", provider_id)
        after_write(request, {"provider"})


def _no_cases_for_providers(current_user: Principal) -> None:
    if current_user.role == "provider":
        raise PermissionDeniedError("providers do not have access to case studies")


class CaseController(Controller):
    """Case studies of cities going through smart-city projects."""

    path = "/cases"
    tags = ("cases",)

    @get(
        "/",
        sync_to_thread=True,
        guards=[roles("staff", "city")],
        summary="List case studies",
        responses=problems(403),
    )
    def list_cases(
        self,
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> CasePage:
        """Every case study, by id. Staff and cities."""
        items = [_public(current_user, c) for c in records_service.list_records(settings, "case")]
        return CasePage.model_validate(_page(items, offset, limit))

    @get(
        "/{case_id:str}",
        sync_to_thread=True,
        guards=[roles("staff", "city")],
        summary="One case study",
        responses=problems(403, 404),
    )
    def get_case(
        self, settings: NamedDependency[Settings], current_user: NamedDependency[Principal], case_id: RecordId
    ) -> CasePublic:
        """A case study. Staff and cities."""
        _no_cases_for_providers(current_user)
        return _public(current_user, records_service.get_record(settings, "case", case_id))  # type: ignore[no-any-return]

    @post(
        "/",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Create a case study (staff)",
        responses=problems(403, 409, 413, 422),
        status_code=201,
    )
    def create_case(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        data: Annotated[CaseCreate, Body(examples=[Example(summary="A case study", value=CASE_EXAMPLE)])],
    ) -> CasePublic:
        """Store a new case study; an existing id is a conflict (409)."""
        reject_unstorable(data.model_dump())
        record = records_service.create_record(settings, "case", data)
        after_write(request, {"case"})
        return record  # type: ignore[return-value]

    @patch(
        "/{case_id:str}",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Change a case study (staff)",
        responses=problems(403, 404, 413, 422),
    )
    def update_case(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        case_id: RecordId,
        data: JSONBody[CaseUpdate],
    ) -> CasePublic:
        """Apply a partial change."""
        reject_unstorable(data.model_dump(exclude_unset=True))
        record = records_service.update_record(settings, "case", case_id, data.model_dump(exclude_unset=True))
        after_write(request, {"case"})
        return record  # type: ignore[return-value]

    @delete(
        "/{case_id:str}",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Delete a case study (staff)",
        responses=problems(403, 404),
    )
    def delete_case(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings], case_id: RecordId
    ) -> None:
        """Delete a case study."""
        records_service.delete_record(settings, "case", case_id)
        after_write(request, {"case"})


__all__ = ["CaseController", "CityController", "ProviderController"]
