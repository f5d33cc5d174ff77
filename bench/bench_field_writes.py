"""What a provider's write costs in a server, and whether the next query reads it: a change of a field
that is not text (its languages) against a change of its text (its description, the baseline).

Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/bench_field_writes.py [--home HOME] [--rounds 15]

``--home`` names a home that already holds ``corpora/demo`` (else the demo is ingested into a
temporary one first). The matcher runs as in a server: a write refreshes the index and prepares the
matcher before it returns. Each round writes one field in its own unit of work, then asks for the
provider's municipalities; for the languages, "read" counts the rounds whose answer's language check
shows the languages just written. Medians of the rounds, interleaved, and each row's ratio to the
text write.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from support import demo_instance

if TYPE_CHECKING:
    from matchmaker.services.container import Services

PROVIDER = "prov-adresa-lab"
CITY = "osh"  # works in Russian among others: the provider's languages move its language check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    services, close = demo_instance(args.home)
    try:
        run(services, args.rounds)
    finally:
        close()


def run(services: Services, rounds: int) -> None:
    services.matching.long_running = True  # as in a server: a write prepares the matcher
    matcher = services.matching.matcher()
    with services.database.unit_of_work() as session:
        stored = services.records(session).get("provider", PROVIDER)
    languages, description = list(stored.languages), stored.description
    matcher.cities_for_provider(PROVIDER, top=100)  # warm

    def write(changes: dict[str, object]) -> float:
        started = time.perf_counter()
        with services.database.unit_of_work(write=True) as session:
            services.records(session).update("provider", PROVIDER, changes)
        return time.perf_counter() - started

    def ask() -> tuple[float, dict[str, object]]:
        started = time.perf_counter()
        found = {r.id: r for r in matcher.cities_for_provider(PROVIDER, top=100).results}
        return time.perf_counter() - started, found[CITY].explanation

    timings: dict[str, tuple[list[float], list[float], list[bool]]] = {
        "languages (not text)": ([], [], []),
        "description (text)": ([], [], []),
    }
    try:
        for i in range(rounds):
            offered = ["en", "ru"] if i % 2 == 0 else ["en"]
            w = write({"languages": offered})
            q, explanation = ask()
            checks = {f["factor"]: f["detail"] for f in explanation["context"]}  # type: ignore[index, union-attr]
            offers = str(checks.get("language", "")).split("provider offers")[-1]
            row = timings["languages (not text)"]
            row[0].append(w)
            row[1].append(q)
            row[2].append(("Russian" in offers) == ("ru" in offered))

            marker = f"Round {i} of street naming."
            w = write({"description": f"{description} {marker}"})
            q, explanation = ask()
            row = timings["description (text)"]
            row[0].append(w)
            row[1].append(q)
    finally:
        write({"languages": languages, "description": description})

    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, demo corpus")
    print(f"{rounds} rounds, a write then a query each, medians")
    base_w = statistics.median(timings["description (text)"][0])
    base_q = statistics.median(timings["description (text)"][1])
    print(f"{'write':<24}{'write ms':>10}{'ratio':>8}{'next query ms':>15}{'ratio':>8}{'read':>8}")
    for name, (writes, queries, read) in timings.items():
        w_ms, q_ms = 1000 * statistics.median(writes), 1000 * statistics.median(queries)
        print(
            f"{name:<24}{w_ms:>10.1f}{w_ms / (1000 * base_w):>8.2f}"
            f"{q_ms:>15.1f}{q_ms / (1000 * base_q):>8.2f}"
            f"{f'{sum(read)}/{len(read)}' if read else '-':>8}"
        )


if __name__ == "__main__":
    main()
