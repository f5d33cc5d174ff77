"""Check the labelled sets: their corpora, their latent designs and their label files.

Two sets are checked: the demo corpora with the development set (``demo/``, ``design/``, ``eval/``) and
the second, report-only set (``eval2/corpus/``, ``eval2/design/``, ``eval2/``).

Run from the repository root:  .venv/bin/python corpora/tools/check.py [--set eval|eval2]
Exits 1 and lists every problem found; exits 0 and prints a summary per set when all is well.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
EVAL = ROOT / "eval"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import grade  # noqa: E402  (sibling module)
import split  # noqa: E402  (sibling module)

MIN = {"cities": 40, "providers": 80, "cases": 50, "countries": 12, "queries": 20}


@dataclass(frozen=True)
class LabelledSet:
    """One corpus with its latent design and label folder, and the thresholds it must meet."""

    name: str
    corpus: Path
    labels: Path
    grader: grade.Grader
    minimum: dict[str, int] = field(default_factory=lambda: dict(MIN))
    non_english_share: float = 0.10  # at least this share of city summaries not in English
    optional_fields: bool = True  # every optional contract field appears somewhere
    split: bool = False  # labels/split.tsv must exist and be fresh


SETS = {
    "eval": LabelledSet("eval", DEMO, EVAL, grade.GRADER, split=True),
    "eval2": LabelledSet(
        "eval2",
        ROOT / "eval2" / "corpus",
        ROOT / "eval2",
        grade.Grader(grade.SETS["eval2"][0]),
        minimum={"cities": 30, "providers": 60, "cases": 40, "countries": 12, "queries": 12},
        non_english_share=0.30,
        optional_fields=False,
    ),
}
PROGRAMME_COUNTRIES = {
    "AL",
    "XK",
    "BA",
    "ME",
    "MK",
    "RS",
    "GE",
    "AM",
    "AZ",
    "KZ",
    "KG",
    "UZ",
    "TJ",
    "TM",
    "MN",
    "MA",
    "DZ",
    "TN",
    "LY",
    "EG",
    "JO",
    "LB",
    "IQ",
    "PS",
    "SY",
    "TR",
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
OPTIONAL = {
    "cities": [
        "kind",
        "population",
        "language",
        "priorities",
        "challenges",
        "programme_level",
        "maturity",
        "focal_point",
    ],
    "providers": ["kind", "languages", "regions_served", "solutions", "website"],
    "cases": ["year", "domains", "obstacles", "stages", "funding", "outcomes", "providers", "source_url"],
}
VOCAB_FIELDS = {"priorities": "domains", "domains": "domains", "obstacles": "obstacles", "stages": "stages"}

errors: list[str] = []


def fail(msg: str) -> None:
    errors.append(msg)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            fail(f"{path.name}:{n}: not JSON: {exc}")
    return rows


def validate(kind: str, rows: list[dict[str, Any]]) -> None:
    from matchmaker.db.models import CaseCreate, CityCreate, ProviderCreate

    model = {"cities": CityCreate, "providers": ProviderCreate, "cases": CaseCreate}[kind]
    for n, row in enumerate(rows, 1):
        rec = dict(row)
        extra = {k: rec.pop(k) for k in list(rec) if k not in model.model_fields}
        try:
            model.model_validate({**rec, "extra": extra})
        except Exception as exc:  # pydantic.ValidationError; keep the check free of extra imports
            fail(f"{kind}.jsonl:{n}: {row.get('id')}: {exc}")


def check_corpus(ls: LabelledSet) -> dict[str, list[dict[str, Any]]]:
    data = {k: read_jsonl(ls.corpus / f"{k}.jsonl") for k in ("cities", "providers", "cases")}
    voc = ls.grader.voc
    domains = {v["domain"] for v in ls.grader.problems.values()}
    vocab = {"domains": domains, "obstacles": set(voc["obstacles"]), "stages": set(voc["stages"])}
    for kind, rows in data.items():
        if len(rows) < ls.minimum[kind]:
            fail(f"{kind}: {len(rows)} records, need >= {ls.minimum[kind]}")
        ids = [r.get("id", "") for r in rows]
        for i, c in Counter(ids).items():
            if c > 1:
                fail(f"{kind}: duplicate id {i}")
        for i in ids:
            if not SLUG.match(i):
                fail(f"{kind}: id {i!r} is not a lowercase slug")
        validate(kind, rows)
        present = {f for r in rows for f in OPTIONAL[kind] if r.get(f) not in (None, [], "")}
        for f in OPTIONAL[kind] if ls.optional_fields else []:
            if f not in present:
                fail(f"{kind}: optional field {f!r} never appears")
        if not any(all(r.get(f) in (None, [], "") for f in OPTIONAL[kind]) for r in rows):
            fail(f"{kind}: no record without optional fields")
        for r in rows:
            for name, voc in VOCAB_FIELDS.items():
                for term in r.get(name) or []:
                    if term not in vocab[voc]:
                        fail(f"{kind}: {r['id']}: {name} term {term!r} not in the vocabulary")
            for sol in r.get("solutions") or []:
                for term in sol.get("domains") or []:
                    if term not in domains:
                        fail(f"providers: {r['id']}: solution domain {term!r} not in the vocabulary")

    cities = data["cities"]
    countries = {c["country"] for c in cities} & PROGRAMME_COUNTRIES
    if len(countries) < ls.minimum["countries"]:
        fail(f"cities: {len(countries)} programme countries, need >= {ls.minimum['countries']}")
    if not any(c.get("kind") in ("national_institution", "coordination_unit") for c in cities):
        fail("cities: no national institution or coordination unit")
    for c in cities:
        words = len(c["summary"].split())
        if not 80 <= words <= 250:
            fail(f"cities: {c['id']}: summary has {words} words (80-250)")
    non_en = [c for c in cities if summary_language(c) != "en"]
    if len(non_en) < ls.non_english_share * len(cities):
        fail(
            f"cities: only {len(non_en)} of {len(cities)} summaries are not in English "
            f"(need >= {ls.non_english_share:.0%})"
        )

    by_id = {c["id"]: c for c in cities}
    mentors = 0
    for k in data["cases"]:
        cid = k.get("city_id")
        if cid is None:
            continue
        mentors += 1
        city = by_id.get(cid)
        if city is None:
            fail(f"cases: {k['id']}: city_id {cid!r} is not a city")
        elif city["name"] != k["city"] or city["country"] != k["country"]:
            fail(f"cases: {k['id']}: city/country differ from city record {cid}")
    if mentors == 0:
        fail("cases: no case is linked to a city in cities.jsonl")
    prov_ids = {p["id"] for p in data["providers"]}
    for k in data["cases"]:
        for p in k.get("providers") or []:
            if p not in prov_ids:
                fail(f"cases: {k['id']}: provider {p!r} unknown")
    return data


def summary_language(city: dict[str, Any]) -> str:
    if city.get("language"):
        return str(city["language"])
    try:
        import py3langid  # type: ignore[import-untyped]

        return str(py3langid.classify(city["summary"])[0])
    except ImportError:
        return "en"


def check_design(ls: LabelledSet, data: dict[str, list[dict[str, Any]]]) -> None:
    g = ls.grader
    design = {
        "cities": g.load("cities.json")["cities"],
        "providers": g.load("providers.json")["providers"],
        "cases": g.load("cases.json")["cases"],
    }
    corpus = ls.corpus.relative_to(ROOT)
    for kind, rows in design.items():
        d_ids = {r["id"] for r in rows}
        c_ids = {r["id"] for r in data[kind]}
        for i in sorted(d_ids - c_ids):
            fail(f"design/{kind}.json: {i} has no record in {corpus}/{kind}.jsonl")
        for i in sorted(c_ids - d_ids):
            fail(f"{corpus}/{kind}.jsonl: {i} has no entry in design/{kind}.json")
    by_case = {r["id"]: r for r in data["cases"]}
    for k in design["cases"]:
        rec = by_case.get(k["id"])
        if rec is not None and rec.get("city_id") != k.get("city_id"):
            fail(f"design/cases.json: {k['id']}: city_id differs from the corpus record")
    recs = {r["id"]: r for r in data["cities"]}
    for c in design["cities"]:
        r = recs.get(c["id"])
        if r and (r["name"], r["country"]) != (c["name"], c["country"]):
            fail(f"design/cities.json: {c['id']}: name/country differ from the record")
        for p, o in c["needs"]:
            if p not in g.problems or o not in g.voc["obstacles"]:
                fail(f"design/cities.json: {c['id']}: unknown need {p}/{o}")
    for p in design["providers"]:
        for cap in p["caps"]:
            if cap["problem"] not in g.problems:
                fail(f"design/providers.json: {p['id']}: unknown problem {cap['problem']}")
    for k in design["cases"]:
        for p in k["problems"]:
            if p not in g.problems:
                fail(f"design/cases.json: {k['id']}: unknown problem {p}")


def read_tsv(path: Path, cols: int) -> list[list[str]]:
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if row and row[0].startswith("#"):
                continue
            if len(row) != cols:
                fail(f"{path.name}:{n}: expected {cols} tab-separated columns, got {len(row)}")
                continue
            rows.append(row)
    return rows


def check_labels(ls: LabelledSet, data: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    cities = {r["id"] for r in data["cities"]}
    provs = {r["id"] for r in data["providers"]}
    cases = {r["id"] for r in data["cases"]}
    queries = read_tsv(ls.labels / "queries.tsv", 2)
    qids = [q[0] for q in queries]
    if len(set(qids)) < ls.minimum["queries"]:
        fail(f"queries.tsv: {len(set(qids))} queries, need >= {ls.minimum['queries']}")
    design_qids = {q["qid"] for q in ls.grader.load("queries.json")["queries"]}
    if design_qids != set(qids):
        fail(f"queries.tsv: qids differ from design/queries.json: {sorted(design_qids ^ set(qids))}")
    if len(set(qids)) != len(qids):
        fail("queries.tsv: duplicate qid")
    spaces = {
        "city_provider": (cities, provs),
        "city_city": (cities, cities),
        "city_case": (cities, cases),
        "text_case": (set(qids), cases),
    }
    counts = {}
    labels: dict[str, dict[tuple[str, str], int]] = {}
    for kind, (qs, ds) in spaces.items():
        rows = read_tsv(ls.labels / f"{kind}.tsv", 3)
        counts[kind] = len(rows)
        seen: dict[tuple[str, str], int] = {}
        for q, d, g in rows:
            if q not in qs:
                fail(f"{kind}.tsv: unknown qid {q}")
            if d not in ds:
                fail(f"{kind}.tsv: unknown did {d}")
            if q == d:
                fail(f"{kind}.tsv: self pair {q}")
            if g not in {"0", "1", "2", "3"}:
                fail(f"{kind}.tsv: {q} {d}: grade {g!r} not in 0..3")
                continue
            if (q, d) in seen:
                fail(f"{kind}.tsv: duplicate pair {q} {d}")
            seen[(q, d)] = int(g)
        labels[kind] = seen
    cc = labels["city_city"]
    for (a, b), g in cc.items():
        if cc.get((b, a)) != g:
            fail(f"city_city.tsv: {a}->{b}={g} but {b}->{a}={cc.get((b, a), 0)} (must be symmetric)")
    for c in cities:
        if max((g for (q, _), g in labels["city_provider"].items() if q == c), default=0) < 2:
            fail(f"city_provider.tsv: city {c} has no provider graded >= 2")
    fresh = ls.grader.compute()
    for kind, rows in fresh.items():
        if {(q, d): g for q, d, g in rows} != labels[kind]:
            fail(f"{kind}.tsv differs from the design: run corpora/tools/grade.py --set {ls.name}")
    return counts


def check_split(ls: LabelledSet, data: dict[str, list[dict[str, Any]]]) -> None:
    """split.tsv puts every city and every free-text query in one half, as split.py computes."""
    path = ls.labels / "split.tsv"
    if not path.exists():
        fail("eval/split.tsv is missing: run corpora/tools/split.py")
        return
    halves: dict[str, str] = {}
    for row in read_tsv(path, 2):
        if row[1] not in split.HALVES:
            fail(f"split.tsv: {row[0]}: half {row[1]!r} is not tune or heldout")
        halves[row[0]] = row[1]
    expected = {c["id"] for c in data["cities"]} | {q[0] for q in read_tsv(ls.labels / "queries.tsv", 2)}
    for i in sorted(expected - set(halves)):
        fail(f"split.tsv: {i} is in neither half")
    for i in sorted(set(halves) - expected):
        fail(f"split.tsv: {i} is not a city or a query")
    if halves != split.compute(ls.labels, ls.corpus, ls.grader.design / "cases.json"):
        fail("split.tsv differs from a fresh computation: run corpora/tools/split.py")


def check_set(ls: LabelledSet) -> str | None:
    """Check one labelled set; its summary when no new problem was found, else None."""
    before = len(errors)
    data = check_corpus(ls)
    check_design(ls, data)
    counts = check_labels(ls, data)
    if ls.split:
        check_split(ls, data)
    for i in range(before, len(errors)):
        errors[i] = f"{ls.name}: {errors[i]}"
    if len(errors) > before:
        return None
    cities = data["cities"]
    non_en = sum(summary_language(c) != "en" for c in cities)
    return (
        f"[{ls.name}] cities={len(cities)} countries={len({c['country'] for c in cities})} "
        f"non-English summaries={non_en} "
        f"providers={len(data['providers'])} cases={len(data['cases'])}\n"
        f"[{ls.name}] labels: " + " ".join(f"{k}={v}" for k, v in counts.items())
    )


def main(argv: list[str]) -> int:
    names = [argv[argv.index("--set") + 1]] if "--set" in argv else list(SETS)
    unknown = [n for n in names if n not in SETS]
    if unknown:
        print(f"unknown set {unknown[0]!r}; use one of {', '.join(SETS)}")
        return 2
    summaries = [check_set(SETS[n]) for n in names]
    if errors:
        for e in errors:
            print("FAIL", e)
        print(f"{len(errors)} problem(s)")
        return 1
    for summary in summaries:
        print(summary)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
