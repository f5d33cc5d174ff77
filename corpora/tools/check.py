"""Check the demo corpora, the latent design and the labelled development set.

Run from the repository root:  .venv/bin/python corpora/tools/check.py
Exits 1 and lists every problem found; exits 0 and prints a summary when all is well.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
EVAL = ROOT / "eval"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import grade  # noqa: E402  (sibling module)
import split  # noqa: E402  (sibling module)

MIN = {"cities": 40, "providers": 80, "cases": 50, "countries": 12, "queries": 20}
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


def check_corpus() -> dict[str, list[dict[str, Any]]]:
    data = {k: read_jsonl(DEMO / f"{k}.jsonl") for k in ("cities", "providers", "cases")}
    domains = {v["domain"] for v in grade.PROBLEMS.values()}
    vocab = {"domains": domains, "obstacles": set(grade.VOC["obstacles"]), "stages": set(grade.VOC["stages"])}
    for kind, rows in data.items():
        if len(rows) < MIN[kind]:
            fail(f"{kind}: {len(rows)} records, need >= {MIN[kind]}")
        ids = [r.get("id", "") for r in rows]
        for i, c in Counter(ids).items():
            if c > 1:
                fail(f"{kind}: duplicate id {i}")
        for i in ids:
            if not SLUG.match(i):
                fail(f"{kind}: id {i!r} is not a lowercase slug")
        validate(kind, rows)
        present = {f for r in rows for f in OPTIONAL[kind] if r.get(f) not in (None, [], "")}
        for f in OPTIONAL[kind]:
            if f not in present:
                fail(f"{kind}: optional field {f!r} never appears")
        if not any(all(r.get(f) in (None, [], "") for f in OPTIONAL[kind]) for r in rows):
            fail(f"{kind}: no record without optional fields")
        for r in rows:
            for field, voc in VOCAB_FIELDS.items():
                for term in r.get(field) or []:
                    if term not in vocab[voc]:
                        fail(f"{kind}: {r['id']}: {field} term {term!r} not in the vocabulary")
            for sol in r.get("solutions") or []:
                for term in sol.get("domains") or []:
                    if term not in domains:
                        fail(f"providers: {r['id']}: solution domain {term!r} not in the vocabulary")

    cities = data["cities"]
    countries = {c["country"] for c in cities} & PROGRAMME_COUNTRIES
    if len(countries) < MIN["countries"]:
        fail(f"cities: {len(countries)} programme countries, need >= {MIN['countries']}")
    if not any(c.get("kind") in ("national_institution", "coordination_unit") for c in cities):
        fail("cities: no national institution or coordination unit")
    for c in cities:
        words = len(c["summary"].split())
        if not 80 <= words <= 250:
            fail(f"cities: {c['id']}: summary has {words} words (80-250)")
    non_en = [c for c in cities if summary_language(c) != "en"]
    if len(non_en) * 10 < len(cities):
        fail(f"cities: only {len(non_en)} of {len(cities)} summaries are not in English (need >= 10%)")

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


def check_design(data: dict[str, list[dict[str, Any]]]) -> None:
    design = {
        "cities": grade.load("cities.json")["cities"],
        "providers": grade.load("providers.json")["providers"],
        "cases": grade.load("cases.json")["cases"],
    }
    for kind, rows in design.items():
        d_ids = {r["id"] for r in rows}
        c_ids = {r["id"] for r in data[kind]}
        for i in sorted(d_ids - c_ids):
            fail(f"design/{kind}.json: {i} has no record in demo/{kind}.jsonl")
        for i in sorted(c_ids - d_ids):
            fail(f"demo/{kind}.jsonl: {i} has no entry in design/{kind}.json")
    recs = {r["id"]: r for r in data["cities"]}
    for c in design["cities"]:
        r = recs.get(c["id"])
        if r and (r["name"], r["country"]) != (c["name"], c["country"]):
            fail(f"design/cities.json: {c['id']}: name/country differ from the record")
        for p, o in c["needs"]:
            if p not in grade.PROBLEMS or o not in grade.VOC["obstacles"]:
                fail(f"design/cities.json: {c['id']}: unknown need {p}/{o}")
    for p in design["providers"]:
        for cap in p["caps"]:
            if cap["problem"] not in grade.PROBLEMS:
                fail(f"design/providers.json: {p['id']}: unknown problem {cap['problem']}")
    for k in design["cases"]:
        for p in k["problems"]:
            if p not in grade.PROBLEMS:
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


def check_labels(data: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    cities = {r["id"] for r in data["cities"]}
    provs = {r["id"] for r in data["providers"]}
    cases = {r["id"] for r in data["cases"]}
    queries = read_tsv(EVAL / "queries.tsv", 2)
    qids = [q[0] for q in queries]
    if len(set(qids)) < MIN["queries"]:
        fail(f"queries.tsv: {len(set(qids))} queries, need >= {MIN['queries']}")
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
        rows = read_tsv(EVAL / f"{kind}.tsv", 3)
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
    fresh = grade.compute()
    for kind, rows in fresh.items():
        if {(q, d): g for q, d, g in rows} != labels[kind]:
            fail(f"{kind}.tsv differs from the design: run corpora/tools/grade.py")
    return counts


def check_split(data: dict[str, list[dict[str, Any]]]) -> None:
    """eval/split.tsv puts every city and every free-text query in one half, as split.py computes."""
    path = EVAL / "split.tsv"
    if not path.exists():
        fail("eval/split.tsv is missing: run corpora/tools/split.py")
        return
    halves: dict[str, str] = {}
    for row in read_tsv(path, 2):
        if row[1] not in split.HALVES:
            fail(f"split.tsv: {row[0]}: half {row[1]!r} is not tune or heldout")
        halves[row[0]] = row[1]
    expected = {c["id"] for c in data["cities"]} | {q[0] for q in read_tsv(EVAL / "queries.tsv", 2)}
    for i in sorted(expected - set(halves)):
        fail(f"split.tsv: {i} is in neither half")
    for i in sorted(set(halves) - expected):
        fail(f"split.tsv: {i} is not a city or a query")
    if halves != split.compute(EVAL, DEMO, grade.DESIGN / "cases.json"):
        fail("split.tsv differs from a fresh computation: run corpora/tools/split.py")


def main() -> int:
    data = check_corpus()
    check_design(data)
    counts = check_labels(data)
    check_split(data)
    if errors:
        for e in errors:
            print("FAIL", e)
        print(f"{len(errors)} problem(s)")
        return 1
    cities = data["cities"]
    non_en = sum(summary_language(c) != "en" for c in cities)
    print(
        f"cities={len(cities)} countries={len({c['country'] for c in cities})} "
        f"non-English summaries={non_en} "
        f"providers={len(data['providers'])} cases={len(data['cases'])}"
    )
    print("labels: " + " ".join(f"{k}={v}" for k, v in counts.items()))
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
