"""How soon a freshly started ``matchmaker serve`` answers ``/health``, and when ``/ready`` settles.

Starts the server in a subprocess on a free port over an empty instance home (the real bundled model
is loaded; with no corpus ``/ready`` settles on 503 "not_ready" once the model is in), polls both
endpoints every 50 ms and prints the seconds from process start. With ``--baseline SRC`` the same is
measured for another source tree in the same run.

    PYTHONPATH=src .venv/bin/python bench/bench_startup.py --runs 2 --baseline ../main/src
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from support import free_port

ROOT = Path(__file__).resolve().parents[1]


def _get(url: str) -> tuple[int, str] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, OSError):
        return None


def _measure(src: Path, home: Path, timeout: float) -> dict[str, float | str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(src), "MATCHMAKER_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env["TRANSFORMERS_OFFLINE"] = "1"
    env.pop("MATCHMAKER_DATABASE_URL", None)
    env.pop("MATCHMAKER_MODEL_NAME", None)
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-c", "from matchmaker.cli import main; main()", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out: dict[str, float | str] = {}
    try:
        while time.perf_counter() - started < timeout:
            now = time.perf_counter() - started
            health = _get(f"http://127.0.0.1:{port}/health")
            if health is not None and health[0] == 200:
                out.setdefault("health", now)
                ready = _get(f"http://127.0.0.1:{port}/ready")
                if ready is not None:
                    status = json.loads(ready[1]).get("status", "?")
                    if status == "loading":
                        out.setdefault("loading seen", now)
                    else:
                        out["ready settled"] = now
                        out["final status"] = f"{ready[0]} {status}"
                        break
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(30)
    return out


def main() -> None:
    """Print seconds from process start to the first /health 200 and to /ready's final answer."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--baseline", type=Path, help="another source tree to compare with")
    options = parser.parse_args()
    trees = {"this tree": ROOT / "src"}
    if options.baseline is not None:
        trees = {"baseline": options.baseline.resolve(), **trees}
    rows: dict[str, list[dict[str, float | str]]] = {label: [] for label in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(options.runs):
            for label, src in trees.items():
                home = Path(tmp) / f"{label.replace(' ', '-')}-{run}"
                rows[label].append(_measure(src, home, options.timeout))
    print(f"{options.runs} runs each, CPUs: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print("| tree | first /health 200 (s) | /ready said loading | /ready settled (s) | final /ready |")
    print("|---|---|---|---|---|")
    for label, results in rows.items():

        def median(key: str, results: list[dict[str, float | str]] = results) -> str:
            values = [float(r[key]) for r in results if key in r]
            return f"{statistics.median(values):.1f}" if values else "never"

        seen = sum("loading seen" in r for r in results)
        final = ", ".join(sorted({str(r.get("final status", "timeout")) for r in results}))
        settled = median("ready settled")
        print(f"| {label} | {median('health')} | {seen}/{len(results)} runs | {settled} | {final} |")


if __name__ == "__main__":
    main()
