"""How long ``matchmaker`` commands take, from process start to exit, and what they import.

Each command runs in a fresh interpreter over one instance home holding the demo corpus, indexed, and
one event with three participants. With ``--baseline SRC`` the same commands also run against another
source tree (e.g. a checkout of the main branch) in the same run, interleaved, so both columns see the
same machine load; both trees read the same home. The table gives the median of ``--runs`` runs of
wall and CPU seconds (user + system; less sensitive to other load than wall time) and their ratios.

Bytecode caches are used (``PYTHONDONTWRITEBYTECODE`` is dropped), as for an installed package, and
one run of each command per tree warms them before measuring.

    git worktree add /tmp/cli-base main
    PYTHONPATH=src .venv/bin/python bench/bench_cli.py --runs 3 --baseline /tmp/cli-base/src

``--home DIR`` reuses (or prepares once) a home instead of a temporary one: preparing it ingests and
indexes the demo corpus, which loads the model.
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
HEAVY = (
    "torch",
    "faiss",
    "ortools",
    "scipy",
    "fpdf",
    "openpyxl",
    "alembic",
    "litestar",
    "matchmaker.matching.engine",
    "matchmaker.services.mail",
    "rapidfuzz",
    "rich",
)

COMMANDS: list[tuple[str, list[str]]] = [
    ("--help", ["--help"]),
    ("users add", ["users", "add", "--role", "staff"]),
    ("list cities", ["list", "cities"]),
    ("show city Kukes", ["show", "city", "Kukes"]),
    ("event list", ["event", "list"]),
    ("event show", ["event", "show", "bench"]),
    ("match providers --city kukes", ["match", "providers", "--city", "kukes"]),
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
    env.update(PYTHONPATH=str(src), MATCHMAKER_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop("MATCHMAKER_DATABASE_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(src: Path, home: Path, args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system) and the heavy modules the command loaded."""
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


def _cli(src: Path, home: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-c", "from matchmaker.cli import main; main()", *args],
        env=_env(src, home),
        capture_output=True,
        check=True,
    )


def _prepare(src: Path, home: Path) -> None:
    """The demo corpus, indexed, and an event with three participants (once per home)."""
    if (home / "indexes").is_dir() and (home / ".bench-ready").exists():
        return
    print(f"preparing {home} (ingest and index the demo corpus; loads the model)", file=sys.stderr)
    _cli(src, home, "ingest", str(DEMO))
    _cli(
        src,
        home,
        "event",
        "create",
        "bench",
        "--name",
        "Bench",
        "--tables",
        "4",
        "--start",
        "2038-03-02T09:00",
    )
    _cli(src, home, "event", "add", "bench", "kukes", "prov-adresa-lab", "prov-agora-civic")
    (home / ".bench-ready").write_text("demo corpus indexed, event 'bench'\n", encoding="utf-8")


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    """Print a table: per command and source tree, median wall and CPU seconds, and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another source tree to compare with")
    parser.add_argument("--home", type=Path, help="an instance home to reuse (prepared once)")
    options = parser.parse_args()
    trees = {"this tree": ROOT / "src"}
    if options.baseline is not None:
        trees = {"baseline": options.baseline.resolve(), **trees}
    with tempfile.TemporaryDirectory() as tmp:
        home = options.home.resolve() if options.home is not None else Path(tmp) / "home"
        _prepare(trees["this tree"], home)
        results: dict[tuple[str, str], tuple[list[float], list[float], str]] = {}
        for src in trees.values():  # warm the bytecode caches; not measured
            for _name, args in COMMANDS:
                _run(src, home, args)
        print("warmed up", file=sys.stderr)
        for run in range(options.runs):
            for name, args in COMMANDS:
                for label, src in trees.items():  # interleaved: both trees see the same load
                    elapsed, cpu, heavy = _run(src, home, args)
                    walls, cpus, _ = results.get((name, label), ([], [], heavy))
                    results[(name, label)] = ([*walls, elapsed], [*cpus, cpu], heavy)
            print(f"run {run + 1} of {options.runs} done", file=sys.stderr)
    labels = list(trees)
    columns = [f"{lb}: wall / CPU (s)" for lb in labels]
    if len(labels) == 2:
        columns += ["wall ratio", "CPU ratio"]
    columns += [f"heavy modules, {lb}" for lb in labels]
    load = os.getloadavg()[0]
    print(f"median of {options.runs} runs; CPUs: {os.cpu_count()}; load average at the end: {load:.1f}")
    print("| command | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name, _args in COMMANDS:
        cells = []
        walls = [_median(results[(name, lb)][0]) for lb in labels]
        cpus = [_median(results[(name, lb)][1]) for lb in labels]
        cells += [f"{w:.2f} / {c:.2f}" for w, c in zip(walls, cpus, strict=True)]
        if len(labels) == 2:
            cells += [f"{walls[0] / walls[1]:.1f}x", f"{cpus[0] / cpus[1]:.1f}x"]
        cells += [results[(name, lb)][2] for lb in labels]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if len(labels) == 2:
        print("Ratios are baseline / this tree: above 1 means this tree is faster.")


if __name__ == "__main__":
    main()
