"""CRUD for cities, providers and case studies.

Who may read what is one rule in :mod:`matchmaker.services.visibility`, shared with the console
(``RecordService.visible_list`` and ``visible_get``). A provider may change its own profile; creating,
changing and deleting every other record is for staff only.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, delete, get, patch, post
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
from matchmaker.services.records import RecordService
from matchmaker.services.users import Principal
from matchmaker.services.visibility import view_of
from matchmaker.web.auth import require_own_provider, roles, staff_only
from matchmaker.web.errors import problems
from matchmaker.web.routes.common import Limit, Offset, RecordId, reject_unstorable
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
    return view_of(principal, record)


def _page(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    return {"items": items[offset : offset + limit], "total": len(items), "offset": offset, "limit": limit}


class CityController(Controller):
    """Cities, municipalities and institutions."""

    path = "/cities"
    tags = ("cities",)

    @get("/", sync_to_thread=True, summary="List cities (public profiles)", responses=problems())
    def list_cities(
        self,
        records: NamedDependency[RecordService],
        current_user: NamedDependency[Principal],
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> CityPage:
        """Every city's public profile, by id. Any role."""
        items = records.visible_list(current_user, "city")
        return CityPage.model_validate(_page(items, offset, limit))

    @get("/{city_id:str}", sync_to_thread=True, summary="One city", responses=problems(404))
    def get_city(
        self,
        records: NamedDependency[RecordService],
        current_user: NamedDependency[Principal],
        city_id: RecordId,
    ) -> CityConfidential:
        """A city. Staff and the city's own focal point also get ``focal_point``; others get the
        public profile only."""
        return records.visible_get(current_user, "city", city_id)  # type: ignore[return-value]

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
        records: NamedDependency[RecordService],
        data: Annotated[CityCreate, Body(examples=[Example(summary="A municipality", value=CITY_EXAMPLE)])],
    ) -> CityConfidential:
        """Store a new city; an existing id is a conflict (409)."""
        reject_unstorable(data.model_dump())
        records.create("city", data)
        return records.get_city_confidential(data.id)

    @patch(
        "/{city_id:str}",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Change a city (staff)",
        responses=problems(403, 404, 413, 422),
    )
    def update_city(
        self,
        records: NamedDependency[RecordService],
        city_id: RecordId,
        data: JSONBody[CityUpdate],
    ) -> CityConfidential:
        """Apply a partial change; fields left out stay as they are."""
        reject_unstorable(data.model_dump(exclude_unset=True))
        records.update("city", city_id, data.model_dump(exclude_unset=True))
        return records.get_city_confidential(city_id)

    @delete(
        "/{city_id:str}",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Delete a city (staff)",
        responses=problems(403, 404),
    )
    def delete_city(self, records: NamedDependency[RecordService], city_id: RecordId) -> None:
        """Delete a city and its focal point."""
        records.delete("city", city_id)


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
        records: NamedDependency[RecordService],
        current_user: NamedDependency[Principal],
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> ProviderPage:
        """Every provider, by id. A provider sees only its own profile in the list."""
        items = records.visible_list(current_user, "provider")
        return ProviderPage.model_validate(_page(items, offset, limit))

    @get("/{provider_id:str}", sync_to_thread=True, summary="One provider", responses=problems(403, 404))
    def get_provider(
        self,
        records: NamedDependency[RecordService],
        current_user: NamedDependency[Principal],
        provider_id: RecordId,
    ) -> ProviderPublic:
        """A provider. A provider may read only its own profile."""
        return records.visible_get(current_user, "provider", provider_id)  # type: ignore[return-value]

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
        records: NamedDependency[RecordService],
        data: Annotated[
            ProviderCreate, Body(examples=[Example(summary="A company", value=PROVIDER_EXAMPLE)])
        ],
    ) -> ProviderPublic:
        """Store a new provider; an existing id is a conflict (409)."""
        reject_unstorable(data.model_dump())
        return records.create("provider", data)  # type: ignore[return-value]

    @patch(
        "/{provider_id:str}",
        sync_to_thread=True,
        summary="Change a provider (staff, or itself)",
        responses=problems(403, 404, 413, 422),
    )
    def update_provider(
        self,
        records: NamedDependency[RecordService],
        current_user: NamedDependency[Principal],
        provider_id: RecordId,
        data: JSONBody[ProviderUpdate],
    ) -> ProviderPublic:
        """Apply a partial change. A provider may change only its own profile; ``solutions``, when
        given, replace the old list."""
        require_own_provider(current_user, provider_id)
        reject_unstorable(data.model_dump(exclude_unset=True))
        record = records.update("provider", provider_id, data.model_dump(exclude_unset=True))
        return _public(current_user, record)  # type: ignore[no-any-return]

    @delete(
        "/{provider_id:str}",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Delete a provider (staff)",
        responses=problems(403, 404),
    )
    def delete_provider(self, records: NamedDependency[RecordService], provider_id: RecordId) -> None:
        """Delete a provider and its solutions."""
        records.delete("provider", provider_id)


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
        records: NamedDependency[RecordService],
        current_user: NamedDependency[Principal],
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> CasePage:
        """Every case study, by id. Staff and cities."""
        items = records.visible_list(current_user, "case")
        return CasePage.model_validate(_page(items, offset, limit))

    @get(
        "/{case_id:str}",
        sync_to_thread=True,
        guards=[roles("staff", "city")],
        summary="One case study",
        responses=problems(403, 404),
    )
    def get_case(
        self,
        records: NamedDependency[RecordService],
        current_user: NamedDependency[Principal],
        case_id: RecordId,
    ) -> CasePublic:
        """A case study. Staff and cities."""
        return records.visible_get(current_user, "case", case_id)  # type: ignore[return-value]

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
        records: NamedDependency[RecordService],
        data: Annotated[CaseCreate, Body(examples=[Example(summary="A case study", value=CASE_EXAMPLE)])],
    ) -> CasePublic:
        """Store a new case study; an existing id is a conflict (409)."""
        reject_unstorable(data.model_dump())
        return records.create("case", data)  # type: ignore[return-value]

    @patch(
        "/{case_id:str}",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Change a case study (staff)",
        responses=problems(403, 404, 413, 422),
    )
    def update_case(
        self,
        records: NamedDependency[RecordService],
        case_id: RecordId,
        data: JSONBody[CaseUpdate],
    ) -> CasePublic:
        """Apply a partial change."""
        reject_unstorable(data.model_dump(exclude_unset=True))
        return records.update("case", case_id, data.model_dump(exclude_unset=True))  # type: ignore[return-value]

    @delete(
        "/{case_id:str}",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Delete a case study (staff)",
        responses=problems(403, 404),
    )
    def delete_case(self, records: NamedDependency[RecordService], case_id: RecordId) -> None:
        """Delete a case study."""
        records.delete("case", case_id)


__all__ = ["CaseController", "CityController", "ProviderController"]
