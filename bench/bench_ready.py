"""Readiness benchmark: how long ``GET /ready`` takes at 1× and 10× the demo corpus, against a baseline.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/bench_ready.py --baseline-src /tmp/base/src [--factors 1 10]

``--baseline-src`` is the ``src`` folder of the version to compare with, for example one exported with
``git archive <commit> src | tar -x -C /tmp/base``. For each factor the script writes a corpus
``factor`` times the demo (``corpora/tools/synthesize.py``) and ingests it once into a temporary home
with the hashing encoders (``hashing-384``, multilingual ``hashing-48``: what vectors mean does not
matter to readiness). Then, for the baseline and for this checkout in turn, a fresh process serves that
home with uvicorn and measures over HTTP:

* ``/ready`` once the server has settled, median and p95 of ``--rounds`` calls (ms);
* ``/ready`` right after a write (``PATCH`` one city's summary), median of five (ms).

It prints one table: each figure for the baseline and this checkout, and their ratio (this / baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from support import free_port, percentile

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
MODEL = "hashing-384"
MULTILINGUAL = "hashing-48"

FIGURES = [
    ("ready_p50_ms", "/ready, settled, median (ms)"),
    ("ready_p95_ms", "/ready, settled, p95 (ms)"),
    ("ready_after_write_ms", "/ready right after a write, median (ms)"),
]


def _settings(home: Path) -> Any:
    from matchmaker.settings import Settings

    return Settings(
        home=home, model_name=MODEL, multilingual_model=MULTILINGUAL, rate_limit_per_minute=10_000_000
    )


def prepare(factor: int) -> dict[str, Any]:
    """Ingest a corpus of ``factor`` × the demo into a new home; where it is and what it holds."""
    sys.path.insert(0, str(ROOT / "corpora" / "tools"))
    from synthesize import synthesize

    from matchmaker.services.container import Services

    tmp = Path(tempfile.mkdtemp(prefix=f"bench-ready-{factor}-"))
    counts = synthesize(ROOT / "corpora" / "demo", tmp / "corpus", factor)
    services = Services.build(_settings(tmp / "home"))
    t0 = time.perf_counter()
    services.corpus.ingest_paths([tmp / "corpus"])
    ingest_s = time.perf_counter() - t0
    services.close()
    return {"home": str(tmp / "home"), "ingest_s": ingest_s, **counts}


def measure(home: Path, rounds: int) -> dict[str, Any]:
    """Serve ``home`` and time ``/ready`` (this process imports whichever ``matchmaker`` is on the path)."""
    import httpx
    import uvicorn

    from matchmaker.services.container import Services
    from matchmaker.web import create_app

    services = Services.build(_settings(home))
    with services.database.unit_of_work() as session:
        token = services.users(session).add_user("staff").token
        cities = [c.id for c in services.records(session).list("city")][:5]
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(services=services), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)

    out: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600, headers=headers) as client:

        def ready_ms() -> float:
            t = time.perf_counter()
            response = client.get("/ready")
            elapsed = (time.perf_counter() - t) * 1000
            if response.status_code != 200:
                raise SystemExit(f"/ready: {response.status_code} {response.text[:300]}")
            return elapsed

        deadline = time.monotonic() + 600
        while client.get("/ready").status_code != 200:  # the engine loads in the background
            if time.monotonic() > deadline:
                raise SystemExit("/ready never answered 200")
            time.sleep(0.2)
        ready_ms()
        settled = [ready_ms() for _ in range(rounds)]
        out["ready_p50_ms"] = statistics.median(settled)
        out["ready_p95_ms"] = percentile(settled, 0.95)

        after_write: list[float] = []
        for i, city in enumerate(cities):
            summary = client.get(f"/api/v1/cities/{city}").json()["summary"]
            patched = client.patch(
                f"/api/v1/cities/{city}",
                json={"summary": summary + f"\nThe city also needs a register of its {i + 2} bridges."},
            )
            if patched.status_code != 200:
                raise SystemExit(f"PATCH: {patched.status_code} {patched.text[:300]}")
            after_write.append(ready_ms())
        out["ready_after_write_ms"] = statistics.median(after_write)
    server.should_exit = True
    thread.join(timeout=10)
    services.close()
    return out


def _run(src: Path, home: str, rounds: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--measure", home, "--rounds", str(rounds)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--rounds", type=int, default=50, help="settled /ready calls per run")
    parser.add_argument("--baseline-src", type=Path, required=False, help="src folder of the baseline")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(measure(Path(args.measure), args.rounds)))
        return
    if args.baseline_src is None:
        parser.error("--baseline-src is required")

    rows: list[tuple[int, dict[str, Any], dict[str, Any], dict[str, Any]]] = []
    for factor in args.factors:
        corpus = prepare(factor)
        print(
            f"{factor}×: {corpus['cities']} cities, {corpus['providers']} providers, {corpus['cases']} "
            f"cases; ingest {corpus['ingest_s']:.0f} s",
            flush=True,
        )
        baseline = _run(args.baseline_src, corpus["home"], args.rounds)
        current = _run(ROOT / "src", corpus["home"], args.rounds)
        rows.append((factor, corpus, baseline, current))

    print(f"\nmachine: {os.cpu_count()} cores; encoders {MODEL} + {MULTILINGUAL}; {args.rounds} calls")
    print()
    print("| figure | factor | baseline | this | ratio this/baseline |")
    print("|---|---:|---:|---:|---:|")
    for key, label in FIGURES:
        for factor, _, baseline, current in rows:
            ratio = current[key] / (baseline[key] or 1e-9)
            print(f"| {label} | {factor}× | {baseline[key]:,.1f} | {current[key]:,.1f} | {ratio:.3f} |")


if __name__ == "__main__":
    main()
