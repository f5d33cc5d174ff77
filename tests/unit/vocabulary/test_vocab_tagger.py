"""Tagging summaries with domains, obstacles and context facets, in several languages."""

import logging

import pytest

from matchmaker.vocabulary import Kind, Tag, merge_tags, resolve_label, tag_text


def _ids(tags: list[Tag]) -> set[str]:
    return {t.term_id for t in tags}


def _tag(tags: list[Tag], term_id: str) -> Tag:
    return next(t for t in tags if t.term_id == term_id)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Traffic congestion in the centre is severe and buses are always late.", {"mobility"}),
        ("Şehir merkezinde trafik sıkışıklığı ve otopark sorunu yaşanıyor.", {"mobility"}),
        ("В центре города постоянные пробки, не хватает парковок.", {"mobility"}),
        ("Le centre-ville souffre d'embouteillages quotidiens.", {"mobility"}),
        ("Qendra e qytetit ka probleme të mëdha me trafikun dhe parkimin.", {"mobility"}),
        ("Water losses in the old pipe network exceed 50%.", {"utilities_infrastructure"}),
        ("Kayıp kaçak oranı yüksek, içme suyu şebekesi eski.", {"utilities_infrastructure"}),
        ("Потери воды в системе водоснабжения превышают 40%.", {"utilities_infrastructure"}),
        ("Les pertes d'eau du réseau d'eau potable sont élevées.", {"utilities_infrastructure"}),
        ("Humbjet e ujit në rrjetin e ujësjellësit janë të larta.", {"utilities_infrastructure"}),
        ("Street lighting consumes a third of the municipal electricity bill.", {"energy_buildings"}),
        ("Sokak aydınlatması belediyenin en büyük enerji gideri.", {"energy_buildings"}),
        ("Уличное освещение потребляет много электроэнергии.", {"energy_buildings"}),
        ("Kvalitet vazduha je loš zbog grijanja na ugalj.", {"environment_climate"}),
        ("Квалитетот на воздухот е лош во зима.", {"environment_climate"}),
        ("تعاني المدينة من الازدحام المروري", {"mobility"}),
    ],
)
def test_domain_is_found_in_each_language(text: str, expected: set[str]) -> None:
    assert expected <= _ids(tag_text(text))


@pytest.mark.parametrize(
    ("text", "obstacle"),
    [
        ("There is no budget line for digital projects this year.", "funding"),
        ("The tender was cancelled twice after appeals.", "procurement"),
        ("Old systems don't talk to each other.", "technical_interoperability"),
        ("Our staff lack skills in GIS and data analysis.", "capacity_skills"),
        ("Residents distrust cameras in public spaces.", "citizen_acceptance"),
        ("We have no data on water consumption by district.", "data_availability"),
        ("Departments work in silos and do not share information.", "governance_silos"),
        ("Bütçemiz yok, ihale iki kez iptal edildi.", "funding"),
        ("Bütçemiz yok, ihale iki kez iptal edildi.", "procurement"),
        ("Birimler arası koordinasyon eksikliği var.", "governance_silos"),
        ("Не хватает квалифицированных кадров в ИТ-отделе.", "capacity_skills"),
        ("Тендер дважды отменяли, нет средств на софинансирование.", "funding"),
        ("Старые системы не интегрированы между собой.", "technical_interoperability"),
        ("Manque de financement et absence de données fiables.", "funding"),
        ("Manque de financement et absence de données fiables.", "data_availability"),
        ("L'appel d'offres a été déclaré infructueux.", "procurement"),
        ("Mungesa e fondeve dhe mungesa e stafit të kualifikuar.", "funding"),
        ("Mungesa e fondeve dhe mungesa e stafit të kualifikuar.", "capacity_skills"),
        ("Sistemet e vjetra nuk komunikojnë me njëra-tjetrën.", "technical_interoperability"),
        ("Nedostatak sredstava i nema podataka o potrošnji.", "funding"),
        ("Nedostatak sredstava i nema podataka o potrošnji.", "data_availability"),
        ("Недостатак средстава за пројекте.", "funding"),
    ],
)
def test_obstacles_are_found_from_problem_paraphrases(text: str, obstacle: str) -> None:
    tags = tag_text(text)
    assert obstacle in _ids(tags)
    assert _tag(tags, obstacle).kind is Kind.OBSTACLE


def test_evidence_spans_point_at_the_paraphrase_in_the_original_text() -> None:
    text = "Kukës has grown. The tender was cancelled twice. Old systems don't talk to each other."
    tags = tag_text(text)
    assert _tag(tags, "procurement").evidence(text) == ["tender was cancelled twice"]
    assert "don't talk to each other" in _tag(tags, "technical_interoperability").evidence(text)


def test_evidence_spans_survive_transliteration() -> None:
    text = "Щучинск: серьёзные пробки в центре."
    tags = tag_text(text)
    (span,) = _tag(tags, "mobility").spans
    assert text[span.start : span.end] == "пробки"


def test_confidence_grows_with_more_evidence_and_stays_in_unit_interval() -> None:
    one = _tag(tag_text("Traffic is a problem."), "mobility").confidence
    more = _tag(
        tag_text("Traffic congestion, parking and public transport are problems."), "mobility"
    ).confidence
    assert 0.0 < one < more <= 1.0


def test_one_mention_in_a_long_text_counts_less_than_in_a_short_one() -> None:
    short = _tag(tag_text("Flooding is frequent."), "climate_flood").confidence
    filler = " The council met and discussed the agenda of the coming season in detail." * 40
    long = _tag(tag_text("Flooding is frequent." + filler), "climate_flood").confidence
    assert long < short


def test_unrelated_festival_paragraph_gets_no_obstacle_and_no_domain() -> None:
    text = (
        "Every July the summer festival fills the old town square with music, food stalls and dancing. "
        "Families come from all over the region to enjoy the concerts, and local choirs perform "
        "traditional songs until late at night."
    )
    tags = tag_text(text)
    assert not [t for t in tags if t.kind in (Kind.OBSTACLE, Kind.DOMAIN)]


def test_no_tags_for_empty_text() -> None:
    assert tag_text("") == []
    assert tag_text("   ") == []


def test_negated_capital_budget_is_not_a_capital_budget() -> None:
    assert "budget_has_capex" not in _ids(tag_text("Нет средств на капитальные вложения."))
    assert "budget_has_capex" not in _ids(tag_text("Yatırım bütçesi yok."))
    assert "budget_has_capex" in _ids(tag_text("An investment budget of EUR 2 million has been allocated."))


def test_language_hint_restricts_cues_but_keeps_english_terms() -> None:
    text = "Belediyemizde GIS ve trafik yönetimi eksik."
    ids = _ids(tag_text(text, language="tr"))
    assert {"mobility", "data_platforms_gis"} <= ids


def test_structured_fields_take_precedence_with_full_confidence() -> None:
    text = "Traffic congestion is a daily problem. Budget is limited."
    merged = merge_tags({"priorities": ["Mobility"], "challenges": ["procurement"]}, tag_text(text))
    by_id = {t.term_id: t for t in merged}
    assert by_id["mobility"].confidence == 1.0
    assert by_id["mobility"].source == "structured"
    assert by_id["mobility"].spans  # text evidence kept for the explanation
    assert by_id["procurement"].confidence == 1.0
    assert by_id["funding"].source == "text"
    assert merged[0].confidence == 1.0


def test_structured_labels_are_mapped_to_the_closest_term() -> None:
    assert (term := resolve_label("smart mobility")) is not None
    assert term.id == "mobility"
    assert (term := resolve_label("Data-availability", [Kind.OBSTACLE])) is not None
    assert term.id == "data_availability"
    assert (term := resolve_label("lack of qualified staff", [Kind.OBSTACLE])) is not None
    assert term.id == "capacity_skills"
    assert (term := resolve_label("Replicate & scale up", [Kind.STAGE])) is not None
    assert term.id == "replicate_scale"


def test_unknown_structured_label_is_ignored_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="matchmaker.vocabulary.tagger"):
        merged = merge_tags({"domains": ["zzqx"]}, [])
    assert merged == []
    assert "zzqx" in caplog.text


def test_everyday_paraphrases_of_obstacles_in_a_city_summary() -> None:
    text = (
        "An IT office of two people supports all departments. Nobody has a complete list of buildings. "
        "The tourism office has no idea how many visitors come. The municipality cannot finance a "
        "replacement itself. Substations from different suppliers cannot be read from one place."
    )
    ids = _ids(tag_text(text, language="en"))
    assert {"capacity_skills", "data_availability", "funding", "technical_interoperability"} <= ids


def test_compiling_every_cue_up_front_changes_no_tag() -> None:
    from matchmaker.vocabulary.tagger import compile_cues, tag_text

    text = "Most rural streets have no official names, and the bus schedule is on paper only."
    before = tag_text(text, language="en")
    assert compile_cues() > 1000
    assert tag_text(text, language="en") == before
