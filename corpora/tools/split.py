"""Split the labelled development set by query into a tuning half and a held-out half.

Every city of ``demo/cities.jsonl`` (the queries of ``city_provider``, ``city_city`` and ``city_case``)
and every free-text query of ``eval/queries.tsv`` (the queries of ``text_case``) goes to ``tune`` or
``heldout``. The split is stratified and seeded, so it never changes unless the corpus does:

* cities are grouped by (summary not in English, mentor city: it has its own case study);
* free-text queries are grouped by (query not in English);
* each group is shuffled with a fixed seed and dealt out alternately; where a group has an odd size,
  the half that gets the extra item is chosen so that every attribute (non-English, mentor) and the
  half sizes stay as even as they can be.

Documents are never split: a held-out city is still a candidate for a tuning city's query.

``--outside`` splits the set outside the domain (``outside/split.tsv``) the same way: its
organisations grouped by (summary not in English), the same seed.

Usage:  .venv/bin/python corpora/tools/split.py            (writes eval/split.tsv)
        .venv/bin/python corpora/tools/split.py --stats    (also prints the share of each group)
        .venv/bin/python corpora/tools/split.py --check    (exit 1 when eval/split.tsv is stale)
        .venv/bin/python corpora/tools/split.py --outside [--check]   (outside/split.tsv)
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable, Iterable, Mapping
from itertools import product
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = 1414
HALVES = ("tune", "heldout")
HEADER = (
    "# Query split of the labelled set: id<TAB>tune|heldout. Cities are the queries of city_provider,\n"
    "# city_city and city_case; q-ids are the free-text queries of text_case. Written by\n"
    "# corpora/tools/split.py (seeded, stratified); do not edit by hand.\n"
)
OUTSIDE_HEADER = (
    "# Query split of the out-of-domain set: id<TAB>tune|heldout, stratified by the summary's language\n"
    "# (English or not), seeded (1414), dealt alternately within each group.\n"
)


def detect(text: str) -> str:
    """ISO 639-1 code of ``text``: the engine's own detector when importable, else langid."""
    try:
        from matchmaker.vocabulary import detect_language
    except ImportError:  # running without the package on the path
        import langid  # type: ignore[import-untyped]

        return str(langid.classify(text)[0])
    return detect_language(text)


def city_language(city: Mapping[str, Any], detector: Callable[[str], str] = detect) -> str:
    """The declared ``language`` of a city record, or the detected language of its summary."""
    declared = city.get("language")
    return str(declared) if declared else detector(str(city["summary"]))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSON Lines file (blank lines skipped)."""
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def read_queries(path: Path) -> dict[str, str]:
    """``qid -> text`` from a ``queries.tsv`` file."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, _, text = line.partition("\t")
            out[qid.strip()] = text.strip()
    return out


def mentor_ids(cases_design: Path) -> set[str]:
    """Ids of the cities that have a case study of their own in the design."""
    cases = json.loads(cases_design.read_text(encoding="utf-8"))["cases"]
    return {str(k["city_id"]) for k in cases if k.get("city_id")}


def stratified_split(strata: Mapping[str, tuple[object, ...]], seed: int = SEED) -> dict[str, str]:
    """``id -> tune|heldout``: every stratum shuffled with ``seed`` and dealt alternately to the halves.

    An odd stratum leaves one half with one item more. Which half starts each odd stratum is chosen
    among all combinations (there are few strata) so that every attribute value (say "not in English"
    or "mentor") is split as evenly as possible, then the half sizes; ties go to ``tune`` first.
    """
    rng = random.Random(seed)
    groups: dict[tuple[object, ...], list[str]] = {}
    for item, key in sorted(strata.items()):
        groups.setdefault(key, []).append(item)
    keys = sorted(groups, key=repr)
    for key in keys:
        rng.shuffle(groups[key])
    odd = [key for key in keys if len(groups[key]) % 2]

    def imbalance(starts: tuple[int, ...]) -> tuple[int, int]:
        # +1 when an odd stratum gives its extra item to tune, -1 when to heldout.
        extra = {key: 1 - 2 * s for key, s in zip(odd, starts, strict=True)}
        attrs: dict[tuple[int, object], int] = {}
        for key, e in extra.items():
            for i, v in enumerate(key):
                attrs[(i, v)] = attrs.get((i, v), 0) + e
        return sum(d * d for d in attrs.values()), abs(sum(extra.values()))

    best = min(product((0, 1), repeat=len(odd)), key=lambda starts: (imbalance(starts), starts))
    first = dict(zip(odd, best, strict=True))
    out: dict[str, str] = {}
    for key in keys:
        start = first.get(key, 0)
        for n, item in enumerate(groups[key]):
            out[item] = HALVES[(start + n) % 2]
    return out


def compute(eval_dir: Path, corpus_dir: Path, cases_design: Path) -> dict[str, str]:
    """The split of the cities in ``corpus_dir`` and the queries in ``eval_dir``."""
    cities = read_jsonl(corpus_dir / "cities.jsonl")
    mentors = mentor_ids(cases_design)
    city_strata = {str(c["id"]): (city_language(c) != "en", c["id"] in mentors) for c in cities}
    queries = read_queries(eval_dir / "queries.tsv")
    query_strata = {q: (detect(t) != "en",) for q, t in queries.items()}
    split = stratified_split(city_strata)
    split.update(stratified_split(query_strata))
    return split


def render(split: Mapping[str, str], order: Iterable[str]) -> str:
    """The text of ``split.tsv``: the header, then one ``id<TAB>half`` line per id in ``order``."""
    return HEADER + "".join(f"{i}\t{split[i]}\n" for i in order)


def stats(split: Mapping[str, str], eval_dir: Path, corpus_dir: Path, cases_design: Path) -> str:
    """One line per half: how many cities, non-English summaries, mentors and queries it holds."""
    cities = read_jsonl(corpus_dir / "cities.jsonl")
    mentors = mentor_ids(cases_design)
    queries = read_queries(eval_dir / "queries.tsv")
    lines = []
    for half in HALVES:
        mine = [c for c in cities if split.get(c["id"]) == half]
        qs = [q for q in queries if split.get(q) == half]
        lines.append(
            f"{half:8s} cities={len(mine):3d} non-English={sum(city_language(c) != 'en' for c in mine):3d} "
            f"mentors={sum(c['id'] in mentors for c in mine):3d} queries={len(qs):3d} "
            f"non-English queries={sum(detect(queries[q]) != 'en' for q in qs):3d}"
        )
    return "\n".join(lines)


def outside_split(corpus_dir: Path) -> dict[str, str]:
    """The split of the organisations of the set outside the domain, by (summary not in English)."""
    cities = read_jsonl(corpus_dir / "cities.jsonl")
    return stratified_split({str(c["id"]): (city_language(c) != "en",) for c in cities})


def main(argv: list[str]) -> int:
    """Write (or ``--check``) ``eval/split.tsv`` of the development set, or ``outside/split.tsv``."""
    eval_dir, corpus_dir, cases_design = ROOT / "eval", ROOT / "demo", ROOT / "design" / "cases.json"
    if "--outside" in argv:
        split = outside_split(ROOT / "outside" / "corpus")
        text = OUTSIDE_HEADER + "".join(f"{i}\t{split[i]}\n" for i in sorted(split))
        target = ROOT / "outside" / "split.tsv"
    else:
        split = compute(eval_dir, corpus_dir, cases_design)
        cities = [str(c["id"]) for c in read_jsonl(corpus_dir / "cities.jsonl")]
        text = render(split, cities + list(read_queries(eval_dir / "queries.tsv")))
        target = eval_dir / "split.tsv"
    if "--check" in argv:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            again = " ".join(a for a in argv if a != "--check")
            print(f"{target} is stale: run corpora/tools/split.py {again}".rstrip(), file=sys.stderr)
            return 1
    else:
        target.write_text(text, encoding="utf-8")
    if "--stats" in argv and "--outside" not in argv:
        print(stats(split, eval_dir, corpus_dir, cases_design))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
