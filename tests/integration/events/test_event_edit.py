"""Editing an event after creation, also after publishing: fields, slots over days, tables, re-plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from pydantic import ValidationError

from events_support import EventCalls
from matchmaker.errors import InfeasibleScheduleError, InvalidInputError
from matchmaker.services.events.schemas import (
    BreakIn,
    DaysIn,
    EventCreate,
    EventEdit,
    FeedbackIn,
    ParticipantIn,
    SlotIn,
)
from matchmaker.settings import Settings

Score = Callable[[str, str], float | None]


def test_name_venue_and_zone_change_without_replanning(ev: EventCalls, event: str) -> None:
    report = ev.plan(
        lambda p: p.edit(event, EventEdit(name="Level 3 workshop, Ankara", venue="Hall B", timezone="UTC"))
    )
    assert report.changed == ["name", "venue", "timezone"]
    assert report.replanned is None
    shown = ev(lambda e: e.catalog.get(event))
    assert (shown.name, shown.venue, shown.timezone) == ("Level 3 workshop, Ankara", "Hall B", "UTC")


def test_an_edit_whose_replan_is_refused_changes_nothing(ev: EventCalls, event: str, scorer: Score) -> None:
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))
    busiest = max(
        ("kukes", "osh", "tirana", "acme", "databridge"),
        key=lambda pid: sum(pid in (m.a, m.b) for m in ev.plan(lambda p: p.planned(event))),
    )
    # Staff lowered a maximum below the meetings already published, then rename the tables.
    ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id=busiest, max_meetings=1)]))
    before = ev(lambda e: e.catalog.get(event))
    with pytest.raises(InfeasibleScheduleError) as refused:
        ev.plan(lambda p: p.edit(event, EventEdit(table_labels=["Room A", "Room B"]), score=scorer))
    assert "nothing was changed" in refused.value.message
    assert '"replan": false' in refused.value.message
    # The refusal is the answer: the event is as it was (it said 'infeasible' and kept the new names).
    assert ev(lambda e: e.catalog.get(event)) == before
    saved = ev.plan(
        lambda p: p.edit(event, EventEdit(table_labels=["Room A", "Room B"], replan=False), score=scorer)
    )
    assert saved.event.table_labels == {1: "Room A", 2: "Room B"}


def test_days_with_a_break_make_slots_over_several_days() -> None:
    days = DaysIn(
        days=[date(2038, 3, 3), date(2038, 3, 2)],
        start=time(9, 0),
        per_day=4,
        minutes=30,
        gap=0,
        breaks=[BreakIn(start=time(10, 0), end=time(10, 30))],
    )
    slots = days.slots()
    assert [s.id for s in slots] == [f"s{n}" for n in range(1, 9)]
    first_day = [(s.start.strftime("%H:%M"), s.end.strftime("%H:%M")) for s in slots[:4]]
    assert first_day == [("09:00", "09:30"), ("09:30", "10:00"), ("10:30", "11:00"), ("11:00", "11:30")]
    assert slots[4].start.date() == date(2038, 3, 3)
    with pytest.raises(ValidationError, match="do not fit"):
        DaysIn(days=[date(2038, 3, 2)], start=time(23, 0), per_day=3, minutes=30)


def test_fewer_tables_and_slots_after_publishing_replan_and_cancel_in_calendars(
    ev: EventCalls, event: str, scorer: Score
) -> None:
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))
    before = {(m.a, m.b): (m.slot, m.table) for m in ev.plan(lambda p: p.planned(event))}
    assert any(slot == "s3" or table == 2 for slot, table in before.values())
    ev(lambda e: e.catalog.add_participants(event, [ParticipantIn(id="osh", available=["s1", "s3"])]))

    two_slots = [
        SlotIn(start="2038-03-02T09:00", end="2038-03-02T09:20"),  # type: ignore[arg-type]
        SlotIn(start="2038-03-03T14:00", end="2038-03-03T14:20"),  # type: ignore[arg-type]
    ]
    report = ev.plan(
        lambda p: p.edit(
            event,
            EventEdit(slots=two_slots, tables=1, table_labels=["https://meet.example/l3"]),
            score=scorer,
            time_limit=5,
        )
    )
    assert set(report.changed) == {"slots", "tables"}
    assert report.dropped_availability == ["osh"]
    assert report.replanned is not None
    assert report.replanned.moved, "what moved or was cancelled is reported"
    assert report.event.tables == 1
    assert report.event.table_labels == {1: "https://meet.example/l3"}
    after = ev.plan(lambda p: p.planned(event))
    assert all(m.slot in {"s1", "s2"} and m.table == 1 for m in after)
    busy = [(m.slot, m.table) for m in after]
    assert len(busy) == len(set(busy))

    published = ev.plan(lambda p: p.publish(event))
    assert published.version == 2
    assert published.cancelled + published.changed >= 1
    entries: dict[str, tuple[str, int]] = {}
    for pid in ("kukes", "acme", "osh", "databridge", "tirana"):
        cal = icalendar.Calendar.from_ical(ev(lambda e, pid=pid: e.agendas.calendar(event, pid)))
        for item in cal.walk("VEVENT"):
            entries[str(item["uid"])] = (str(item["status"]), int(item["sequence"]))
    cancelled = [seq for status, seq in entries.values() if status == "CANCELLED"]
    assert len(cancelled) == published.cancelled
    assert all(seq >= 1 for seq in cancelled)
    assert sum(1 for _s, seq in entries.values() if seq >= 1) == published.cancelled + published.changed


def test_a_slot_at_an_hour_the_zone_skips_or_repeats_is_refused_with_the_slot_named(
    ev: EventCalls, event: str
) -> None:
    # 28 March 2038: Berlin's clocks go from 02:00 to 03:00, so 02:10 never shows on a clock there;
    # agendas would print 02:10 while calendars put the meeting at 03:10, on the next slot.
    spring = [
        SlotIn(start="2038-03-28T01:30", end="2038-03-28T01:50"),  # type: ignore[arg-type]
        SlotIn(start="2038-03-28T02:10", end="2038-03-28T02:30"),  # type: ignore[arg-type]
    ]
    with pytest.raises(
        InvalidInputError,
        match=r"slot 's2' starts at 2038-03-28 02:10, a time that does not exist in Europe/Berlin",
    ):
        ev(
            lambda e: e.catalog.create(
                EventCreate(id="berlin", name="Berlin", timezone="Europe/Berlin", tables=1, slots=spring)
            )
        )
    with pytest.raises(InvalidInputError, match="does not exist in Europe/Berlin"):
        ev.plan(lambda p: p.edit(event, EventEdit(slots=spring, timezone="Europe/Berlin")))
    # 31 October 2038: 02:30 comes twice in Paris.
    autumn = DaysIn(days=[date(2038, 10, 31)], start=time(2, 30), per_day=1)
    with pytest.raises(InvalidInputError, match="02:30, a time that happens twice in Europe/Paris"):
        ev.plan(lambda p: p.edit(event, EventEdit(days=autumn, timezone="Europe/Paris")))
    shown = ev(lambda e: e.catalog.get(event))
    assert shown.timezone == "Europe/Istanbul", "a refused edit changes nothing"
    assert [s.start.hour for s in shown.slots] == [9, 10, 11]
    # The same local times are fine in a zone without that change of clocks.
    ev.plan(lambda p: p.edit(event, EventEdit(slots=spring)))
    # A zone change alone is checked against the stored slots.
    with pytest.raises(InvalidInputError, match="slot 's2' starts at 2038-03-28 02:10"):
        ev.plan(lambda p: p.edit(event, EventEdit(timezone="Europe/Berlin")))


def test_a_slot_given_with_an_offset_at_an_hour_the_zone_repeats_is_refused(
    ev: EventCalls, event: str
) -> None:
    # 02:30+01:00 on 31 October 2038 is the second 02:30 in Berlin: calendars, given 02:30 in
    # Europe/Berlin, put the meeting at the first one, an hour early, while the instant was sound.
    autumn = [
        SlotIn(start="2038-10-31T02:30+01:00", end="2038-10-31T02:50+01:00"),  # type: ignore[arg-type]
        SlotIn(start="2038-10-31T09:00+01:00", end="2038-10-31T09:20+01:00"),  # type: ignore[arg-type]
    ]
    said = (
        r"slot 's1' starts at 2038-10-31T02:30\+01:00, which is 2038-10-31 02:30 in Europe/Berlin, a time"
        " that happens twice there"
    )
    with pytest.raises(InvalidInputError, match=said):
        ev(
            lambda e: e.catalog.create(
                EventCreate(id="berlin", name="Berlin", timezone="Europe/Berlin", tables=1, slots=autumn)
            )
        )
    with pytest.raises(InvalidInputError, match=said):
        ev.plan(lambda p: p.edit(event, EventEdit(slots=autumn, timezone="Europe/Berlin")))
    # The same instants are one wall time each in Istanbul, the event's own zone.
    ev.plan(lambda p: p.edit(event, EventEdit(slots=autumn)))
    assert [s.start.hour for s in ev(lambda e: e.catalog.get(event)).slots] == [4, 11]


def test_a_participant_removed_after_publishing_is_cancelled_at_the_next_publication(
    ev: EventCalls, event: str, scorer: Score
) -> None:
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))
    link = ev(lambda e: e.feeds.issue(event, "kukes", issued_by=None))
    partners = {
        m.b if m.a == "kukes" else m.a for m in ev.plan(lambda p: p.planned(event)) if "kukes" in (m.a, m.b)
    }
    assert partners
    dropped = ev(lambda e: e.catalog.remove_participant(event, "kukes"))
    assert all("kukes" not in (m.a, m.b) for m in ev.plan(lambda p: p.planned(event))), "gone from the plan"
    assert dropped == len(partners), "the command line and the console say how many went"

    report = ev.plan(lambda p: p.publish(event))  # no re-plan in between
    assert report.cancelled == len(partners)
    for other in partners:
        agenda = ev(lambda e, other=other: e.agendas.agenda(event, other))
        assert all(m.with_id != "kukes" for m in agenda.meetings)
        feed = icalendar.Calendar.from_ical(ev(lambda e, other=other: e.agendas.calendar(event, other)))
        statuses = {str(v["status"]) for v in feed.walk("VEVENT") if "Kukës" in str(v["summary"])}
        assert statuses == {"CANCELLED"}
    # Kukës's own subscribed calendar learns the same, instead of keeping them (a 404 changes nothing).
    assert ev(lambda e: e.feeds.resolve(link.token)) == (event, "kukes")
    own = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar(event, "kukes")))
    assert {str(v["status"]) for v in own.walk("VEVENT")} == {"CANCELLED"}


def test_a_published_day_moved_to_the_afternoon_lists_each_meeting_with_its_new_time(
    ev: EventCalls, event: str, scorer: Score
) -> None:
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))
    afternoon = DaysIn(days=[date(2038, 3, 2)], start=time(13, 0), per_day=3, minutes=20, gap=40)
    report = ev.plan(lambda p: p.edit(event, EventEdit(days=afternoon), score=scorer, time_limit=5))
    assert report.replanned is not None
    retimed = [line for line in report.replanned.moved if line.startswith("new time: ")]
    published = ev(lambda e: e.agendas.csv(event)).count("\n") - 1
    assert len(retimed) == published, "every published meeting keeps its slot but not its time"
    assert any("from Tue 02 Mar 09:00 to Tue 02 Mar 13:00" in line for line in retimed)
    plan_report, _ = ev.plan(lambda p: p.last_reports(event))
    assert plan_report is not None
    assert retimed[0] in plan_report.moved, "the console's schedule tab lists them too"


def test_removing_a_participant_keeps_its_meetings_that_took_place(
    ev: EventCalls, corpus: Settings, scorer: Score
) -> None:
    # An event that began yesterday and goes on tomorrow.
    yesterday = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=1)
    slots = [
        SlotIn(start=day, end=day + timedelta(minutes=20))
        for day in (yesterday, yesterday + timedelta(days=2))
    ]
    ev(lambda e: e.catalog.create(EventCreate(id="held", name="Held", tables=2, slots=slots)))
    people = ["kukes", "osh", "acme", "databridge"]
    ev(lambda e: e.catalog.add_participants("held", [ParticipantIn(id=i) for i in people]))
    ev.plan(lambda p: p.generate("held", score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish("held"))
    mine = {m.slot: m for m in ev.plan(lambda p: p.planned("held")) if "kukes" in (m.a, m.b)}
    assert set(mine) == {"s1", "s2"}
    past, coming = mine["s1"], mine["s2"]
    past_partner = past.b if past.a == "kukes" else past.a
    coming_partner = coming.b if coming.a == "kukes" else coming.a

    dropped = ev(lambda e: e.catalog.remove_participant("held", "kukes"))
    assert dropped == 1, "only the meeting still to come goes"
    ev.plan(lambda p: p.generate("held", score=scorer, time_limit=5))  # staff re-plan, as told
    report = ev.plan(lambda p: p.publish("held"))
    assert report.cancelled == 1

    held = ev(lambda e: e.agendas.agenda("held", past_partner, include_cancelled=True))
    assert [(m.with_id, m.status) for m in held.meetings if m.slot == "s1"] == [("kukes", "CONFIRMED")]
    gone = ev(lambda e: e.agendas.agenda("held", coming_partner, include_cancelled=True))
    assert ("kukes", "CANCELLED") in {(m.with_id, m.status) for m in gone.meetings}
    # The meeting that took place can still be rated by the party that stays.
    rating = FeedbackIn(rater=past_partner, other="kukes", rating="informative")
    assert ev(lambda e: e.feedback.record("held", rating)).rating == "informative"


def test_an_agenda_names_a_provider_taken_out_after_their_meeting_as_a_provider(
    ev: EventCalls, corpus: Settings, scorer: Score
) -> None:
    """A city's agenda gave a meeting that took place with a provider taken out of the event since as
    one with a city (``with_side``), and *My agenda* linked the provider's name to a city page that
    does not exist."""
    yesterday = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=1)
    slots = [SlotIn(start=yesterday, end=yesterday + timedelta(minutes=20))]
    ev(lambda e: e.catalog.create(EventCreate(id="held", name="Held", tables=2, slots=slots)))
    ev(lambda e: e.catalog.add_participants("held", [ParticipantIn(id=i) for i in ("kukes", "acme")]))
    ev.plan(lambda p: p.generate("held", score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish("held"))
    ev(lambda e: e.catalog.remove_participant("held", "acme"))
    agenda = ev(lambda e: e.agendas.agenda("held", "kukes"))
    assert [(m.with_id, m.with_side) for m in agenda.meetings] == [("acme", "provider")]
