"""Tables that let several server processes share one database (migration ``0006_workers``).

- :class:`JobRow`: a background job (an ingest, an index rebuild, a schedule generation) with its state,
  progress and result. On PostgreSQL it is also the queue: a worker takes the oldest queued job with
  ``SELECT ... FOR UPDATE SKIP LOCKED``, so any number of workers take jobs and never the same one.
- :class:`IndexGenerationRow`: every published index generation with the checksums of its manifest,
  so each process can tell whether a newer generation than the one it holds exists.
- :class:`RateWindow`: hits per caller and fixed window, counted with one atomic upsert.

The functions here take a session (or a connection) and say nothing about policy; the services decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import JSON, BigInteger, Column, String, func, text, update
from sqlmodel import Field, Session, SQLModel, col, select

from matchmaker.db.models import serial_id, utcnow

JobState = Literal["queued", "running", "done", "failed"]
JOB_STATES: tuple[JobState, ...] = ("queued", "running", "done", "failed")


class JobRow(SQLModel, table=True):
    """One background job."""

    __tablename__ = "job"

    id: str = Field(sa_column=Column(String(32), primary_key=True))
    kind: str = Field(max_length=40)
    state: str = Field(default="queued", max_length=16, index=True)
    progress: float = 0.0
    message: str = Field(default="", max_length=500)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    error: str | None = Field(default=None, max_length=4000)
    #: The API user who started it (``None`` for jobs started from the command line).
    owner_id: int | None = Field(default=None, index=True)
    #: Who ran it: host and process id of the worker.
    worker: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None


class IndexGenerationRow(SQLModel, table=True):
    """One published index generation of a kind."""

    __tablename__ = "index_generation"

    id: int | None = serial_id()
    kind: str = Field(max_length=20, index=True)
    generation: str = Field(max_length=80)
    corpus_hash: str = Field(default="", max_length=128)
    document_count: int = 0
    checksums: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)


class RateWindow(SQLModel, table=True):
    """Hits of one caller in one fixed window (``window_start`` in whole seconds since the epoch)."""

    __tablename__ = "rate_window"

    key: str = Field(sa_column=Column(String(200), primary_key=True))
    window_start: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hits: int = 0


# --------------------------------------------------------------------------------------------------
# Jobs


def add_job(session: Session, row: JobRow) -> JobRow:
    """Store a new job."""
    session.add(row)
    session.flush()
    return row


def get_job(session: Session, job_id: str) -> JobRow | None:
    """The job ``job_id``, if any."""
    return session.get(JobRow, job_id)


def claim_job(session: Session, *, job_id: str | None, worker: str) -> JobRow | None:
    """Take a queued job (``job_id``, or the oldest) for ``worker``: mark it running and return it.

    On PostgreSQL the row is locked with ``FOR UPDATE SKIP LOCKED``, so two workers asking at once get
    two different jobs; on SQLite the session holds the write lock (``unit_of_work(write=True)``).
    """
    query = select(JobRow).where(col(JobRow.state) == "queued")
    if job_id is not None:
        query = query.where(col(JobRow.id) == job_id)
    query = query.order_by(col(JobRow.created_at)).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = session.exec(query).first()
    if row is None:
        return None
    now = utcnow()
    row.state = "running"
    row.worker = worker
    row.started_at = now
    row.heartbeat_at = now
    row.message = "started"
    session.add(row)
    session.flush()
    return row


def update_job(session: Session, job_id: str, **values: Any) -> None:
    """Set fields of a job (progress, message, state, result, error)."""
    row = session.get(JobRow, job_id)
    if row is None:
        return
    for name, value in values.items():
        setattr(row, name, value)
    row.heartbeat_at = utcnow()
    session.add(row)


def beat(session: Session, job_id: str) -> bool:
    """Write the heartbeat of a running job (nothing else changes); whether it was still running."""
    stmt = (
        update(JobRow)
        .where(col(JobRow.id) == job_id, col(JobRow.state) == "running")
        .values(heartbeat_at=utcnow())
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def fail_stalled(session: Session, *, older_than: timedelta) -> int:
    """Mark running jobs whose worker stopped reporting (no heartbeat for ``older_than``) as failed."""
    cutoff = utcnow() - older_than
    rows = session.exec(
        select(JobRow).where(col(JobRow.state) == "running", col(JobRow.heartbeat_at) < cutoff)
    ).all()
    for row in rows:
        row.state = "failed"
        row.error = f"the worker {row.worker or '?'} stopped reporting; start the job again"
        row.finished_at = utcnow()
        session.add(row)
    return len(rows)


# --------------------------------------------------------------------------------------------------
# Index generations


def record_generation(
    session: Session,
    *,
    kind: str,
    generation: str,
    corpus_hash: str,
    document_count: int,
    checksums: Mapping[str, str],
) -> None:
    """Record a published generation."""
    session.add(
        IndexGenerationRow(
            kind=kind,
            generation=generation,
            corpus_hash=corpus_hash,
            document_count=document_count,
            checksums=dict(checksums),
        )
    )


def newest_generations(session: Session) -> dict[str, str]:
    """Per kind, the newest recorded generation (one indexed query)."""
    newest = (
        select(IndexGenerationRow.kind, func.max(IndexGenerationRow.id).label("id"))
        .group_by(col(IndexGenerationRow.kind))
        .subquery()
    )
    rows = session.exec(
        select(IndexGenerationRow.kind, IndexGenerationRow.generation).join(
            newest, col(IndexGenerationRow.id) == newest.c.id
        )
    ).all()
    return dict(rows)


def generation_checksums(session: Session, kind: str, generation: str) -> dict[str, str] | None:
    """The checksums recorded for one generation, if it was recorded."""
    row = session.exec(
        select(IndexGenerationRow).where(
            col(IndexGenerationRow.kind) == kind, col(IndexGenerationRow.generation) == generation
        )
    ).first()
    return dict(row.checksums) if row is not None else None


# --------------------------------------------------------------------------------------------------
# Rate windows


def count_hit(session: Session, key: str, window_start: int) -> int:
    """Count one hit of ``key`` in the window starting at ``window_start``; returns the hits so far.

    One statement, atomic under concurrency: ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``.
    """
    from sqlalchemy.dialects import postgresql  # noqa: PLC0415 - loaded by the rate limiter alone

    table = RateWindow.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert(table).values(key=key, window_start=window_start, hits=1)
    stmt = insert.on_conflict_do_update(
        index_elements=["key", "window_start"], set_={"hits": table.c.hits + 1}
    ).returning(table.c.hits)
    return int(session.execute(stmt).scalar_one())


def window_hits(session: Session, key: str, window_start: int) -> int:
    """The hits of ``key`` counted so far in the window starting at ``window_start``."""
    row = session.get(RateWindow, (key, window_start))
    return row.hits if row is not None else 0


def forget_windows(session: Session, before: int) -> None:
    """Drop windows that started before ``before``."""
    session.execute(text("DELETE FROM rate_window WHERE window_start < :before"), {"before": before})


__all__ = [
    "JOB_STATES",
    "IndexGenerationRow",
    "JobRow",
    "JobState",
    "RateWindow",
    "add_job",
    "beat",
    "claim_job",
    "count_hit",
    "fail_stalled",
    "forget_windows",
    "generation_checksums",
    "get_job",
    "newest_generations",
    "record_generation",
    "update_job",
    "window_hits",
]
