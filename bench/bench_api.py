"""HTTP API benchmark: latency of each endpoint through a real uvicorn server, per role.

Run from the repository root::

    .venv/bin/python bench/bench_api.py [--home DIR] [--rounds 20] [--fake]

Without ``--home`` it ingests ``corpora/demo`` into a temporary home first (about two minutes with the
real model on 2 cores; seconds with ``--fake``, the hashing encoder). With ``--home`` it uses an
instance that already holds the demo corpus.

It prints the server start-up time (model and matching engine loaded by the lifespan), the median and
p95 latency of each endpoint as staff and as a provider (the provider's answers go through the
confidential-value scrubbing), and ``/health`` latency while heavy match requests run in parallel
(the event loop must stay free while matching runs in worker threads).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx
import uvicorn

from matchmaker.services.container import Services
from matchmaker.settings import Settings
from matchmaker.web import create_app
from support import free_port, percentile

ROOT = Path(__file__).resolve().parents[1]
CITY = "kukes"
PROVIDER = "prov-kentiz-ulasim"

ENDPOINTS = [
    ("staff", f"/api/v1/match/providers?city={CITY}&top=10"),
    ("staff", f"/api/v1/match/cities?city={CITY}&top=10"),
    ("staff", f"/api/v1/match/cities?provider={PROVIDER}&top=10"),
    ("staff", f"/api/v1/match/cases?city={CITY}&top=10"),
    ("staff", "/api/v1/search/cases?q=streets%20without%20names%20and%20houses%20without%20numbers&top=10"),
    ("provider", f"/api/v1/match/cities?provider={PROVIDER}&top=10"),
    ("staff", "/api/v1/cities?limit=50"),
    ("provider", "/api/v1/cities?limit=50"),
    ("provider", f"/api/v1/cities/{CITY}"),
    ("staff", "/api/v1/me"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="An instance home that already holds the demo corpus.")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--fake", action="store_true", help="Use the hashing encoder instead of the model.")
    args = parser.parse_args()

    home = args.home or Path(tempfile.mkdtemp(prefix="bench-api-"))
    changes: dict[str, object] = {"home": home, "rate_limit_per_minute": 1_000_000}
    if args.fake:
        changes["model_name"] = "hashing-64"
    settings = Settings(**changes)  # type: ignore[arg-type]
    services = Services.build(settings)
    if args.home is None:
        started = time.perf_counter()
        services.corpus.ingest_paths([ROOT / "corpora" / "demo"])
        print(f"ingested the demo corpus in {time.perf_counter() - started:.1f} s")
    with services.database.unit_of_work() as session:
        users = services.users(session)
        tokens = {
            "staff": users.add_user("staff").token,
            "provider": users.add_user("provider", PROVIDER).token,
        }

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(services=services), host="127.0.0.1", port=port, log_level="warning")
    )
    started = time.perf_counter()
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    print(f"server ready (model {settings.model_name}) in {time.perf_counter() - started:.1f} s")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {args.rounds} rounds each")

    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=120) as client:
        print(f"{'role':9} {'endpoint':78} {'median ms':>9} {'p95 ms':>8}")
        for role, path in ENDPOINTS:
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            assert client.get(path, headers=headers).status_code == 200, path  # warm
            times: list[float] = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                response = client.get(path, headers=headers)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
            print(f"{role:9} {path[:78]:78} {statistics.median(times):9.1f} {percentile(times, 0.95):8.1f}")

        heavy = f"/api/v1/match/cities?provider={PROVIDER}&top=200"
        headers = {"Authorization": f"Bearer {tokens['staff']}"}
        health: list[float] = []
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(client.get, heavy, headers=headers) for _ in range(8)]
            while not all(f.done() for f in futures):
                t0 = time.perf_counter()
                client.get("/health")
                health.append((time.perf_counter() - t0) * 1000)
                time.sleep(0.02)
        print(
            f"/health during 8 heavy match requests (4 at a time): {len(health)} probes, "
            f"median {statistics.median(health):.1f} ms, max {max(health):.1f} ms"
        )
    server.should_exit = True
    thread.join(timeout=10)
    services.close()


if __name__ == "__main__":
    main()
