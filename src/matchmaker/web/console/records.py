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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from litestar import Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from matchmaker.db.models import KINDS, PLURAL_OF, CasePublic, Kind, PublicRecord
from matchmaker.errors import (
    IndexUnavailableError,
    InvalidInputError,
    MatchmakerError,
    range_reason,
    whole_number_reason,
)
from matchmaker.services import visibility
from matchmaker.services.matching import NO_WORDS, Matcher, MatchingService, MatchResponse, searchable
from matchmaker.services.records import RecordService
from matchmaker.services.users import Principal
from matchmaker.vocabulary import Kind as TermKind
from matchmaker.vocabulary import terms_of_kind
from matchmaker.web.console.explain import Suggestion, suggestions_from
from matchmaker.web.console.facets import Filters, apply_filters, facets_of, filter_options
from matchmaker.web.console.render import country_name, language_name, page
from matchmaker.web.console.session import STAFF_AND_CITIES, digits_value, principal_of, within_limit
from matchmaker.web.routes.common import RecordId, bad_query, record_id_of, single_query_values

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
SUGGESTIONS_TOP = 8
#: The most characters the search box of a listing takes.
SEARCH_MAX = 200

AnyRequest = Request[Any, Any, Any]
Records = NamedDependency[RecordService]
#: The id of the record a page is about (from the kind's path parameter).
RecordKey = NamedDependency[str]
Matching = NamedDependency[MatchingService]


def _shown(text: str) -> str:
    """A parameter's value as a refusal quotes it: at most 40 characters."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _term_filter(key: str, text: str, kind: TermKind) -> str:
    """A domain or obstacle filter: a term of the vocabulary (what the list's menu offers)."""
    ids = [t.id for t in terms_of_kind(kind)]
    if text and text not in ids:
        raise bad_query(key, f"must be one of {', '.join(ids)}, not {_shown(text)}")
    return text


def _filters(request: Request[Any, Any, Any]) -> Filters:
    """The list's filters from the address; one it cannot use is a 400 naming it (``bad_query``), as
    a parameter of the wrong type is, not a list that is empty without a word."""
    q = request.query_params

    def value(key: str) -> str:
        return str(q.get(key) or "").strip()

    country, language, level = value("country"), value("language"), value("level")
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise bad_query("country", f"must be a two-letter country code such as TR, not {_shown(country)}")
    if language and not (len(language) in (2, 3) and language.isascii() and language.isalpha()):
        raise bad_query("language", f"must be a language code such as sq, not {_shown(language)}")
    if level and level not in ("1", "2", "3"):
        raise bad_query("level", f"must be 1, 2 or 3, not {_shown(level)}")
    return Filters(
        q=value("q"),
        country=country,
        domain=_term_filter("domain", value("domain"), TermKind.DOMAIN),
        obstacle=_term_filter("obstacle", value("obstacle"), TermKind.OBSTACLE),
        language=language,
        level=level,
    )


#: The page a number of more digits than are read stands for: past the last page of any list.
_FAR_PAGE = 10**9
#: Digits of a page number quoted as a number in a refusal (a longer one is quoted as typed, cut).
_SHOWN_DIGITS = 30


def _page_number(request: Request[Any, Any, Any]) -> int:
    """The page asked for (1 when none); past the last page is the last page (the list may have
    shrunk), and anything but a whole number of 1 or more is a 400 naming ``page``."""
    text = str(request.query_params.get("page") or "1")
    unsigned = text.removeprefix("-")
    digits = digits_value(unsigned)
    if digits is None and unsigned.isascii() and unsigned.isdecimal():  # more digits than are read
        if text.startswith("-"):
            given: object = int(text) if len(text) <= _SHOWN_DIGITS else text
            raise bad_query("page", range_reason("greater_than_equal", 1, given))
        digits = _FAR_PAGE  # a page past any last one
    if digits is None:
        raise bad_query("page", whole_number_reason(text))
    number = -digits if text.startswith("-") else digits
    if number < 1:
        raise bad_query("page", range_reason("greater_than_equal", 1, number))
    return number


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
    #: Why no search was made (a search text too long); the list is then empty.
    refused: str = ""

    def country_choices(self) -> list[tuple[str, str]]:
        """The country filter's choices: code and readable name."""
        return [(code, f"{country_name(code)} ({code})") for code in self.options.countries]

    def language_choices(self) -> list[tuple[str, str]]:
        """The language filter's choices: code and readable name."""
        return [(code, f"{language_name(code)} ({code})") for code in self.options.languages]


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


def search_label(kind: Kind) -> str:
    """The search box of a kind's listing, as the page labels it."""
    return "Search" if kind == "case" else "Name or words"


def refused_search(filters: Filters, kind: Kind) -> str:
    """Why the listing's search cannot be made ("" when it can): a text longer than the search box
    takes is refused naming the box, its limit and the length typed, not cut and searched for."""
    try:
        within_limit(filters.q, SEARCH_MAX, search_label(kind))
    except InvalidInputError as exc:
        return exc.message
    if kind == "case" and filters.q.strip() and not searchable(filters.q):
        # A ranked search for nothing would list every case study by noise (the API refuses it too).
        return f"{search_label(kind)}: {NO_WORDS}"
    return ""


def refused_listing(
    records: RecordService, principal: Principal, kind: Kind, filters: Filters, reason: str
) -> Listing:
    """The listing page of a search refused for ``reason``: the filters as given, and no records."""
    everything: list[Any] = list(records.visible_list(principal, kind))
    return Listing(
        kind=kind,
        items=[],
        total=0,
        page=1,
        pages=1,
        filters=filters,
        options=filter_options(everything),
        refused=reason,
    )


def load_listing(
    records: RecordService,
    matching: MatchingService,
    principal: Principal,
    kind: Kind,
    filters: Filters,
    *,
    page_no: int,
) -> Listing:
    """Filter (and for case studies with a query, rank) the records of a kind, and cut one page."""
    everything: list[Any] = list(records.visible_list(principal, kind))
    # The words typed are looked for in the records as this person is shown them: a focal point's
    # address typed into a summary is [redacted] for others, and finding the city by it would confirm
    # a guess. The records found are shown as they are (the answer is redacted on its way out).
    searched = {r.id: r for r in records.as_searched_by(principal, everything)} if filters.q else {}

    def found(items: list[Any], wanted: Filters) -> list[Any]:
        if not wanted.q:
            return apply_filters(items, wanted)
        hits = {r.id for r in apply_filters([searched[item.id] for item in items], wanted)}
        return [item for item in items if item.id in hits]

    scores: dict[str, float] = {}
    note = ""
    if kind == "case" and filters.q:
        unfiltered = dataclasses.replace(filters, q="")
        candidates = apply_filters(everything, unfiltered)
        ranked, scores, note = _ranked_by_search(matching, filters.q, candidates)
        chosen = ranked if scores else found(candidates, Filters(q=filters.q))
    else:
        chosen = found(everything, filters)
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


# --------------------------------------------------------------------------------------------------
# Suggestions


@dataclass
class SuggestionBlock:
    """One list of suggestions with a heading, or the reason it could not be computed."""

    key: str
    title: str
    items: list[Suggestion] = field(default_factory=list)
    problem: str = ""


Names = dict[str, dict[str, str]]


def _names(records: RecordService) -> Names:
    return {kind: {r.id: record_title(r) for r in records.list(kind)} for kind in KINDS}


@dataclass(frozen=True, slots=True)
class _Ask:
    """One question put to the matcher for a record's page, and the block its answer fills."""

    key: str
    title: str
    query: Callable[[Matcher, str, int], MatchResponse]
    top: int
    kind: Kind

    def block(self, matcher: Matcher, subject: str, names: Names) -> SuggestionBlock:
        """The answer as a block, or the reason it could not be given."""
        try:
            response = self.query(matcher, subject, self.top)
        except MatchmakerError as exc:
            return SuggestionBlock(self.key, self.title, problem=exc.message)
        return SuggestionBlock(self.key, self.title, items=suggestions_from(response, self.kind, names))


_PROVIDERS = _Ask("providers", "Suggested providers", Matcher.providers_for_city, SUGGESTIONS_TOP, "provider")
_CITIES = _Ask("cities", "Comparable and mentor cities", Matcher.cities_for_city, SUGGESTIONS_TOP * 2, "city")
_CASES = _Ask("cases", "Useful case studies", Matcher.cases_for_city, SUGGESTIONS_TOP, "case")
_MUNICIPALITIES = _Ask(
    "cities", "Suggested municipalities", Matcher.cities_for_provider, SUGGESTIONS_TOP * 2, "city"
)


def _for_city(matcher: Matcher, city_id: str, names: Names) -> list[SuggestionBlock]:
    """Providers, comparable and mentor cities, and useful case studies for a city."""
    cities = _CITIES.block(matcher, city_id, names)

    def related(key: str, title: str, mentor: bool) -> SuggestionBlock:
        items = [s for s in cities.items if (s.relation == "mentor") == mentor][:SUGGESTIONS_TOP]
        return SuggestionBlock(key, title, items=items, problem=cities.problem)

    return [
        _PROVIDERS.block(matcher, city_id, names),
        related("comparable", "Comparable cities", mentor=False),
        related("mentors", "Mentor cities", mentor=True),
        _CASES.block(matcher, city_id, names),
    ]


def _for_provider(matcher: Matcher, provider_id: str, names: Names) -> list[SuggestionBlock]:
    """Municipalities whose needs fit what a provider offers."""
    return [_MUNICIPALITIES.block(matcher, provider_id, names)]


@dataclass(frozen=True, slots=True)
class _Suggester:
    """The suggestion blocks of a kind's page, and the block shown when the matcher is not available."""

    blocks: Callable[[Matcher, str, Names], list[SuggestionBlock]]
    unavailable_key: str
    unavailable_title: str


_SUGGESTERS: dict[Kind, _Suggester] = {
    "city": _Suggester(_for_city, "all", "Suggestions"),
    "provider": _Suggester(_for_provider, "cities", "Suggested municipalities"),
}


def suggestions_for(
    records: RecordService, matching: MatchingService, kind: Kind, record_id: str
) -> list[SuggestionBlock] | None:
    """The suggestions on a record's page (none for case studies)."""
    suggester = _SUGGESTERS.get(kind)
    if suggester is None:
        return None
    names = _names(records)
    try:
        matcher = matching.matcher()
    except MatchmakerError as exc:
        return [SuggestionBlock(suggester.unavailable_key, suggester.unavailable_title, problem=exc.message)]
    return suggester.blocks(matcher, record_id, names)


# --------------------------------------------------------------------------------------------------
# Record pages


def record_title(record: PublicRecord) -> str:
    """What a record is called: a case study's title, the others' name."""
    return record.title if isinstance(record, CasePublic) else record.name


def load_record(
    records: RecordService, matching: MatchingService, principal: Principal, kind: Kind, record_id: str
) -> tuple[PublicRecord, list[SuggestionBlock] | None]:
    """A record as this principal may see it, with suggestions for staff and the city or provider itself.

    The confidential fields (a city's focal point) are shown to staff and to the city itself.
    """
    record = records.visible_get(principal, kind, record_id)
    allowed = visibility.may_suggest(principal, kind, record_id)
    suggestions = suggestions_for(records, matching, kind, record_id) if allowed else None
    return record, suggestions


# --------------------------------------------------------------------------------------------------
# One listing and one record page per kind


@dataclass(frozen=True, slots=True)
class KindPages:
    """What differs between the console pages of the record kinds."""

    kind: Kind
    title: str
    opt: Mapping[str, object]

    @property
    def plural(self) -> str:
        """The kind's plural word, the first segment of its pages' paths."""
        return PLURAL_OF[self.kind]

    @property
    def one(self) -> str:
        """The path of one record's page."""
        return f"/{self.plural}/{{{self.kind}_id:str}}"

    @property
    def dependencies(self) -> dict[str, Provide]:
        """The kind's path parameter (``city_id``) as the dependency ``record_id``, under the API's rule
        for an id: one no record can have (a NUL in it, say) is refused naming it, before any read."""
        return {"record_id": record_id_of(self.kind, RecordId)}


KIND_PAGES = (
    KindPages("city", "Cities", {}),
    KindPages("provider", "Providers", {}),
    KindPages("case", "Case studies", STAFF_AND_CITIES),
)


def kind_routes(spec: KindPages) -> list[HTTPRouteHandler]:
    """The listing with filters and the page of one record, for one kind."""

    # A filter given twice is refused naming it, as in the API, not read as one of its values.
    @get(f"/{spec.plural}", name=f"console:{spec.plural}", opt=spec.opt, guards=[single_query_values])
    async def listing_page(request: AnyRequest, records: Records, matching: Matching) -> Response[Any]:
        """The kind's records, with filters (and free-text search for case studies)."""
        principal = principal_of(request)
        filters = _filters(request)
        page_no = _page_number(request)
        refused = refused_search(filters, spec.kind)
        if refused:
            listing = await anyio.to_thread.run_sync(
                refused_listing, records, principal, spec.kind, filters, refused
            )
        else:
            listing = await anyio.to_thread.run_sync(
                lambda: load_listing(records, matching, principal, spec.kind, filters, page_no=page_no)
            )
        return page(
            "console/records.html",
            principal,
            status_code=HTTP_400_BAD_REQUEST if refused else HTTP_200_OK,
            flash={"kind": "error", "text": refused} if refused else None,
            title=spec.title,
            request_path=request.url.path,
            listing=listing,
            search_max=SEARCH_MAX,
            base_query=urlencode([(k, v) for k, v in request.query_params.items() if k != "page"]),
        )

    @get(spec.one, name=f"console:{spec.kind}", opt=spec.opt, dependencies=spec.dependencies)
    async def record_page(
        request: AnyRequest, records: Records, matching: Matching, record_id: RecordKey
    ) -> Response[Any]:
        """One record: its profile, the confidential fields and suggestions for those who may see them."""
        principal = principal_of(request)
        record, suggestions = await anyio.to_thread.run_sync(
            load_record, records, matching, principal, spec.kind, record_id
        )
        # Where staff land after saving the edit form. Anyone else opening that address (staff passed
        # it on) has saved nothing, and the notes are for staff: they name the fields marked internal.
        saved = principal.is_staff and request.query_params.get("saved") == "1"
        notes = await anyio.to_thread.run_sync(records.notes, spec.kind, record_id) if saved else []
        flash = {"kind": "ok", "text": "The changes were saved."} if saved else None
        if flash is not None and notes:
            # Stored as written, but it will not work as the writer expects: said once, here.
            flash = {"kind": "warn", "text": "The changes were saved. Note: " + "; ".join(notes)}
        return page(
            f"console/{spec.kind}.html",
            principal,
            flash=flash,
            title=record_title(record),
            request_path=request.url.path,
            facets=facets_of(record),
            suggestions=suggestions,
            own=principal.role == spec.kind and principal.subject_id == record.id,
            record=record,
        )

    return [listing_page, record_page]


ROUTES = [handler for spec in KIND_PAGES for handler in kind_routes(spec)]
