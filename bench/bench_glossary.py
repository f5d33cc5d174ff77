"""How much of a city's English text the glossary gives back when the city writes in another language.

Run from the repository root (a few seconds, no model)::

    PYTHONPATH=src .venv/bin/python bench/bench_glossary.py

The translated variants of the labelled sets (``corpora/eval/translated``, ``corpora/eval2/translated``)
hold the same city summaries in English and, rewritten, in Turkish, Russian, French, Albanian
or Bosnian. For each translated summary this prints the share of the English original's content words
(the engine's BM25 tokens of four letters or more: folded, stemmed, stop words left out) that
the English gloss of the translation contains:

* ``topics``: the topic glossary alone (the words of the controlled vocabulary's domains and obstacles);
* ``+ general``: the topic glossary, then the general words of the text's language
  (``vocabulary/glossary.json``), as the engine glosses now;

and, per set, how many gloss words there are and which share of them stand in the original
(precision). ``eval tune`` is the half the glossary's words may be checked against; ``eval heldout``
and ``eval2`` report.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from statistics import mean

from matchmaker.matching import glossary
from matchmaker.matching.lexical import tokenize

ROOT = Path(__file__).resolve().parents[1] / "corpora"
SETS = {
    "eval": (ROOT / "demo" / "cities.jsonl", ROOT / "eval" / "translated" / "cities.jsonl"),
    "eval2": (ROOT / "eval2" / "corpus" / "cities.jsonl", ROOT / "eval2" / "translated" / "cities.jsonl"),
}


def words(text: str) -> set[str]:
    """The BM25 tokens of a text (folded, stop words out, cut to a stem) of four letters or more."""
    return {token for token in tokenize(text) if len(token) >= 4}


def topics_only(text: str, _language: str) -> str:
    """The gloss of the topic glossary alone: no language names a table of general words."""
    return glossary.gloss(text, "")


def halves() -> dict[str, str]:
    lines = (ROOT / "eval" / "split.tsv").read_text(encoding="utf-8").splitlines()
    return {
        p[0]: p[1] for p in (line.split("\t") for line in lines if "\t" in line and not line.startswith("#"))
    }


def main() -> None:
    split = halves()
    glossers: dict[str, Callable[[str, str], str]] = {"topics": topics_only, "+ general": glossary.gloss}
    rows: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for name, (original_file, translated_file) in SETS.items():
        originals = {
            r["id"]: r for r in map(json.loads, original_file.read_text(encoding="utf-8").splitlines()) if r
        }
        for line in translated_file.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            group = f"eval {split[record['id']]}" if name == "eval" else name
            english = words(originals[record["id"]]["summary"])
            for label, gloss in glossers.items():
                glossed = gloss(record["summary"], record["language"])
                found = words(glossed)
                for key in ((group, "all"), (group, record["language"])):
                    rows[key][f"{label} recall"].append(len(english & found) / max(len(english), 1))
                    rows[key][f"{label} precision"].append(len(english & found) / max(len(found), 1))
                    rows[key][f"{label} words"].append(len(glossed.split()))
    print(
        "| set | language | cities | recall topics | recall + general | ratio | precision topics |"
        " precision + general | gloss words topics | gloss words + general |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (group, language), values in sorted(
        rows.items(), key=lambda kv: (kv[0][0], kv[0][1] != "all", kv[0][1])
    ):
        before, after = mean(values["topics recall"]), mean(values["+ general recall"])
        print(
            f"| {group} | {language} | {len(values['topics recall'])} | {before:.3f} | {after:.3f} |"
            f" {after / max(before, 1e-9):.2f}× | {mean(values['topics precision']):.3f} |"
            f" {mean(values['+ general precision']):.3f} | {mean(values['topics words']):.0f} |"
            f" {mean(values['+ general words']):.0f} |"
        )


if __name__ == "__main__":
    main()
