"""Passages keep exact offsets into their field text, whatever the language or layout."""

from __future__ import annotations

import itertools

import pytest

from matchmaker.db.models import ProviderPublic, SolutionPublic
from matchmaker.embeddings.passages import (
    corpus_hash,
    document_hash,
    field_text,
    record_passages,
    split_spans,
)

TEXTS = {
    "english": "Kukës is a small city in northern Albania. It has 47,000 inhabitants, e.g. in the old town. "
    "Dr. Smith leads the IT unit. Flooding is a problem!",
    "bullets": "CHALLENGES\n- No open data portal\n- Legacy billing system (vendor lock-in)\n  that wraps.\n"
    "1. Lack of skills\n2) Procurement rules\n• Unicode bullet\n\nPRIORITIES:\nMobility and parking.",
    "russian": "Город Ош расположен на юге Кыргызстана. Основные проблемы: пробки, т.е. заторы на дорогах. "
    "Уличное освещение устарело.",
    "turkish": "Belediyemiz İstanbul'un en büyük ilçesidir. Akıllı aydınlatma vb. projeler planlanıyor. "
    "İŞLETME bütçesi sınırlıdır.",
    "arabic": "تعاني المدينة من ازدحام مروري شديد في المركز. نحتاج إلى منصة بيانات مفتوحة؟ نعم بالتأكيد.",
    "short": "OK",
    "long_sentence": " ".join(f"word{i}" for i in range(400)),
    "unspaced": "x" * 1500,
    "markdown": "# Mobility\nWe run buses.\nThe fleet is old and diesel powered.\n\n## Energy\nNo meters.",
    "crlf": "First line of text here.\r\nSecond line of text here.\r\n",
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_offsets_round_trip(name: str) -> None:
    text = TEXTS[name]
    spans = split_spans(text)
    assert spans, "every non-empty text yields a passage"
    for span in spans:
        piece = text[span.start : span.end]
        assert piece == piece.strip()
        assert piece
        assert len(piece) <= 400


def test_sentences_split_but_abbreviations_do_not() -> None:
    text = TEXTS["english"]
    pieces = [text[s.start : s.end] for s in split_spans(text)]
    assert pieces == [
        "Kukës is a small city in northern Albania.",
        "It has 47,000 inhabitants, e.g. in the old town.",
        "Dr. Smith leads the IT unit.",
        "Flooding is a problem!",
    ]


def test_bullets_are_separate_passages_under_their_heading() -> None:
    text = TEXTS["bullets"]
    spans = split_spans(text)
    pieces = [(text[s.start : s.end], s.context) for s in spans]
    assert pieces == [
        ("No open data portal", "CHALLENGES"),
        ("Legacy billing system (vendor lock-in)\n  that wraps.", "CHALLENGES"),
        ("Lack of skills", "CHALLENGES"),
        ("Procurement rules", "CHALLENGES"),
        ("Unicode bullet", "CHALLENGES"),
        ("Mobility and parking.", "PRIORITIES"),
    ]


def test_non_latin_scripts_split_into_sentences() -> None:
    for name, expected in (("russian", 3), ("turkish", 3), ("arabic", 2)):
        assert len(split_spans(TEXTS[name])) == expected, name


def test_long_sentence_becomes_overlapping_windows() -> None:
    text = TEXTS["long_sentence"]
    spans = split_spans(text)
    assert len(spans) > 5
    assert spans[0].start == 0
    assert spans[-1].end == len(text)
    for a, b in itertools.pairwise(spans):
        assert b.start < a.end, "windows overlap so no phrase is cut in every window"


def test_whole_text_fallback_for_a_lone_heading() -> None:
    spans = split_spans("SMART PARKING")
    assert [(s.start, s.end) for s in spans] == [(0, 13)]


def test_empty_text_yields_nothing() -> None:
    assert split_spans("   \n ") == []


def test_record_passages_point_into_their_fields(make_city, make_provider, make_case) -> None:
    city = make_city(
        "kukes", TEXTS["bullets"], ["Traffic congestion", "Flooding of the old town. Every spring."]
    )
    provider = make_provider(
        "acme", TEXTS["english"], [("Open data portal", "CKAN based. Deployed in Antalya and Mersin.")]
    )
    case = make_case("c1", "Smart lighting", TEXTS["turkish"])
    for record in (city, provider, case):
        passages = record_passages(record)
        assert passages
        for p in passages:
            assert field_text(record, p.field)[p.start : p.end] == p.text
            assert p.doc_id == record.id


def test_fields_per_kind_and_solution_context(make_city, make_case) -> None:
    provider = ProviderPublic(
        id="acme",
        name="Acme",
        country="TR",
        description="We build software.",
        solutions=[
            SolutionPublic(
                title="Flood early warning", description="River sensors send SMS alerts to residents."
            ),
            SolutionPublic(title="Parking app"),
        ],
    )
    passages = record_passages(provider)
    assert [p.field for p in passages] == ["description", "solution:0", "solution:0", "solution:1"]
    title, desc = passages[1], passages[2]
    assert title.text == "Flood early warning"
    assert title.context == ""
    assert desc.context == "Flood early warning"
    assert desc.embed_text == "Flood early warning: River sensors send SMS alerts to residents."
    city = make_city("k", "Summary here.", ["A", "B"])
    assert [p.field for p in record_passages(city)] == ["summary", "challenges:0", "challenges:1"]
    case = make_case("c", "Title", "Body text here.")
    assert [p.field for p in record_passages(case)] == ["title", "text"]


def test_hashes_change_only_with_indexed_text(make_city) -> None:
    a = make_city("kukes", "Flooding.")
    b = a.model_copy(update={"population": 47000})
    c = a.model_copy(update={"summary": "Drought."})
    assert document_hash(a) == document_hash(b)
    assert document_hash(a) != document_hash(c)
    assert corpus_hash([("a", "1"), ("b", "2")]) == corpus_hash([("b", "2"), ("a", "1")])
    assert corpus_hash([("a", "1")]) != corpus_hash([("a", "2")])
