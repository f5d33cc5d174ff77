"""The translated variants of the labelled sets: the same cities, the same labels, another language.

``eval/translated/cities.jsonl`` holds the 23 English city summaries of ``demo/cities.jsonl``, and
``eval2/translated/cities.jsonl`` the 19 of ``eval2/corpus/cities.jsonl``, each rewritten in
one of Turkish, Russian, French, Albanian and Bosnian (dealt out in turn by sorted id, per half for
``eval``). Only ``summary``, ``challenges`` and ``language`` differ from the original record; facts,
numbers, names and line structure are kept. Providers and cases are unchanged.

Scoring the same queries on the original corpus and on the translated one, with the same labels,
measures what a language costs and nothing else: the cities, their needs and their judgements are the
same. (Comparing the English and non-English rows of ``matchmaker eval --by-language`` compares
different cities.)

Usage:
    .venv/bin/python corpora/tools/translated.py eval OUT    (OUT/corpus to ingest, OUT/labels to eval)
    .venv/bin/python corpora/tools/translated.py eval2 OUT
    .venv/bin/python corpora/tools/translated.py --check     (exit 1 when a translation is malformed)

``OUT/labels`` keeps the city query kinds' judgements of the translated cities only, and, for ``eval``,
their lines of ``split.tsv``; run ``matchmaker eval --labels OUT/labels`` once on a home with the
original corpus and once on a home with ``OUT/corpus``.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from split import read_jsonl  # noqa: E402  (sibling module)

#: Labelled set → (its corpus folder, its labels folder).
SETS: dict[str, tuple[Path, Path]] = {
    "eval": (ROOT / "demo", ROOT / "eval"),
    "eval2": (ROOT / "eval2" / "corpus", ROOT / "eval2"),
}
#: What a translation may change.
CHANGED = frozenset({"summary", "challenges", "language"})
CITY_KINDS = ("city_provider", "city_city", "city_case")


def problems(original: Mapping[str, Any] | None, translated: Mapping[str, Any]) -> list[str]:
    """What is wrong with one translated record against its original (nothing, when it is sound)."""
    rid = translated.get("id", "?")
    if original is None:
        return [f"{rid}: no such city in the original corpus"]
    out: list[str] = []
    if original.get("language") != "en":
        out.append(f"{rid}: the original is not in English")
    if translated.get("language") in (None, "en", original.get("language")):
        out.append(f"{rid}: the translation names no other language")
    if set(original) != set(translated):
        out.append(f"{rid}: fields differ: {sorted(set(original) ^ set(translated))}")
    for key in sorted((set(original) & set(translated)) - CHANGED):
        if original[key] != translated[key]:
            out.append(f"{rid}: {key} changed")
    lines = (str(original.get("summary", "")).count("\n"), str(translated.get("summary", "")).count("\n"))
    if lines[0] != lines[1]:
        out.append(f"{rid}: the summary has {lines[1] + 1} lines, the original {lines[0] + 1}")
    if translated.get("summary") == original.get("summary"):
        out.append(f"{rid}: the summary is not translated")
    if len(original.get("challenges") or []) != len(translated.get("challenges") or []):
        out.append(f"{rid}: challenges differ in number")
    return out


def check(name: str) -> list[str]:
    corpus, labels = SETS[name]
    originals = {r["id"]: r for r in read_jsonl(corpus / "cities.jsonl")}
    found: list[str] = []
    seen: set[str] = set()
    for record in read_jsonl(labels / "translated" / "cities.jsonl"):
        if record.get("id") in seen:
            found.append(f"{record.get('id')}: listed twice")
        seen.add(str(record.get("id")))
        found += problems(originals.get(str(record.get("id"))), record)
    return [f"[{name}] {p}" for p in found]


def _kept_lines(path: Path, queries: set[str]) -> str:
    """The comment lines of a TSV file and its lines whose first column is one of ``queries``."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if line.startswith("#") or line.split("\t", 1)[0] in queries)


def build(name: str, out: Path) -> tuple[int, int]:
    """Write ``out/corpus`` (the corpus with the translated cities in place) and ``out/labels``."""
    corpus, labels = SETS[name]
    translations = {r["id"]: r for r in read_jsonl(labels / "translated" / "cities.jsonl")}
    (out / "corpus").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    cities = [translations.get(r["id"], r) for r in read_jsonl(corpus / "cities.jsonl")]
    (out / "corpus" / "cities.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in cities), encoding="utf-8"
    )
    for other in ("providers.jsonl", "cases.jsonl"):
        shutil.copyfile(corpus / other, out / "corpus" / other)
    queries = set(translations)
    for kind in (*CITY_KINDS, "split"):
        source = labels / f"{kind}.tsv"
        if source.exists():
            (out / "labels" / f"{kind}.tsv").write_text(_kept_lines(source, queries), encoding="utf-8")
    return len(cities), len(queries)


def main(argv: Sequence[str]) -> int:
    if list(argv) == ["--check"]:
        found = [p for name in SETS for p in check(name)]
        for line in found:
            print(line)
        for name in SETS:
            n = len(read_jsonl(SETS[name][1] / "translated" / "cities.jsonl"))
            print(f"[{name}] translated={n}")
        return 1 if found else 0
    if len(argv) != 2 or argv[0] not in SETS:
        print(__doc__)
        return 2
    found = check(argv[0])
    if found:
        print("\n".join(found))
        return 1
    cities, translated = build(argv[0], Path(argv[1]))
    print(f"{argv[1]}/corpus: {cities} cities, {translated} translated; {argv[1]}/labels: their judgements")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
