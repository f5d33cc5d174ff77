"""Scale benchmark: the matching engine and the API at 1×, 10× and 50× the demo corpus.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/bench_scale.py [--factors 1 10 50] [--rounds 2] [--keep DIR]

``--keep DIR`` keeps each factor's ingested home in ``DIR`` and reuses it on later runs, so two trees
can be measured one after the other on the same data (point ``PYTHONPATH`` at each tree's ``src``).
Keep one folder per tree when the trees differ in the analysis code: stored analyses and relevance
rows are keyed by a fingerprint of that code (``matching.analysis.fingerprint``), so a home ingested
by one tree is analysed again from scratch by the other, at start-up and on each first query.

Each factor runs in a fresh process: it writes a corpus ``factor`` times the demo
(``corpora/tools/synthesize.py``: new ids and names, varied text), ingests it into a temporary home,
then serves it with uvicorn in the same process and measures:

* engine start: loading the model (a hashing encoder by default: no time) and building the matching
  engine over the stored bundles and analyses, as ``matchmaker serve`` does at start-up, in the server
  process, which starts after the ingest ran in a process of its own;
* the latency of each query over HTTP as staff: the very first query, the median of each other
  city's (or provider's) first query, and warm median / p95 (ms) once every one was asked: providers
  for a city, comparable cities, cities for a provider, cases for a city;
* a write followed by a query: ``PATCH`` one city's summary, then ask its providers (ms, median of
  five); the write alone; and each first query right after a write (providers and cases for the
  written city, comparable cities of another), against the same query warm (the ratio);
* resident memory of the process once every query was asked (MB), and its peak.

The default encoders are hashing encoders with the dimension of the bundled models (384): the
engine's work does not depend on what the vectors mean, and it keeps a 50× ingest to minutes.
``--model`` and ``--multilingual`` name the real ones. The table prints each figure at every factor
and its growth from the smallest factor.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
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
sys.path.insert(0, str(ROOT / "corpora" / "tools"))

FIGURES = [
    ("engine_start_s", "engine start (s)"),
    ("providers_first_ms", "providers for a city, first (ms)"),
    ("providers_cold_p50_ms", "providers for a city, each city's first, p50 (ms)"),
    ("providers_p50_ms", "providers for a city, warm p50 (ms)"),
    ("providers_p95_ms", "providers for a city, warm p95 (ms)"),
    ("comparable_first_ms", "comparable cities, first (ms)"),
    ("comparable_cold_p50_ms", "comparable cities, each city's first, p50 (ms)"),
    ("comparable_p95_ms", "comparable cities, warm p95 (ms)"),
    ("provider_cities_first_ms", "cities for a provider, first (ms)"),
    ("provider_cities_p95_ms", "cities for a provider, warm p95 (ms)"),
    ("cases_p95_ms", "cases for a city, warm p95 (ms)"),
    ("write_then_query_ms", "write, then providers for that city (ms)"),
    ("write_ms", "the write alone (PATCH, ms)"),
    ("providers_after_write_ms", "providers for the written city, right after (ms)"),
    ("providers_after_write_ratio", "  the same / warm p50"),
    ("comparable_after_write_ms", "comparable cities of another city, right after (ms)"),
    ("comparable_after_write_ratio", "  the same / warm p50"),
    ("cases_after_write_ms", "cases for the written city, right after (ms)"),
    ("cases_after_write_ratio", "  the same / warm p50"),
    ("rss_mb", "resident memory (MB)"),
    ("peak_mb", "peak resident memory (MB)"),
]


def _memory() -> tuple[float, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def _ingested(factor: int, model: str, multilingual: str, keep: Path | None) -> tuple[Path, dict[str, Any]]:
    """A home holding a corpus of ``factor`` × the demo, ingested: its folder and what it holds
    (counts, staff token, ingest seconds). With ``keep``, the ingested home is kept under
    ``keep/<factor>×-<model>`` and copied for each run (two trees compared side by side start from
    the same data, and only the first run pays for the ingest)."""
    from synthesize import synthesize

    tmp = Path(tempfile.mkdtemp(prefix=f"bench-scale-{factor}-"))
    kept = keep / f"{factor}x-{model}-{multilingual}" if keep is not None else None
    if kept is not None and (kept / "facts.json").exists():
        shutil.copytree(kept / "home", tmp / "home")
        return tmp, json.loads((kept / "facts.json").read_text(encoding="utf-8"))
    counts = synthesize(ROOT / "corpora" / "demo", tmp / "corpus", factor)
    # The ingest runs in a process of its own, as `matchmaker ingest` does; the server process
    # measured then starts over the stored indexes and analyses.
    command = [sys.executable, __file__, "--ingest", str(tmp), "--model", model]
    command += ["--multilingual", multilingual]
    t0 = time.perf_counter()
    token = (
        subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    )
    facts = {**counts, "token": token, "ingest_s": time.perf_counter() - t0}
    if kept is not None:
        kept.mkdir(parents=True, exist_ok=True)
        shutil.copytree(tmp / "home", kept / "home", dirs_exist_ok=True)
        (kept / "facts.json").write_text(json.dumps(facts), encoding="utf-8")
    return tmp, facts


def run_one(
    factor: int, rounds: int, model: str, multilingual: str, keep: Path | None = None
) -> dict[str, Any]:
    """Ingest a corpus of ``factor`` × the demo (or copy the one kept) and measure it; the figures."""
    import httpx
    import uvicorn

    from matchmaker.services.container import Services
    from matchmaker.settings import Settings
    from matchmaker.web import create_app

    tmp, facts = _ingested(factor, model, multilingual, keep)
    token, ingest_s = facts["token"], facts["ingest_s"]
    counts = {k: facts[k] for k in ("cities", "providers", "cases")}
    settings = Settings(
        home=tmp / "home", model_name=model, multilingual_model=multilingual, rate_limit_per_minute=10_000_000
    )

    services = Services.build(settings)
    # As `matchmaker serve` starts: the model, the indexes and the engine load in the background.
    t0 = time.perf_counter()
    services.matching.start_in_background()
    services.matching.wait_until_loaded()
    engine_start_s = time.perf_counter() - t0
    matcher = services.matching.matcher()
    engine = matcher.engine()
    rng = random.Random(1)
    cities = rng.sample(list(engine.kind("city").ids), min(30, len(engine.kind("city").ids)))
    providers = rng.sample(list(engine.kind("provider").ids), min(10, len(engine.kind("provider").ids)))

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(services=services), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)

    out: dict[str, Any] = {"factor": factor, "ingest_s": ingest_s, "engine_start_s": engine_start_s, **counts}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600, headers=headers) as client:

        def timed(path: str) -> float:
            t = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - t) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
            return elapsed

        def series(name: str, paths: list[str]) -> None:
            out[f"{name}_first_ms"] = timed(paths[0])
            # Each other query once (its own first time), then the timed warm rounds.
            out[f"{name}_cold_p50_ms"] = statistics.median([timed(p) for p in paths[1:]])
            warm = [timed(p) for _ in range(rounds) for p in paths]
            out[f"{name}_p50_ms"] = statistics.median(warm)
            out[f"{name}_p95_ms"] = percentile(warm, 0.95)

        series("providers", [f"/api/v1/match/providers?city={c}&top=10" for c in cities])
        series("comparable", [f"/api/v1/match/cities?city={c}&top=10" for c in cities])
        series("provider_cities", [f"/api/v1/match/cities?provider={p}&top=10" for p in providers])
        series("cases", [f"/api/v1/match/cases?city={c}&top=10" for c in cities])

        writes: list[float] = []
        patches: list[float] = []
        after: dict[str, list[float]] = {"providers": [], "comparable": [], "cases": []}
        for i, city in enumerate(cities[:5]):
            summary = client.get(f"/api/v1/cities/{city}").json()["summary"]
            t = time.perf_counter()
            patched = client.patch(
                f"/api/v1/cities/{city}",
                json={"summary": summary + f"\nThe city also needs a register of its {i + 2} bridges."},
            )
            if patched.status_code != 200:
                raise SystemExit(f"PATCH: {patched.status_code} {patched.text[:300]}")
            patches.append((time.perf_counter() - t) * 1000)
            after["providers"].append(timed(f"/api/v1/match/providers?city={city}&top=10"))
            writes.append((time.perf_counter() - t) * 1000)
            # The other queries right after a write: a city the write did not touch.
            other = cities[5 + i]
            after["comparable"].append(timed(f"/api/v1/match/cities?city={other}&top=10"))
            after["cases"].append(timed(f"/api/v1/match/cases?city={city}&top=10"))
            # The next write starts from matrices brought up to date (a tree measured as a baseline
            # may have no background freshening).
            wait = getattr(matcher, "wait_until_fresh", None)
            if wait is not None:
                wait(60)
        out["write_then_query_ms"] = statistics.median(writes)
        out["write_ms"] = statistics.median(patches)
        for name, values in after.items():
            out[f"{name}_after_write_ms"] = statistics.median(values)
            out[f"{name}_after_write_ratio"] = statistics.median(values) / out[f"{name}_p50_ms"]
    out["rss_mb"], out["peak_mb"] = _memory()
    server.should_exit = True
    thread.join(timeout=10)
    services.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def ingest_only(tmp: Path, model: str, multilingual: str) -> str:
    """Ingest ``tmp/corpus`` into ``tmp/home`` and add a staff user; its token."""
    from matchmaker.services.container import Services
    from matchmaker.settings import Settings

    settings = Settings(home=tmp / "home", model_name=model, multilingual_model=multilingual)
    services = Services.build(settings)
    try:
        services.corpus.ingest_paths([tmp / "corpus"])
        with services.database.unit_of_work() as session:
            return services.users(session).add_user("staff").token
    finally:
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--rounds", type=int, default=2, help="times each warm query is asked")
    parser.add_argument("--model", default="hashing-384", help="encoder name")
    parser.add_argument("--multilingual", default="hashing-384", help="multilingual encoder name")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep each factor's ingested home in this folder and reuse it on later runs "
        "(to compare two trees side by side on the same data)",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ingest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ingest is not None:
        print(ingest_only(args.ingest, args.model, args.multilingual))
        return
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.rounds, args.model, args.multilingual, args.keep)))
        return

    results: list[dict[str, Any]] = []
    for factor in args.factors:
        command = [sys.executable, __file__, "--one", str(factor), "--rounds", str(args.rounds)]
        command += ["--model", args.model, "--multilingual", args.multilingual]
        if args.keep is not None:
            command += ["--keep", str(args.keep.resolve())]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(
            f"{factor}×: {r['cities']} cities, {r['providers']} providers, {r['cases']} cases; "
            f"ingest {r['ingest_s']:.0f} s",
            flush=True,
        )
    encoders = f"encoders {args.model}, {args.multilingual}"
    print(f"\nmachine: {os.cpu_count()} cores; {encoders}; warm figures over {args.rounds} rounds")
    print()
    header = "| figure | " + " | ".join(f"{r['factor']}×" for r in results)
    growth = [f"growth {r['factor']}×/{results[0]['factor']}×" for r in results[1:]]
    header += " | " + " | ".join(growth) + " |"
    print(header)
    print("|---|" + "---:|" * (2 * len(results) - 1))
    for key, label in FIGURES:
        values = [r[key] for r in results]
        base = values[0] or 1e-9
        cells = [f"{v:,.1f}" for v in values] + [f"{v / base:.1f}×" for v in values[1:]]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
