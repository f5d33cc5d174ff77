"""``matchmaker jobs``: run background job workers, and show a job.

On PostgreSQL, ``matchmaker jobs work`` takes jobs from the shared queue until stopped (SIGTERM or
Ctrl-C), so job workers can run on hosts that serve no HTTP; ``--until-idle`` first marks failed the
jobs whose worker is gone (as a starting worker does), then runs what is queued and exits. On SQLite,
jobs run in the server process that queued them; ``jobs work`` runs any left queued.
"""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from matchmaker.cli.app import command_group
from matchmaker.cli.context import open_services
from matchmaker.cli.output import configure_logging, emit_json, handled, stdout
from matchmaker.wording import counted

jobs_app = command_group("jobs", "Background jobs: run workers, show a job.")


@jobs_app.command("work")
@handled
def work(
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Run the queued jobs, then exit (default: wait for more).")
    ] = False,
    threads: Annotated[
        int | None,
        typer.Option("--threads", min=1, max=64, help="Worker threads (default: MATCHMAKER_JOB_WORKERS)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every job.")] = False,
) -> None:
    """Take background jobs from the queue and run them."""
    from matchmaker.services.jobs import QueueRunner  # noqa: PLC0415 - loaded for this command only

    configure_logging(verbose)
    with open_services() as services:
        jobs = services.jobs
        if until_idle or services.database.is_sqlite:
            run = jobs.run_queued()
            if run.stalled:
                said = (
                    "1 job whose worker stopped reporting was marked failed; start it again if it is "
                    "still needed."
                    if run.stalled == 1
                    else f"{run.stalled} jobs whose workers stopped reporting were marked failed; start "
                    "them again if they are still needed."
                )
                stdout.print(said, markup=False)
            stdout.print(f"Ran {counted(run.ran, 'job')}; the queue is empty.", markup=False)
            if services.database.is_sqlite and not until_idle:
                # `jobs work` waits for jobs only on PostgreSQL, whose queue other servers feed.
                stdout.print(
                    "On SQLite the server runs background jobs itself; this command runs only those "
                    "left queued. A separate job worker needs PostgreSQL (docs/deploy.md).",
                    markup=False,
                )
            return
        count = threads or max(1, services.settings.job_workers)
        runner = QueueRunner(jobs, count)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        runner.start()
        stdout.print(f"Taking jobs with {counted(count, 'worker')}; stop with Ctrl-C.", markup=False)
        stop.wait()
        runner.stop()


@jobs_app.command("show")
@handled
def show(
    job_id: Annotated[str, typer.Argument(help="The job's id (from a 202 answer's Location).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Show a job's state, progress and result or error."""
    configure_logging()
    with open_services() as services:
        job = services.jobs.get(job_id)
    if as_json:
        emit_json(
            {
                "id": job.id,
                "kind": job.kind,
                "state": job.state,
                "progress": job.progress,
                "message": job.message,
                "result": job.result,
                "error": job.error,
                "created_at": job.created_at.isoformat(),
                "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            }
        )
        return
    stdout.print(f"{job.kind} job {job.id}: {job.state}, {job.progress:.0%} ({job.message})", markup=False)
    if job.error:
        stdout.print(f"error: {job.error}", markup=False)
