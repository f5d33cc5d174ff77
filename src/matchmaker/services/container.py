"""The service container: everything an adapter (the web app, the CLI) needs, built once from Settings.

::

    services = Services.build(settings)                # database (migrated), indexes, matching, events
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
from collections.abc import Mapping
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from matchmaker.db.engine import Database
from matchmaker.services.records import RecordService
from matchmaker.services.users import UserService
from matchmaker.services.visibility import ConfidentialTerms
from matchmaker.settings import Settings
from matchmaker.threads import pin_blas_threads

if TYPE_CHECKING:
    from matchmaker.embeddings.encoder import Encoder
    from matchmaker.services.accounts import Accounts
    from matchmaker.services.corpus import CorpusService
    from matchmaker.services.events import EventServices, Planner
    from matchmaker.services.indexing import IndexService
    from matchmaker.services.jobs import JobHandler, JobService, ProgressFn
    from matchmaker.services.mail import MailSender, Notifier, Outbox
    from matchmaker.services.matching import MatchingService
    from matchmaker.services.selfservice import SelfService

logger = logging.getLogger(__name__)


class Services:
    """The services of one instance (see the module docstring).

    The heavy services (indexes, matching, corpus ingest, planning) are imported and built on first use,
    so a short command such as ``matchmaker users add`` loads neither FAISS, the engine nor the solver.
    The web app builds them all at start-up (:meth:`build_all`).
    """

    def __init__(self, settings: Settings, database: Database, *, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self.database = database
        self.confidential = ConfidentialTerms(database)
        self._encoder = encoder

    @classmethod
    def build(
        cls, settings: Settings, *, encoder: Encoder | None = None, migrate_schema: bool = True
    ) -> Services:
        """Services for ``settings``: the database is created and migrated now, the rest on first use.

        The process's BLAS pools are pinned to ``settings.blas_threads`` first (see
        :mod:`matchmaker.threads`).
        """
        pin_blas_threads(settings.blas_threads)
        return cls(settings, Database(settings, migrate_schema=migrate_schema), encoder=encoder)

    @cached_property
    def indexes(self) -> IndexService:
        """The embedding indexes and the model (loaded on first use)."""
        from matchmaker.services.indexing import IndexService  # noqa: PLC0415 - built on first use

        return IndexService(
            self.settings,
            self.database,
            encoder=self._encoder,
            prepare=lambda: self.matching.prepare(),  # noqa: PLW0108 - matching is built later
            after_write=lambda kind, ids: self.matching.after_write(kind, ids),  # noqa: PLW0108 - as above
        )

    @cached_property
    def matching(self) -> MatchingService:
        """The matching runtime: the model, the matcher, readiness and pair scores."""
        from matchmaker.services.matching import MatchingService  # noqa: PLC0415 - built on first use

        return MatchingService(self.settings, self.database, self.indexes)

    @cached_property
    def corpus(self) -> CorpusService:
        """Corpus ingest (files and uploads)."""
        from matchmaker.services.corpus import CorpusService  # noqa: PLC0415 - built on first use

        return CorpusService(self.settings, self.database, self.indexes, self.confidential)

    @cached_property
    def planner(self) -> Planner:
        """Event planning (app-scoped: long work in its own transactions)."""
        from matchmaker.services.events import Planner  # noqa: PLC0415 - built on first use

        return Planner(self.database, self.matching, notifier=self.notifier)

    @cached_property
    def mail(self) -> MailSender:
        """The outbox's sender over SMTP."""
        from matchmaker.services.mail import MailSender  # noqa: PLC0415 - built on first use

        return MailSender(self.settings, self.database)

    @cached_property
    def jobs(self) -> JobService:
        """Background jobs: in this process on SQLite, on the PostgreSQL queue otherwise."""
        from matchmaker.services.jobs import JobService  # noqa: PLC0415 - built on first use

        return JobService(self.settings, self.database, self.job_handlers())

    def job_handlers(self) -> dict[str, JobHandler]:
        """What each kind of background job runs (the services are built when a job first needs them)."""
        return {
            "ingest": self._ingest_job,
            "rebuild": self._rebuild_job,
            "generate": self._generate_job,
            "statistics": self._statistics_job,
        }

    def _ingest_job(self, params: Mapping[str, Any], progress: ProgressFn) -> dict[str, Any]:
        return self.corpus.ingest_job(params, progress)

    def _rebuild_job(self, params: Mapping[str, Any], progress: ProgressFn) -> dict[str, Any]:
        from matchmaker.services.indexing import rebuild_progress  # noqa: PLC0415 - built on first use

        kinds = params.get("kinds")
        return self.indexes.rebuild(kinds, progress=rebuild_progress(progress)).to_dict()

    def _generate_job(self, params: Mapping[str, Any], progress: ProgressFn) -> dict[str, Any]:
        return self.planner.generate_job(params, progress)

    def _statistics_job(self, params: Mapping[str, Any], progress: ProgressFn) -> dict[str, Any]:
        from matchmaker.services.events.statistics import statistics_job  # noqa: PLC0415 - on first use

        return statistics_job(self.database, params, progress)

    def build_all(self) -> Services:
        """Build every lazily built service now (the server does, before it takes requests)."""
        _ = (self.indexes, self.matching, self.corpus, self.planner, self.mail, self.jobs)
        return self

    def records(self, session: Session) -> RecordService:
        """Records in the unit of work ``session``; writes refresh the index and the confidential values.

        The index service is built when a write first needs it, so reading records loads no index.
        """
        return RecordService(session, self._index_service, self.confidential)

    def _index_service(self) -> IndexService:
        return self.indexes

    def _matching_service(self) -> MatchingService:
        return self.matching

    def users(self, session: Session) -> UserService:
        """API users in the unit of work ``session``."""
        return UserService(session)

    def events(self, session: Session) -> EventServices:
        """Event sub-features (catalogue, requests, contacts, pair rules, agendas, feedback) in ``session``;
        the matcher suggests contacts and gives requests their reason."""
        from matchmaker.services.events import EventServices, MatcherAdvisor  # noqa: PLC0415 - on first use

        advisor = MatcherAdvisor(self._matching_service)  # the engine loads when a suggestion is asked for
        # The mail modules load when a request is first created or answered, not to read events.
        return EventServices(
            session,
            notifier=partial(self.notifier, session),
            advisor=advisor,
            pdf_font=self.settings.pdf_font,
        )

    def accounts(self, session: Session) -> Accounts:
        """Invitations, console sessions and the staff users page in ``session``."""
        from matchmaker.services.accounts import Accounts  # noqa: PLC0415 - built on first use

        return Accounts(session, self.settings)

    def outbox(self, session: Session) -> Outbox:
        """The mail outbox in ``session`` (list, send again)."""
        from matchmaker.services.mail import Outbox  # noqa: PLC0415 - built on first use

        return Outbox(session)

    def self_service(self, session: Session) -> SelfService:
        """A participant's own availability and profile in ``session`` (before the event's deadline)."""
        from matchmaker.services.selfservice import SelfService  # noqa: PLC0415 - built on first use

        return SelfService(session, self.records(session))

    def notifier(self, session: Session) -> Notifier:
        """Notifications written to the outbox in ``session``."""
        from matchmaker.services.mail import Notifier  # noqa: PLC0415 - built on first use

        return Notifier(session, self.settings)

    def close(self) -> None:
        """Release the database connections and close the cache files the services keep open (only
        services already built: closing builds nothing)."""
        built = vars(self)
        if "matching" in built:
            self.matching.close()
        if "indexes" in built:
            self.indexes.close()
        self.database.dispose()


__all__ = ["Services"]
