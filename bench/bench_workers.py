"""Throughput of warm city → provider matches over HTTP with 1 and with 2 ``matchmaker serve`` workers.

Builds one instance on a fresh PostgreSQL database (dropped at the end) with the demo corpora, starts
two servers (different ports, one database, one bundle directory), and drives the first alone, then
both, with a few concurrent clients over keep-alive connections: client ``i`` talks to worker ``i % N``, as a
round-robin reverse proxy would. Every city is asked once before the clock starts (warm engine). Prints
requests/s and p50 / p95 latency per setting and the 2-worker / 1-worker ratio, measured in the same run.

    PYTHONPATH=src .venv/bin/python bench/bench_workers.py --seconds 10 --clients 8

The machine's cores are shared by the servers and by the clients (one Python process), so read the
ratio, not the absolute figures. ``--model`` picks the embedding model of the indexes (the hashing
encoder by default: the matching work per query is the same and the set-up takes seconds).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

from support import DEFAULT_PG, free_port, postgres_database

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"


def _env(home: Path, database_url: str, model: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHMAKER_")}
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        MATCHMAKER_HOME=str(home),
        MATCHMAKER_DATABASE_URL=database_url,
        MATCHMAKER_MODEL_NAME=model,
        MATCHMAKER_RATE_LIMIT_PER_MINUTE="10000000",
        MATCHMAKER_LOG_LEVEL="WARNING",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from matchmaker.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@contextmanager
def _server(env: dict[str, str], log: Path) -> Iterator[int]:
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from matchmaker.cli import main; main()", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited; see {log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        else:
            raise SystemExit(f"the server was not ready; see {log}")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _start_all(stack: ExitStack, servers: list[AbstractContextManager[int]]) -> list[int]:
    """Enter every server's context, starting them in parallel threads; their ports in order."""
    ports: list[int | None] = [None] * len(servers)

    def enter(i: int) -> None:
        ports[i] = stack.enter_context(servers[i])

    threads = [threading.Thread(target=enter, args=(i,)) for i in range(len(servers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if any(p is None for p in ports):
        raise SystemExit("a server did not start")
    return [p for p in ports if p is not None]


def _client(
    port: int,
    token: str,
    cities: list[str],
    *,
    offset: int,
    until: float,
    out: list[float],
    errors: list[str],
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    n = offset
    while time.perf_counter() < until:
        city = cities[n % len(cities)]
        n += 1
        started = time.perf_counter()
        conn.request("GET", f"/api/v1/match/providers?city={city}&top=10", headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            errors.append(f"{response.status} for {city}")
            continue
        out.append(time.perf_counter() - started)
    conn.close()


def _drive(ports: list[int], token: str, cities: list[str], clients: int, seconds: float) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    for port in ports:  # warm: every city once on every worker
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for city in cities:
            conn.request("GET", f"/api/v1/match/providers?city={city}&top=10", headers=headers)
            conn.getresponse().read()
        conn.close()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    started = time.perf_counter()
    until = started + seconds
    threads = [
        threading.Thread(
            target=_client,
            args=(ports[i % len(ports)], token, cities),
            kwargs={"offset": i * 7, "until": until, "out": latencies[i], "errors": errors},
        )
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    all_ms = sorted(x * 1000 for lat in latencies for x in lat)
    if errors:
        print(f"  {len(errors)} failed requests, first: {errors[0]}", file=sys.stderr)
    return {
        "requests": len(all_ms),
        "rps": len(all_ms) / elapsed,
        "p50": statistics.median(all_ms),
        "p95": all_ms[int(0.95 * (len(all_ms) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Load per setting (default 10).")
    parser.add_argument("--clients", type=int, default=8, help="Concurrent clients (default 8).")
    parser.add_argument("--pg", default=os.environ.get("MATCHMAKER_TEST_PG", DEFAULT_PG))
    parser.add_argument("--model", default="hashing-64", help="Embedding model of the indexes.")
    args = parser.parse_args()

    t0 = time.perf_counter()
    cities = [json.loads(line)["id"] for line in (DEMO / "cities.jsonl").read_text().splitlines() if line]
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="mm-bench-workers-") as tmp:
        database_url = stack.enter_context(postgres_database(args.pg))
        home = Path(tmp) / "home"
        env = _env(home, database_url, args.model)
        _cli(env, "ingest", str(DEMO))
        token = _cli(env, "users", "add", "--role", "staff").strip().splitlines()[-1]
        print(f"set-up: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        results: dict[int, dict[str, float]] = {}
        with ExitStack() as servers:
            # Both start at once (start-up is the slow part); the first setting uses only the first.
            starting = [_server(env, Path(tmp) / f"server-{n}.log") for n in (1, 2)]
            ports = _start_all(servers, starting)
            print(f"2 workers ready: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
            for workers in (1, 2):
                results[workers] = _drive(ports[:workers], token, cities, args.clients, args.seconds)

    print(
        f"\nwarm city → provider over HTTP, {args.clients} clients, {args.seconds:.0f} s per setting, "
        f"{len(cities)} cities, model {args.model}, PostgreSQL\n"
    )
    print("| workers | requests | requests/s | p50 ms | p95 ms |")
    print("|---------|----------|------------|--------|--------|")
    for workers, r in results.items():
        print(f"| {workers} | {r['requests']:.0f} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} |")
    ratio = results[2]["rps"] / results[1]["rps"]
    print(
        f"\n2 workers / 1 worker: {ratio:.2f}× requests/s; "
        f"p50 {results[2]['p50'] / results[1]['p50']:.2f}×, p95 {results[2]['p95'] / results[1]['p95']:.2f}×"
    )
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
