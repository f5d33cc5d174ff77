"""Setting up an instance in tests through its service container.

Each helper takes either the :class:`Services` of an app under test (the helper then works in that
container) or :class:`Settings` (a container is built for the call and closed after it, as one CLI
command would). Nothing here keeps a connection open after it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event as sa_event

from matchmaker.embeddings.encoder import Encoder
from matchmaker.services.container import Services
from matchmaker.services.corpus import IngestReport
from matchmaker.services.records import RecordService
from matchmaker.services.users import IssuedUser
from matchmaker.settings import Settings

Instance = Settings | Services


@contextmanager
def services_for(instance: Instance, *, encoder: Encoder | None = None) -> Iterator[Services]:
    """The container of ``instance``: the one given, or one built now and closed at the end."""
    if isinstance(instance, Services):
        yield instance
        return
    services = Services.build(instance, encoder=encoder)
    try:
        yield services
    finally:
        services.close()


def ingest(
    instance: Instance, paths: Sequence[Path], *, encoder: Encoder | None = None, source: str = "cli"
) -> IngestReport:
    """Ingest corpus files and folders and bring the indexes up to date (``matchmaker ingest``)."""
    with services_for(instance, encoder=encoder) as services:
        return services.corpus.ingest_paths(list(paths), source=source)


#: The shipped demo corpora.
DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"


@contextmanager
def demo_services(home: Path) -> Iterator[Services]:
    """The demo corpus ingested into ``home`` with hashing encoders on both dense channels (no
    model), and the container over it, closed at the end."""
    settings = Settings(home=home, model_name="hashing-384", multilingual_model="hashing-384")
    report = ingest(settings, [DEMO])
    assert report.exit_code == 0, report.rejections
    with services_for(settings) as services:
        yield services


def add_user(
    instance: Instance, role: str, subject: str | None = None, label: str | None = None
) -> IssuedUser:
    """A new API user of ``role`` with its token (``matchmaker users add``)."""
    with services_for(instance) as services, services.database.unit_of_work() as session:
        return services.users(session).add_user(role, subject, label)


def revoke_user(instance: Instance, user_id: int) -> None:
    """Revoke a user as ``matchmaker users revoke`` does: its token, console sessions, open sign-in
    links and calendar feed addresses stop."""
    with services_for(instance) as services, services.database.unit_of_work() as session:
        services.accounts(session).revoke(user_id)


@contextmanager
def stored_records(instance: Instance) -> Iterator[RecordService]:
    """Records in one unit of work, committed at the end. Writes here store records only: the indexes
    are left as they are (seeding data, as a test set-up does before anything is indexed)."""
    with services_for(instance) as services, services.database.unit_of_work() as session:
        yield RecordService(session)


__all__ = ["Instance", "add_user", "ingest", "revoke_user", "services_for", "stored_records"]


@contextmanager
def statements(services: Services, *, where: Callable[[str], bool] | None = None) -> Iterator[list[str]]:
    """The SQL statements the database is sent while the block runs (those ``where`` keeps)."""
    sent: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if where is None or where(statement):
            sent.append(statement)

    engine = services.database.engine
    sa_event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        sa_event.remove(engine, "before_cursor_execute", seen)
