"""City context and provider offer extraction from free text."""

import pytest

from matchmaker.vocabulary import extract_context, extract_offer, find_populations, scale_for_population


@pytest.mark.parametrize(
    ("text", "population", "evidence"),
    [
        ("The municipality has a population of 45,000.", 45_000, "45,000"),
        ("Kamza has 120 000 residents.", 120_000, "120 000"),
        ("A metropolitan city of 1.2 million inhabitants.", 1_200_000, "1.2 million"),
        ("Город с населением 45 000 жителей.", 45_000, "45 000"),
        ("Население составляет 1,2 млн человек.", 1_200_000, "1,2 млн"),
        ("İlçemiz 45.000 nüfusa sahiptir.", 45_000, "45.000"),
        ("Belediyenin nüfusu 45 bin kişidir.", 45_000, "45 bin"),
        ("Une commune de 250 000 habitants.", 250_000, "250 000"),
        ("Bashkia ka rreth 47 mijë banorë.", 47_000, "47 mijë"),
        ("Grad ima oko 56.000 stanovnika.", 56_000, "56.000"),
        ("Population: 1,200,000", 1_200_000, "1,200,000"),
    ],
)
def test_population_is_read_in_the_forms_summaries_use(text: str, population: int, evidence: str) -> None:
    (first, *_) = find_populations(text)
    assert first.value == population
    assert first.span is not None
    assert text[first.span.start : first.span.end] == evidence


def test_money_and_areas_are_not_taken_for_population() -> None:
    text = "An investment of EUR 2 million covers 45 km2 of the city, home to 45,000 residents."
    assert [p.value for p in find_populations(text)] == [45_000]
    assert find_populations("The budget is 2 million euros.") == []


@pytest.mark.parametrize(
    ("population", "scale"),
    [(12_000, "scale_small"), (49_999, "scale_small"), (50_000, "scale_medium"), (450_000, "scale_large"),
     (1_000_000, "scale_metro")],
)  # fmt: skip
def test_scale_classes(population: int, scale: str) -> None:
    assert scale_for_population(population) == scale


def test_population_field_beats_numbers_in_text() -> None:
    ctx = extract_context("A town of 45,000 inhabitants.", population=320_000)
    assert ctx.scale is not None
    assert ctx.scale.term_id == "scale_large"
    assert ctx.scale.source == "field"


def test_english_city_summary_context_with_evidence() -> None:
    text = (
        "Kukës municipality (population of 45,000) has no capital budget; services must be paid monthly "
        "from the operating budget. Personal data must stay on our own servers. Internet is unstable in "
        "the mountain villages and winters are harsh, down to -30 °C. "
        "Working languages: Albanian and English."
    )
    ctx = extract_context(text)
    assert ctx.language == "en"
    assert ctx.needs_opex
    assert "bm_capex" not in ctx.acceptable_business_models
    assert "bm_saas" in ctx.acceptable_business_models
    assert ctx.on_premises_required
    assert ctx.poor_connectivity
    assert {t.term_id for t in ctx.climate} == {"climate_extreme_cold"}
    assert ctx.scale is not None
    assert (ctx.scale.term_id, ctx.scale.population, ctx.scale.source) == ("scale_small", 45_000, "text")
    assert [m.code for m in ctx.languages] == ["sq", "en"]
    (budget,) = ctx.budget
    assert "no capital budget" in budget.evidence(text)


def test_turkish_city_summary_context() -> None:
    text = (
        "Belediyemizin nüfusu 85 bin kişidir. Yatırım bütçemiz yok, ancak enerji performans sözleşmesi "
        "(ESCO) modeline açığız. Eski sistemler birbiriyle konuşmuyor. Bölge deprem bölgesinde yer alıyor."
    )
    ctx = extract_context(text)
    assert ctx.language == "tr"
    assert {"budget_no_capex", "budget_esco_ok"} <= {t.term_id for t in ctx.budget}
    assert "bm_esco" in ctx.acceptable_business_models
    assert ctx.has_legacy_systems
    assert "climate_seismic" in {t.term_id for t in ctx.climate}
    assert ctx.scale is not None
    assert ctx.scale.term_id == "scale_medium"


def test_russian_city_summary_context() -> None:
    text = (
        "Город с населением 1,2 млн человек. Зимой сильные морозы до минус 40. Данные должны храниться "
        "на собственных серверах. Финансирование возможно за счет грантов Всемирного банка."
    )
    ctx = extract_context(text)
    assert ctx.language == "ru"
    assert ctx.scale is not None
    assert ctx.scale.term_id == "scale_metro"
    assert "climate_extreme_cold" in {t.term_id for t in ctx.climate}
    assert ctx.on_premises_required
    assert "budget_grant_dependent" in {t.term_id for t in ctx.budget}


def test_french_and_albanian_city_summaries_context() -> None:
    fr = extract_context(
        "Commune de 30 000 habitants, sans budget d'investissement. Zones blanches sans internet dans les "
        "villages. Les inondations sont fréquentes."
    )
    assert fr.language == "fr"
    assert fr.needs_opex
    assert fr.poor_connectivity
    assert "climate_flood" in {t.term_id for t in fr.climate}
    sq = extract_context(
        "Bashkia ka rreth 47 mijë banorë. Nuk ka buxhet kapital dhe varet nga fondet e BE. "
        "Interneti është i dobët në fshatra dhe dimrat e ashpër sjellin borë të dendur."
    )
    assert sq.language == "sq"
    assert {"budget_no_capex", "budget_grant_dependent"} <= {t.term_id for t in sq.budget}
    assert sq.poor_connectivity
    assert "climate_extreme_cold" in {t.term_id for t in sq.climate}


def test_plain_summary_states_no_constraints() -> None:
    ctx = extract_context("The city wants to improve public transport and tourism services.")
    assert not ctx.budget
    assert not ctx.hosting
    assert not ctx.connectivity
    assert not ctx.climate
    assert ctx.scale is None
    assert len(ctx.acceptable_business_models) == 7


def test_provider_offer_context() -> None:
    text = (
        "We offer our parking platform as SaaS or on-premises in the customer's data centre. The mobile app "
        "works offline and synchronises later. Open APIs (REST, NGSI-LD). Deployed in municipalities from "
        "20,000 to 2 million inhabitants. Interfaces in Turkish, English and Russian."
    )
    offer = extract_offer(text, languages=["az"], business_models=["Revenue sharing"])
    assert {"bm_saas", "bm_revenue_share"} <= offer.business_model_ids
    structured = next(t for t in offer.business_models if t.term_id == "bm_revenue_share")
    assert structured.confidence == 1.0
    assert offer.offers_on_premises
    assert offer.offline_capable
    assert offer.integration
    assert {"scale_small", "scale_metro"} <= offer.scale_ids
    assert [m.code for m in offer.languages] == ["tr", "en", "ru", "az"]
    saas = next(t for t in offer.business_models if t.term_id == "bm_saas")
    assert saas.evidence(text) == ["SaaS"]


def test_offer_scales_from_deployment_populations() -> None:
    offer = extract_offer("Traffic management system.", deployed_populations=[15_000, 5_400_000])
    assert offer.scale_ids == {"scale_small", "scale_metro"}
