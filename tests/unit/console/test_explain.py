"""Explanations shown readably: needs with their answering passage, tags, context factors."""

from __future__ import annotations

from types import SimpleNamespace

from matchmaker.web.console.explain import readable, shared_words, suggestions_from
from matchmaker.web.console.render import environment, highlight

EXPLANATION = {
    "summary": "need “Public lighting…” ↔ capability “We finance LED lighting…”",
    "needs": [
        {
            "need": {
                "field": "summary",
                "start": 0,
                "end": 40,
                "text": "Public lighting uses old sodium lamps.",
            },
            "match": {
                "field": "description",
                "start": 3,
                "end": 50,
                "text": "We replace sodium lamps with LED.",
            },
            "similarity": 0.41,
            "tags": ["Energy and buildings"],
        }
    ],
    "shared_tags": [{"term": "energy_buildings", "label": "Energy and buildings", "confidence": 0.7}],
    "context": [
        {"factor": "scale", "multiplier": 0.85, "effect": "-15%", "detail": "city is Small"},
        {"factor": "budget", "multiplier": 1.03, "effect": "+3%", "detail": "ESCO fits"},
        {"factor": "language", "multiplier": 1.0, "effect": "+0%", "detail": "works in en"},
    ],
    "relation": "mentor",
    "mentor_case": {"id": "case-x", "title": "Case X", "score": 0.8},
    "relevance": 0.5,
    "novel_key": "kept for staff",
}


def test_needs_are_paired_with_the_passage_that_answers_them() -> None:
    s = readable("acme", "provider", "Acme", 0.49, EXPLANATION)
    assert s.reason.startswith("need")
    [need] = s.needs
    assert need.need is not None
    assert need.need.text.startswith("Public lighting")
    assert need.match is not None
    assert need.match.source == "description"
    assert "sodium" in need.match.phrases
    assert "lamps" in need.match.phrases
    assert need.similarity == 0.41


def test_tags_context_relation_and_unknown_keys_are_kept() -> None:
    s = readable("ferizaj", "city", "Ferizaj", 0.8, EXPLANATION)
    assert s.tags == ["Energy and buildings"]
    assert [(f.name, f.effect, f.good) for f in s.context] == [
        ("scale", "-15%", False),
        ("budget", "+3%", True),
        ("language", "+0%", None),
    ]
    assert s.relation == "mentor"
    assert s.mentor_case == ("case-x", "Case X")
    assert ("novel key", "kept for staff") in s.details


def test_a_missing_or_odd_explanation_still_renders() -> None:
    s = readable("x", "case", "X", 0.1, None)
    assert s.needs == []
    assert s.tags == []
    assert s.context == []
    odd = readable("x", "case", "X", 0.1, {"needs": ["text only", {"need": 3}], "context": "n/a"})
    assert odd.context == []


def test_suggestions_from_a_response_use_result_names() -> None:
    response = SimpleNamespace(
        results=[SimpleNamespace(id="kukes", score=0.5, explanation={}, name="Kukës")],
    )
    [s] = suggestions_from(response, "city", {})
    assert (s.id, s.name, s.score) == ("kukes", "Kukës", 0.5)


def test_shared_words_ignore_case_accents_and_common_words() -> None:
    assert shared_words("Ağ altyapısı ve SOKAK aydınlatması", "Sokak aydinlatmasi for the city") == (
        "Sokak",
        "aydinlatmasi",
    )


def test_highlight_escapes_text_and_marks_phrases_and_spans() -> None:
    html = str(highlight("<b>Kukës</b> lamps & LED lamps", ["lamps"], [(3, 8)]))
    assert "<b>" not in html
    assert html.count("<mark>") == 3
    assert "&amp;" in html
    assert "<mark>Kukës</mark>" in html


def test_a_quote_not_in_english_shows_its_english_gloss() -> None:
    note = "English gloss from key words, role and topics; not a translation"
    explanation = {
        "summary": "need “Kırsal kesimdeki sokakların…” [en gloss: need — rural street name]",
        "needs": [
            {
                "need": {
                    "field": "summary",
                    "text": "Kırsal kesimdeki sokakların çoğunun resmî bir adı yok.",
                    "gloss": "need — rural street name",
                    "gloss_note": note,
                },
                "match": {"field": "description", "text": "Street naming and house numbers."},
                "similarity": 0.6,
            }
        ],
    }
    s = readable("prov-adresa-lab", "provider", "Adresa Lab", 0.5, explanation)
    [need] = s.needs
    assert need.need is not None
    assert need.need.gloss == "need — rural street name"
    assert need.match is not None
    assert need.match.gloss == ""
    html = (
        environment()
        .from_string('{% from "console/macros.html" import suggestion_item %}{{ suggestion_item(s, none) }}')
        .render(s=s)
    )
    assert "English gloss (not a translation):</small> need — rural street name" in html
    assert html.count("English gloss (not a translation)") == 1
    assert note in html


def _rendered(s: object) -> str:
    return (
        environment()
        .from_string('{% from "console/macros.html" import suggestion_item %}{{ suggestion_item(s, none) }}')
        .render(s=s)
    )


def test_a_passage_that_is_not_a_need_is_introduced_by_its_role() -> None:
    explanation = {
        "needs": [
            {
                "need": {"field": "summary", "text": "Most streets have no names.", "role": "need"},
                "match": {"field": "solution:0", "text": "Street naming and house numbers."},
            },
            {
                "need": {"field": "summary", "text": "The council has 31 members.", "role": "background"},
                "match": {"field": "summary", "text": "A council of 41 members."},
            },
        ],
    }
    html = _rendered(readable("ferizaj", "city", "Ferizaj", 0.5, explanation))
    assert "Need 1" in html
    assert "The need, as stated" in html
    assert "Background 2" in html
    assert "Background, as stated (weighs little)" in html
    assert html.count("The need, as stated") == 1
    assert "(solution 1)" in html
    assert "solution:0" not in html


def test_a_passage_on_another_topic_is_not_shown_as_answering_the_need() -> None:
    """A fare-card offer is the closest a provider has to a waste-collection need, but it does not
    answer it: the page says so instead of 'What answers it'."""
    explanation = {
        "needs": [
            {
                "need": {"field": "summary", "text": "Waste trucks run fixed routes.", "role": "need"},
                "match": {"field": "solution:0", "text": "Contactless cards on validators."},
                "similarity": 0.42,
                "tags": [],
            },
            {
                "need": {"field": "summary", "text": "Nobody knows when the bus comes.", "role": "need"},
                "match": {"field": "description", "text": "Bus arrival prediction."},
                "similarity": 0.51,
                "tags": ["Mobility and transport"],
            },
        ],
    }
    html = _rendered(readable("cahul", "city", "Cahul", 0.1, explanation))
    assert html.count("What answers it") == 1
    assert html.count("Closest passage (no topic in common)") == 1
    assert html.index("Closest passage") < html.index("What answers it")


MENTOR = {
    "summary": "Mentor: its case study “Ferizaj: giving every house an address” answers the need “Most…”",
    "needs": [
        {
            "need": {"field": "summary", "text": "Most rural streets have no names.", "role": "need"},
            "match": {"field": "summary", "text": "Linjat e autobusëve operohen nga kompani private."},
            "similarity": 0.32,
            "tags": ["Mobility and transport"],
        }
    ],
    "relation": "mentor",
    "mentor_case": {
        "id": "case-ferizaj-addresses",
        "title": "Ferizaj: giving every house an address",
        "score": 0.55,
        "needs": [
            {
                "need": {"field": "summary", "text": "Most rural streets have no names.", "role": "need"},
                "match": {"field": "text", "text": "40% of Ferizaj's streets had no official name."},
                "similarity": 0.62,
                "tags": ["Data availability and quality"],
                "on_topic": True,
            }
        ],
    },
    "shared_providers": {"similarity": 0.51, "ids": ["prov-geoatlas", "prov-adresa-lab"]},
}


def test_a_mentor_is_shown_with_the_passage_of_its_case_study_that_answers_the_need() -> None:
    """The reason says the mentor's case study answers the need: the need is shown against that case
    study's passage, not against an unrelated line of the mentor city's summary (its buses)."""
    s = readable("ferizaj", "city", "Ferizaj", 0.53, MENTOR)
    [need] = s.needs
    assert need.need is not None
    assert need.need.text == "Most rural streets have no names."
    assert need.match is not None
    assert need.match.text == "40% of Ferizaj's streets had no official name."
    assert need.match.source == "case study “Ferizaj: giving every house an address”, text"
    assert need.similarity == 0.62


def test_providers_suggested_to_both_cities_are_named_not_listed_by_id() -> None:
    names = {"prov-geoatlas": "GeoAtlas Bilişim", "prov-adresa-lab": "Adresa Lab"}
    s = readable("ferizaj", "city", "Ferizaj", 0.53, MENTOR, providers=names)
    assert [(f.name, f.detail) for f in s.context] == [
        ("providers", "suggested for both: GeoAtlas Bilişim, Adresa Lab")
    ]
    assert all("prov-" not in value for _, value in s.details)
    assert not any(key.startswith(("shared providers", "mentor")) for key, _ in s.details)


def test_a_mentor_through_a_strength_of_its_summary_shows_that_strength() -> None:
    strength = {
        "need": {"field": "summary", "text": "Nobody counts the visitors.", "role": "need"},
        "match": {"field": "summary", "text": "La médina reçoit des centaines de milliers de visiteurs."},
        "score": 0.12,
    }
    exp = {"relation": "mentor", "needs": [], "mentor_strength": strength}
    s = readable("fes", "city", "Fès", 0.4, exp)
    [need] = s.needs
    assert need.match is not None
    assert need.match.text.startswith("La médina")
    assert s.details == []


def test_a_comparable_city_with_a_case_study_is_not_called_a_mentor() -> None:
    """A comparable city whose case study is not enough to make it a mentor is listed under the
    comparable cities; its card names the case study as related, never as what makes it a mentor."""
    case = {"id": "case-tuzla-led", "title": "Tuzla: street lighting paid by the savings", "score": 0.28}
    exp = {"summary": "Comparable city; shared: Funding", "relation": "comparable", "mentor_case": case}
    html = _rendered(readable("tuzla", "city", "Tuzla", 0.47, exp))
    assert "Mentor" not in html
    assert "Related case study" in html
    assert 'href="/cases/case-tuzla-led"' in html


def test_a_mentor_through_a_strength_is_not_said_to_be_one_through_its_case_study() -> None:
    """When a city is a mentor through a strength of its summary (which outweighs its case study), its
    card does not say it is a mentor through the case study."""
    strength = {
        "need": {"field": "summary", "text": "Nobody counts the visitors.", "role": "need"},
        "match": {"field": "summary", "text": "La médina reçoit des centaines de milliers de visiteurs."},
        "score": 0.5,
    }
    case = {"id": "case-fes-signs", "title": "Fès: signposting the medina", "score": 0.2}
    exp = {"relation": "mentor", "needs": [], "mentor_strength": strength, "mentor_case": case}
    html = _rendered(readable("fes", "city", "Fès", 0.5, exp))
    assert "Mentor through the case study" not in html
    assert "Related case study" in html


def test_a_mentor_through_its_case_study_says_so() -> None:
    html = _rendered(readable("ferizaj", "city", "Ferizaj", 0.53, MENTOR))
    assert "Mentor through the case study" in html
    assert "Related case study" not in html


def test_a_city_pairs_composition_is_read_in_the_reason_not_dumped_under_more_details() -> None:
    """The score's composition is stated by the summary; the console listed the raw parts again under
    "more details" as one long line of keys and numbers."""
    composed = {
        "parts": [
            {
                "part": "comparable",
                "share": 0.5,
                "value": 0.33,
                "relevance": 0.38,
                "context": ["region -15%"],
            },
            {"part": "shared providers", "share": 0.5, "value": 1.0},
        ],
        "score": 0.66,
    }
    summary = (
        "Comparable city; score 0.66 = 50% × comparable 0.33 (relevance 0.38, context -15%: region -15%)"
    )
    s = readable(
        "kent", "city", "Kent", 0.66, {"summary": summary, "relation": "comparable", "composition": composed}
    )
    assert s.reason == summary
    assert [label for label, _ in s.details] == []
