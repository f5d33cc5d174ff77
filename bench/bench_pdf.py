"""What HarfBuzz shaping costs the printed documents: an event booklet with and without Arabic text.

Run from the repository root (about half a minute)::

    PYTHONPATH=src .venv/bin/python bench/bench_pdf.py [--participants 40] [--slots 16] [--rounds 5]

A booklet (cover, the schedule slot by slot, one agenda page per participant) is written for a made-up
event: ``latin`` has only Latin and Cyrillic names and reasons, so it is written without the shaping
engine; ``arabic`` names every fifth city and quotes every reason in Arabic, so it is shaped. The third
row writes the ``latin`` booklet with shaping forced on, to show what shaping would cost every document
if it were always on. Medians of ``--rounds`` runs, side by side in one process.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from statistics import median

from matchmaker.scheduling import pdf
from matchmaker.scheduling.problem import Pair, Slot
from matchmaker.scheduling.result import Meeting


def booklet(
    participants: int, slots: int, *, arabic: bool
) -> tuple[pdf.EventSheet, list[Meeting], dict[str, str], dict[Pair, str]]:
    start = datetime(2027, 3, 2, 9)  # noqa: DTZ001 - local to the event, as stored
    times = [
        Slot(id=f"s{i}", start=start + timedelta(minutes=30 * i), end=start + timedelta(minutes=30 * i + 20))
        for i in range(slots)
    ]
    half = participants // 2
    cities, providers = [f"c{i}" for i in range(half)], [f"p{i}" for i in range(half)]
    names = {c: ("الإسماعيلية" if arabic and i % 5 == 0 else f"Тепебаши {i}") for i, c in enumerate(cities)}
    names |= {p: f"Provider Ünal {i}" for i, p in enumerate(providers)}
    tables = max(1, half // 2)
    meetings = [
        Meeting(
            slot=f"s{s}", table=t + 1, a=cities[(s + t) % half], b=providers[(3 * s + t) % half], score=0.5
        )
        for s in range(slots)
        for t in range(tables)
    ]
    quote = "نحتاج إلى نظام لإدارة النفايات" if arabic else "we need route planning for waste trucks"
    reasons = {m.pair: f"need “{quote}” ↔ capability “Route planning for waste collection”" for m in meetings}
    sheet = pdf.EventSheet(
        name="Workshop", slots=times, tables=tables, venue="Ankara", timezone="Europe/Istanbul"
    )
    return sheet, meetings, names, reasons


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=40)
    parser.add_argument("--slots", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if pdf.unicode_font() is None:
        raise SystemExit("no Unicode TrueType font: the documents are transliterated and never shaped")
    cases = {
        "latin": (booklet(args.participants, args.slots, arabic=False), False),
        "arabic": (booklet(args.participants, args.slots, arabic=True), False),
        "latin, shaping forced on": (booklet(args.participants, args.slots, arabic=False), True),
    }
    needs = pdf.needs_shaping
    timings: dict[str, list[float]] = {label: [] for label in cases}
    sizes: dict[str, int] = {}
    for _ in range(args.rounds):
        for label, ((sheet, meetings, names, reasons), force) in cases.items():
            pdf.needs_shaping = (lambda _texts: True) if force else needs  # type: ignore[assignment]
            began = time.perf_counter()
            data = pdf.event_booklet_pdf(sheet, meetings, sorted(names), names=names, reasons=reasons)
            timings[label].append(time.perf_counter() - began)
            sizes[label] = len(data)
    pdf.needs_shaping = needs  # type: ignore[assignment]
    base = median(timings["latin"])
    print(f"event booklet, {args.participants} participants, {args.slots} slots, median of {args.rounds}")
    print("| booklet | seconds | × latin | KB |\n|---|---:|---:|---:|")
    for label, values in timings.items():
        print(f"| {label} | {median(values):.2f} | {median(values) / base:.2f} | {sizes[label] / 1000:.0f} |")


if __name__ == "__main__":
    main()
