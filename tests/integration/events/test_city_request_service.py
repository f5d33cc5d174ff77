"""City-to-city meeting requests through the service, on SQLite and PostgreSQL: a city asks a mentor or
comparable city of the same event, the other city answers, and the planned meeting carries the reason."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

import pytest

from events_support import EventCalls
from matchmaker.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from matchmaker.services.container import Services
from matchmaker.services.events import EventServices
from matchmaker.services.events.contacts import Suggestion
from matchmaker.services.events.schemas import RequestCreate, Side
from matchmaker.settings import Settings

T = TypeVar("T")
Score = Callable[[str, str], float | None]

MENTOR_REASON = "Osh has a case study on a similar problem: “Osh: street addresses in a year”"


class Advised(Protocol):
    """Calls the event sub-features with the stand-in advisor."""

    def __call__(self, use: Callable[[EventServices], T]) -> T: ...


class Advisor:
    """A matcher stand-in: Osh is Kukës's mentor, Tirana comparable, Acme the best provider."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def suggestions(self, participant_id: str, side: Side, name: str) -> Mapping[str, Suggestion]:
        if participant_id != "kukes":
            return {}
        return {
            "osh": Suggestion(0.7, MENTOR_REASON, "mentor"),
            "tirana": Suggestion(0.4, "Kukës and Tirana share: Funding", "comparable"),
            "acme": Suggestion(0.9, f"{name} needs “bus lines” ↔ Acme Mobility: “fare cards”"),
        }

    def reason(self, sender: str, recipient: str) -> str | None:
        self.asked.append((sender, recipient))
        return MENTOR_REASON if (sender, recipient) == ("kukes", "osh") else None


@pytest.fixture
def advised(services: Services) -> Advised:
    """Event sub-features with the stand-in advisor, each call in its own unit of work."""
    advisor = Advisor()

    def call(use: Callable[[EventServices], T]) -> T:
        with services.database.unit_of_work() as session:
            return use(EventServices(session, advisor=advisor))

    return call  # type: ignore[return-value]


def test_a_city_is_offered_its_mentor_and_comparable_cities_beside_providers(
    db_settings: Settings, event: str, advised: Advised
) -> None:
    contacts = advised(lambda e: e.contacts.for_participant(event, "kukes"))
    assert [(c.id, c.side, c.relation) for c in contacts] == [
        ("acme", "provider", None),
        ("osh", "city", "mentor"),
        ("tirana", "city", "comparable"),
        ("databridge", "provider", None),
    ]
    assert contacts[1].reason == MENTOR_REASON
    # A provider is offered cities only.
    offered = advised(lambda e: e.contacts.for_participant(event, "acme"))
    assert {c.id for c in offered} == {"kukes", "osh", "tirana"}
    with pytest.raises(NotFoundError, match="does not take part"):
        advised(lambda e: e.contacts.for_participant(event, "nowhere"))


def test_a_city_asks_a_mentor_city_which_answers_and_no_pair_is_asked_twice(
    db_settings: Settings, event: str, ev: EventCalls, advised: Advised
) -> None:
    sent = advised(lambda e: e.requests.create(event, RequestCreate(sender="kukes", recipient="osh")))
    assert (sent.sender, sent.recipient, sent.status) == ("kukes", "osh", "pending")
    assert sent.reason == MENTOR_REASON
    # The other city reads the reason, and is no longer offered as a contact (nor offered Kukës).
    received = advised(lambda e: e.requests.list(event, participant="osh"))
    assert [(r.id, r.reason) for r in received] == [(sent.id, MENTOR_REASON)]
    assert "osh" not in {c.id for c in advised(lambda e: e.contacts.for_participant(event, "kukes"))}
    assert "kukes" not in {c.id for c in advised(lambda e: e.contacts.for_participant(event, "osh"))}

    asked = rf"^Kukës already asked Osh for a meeting at Level 3 workshop \(request {sent.id}, pending\)$"
    with pytest.raises(ConflictError, match=asked):
        advised(lambda e: e.requests.create(event, RequestCreate(sender="kukes", recipient="osh")))
    with pytest.raises(ConflictError, match=asked.rstrip("$") + "; answer that request instead$"):
        advised(lambda e: e.requests.create(event, RequestCreate(sender="osh", recipient="kukes")))
    with pytest.raises(InvalidInputError, match="cannot be paired with itself"):
        advised(lambda e: e.requests.create(event, RequestCreate(sender="kukes", recipient="kukes")))
    with pytest.raises(InvalidInputError, match="does not take part"):
        advised(lambda e: e.requests.create(event, RequestCreate(sender="kukes", recipient="shkoder")))
    with pytest.raises(PermissionDeniedError):
        advised(lambda e: e.requests.answer(event, sent.id, "accepted", by="tirana"))
    accepted = advised(lambda e: e.requests.answer(event, sent.id, "accepted", by="osh"))
    assert accepted.status == "accepted"
    assert accepted.reason == MENTOR_REASON
    # Without a matcher (no index in this instance) a request is still accepted, without a reason.
    plain = ev(lambda e: e.requests.create(event, RequestCreate(sender="tirana", recipient="kukes")))
    assert plain.reason is None


def test_the_accepted_city_meeting_is_planned_with_its_reason_in_both_agendas(
    db_settings: Settings,
    event: str,
    ev: EventCalls,
    scorer: Score,
    advised: Advised,
) -> None:
    sent = advised(lambda e: e.requests.create(event, RequestCreate(sender="kukes", recipient="osh")))
    advised(lambda e: e.requests.answer(event, sent.id, "accepted", by="osh"))
    # The hand-made scores know no city pair: only the accepted request brings Kukës and Osh together.
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    planned = {(m.a, m.b): m for m in ev.plan(lambda p: p.planned(event))}
    meeting = planned[("kukes", "osh")]
    assert meeting.kind == "accepted_request"
    assert meeting.public_reason == MENTOR_REASON
    ev.plan(lambda p: p.publish(event))
    for me, other, other_name in (("kukes", "osh", "Osh"), ("osh", "kukes", "Kukës")):
        agenda = ev(lambda e, me=me: e.agendas.agenda(event, me))
        item = next(m for m in agenda.meetings if m.with_id == other)
        assert item.with_side == "city"
        assert item.with_name == other_name
        assert item.reason == MENTOR_REASON
        html = ev(lambda e, me=me: e.agendas.html(event, me))
        assert "street addresses in a year" in html
        ics = ev(lambda e, me=me: e.agendas.calendar(event, me)).decode()
        unfolded = ics.replace("\r\n ", "")
        assert "Osh: street addresses in a year" in unfolded


def test_the_same_request_sent_twice_at_once_is_stored_once_and_the_second_is_told(
    db_settings: Settings, event: str, ev: EventCalls, services: Services
) -> None:
    """A double-clicked form: two requests for one pair arrive together. One is stored; the other is
    refused as the duplicate it is (never a database error), on SQLite and PostgreSQL alike."""

    checked: list[str] = []
    both_checked = threading.Event()
    lock = threading.Lock()

    class TogetherAdvisor(Advisor):
        def reason(self, sender: str, recipient: str) -> str | None:
            # Between the duplicate check and the write: neither request writes before both have
            # checked (a service that let one wait for the other would still pass, 10 s later).
            with lock:
                checked.append(sender)
                if len(checked) == 2:
                    both_checked.set()
            both_checked.wait(timeout=10)
            return super().reason(sender, recipient)

    advisor = TogetherAdvisor()

    def send(_: int) -> object:
        try:
            with services.database.unit_of_work() as session:
                return EventServices(session, advisor=advisor).requests.create(
                    event, RequestCreate(sender="kukes", recipient="osh")
                )
        except ConflictError as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(send, range(2)))
    assert sorted(type(o).__name__ for o in outcomes) == ["ConflictError", "RequestPublic"], outcomes
    with services.database.unit_of_work() as session:
        stored = EventServices(session, advisor=advisor).requests.list(event, participant="osh")
    assert [(r.sender, r.recipient) for r in stored] == [("kukes", "osh")]
