"""Generating an event's plan, stage by stage, with this tree and a baseline tree side by side.

Run from the repository root::

    git archive BASE src | tar -x -C /tmp/base      # the baseline tree's package
    PYTHONPATH=src .venv/bin/python bench/bench_plan_generate.py --participants 250 500 1000 \
        --baseline /tmp/base/src [--time-limit 10] [--seed 1] [--keep DIR] [--profile DIR]

For each size it builds the event of ``bench_event_pages.py`` (half cities, half providers, 12 slots,
a table for every 8 participants, meeting requests; no plan yet) in a home of its own, once, and then
runs :meth:`Planner.generate` as staff do (the matcher's scores, hashing encoders) with each tree in a
process of its own, on a fresh copy of that home, with the matcher's engine built before the clock
starts (a server has it loaded).

Each stage's wall time is measured by wrapping the functions that do it (each stage's own time: a
stage called inside another is not counted twice) and so are the SQL statements each sends: reading
the event, the problem, the pair scores, encoding the rest, the must-meet check, the LP bounds, the
scheduler's stages (priority meetings, pair selection, placement, coverage repair, local search, the
window search or CP-SAT), the statistics (with the greedy baseline and the shortfalls), decoding,
the participants' reasons, and the rest (writing the plan, the report). The solver's search is the
part bounded by ``--time-limit``.

Each plan is checked against every hard rule (``verify_schedule``), and its participants without a
meeting, must-meets and accepted requests held are shown. Each run records a digest of what the
solver is given (the encoded problem: participants, slots, tables, every candidate pair with its
score and kind), so ``solver inputs differ`` must say no. With
``--seed`` a run is deterministic (the scheduler counts work, not time) as long as pair selection
ends within its own time limit (CBC's share of the limit, a wall-clock limit even then), so the two
trees' plans are compared meeting by meeting too; on a loaded machine at 1,000 participants that
limit can be reached and the plans may then differ by a few meetings. The LP bounds are solved in a
thread beside the stages: their seconds overlap the others', so the stages can add up to more
than the total. The participants' reasons (each meeting's ``public_reason``) are compared between
the trees on the pairs both plans hold. ``--profile DIR`` writes each run's cProfile output there
(it slows the run down). The LP-bound ratios are those of ``bench_scheduling.py``; the table shows
each plan's score, its bound and their ratio.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import importlib
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matchmaker.threads import pin_blas_threads

pin_blas_threads(1)

from support import run_in_tree  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

#: Stages and the functions that do them: (module, attribute) or (module, class, method). A function a
#: tree does not have is left out (its time then falls to the stage that calls it).
STAGES: list[tuple[str, list[tuple[str, ...]]]] = [
    (
        "read the event",
        [
            ("matchmaker.services.events.store", "snapshot"),
            ("matchmaker.services.events.store", "plan"),
            ("matchmaker.services.events.store", "published"),
            ("matchmaker.services.events.store", "names"),
            ("matchmaker.services.events.planning", "read_signal"),
        ],
    ),
    ("problem", [("matchmaker.services.events.planning", "build_problem")]),
    (
        "pair scores",
        [
            ("matchmaker.scheduling.encode", "_looked_up"),
            ("matchmaker.services.matching", "MatchingService", "pair_scorer"),
        ],
    ),
    ("encoding (the rest)", [("matchmaker.scheduling.service", "encode")]),
    ("must-meet check", [("matchmaker.scheduling.service", "check_must_meet")]),
    ("LP bounds", [("matchmaker.scheduling.service", "_bounds")]),
    ("priority meetings", [("matchmaker.scheduling.decompose", "_place_priority")]),
    ("pair selection (MIP)", [("matchmaker.scheduling.decompose", "select_pairs")]),
    (
        "placement",
        [
            ("matchmaker.scheduling.decompose", "place_pairs"),
            ("matchmaker.scheduling.decompose", "_place_exactly"),
        ],
    ),
    ("fair fill (no selection)", [("matchmaker.scheduling.decompose", "fair_greedy_assignment")]),
    ("coverage repair", [("matchmaker.scheduling.decompose", "repair_coverage")]),
    ("local search", [("matchmaker.scheduling.decompose", "improve")]),
    (
        "window search / CP-SAT",
        [
            ("matchmaker.scheduling.service", "improve_by_windows"),
            ("matchmaker.scheduling.service", "solve_cpsat"),
        ],
    ),
    ("greedy baseline (a statistic)", [("matchmaker.scheduling.service", "greedy_assignment")]),
    ("shortfalls", [("matchmaker.scheduling.service", "shortfalls")]),
    ("statistics (the rest)", [("matchmaker.scheduling.service", "_stats")]),
    ("decoding", [("matchmaker.scheduling.service", "_decode")]),
    ("participants' reasons", [("matchmaker.services.events.planning", "Planner", "_public_reasons")]),
    ("solver (the rest)", [("matchmaker.services.events.planning", "solve_problem")]),
]
#: What is left of the generate: writing the plan rows, comparing plans, the report.
REST = "write the plan, the report (the rest)"


class StageClock:
    """Each stage's own wall time and SQL statements (nested stages subtracted).

    Each thread nests its own stages: a stage run in a thread beside the others (the LP bounds) is
    timed on its own and subtracted from none, so the stages' seconds may add up to more than the
    total.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.statements: dict[str, int] = {}
        self.calls: dict[str, int] = {}
        self._local = threading.local()
        self._lock = threading.Lock()

    def _frames(self) -> tuple[list[str], list[float]]:
        if not hasattr(self._local, "stack"):
            self._local.stack, self._local.nested = [], []
        return self._local.stack, self._local.nested

    def statement(self, *_: Any) -> None:
        stack, _nested = self._frames()
        stage = stack[-1] if stack else REST
        with self._lock:
            self.statements[stage] = self.statements.get(stage, 0) + 1

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        stack, nested_times = self._frames()
        stack.append(name)
        nested_times.append(0.0)
        t0 = time.perf_counter()
        try:
            yield
        finally:
            took = time.perf_counter() - t0
            nested = nested_times.pop()
            stack.pop()
            with self._lock:
                self.seconds[name] = self.seconds.get(name, 0.0) + took - nested
                self.calls[name] = self.calls.get(name, 0) + 1
            if nested_times:
                nested_times[-1] += took

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return function(*args, **kwargs)

        return timed


def _instrument(clock: StageClock) -> list[str]:
    """Wrap every stage's functions that this tree has; the names of those it lacks."""
    missing = []
    for name, places in STAGES:
        for place in places:
            module = importlib.import_module(place[0])
            owner: Any = module
            for part in place[1:-1]:
                owner = getattr(owner, part, None)
            if owner is None or not hasattr(owner, place[-1]):
                missing.append(".".join(place))
                continue
            setattr(owner, place[-1], clock.wrap(name, getattr(owner, place[-1])))
    return missing


def _worker(home: Path, out: Path, time_limit: float, seed: int | None, profile: Path | None) -> None:
    """One generate of the event in ``home`` (a copy made here), its stages written to ``out``."""
    from sqlalchemy import event

    import bench_event_pages as pages

    clock = StageClock()
    missing = _instrument(clock)
    from matchmaker.scheduling import service, verify_schedule
    from matchmaker.services.container import Services
    from matchmaker.services.events import planning

    inputs: list[str] = []
    digesting: list[float] = []  # the digest's and the rules check's time, taken out of the figures
    encode = service.encode

    def digested(*args: Any, **kwargs: Any) -> Any:
        enc = encode(*args, **kwargs)
        t0 = time.perf_counter()
        inputs.append(_digest(enc))
        digesting.append(time.perf_counter() - t0)
        return enc

    service.encode = digested  # type: ignore[assignment]

    if seed is not None:
        planning.solve_problem = partial(planning.solve_problem, seed=seed)  # type: ignore[assignment]
    solve = planning.solve_problem
    broken: list[int] = []  # the hard rules each plan breaks (none expected)

    def checked(problem: Any, *args: Any, **kwargs: Any) -> Any:
        result = solve(problem, *args, **kwargs)
        t0 = time.perf_counter()
        broken.append(len(verify_schedule(problem, result.meetings)))
        digesting.append(time.perf_counter() - t0)
        return result

    planning.solve_problem = checked  # type: ignore[assignment]
    with tempfile.TemporaryDirectory(prefix="bench-plan-generate-") as tmp:
        copy = Path(tmp) / "home"
        shutil.copytree(home, copy)
        services = Services.build(pages.settings_for(copy))
        try:
            services.matching.matcher().engine()  # loaded, as a server has it
            event.listen(services.database.engine, "before_cursor_execute", clock.statement)
            profiler = cProfile.Profile() if profile is not None else None
            t0 = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            with clock.stage(REST):
                report = services.planner.generate(pages.EVENT, time_limit=time_limit)
            total = time.perf_counter() - t0 - sum(digesting)
            clock.seconds["solver (the rest)"] -= sum(digesting)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(str(profile))
            plan = services.planner.planned(pages.EVENT)
        finally:
            services.close()
    meetings = sorted((m.slot, m.table, m.a, m.b, round(m.score, 6)) for m in plan)
    stats = report.stats
    figures = {
        "total": total,
        "seconds": clock.seconds,
        "statements": clock.statements,
        "calls": clock.calls,
        "missing": missing,
        "meetings": len(meetings),
        "plan": hashlib.sha256(json.dumps(meetings).encode()).hexdigest(),
        "reasons": sorted([m.a, m.b, m.public_reason] for m in plan),
        "inputs": inputs[0] if inputs else "",
        "pairs": stats.get("candidate_pairs"),
        "status": stats.get("status"),
        "score": stats.get("score_objective"),
        "bound": stats.get("lp_bound"),
        "bound_requests": stats.get("lp_bound_with_requests"),
        "source": report.score_source,
        "broken": broken[0] if broken else None,
        "uncovered": len(stats.get("unmatched_participants") or []),
        "must": f"{stats.get('must_meet_scheduled')}/{stats.get('must_meet_total')}",
        "accepted": f"{stats.get('accepted_requests_scheduled')}/{stats.get('accepted_requests_total')}",
    }
    out.write_text(json.dumps(figures), encoding="utf-8")


def _digest(enc: Any) -> str:
    """A digest of everything the solver is given: the solver input and each pair's ids and score."""
    inp = enc.inp
    given = [
        inp.n_participants,
        inp.n_slots,
        inp.tables,
        [sorted(a) for a in inp.available],
        list(inp.capacity),
        [list(pair) for pair in inp.pairs],
        list(inp.weights),
        list(inp.accepted),
        list(inp.must),
        [list(f) for f in inp.fixed],
        [[c.a, c.b, c.score, c.reason, c.kind] for c in enc.candidates],
    ]
    return hashlib.sha256(json.dumps(given).encode()).hexdigest()


def _home(participants: int, keep: Path | None) -> tuple[Path, Callable[[], None]]:
    """A home holding the event of ``participants`` (no plan yet), built once; what removes it."""
    import bench_event_pages as pages
    from matchmaker.services.container import Services

    n = participants // 2
    base = keep if keep is not None else Path(tempfile.mkdtemp(prefix="bench-plan-generate-"))
    home = base / f"event-{n}-unplanned"
    done = home / "bench-ready"
    if not done.exists():
        shutil.rmtree(home, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix="bench-plan-generate-"))
        t0 = time.perf_counter()
        try:
            pages._write_corpus(n, work / "corpus")
            services = Services.build(pages.settings_for(home))
            try:
                services.corpus.ingest_paths([work / "corpus"])
                pages.event_without_plan(services, n)
            finally:
                services.close()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        done.write_text("yes\n", encoding="utf-8")
        print(f"{participants} participants: event built in {time.perf_counter() - t0:.0f} s", flush=True)
    if keep is not None:
        return home, lambda: None
    return home, lambda: shutil.rmtree(base, ignore_errors=True)


def _stage_names() -> list[str]:
    return [name for name, _places in STAGES] + [REST]


def _print(participants: int, results: dict[str, dict[str, Any]]) -> None:
    labels = list(results)
    head = " | ".join(f"{label} s | {label} SQL" for label in labels)
    ratio = f" | {labels[0]} / {labels[-1]}" if len(labels) > 1 else ""
    print(f"\n{participants} participants, {results[labels[-1]]['pairs']:,} candidate pairs\n")
    print(f"| stage | {head}{ratio} |")
    print("|---|" + "---:|" * (2 * len(labels) + (1 if len(labels) > 1 else 0)))
    for name in [*_stage_names(), "total"]:
        cells = []
        times = []
        for label in labels:
            r = results[label]
            t = r["total"] if name == "total" else r["seconds"].get(name, 0.0)
            sql = sum(r["statements"].values()) if name == "total" else r["statements"].get(name, 0)
            times.append(t)
            cells.append(f"{t:.2f} | {sql}")
        if all(t < 0.005 for t in times) and name != "total":
            continue
        rel = (
            f" | {times[0] / times[-1]:.1f}×"
            if len(labels) > 1 and times[-1] > 0
            else (" | -" if ratio else "")
        )
        shown = f"**{name}**" if name == "total" else name
        print(f"| {shown} | " + " | ".join(cells) + f"{rel} |")
    print()
    for label in labels:
        r = results[label]
        share = r["score"] / r["bound"] if r["score"] is not None and r["bound"] else float("nan")
        share_req = r["score"] / r["bound_requests"] if r["bound_requests"] else float("nan")
        print(
            f"- {label}: {r['meetings']} meetings, {r['status']}, score {r['score']}, bound {r['bound']} "
            f"({share:.2%}), with requests {r['bound_requests']} ({share_req:.2%}), plan {r['plan'][:12]}"
            + (
                f"; rules broken {r['broken']}, uncovered {r['uncovered']}, must-meets {r['must']}, "
                f"accepted requests {r['accepted']}"
                if "broken" in r
                else ""
            )
            + (f"; stages it lacks: {', '.join(r['missing'])}" if r["missing"] else "")
        )
    if len(labels) > 1:
        same = len({results[label]["plan"] for label in labels}) == 1
        given = len({results[label]["inputs"] for label in labels}) == 1
        print(f"- solver inputs differ: {'no' if given else 'yes'}; plans differ: {'no' if same else 'yes'}")
        first, last = ({(a, b): r for a, b, r in results[x]["reasons"]} for x in (labels[0], labels[-1]))
        common = first.keys() & last.keys()
        differ = sum(1 for pair in common if first[pair] != last[pair])
        print(f"- participants' reasons of the {len(common)} pairs both plans hold: {differ} differ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, nargs="+", default=[250, 500, 1000])
    parser.add_argument("--baseline", type=Path, help="another source tree (its src) to compare with")
    parser.add_argument("--time-limit", type=float, default=10.0, help="solver seconds (the console's 10)")
    parser.add_argument("--seed", type=int, help="deterministic runs; the trees' plans are compared")
    parser.add_argument("--keep", type=Path, help="keep each size's home here and reuse it")
    parser.add_argument("--profile", type=Path, help="write each run's cProfile output in this folder")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.worker is not None:
        _worker(args.worker, args.out, args.time_limit, args.seed, args.profile_file)
        return
    keep = args.keep.resolve() if args.keep is not None else None
    trees = {"this tree": ROOT / "src"}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    for participants in args.participants:
        home, remove = _home(participants, keep)
        results: dict[str, dict[str, Any]] = {}
        try:
            with tempfile.TemporaryDirectory(prefix="bench-plan-generate-") as tmp:
                for label, src in trees.items():
                    arguments = [str(home), "--time-limit", str(args.time_limit)]
                    if args.seed is not None:
                        arguments += ["--seed", str(args.seed)]
                    if args.profile is not None:
                        name = f"{participants}-{label.replace(' ', '-')}.prof"
                        arguments += ["--profile-file", str(args.profile.resolve() / name)]
                    out = Path(tmp) / f"{label.replace(' ', '-')}.json"
                    results[label] = run_in_tree(src, __file__, arguments, out)
                    print(
                        f"{participants} participants, {label}: {results[label]['total']:.1f} s", flush=True
                    )
        finally:
            remove()
        _print(participants, results)
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}; time limit {args.time_limit:g} s"
        + (f", seed {args.seed}" if args.seed is not None else ", no seed (wall-clock limits)")
    )
    if args.seed is not None and len(trees) > 1:
        sys.stdout.flush()


if __name__ == "__main__":
    main()
