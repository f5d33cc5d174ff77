"""How long short ``matchmaker`` commands take, from process start to exit, and what they import.

Each command runs in a fresh interpreter several times over one instance home holding the demo corpus
(stored with ``--no-index``: none of these commands needs an index). With ``--baseline SRC`` the same
commands also run against another source tree (e.g. the main branch's ``src``) in the same run, so the
two columns are measured under the same machine load.

    PYTHONPATH=src .venv/bin/python bench/bench_cli.py --runs 5 --baseline ../main/src
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"
HEAVY = ("torch", "faiss", "ortools", "scipy", "bm25s", "fpdf", "matchmaker.matching.engine")

COMMANDS: list[tuple[str, list[str]]] = [
    ("--help", ["--help"]),
    ("users add", ["users", "add", "--role", "staff"]),
    ("list cities", ["list", "cities"]),
    ("show city Kukes", ["show", "city", "Kukes"]),
    ("event list", ["event", "list"]),
]

_PROBE = """
import atexit, sys
def _report():
    heavy = [m for m in {heavy!r} if m in sys.modules]
    sys.stderr.write("\\nHEAVY:" + ",".join(heavy) + "\\n")
atexit.register(_report)
sys.argv = ["matchmaker", *sys.argv[1:]]
from matchmaker.cli import main
main()
"""


def _env(src: Path, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(src),
        MATCHMAKER_HOME=str(home),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        MATCHMAKER_MODEL_NAME="hashing-64",
    )
    env.pop("MATCHMAKER_DATABASE_URL", None)
    return env


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(src: Path, home: Path, args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system, less sensitive to other load) and heavy modules."""
    cpu = _cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), *args],
        env=_env(src, home),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    cpu = _cpu() - cpu
    if done.returncode != 0:
        msg = f"{args} failed with {src}: {done.stderr[-2000:]}"
        raise SystemExit(msg)
    heavy = done.stderr.rsplit("HEAVY:", 1)[-1].strip()
    return elapsed, cpu, heavy or "-"


def _prepare(src: Path, home: Path) -> None:
    subprocess.run(
        [sys.executable, "-c", "from matchmaker.cli import main; main()", "ingest", "--no-index", str(DEMO)],
        env=_env(src, home),
        capture_output=True,
        check=True,
    )


def main() -> None:
    """Print a table: median and max seconds per command, per source tree, and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another source tree to compare with")
    options = parser.parse_args()
    trees = {"this tree": ROOT / "src"}
    if options.baseline is not None:
        trees = {"baseline": options.baseline.resolve(), **trees}
    with tempfile.TemporaryDirectory() as tmp:
        homes = {label: Path(tmp) / label.replace(" ", "-") for label in trees}
        for label, src in trees.items():
            _prepare(src, homes[label])
        results: dict[tuple[str, str], tuple[list[float], list[float], str]] = {}
        for _ in range(options.runs):
            for name, args in COMMANDS:
                for label, src in trees.items():  # interleaved: both trees see the same load
                    elapsed, cpu, heavy = _run(src, homes[label], args)
                    walls, cpus, _ = results.get((name, label), ([], [], heavy))
                    results[(name, label)] = ([*walls, elapsed], [*cpus, cpu], heavy)
    labels = list(trees)
    columns = [f"{lb}: wall median / max, CPU median (s)" for lb in labels]
    if len(labels) == 2:
        columns.append("CPU ratio")
    columns += [f"heavy modules, {lb}" for lb in labels]
    print(f"{options.runs} runs each, CPUs: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print("| command | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name, _args in COMMANDS:
        cells = []
        cpu_medians = []
        for label in labels:
            walls, cpus, _heavy = results[(name, label)]
            cpu_medians.append(statistics.median(cpus))
            cells.append(f"{statistics.median(walls):.2f} / {max(walls):.2f}, {cpu_medians[-1]:.2f}")
        if len(labels) == 2:
            cells.append(f"{cpu_medians[0] / cpu_medians[1]:.1f}x")
        cells += [results[(name, label)][2] for label in labels]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
