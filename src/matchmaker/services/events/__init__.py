"""Use cases of matchmaking events; the CLI, the API and the console call only these.

Lifecycle: ``catalog.create`` → ``catalog.add_participants`` → requests (``requests.create``,
``requests.answer``) and staff rules (``pair_rules.set``) → :meth:`Planner.generate` (the plan; run it
again after late changes) → :meth:`Planner.publish` (participants see it; calendars get stable UIDs and
SEQUENCE numbers) → ``agendas`` and the exports → after the event, ``feedback.record``, and
``feedback.signal`` for later matching.

Sub-features, one module each:

=================  ===================================================================================
``catalog``        events and participants (:mod:`.catalog`)
``requests``       meeting requests (:mod:`.requests`)
``contacts``       whom a participant may ask, with the matcher's reasons (:mod:`.contacts`)
``pair_rules``     must-meet and blocked pairs (:mod:`.pair_rules`)
``agendas``        agendas, CSV, HTML, PDF and calendar exports (:mod:`.agendas`)
``feedback``       ratings after the event and the feedback signal (:mod:`.feedback`)
``feeds``          secret, revocable calendar feed addresses per participant (:mod:`.feeds`)
``statistics``     staff's feedback and statistics: outcomes, requests, ratings (:mod:`.statistics`)
:class:`Planner`   generate, re-plan, lock, move, publish; owns its transactions (:mod:`.planning`)
=================  ===================================================================================

Schemas are in :mod:`.schemas`, the pure rules in :mod:`.rules`, and the loading helpers every
sub-feature shares in :mod:`.store`. Each sub-feature's module is imported when the sub-feature is
first used (``matchmaker event list`` loads the catalogue, not the exports or the mail outbox), and the
names below are imported on first use (PEP 562). :class:`Planner` brings the solver and the matcher,
which reading events does not need.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session

from matchmaker.lazy import lazy_exports

if TYPE_CHECKING:
    from matchmaker.services.events.agendas import Agendas
    from matchmaker.services.events.catalog import EventCatalog
    from matchmaker.services.events.contacts import Advisor, MatcherAdvisor, RequestContacts
    from matchmaker.services.events.feedback import EventFeedback
    from matchmaker.services.events.feeds import CalendarFeeds
    from matchmaker.services.events.pair_rules import PairRules
    from matchmaker.services.events.planning import Planner, ScoreFunction
    from matchmaker.services.events.requests import MeetingRequests
    from matchmaker.services.events.statistics import EventStatisticsReader
    from matchmaker.services.mail.notify import Notifier

#: Which submodule defines each public name.
_HOMES: dict[str, str] = {
    "Agendas": "agendas",
    "EventCatalog": "catalog",
    "Advisor": "contacts",
    "MatcherAdvisor": "contacts",
    "RequestContacts": "contacts",
    "EventFeedback": "feedback",
    "CalendarFeeds": "feeds",
    "PairRules": "pair_rules",
    "Planner": "planning",
    "ScoreFunction": "planning",
    "MeetingRequests": "requests",
    "EventStatisticsReader": "statistics",
}


__getattr__ = lazy_exports(__name__, _HOMES, globals())


class EventServices:
    """The request-scoped event sub-features, all in the unit of work ``session``, each made on first use.

    ``notifier`` makes the notifier that tells the other party of a request, when a request is first
    created or answered; ``advisor`` (the matcher) suggests whom to ask and gives new requests their
    reason; ``pdf_font`` is the font of the PDFs (``MATCHMAKER_PDF_FONT``).
    """

    def __init__(
        self,
        session: Session,
        *,
        notifier: Callable[[], Notifier] | None = None,
        advisor: Advisor | None = None,
        pdf_font: Path | None = None,
    ) -> None:
        self.session = session
        self._notifier = notifier
        self._advisor = advisor
        self._pdf_font = pdf_font

    @cached_property
    def catalog(self) -> EventCatalog:
        """Events and participants; deleting a published event tells its participants."""
        from matchmaker.services.events.catalog import EventCatalog  # noqa: PLC0415 - on first use

        return EventCatalog(self.session, notifier=self._notifier)

    @cached_property
    def requests(self) -> MeetingRequests:
        """Meeting requests; the other party is notified."""
        from matchmaker.services.events.requests import MeetingRequests  # noqa: PLC0415 - on first use

        return MeetingRequests(
            self.session,
            notifier=self._notifier() if self._notifier is not None else None,
            explain=self._advisor.reason if self._advisor is not None else None,
        )

    @cached_property
    def contacts(self) -> RequestContacts:
        """Whom a participant may ask, with the matcher's reasons."""
        from matchmaker.services.events.contacts import RequestContacts  # noqa: PLC0415 - on first use

        return RequestContacts(self.session, self._advisor)

    @cached_property
    def pair_rules(self) -> PairRules:
        """Must-meet and blocked pairs."""
        from matchmaker.services.events.pair_rules import PairRules  # noqa: PLC0415 - on first use

        return PairRules(self.session)

    @cached_property
    def agendas(self) -> Agendas:
        """Agendas and their exports."""
        from matchmaker.services.events.agendas import Agendas  # noqa: PLC0415 - on first use

        return Agendas(self.session, pdf_font=self._pdf_font)

    @cached_property
    def feedback(self) -> EventFeedback:
        """Ratings after the event."""
        from matchmaker.services.events.feedback import EventFeedback  # noqa: PLC0415 - on first use

        return EventFeedback(self.session)

    @cached_property
    def feeds(self) -> CalendarFeeds:
        """Calendar feed addresses."""
        from matchmaker.services.events.feeds import CalendarFeeds  # noqa: PLC0415 - on first use

        return CalendarFeeds(self.session)

    @cached_property
    def statistics(self) -> EventStatisticsReader:
        """Staff's feedback and statistics."""
        from matchmaker.services.events.statistics import EventStatisticsReader  # noqa: PLC0415 - on first use

        return EventStatisticsReader(self.session)

    def rollback(self) -> None:
        """Undo this unit of work's changes so far (a refused change, before its form is shown again)."""
        self.session.rollback()


__all__ = [
    "Advisor",
    "Agendas",
    "CalendarFeeds",
    "EventCatalog",
    "EventFeedback",
    "EventServices",
    "EventStatisticsReader",
    "MatcherAdvisor",
    "MeetingRequests",
    "PairRules",
    "Planner",
    "RequestContacts",
    "ScoreFunction",
]
