"""Alembic environment: runs migrations on the connection matchmaker hands over, or on the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import matchmaker.db.accounts  # registers the sign-in and outbox tables
import matchmaker.db.events  # registers the event tables on the metadata
import matchmaker.db.models
import matchmaker.db.workers  # noqa: F401  (registers the job, generation and rate tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    """Run the migrations online, reusing a given connection when there is one."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section) or {}, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
