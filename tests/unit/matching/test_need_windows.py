"""A passage of an asking document read with its neighbours as a need of its own (``need_window``)."""

from __future__ import annotations

import numpy as np

from matchmaker.embeddings.passages import KINDS
from matchmaker.matching.engine import Engine
from matchmaker.matching.needs import window_spans
from matchmaker.matching.scoring import profile
from matchmaker.services.matching import Matcher


def test_a_window_holds_the_neighbours_of_the_same_field_only() -> None:
    fields = ["summary", "summary", "summary", "challenges:0", "challenges:1", "challenges:1"]
    assert window_spans(fields, 1) == [(0, 2), (0, 3), (1, 3), (3, 4), (4, 6), (4, 6)]
    assert window_spans(fields, 2)[0] == (0, 3)
    assert window_spans(fields, 0) == [(i, i + 1) for i in range(len(fields))]
    assert window_spans([], 1) == []


def test_a_need_read_with_its_neighbours_is_quoted_as_itself_and_weighs_as_it(matcher: Matcher) -> None:
    engine = matcher.engine()
    cfg = profile("full")
    wide = cfg.with_changes("wide", {"need_window": 1})

    # A city with two passages or more in one field.
    def fields(city: str) -> list[str]:
        return [p.field for p in engine.needs_of("city", city, cfg).passages]

    city = next(c for c in engine.kind("city").ids if any(b - a > 1 for a, b in window_spans(fields(c), 1)))
    plain = engine.needs_of("city", city, cfg)
    needs = engine.needs_of("city", city, wide)
    n = len(plain.passages)
    spans = window_spans([p.field for p in plain.passages], 1)
    parents = [i for i, (a, b) in enumerate(spans) if b - a > 1]
    assert len(needs.passages) == n + len(parents)
    # Quoted as the passage itself, weighted and given a role as it.
    assert needs.passages[n:] == [plain.passages[i] for i in parents]
    np.testing.assert_allclose(needs.weights[n:], plain.weights[parents])
    assert needs.roles is not None
    assert plain.roles is not None
    np.testing.assert_allclose(needs.roles[n:], plain.roles[parents])
    # Its vector is the window's text encoded as one.
    a, b = spans[parents[0]]
    text = " ".join(p.text for p in plain.passages[a:b])
    np.testing.assert_allclose(needs.vectors[n], matcher.encoder.encode([text])[0], atol=1e-5)
    # Scored like any other need: the city's providers come with quotes from its own text.
    results = engine.providers_for_city(city, wide)
    assert results
    quoted = {(p.field, p.start, p.end) for p in plain.passages}
    assert all((p.field, p.start, p.end) in quoted for p in needs.passages)


def test_without_an_encoder_for_added_needs_a_document_keeps_its_passages(matcher: Matcher) -> None:
    base = matcher.engine()
    engine = Engine(
        {k: matcher.store.get(k) for k in KINDS}, {k: list(v.values()) for k, v in base.records.items()}
    )
    cfg = profile("full")
    city = engine.kind("city").ids[0]
    wide = cfg.with_changes("wide", {"need_window": 1})
    assert engine.needs_of("city", city, wide).passages == engine.needs_of("city", city, cfg).passages
