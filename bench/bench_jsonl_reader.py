"""Reading a large JSON Lines corpus file as ``matchmaker ingest`` does: this tree against a baseline tree.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/bench_jsonl_reader.py --baseline ../main/src [--lines 20000] \\
        [--rounds 5]

It writes one file of each kind, ``--lines`` lines each, from the records of ``corpora/demo`` (their
ids numbered apart); one line in 500 is one a reader refuses, in turn: a field given twice, a field
given twice in a nested object, text that is not JSON, a JSON array, a record nested too deep. Each
tree (``--baseline SRC`` and this one) reads every file in a process of its own, with its ``src`` on
``PYTHONPATH``, through :func:`matchmaker.corpus.reader.read_file` with the default settings' limits
(1 MB a line, 32 levels), as many rounds as asked, the trees taking turns. The table gives each
tree's median seconds per file, its ratio to the baseline, and whether its lines came out the same
as the baseline's (every line's record or reason, written to JSON and compared).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from support import run_in_tree

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"city": "cities", "provider": "providers", "case": "cases"}
#: Lines a reader refuses, one every :data:`REFUSED_EVERY` lines, in turn.
REFUSED = (
    '{"id": "twice", "name": "A", "name": "B"}',
    '{"id": "nested-twice", "focal_point": {"email": "a@b.c", "email": "d@e.f"}}',
    '{"id": "broken", "name": "A",}',
    '[{"id": "array"}]',
    '{"id": "deep", "x": ' + "[" * 40 + "]" * 40 + "}",
)
REFUSED_EVERY = 500


def _write(kind: str, lines: int, target: Path) -> Path:
    """``lines`` lines of the demo's records of ``kind`` under ``target``."""
    name = KINDS[kind]
    source = (ROOT / "corpora" / "demo" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in source if line.strip()]
    path = target / f"{name}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for n in range(lines):
            if n % REFUSED_EVERY == REFUSED_EVERY - 1:
                handle.write(REFUSED[(n // REFUSED_EVERY) % len(REFUSED)] + "\n")
                continue
            record = {**records[n % len(records)]}
            record["id"] = f"{record['id']}-{n}"
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _worker(path: Path, rounds: int, out: Path) -> None:
    """Read ``path`` ``rounds`` times with this process's tree; the seconds and a digest of what the
    lines gave (and the reasons of the refused ones) written to ``out``."""
    from matchmaker.threads import pin_blas_threads

    pin_blas_threads(1)  # as the server does; the reader itself does no BLAS work

    from matchmaker.corpus.reader import read_file
    from matchmaker.settings import Settings

    defaults = Settings.model_fields
    max_line = defaults["max_line_bytes"].default
    max_depth = defaults["max_json_depth"].default
    seconds = []
    lines: list[Any] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        _, items = read_file(path, max_line, max_depth=max_depth)
        lines = list(items)
        seconds.append(time.perf_counter() - t0)
    given = json.dumps([[raw.line, raw.record, raw.error] for raw in lines], ensure_ascii=False)
    body = {
        "seconds": seconds,
        "lines": len(lines),
        "refused": [[raw.line, raw.error] for raw in lines if raw.error is not None],
        "digest": hashlib.sha256(given.encode("utf-8")).hexdigest(),
    }
    out.write_text(json.dumps(body), encoding="utf-8")


def _run_tree(src: Path, path: Path, rounds: int, out: Path) -> dict[str, Any]:
    """Run :func:`_worker` for the tree ``src`` in a process of its own; what it wrote."""
    return run_in_tree(src, __file__, [str(path), "--rounds", str(rounds)], out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000, help="lines of each file")
    parser.add_argument("--rounds", type=int, default=5, help="reads of each file by each tree")
    parser.add_argument("--baseline", type=Path, help="another source tree to compare with")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    rounds = max(1, args.rounds)
    if args.worker is not None:
        _worker(args.worker, rounds, args.out)
        return
    trees = {"this tree": ROOT / "src"}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-jsonl-reader-") as tmp:
        for kind in KINDS:
            path = _write(kind, args.lines, Path(tmp))
            seconds: dict[str, list[float]] = {label: [] for label in trees}
            results: dict[str, dict[str, Any]] = {}
            # The trees take turns, one read of the file at a time.
            for r in range(rounds):
                for label in sorted(trees, reverse=r % 2 == 1):
                    out = Path(tmp) / f"{label.replace(' ', '-')}.json"
                    results[label] = _run_tree(trees[label], path, 1, out)
                    seconds[label].extend(results[label]["seconds"])
            said = ", ".join(f"{label} {statistics.median(seconds[label]):.3f} s" for label in trees)
            print(f"{path.name}: {said}", flush=True)
            base = next(iter(trees))
            for label in trees:
                rows.append(
                    {
                        "file": path.name,
                        "mb": path.stat().st_size / 1e6,
                        "tree": label,
                        "lines": results[label]["lines"],
                        "refused": len(results[label]["refused"]),
                        "seconds": statistics.median(seconds[label]),
                        "ratio": statistics.median(seconds[base]) / statistics.median(seconds[label]),
                        "same": results[label]["digest"] == results[base]["digest"],
                    }
                )
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"medians of {rounds} reads; load average {os.getloadavg()[0]:.1f}")
    print()
    print("| file | MB | lines | refused | tree | read s | baseline / tree | lines as the baseline's |")
    print("|---|---:|---:|---:|---|---:|---:|---|")
    for row in rows:
        print(
            f"| {row['file']} | {row['mb']:.1f} | {row['lines']:,} | {row['refused']} | {row['tree']} "
            f"| {row['seconds']:.3f} | {row['ratio']:.2f}× | {'same' if row['same'] else 'DIFFERENT'} |"
        )
    if not all(row["same"] for row in rows):
        raise SystemExit("the trees read the lines differently")


if __name__ == "__main__":
    main()
