"""The labelled sets under corpora/: the seeded split of the development set and the consistency checks."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

TOOLS = Path(__file__).resolve().parents[3] / "corpora" / "tools"


def _tool(name: str) -> ModuleType:
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))  # the tools import their sibling modules by name
    spec = importlib.util.spec_from_file_location(f"corpora_tools_{name}", TOOLS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _strata() -> dict[str, tuple[object, ...]]:
    """Hand-made cities: (summary not in English, mentor city), with three odd-sized groups."""
    sizes = {(False, False): 4, (False, True): 3, (True, False): 5, (True, True): 1}
    out: dict[str, tuple[object, ...]] = {}
    for (non_en, mentor), n in sizes.items():
        for i in range(n):
            out[f"{'x' if non_en else 'e'}{'m' if mentor else 'c'}{i}"] = (non_en, mentor)
    return out


def test_the_split_is_seeded_and_keeps_every_attribute_even() -> None:
    split = _tool("split")
    strata = _strata()
    halves = split.stratified_split(strata)
    assert halves == split.stratified_split(strata)  # same seed, same split
    assert set(halves) == set(strata)
    assert set(halves.values()) == {"tune", "heldout"}
    sizes = Counter(halves.values())
    assert abs(sizes["tune"] - sizes["heldout"]) <= 1
    for position in (0, 1):  # non-English share, mentor share
        per_half = Counter(h for q, h in halves.items() if strata[q][position])
        assert abs(per_half["tune"] - per_half["heldout"]) <= 1, position
    for key in set(strata.values()):
        per_half = Counter(h for q, h in halves.items() if strata[q] == key)
        assert abs(per_half["tune"] - per_half["heldout"]) <= 1, key


def test_another_seed_gives_another_split() -> None:
    split = _tool("split")
    strata = _strata()
    assert split.stratified_split(strata, seed=1) != split.stratified_split(strata, seed=2)


@pytest.mark.slow
def test_the_shipped_labelled_sets_pass_their_checks(capsys: pytest.CaptureFixture[str]) -> None:
    check = _tool("check")
    assert check.main([]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "[eval] cities=45" in out
    assert "[eval2] cities=34" in out


def test_a_translation_may_change_only_the_text_and_its_language() -> None:
    translated = _tool("translated")
    original = {"id": "c", "name": "C", "language": "en", "summary": "One.\nTwo.", "population": 5}
    good = {**original, "language": "fr", "summary": "Un.\nDeux."}
    assert translated.problems(original, good) == []
    assert translated.problems(None, good) == ["c: no such city in the original corpus"]
    found = translated.problems(original, {**good, "population": 6, "summary": "Un. Deux."})
    assert found == ["c: population changed", "c: the summary has 1 lines, the original 2"]
    assert translated.problems(original, {**original}) == [
        "c: the translation names no other language",
        "c: the summary is not translated",
    ]


def test_the_shipped_translations_keep_their_originals(tmp_path: Path) -> None:
    translated = _tool("translated")
    assert translated.main(["--check"]) == 0
    assert translated.main(["eval", str(tmp_path)]) == 0
    cities = [line for line in (tmp_path / "corpus" / "cities.jsonl").read_text().splitlines() if line]
    assert len(cities) == 45
    queries = {line.split("\t")[0] for line in (tmp_path / "labels" / "split.tsv").read_text().splitlines()}
    judged = {
        line.split("\t")[0] for line in (tmp_path / "labels" / "city_provider.tsv").read_text().splitlines()
    }
    assert {q for q in queries if not q.startswith("#")} == {q for q in judged if not q.startswith("#")}
    assert len({q for q in judged if not q.startswith("#")}) == 23


def test_the_outside_variants_keep_the_needs_and_add_no_capability(tmp_path: Path) -> None:
    variants = _tool("outside_variants")
    record = {
        "id": "o",
        "summary": "Founded in 1900.\nOur problems:\n- The oven breaks.\n- Orders get lost.\nThanks.",
    }
    assert variants.needs_only(record) == {"id": "o", "summary": "The oven breaks.\nOrders get lost."}
    supplier = {"id": "p", "solutions": [{"title": "Ovens", "description": "Deck ovens.", "domains": []}]}
    grown = variants.padded(supplier, 5, random.Random(1))
    assert grown["solutions"][0] == supplier["solutions"][0]
    extra = [s["title"] for s in grown["solutions"][1:]]
    assert len(set(extra)) == 4
    assert all(title in variants.GENERIC_ITEMS for title in extra)
    assert variants.main([str(tmp_path), "--needs-only", "--pad", "20"]) == 0
    assert len((tmp_path / "cities.jsonl").read_text().splitlines()) == 30
    lengths = {
        len(json.loads(line)["solutions"]) for line in (tmp_path / "providers.jsonl").read_text().splitlines()
    }
    assert lengths == {20}  # every supplier of the set has at least 4 items of its own


def test_the_outside_split_is_the_one_the_split_tool_computes() -> None:
    split = _tool("split")
    assert split.main(["--outside", "--check"]) == 0
    halves = split.outside_split(split.ROOT / "outside" / "corpus")
    assert sorted(Counter(halves.values()).values()) == [15, 15]
