"""What a record's version (``ETag``) costs a read and a change, side by side in one process.

Run from the repository root (seconds)::

    PYTHONPATH=src .venv/bin/python bench/bench_record_version.py [--rounds 400] [--database URL]

A private home holds 200 cities (SQLite by default; ``--database postgresql+psycopg://...`` for
PostgreSQL). Each row is one use case in its own unit of work, as a request runs it:

- ``read`` is a record's ``GET`` as it was (the visible record), ``read + version`` as it is now
  (the version first, then the record, then the reader's tag: the stored version for staff, a digest
  of what was shown for anyone else);
- ``change`` is a ``PATCH`` without ``If-Match``, ``change if version`` one with it (the record
  locked, its version compared, then the change).

Medians and 95th percentiles of ``--rounds`` runs, interleaved, and each row's ratio to its baseline.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matchmaker.db.models import CityCreate
from matchmaker.services.container import Services
from matchmaker.services.users import Principal
from matchmaker.settings import Settings
from support import percentile

CITIES = 200
STAFF = Principal(role="staff", subject_id=None, user_id=1)
PROVIDER = Principal(role="provider", subject_id="acme", user_id=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite in the home)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp), model_name="hashing-64", database_url=args.database)
        services = Services.build(settings)
        try:
            with services.database.unit_of_work() as session:
                records = services.records(session)
                for i in range(CITIES):
                    summary = f"City {i}: street lighting and water losses; no staff for data."
                    city = CityCreate(id=f"c{i}", name=f"City {i}", country="AL", summary=summary)
                    records.create("city", city)
            run(services, args.rounds, args.database or "sqlite")
        finally:
            services.close()


def run(services: Services, rounds: int, database: str) -> None:
    counter = iter(range(10**9))

    def read(principal: Principal, *, versioned: bool) -> Callable[[], None]:
        def once() -> None:
            with services.database.unit_of_work() as session:
                records = services.records(session)
                version = records.version("city", "c7") if versioned else ""
                shown = records.visible_get(principal, "city", "c7")
                if versioned:
                    records.visible_version(principal, "city", "c7", shown, version)

        return once

    def change(*, versioned: bool) -> Callable[[], None]:
        def once() -> None:
            with services.database.unit_of_work() as session:
                records = services.records(session)
                expected = {records.version("city", "c9")} if versioned else None
                records.update("city", "c9", {"population": next(counter)}, if_version=expected)

        return once

    rows: dict[str, Callable[[], None]] = {
        "read (staff)": read(STAFF, versioned=False),
        "read + version (staff)": read(STAFF, versioned=True),
        "read (provider)": read(PROVIDER, versioned=False),
        "read + version (provider)": read(PROVIDER, versioned=True),
        "change": change(versioned=False),
        "change if version": change(versioned=True),
    }
    baseline = {
        "read + version (staff)": "read (staff)",
        "read + version (provider)": "read (provider)",
        "change if version": "change",
    }
    times: dict[str, list[float]] = {name: [] for name in rows}
    for fn in rows.values():  # warm up: first connections, caches
        fn()
    for _ in range(rounds):
        for name, fn in rows.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)

    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {database}")
    print(f"{CITIES} cities, {rounds} rounds, each use case in its own unit of work")
    print(f"{'use case':<28}{'median ms':>10}{'p95 ms':>10}{'ratio':>8}")
    medians = {name: statistics.median(ms) for name, ms in times.items()}
    for name, ms in times.items():
        base = baseline.get(name)
        ratio = f"{medians[name] / medians[base]:.2f}" if base else "1.00"
        print(f"{name:<28}{medians[name]:>10.3f}{percentile(ms, 0.95):>10.3f}{ratio:>8}")


if __name__ == "__main__":
    main()
