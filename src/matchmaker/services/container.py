"""The service container: everything an adapter (the web app, the CLI) needs, built once from Settings.

::

    services = Services(settings)                      # database (migrated), indexes, matching, events
    with services.database.unit_of_work() as session:  # one transaction: commit or roll back
        city = services.records(session).get("city", "kukes")
    services.matching.matcher().providers_for_city("kukes")
    services.mail.send_queued()                        # the outbox over SMTP
    services.close()

The web app builds one in ``create_app`` and hands typed services to handlers through Litestar
dependencies; a yield dependency owns each request's unit of work. The CLI builds one per command.
Nothing here is a process-wide registry: two containers over two homes share nothing.

Request-scoped services (records, users, event sub-features) are made for one unit of work;
app-scoped ones (indexes, matching, corpus ingest, event planning) own their transactions because their
work is long or runs outside a request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from matchmaker.db.engine import Database
from matchmaker.embeddings.encoder import Encoder
from matchmaker.services.accounts import Accounts
from matchmaker.services.corpus import CorpusService
from matchmaker.services.events import EventServices, Planner
from matchmaker.services.indexing import IndexService
from matchmaker.services.mail import MailSender, Notifier, Outbox
from matchmaker.services.matching import MatchingService
from matchmaker.services.records import RecordService
from matchmaker.services.selfservice import SelfService
from matchmaker.services.users import UserService
from matchmaker.services.visibility import ConfidentialTerms
from matchmaker.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """The services of one instance (see the module docstring)."""

    settings: Settings
    database: Database
    indexes: IndexService
    matching: MatchingService
    confidential: ConfidentialTerms
    corpus: CorpusService
    planner: Planner
    mail: MailSender

    @classmethod
    def build(
        cls, settings: Settings, *, encoder: Encoder | None = None, migrate_schema: bool = True
    ) -> Services:
        """Services for ``settings``: the database is created and migrated now, the model on first use."""
        database = Database(settings, migrate_schema=migrate_schema)
        indexes = IndexService(settings, database, encoder=encoder)
        matching = MatchingService(settings, database, indexes)
        confidential = ConfidentialTerms(database)
        corpus = CorpusService(settings, database, indexes, confidential)
        planner = Planner(database, matching, notifier=lambda session: Notifier(session, settings))
        mail = MailSender(settings, database)
        return cls(settings, database, indexes, matching, confidential, corpus, planner, mail)

    def records(self, session: Session) -> RecordService:
        """Records in the unit of work ``session``; writes refresh the index and the confidential values."""
        return RecordService(session, self.indexes, self.confidential)

    def users(self, session: Session) -> UserService:
        """API users in the unit of work ``session``."""
        return UserService(session)

    def events(self, session: Session) -> EventServices:
        """Event sub-features (catalogue, requests, pair rules, agendas, feedback) in ``session``."""
        return EventServices(session, notifier=self.notifier(session))

    def accounts(self, session: Session) -> Accounts:
        """Invitations, console sessions and the staff users page in ``session``."""
        return Accounts(session, self.settings)

    def outbox(self, session: Session) -> Outbox:
        """The mail outbox in ``session`` (list, send again)."""
        return Outbox(session)

    def self_service(self, session: Session) -> SelfService:
        """A participant's own availability and profile in ``session`` (before the event's deadline)."""
        return SelfService(session, self.records(session))

    def notifier(self, session: Session) -> Notifier:
        """Notifications written to the outbox in ``session``."""
        return Notifier(session, self.settings)

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()


__all__ = ["Services"]
