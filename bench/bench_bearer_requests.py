"""Authenticated API requests on PostgreSQL: their time and the statements each sends, this tree
against a baseline tree.

Run from the repository root (PostgreSQL at 127.0.0.1:5432, trust auth; ``--pg`` names another)::

    PYTHONPATH=src .venv/bin/python bench/bench_bearer_requests.py --baseline BASE/src \\
        [--requests 1000] [--rounds 3]

Each tree (``--baseline SRC`` and this one) runs in a process of its own with its ``src`` on
``PYTHONPATH``, on a fresh database (dropped at the end): it stores one city, adds a staff user, and
sends ``--requests`` requests of each kind below with the user's bearer token from one client address
through the app in process (the ASGI stack of ``matchmaker serve``, without the socket), after 50
requests to warm up. The trees take turns, ``--rounds`` times.

* ``GET /api/v1/me``: the cheapest signed-in request (the token is checked, nothing else is read);
* ``GET /api/v1/cities/kukes``: one record read;
* ``GET /api/v1/me`` after a failed sign-in from the same address (a wrong token first, then the
  good one, in turn): the path a client that mistyped takes (the bound of failed sign-ins is set to
  its largest, 10,000 a minute, so that the good token is never refused).

The table gives each tree's median and p95 milliseconds per request, the statements a request sent
(the mean over the timed requests: those sent through a cursor, and each transaction's ``COMMIT`` or
``ROLLBACK``), what they read or wrote, and the ratio of the baseline's median to the tree's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from support import DEFAULT_PG, percentile, postgres_database, run_in_tree

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("me", "city", "me after a failure")
WARM_UP = 50


def _what(statement: str) -> str:
    """A statement's verb and the table it names first (``SELECT api_user``)."""
    words = statement.split()
    verb = words[0].upper() if words else "?"
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", statement, re.IGNORECASE)
    return f"{verb} {table.group(1)}" if table else verb


def _worker(database_url: str, requests: int, out: Path) -> None:
    """Time ``requests`` requests of each kind in this process's tree; write the figures to ``out``."""
    from litestar.testing import TestClient
    from sqlalchemy import event

    from matchmaker.db.models import CityCreate
    from matchmaker.services.container import Services
    from matchmaker.services.records import RecordService
    from matchmaker.settings import Settings
    from matchmaker.web import create_app

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="mm-bench-bearer-") as home:
        settings = Settings(
            home=Path(home),
            database_url=database_url,
            model_name="hashing-64",
            log_level="WARNING",
            signin_failures_per_minute=10_000,  # the wrong tokens sent on purpose are never refused
            job_workers=0,  # no job worker polls the database while the requests are counted
        )
        services = Services.build(settings)
        try:
            with services.database.unit_of_work() as session:
                RecordService(session).create(
                    "city", CityCreate(id="kukes", name="Kukës", country="AL", summary="Kukës summary.")
                )
                token = services.users(session).add_user("staff").token
            good = {"Authorization": f"Bearer {token}"}
            wrong = {"Authorization": "Bearer mm_not-a-token-anyone-holds"}
            sent: list[str] = []

            def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
                sent.append(statement)

            engine = services.database.engine
            event.listen(engine, "before_cursor_execute", seen)
            event.listen(engine, "commit", lambda _conn: sent.append("COMMIT"))
            event.listen(engine, "rollback", lambda _conn: sent.append("ROLLBACK"))
            app = create_app(services=services)
            with TestClient(app, base_url="http://127.0.0.1:8000") as client:
                paths = {
                    "me": "/api/v1/me",
                    "city": "/api/v1/cities/kukes",
                    "me after a failure": "/api/v1/me",
                }
                for kind in KINDS:
                    path = paths[kind]
                    failing = kind == "me after a failure"
                    seconds: list[float] = []
                    said: Counter[str] = Counter()
                    for n in range(WARM_UP + requests):
                        if failing:
                            assert client.get(path, headers=wrong).status_code == 401
                        del sent[:]
                        t0 = time.perf_counter()
                        answer = client.get(path, headers=good)
                        took = time.perf_counter() - t0
                        assert answer.status_code == 200, answer.text
                        if n >= WARM_UP:
                            seconds.append(took)
                            said.update(_what(s) for s in sent)
                    results[kind] = {"seconds": seconds, "statements": dict(said)}
        finally:
            services.close()
    out.write_text(json.dumps(results), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="timed requests of each kind")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each tree, taking turns")
    parser.add_argument("--baseline", type=Path, help="another source tree to compare with")
    parser.add_argument("--pg", default=os.environ.get("MATCHMAKER_TEST_PG", DEFAULT_PG))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        _worker(args.worker, args.requests, args.out)
        return
    trees = {"this tree": ROOT / "src"}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    seconds: dict[tuple[str, str], list[float]] = {}
    statements: dict[tuple[str, str], Counter[str]] = {}
    timed: dict[tuple[str, str], int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-bearer-") as tmp:
        for r in range(max(1, args.rounds)):
            for label in sorted(trees, reverse=r % 2 == 1):
                with postgres_database(args.pg) as url:
                    out = Path(tmp) / f"{label.replace(' ', '-')}.json"
                    result = run_in_tree(trees[label], __file__, [url, "--requests", str(args.requests)], out)
                for kind, figures in result.items():
                    seconds.setdefault((label, kind), []).extend(figures["seconds"])
                    statements.setdefault((label, kind), Counter()).update(figures["statements"])
                    timed[label, kind] = timed.get((label, kind), 0) + len(figures["seconds"])
                print(f"round {r + 1}: {label} done", flush=True)
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{args.requests} requests of each kind per run, {args.rounds} runs per tree")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    print()
    print("| request | tree | median ms | p95 ms | statements / request | what they were | baseline / tree |")
    print("|---|---|---:|---:|---:|---|---:|")
    base = next(iter(trees))
    for kind in KINDS:
        for label in trees:
            times = seconds[label, kind]
            count = timed[label, kind]
            said = statements[label, kind]
            what = ", ".join(f"{name} {n / count:.2g}" for name, n in sorted(said.items()))
            ratio = statistics.median(seconds[base, kind]) / statistics.median(times)
            print(
                f"| {kind} | {label} | {1000 * statistics.median(times):.2f} "
                f"| {1000 * percentile(times, 0.95):.2f} | {sum(said.values()) / count:.2f} | {what} "
                f"| {ratio:.2f}× |"
            )


if __name__ == "__main__":
    main()
