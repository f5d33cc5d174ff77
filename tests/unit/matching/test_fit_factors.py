"""A pair's context factors read from the fit table (each check's factor made once per pair of key
classes) are the factors the pair's own checks give, as each suggestion computed them before: the
same checks, multipliers and reasons, so the same scores and the same order, on hand-made profiles
and on the demo corpus."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from matchmaker.db.models import CityPublic, ProviderPublic
from matchmaker.matching.engine import Engine
from matchmaker.matching.fit import (
    CITY_CHECKS,
    PROVIDER_CHECKS,
    Check,
    Factor,
    FitTable,
    city_fit,
    combine,
    provider_fit,
    reference_factor,
)
from matchmaker.matching.profiles import Profile, city_profile, provider_profile
from matchmaker.services.container import Services
from services_support import demo_services

# --------------------------------------------------------------------------------------------------
# Hand-made profiles: every check passing, failing and not applying, and profiles whose keys are
# equal (one class) though their texts differ.

_CITIES = [
    ("AL", "en", 40000, "No capital budget for new systems. Working languages Albanian and English."),
    ("AL", "sq", 38000, "Nuk ka buxhet për investime. Gjuha e punës: shqip."),
    ("KZ", "ru", 1200000, "Winters are extremely cold. Data must stay on premises on municipal servers."),
    ("ME", "en", None, "Floods in the old town. Mobile coverage is poor and the internet is unreliable."),
    ("JO", "en", 250000, "Summers are extremely hot. An energy performance contract (ESCO) is preferred."),
    ("TR", "tr", 5000000, "Büyükşehir belediyesi. Trafik yönetimi ve akıllı ulaşım."),
    ("XK", "en", 40000, "No capital budget for new systems. Working languages Albanian and English. Again."),
    ("US", "en", 800, "A village with no stated constraint."),
]

_PROVIDERS = [
    (["sq", "en"], ["Western Balkans"], "Offered as a subscription, monthly fee. Works offline."),
    (["en"], ["Central Asia"], "Turnkey, one-time purchase. Cloud-hosted SaaS; needs a stable connection."),
    (["ru", "kk"], ["Kazakhstan", "Central Asia"], "On-premises installation, proven in extreme cold."),
    ([], [], "Flood sensors."),
    (["ar", "en"], ["MENA"], "Energy performance contracts (ESCO); proven in hot desert climates."),
    (["tr", "en"], ["global"], "Traffic management for metropolitan municipalities; on-premises or cloud."),
    (["sq", "en"], ["Western Balkans"], "Offered as a subscription, monthly fee. Works offline too."),
]

#: Countries of the providers' references (what the references check reads).
_REFERENCES = {"p0": ["AL", "XK"], "p2": ["KZ", "UZ"], "p4": ["TN"], "p5": ["TR", "DE"]}


def _hand_made() -> tuple[list[Profile], list[Profile]]:
    cities = [
        city_profile(
            CityPublic(
                id=f"c{k}", name=f"C{k}", country=country, summary=summary, population=pop, language=lang
            )
        )
        for k, (country, lang, pop, summary) in enumerate(_CITIES)
    ]
    providers = [
        provider_profile(
            ProviderPublic(
                id=f"p{k}",
                name=f"P{k}",
                country="TR",
                description=text,
                languages=langs,
                regions_served=regions,
            )
        )
        for k, (langs, regions, text) in enumerate(_PROVIDERS)
    ]
    return cities, providers


def _references_check(refs: dict[str, list[str]]) -> Check:
    return Check(
        "references",
        lambda c, p, w: reference_factor(c, refs.get(p.doc_id, []), w),
        lambda c: c.country,
        lambda p: tuple(refs.get(p.doc_id, ())),
        keys_of_profile=False,
    )


def _provider_fit_with_references(city: Profile, provider: Profile) -> list[Factor]:
    """The factors of a city and a provider as each suggestion computed them, one pair at a time."""
    factors = provider_fit(city, provider)
    ref = reference_factor(city, _REFERENCES.get(provider.doc_id, []))
    return [*factors, ref] if ref is not None else factors


def test_hand_made_pairs_get_the_factors_of_their_own_checks() -> None:
    cities, providers = _hand_made()
    seen: set[str] = set()
    for checks, candidates, one_pair in (
        ((*PROVIDER_CHECKS, _references_check(_REFERENCES)), providers, _provider_fit_with_references),
        (CITY_CHECKS, cities, city_fit),
    ):
        table = FitTable(checks, cities, candidates)
        # Twice, in two orders: a factor made for one pair is handed to the pairs of its classes.
        pairs = [(i, j) for i in range(len(cities)) for j in range(len(candidates))]
        for order in (pairs, pairs[::-1]):
            for i, j in order:
                expected = one_pair(cities[i], candidates[j])
                got = table.factors(i, j)
                assert got == expected, (i, j)
                assert table.row(i)[j] == pytest.approx(combine(got) if got else 1.0, abs=1e-12)
                seen |= {f.name for f in got}
        got = table.factors(0, 1)
        got.append(Factor("feedback", 1.1, "a rating"))  # a caller adding to its list changes no other
        assert table.factors(0, 1) == one_pair(cities[0], candidates[1])
    # The hand-made profiles reach the checks they are meant to.
    assert {c.name for c in PROVIDER_CHECKS} | {"references"} <= seen, seen


# --------------------------------------------------------------------------------------------------
# The demo corpus.


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    with demo_services(tmp_path_factory.mktemp("demo") / "home") as services:
        yield services


def _one_pair_at_a_time(engine: Engine) -> Callable[[FitTable, int, int], list[Factor]]:
    """:meth:`FitTable.factors` as suggestions computed their factors before: the checks of the two
    profiles themselves, for every pair asked about."""

    def factors(table: FitTable, i: int, j: int) -> list[Factor]:
        return engine.context_adjuster(table._queries[i], table._candidates[j], engine.config)

    return factors


def test_every_demo_pairs_factors_are_those_of_its_own_checks(demo: Services) -> None:
    engine = demo.matching.matcher().engine()
    cfg = engine.config
    cities = engine.kind("city")
    for kind in ("provider", "city"):
        target = engine.kind(kind)
        table = engine.fit_table(kind, cfg)
        assert table is not None
        for i, city in enumerate(cities.profiles):
            row = table.row(i)
            for j, candidate in enumerate(target.profiles):
                factors = table.factors(i, j)
                expected = engine.context_adjuster(city, candidate, cfg)
                assert factors == expected, (city.doc_id, candidate.doc_id)
                assert row[j] == pytest.approx(combine(factors) if factors else 1.0, abs=1e-12)


def test_every_demo_ranking_is_as_when_each_pair_was_checked_alone(
    demo: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    matcher = demo.matching.matcher()
    engine = matcher.engine()
    cities = list(engine.kind("city").ids)
    providers = list(engine.kind("provider").ids)

    def everything() -> list[object]:
        out: list[object] = []
        for city_id in cities:
            out.append(engine.rank_providers_for_city(city_id).all())
            out.append(engine.rank_cities_for_city(city_id).all())
        for provider_id in providers:
            out.append(engine.rank_cities_for_provider(provider_id).all())
        out.append(matcher.ranked_for_cities(cities, "provider", top=10))
        out.append(matcher.ranked_for_cities(cities, "city", top=5))
        return out

    now = everything()
    with monkeypatch.context() as patch:
        patch.setattr(FitTable, "factors", _one_pair_at_a_time(engine))
        before = everything()
    # Scored objects compare every field: ids in order, scores exactly, factors and their reasons.
    assert now == before
    assert any(item.factors for ranking in now[:2] for item in ranking)  # type: ignore[attr-defined]
