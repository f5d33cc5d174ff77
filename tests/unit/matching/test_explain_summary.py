"""The one-line summary of a suggestion quotes a need only against a passage on the same topic."""

from __future__ import annotations

from typing import Any

from matchmaker.matching.explain import on_topic
from matchmaker.services.matching import Matcher


def _summaries(matcher: Matcher, city: str) -> dict[str, dict[str, Any]]:
    return {r.id: r.explanation for r in matcher.providers_for_city(city, top=50).results}


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
