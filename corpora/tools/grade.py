"""Compute labels from a latent design: corpora/design/ -> corpora/eval/, corpora/eval2/design/ -> eval2/.

The grades come from the design alone, never from the demo texts, so a matcher that reads the texts
cannot be tuned to the labels by construction. The rules are documented in corpora/eval/GRADING.md;
each rule below names the paragraph it implements.

Usage:  python corpora/tools/grade.py                 (writes the four *.tsv label files of eval/)
        python corpora/tools/grade.py --stats         (also prints label counts per grade)
        python corpora/tools/grade.py --set eval2     (eval2/design/ -> eval2/*.tsv)
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
#: Labelled sets: name -> (design folder, label folder). Each design has its own vocabulary.json.
SETS: dict[str, tuple[Path, Path]] = {
    "eval": (DESIGN, EVAL),
    "eval2": (ROOT / "eval2" / "design", ROOT / "eval2"),
}

SCALE_LETTER = {"small": "S", "medium": "M", "large": "L", "metro": "X", "national": "N"}
SCALE_ORDER = ["small", "medium", "large", "metro"]


class Grader:
    """The grading rules of GRADING.md over one latent design folder."""

    def __init__(self, design: Path) -> None:
        self.design = design
        self.voc: dict[str, Any] = self.load("vocabulary.json")
        self.problems: dict[str, dict[str, str]] = self.voc["problems"]
        self.regions: dict[str, Any] = self.voc["regions"]
        self.budget_fit: dict[str, list[str]] = {
            k: v for k, v in self.voc["budget_models"].items() if k != "about"
        }

    def load(self, name: str) -> Any:
        return json.loads((self.design / name).read_text(encoding="utf-8"))

    def domain(self, problem: str) -> str:
        return self.problems[problem]["domain"]

    def region_group(self, country: str) -> str:
        for name, members in self.regions.items():
            if isinstance(members, list) and country in members and name not in ("global",):
                return name
        return "other"

    def serves(self, regions: list[str], country: str) -> bool:
        for r in regions:
            if r in ("global", country):
                return True
            members = self.regions.get(r)
            if isinstance(members, list) and country in members:
                return True
        return False

    # --------------------------------------------------------------------------------------------
    # city -> provider (GRADING.md, "City to provider")

    def context_failures(self, city: dict[str, Any], prov: dict[str, Any], cap: dict[str, Any]) -> list[str]:
        """Names of the context checks a capability fails for a city; empty means it fits."""
        fails = []
        if not set(prov["languages"]) & set(city["languages"]):
            fails.append("language")
        if not self.serves(prov["regions"], city["country"]):
            fails.append("region")
        if SCALE_LETTER[city["scale"]] not in cap["scales"]:
            fails.append("scale")
        if not set(cap["models"]) & set(self.budget_fit[city["budget"]]):
            fails.append("budget")
        if city["hosting"] == "on_premises" and cap["hosting"] == "cloud":
            fails.append("hosting")
        if city["connectivity"] == "poor" and cap.get("needs_connectivity"):
            fails.append("connectivity")
        if cap.get("climates") and city["climate"] not in cap["climates"]:
            fails.append("climate")
        return fails

    def grade_city_provider(self, city: dict[str, Any], prov: dict[str, Any]) -> int:
        best = 0
        need_domains = {self.domain(p) for p, _ in city["needs"]}
        for problem, _obstacle in city["needs"]:
            for cap in prov["caps"]:
                if cap["problem"] == problem:
                    best = max(best, 2 if self.context_failures(city, prov, cap) else 3)
        if best == 0 and any(self.domain(cap["problem"]) in need_domains for cap in prov["caps"]):
            best = 1
        return best

    # --------------------------------------------------------------------------------------------
    # city <-> city (GRADING.md, "City to city")

    def similar_context(self, a: dict[str, Any], b: dict[str, Any]) -> bool:
        if self.region_group(a["country"]) != self.region_group(b["country"]):
            return False
        if "national" in (a["scale"], b["scale"]):
            return a["scale"] == b["scale"]
        return abs(SCALE_ORDER.index(a["scale"]) - SCALE_ORDER.index(b["scale"])) <= 1

    @staticmethod
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

    def grade_city_city(self, a: dict[str, Any], b: dict[str, Any], cases: list[dict[str, Any]]) -> int:
        shared = {p for p, _ in a["needs"]} & {p for p, _ in b["needs"]}
        best = 0
        if shared:
            best = 3 if self.similar_context(a, b) else 2
        best = max(best, self.mentor_grade(a, b, cases), self.mentor_grade(b, a, cases))
        if best == 0:
            da = {self.domain(p) for p, _ in a["needs"]}
            db = {self.domain(p) for p, _ in b["needs"]}
            if da & db:
                best = 1
        return best

    # --------------------------------------------------------------------------------------------
    # city -> case and text -> case (GRADING.md, "City to case", "Free text to case")

    def grade_need_case(self, problem: str, obstacle: str | None, case: dict[str, Any]) -> int:
        if problem in case["problems"]:
            if obstacle is None or obstacle in case["obstacles"]:
                return 3
            return 2
        if self.domain(problem) in {self.domain(p) for p in case["problems"]}:
            return 1
        return 0

    def grade_city_case(self, city: dict[str, Any], case: dict[str, Any]) -> int:
        if case.get("city_id") == city["id"]:
            return 0  # a city's own experience is not a suggestion for it
        return max(self.grade_need_case(p, o, case) for p, o in city["needs"])

    # --------------------------------------------------------------------------------------------

    def compute(self) -> dict[str, list[tuple[str, str, int]]]:
        """Every non-zero grade of the four query kinds, sorted."""
        cities = self.load("cities.json")["cities"]
        providers = self.load("providers.json")["providers"]
        cases = self.load("cases.json")["cases"]
        queries = self.load("queries.json")["queries"]
        out: dict[str, list[tuple[str, str, int]]] = {
            k: [] for k in ("city_provider", "city_city", "city_case", "text_case")
        }
        for c in cities:
            for p in providers:
                g = self.grade_city_provider(c, p)
                if g:
                    out["city_provider"].append((c["id"], p["id"], g))
            for k in cases:
                g = self.grade_city_case(c, k)
                if g:
                    out["city_case"].append((c["id"], k["id"], g))
        for a, b in combinations(cities, 2):
            g = self.grade_city_city(a, b, cases)
            if g:
                out["city_city"].append((a["id"], b["id"], g))
                out["city_city"].append((b["id"], a["id"], g))
        for q in queries:
            for k in cases:
                g = self.grade_need_case(q["problem"], q["obstacle"], k)
                if g:
                    out["text_case"].append((q["qid"], k["id"], g))
        for rows in out.values():
            rows.sort()
        return out


# The development set's grader, and module-level names kept for the scripts that import them.
GRADER = Grader(DESIGN)
VOC = GRADER.voc
PROBLEMS = GRADER.problems
REGIONS = GRADER.regions
BUDGET_FIT = GRADER.budget_fit
load = GRADER.load
compute = GRADER.compute


def write(labels: dict[str, list[tuple[str, str, int]]], target: Path) -> None:
    """Write one ``<kind>.tsv`` per query kind into ``target``."""
    target.mkdir(exist_ok=True)
    for kind, rows in labels.items():
        with (target / f"{kind}.tsv").open("w", encoding="utf-8") as f:
            for qid, did, g in rows:
                f.write(f"{qid}\t{did}\t{g}\n")


def main(argv: list[str]) -> int:
    name = argv[argv.index("--set") + 1] if "--set" in argv else "eval"
    if name not in SETS:
        print(f"unknown set {name!r}; use one of {', '.join(SETS)}", file=sys.stderr)
        return 2
    design, target = SETS[name]
    labels = Grader(design).compute()
    write(labels, target)
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
