"""Write a corpus N times the size of a source corpus, for scale benchmarks.

Run from the repository root::

    python corpora/tools/synthesize.py corpora/demo /tmp/demo-x10 --factor 10 [--seed 7]

Copy 0 is the source as it is. Every further copy gives each record a new id and name, a population
scaled by a random factor, focal-point addresses of its own, and varied text: its summary (or
description, or case text) keeps most of its own sentences in a shuffled order, drops one, and borrows
one from another record of the same kind. Case studies of a copy name the copy's city, so mentors
still resolve. The text stays on topic, so matching has real work to do at every size; the figures
it gives are for speed and memory, not for quality.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Any

Record = dict[str, Any]

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _read(path: Path) -> list[Record]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _vary(text: str, donors: list[str], rng: random.Random) -> str:
    """The text's own paragraphs, sentences shuffled within each, one dropped and one borrowed."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    out: list[str] = []
    for paragraph in paragraphs:
        sentences = _SENTENCE.split(paragraph.strip())
        if len(sentences) > 2:
            sentences.pop(rng.randrange(len(sentences)))
            rng.shuffle(sentences)
        out.append(" ".join(sentences))
    donor = rng.choice(donors) if donors else ""
    borrowed = [s for s in _SENTENCE.split(donor.replace("\n", " ")) if len(s) > 40]
    if borrowed:
        out.insert(rng.randrange(len(out) + 1), rng.choice(borrowed))
    return "\n".join(out)


def _suffix(copy: int) -> str:
    return f"-s{copy}"


def synthesize(source: Path, target: Path, factor: int, seed: int = 7) -> dict[str, int]:
    """Write ``cities.jsonl``, ``providers.jsonl`` and ``cases.jsonl`` of ``factor`` copies; counts."""
    rng = random.Random(seed)
    cities = _read(source / "cities.jsonl")
    providers = _read(source / "providers.jsonl")
    cases = _read(source / "cases.jsonl")
    summaries = [c.get("summary", "") for c in cities]
    descriptions = [p.get("description", "") for p in providers]
    case_texts = [c.get("text", "") for c in cases]
    out: dict[str, list[Record]] = {"cities": [], "providers": [], "cases": []}
    for copy in range(factor):
        names: dict[str, str] = {}
        for city in cities:
            record = json.loads(json.dumps(city))
            if copy:
                record["id"] = city["id"] + _suffix(copy)
                record["name"] = f"{city['name']} {copy}"
                if record.get("population"):
                    record["population"] = int(record["population"] * rng.uniform(0.5, 2.0))
                focal = record.get("focal_point") or {}
                if focal.get("email"):
                    local, _, domain = focal["email"].partition("@")
                    focal["email"] = f"{local}.{copy}@{domain}"
                record["summary"] = _vary(city.get("summary", ""), summaries, rng)
            names[city["name"]] = record["name"]
            out["cities"].append(record)
        for provider in providers:
            record = json.loads(json.dumps(provider))
            if copy:
                record["id"] = provider["id"] + _suffix(copy)
                record["name"] = f"{provider['name']} {copy}"
                record["description"] = _vary(provider.get("description", ""), descriptions, rng)
                solutions = record.get("solutions") or []
                rng.shuffle(solutions)
                if len(solutions) > 1:
                    solutions.pop()
            out["providers"].append(record)
        for case in cases:
            record = json.loads(json.dumps(case))
            if copy:
                record["id"] = case["id"] + _suffix(copy)
                record["title"] = f"{case.get('title', '')} ({copy})"
                record["text"] = _vary(case.get("text", ""), case_texts, rng)
                if record.get("city") in names:
                    record["city"] = names[record["city"]]
                if record.get("city_id"):
                    record["city_id"] = record["city_id"] + _suffix(copy)
            out["cases"].append(record)
    target.mkdir(parents=True, exist_ok=True)
    for name, records in out.items():
        with (target / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {name: len(records) for name, records in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    counts = synthesize(args.source, args.target, args.factor, args.seed)
    print(", ".join(f"{n} {name}" for name, n in counts.items()), "written to", args.target)


if __name__ == "__main__":
    main()
