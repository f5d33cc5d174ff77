"""Explanation benchmark: what quoting passages not written in English adds to an explanation.

Run from the repository root::

    .venv/bin/python bench/bench_explain.py [--home DIR] [--rounds 5]

Without ``--home`` it ingests ``corpora/demo`` into a temporary home first (about two minutes on
2 cores). With ``--home`` it uses an instance that already holds the demo corpus
(``MATCHMAKER_HOME=DIR matchmaker ingest corpora/demo``).

For every city of the corpus and each of its three lists (providers, comparable and mentor cities,
case studies; top 10), the evidence of the shown candidates is computed once, untimed, as the
service does; then each result's explanation (:func:`matchmaker.matching.explain.explanation`) is
timed alone. A result is *English only* when the city and the candidate are both written in
English: its explanation detects no language and glosses nothing, so it is the baseline. A result is
*mixed* when either side is written in another language: each quote of that side is checked for
being English after all (language detection), glossed, and its gloss tagged with topics. The two
groups are measured side by side, interleaved in one run, and printed with their medians and the
ratio of each to the English-only median:

* ``cold``: the gloss caches emptied before each explanation (the first time a passage is quoted);
* ``warm``: each explanation again, ``--rounds`` times, caches kept (what a server does after a while).

A second table times the extra steps alone for every distinct quote not in English that the mixed
explanations show (language detection, the word gloss, the gloss's topics, the readable gloss).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matchmaker.embeddings.encoder import cpu_count
from matchmaker.matching import explain, glossary
from matchmaker.matching.glossary import readable_gloss
from support import demo_instance

#: The three lists of a city and how the service names their candidates in a summary.
LISTS = {"provider": "capability", "city": "city", "case": "case"}
BASELINE = "English only"
GROUPS = (BASELINE, "mixed")


def _ms(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000.0


def _clear_gloss_caches() -> None:
    glossary.gloss_entries.cache_clear()
    explain.gloss_topics.cache_clear()
    explain.gloss_row.cache_clear()


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an instance home that already holds the demo corpus")
    parser.add_argument("--rounds", type=int, default=5, help="times each explanation is timed warm")
    parser.add_argument("--top", type=int, default=10, help="results explained per list")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    services, close = demo_instance(args.home)

    engine = services.matching.matcher().engine()
    engine.warm()
    cfg = engine.config
    cities = engine.kind("city")
    rank = {
        "provider": engine.rank_providers_for_city,
        "city": engine.rank_cities_for_city,
        "case": engine.rank_cases_for_city,
    }

    # Every explanation to time, prepared once: (group, call, quotes of the side not in English).
    jobs: list[tuple[str, Callable[[], dict[str, Any]]]] = []
    for city_id in cities.ids:
        needs = engine.needs_of("city", city_id, cfg)
        for kind, what in LISTS.items():
            target = engine.kind(kind)
            items = rank[kind](city_id, None).top(args.top)
            own = engine.candidate_evidence(needs, kind, [i.doc_id for i in items], cfg)
            cases = explain.mentor_case_evidence(engine, needs, items, cfg)
            for c, item in enumerate(items):
                other = target.profiles[target.pos[item.doc_id]].language
                group = BASELINE if needs.profile.language == "en" and other == "en" else "mixed"
                call = partial(
                    explain.explanation,
                    engine,
                    needs,
                    target,
                    own,
                    item=item,
                    cfg=cfg,
                    what=what,
                    column=c,
                    mentor_cases=cases,
                )
                jobs.append((group, call))

    cold: dict[str, list[float]] = defaultdict(list)
    warm: dict[str, list[float]] = defaultdict(list)
    glossed: dict[str, list[int]] = defaultdict(list)
    quotes: dict[tuple[str, str, str | None], list[float]] = {}
    for group, call in jobs:  # interleaved: both groups see the same machine state
        _clear_gloss_caches()
        t0 = time.perf_counter()
        out = call()
        cold[group].append((time.perf_counter() - t0) * 1000.0)
        shown = [
            p
            for m in [*out["needs"], *(out.get("mentor_case") or {}).get("needs", [])]
            for p in (m["need"], m["match"])
            if p is not None and p.get("gloss")
        ]
        glossed[group].append(len(shown))
        for p in shown:
            quotes.setdefault((p["text"], p.get("field", ""), p.get("role")), [])
        warm[group].extend(_ms(call) for _ in range(max(1, args.rounds)))

    base_cold, base_warm = _median(cold[BASELINE]), _median(warm[BASELINE])
    print(f"machine: {platform.machine()}, {cpu_count()} cores, Python {platform.python_version()}")
    print(f"corpus: {len(cities)} cities; top {args.top} of each list; warm rounds: {args.rounds}")
    print()
    print(
        "| results | explanations | glossed quotes per explanation | cold median ms | × English only"
        " | warm median ms | × English only |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for group in GROUPS:
        print(
            f"| {group} | {len(cold[group])} | {statistics.mean(glossed[group] or [0]):.2f}"
            f" | {_median(cold[group]):.2f} | {_median(cold[group]) / base_cold:.2f}"
            f" | {_median(warm[group]):.2f} | {_median(warm[group]) / base_warm:.2f} |"
        )

    # The extra steps alone, per distinct glossed quote (language of its document from the corpus).
    languages = {
        p.text: profile.language
        for kind in LISTS
        for index in (engine.kind(kind),)
        for p, doc in zip(index.passages, index.row_doc.tolist(), strict=True)
        for profile in (index.profiles[int(doc)],)
    }
    steps: dict[str, list[float]] = defaultdict(list)
    for text, _field, role in quotes:
        language = languages.get(text, "und")
        _clear_gloss_caches()
        steps["language detection (written_in_english)"].append(
            _ms(partial(explain.written_in_english, text))
        )
        steps["word gloss (gloss_entries)"].append(_ms(partial(glossary.gloss_entries, text, language)))
        glossed = glossary.gloss_entries(text, language)
        steps["topics of the gloss (gloss_topics)"].append(_ms(partial(explain.gloss_topics, glossed)))
        steps["readable gloss (readable_gloss)"].append(
            _ms(partial(readable_gloss, " ".join(glossed), role, []))
        )
    print()
    print(f"extra steps per glossed quote ({len(quotes)} distinct quotes not in English, caches emptied):")
    print()
    print("| step | median ms | p95 ms |")
    print("|---|---:|---:|")
    for name, values in steps.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else float("nan")
        print(f"| {name} | {_median(values):.3f} | {p95:.3f} |")
    close()


if __name__ == "__main__":
    main()
