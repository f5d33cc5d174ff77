"""Compute the development-set labels in corpora/eval/ from the latent design in corpora/design/.

The grades come from the design alone, never from the demo texts, so a matcher that reads the texts
cannot be tuned to the labels by construction. The rules are documented in corpora/eval/GRADING.md;
each rule below names the paragraph it implements.

Usage:  python corpora/tools/grade.py            (writes the four *.tsv label files)
        python corpora/tools/grade.py --stats    (also prints label counts per grade)
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "design"
EVAL = ROOT / "eval"

SCALE_LETTER = {"small": "S", "medium": "M", "large": "L", "metro": "X", "national": "N"}
SCALE_ORDER = ["small", "medium", "large", "metro"]


def load(name: str) -> Any:
    return json.loads((DESIGN / name).read_text(encoding="utf-8"))


VOC = load("vocabulary.json")
PROBLEMS: dict[str, dict[str, str]] = VOC["problems"]
REGIONS: dict[str, Any] = VOC["regions"]
BUDGET_FIT: dict[str, list[str]] = {k: v for k, v in VOC["budget_models"].items() if k != "about"}


def domain(problem: str) -> str:
    return PROBLEMS[problem]["domain"]


def region_group(country: str) -> str:
    for name, members in REGIONS.items():
        if isinstance(members, list) and country in members and name not in ("global",):
            return name
    return "other"


def serves(regions: list[str], country: str) -> bool:
    for r in regions:
        if r in ("global", country):
            return True
        members = REGIONS.get(r)
        if isinstance(members, list) and country in members:
            return True
    return False


# ------------------------------------------------------------------------------------------------
# city -> provider (GRADING.md, "City to provider")


def context_failures(city: dict[str, Any], prov: dict[str, Any], cap: dict[str, Any]) -> list[str]:
    """Names of the context checks a capability fails for a city; empty means it fits."""
    fails = []
    if not set(prov["languages"]) & set(city["languages"]):
        fails.append("language")
    if not serves(prov["regions"], city["country"]):
        fails.append("region")
    if SCALE_LETTER[city["scale"]] not in cap["scales"]:
        fails.append("scale")
    if not set(cap["models"]) & set(BUDGET_FIT[city["budget"]]):
        fails.append("budget")
    if city["hosting"] == "on_premises" and cap["hosting"] == "cloud":
        fails.append("hosting")
    if city["connectivity"] == "poor" and cap.get("needs_connectivity"):
        fails.append("connectivity")
    if cap.get("climates") and city["climate"] not in cap["climates"]:
        fails.append("climate")
    return fails


def grade_city_provider(city: dict[str, Any], prov: dict[str, Any]) -> int:
    best = 0
    need_domains = {domain(p) for p, _ in city["needs"]}
    for problem, _obstacle in city["needs"]:
        for cap in prov["caps"]:
            if cap["problem"] == problem:
                best = max(best, 2 if context_failures(city, prov, cap) else 3)
    if best == 0 and any(domain(cap["problem"]) in need_domains for cap in prov["caps"]):
        best = 1
    return best


# ------------------------------------------------------------------------------------------------
# city <-> city (GRADING.md, "City to city")


def similar_context(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if region_group(a["country"]) != region_group(b["country"]):
        return False
    if "national" in (a["scale"], b["scale"]):
        return a["scale"] == b["scale"]
    return abs(SCALE_ORDER.index(a["scale"]) - SCALE_ORDER.index(b["scale"])) <= 1


def mentor_grade(a: dict[str, Any], b: dict[str, Any], cases: list[dict[str, Any]]) -> int:
    """How well b's own case studies answer a's needs (3 same problem+obstacle, 2 same problem)."""
    best = 0
    for case in cases:
        if case.get("city_id") != b["id"]:
            continue
        for problem, obstacle in a["needs"]:
            if problem in case["problems"]:
                best = max(best, 3 if obstacle in case["obstacles"] else 2)
    return best


def grade_city_city(a: dict[str, Any], b: dict[str, Any], cases: list[dict[str, Any]]) -> int:
    shared = {p for p, _ in a["needs"]} & {p for p, _ in b["needs"]}
    best = 0
    if shared:
        best = 3 if similar_context(a, b) else 2
    best = max(best, mentor_grade(a, b, cases), mentor_grade(b, a, cases))
    if best == 0:
        da = {domain(p) for p, _ in a["needs"]}
        db = {domain(p) for p, _ in b["needs"]}
        if da & db:
            best = 1
    return best


# ------------------------------------------------------------------------------------------------
# city -> case and text -> case (GRADING.md, "City to case", "Free text to case")


def grade_need_case(problem: str, obstacle: str | None, case: dict[str, Any]) -> int:
    if problem in case["problems"]:
        if obstacle is None or obstacle in case["obstacles"]:
            return 3
        return 2
    if domain(problem) in {domain(p) for p in case["problems"]}:
        return 1
    return 0


def grade_city_case(city: dict[str, Any], case: dict[str, Any]) -> int:
    if case.get("city_id") == city["id"]:
        return 0  # a city's own experience is not a suggestion for it
    return max(grade_need_case(p, o, case) for p, o in city["needs"])


# ------------------------------------------------------------------------------------------------


def compute() -> dict[str, list[tuple[str, str, int]]]:
    cities = load("cities.json")["cities"]
    providers = load("providers.json")["providers"]
    cases = load("cases.json")["cases"]
    queries = load("queries.json")["queries"]
    out: dict[str, list[tuple[str, str, int]]] = {
        k: [] for k in ("city_provider", "city_city", "city_case", "text_case")
    }
    for c in cities:
        for p in providers:
            g = grade_city_provider(c, p)
            if g:
                out["city_provider"].append((c["id"], p["id"], g))
        for k in cases:
            g = grade_city_case(c, k)
            if g:
                out["city_case"].append((c["id"], k["id"], g))
    for a, b in combinations(cities, 2):
        g = grade_city_city(a, b, cases)
        if g:
            out["city_city"].append((a["id"], b["id"], g))
            out["city_city"].append((b["id"], a["id"], g))
    for q in queries:
        for k in cases:
            g = grade_need_case(q["problem"], q["obstacle"], k)
            if g:
                out["text_case"].append((q["qid"], k["id"], g))
    for rows in out.values():
        rows.sort()
    return out


def main(argv: list[str]) -> int:
    labels = compute()
    EVAL.mkdir(exist_ok=True)
    for kind, rows in labels.items():
        with (EVAL / f"{kind}.tsv").open("w", encoding="utf-8") as f:
            for qid, did, g in rows:
                f.write(f"{qid}\t{did}\t{g}\n")
    if "--stats" in argv:
        for kind, rows in labels.items():
            counts = Counter(g for _, _, g in rows)
            print(
                f"{kind:14s} pairs={len(rows):5d} queries={len({q for q, _, _ in rows}):3d} "
                + " ".join(f"g{g}={counts[g]}" for g in (3, 2, 1))
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
