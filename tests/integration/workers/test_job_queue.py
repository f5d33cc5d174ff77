"""The job service on SQLite (in-process) and PostgreSQL (a shared queue): states, progress, failures."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest

from matchmaker.db import workers as job_table
from matchmaker.db.engine import Database
from matchmaker.db.models import utcnow
from matchmaker.db.workers import JobRow
from matchmaker.errors import InvalidInputError, NotFoundError
from matchmaker.services import jobs as jobs_module
from matchmaker.services.jobs import InProcessRunner, JobService, ProgressFn, QueueRunner
from matchmaker.settings import Settings


@pytest.fixture
def database(db_settings: Settings) -> Iterator[Database]:
    """The test's database (SQLite or a fresh PostgreSQL one), migrated."""
    database = Database(db_settings)
    try:
        yield database
    finally:
        database.dispose()


def _count(params: Mapping[str, Any], progress: ProgressFn) -> dict[str, Any]:
    n = int(params["n"])
    for i in range(n):
        progress((i + 1) / n, f"{i + 1} of {n}")
    return {"counted": n}


def _refuse(params: Mapping[str, Any], progress: ProgressFn) -> dict[str, Any]:
    raise InvalidInputError("nothing to count here")


def _crash(params: Mapping[str, Any], progress: ProgressFn) -> dict[str, Any]:
    raise RuntimeError("secret internal detail")


HANDLERS = {"count": _count, "refuse": _refuse, "crash": _crash}


def test_the_runner_follows_the_database(db_settings: Settings, database: Database) -> None:
    jobs = JobService(db_settings, database, HANDLERS)
    expected = InProcessRunner if db_settings.database_url is None else QueueRunner
    assert isinstance(jobs.runner, expected)


def test_a_job_runs_to_done_with_its_result_and_failures_say_why(
    db_settings: Settings, database: Database
) -> None:
    jobs = JobService(db_settings, database, HANDLERS)
    jobs.start()
    try:
        queued = jobs.submit("count", {"n": 3}, owner_id=7)
        assert queued.state == "queued"
        assert queued.owner_id == 7
        done = jobs.wait(queued.id, timeout=30)
        assert done.state == "done"
        assert done.result == {"counted": 3}
        assert done.progress == 1.0
        assert done.started_at is not None
        assert done.finished_at is not None

        refused = jobs.wait(jobs.submit("refuse", {}, owner_id=None).id, timeout=30)
        assert refused.state == "failed"
        assert refused.error == "nothing to count here"

        crashed = jobs.wait(jobs.submit("crash", {}, owner_id=None).id, timeout=30)
        assert crashed.state == "failed"
        assert crashed.error is not None
        assert "secret" not in crashed.error
        assert "RuntimeError" in crashed.error
    finally:
        jobs.stop()
    with pytest.raises(NotFoundError):
        jobs.get("nope")


def test_a_long_step_without_progress_keeps_its_job_alive(db_settings: Settings, database: Database) -> None:
    """The worker beats the heartbeat on a timer, so recovery of stalled jobs leaves a live one alone
    while it would fail one whose worker is gone."""
    release = threading.Event()

    def quiet(params: Mapping[str, Any], progress: ProgressFn) -> dict[str, Any]:
        release.wait(60)  # one long step that reports nothing
        return {"quiet": True}

    jobs = JobService(db_settings, database, {"quiet": quiet}, heartbeat_every=0.2)
    jobs.start()
    with database.unit_of_work(write=True) as session:  # a job whose worker died a while ago
        gone = utcnow() - timedelta(seconds=5)
        job_table.add_job(
            session,
            JobRow(
                id="orphan",
                kind="quiet",
                state="running",
                worker="gone:1",
                started_at=gone,
                heartbeat_at=gone,
            ),
        )
    try:
        job = jobs.submit("quiet", {}, owner_id=None)
        deadline = time.monotonic() + 30
        while jobs.get(job.id).state != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        first = jobs.get(job.id).heartbeat_at
        assert first is not None
        time.sleep(1.5)
        running = jobs.get(job.id)
        assert running.state == "running"
        assert running.heartbeat_at is not None
        assert running.heartbeat_at > first
        assert running.progress == 0.0  # nothing was reported: the timer alone kept it alive

        # Sweep right after a beat, so a busy machine's pause between the timer's beats (0.2 s apart)
        # cannot make the live job look a second old; a job the timer left alone gets no fresh beat.
        deadline = time.monotonic() + 30
        while jobs.get(job.id).heartbeat_at == running.heartbeat_at and time.monotonic() < deadline:
            time.sleep(0.02)
        assert jobs.fail_stalled(older_than=timedelta(seconds=1)) == 1
        assert jobs.get("orphan").state == "failed"
        assert "stopped reporting" in (jobs.get("orphan").error or "")
        assert jobs.get(job.id).state == "running"

        release.set()
        done = jobs.wait(job.id, timeout=30)
        assert done.state == "done"
        assert done.result == {"quiet": True}
        beaten = done.heartbeat_at
        time.sleep(0.5)
        assert jobs.get(job.id).heartbeat_at == beaten  # a finished job beats no more
    finally:
        release.set()
        jobs.stop()


@pytest.mark.postgres
def test_workers_of_one_queue_never_take_the_same_job(pg_url: str, home: Any) -> None:
    settings = Settings(home=home, database_url=pg_url, model_name="hashing-64", job_workers=0)
    database = Database(settings)
    ran: Counter[int] = Counter()
    lock = threading.Lock()

    def record(params: Mapping[str, Any], progress: ProgressFn) -> dict[str, Any]:
        with lock:
            ran[int(params["n"])] += 1
        return {}

    try:
        queue = JobService(settings, database, {"record": record})  # job_workers=0: it only queues
        ids = [queue.submit("record", {"n": n}, owner_id=None).id for n in range(12)]
        workers = [JobService(settings, database, {"record": record}) for _ in range(3)]
        threads = [
            threading.Thread(target=w.runner.work, kwargs={"until_idle": True})  # type: ignore[attr-defined]
            for w in workers
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert ran == Counter(range(12))
        assert {queue.get(i).state for i in ids} == {"done"}
    finally:
        database.dispose()


def test_a_job_worker_without_a_server_runs_what_is_queued(db_settings: Settings) -> None:
    """``matchmaker jobs work --until-idle`` takes a queued index rebuild (a server queued it)."""
    from typer.testing import CliRunner

    from matchmaker.cli import app
    from matchmaker.services.container import Services

    settings = db_settings.model_copy(update={"job_workers": 0})
    services = Services.build(settings)
    try:
        jobs = JobService(settings, services.database, services.job_handlers(), runner=_NoRunner())
        job = jobs.submit("rebuild", {}, owner_id=None)
        result = CliRunner().invoke(app, ["jobs", "work", "--until-idle"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "Ran 1 job;" in result.output
        done = jobs.get(job.id)
        assert done.state == "done", done.error
        shown = CliRunner().invoke(app, ["jobs", "show", job.id], catch_exceptions=False)
        assert f"rebuild job {job.id}: done, 100%" in shown.output
        if services.database.is_sqlite:  # on PostgreSQL it waits for jobs until stopped
            waiting = CliRunner().invoke(app, ["jobs", "work"], catch_exceptions=False)
            assert waiting.exit_code == 0, waiting.output
            assert "On SQLite the server runs background jobs itself" in waiting.output
    finally:
        services.close()


class _NoRunner:
    """Queues only (as a server with no job workers does)."""

    def submit(self, job_id: str) -> None:
        """Leave it for another worker."""

    def start(self) -> None:
        """Nothing to start."""

    def stop(self) -> None:
        """Nothing to stop."""


def _orphan(database: Database, job_id: str, *, beat_ago: timedelta) -> None:
    """A job row left ``running`` by a worker that died ``beat_ago`` after its last heartbeat."""
    gone = utcnow() - beat_ago
    with database.unit_of_work(write=True) as session:
        job_table.add_job(
            session,
            JobRow(
                id=job_id, kind="quiet", state="running", worker="gone:1", started_at=gone, heartbeat_at=gone
            ),
        )


def test_a_job_whose_worker_died_is_failed_without_waiting_for_a_restart(
    db_settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server or `jobs work` killed in the middle of a job: a client polling the job reads
    "failed, start the job again" once a worker starts or has been idle a while, not "running" for ever."""
    monkeypatch.setattr(jobs_module, "SWEEP_EVERY", 0.2)
    jobs = JobService(db_settings, database, {}, heartbeat_every=0.2)
    _orphan(database, "before-start", beat_ago=jobs.stalled_after + timedelta(seconds=5))
    jobs.start()
    try:
        assert jobs.get("before-start").state == "failed"
        _orphan(database, "while-idle", beat_ago=jobs.stalled_after + timedelta(seconds=5))
        deadline = time.monotonic() + 10
        while jobs.get("while-idle").state == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        failed = jobs.get("while-idle")
        assert failed.state == "failed"
        assert "stopped reporting; start the job again" in (failed.error or "")
    finally:
        jobs.stop()


def test_on_sqlite_a_job_is_orphaned_after_a_few_missed_heartbeats(
    db_settings: Settings, database: Database
) -> None:
    """One process runs every job on SQLite, so its restart need not wait half an hour."""
    jobs = JobService(db_settings, database, {})
    expected = timedelta(minutes=5) if database.is_sqlite else timedelta(minutes=30)
    assert jobs.stalled_after == expected


def test_jobs_work_until_idle_fails_a_job_whose_worker_died_before_it_stops(
    db_settings: Settings, database: Database
) -> None:
    """`matchmaker jobs work --until-idle` (from cron, say) looks for stalled jobs first, as a
    long-running worker does when it starts, so a client polling one reads "failed, start it again"."""
    from typer.testing import CliRunner

    from matchmaker.cli import app

    _orphan(database, "stalled", beat_ago=timedelta(hours=1))
    result = CliRunner().invoke(app, ["jobs", "work", "--until-idle"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 job whose worker stopped reporting was marked failed" in result.output
    assert "Ran 0 jobs; the queue is empty." in result.output
    with database.unit_of_work() as session:
        row = job_table.get_job(session, "stalled")
        assert row is not None
        assert row.state == "failed"
        assert "stopped reporting; start the job again" in (row.error or "")


def test_how_long_a_silent_job_waits_before_it_is_failed_is_a_setting(
    db_settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MATCHMAKER_JOB_STALLED_SECONDS: an operator whose workers are never quiet for long sets a
    shorter wait than the default (five minutes on SQLite, thirty on PostgreSQL)."""
    from typer.testing import CliRunner

    from matchmaker.cli import app

    _orphan(database, "quiet-3-minutes", beat_ago=timedelta(minutes=3))
    left = CliRunner().invoke(app, ["jobs", "work", "--until-idle"], catch_exceptions=False)
    assert left.exit_code == 0, left.output
    assert "stopped reporting" not in left.output  # three minutes are within the default wait

    monkeypatch.setenv("MATCHMAKER_JOB_STALLED_SECONDS", "120")
    swept = CliRunner().invoke(app, ["jobs", "work", "--until-idle"], catch_exceptions=False)
    assert swept.exit_code == 0, swept.output
    assert "1 job whose worker stopped reporting was marked failed" in swept.output
    assert JobService(
        db_settings.model_copy(update={"job_stalled_seconds": 120}), database, {}
    ).stalled_after == (timedelta(minutes=2))

    monkeypatch.setenv("MATCHMAKER_JOB_STALLED_SECONDS", "30")  # shorter than two heartbeats
    refused = CliRunner().invoke(app, ["jobs", "work", "--until-idle"])
    assert refused.exit_code != 0
    assert "MATCHMAKER_JOB_STALLED_SECONDS='30'" in refused.output


def test_a_sweep_logs_the_jobs_it_failed_counted_in_words(
    db_settings: Settings, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator reading the log sees "1 job", "2 jobs", never "job(s)"."""
    jobs = JobService(db_settings, database, {})
    _orphan(database, "lone", beat_ago=jobs.stalled_after + timedelta(seconds=5))
    with caplog.at_level(logging.WARNING, logger="matchmaker.services.jobs"):
        assert jobs.sweep() == 1
    for job_id in ("pair-1", "pair-2"):
        _orphan(database, job_id, beat_ago=jobs.stalled_after + timedelta(seconds=5))
    with caplog.at_level(logging.WARNING, logger="matchmaker.services.jobs"):
        assert jobs.sweep() == 2
    lines = [r.getMessage() for r in caplog.records if r.name == "matchmaker.services.jobs"]
    assert lines == [
        "Marked 1 job failed: its worker stopped reporting",
        "Marked 2 jobs failed: their workers stopped reporting",
    ]


class _HeldJob:
    """A job handler that runs until the test releases it (``entered`` once it has started)."""

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()

    def __call__(self, params: Mapping[str, Any], progress: ProgressFn) -> dict[str, Any]:
        self.entered.set()
        self.release.wait(60)
        return {"long": True}


@pytest.mark.parametrize("database_url", [None])  # the in-process runner serves SQLite
def test_a_start_after_a_stop_that_gave_up_on_a_long_job_runs_the_queued_jobs(
    db_settings: Settings, database: Database
) -> None:
    """A server that stopped while a long job ran (its stop gave up waiting) and is started again in the
    same process still runs the jobs queued behind that one, and keeps taking new ones after it ends."""
    long = _HeldJob()
    entered, release = long.entered, long.release
    jobs = JobService(db_settings, database, {"long": long, "count": _count})
    runner = InProcessRunner(jobs, stop_wait=0.0)  # a stop that gives up at once, as after its 5 s
    jobs.runner = runner
    try:  # the first submit starts the runner's thread, as one does on a server started a while ago
        slow = jobs.submit("long", {}, owner_id=None)
        assert entered.wait(30)
        queued = jobs.submit("count", {"n": 2}, owner_id=None)
        jobs.stop()  # gives up: the long job still runs
        jobs.start()
        release.set()
        assert jobs.wait(slow.id, timeout=30).state == "done"
        assert jobs.wait(queued.id, timeout=30).state == "done"
        later = jobs.submit("count", {"n": 1}, owner_id=None)
        assert jobs.wait(later.id, timeout=30).state == "done"
    finally:
        release.set()
        jobs.stop()


@pytest.mark.postgres
def test_a_start_after_a_stop_that_gave_up_on_a_long_job_leaves_no_extra_worker(
    pg_url: str, home: Any
) -> None:
    """A worker process that stopped while a long job ran (its stop gave up waiting) and is started again
    runs as many workers as configured: the worker the stop gave up on ends after its job."""
    settings = Settings(home=home, database_url=pg_url, model_name="hashing-64", job_workers=0)
    database = Database(settings)
    long = _HeldJob()
    entered, release = long.entered, long.release
    jobs = JobService(settings, database, {"long": long, "count": _count})
    runner = QueueRunner(jobs, 1, poll=0.05, stop_wait=0.0)  # a stop that gives up at once, as after 5 s
    jobs.runner = runner
    try:
        runner.start()
        slow = jobs.submit("long", {}, owner_id=None)
        assert entered.wait(30)
        [given_up] = runner._workers  # the worker running the long job
        runner.stop()  # gives up: the long job still runs
        runner.start()
        release.set()
        assert jobs.wait(slow.id, timeout=30).state == "done"
        given_up.join(timeout=10)
        assert not given_up.is_alive(), "the worker the stop gave up on ends after its job"
        later = jobs.submit("count", {"n": 1}, owner_id=None)
        assert jobs.wait(later.id, timeout=30).state == "done"
    finally:
        release.set()
        runner.stop_wait = 10.0
        runner.stop()
        database.dispose()
