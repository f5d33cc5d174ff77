"""The outside set with every summary cut to its need lines: needs stated alone, the same labels.

Each summary of ``outside/corpus/cities.jsonl`` states its two or three needs as lines starting with
``- ``, among sentences of history, size, awards and strengths (``outside/GRADING.md``). This writes a
copy of the corpus where each summary is those lines only, so the engine and the base model can be
compared on text that holds needs and nothing else; the judgements of ``outside/city_provider.tsv``
hold unchanged, since they were made over the needs.

Usage:
    .venv/bin/python corpora/tools/needs_only.py OUT     (then: matchmaker ingest OUT, and
                                                          matchmaker eval --labels corpora/outside)
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "outside" / "corpus"


def need_lines(summary: str) -> list[str]:
    """The need lines of a summary, without their ``- `` marks."""
    return [line[2:].strip() for line in summary.splitlines() if line.startswith("- ")]


def needs_only(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its summary cut to its need lines (one per line)."""
    return {**record, "summary": "\n".join(need_lines(record["summary"]))}


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    records = [
        json.loads(line) for line in (CORPUS / "cities.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    short = [r["id"] for r in records if not 2 <= len(need_lines(r["summary"])) <= 3]
    if short:
        print(f"summaries without two or three need lines: {', '.join(short)}")
        return 1
    (out / "cities.jsonl").write_text(
        "".join(json.dumps(needs_only(r), ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    for other in ("providers.jsonl", "cases.jsonl"):
        shutil.copyfile(CORPUS / other, out / other)
    print(f"{out}: {len(records)} summaries cut to their need lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
