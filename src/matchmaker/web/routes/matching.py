"""The five match and search queries, as the CLI's ``--json`` lines plus pagination.

Who may ask what (staff may ask anything):

* a city focal point: providers, comparable cities and case studies for its own city, and the
  free-text case search;
* a provider: cities for itself.

``city`` and ``provider`` take an id or a name (resolved fuzzily, as in the CLI). A city focal point
or a provider that leaves them out asks about itself. Matching runs in a worker thread so the event
loop keeps serving while the model encodes and the indexes are searched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import anyio.to_thread
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import Parameter

from matchmaker.db.models import Kind
from matchmaker.errors import AmbiguousNameError, NotFoundError, PermissionDeniedError
from matchmaker.services.matching import NO_WORDS, Matcher, MatchingService, MatchResponse, searchable
from matchmaker.services.records import RecordService
from matchmaker.services.users import Principal
from matchmaker.settings import DEFAULT_TOP, MATCH_PAGES, Settings
from matchmaker.web.auth import require_own_city, require_own_provider
from matchmaker.web.errors import problems
from matchmaker.web.ratelimit import rate_limited
from matchmaker.web.routes.common import bad_query, reject_unstorable
from matchmaker.web.schemas import MatchPage

#: One of the matcher's queries: (matcher, subject, how many) → the ranked answer.
Query = Callable[[Matcher, str, int], MatchResponse]

if TYPE_CHECKING:
    # At run time both names come from the API router's signature namespace (:func:`query_bounds`),
    # built from the server's settings: the bound a client reads is the one the server applies.
    Top = int
    MatchOffset = int


def query_bounds(settings: Settings) -> dict[str, object]:
    """The query parameters whose bound is a server setting (``Top``, ``MatchOffset``), with that bound
    as their documented maximum, for the signature namespace of the router that serves these routes."""
    default = Settings.model_fields["max_top"].default
    return {
        "Top": Annotated[
            int,
            Parameter(
                ge=1,
                le=settings.max_top,
                required=False,
                description=f"Results on this page, at most {settings.max_top}: the server's `max_top` "
                f"setting (MATCHMAKER_MAX_TOP, {default} by default).",
            ),
        ],
        "MatchOffset": Annotated[
            int,
            Parameter(
                ge=0,
                le=settings.max_match_offset,
                required=False,
                description=f"Rank of the first result to return, at most {settings.max_match_offset}: "
                f"{MATCH_PAGES} times the server's `max_top` setting.",
            ),
        ],
    }


CityParam = Annotated[
    str | None,
    Parameter(
        min_length=1,
        max_length=300,
        required=False,
        description="City id or name. A city focal point may leave it out (its own city).",
    ),
]
ProviderParam = Annotated[
    str | None,
    Parameter(
        min_length=1,
        max_length=300,
        required=False,
        description="Provider id or name. A provider may leave it out (itself).",
    ),
]


def _subject(principal: Principal, role: str, given: str | None, what: str) -> str:
    if given is not None and given.strip():
        # A text no record's id or name can hold is the caller's mistake, named here; the database
        # would refuse it without saying which parameter.
        reject_unstorable(given, what)
        return given.strip()
    if principal.role == role and principal.subject_id:
        return principal.subject_id
    if principal.role == "provider":
        # Naming a city would not help: a provider's one query is the cities suggested for itself.
        raise PermissionDeniedError(
            "a provider may only ask for the cities suggested for itself: GET /api/v1/match/cities"
        )
    raise bad_query(what, f"give ?{what}=ID (an id or a name)")


async def _run(matching: MatchingService, query: Query, subject: str, top: int, offset: int) -> MatchPage:
    def work() -> MatchResponse:
        return query(matching.matcher(), subject, offset + top + 1)

    response = await anyio.to_thread.run_sync(work)
    ranked = [r.model_dump(mode="json") for r in response.results]
    return MatchPage.model_validate(
        {
            "query": response.query,
            "results": ranked[offset : offset + top],
            "offset": offset,
            "top": top,
            "has_more": len(ranked) > offset + top,
        }
    )


async def _for_city(
    records: RecordService,
    matching: MatchingService,
    principal: Principal,
    city: str | None,
    query: Query,
    *,
    top: int,
    offset: int,
) -> MatchPage:
    """A city's query: the city named (or the caller's own), checked against the caller, then ``query``."""
    city_id = await _resolve(records, "city", _subject(principal, "city", city, "city"))
    require_own_city(principal, city_id)
    return await _run(matching, query, city_id, top, offset)


async def _resolve(records: RecordService, kind: Kind, query: str, principal: Principal | None = None) -> str:
    """An id or a fuzzy name resolved to an id.

    A provider may only ask about itself and may not browse other providers, so for it a name that
    does not resolve to itself is refused without listing the candidates it matched.
    """
    if principal is not None and principal.role == "provider" and kind == "provider":
        if query == principal.subject_id:
            return query
        try:
            resolved = await anyio.to_thread.run_sync(records.resolve_id, kind, query)
        except (AmbiguousNameError, NotFoundError) as exc:
            raise PermissionDeniedError("a provider may only ask about its own suggestions") from exc
        if resolved != principal.subject_id:
            raise PermissionDeniedError("a provider may only ask about its own suggestions")
        return resolved
    return await anyio.to_thread.run_sync(records.resolve_id, kind, query)


def _city_route(path: str, summary: str, query: Query, description: str) -> HTTPRouteHandler:
    """The ``GET`` route of a query about one city (``?city=``, or the caller's own city), named after
    the matcher's ``query`` and described by ``description``."""

    async def handler(
        self: Controller,  # noqa: ARG001  the controller binds it, as for a method in its body
        *,
        records: NamedDependency[RecordService],
        matching: NamedDependency[MatchingService],
        current_user: NamedDependency[Principal],
        city: CityParam = None,
        top: Top = DEFAULT_TOP,
        offset: MatchOffset = 0,
    ) -> MatchPage:
        return await _for_city(records, matching, current_user, city, query, top=top, offset=offset)

    handler.__name__ = query.__name__
    handler.__qualname__ = f"MatchController.{query.__name__}"
    handler.__doc__ = description
    return get(path, summary=summary, responses=problems(403, 404, 422, 429, 503))(handler)


class MatchController(Controller):
    """Suggestions and search. Rate-limited per caller."""

    path = "/"
    tags = ("matching",)
    guards = (rate_limited,)

    providers_for_city = _city_route(
        "/match/providers",
        "Providers suggested for a city",
        Matcher.providers_for_city,
        "Providers whose capabilities answer the city's needs, best first, with the reasons.",
    )

    @get(
        "/match/cities",
        summary="Comparable or mentor cities for a city, or cities for a provider",
        responses=problems(403, 404, 422, 429, 503),
    )
    async def cities(
        self,
        *,
        records: NamedDependency[RecordService],
        matching: NamedDependency[MatchingService],
        current_user: NamedDependency[Principal],
        city: CityParam = None,
        provider: ProviderParam = None,
        top: Top = DEFAULT_TOP,
        offset: MatchOffset = 0,
    ) -> MatchPage:
        """With ``city``: comparable and mentor cities (never the city itself). With ``provider``:
        municipalities whose needs fit what the provider offers. Give one of the two."""
        if city is not None and provider is not None:
            raise bad_query("provider", "give either ?city= or ?provider=, not both")
        if city is None and provider is None and current_user.role == "staff":
            raise bad_query("city", "give ?city=ID or ?provider=ID (an id or a name)")
        if provider is not None or (city is None and current_user.role == "provider"):
            provider_id = await _resolve(
                records, "provider", _subject(current_user, "provider", provider, "provider"), current_user
            )
            require_own_provider(current_user, provider_id)
            return await _run(matching, Matcher.cities_for_provider, provider_id, top, offset)
        return await _for_city(
            records, matching, current_user, city, Matcher.cities_for_city, top=top, offset=offset
        )

    cases_for_city = _city_route(
        "/match/cases",
        "Case studies useful to a city",
        Matcher.cases_for_city,
        "Case studies of cities that overcame the same obstacles, best first.",
    )

    @get(
        "/search/cases", summary="Free-text search over case studies", responses=problems(403, 422, 429, 503)
    )
    async def search_cases(
        self,
        *,
        settings: NamedDependency[Settings],
        matching: NamedDependency[MatchingService],
        current_user: NamedDependency[Principal],
        q: Annotated[
            str,
            Parameter(
                min_length=1,
                description="What to look for (at most the server's max_query_chars characters).",
            ),
        ],
        top: Top = DEFAULT_TOP,
        offset: MatchOffset = 0,
    ) -> MatchPage:
        """Case studies whose text answers the query, best first. Staff and cities."""
        if current_user.role == "provider":
            raise PermissionDeniedError("providers do not have access to case studies")
        text = q.strip()
        if not searchable(text):
            raise bad_query("q", NO_WORDS)
        if len(text) > settings.max_query_chars:
            raise bad_query("q", f"at most {settings.max_query_chars} characters, got {len(text)}")
        return await _run(matching, Matcher.search_cases, text, top, offset)


__all__ = ["MatchController", "query_bounds"]
