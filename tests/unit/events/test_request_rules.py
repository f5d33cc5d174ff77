"""The pure rules of meeting requests: who may ask whom, one request per pair, contacts and reasons."""

from __future__ import annotations

from matchmaker.services.events.contacts import Suggestion, rank_contacts
from matchmaker.services.events.rules import (
    RequestRow,
    duplicate_problem,
    pair_problem,
    requests_by_pair,
)
from matchmaker.services.events.schemas import ParticipantPublic, Side

SIDES = {"kukes": "city", "ferizaj": "city", "shkoder": "city", "acme": "provider", "esco": "provider"}


def _p(pid: str, side: Side, name: str | None = None) -> ParticipantPublic:
    return ParticipantPublic(id=pid, name=name or pid.title(), side=side, available=None, max_meetings=None)


PEOPLE = [
    _p("kukes", "city", "Kukës"),
    _p("ferizaj", "city"),
    _p("shkoder", "city", "Shkodër"),
    _p("tirana", "city"),
    _p("acme", "provider", "Acme Mobility"),
    _p("esco", "provider", "Balkan ESCO"),
]


def test_a_city_may_ask_a_city_but_never_itself() -> None:
    assert pair_problem(SIDES, "kukes", "ferizaj", "meeting request") is None
    same = pair_problem(SIDES, "kukes", "kukes", "meeting request") or ""
    assert "two different participants" in same
    assert "'kukes' cannot be paired with itself" in same
    # Itself, even when it does not take part: the same-party rule is said first.
    assert "itself" in (pair_problem(SIDES, "nowhere", "nowhere", "meeting request") or "")
    assert "does not take part" in (pair_problem(SIDES, "kukes", "tirana", "meeting request") or "")
    assert "two providers" in (pair_problem(SIDES, "acme", "esco", "meeting request") or "")


def test_one_request_per_pair_in_either_direction() -> None:
    stored = [
        RequestRow(id=3, sender="kukes", recipient="ferizaj", status="pending"),
        RequestRow(id=4, sender="acme", recipient="shkoder", status="declined"),
    ]
    again = duplicate_problem(stored, "kukes", "ferizaj") or ""
    assert "'kukes' already asked 'ferizaj'" in again
    assert "request 3, pending" in again
    back = duplicate_problem(stored, "ferizaj", "kukes") or ""
    assert "'kukes' already asked 'ferizaj'" in back
    assert "answer that request instead" in back
    answered = duplicate_problem(stored, "shkoder", "acme") or ""
    assert "declined" in answered
    assert "answer that request" not in answered, "an answered request is not to be answered again"
    assert duplicate_problem(stored, "kukes", "shkoder") is None
    assert duplicate_problem([], "kukes", "ferizaj") is None


def test_the_request_behind_a_pair_prefers_the_accepted_one() -> None:
    rows = [
        RequestRow(sender="ferizaj", recipient="kukes", status="declined", reason="old"),
        RequestRow(sender="kukes", recipient="ferizaj", status="accepted", reason="Ferizaj has a case study"),
        RequestRow(sender="acme", recipient="kukes", status="pending"),
    ]
    by_pair = requests_by_pair(rows)
    assert by_pair[("ferizaj", "kukes")].sender == "kukes"
    assert by_pair[("ferizaj", "kukes")].reason == "Ferizaj has a case study"
    assert by_pair[("acme", "kukes")].status == "pending"
    assert len(by_pair) == 2


def test_a_city_is_offered_providers_and_its_mentor_and_comparable_cities() -> None:
    suggested = {
        "ferizaj": Suggestion(0.55, "Ferizaj has a case study on a similar problem", "mentor"),
        "shkoder": Suggestion(0.52, "Kukës and Shkodër share: Funding", "comparable"),
        "acme": Suggestion(0.61, "Kukës needs “addresses” ↔ Acme Mobility: “street names”"),
    }
    contacts = rank_contacts(PEOPLE[0], PEOPLE, set(), suggested)
    assert [c.id for c in contacts] == ["acme", "ferizaj", "shkoder", "esco", "tirana"]
    by_id = {c.id: c for c in contacts}
    assert by_id["ferizaj"].relation == "mentor"
    assert by_id["ferizaj"].reason == "Ferizaj has a case study on a similar problem"
    assert by_id["shkoder"].relation == "comparable"
    assert by_id["acme"].relation is None  # providers are not comparable or mentors
    assert by_id["tirana"].score is None
    assert by_id["tirana"].reason is None
    assert "kukes" not in by_id  # never itself


def test_contacts_leave_out_whoever_was_asked_or_asked_and_providers_for_providers() -> None:
    suggested = {"kukes": Suggestion(0.7, "Kukës needs heat ↔ Balkan ESCO: savings", "comparable")}
    provider = PEOPLE[5]
    contacts = rank_contacts(provider, PEOPLE, {"ferizaj"}, suggested)
    assert [c.id for c in contacts] == ["kukes", "shkoder", "tirana"]
    assert all(c.side == "city" for c in contacts)
    assert contacts[0].relation is None  # a relation is for cities offered to a city
    assert contacts[0].reason == "Kukës needs heat ↔ Balkan ESCO: savings"
    city = rank_contacts(PEOPLE[0], PEOPLE, {"ferizaj", "acme"}, {})
    assert [c.id for c in city] == ["esco", "shkoder", "tirana"]  # by name without suggestions


def test_a_second_request_is_refused_naming_the_parties_and_the_event() -> None:
    stored = [RequestRow(id=3, sender="kukes", recipient="osh", status="pending")]
    names = {"kukes": "Kukës", "osh": "Osh"}
    again = duplicate_problem(stored, "kukes", "osh", names=names, event="Expo 2027")
    assert again == "Kukës already asked Osh for a meeting at Expo 2027 (request 3, pending)"
    back = duplicate_problem(stored, "osh", "kukes", names=names, event="Expo 2027")
    assert back == (
        "Kukës already asked Osh for a meeting at Expo 2027 (request 3, pending); answer that request instead"
    )
