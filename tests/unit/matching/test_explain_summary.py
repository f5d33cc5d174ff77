"""The one-line summary of a suggestion quotes a need only against a passage on the same topic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matchmaker.matching.explain import candidate_passage, on_topic, unglossed
from matchmaker.services.container import Services
from matchmaker.services.matching import Matcher
from matchmaker.settings import Settings
from services_support import demo_services, ingest


def _summaries(matcher: Matcher, city: str) -> dict[str, dict[str, Any]]:
    return {r.id: r.explanation for r in matcher.providers_for_city(city, top=50).results}


def _summaries_with(
    tiny_corpus: Path, settings: Settings, file: str, record: dict[str, Any], city: str
) -> dict[str, dict[str, Any]]:
    """The explanations of ``city``'s providers once ``record`` is added to the corpus's ``file``."""
    with (tiny_corpus / file).open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    assert ingest(settings, [tiny_corpus]).exit_code == 0
    services = Services.build(settings)
    try:
        return _summaries(services.matching.matcher(), city)
    finally:
        services.close()


def test_a_need_is_not_set_against_a_passage_on_another_topic(matcher: Matcher) -> None:
    """Rivo's river floods have nothing to do with a waste-route planner: its summary does not read
    'need “The river floods…” ↔ capability “Garbage truck routes…”' but says what the suggestion
    rests on."""
    exp = _summaries(matcher, "rivo")["prov-binroute"]
    assert exp["needs"]
    assert not any(on_topic(m) for m in exp["needs"])
    summary = exp["summary"]
    assert "↔" not in summary
    assert "floods" not in summary
    assert "similar overall description" in summary or "shared: " in summary


def test_a_need_on_the_candidates_topic_is_still_quoted(matcher: Matcher) -> None:
    exp = _summaries(matcher, "rivo")["prov-floodwatch"]
    summary = exp["summary"]
    assert "↔" in summary
    assert "floods" in summary


def test_every_quoted_pair_in_a_summary_shares_a_topic(matcher: Matcher) -> None:
    for city in ("lumen", "verde", "rivo", "kent"):
        for exp in _summaries(matcher, city).values():
            if "↔" not in exp["summary"]:
                continue
            quoted = [m for m in exp["needs"] if m["match"] and m["need"]["text"][:40] in exp["summary"]]
            assert quoted, exp["summary"]
            assert all(on_topic(m) for m in quoted), exp["summary"]


def test_the_quoted_passage_itself_must_be_on_the_needs_topic(
    tiny_corpus: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider that also does flood warning, whose passage closest to Rivo's need for an early
    warning system is about garbage routes: that passage is not what answers the need, though the
    provider as a whole is on its topic."""
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    mixed = {
        "id": "prov-mixed",
        "name": "Mixed Services",
        "country": "RS",
        "description": "Municipal services.",
        "solutions": [
            {
                "title": "Garbage routes",
                "description": "The town had a system for garbage trucks and bins, for an early start.",
            },
            {"title": "Sirens", "description": "Flood early warning sirens."},
        ],
    }
    exp = _summaries_with(tiny_corpus, settings, "providers.jsonl", mixed, "rivo")["prov-mixed"]
    warning = next(m for m in exp["needs"] if "early warning" in m["need"]["text"])
    assert "garbage" in warning["match"]["text"], "the closest passage is the garbage one"
    assert warning["tags"], "the provider as a whole carries the need's topic"
    assert not on_topic(warning)
    assert "garbage" not in exp["summary"]


def test_a_search_in_another_language_quotes_what_answers_it(matcher: Matcher) -> None:
    """A focal point searching the case studies in Turkish ("the street lamps are old, the electricity
    bill is very high") is told which passage of the lighting case answers the search, read through
    the search's English gloss, not 'similar overall description'."""
    result = matcher.search_cases("Sokak lambaları eski, elektrik faturası çok yüksek", top=3).results
    best = next(r for r in result if r.id == "case-verde-led")
    summary = best.explanation["summary"]
    assert "similar overall description" not in summary
    assert "Sokak lambaları eski" in summary
    assert "↔ case" in summary
    assert "[en gloss: " in summary
    assert on_topic(best.explanation["needs"][0])
    assert "Energy and buildings" in best.explanation["needs"][0]["tags"]


def test_an_english_passage_of_a_profile_in_another_language_has_no_gloss(
    tiny_corpus: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider describes itself in Albanian and its solution in English: the Albanian quote comes
    with an English gloss, the English one is quoted as written, without an 'English gloss' of it."""
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    provider = {
        "id": "prov-drita",
        "name": "Drita",
        "country": "XK",
        "description": "Ndriçim publik me llamba LED për komunat e vogla, i paguar nga kursimi i energjisë.",
        "solutions": [
            {
                "title": "Street lamps",
                "description": "Replace old sodium street lamps with LED lights, cut the electricity bill.",
            }
        ],
    }
    exp = _summaries_with(tiny_corpus, settings, "providers.jsonl", provider, "lumen")["prov-drita"]
    quoted = [m["match"] for m in exp["needs"] if m["match"]]
    english = [p for p in quoted if p["text"].startswith(("Replace old", "Street lamps"))]
    albanian = [p for p in quoted if p["text"].startswith("Ndriçim")]
    assert english or albanian
    assert all("gloss" not in p for p in english)
    assert all(p.get("gloss") for p in albanian)
    assert "[en gloss" not in exp["summary"] or "Ndriçim" in exp["summary"]


def test_a_quote_not_in_english_without_a_role_topic_or_glossary_word_still_says_what_it_is(
    tiny_corpus: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case study's Turkish sentence that no glossary word, role or topic describes is not quoted
    bare, as if staff could read it: its gloss names the language and says no key word was found."""
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    case = {
        "id": "case-umraniye",
        "title": "Ümraniye: afet bilgi haritası",
        "city": "Ümraniye",
        "country": "TR",
        "text": "Sokak aydınlatması eski lambalarla yapılıyordu. (Özet, örnek niteliğindedir.)",
    }
    with (tiny_corpus / "cases.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(case, ensure_ascii=False) + "\n")
    assert ingest(settings, [tiny_corpus]).exit_code == 0
    services = Services.build(settings)
    try:
        cases = services.matching.matcher().engine().kind("case")
        a, b = cases.bounds[cases.pos["case-umraniye"]]
        quotes = [candidate_passage(cases, row) for row in range(a, b)]
    finally:
        services.close()
    (bare,) = [q for q in quotes if q["text"] == "(Özet, örnek niteliğindedir.)"]
    assert bare["gloss"] == "Turkish text; no key word of it is in the glossary"
    assert bare["gloss_note"].startswith("English gloss")
    assert all(q.get("gloss") for q in quotes)
    # A passage whose language could not be identified is not said to be in "und".
    assert unglossed("und") == "Text in a language not identified; no key word of it is in the glossary"
    assert unglossed("") == unglossed("und")


def test_a_short_word_of_another_language_does_not_give_a_need_its_topic(matcher: Matcher) -> None:
    """Bosnian "su" ("are") is Turkish for water: a search about a locked server is not glossed or read
    as a water need and set against the garbage-collection case of a utilities company."""
    query = "Gradski server je bio zaključan; matične knjige su bile nedostupne dvije sedmice."
    for result in matcher.search_cases(query, top=3).results:
        assert not any(on_topic(m) for m in result.explanation["needs"]), result.id
        assert "↔" not in result.explanation["summary"]
        assert all("Utilities" not in " ".join(m["tags"]) for m in result.explanation["needs"])
        assert all("water" not in m["need"].get("gloss", "") for m in result.explanation["needs"])
        assert any("server" in m["need"].get("gloss", "") for m in result.explanation["needs"])


def test_a_need_not_in_english_is_read_through_its_gloss_beside_the_topics_of_its_own_words(
    tiny_corpus: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lamba writes in Turkish that its street lamps are old and there is no budget: its own words name
    funding; its gloss names street lighting, the topic of the lighting case that answers it, and not
    of a flood case that shares only the funding."""
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    city = {
        "id": "lamba",
        "name": "Lamba",
        "country": "TR",
        "language": "tr",
        "summary": "Sokak lambaları eski ve elektrik faturası çok yüksek; yenileme için bütçe yok.",
    }
    with (tiny_corpus / "cities.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(city, ensure_ascii=False) + "\n")
    assert ingest(settings, [tiny_corpus]).exit_code == 0
    services = Services.build(settings)
    try:
        results = services.matching.matcher().cases_for_city("lamba", top=5).results
    finally:
        services.close()
    explanations = {r.id: r.explanation for r in results}
    exp = explanations["case-verde-led"]
    assert "similar overall description" not in exp["summary"]
    assert "Sokak lambaları" in exp["summary"]
    assert "↔ case" in exp["summary"]
    assert any("Energy and buildings" in m["tags"] for m in exp["needs"])
    # The flood-warning case also overcame a lack of funding; that does not make it an answer to
    # old street lamps.
    flood = explanations["case-rivo-flood"]
    assert not any(on_topic(m) for m in flood["needs"])
    assert "↔" not in flood["summary"]


def test_a_search_is_quoted_as_the_search_not_as_a_strength_or_context(matcher: Matcher) -> None:
    """Whoever searches 'street lighting' reads 'search “street lighting” ↔ case …', not a role the
    matcher gives statements of a city ('strength “street lighting”')."""
    for query in ("street lighting", "Sokak lambaları eski, elektrik faturası çok yüksek"):
        best = matcher.search_cases(query, top=1).results[0]
        summary = best.explanation["summary"]
        assert summary.startswith(f"search “{query[:20]}"), summary
        assert not summary.startswith(("strength", "context", "background", "need"))
        assert "[en gloss: strength" not in summary
        assert "[en gloss: context" not in summary
        assert "[en gloss: background" not in summary


def test_a_need_in_a_language_the_tagger_has_no_cues_for_is_read_through_its_gloss(
    tiny_corpus: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cahul writes in Romanian that its waste is collected by old trucks on fixed routes. The tagger
    has no Romanian cues, and the glossary's words come in Romanian order ("collection waste"): the
    waste-route planner's explanation still names the need's topic in its gloss and quotes the need
    against the planner's passage, not 'similar overall description'."""
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    city = {
        "id": "cahul",
        "name": "Cahul",
        "country": "MD",
        "language": "ro",
        "summary": (
            "Colectarea deșeurilor se face cu mașini vechi pe trasee fixe; containerele se umplu inegal."
        ),
    }
    exp = _summaries_with(tiny_corpus, settings, "cities.jsonl", city, "cahul")["prov-binroute"]
    need = exp["needs"][0]["need"]
    assert need["text"].startswith("Colectarea deșeurilor")
    assert "environment and climate" in need["gloss"], need["gloss"]
    assert on_topic(exp["needs"][0])
    assert "similar overall description" not in exp["summary"]
    assert "Colectarea deșeurilor" in exp["summary"]
    assert "↔ capability" in exp["summary"]


def test_matching_reads_a_passage_not_in_english_through_the_gloss_its_explanation_shows(
    tiny_corpus: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A French city writes "L'éclairage public": matching reads it as street lighting, as the gloss
    staff see says, not only as "public". A Bosnian city writes "serveri su bili zaključani" ("the
    servers were locked"): matching does not read the word "su" ("are") as Turkish water, which the
    gloss staff see leaves out too. What matching reads is the glossary's words of what staff see."""
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    cities = [
        {
            "id": "fleur",
            "name": "Fleur",
            "country": "TN",
            "language": "fr",
            "summary": "L'éclairage public est vétuste.",
        },
        {
            "id": "most",
            "name": "Most",
            "country": "BA",
            "language": "bs",
            "summary": "Gradski serveri su bili zaključani dvije sedmice.",
        },
    ]
    with (tiny_corpus / "cities.jsonl").open("a", encoding="utf-8") as out:
        for city in cities:
            out.write(json.dumps(city, ensure_ascii=False) + "\n")
    assert ingest(settings, [tiny_corpus]).exit_code == 0
    services = Services.build(settings)
    try:
        index = services.matching.matcher().engine().kind("city")
        stored = {
            doc_id: [(index.glosses[r], candidate_passage(index, r).get("gloss", "")) for r in range(a, b)]
            for doc_id, (a, b) in zip(index.ids, index.bounds, strict=True)
            if doc_id in ("fleur", "most")
        }
    finally:
        services.close()
    assert stored["fleur"]
    assert stored["most"]
    for read, shown in stored["fleur"] + stored["most"]:
        assert read
        assert shown.endswith(f" — {read}"), (read, shown)
    assert any("street lighting" in read for read, _ in stored["fleur"])
    assert not any("water" in read for read, _ in stored["most"])
    assert any("server" in read for read, _ in stored["most"])


def test_a_comparable_city_is_not_said_to_score_by_a_mentor_case(home: Path) -> None:
    """A city whose case study scores above the comparable part, without making it a mentor (the case
    overcame none of the asking city's obstacles), read "Comparable city; ...; score 0.45 = 50% ×
    mentor case 0.16 + ...": a comparable city and a mentor at once. Its summary names the part as its
    case study; a mentor's stays "mentor case"."""
    seen = {"comparable": 0, "mentor": 0}
    with demo_services(home) as services:
        matcher = services.matching.matcher()
        with services.database.unit_of_work() as session:
            cities = [r.id for r in services.records(session).list("city")]
        for city in cities:
            for result in matcher.cities_for_city(city, top=100).results:
                exp = result.explanation
                if exp["composition"]["parts"][0]["part"] != "mentor case":
                    continue
                seen[exp["relation"]] += 1
                if exp["relation"] == "comparable":
                    assert exp["summary"].startswith("Comparable city")
                    assert "mentor" not in exp["summary"], exp["summary"]
                    assert " × its case study " in exp["summary"], exp["summary"]
                else:
                    assert " × mentor case " in exp["summary"], exp["summary"]
    assert seen["comparable"], seen
    assert seen["mentor"], seen
