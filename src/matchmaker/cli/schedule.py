"""``matchmaker schedule PROBLEM.json [--json] [--time-limit S]``: plan meetings from a problem file.

The planner (:meth:`matchmaker.services.events.Planner.solve_file`) solves it; a file without
``scores`` is scored by the matcher when one can be loaded.

Exit codes: 0 planned; 2 invalid or infeasible problem (message on stderr); 1 file unreadable.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from matchmaker.cli.app import app
from matchmaker.cli.context import open_services
from matchmaker.cli.options import RelaxMustMeetOpt, TimeLimitOpt
from matchmaker.cli.output import new_table, no_meeting_possible_line, stdout
from matchmaker.errors import InfeasibleScheduleError, InvalidInputError
from matchmaker.scheduling import describe_gap
from matchmaker.scheduling.core import DEFAULT_TIME_LIMIT
from matchmaker.scheduling.problem import load_problem
from matchmaker.scheduling.result import ScheduleResult
from matchmaker.wording import counted

logger = logging.getLogger(__name__)


@app.command("schedule")
def schedule(
    problem_file: Annotated[
        Path, typer.Argument(metavar="PROBLEM.json", help="The scheduling problem file.")
    ],
    *,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the schedule as one JSON object.")
    ] = False,
    time_limit: TimeLimitOpt = DEFAULT_TIME_LIMIT,
    replan_locked: Annotated[
        bool, typer.Option("--replan-locked", help="Let published (locked) meetings move.")
    ] = False,
    relax_must_meet: RelaxMustMeetOpt = False,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Repeatable plan: the same file and seed give the same schedule."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, max=64, help="Solver threads (default: every core).")
    ] = None,
) -> None:
    """Plan meetings (slots × tables) between cities and providers."""
    try:
        problem = load_problem(problem_file)
    except OSError as exc:
        typer.echo(f"error: cannot read {problem_file}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    except InvalidInputError as exc:
        typer.echo(f"error: {problem_file}: {exc.message}", err=True)
        raise typer.Exit(2) from None
    for warning in problem.warnings:
        typer.echo(f"warning: {problem_file}: {warning}", err=True)
    try:
        with open_services() as services:
            result, no_scores = services.planner.solve_file(
                problem,
                time_limit=time_limit,
                keep_locked=not replan_locked,
                strict_must_meet=not relax_must_meet,
                seed=seed,
                workers=workers,
            )
    except InfeasibleScheduleError as exc:
        typer.echo(f"error: {problem_file}: the schedule is infeasible. Relax one of these:", err=True)
        for reason in exc.reasons or [exc.message]:
            typer.echo(f"  - {reason}", err=True)
        raise typer.Exit(2) from None
    if no_scores is not None:
        typer.echo(f"warning: the file has no scores and the matcher is unavailable: {no_scores}", err=True)
    if json_output:
        output = result.contract_dict()
        output["stats"]["warnings"] = problem.warnings
        typer.echo(json.dumps(output, ensure_ascii=False))
    else:
        _print_table(result, names=problem.names())


def _print_table(result: ScheduleResult, names: dict[str, str]) -> None:
    table = new_table(title=f"{counted(len(result.meetings), 'meeting')}, total score {result.objective:.3f}")
    for column in ("slot", "table", "a", "b", "score", "why"):
        table.add_column(column, justify="right" if column in ("table", "score") else "left")
    for m in result.meetings:
        table.add_row(
            m.slot,
            str(m.table),
            names.get(m.a, m.a),
            names.get(m.b, m.b),
            f"{m.score:.3f}",
            m.kind.replace("_", " "),
        )
    stdout.print(table)
    s = result.stats
    stdout.print(
        f"status {s.status}, {describe_gap(s)}, {s.solve_seconds:.2f}s; "
        f"meetings per participant who can meet: at least {s.min_meetings_active};"
        f" mean over all participants {s.mean_meetings:.2f}; "
        f"unmatched: {', '.join(s.unmatched_participants) or 'none'}",
        markup=False,
    )
    if line := no_meeting_possible_line(s.no_meeting_possible):
        stdout.print(line, markup=False)
    for shortfall in s.shortfalls:
        stdout.print(f"fewer meetings than possible: {shortfall.participant}: {shortfall.text}", markup=False)
    for a, b in result.unscheduled_must_meet:
        stdout.print(f"must-meet not scheduled: {a}–{b}", markup=False)
    # A locked meeting the file gives that cannot be kept (a table or slot the problem does not have,
    # a participant no longer in it...) is planned again like any pair: say which, and why.
    for dropped in s.dropped_locked:
        stdout.print(f"locked meeting not kept: {dropped}", markup=False)
    if result.changes is not None:
        c = result.changes
        stdout.print(
            f"changes: {len(c.kept)} kept, {len(c.moved)} moved, {len(c.added)} added,"
            f" {len(c.cancelled)} cancelled",
            markup=False,
        )
