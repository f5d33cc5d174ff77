"""Variants of the outside set that keep its labels: needs stated alone, and suppliers padded out.

``--needs-only``: each summary of ``outside/corpus/cities.jsonl`` states its two or three needs as
lines starting with ``- ``, among sentences of history, size, awards and strengths
(``outside/GRADING.md``). The variant keeps those lines only, so the engine and the base model can be
compared on text that holds needs and nothing else; the judgements of ``outside/city_provider.tsv``
hold unchanged, since they were made over the needs.

``--pad N``: every supplier gets generic items until it lists ``N`` solutions (support by phone,
ISO 9001, a mobile app, a REST API...: things that answer no organisation's need), drawn with a
fixed seed. A supplier described by many items, most of them beside the point, is what a real
catalogue looks like; the judgements hold unchanged, since the items add no capability.

Usage:
    .venv/bin/python corpora/tools/outside_variants.py OUT [--needs-only] [--pad N]
    (then: matchmaker ingest OUT, and matchmaker eval --labels corpora/outside --kind city_provider)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "outside" / "corpus"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from split import read_jsonl  # noqa: E402  (sibling module)

SEED = 7
GENERIC_ITEMS = (
    "Customer support by phone and e-mail on working days",
    "Annual user conference and online webinars",
    "Processes certified to ISO 9001",
    "Onboarding training for new staff",
    "Data export to Excel and CSV",
    "Regular software updates at no extra cost",
    "User interface in several languages",
    "Role-based access rights for each user",
    "Mobile app for iOS and Android",
    "Dashboard with key figures",
    "Integration with other systems through a REST API",
    "Hosting in data centres in the European Union",
    "Single sign-on with existing accounts",
    "Monthly usage reports",
    "Free trial for thirty days",
    "Dedicated account manager",
)


def need_lines(summary: str) -> list[str]:
    """The need lines of a summary, without their ``- `` marks."""
    return [line[2:].strip() for line in summary.splitlines() if line.startswith("- ")]


def needs_only(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its summary cut to its need lines (one per line)."""
    return {**record, "summary": "\n".join(need_lines(record["summary"]))}


def padded(record: dict[str, Any], size: int, rng: random.Random) -> dict[str, Any]:
    """The supplier with generic items added until it lists ``size`` solutions (at most one of each)."""
    solutions = list(record.get("solutions") or [])
    missing = min(max(0, size - len(solutions)), len(GENERIC_ITEMS))
    extra = [{"title": t, "description": t + ".", "domains": []} for t in rng.sample(GENERIC_ITEMS, missing)]
    return {**record, "solutions": solutions + extra}


def _write(path: Path, records: Sequence[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--needs-only", action="store_true", help="cut each summary to its need lines")
    parser.add_argument("--pad", type=int, default=0, help="pad every supplier to this many solutions")
    args = parser.parse_args(argv)
    cities, providers = read_jsonl(CORPUS / "cities.jsonl"), read_jsonl(CORPUS / "providers.jsonl")
    if args.needs_only:
        short = [r["id"] for r in cities if not 2 <= len(need_lines(r["summary"])) <= 3]
        if short:
            print(f"summaries without two or three need lines: {', '.join(short)}")
            return 1
        cities = [needs_only(r) for r in cities]
    if args.pad:
        rng = random.Random(SEED)
        providers = [padded(r, args.pad, rng) for r in providers]
    args.out.mkdir(parents=True, exist_ok=True)
    _write(args.out / "cities.jsonl", cities)
    _write(args.out / "providers.jsonl", providers)
    _write(args.out / "cases.jsonl", read_jsonl(CORPUS / "cases.jsonl"))
    print(f"{args.out}: {len(cities)} organisations, {len(providers)} suppliers")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
