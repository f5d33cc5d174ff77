"""The event's participants page at the size of a large event: it reads what it needs in a fixed number
of queries however many cities take part, and suggests what each city's own suggestions say."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from console_support import Client, add_event, app_services
from sqlmodel import select

from matchmaker.db.models import City
from matchmaker.services.container import Services
from matchmaker.services.events.schemas import FeedbackIn
from matchmaker.web.console.events import SUGGESTIONS_PER_CITY, load_participants
from services_support import statements

AFTER = datetime(2038, 6, 1, tzinfo=UTC)  # after every event of these tests


def _cities(services: Services, count: int) -> list[str]:
    with services.database.unit_of_work() as session:
        return sorted(session.exec(select(City.id)))[:count]


def _rated_earlier(client: Client, city: str, provider: str) -> None:
    """``city`` met ``provider`` at an earlier event and rated the meeting, which moves the pair's
    score in ``city``'s suggestions."""
    services = app_services(client)
    add_event(client, "earlier", [city, provider], slots=1)
    services.planner.generate("earlier", score=lambda _a, _b: 0.5, time_limit=5)
    services.planner.publish("earlier")
    with services.database.unit_of_work() as session:
        services.events(session).feedback.record(
            "earlier", FeedbackIn(rater=city, other=provider, rating="cooperation_possible"), now=AFTER
        )


def test_participants_page_reads_as_many_statements_for_many_cities_as_for_few(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    cities = _cities(services, 12)
    _rated_earlier(client, cities[0], "prov-enerko-esco")
    add_event(client, "few", cities[:2])
    add_event(client, "many", cities)
    sign_in("staff")
    counts = {}
    for event_id in ("few", "many"):
        client.get(f"/events/{event_id}")  # the matcher is built by the first page that asks
        # the index's generations are read at most once a second, whatever the page: not counted
        with statements(services, where=lambda sql: "index_generation" not in sql) as sent:
            page = client.get(f"/events/{event_id}")
        assert page.status_code == 200
        assert 'id="suggested-providers"' in page.text
        counts[event_id] = len(sent)
    assert counts["many"] == counts["few"], counts


Suggested = list[tuple[str, float, list[str]]]


def _one_city_at_a_time(
    services: Services, city_ids: list[str], present: set[str], names: dict[str, str]
) -> tuple[Suggested, Suggested]:
    """The suggestions as each city's own suggestions (its providers, its comparable and mentor
    cities), asked one city at a time, give them: the best score over the cities and the cities'
    words in their order, best first (ties by name)."""
    matcher = services.matching.matcher()
    providers: dict[str, tuple[float, list[str]]] = {}
    cities: dict[str, tuple[float, list[str]]] = {}
    for city in city_ids:
        for r in matcher.providers_for_city(city, top=SUGGESTIONS_PER_CITY).results:
            if r.id not in present:
                score, reasons = providers.get(r.id, (0.0, []))
                said = f"{names[city]} ({round(r.score * 100)}%)"
                providers[r.id] = (max(score, r.score), [*reasons, said])
        for r in matcher.cities_for_city(city, top=SUGGESTIONS_PER_CITY // 2).results:
            if r.id not in present:
                score, reasons = cities.get(r.id, (0.0, []))
                relation = (r.explanation or {}).get("relation") or "comparable"
                cities[r.id] = (max(score, r.score), [*reasons, f"{relation} to {names[city]}"])

    def best_first(found: dict[str, tuple[float, list[str]]]) -> Suggested:
        rows = [(doc_id, score, reasons) for doc_id, (score, reasons) in found.items()]
        return sorted(rows, key=lambda row: (-row[1], names[row[0]]))

    return best_first(providers), best_first(cities)


def test_participants_page_suggests_what_each_citys_own_suggestions_say(client: Client) -> None:
    services = app_services(client)
    cities = _cities(services, 6)
    _rated_earlier(client, cities[1], "prov-enerko-esco")
    add_event(client, "summit", [*cities, "prov-kentiz-ulasim"])
    with services.database.unit_of_work() as session:
        events, records = services.events(session), services.records(session)
        view = load_participants(events, records, services.matching, "summit")
    names = {c.id: c.name for c in [*view.all_cities, *view.all_providers, *view.participants]}
    present = {p.id for p in view.participants}
    providers, comparable = _one_city_at_a_time(services, cities, present, names)
    assert view.problem == ""
    assert any("(" in reason for _, _, reasons in providers for reason in reasons)
    assert [(c.id, c.score, c.reasons) for c in view.suggested_providers] == providers
    assert [(c.id, c.score, c.reasons) for c in view.suggested_cities] == comparable
