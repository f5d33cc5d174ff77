"""Whom a participant may ask for a meeting in an event, and why the matcher suggests them.

A city focal point is offered the event's providers and the event's other cities: comparable cities
(the same need in a similar context) and mentor cities (a case study showing they overcame it), the
city-to-city experience sharing of Level 3. A provider is offered the event's cities; two providers
never meet. Everyone already asked, or who already asked, is left out: one request per pair.

The matcher speaks through an :class:`Advisor`; :class:`MatcherAdvisor` asks the instance's
:class:`~matchmaker.services.matching.Matcher` (its ``providers_for_city``, ``cities_for_city`` and
``cities_for_provider`` queries, and ``pair_reason`` for a request's reason) and answers with nothing
when no matcher can be loaded, so requests still work before the indexes exist. The ordering of
contacts is the pure :func:`rank_contacts`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlmodel import Session, col, select

from matchmaker.db.events import MeetingRequestRow
from matchmaker.errors import MatchmakerError
from matchmaker.services.events import store
from matchmaker.services.events.schemas import Contact, ParticipantPublic, Relation, Side

if TYPE_CHECKING:
    from matchmaker.services.matching import MatchingService, MatchResult

logger = logging.getLogger(__name__)

#: How many suggestions of each kind are read from the matcher (an event has fewer participants).
SUGGESTIONS_TOP = 200


@dataclass(frozen=True)
class Suggestion:
    """The matcher's view of one candidate: its score, its one-line reason and, for cities, the relation."""

    score: float
    reason: str | None = None
    relation: Relation | None = None


class Advisor(Protocol):
    """What the matcher says about the pairs of meeting requests."""

    def suggestions(self, participant_id: str, side: Side, name: str) -> Mapping[str, Suggestion]:
        """Suggested counterparts of ``participant_id`` (named ``name``), by id."""
        ...

    def reason(self, sender: str, recipient: str) -> str | None:
        """Why ``sender`` and ``recipient`` should meet, from the sender's side (None when unknown)."""
        ...


class MatcherAdvisor:
    """The instance's matcher as an :class:`Advisor`; silent when no matcher can be loaded.

    ``matching`` gives the matching service when a suggestion or a reason is first asked for, so
    reading events never loads the engine.
    """

    def __init__(self, matching: Callable[[], MatchingService], *, top: int = SUGGESTIONS_TOP) -> None:
        self._matching = matching
        self.top = top

    @property
    def matching(self) -> MatchingService:
        """The instance's matching service (built on first use)."""
        return self._matching()

    def suggestions(self, participant_id: str, side: Side, name: str) -> Mapping[str, Suggestion]:
        """Providers, comparable and mentor cities for a city; cities for a provider."""
        try:
            matcher = self.matching.matcher()
            if side == "provider":
                found = matcher.cities_for_provider(participant_id, top=self.top).results
                return {r.id: _suggestion(r, city=r.name or r.id, other=name) for r in found}
            providers = matcher.providers_for_city(participant_id, top=self.top).results
            cities = matcher.cities_for_city(participant_id, top=self.top).results
        except MatchmakerError as exc:
            logger.info("no suggestions for %s: %s", participant_id, exc.message)
            return {}
        out = {r.id: _suggestion(r, city=name, other=r.name or r.id) for r in providers}
        out.update({r.id: _suggestion(r, city=name, other=r.name or r.id, relation=True) for r in cities})
        return out

    def reason(self, sender: str, recipient: str) -> str | None:
        """The matcher's participant-facing line for the pair (``pair_reason``), or None."""
        try:
            return self.matching.matcher().pair_reason(sender, recipient)
        except MatchmakerError as exc:
            logger.info("no reason for the request %s → %s: %s", sender, recipient, exc.message)
            return None


def _suggestion(r: MatchResult, *, city: str, other: str, relation: bool = False) -> Suggestion:
    # The matching service is loaded by the matcher that produced ``r``; reading events does not load it.
    from matchmaker.services.matching import readable_reason  # noqa: PLC0415

    return Suggestion(
        score=float(r.score),
        reason=readable_reason(r.explanation, city=city, other=other),
        relation=(r.relation or "comparable") if relation else None,
    )


def rank_contacts(
    me: ParticipantPublic,
    participants: Sequence[ParticipantPublic],
    asked: AbstractSet[str],
    suggested: Mapping[str, Suggestion],
) -> list[Contact]:
    """Whom ``me`` may ask: everyone but itself, those in ``asked`` and (for a provider) providers.

    Suggested contacts come first, best score first, then the others by name. Only a city offered
    to a city carries a relation (comparable or mentor).
    """
    out: list[Contact] = []
    for p in participants:
        if p.id == me.id or p.id in asked or (me.side == "provider" and p.side == "provider"):
            continue
        s = suggested.get(p.id)
        city_to_city = me.side == "city" and p.side == "city"
        out.append(
            Contact(
                id=p.id,
                name=p.name,
                side=p.side,
                relation=s.relation if s is not None and city_to_city else None,
                score=s.score if s is not None else None,
                reason=s.reason if s is not None else None,
            )
        )
    out.sort(key=lambda c: (c.score is None, -(c.score or 0.0), c.name))
    return out


class RequestContacts(store.InSession):
    """Whom a participant may still ask in an event, in one unit of work (suggestions read once)."""

    def __init__(self, session: Session, advisor: Advisor | None = None) -> None:
        super().__init__(session)
        self.advisor = advisor
        self._suggested: dict[str, Mapping[str, Suggestion]] = {}

    def for_participant(self, event_id: str, participant_id: str) -> list[Contact]:
        """Contacts of ``participant_id`` in the event, suggestions first (404 when it does not take part)."""
        session = self.session
        store.event_row(session, event_id)
        mine = store.participant(session, event_id, participant_id)
        rows = store.participants(session, event_id)
        known = store.names(session, [r.participant_id for r in rows])
        people = [store.participant_public(r, known) for r in rows]
        me = store.participant_public(mine, known)
        stmt = select(MeetingRequestRow).where(
            MeetingRequestRow.event_id == event_id,
            (col(MeetingRequestRow.sender) == participant_id)
            | (col(MeetingRequestRow.recipient) == participant_id),
        )
        asked = {r.recipient if r.sender == participant_id else r.sender for r in session.exec(stmt)}
        return rank_contacts(me, people, asked, self._suggestions(me))

    def _suggestions(self, me: ParticipantPublic) -> Mapping[str, Suggestion]:
        if self.advisor is None:
            return {}
        if me.id not in self._suggested:
            self._suggested[me.id] = self.advisor.suggestions(me.id, me.side, me.name)
        return self._suggested[me.id]


__all__ = [
    "SUGGESTIONS_TOP",
    "Advisor",
    "MatcherAdvisor",
    "RequestContacts",
    "Suggestion",
    "rank_contacts",
]
