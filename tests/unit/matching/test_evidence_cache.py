"""The evidence kept for explanations is bounded by the memory it holds, not by a count of queries:
many small ones are kept (a small corpus), large ones go by their size."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from matchmaker.matching import engine as engine_module
from matchmaker.matching.bounded import SizedCache
from matchmaker.matching.engine import Engine
from matchmaker.services.container import Services

CITY_IDS = ["lumen", "verde", "rivo", "kent"]
KINDS = ["provider", "city", "case"]


def _computations(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counted: Counter[str] = Counter()
    real = Engine.evidence

    def counting(self: Engine, *args: Any, **kwargs: Any) -> Any:
        counted["evidence"] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Engine, "evidence", counting)
    return counted


def test_more_small_evidences_than_the_old_count_are_kept(
    loaded_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = loaded_services.matching.matcher().engine()
    configs = [engine.config.with_changes(f"variant-{k}", {"dense_lo": 0.01 * k}) for k in range(6)]
    queries = [(c, kind, cfg) for cfg in configs for c in CITY_IDS for kind in KINDS]
    assert len(queries) > engine_module.EVIDENCE_CACHE  # 72: a count of 64 dropped some
    for query in queries:
        engine.city_evidence(*query)
    counted = _computations(monkeypatch)
    again = [engine.city_evidence(*query) for query in queries]
    assert counted["evidence"] == 0
    assert all(needs.doc_id == c for (needs, _), (c, _, _) in zip(again, queries, strict=True))


def test_evidence_past_the_memory_bound_is_computed_again(
    loaded_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "EVIDENCE_BYTES", 1)  # every evidence is larger than this
    engine = loaded_services.matching.matcher().engine()
    cfg = engine.config
    first = [engine.city_evidence(c, "provider", cfg)[1].relevance.tolist() for c in CITY_IDS]
    counted = _computations(monkeypatch)
    engine.city_evidence(CITY_IDS[-1], "provider", cfg)  # the newest is kept
    assert counted["evidence"] == 0
    again = engine.city_evidence(CITY_IDS[0], "provider", cfg)  # the others went
    assert counted["evidence"] == 1
    assert again[1].relevance.tolist() == first[0]


def test_a_sized_cache_keeps_many_small_entries_and_evicts_large_ones_by_size() -> None:
    cache: SizedCache[int, bytes] = SizedCache(keep=1, limit=1000, size=len)
    for k in range(500):  # 500 entries of 2 bytes: all of them fit
        cache.put(k, b"ab")
    assert len(cache) == 500
    assert cache.nbytes == 1000
    cache.put(500, b"x" * 400)  # the oldest go until the new one fits
    assert len(cache) == 301
    assert cache.get(0) is None
    assert cache.get(200) == b"ab"
    cache.put(501, b"y" * 5000)  # larger than the bound alone: kept, as the newest, alone
    assert [k for k, _ in cache.items()] == [501]
    assert cache.nbytes == 5000


def test_a_touched_entry_is_kept_longer() -> None:
    cache: SizedCache[str, bytes] = SizedCache(keep=1, limit=8, size=len, touch=True)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # now the newest
    cache.put("c", b"1234")
    assert [k for k, _ in cache.items()] == ["a", "c"]
