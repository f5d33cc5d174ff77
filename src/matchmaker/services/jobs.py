"""Background jobs: long work (large ingests, index rebuilds, schedule generation, event statistics) off
the request path.

::

    job = services.jobs.submit("rebuild", {}, owner_id=user.user_id)   # -> Job(state="queued")
    services.jobs.get(job.id)                                           # state, progress, message
    services.jobs.wait(job.id, timeout=60)                              # the finished job

A job is a row of the ``job`` table (:class:`~matchmaker.db.workers.JobRow`): its kind, parameters,
state (``queued`` → ``running`` → ``done`` | ``failed``), progress in [0, 1] with a message, the result
summary or the error. Two runners execute them behind one interface (:class:`JobRunner`):

* :class:`InProcessRunner` (SQLite): one thread in the process that submitted the job. SQLite serves one
  process, so nothing else could take it.
* :class:`QueueRunner` (PostgreSQL): worker threads that take the oldest queued job with ``SELECT ...
  FOR UPDATE SKIP LOCKED``. Every server process runs some (``settings.job_workers``), and
  ``matchmaker jobs work`` runs a worker on its own, so any number of processes on any number of hosts
  share one queue and a job runs exactly once.

While a job runs, its worker writes the job's heartbeat every :data:`HEARTBEAT_EVERY` seconds from a
thread of its own, whether or not the job reports progress, so a long step that says nothing (one big
solve, one large batch) is never taken for a dead worker; only a job whose worker is gone stops beating
and is marked failed after ``settings.job_stalled_seconds`` (``MATCHMAKER_JOB_STALLED_SECONDS``; by
default :data:`STALLED_AFTER`, and on SQLite, whose processes share one host,
:data:`STALLED_AFTER_BEATS_ONE_PROCESS` missed heartbeats) by a worker that starts or is idle, or by
``matchmaker jobs work --until-idle``.

A job's files (an uploaded corpus) live under ``settings.jobs_dir``, in the shared directory, so that a
worker on another host can read them.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from matchmaker.db import workers
from matchmaker.db.engine import Database, unstorable
from matchmaker.db.models import utcnow
from matchmaker.db.workers import JobRow, JobState
from matchmaker.errors import MatchmakerError, NotFoundError
from matchmaker.services.users import Principal
from matchmaker.settings import Settings
from matchmaker.wording import counted, noun_for

logger = logging.getLogger(__name__)

#: Reports progress: a fraction in [0, 1] and a short message.
ProgressFn = Callable[[float, str], None]
#: Runs one job: its parameters and a progress callback in, a JSON-ready summary out.
JobHandler = Callable[[Mapping[str, Any], ProgressFn], dict[str, Any]]

#: How often an idle queue worker looks for new jobs (it is also woken at once by a local submit).
POLL_SECONDS = 1.0
#: Progress is written at most this often (the last report of a job is always written).
PROGRESS_EVERY = 0.5
#: A running job's heartbeat is written this often (seconds), progress or not.
HEARTBEAT_EVERY = 60.0
#: By default, a running job whose heartbeat is older than this is marked failed (its worker is gone).
STALLED_AFTER = timedelta(minutes=30)
#: On SQLite one process runs every job: a job that missed this many heartbeats lost its process.
STALLED_AFTER_BEATS_ONE_PROCESS = 5
#: How often an idle worker looks for running jobs whose worker is gone (seconds).
SWEEP_EVERY = 60.0


@dataclass(frozen=True, slots=True)
class Job:
    """What anyone may read about a job."""

    id: str
    kind: str
    state: JobState
    progress: float
    message: str
    result: dict[str, Any] | None
    error: str | None
    owner_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None = None

    @property
    def finished(self) -> bool:
        """Whether the job is done or failed."""
        return self.state in ("done", "failed")

    @classmethod
    def of(cls, row: JobRow) -> Job:
        """The record of a stored row."""
        state: JobState = row.state  # type: ignore[assignment]
        return cls(
            id=row.id,
            kind=row.kind,
            state=state,
            progress=row.progress,
            message=row.message,
            result=row.result,
            error=row.error,
            owner_id=row.owner_id,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            heartbeat_at=row.heartbeat_at,
        )


@dataclass(frozen=True, slots=True)
class QueueRun:
    """What running the queue until it was empty did."""

    #: Running jobs whose worker was gone, marked failed first.
    stalled: int
    #: Queued jobs run.
    ran: int


class JobRunner(Protocol):
    """Executes the jobs of one :class:`JobService`."""

    def submit(self, job_id: str) -> None:
        """A job was queued: run it (or wake a worker that will)."""
        ...

    def start(self) -> None:
        """Start taking jobs."""
        ...

    def stop(self) -> None:
        """Stop taking jobs; a job already running finishes first."""
        ...


def worker_name() -> str:
    """Who runs a job: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class _Reporter:
    """Writes a job's progress, at most every :data:`PROGRESS_EVERY` seconds."""

    def __init__(self, database: Database, job_id: str) -> None:
        self.database = database
        self.job_id = job_id
        self._last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY and fraction < 1.0:
            return
        self._last = now
        with self.database.unit_of_work(write=True) as session:
            workers.update_job(
                session, self.job_id, progress=max(0.0, min(1.0, fraction)), message=message[:500]
            )


class _Heartbeat:
    """Writes a running job's heartbeat every ``every`` seconds on a thread of its own (a context)."""

    def __init__(self, database: Database, job_id: str, every: float) -> None:
        self.database = database
        self.job_id = job_id
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id[:8]}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        # A beat still waiting for the database after this changes nothing: it only touches running jobs.
        self._thread.join(timeout=5.0)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with self.database.unit_of_work(write=True) as session:
                    if not workers.beat(session, self.job_id):
                        return  # finished, or failed by someone else
            except Exception as exc:  # a busy or lost database: the next beat tries again
                logger.warning("Could not write the heartbeat of job %s: %s", self.job_id, exc)


class JobService:
    """Submit, read and run background jobs (see the module docstring).

    ``heartbeat_every`` is how often a running job's heartbeat is written (seconds).
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        handlers: Mapping[str, JobHandler],
        *,
        runner: JobRunner | None = None,
        heartbeat_every: float = HEARTBEAT_EVERY,
    ) -> None:
        self.settings = settings
        self.database = database
        self.handlers = dict(handlers)
        self.heartbeat_every = heartbeat_every
        self.runner: JobRunner = runner or (
            InProcessRunner(self) if database.is_sqlite else QueueRunner(self, settings.job_workers)
        )
        #: How long a running job may go without a heartbeat before it is taken for orphaned:
        #: ``settings.job_stalled_seconds``, or by default a few missed heartbeats on SQLite (its
        #: processes share one host) and :data:`STALLED_AFTER` on PostgreSQL.
        self.stalled_after = (
            timedelta(seconds=settings.job_stalled_seconds)
            if settings.job_stalled_seconds is not None
            else timedelta(seconds=STALLED_AFTER_BEATS_ONE_PROCESS * heartbeat_every)
            if database.is_sqlite
            else STALLED_AFTER
        )

    # ----------------------------------------------------------------------------------------------
    # Submitting and reading

    def new_id(self) -> str:
        """A fresh job id (also names the job's folder of files)."""
        return secrets.token_hex(12)

    def files_dir(self, job_id: str) -> Path:
        """The folder for the files of job ``job_id`` (in the shared directory)."""
        return self.settings.jobs_dir / job_id

    def submit(
        self, kind: str, params: Mapping[str, Any], *, owner_id: int | None, job_id: str | None = None
    ) -> Job:
        """Queue a job of ``kind`` and hand it to the runner; returns it queued."""
        if kind not in self.handlers:
            msg = f"unknown job kind {kind!r}; known: {', '.join(sorted(self.handlers))}"
            raise ValueError(msg)
        row = JobRow(
            id=job_id or self.new_id(), kind=kind, params=dict(params), owner_id=owner_id, message="queued"
        )
        with self.database.unit_of_work(write=True) as session:
            job = Job.of(workers.add_job(session, row))
        logger.info("Queued %s job %s", kind, job.id)
        self.runner.submit(job.id)
        return job

    def get(self, job_id: str) -> Job:
        """The job ``job_id``; :class:`NotFoundError` when there is none."""
        if unstorable(job_id):
            # No job has an id the database cannot hold (a NUL, say); asking it would fail there.
            raise NotFoundError(f"no job {job_id!r}")
        with self.database.unit_of_work() as session:
            row = workers.get_job(session, job_id)
            if row is None:
                raise NotFoundError(f"no job {job_id!r}")
            return Job.of(row)

    def get_for(self, job_id: str, caller: Principal) -> Job:
        """The job, when ``caller`` started it or is staff; :class:`NotFoundError` otherwise, so a job id
        tells nothing to anyone else."""
        job = self.get(job_id)
        if not caller.is_staff and job.owner_id != caller.user_id:
            raise NotFoundError(f"no job {job_id!r}")
        return job

    def wait(self, job_id: str, timeout: float, *, poll: float = 0.1) -> Job:
        """The job once it finished, or as it is after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get(job_id)
            if job.finished or time.monotonic() >= deadline:
                return job
            time.sleep(poll)

    # ----------------------------------------------------------------------------------------------
    # Running

    def run_next(self, job_id: str | None = None) -> Job | None:
        """Take one queued job (``job_id`` or the oldest), run it and record the outcome.

        Returns the finished job, or ``None`` when there was nothing to take (another worker took it).
        """
        with self.database.unit_of_work(write=True) as session:
            row = workers.claim_job(session, job_id=job_id, worker=worker_name())
            if row is None:
                return None
            job_id, kind, params = row.id, row.kind, dict(row.params)
        logger.info("Running %s job %s", kind, job_id)
        started = time.perf_counter()
        values: dict[str, Any]
        try:
            with _Heartbeat(self.database, job_id, self.heartbeat_every):
                result = self.handlers[kind](params, _Reporter(self.database, job_id))
        except MatchmakerError as exc:
            logger.warning("%s job %s failed: %s", kind, job_id, exc.message)
            values = {"state": "failed", "error": exc.message[:4000], "message": "failed"}
        except Exception as exc:
            logger.exception("%s job %s failed", kind, job_id)
            values = {
                "state": "failed",
                "error": f"the job failed unexpectedly ({type(exc).__name__}); see the server log",
                "message": "failed",
            }
        else:
            values = {"state": "done", "result": result, "progress": 1.0, "message": "done"}
        finally:
            shutil.rmtree(self.files_dir(job_id), ignore_errors=True)
        with self.database.unit_of_work(write=True) as session:
            workers.update_job(session, job_id, finished_at=utcnow(), **values)
        logger.info("%s job %s %s in %.1fs", kind, job_id, values["state"], time.perf_counter() - started)
        return self.get(job_id)

    def start(self) -> None:
        """Start taking jobs (the server does at start-up)."""
        self.runner.start()

    def stop(self) -> None:
        """Stop taking jobs; one already running finishes first."""
        self.runner.stop()

    def fail_stalled(self, older_than: timedelta | None = None) -> int:
        """Mark running jobs whose heartbeat is older than ``older_than`` (default: ``stalled_after``;
        their worker is gone) as failed; how many."""
        with self.database.unit_of_work(write=True) as session:
            limit = self.stalled_after if older_than is None else older_than
            return workers.fail_stalled(session, older_than=limit)

    def sweep(self) -> int:
        """:meth:`fail_stalled`, logging instead of raising (a worker keeps working when it fails); how
        many jobs it marked failed."""
        try:
            failed = self.fail_stalled()
        except Exception:  # the database went away: the next sweep tries again
            logger.exception("Looking for jobs whose worker is gone failed")
            return 0
        if failed:
            logger.warning(
                "Marked %s failed: %s stopped reporting",
                counted(failed, "job"),
                noun_for(failed, "its worker", "their workers"),
            )
        return failed

    def run_queued(self) -> QueueRun:
        """Mark the jobs whose worker is gone failed, as a worker does when it starts, then run every
        queued job here until none is left (``matchmaker jobs work --until-idle``)."""
        stalled = self.sweep()
        ran = 0
        while self.run_next() is not None:
            ran += 1
        return QueueRun(stalled=stalled, ran=ran)


class InProcessRunner:
    """Runs jobs one at a time on a thread of this process (SQLite).

    Each thread has its own stop flag. A stop that gives up waiting (a long job is running) leaves that
    thread to end after its job; a start then begins a new thread, which waits for the old one to end
    before it takes a job, so jobs still run one at a time and the ones queued meanwhile are not
    forgotten."""

    def __init__(self, service: JobService, *, stop_wait: float = 5.0) -> None:
        self.service = service
        #: How long :meth:`stop` waits for the running job (seconds).
        self.stop_wait = stop_wait
        self._pending: list[str | None] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()  # the current thread's

    def submit(self, job_id: str) -> None:
        """Run ``job_id`` on the runner's thread (started on first use)."""
        with self._wake:
            self._pending.append(job_id)
            self._wake.notify()
        self._ensure_thread()

    def start(self) -> None:
        """Fail the jobs an earlier process left running, run those it left queued, then wait for new
        ones."""
        self.service.sweep()
        with self._wake:
            self._pending.append(None)
            self._wake.notify()
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        with self._wake:
            previous = self._thread
            if previous is not None and previous.is_alive() and not self._stop.is_set():
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._loop, args=(self._stop, previous), name="jobs", daemon=True
            )
            self._thread.start()

    def _loop(self, stop: threading.Event, previous: threading.Thread | None) -> None:
        if previous is not None:
            previous.join()  # a thread that a stop gave up on finishes its job first
        while True:
            with self._wake:
                if not self._pending and not stop.is_set():
                    self._wake.wait(SWEEP_EVERY)
                if stop.is_set():
                    return
                idle = not self._pending
                job_id = None if idle else self._pending.pop(0)
            if idle:
                self.service.sweep()  # a job whose process died stays "running" no longer
                continue
            try:
                if job_id is not None:
                    self.service.run_next(job_id)
                    continue
                while not stop.is_set() and self.service.run_next() is not None:
                    pass
            except Exception:  # a broken database must not end the runner
                logger.exception("The job runner failed")

    def stop(self) -> None:
        """Stop after the job that is running, if any (waiting for it at most ``stop_wait`` seconds)."""
        with self._wake:
            self._stop.set()
            self._wake.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=self.stop_wait)


class QueueRunner:
    """Worker threads taking jobs from the PostgreSQL queue (``FOR UPDATE SKIP LOCKED``)."""

    def __init__(
        self, service: JobService, threads: int, *, poll: float = POLL_SECONDS, stop_wait: float = 5.0
    ) -> None:
        self.service = service
        self.threads = threads
        self.poll = poll
        self.stop_wait = stop_wait
        self._wake = threading.Event()
        self._stop = threading.Event()  # the current workers'; each start makes a new one
        self._workers: list[threading.Thread] = []

    def submit(self, job_id: str) -> None:  # noqa: ARG002 - any worker may take it
        """Wake a local worker; when this process runs none, another process's worker takes the job."""
        self._wake.set()

    def start(self) -> None:
        """Start ``threads`` workers (none when 0: this process only queues jobs)."""
        if self._workers:
            return
        # A new flag: workers a stop gave up on keep theirs, set, and end after their job.
        self._stop = threading.Event()
        self.service.sweep()
        for n in range(self.threads):
            thread = threading.Thread(
                target=self.work, kwargs={"stop": self._stop}, name=f"jobs-{n}", daemon=True
            )
            thread.start()
            self._workers.append(thread)

    def work(self, *, until_idle: bool = False, stop: threading.Event | None = None) -> int:
        """Take and run jobs until stopped (or, with ``until_idle``, until the queue is empty); how many.
        A worker :meth:`start` made is stopped by the flag it was given (``stop``), so that a start after
        a stop that gave up on it does not keep it running beside the new workers.

        While idle, a worker also fails the running jobs whose worker is gone, every
        :data:`SWEEP_EVERY` seconds, so that they do not wait for a process to start."""
        done = 0
        stop = stop or self._stop
        if until_idle:  # an idle queue is one without stalled jobs too
            self.service.sweep()
        next_sweep = time.monotonic() + SWEEP_EVERY
        while not stop.is_set():
            try:
                job = self.service.run_next()
            except Exception:  # the database went away: wait and try again
                logger.exception("Taking a job from the queue failed")
                job = None
            if job is not None:
                done += 1
                continue
            if until_idle:
                return done
            if time.monotonic() >= next_sweep:
                self.service.sweep()
                next_sweep = time.monotonic() + SWEEP_EVERY
            self._wake.wait(self.poll)
            self._wake.clear()
        return done

    def stop(self) -> None:
        """Stop the workers after their running jobs (waiting for them at most ``stop_wait`` seconds)."""
        self._stop.set()
        self._wake.set()
        for thread in self._workers:
            thread.join(timeout=self.stop_wait)
        self._workers.clear()


__all__ = [
    "HEARTBEAT_EVERY",
    "STALLED_AFTER",
    "InProcessRunner",
    "Job",
    "JobHandler",
    "JobRunner",
    "JobService",
    "ProgressFn",
    "QueueRun",
    "QueueRunner",
    "worker_name",
]
