"""Small helpers the benchmarks share: a free local port, a percentile of timings, an instance
holding the demo corpus, a worker run against another source tree, a PostgreSQL database made for
one run.

The benchmarks run as scripts (``python bench/NAME.py``), so this directory is on ``sys.path``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matchmaker.services.container import Services

ROOT = Path(__file__).resolve().parents[1]
#: The PostgreSQL server of the benches that need one (``--pg`` or ``MATCHMAKER_TEST_PG`` name another).
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank, ``q`` in [0, 1])."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """The URL of a fresh database on the PostgreSQL server of ``server_url``, dropped at the end."""
    import psycopg

    admin = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"mm_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_in_tree(src: Path, script: str, arguments: Sequence[str], out: Path) -> dict[str, Any]:
    """Run ``script --worker`` with ``arguments`` in a process of its own that imports the package from
    the source tree ``src`` (a baseline exported with ``git archive``, or this one); the JSON the worker
    wrote to ``out``."""
    env = {**os.environ, "PYTHONPATH": str(src), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, script, "--worker", *arguments, "--out", str(out)]
    subprocess.run(command, env=env, check=True)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def demo_instance(home: Path | None) -> tuple[Services, Callable[[], None]]:
    """The services of an instance holding ``corpora/demo`` and what closes them: ``home`` when given
    (it already holds the demo), else a temporary home the demo is ingested into first (the time it
    took is printed), removed on closing."""
    from matchmaker.services.container import Services
    from matchmaker.settings import Settings

    if home is not None:
        services = Services.build(Settings(home=home))
        return services, services.close
    tmp = tempfile.TemporaryDirectory(prefix="mm-bench-")
    services = Services.build(Settings(home=Path(tmp.name)))
    t0 = time.perf_counter()
    services.corpus.ingest_paths([ROOT / "corpora" / "demo"])
    print(f"ingest + index of corpora/demo: {time.perf_counter() - t0:.1f} s")

    def close() -> None:
        services.close()
        tmp.cleanup()

    return services, close
