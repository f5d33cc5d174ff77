"""The strength evidence of every city of a large event is kept between views, within a memory bound."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from matchmaker.matching import city_relations
from matchmaker.matching import engine as engine_module
from matchmaker.services.container import Services

CITY_IDS = ["lumen", "verde", "rivo", "kent"]


def _computations(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counted: Counter[str] = Counter()
    real = city_relations.role_answers

    def counting(needs: Any, *args: Any) -> Any:
        counted["role_answers"] += 1
        return real(needs, *args)

    monkeypatch.setattr(city_relations, "role_answers", counting)
    return counted


def test_every_citys_strengths_are_computed_once_while_they_fit(
    loaded_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fewer queries kept by count than there are cities, as in an event larger than the count.
    monkeypatch.setattr(engine_module, "EVIDENCE_CACHE", 1)
    engine = loaded_services.matching.matcher().engine()
    counted = _computations(monkeypatch)
    first = [engine.strength_evidence(c, engine.config).scores.tolist() for c in CITY_IDS]
    again = [engine.strength_evidence(c, engine.config).scores.tolist() for c in CITY_IDS]
    assert again == first
    assert counted["role_answers"] == 2 * len(CITY_IDS)  # strengths and needs, once per city


def test_past_the_memory_bound_only_the_newest_are_kept(
    loaded_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "EVIDENCE_CACHE", 1)
    monkeypatch.setattr(city_relations, "STRENGTH_BYTES", 0)
    engine = loaded_services.matching.matcher().engine()
    counted = _computations(monkeypatch)
    for _ in range(2):
        for c in CITY_IDS:
            engine.strength_evidence(c, engine.config)
    assert counted["role_answers"] == 2 * 2 * len(CITY_IDS)
    assert len(engine.relations.strengths) == 1


def test_the_newest_are_kept_at_least_keep_and_more_within_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(city_relations, "STRENGTH_BYTES", 10)
    items = [("a", 4), ("b", 4), ("c", 4), ("d", 4)]  # oldest first, 4 bytes each
    assert city_relations._newest(items, 1, lambda i: i[1]) == [("c", 4), ("d", 4)]
    assert city_relations._newest(items, 3, lambda i: i[1]) == [("b", 4), ("c", 4), ("d", 4)]
    assert city_relations._newest([], 3, lambda i: i[1]) == []
    monkeypatch.setattr(city_relations, "STRENGTH_BYTES", 100)
    assert city_relations._newest(items, 1, lambda i: i[1]) == items
