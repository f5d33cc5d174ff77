"""The packaged vocabulary: the terms DOMAIN.md names, each defined, each with multilingual cues."""

from matchmaker.vocabulary import Kind, get_term, load_vocabulary, tag_text, terms_of_kind

DOMAINS = {
    "energy_buildings", "mobility", "environment_climate", "governance_eservices", "data_platforms_gis",
    "ict_connectivity", "cybersecurity", "safety_disaster", "planning_space", "people_health_social",
    "economy_tourism", "utilities_infrastructure",
}  # fmt: skip
OBSTACLES = {
    "funding", "business_model", "procurement", "legal_regulatory", "privacy_security",
    "leadership_political", "governance_silos", "capacity_skills", "technical_interoperability",
    "data_availability", "citizen_acceptance", "monitoring_evidence",
}  # fmt: skip
STAGES = {"assess", "vision", "decide_commit", "plan", "do", "check", "act", "replicate_scale"}


def test_vocabulary_has_exactly_the_domain_obstacle_and_stage_terms_of_the_programme() -> None:
    assert {t.id for t in terms_of_kind(Kind.DOMAIN)} == DOMAINS
    assert {t.id for t in terms_of_kind(Kind.OBSTACLE)} == OBSTACLES
    assert {t.id for t in terms_of_kind(Kind.STAGE)} == STAGES
    assert [t.id for t in terms_of_kind(Kind.MATURITY)] == ["L1", "L2", "L3", "L4", "L5"]


def test_every_term_has_a_label_and_a_definition() -> None:
    for term in load_vocabulary().terms:
        assert term.label.strip(), term.id
        assert len(term.definition) > 30, term.id


def test_maturity_levels_keep_a_field_for_the_ministry_model() -> None:
    for term in terms_of_kind(Kind.MATURITY):
        assert "ministry_model" in term.mapping


def test_domains_and_obstacles_have_cues_in_the_priority_languages() -> None:
    for term in (*terms_of_kind(Kind.DOMAIN), *terms_of_kind(Kind.OBSTACLE)):
        assert {"en", "tr", "ru", "fr", "sq", "sh", "ar"} <= term.languages, term.id


def test_context_facets_cover_budget_hosting_connectivity_legacy_climate_and_scale() -> None:
    for term_id in (
        "budget_no_capex", "budget_esco_ok", "budget_grant_dependent", "budget_has_capex", "bm_capex",
        "bm_saas", "bm_esco", "bm_ppp", "bm_grant", "bm_open_source", "bm_revenue_share",
        "hosting_on_premises", "hosting_cloud", "connectivity_poor", "offline_capable", "legacy_systems",
        "climate_extreme_cold", "climate_extreme_heat", "climate_flood", "climate_seismic",
        "scale_small", "scale_medium", "scale_large", "scale_metro", "scale_national",
    ):  # fmt: skip
        term = get_term(term_id)
        assert term is not None, term_id
        assert term.kind.is_context


def test_each_term_label_finds_its_own_term_in_english_text() -> None:
    # A definition-like sentence naming the term should be recognised by the cues.
    for term_id, sentence in {
        "mobility": "Traffic congestion and public transport.",
        "cybersecurity": "Cybersecurity of municipal systems.",
        "procurement": "Public procurement rules.",
        "climate_flood": "The city is exposed to floods.",
    }.items():
        assert term_id in {t.term_id for t in tag_text(sentence)}
