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
sub-feature shares in :mod:`.store`. :class:`Planner` is imported on first use: it brings the solver and
the matcher, which reading events does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from matchmaker.services.events.agendas import Agendas
from matchmaker.services.events.catalog import EventCatalog
from matchmaker.services.events.contacts import Advisor, MatcherAdvisor, RequestContacts
from matchmaker.services.events.feedback import EventFeedback
from matchmaker.services.events.feeds import CalendarFeeds
from matchmaker.services.events.pair_rules import PairRules
from matchmaker.services.events.requests import MeetingRequests
from matchmaker.services.events.statistics import EventStatisticsReader

if TYPE_CHECKING:
    from matchmaker.services.events.planning import Planner, ScoreFunction
    from matchmaker.services.mail.notify import Notifier


def __getattr__(name: str) -> Any:
    if name in {"Planner", "ScoreFunction"}:
        return getattr(importlib.import_module("matchmaker.services.events.planning"), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


class EventServices:
    """The request-scoped event sub-features, all in the unit of work ``session``.

    ``advisor`` (the matcher) suggests whom to ask and gives new requests their reason.
    """

    def __init__(
        self, session: Session, *, notifier: Notifier | None = None, advisor: Advisor | None = None
    ) -> None:
        self.session = session
        self.catalog = EventCatalog(session)
        self.requests = MeetingRequests(
            session, notifier=notifier, explain=advisor.reason if advisor is not None else None
        )
        self.contacts = RequestContacts(session, advisor)
        self.pair_rules = PairRules(session)
        self.agendas = Agendas(session)
        self.feedback = EventFeedback(session)
        self.feeds = CalendarFeeds(session)
        self.statistics = EventStatisticsReader(session)

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
