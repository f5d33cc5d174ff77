"""Browsing records: cities, providers and case studies with filters, and one page per record.

What a role sees is the API's rule, :mod:`matchmaker.services.visibility` (through
``RecordService.visible_list`` and ``visible_get``): public city profiles for every role, providers for
staff and cities (a provider sees its own profile only), case studies for staff and cities, a city's
focal point for staff and that city only, internal ``extra`` fields for staff only. Suggestions about a
city or a provider are shown to staff and to that city or provider (``visibility.may_suggest``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from litestar import Request, Response, get

from matchmaker.db.models import CasePublic, CityConfidential, CityPublic, Kind, ProviderPublic
from matchmaker.errors import IndexUnavailableError, MatchmakerError, NotFoundError
from matchmaker.services import visibility
from matchmaker.services.container import Services
from matchmaker.services.matching import MatchingService, MatchResponse
from matchmaker.services.users import Principal
from matchmaker.web.console.explain import Suggestion, suggestions_from
from matchmaker.web.console.facets import Filters, apply_filters, facets_of, filter_options
from matchmaker.web.console.render import page
from matchmaker.web.console.session import PathId, principal_of, services_of

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
SUGGESTIONS_TOP = 8
CASE_ROLES = {"roles": ("staff", "city")}

_KIND_TITLES = {"city": "Cities", "provider": "Providers", "case": "Case studies"}


def _filters(request: Request[Any, Any, Any]) -> Filters:
    q = request.query_params

    def value(key: str, limit: int = 200) -> str:
        return str(q.get(key) or "").strip()[:limit]

    return Filters(
        q=value("q"),
        country=value("country", 2),
        domain=value("domain", 64),
        obstacle=value("obstacle", 64),
        language=value("language", 8),
        level=value("level", 1),
    )


def _page_number(request: Request[Any, Any, Any]) -> int:
    raw = str(request.query_params.get("page") or "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


@dataclass
class Listing:
    """One page of a filtered listing."""

    kind: str
    items: list[Any]
    total: int
    page: int
    pages: int
    filters: Filters
    options: Any
    facets: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    search_note: str = ""


def _ranked_by_search(
    matching: MatchingService, query: str, items: Sequence[Any]
) -> tuple[list[Any], dict[str, float], str]:
    """Order case studies by the free-text search; falls back to the plain filter when unavailable."""
    try:
        response = matching.matcher().search_cases(query, top=max(len(items), 1))
    except IndexUnavailableError as exc:
        return list(items), {}, f"Ranked search is not available ({exc.message}); showing word matches."
    scores = {r.id: float(r.score) for r in response.results}
    by_id = {item.id: item for item in items}
    ranked = [by_id[i] for i in scores if i in by_id]
    return ranked, scores, ""


def load_listing(
    services: Services, principal: Principal, kind: Kind, filters: Filters, *, page_no: int
) -> Listing:
    """Filter (and for case studies with a query, rank) the records of a kind, and cut one page."""
    with services.database.unit_of_work() as session:
        everything: list[Any] = list(services.records(session).visible_list(principal, kind))
    scores: dict[str, float] = {}
    note = ""
    if kind == "case" and filters.q:
        unfiltered = dataclasses.replace(filters, q="")
        candidates = apply_filters(everything, unfiltered)
        ranked, scores, note = _ranked_by_search(services.matching, filters.q, candidates)
        chosen = ranked if scores else apply_filters(candidates, Filters(q=filters.q))
    else:
        chosen = apply_filters(everything, filters)
    pages = max(1, math.ceil(len(chosen) / PAGE_SIZE))
    page_no = min(page_no, pages)
    items = chosen[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]
    return Listing(
        kind=kind,
        items=items,
        total=len(chosen),
        page=page_no,
        pages=pages,
        filters=filters,
        options=filter_options(everything),
        facets={item.id: facets_of(item) for item in items},
        scores=scores,
        search_note=note,
    )


async def _listing_page(request: Request[Any, Any, Any], kind: Kind) -> Response[Any]:
    principal = principal_of(request)
    services = services_of(request)
    filters = _filters(request)
    page_no = _page_number(request)
    listing = await anyio.to_thread.run_sync(
        lambda: load_listing(services, principal, kind, filters, page_no=page_no)
    )
    return page(
        "console/records.html",
        principal,
        title=_KIND_TITLES[kind],
        request_path=request.url.path,
        listing=listing,
        base_query=urlencode([(k, v) for k, v in request.query_params.items() if k != "page"]),
    )


@get("/cities", name="console:cities")
async def list_cities(request: Request[Any, Any, Any]) -> Response[Any]:
    """Cities, with filters."""
    return await _listing_page(request, "city")


@get("/providers", name="console:providers")
async def list_providers(request: Request[Any, Any, Any]) -> Response[Any]:
    """Providers, with filters."""
    return await _listing_page(request, "provider")


@get("/cases", name="console:cases", opt=CASE_ROLES)
async def list_cases(request: Request[Any, Any, Any]) -> Response[Any]:
    """Case studies, with filters and free-text search."""
    return await _listing_page(request, "case")


# --------------------------------------------------------------------------------------------------
# Suggestions


@dataclass
class SuggestionBlock:
    """One list of suggestions with a heading, or the reason it could not be computed."""

    key: str
    title: str
    items: list[Suggestion] = field(default_factory=list)
    problem: str = ""


def _names(services: Services) -> dict[str, dict[str, str]]:
    with services.database.unit_of_work() as session:
        records = services.records(session)
        return {
            "city": {r.id: r.name for r in records.list("city")},  # type: ignore[union-attr]
            "provider": {r.id: r.name for r in records.list("provider")},  # type: ignore[union-attr]
            "case": {r.id: r.title for r in records.list("case")},  # type: ignore[union-attr]
        }


def _block(
    key: str, title: str, call: Callable[[], MatchResponse], kind: str, names: dict[str, dict[str, str]]
) -> SuggestionBlock:
    try:
        response = call()
    except MatchmakerError as exc:
        return SuggestionBlock(key, title, problem=exc.message)
    return SuggestionBlock(key, title, items=suggestions_from(response, kind, names))


def city_suggestions(services: Services, city_id: str) -> list[SuggestionBlock]:
    """Providers, comparable and mentor cities, and useful case studies for a city."""
    names = _names(services)
    try:
        matcher = services.matching.matcher()
    except MatchmakerError as exc:
        return [SuggestionBlock("all", "Suggestions", problem=exc.message)]
    providers = _block(
        "providers",
        "Suggested providers",
        lambda: matcher.providers_for_city(city_id, top=SUGGESTIONS_TOP),
        "provider",
        names,
    )
    cities = _block(
        "cities",
        "Comparable and mentor cities",
        lambda: matcher.cities_for_city(city_id, top=SUGGESTIONS_TOP * 2),
        "city",
        names,
    )
    mentors = SuggestionBlock(
        "mentors",
        "Mentor cities",
        items=[s for s in cities.items if s.relation == "mentor"][:SUGGESTIONS_TOP],
        problem=cities.problem,
    )
    comparable = SuggestionBlock(
        "comparable",
        "Comparable cities",
        items=[s for s in cities.items if s.relation != "mentor"][:SUGGESTIONS_TOP],
        problem=cities.problem,
    )
    cases = _block(
        "cases",
        "Useful case studies",
        lambda: matcher.cases_for_city(city_id, top=SUGGESTIONS_TOP),
        "case",
        names,
    )
    return [providers, comparable, mentors, cases]


def provider_suggestions(services: Services, provider_id: str) -> list[SuggestionBlock]:
    """Municipalities whose needs fit what a provider offers."""
    names = _names(services)
    try:
        matcher = services.matching.matcher()
    except MatchmakerError as exc:
        return [SuggestionBlock("cities", "Suggested municipalities", problem=exc.message)]
    return [
        _block(
            "cities",
            "Suggested municipalities",
            lambda: matcher.cities_for_provider(provider_id, top=SUGGESTIONS_TOP * 2),
            "city",
            names,
        )
    ]


# --------------------------------------------------------------------------------------------------
# Record pages


def load_city(
    services: Services, principal: Principal, city_id: str
) -> tuple[CityPublic | CityConfidential, list[SuggestionBlock] | None]:
    """A city as this principal may see it, with suggestions for staff and the city itself."""
    with services.database.unit_of_work() as session:
        record = services.records(session).visible_get(principal, "city", city_id)
    if not isinstance(record, CityPublic):  # pragma: no cover - the service returns the kind asked
        raise NotFoundError(f"no city with id {city_id!r}")
    suggestions = None
    if visibility.may_suggest(principal, "city", city_id):
        suggestions = city_suggestions(services, city_id)
    return record, suggestions


@get("/cities/{city_id:str}", name="console:city")
async def city_page(request: Request[Any, Any, Any], city_id: PathId) -> Response[Any]:
    """One city: profile, focal point (staff and itself), suggestions (staff and itself)."""
    principal = principal_of(request)
    record, suggestions = await anyio.to_thread.run_sync(load_city, services_of(request), principal, city_id)
    return page(
        "console/city.html",
        principal,
        title=record.name,
        request_path=request.url.path,
        city=record,
        facets=facets_of(record),
        suggestions=suggestions,
        own=principal.is_city(record.id),
    )


def load_provider(
    services: Services, principal: Principal, provider_id: str
) -> tuple[ProviderPublic, list[SuggestionBlock] | None]:
    """A provider, with suggested municipalities for staff and the provider itself."""
    with services.database.unit_of_work() as session:
        record = services.records(session).visible_get(principal, "provider", provider_id)
    if not isinstance(record, ProviderPublic):  # pragma: no cover - the service returns the kind asked
        raise NotFoundError(f"no provider with id {provider_id!r}")
    suggestions = None
    if visibility.may_suggest(principal, "provider", provider_id):
        suggestions = provider_suggestions(services, provider_id)
    return record, suggestions


@get("/providers/{provider_id:str}", name="console:provider")
async def provider_page(request: Request[Any, Any, Any], provider_id: PathId) -> Response[Any]:
    """One provider: profile and solutions; suggested municipalities for staff and itself."""
    principal = principal_of(request)
    record, suggestions = await anyio.to_thread.run_sync(
        load_provider, services_of(request), principal, provider_id
    )
    return page(
        "console/provider.html",
        principal,
        title=record.name,
        request_path=request.url.path,
        provider=record,
        facets=facets_of(record),
        suggestions=suggestions,
        own=principal.is_provider(record.id),
    )


def load_case(services: Services, principal: Principal, case_id: str) -> CasePublic:
    """A case study as this principal may see it."""
    with services.database.unit_of_work() as session:
        record = services.records(session).visible_get(principal, "case", case_id)
    if not isinstance(record, CasePublic):  # pragma: no cover
        raise NotFoundError(f"no case study with id {case_id!r}")
    return record


@get("/cases/{case_id:str}", name="console:case", opt=CASE_ROLES)
async def case_page(request: Request[Any, Any, Any], case_id: PathId) -> Response[Any]:
    """One case study."""
    principal = principal_of(request)
    record = await anyio.to_thread.run_sync(load_case, services_of(request), principal, case_id)
    return page(
        "console/case.html",
        principal,
        title=record.title,
        request_path=request.url.path,
        case=record,
        facets=facets_of(record),
    )


ROUTES = [list_cities, list_providers, list_cases, city_page, provider_page, case_page]
