"""Exports: organisers' CSV, HTML agenda, iCalendar with stable UIDs, sequences and cancellations."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from matchmaker.scheduling import parse_problem
from matchmaker.scheduling.exports import (
    CSV_COLUMNS,
    calendar_entries,
    meeting_uid,
    meetings_csv,
    participant_agenda_html,
    participant_calendar,
)
from matchmaker.scheduling.problem import Placement, Slot

NOW = datetime(2038, 3, 1, 12, 0, tzinfo=UTC)


def _events(ics: bytes) -> list[Any]:
    return list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))


def _problem(make_problem: Any) -> Any:
    return parse_problem(make_problem(n_slots=3, timezone="Europe/Istanbul"))


def test_csv_columns_and_rows(make_problem: Any) -> None:
    problem = _problem(make_problem)
    meetings = [Placement(slot="s2", table=1, a="c1", b="p1"), Placement(slot="s1", table=2, a="c2", b="p2")]
    text = meetings_csv(
        meetings, problem.slots, names={"c1": "Kukës", "p1": "=cmd()"}, reasons={("c1", "p1"): "mobility"}
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["slot"] for r in rows] == ["s1", "s2"]
    assert rows[1]["a_name"] == "Kukës"
    assert rows[1]["b_name"] == "'=cmd()"  # no formula injection
    assert rows[1]["reason"] == "mobility"


def test_html_agenda_is_escaped_and_utf8(make_problem: Any) -> None:
    problem = _problem(make_problem)
    meetings = [Placement(slot="s1", table=3, a="c1", b="p1"), Placement(slot="s2", table=1, a="c2", b="p2")]
    html = participant_agenda_html(
        "c1", meetings, problem.slots, names={"c1": "Şanlıurfa", "p1": "<script>Скопје</script>"}
    )
    assert "Şanlıurfa" in html
    assert "&lt;script&gt;Скопје&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "p2" not in html  # only the participant's own meetings
    assert '<meta charset="utf-8">' in html


def test_uids_stable_across_replan_and_sequence_increments(make_problem: Any) -> None:
    problem = _problem(make_problem)
    first = calendar_entries(
        "ev1", [Placement(slot="s1", table=1, a="c1", b="p1")], problem.slots, tz=problem.tz
    )
    moved = calendar_entries(
        "ev1", [Placement(slot="s3", table=2, a="p1", b="c1")], problem.slots, previous=first, tz=problem.tz
    )
    same = calendar_entries(
        "ev1", [Placement(slot="s3", table=2, a="c1", b="p1")], problem.slots, previous=moved, tz=problem.tz
    )
    assert first[0].uid == moved[0].uid == same[0].uid == meeting_uid("ev1", "c1", "p1")
    assert [first[0].sequence, moved[0].sequence, same[0].sequence] == [0, 1, 1]
    ics = participant_calendar("c1", moved, now=NOW)
    (event,) = _events(ics)
    assert str(event["UID"]) == first[0].uid
    assert int(event["SEQUENCE"]) == 1
    # s3 at 11:00 Istanbul time: without the event's zone the feed is written in UTC, the same instant.
    assert event.decoded("DTSTART").astimezone(ZoneInfo("Europe/Istanbul")).hour == 11
    assert meeting_uid("ev2", "c1", "p1") != first[0].uid


def test_cancelled_meeting_stays_in_feed_as_cancelled(make_problem: Any) -> None:
    problem = _problem(make_problem)
    first = calendar_entries(
        "ev1",
        [Placement(slot="s1", table=1, a="c1", b="p1"), Placement(slot="s2", table=1, a="c1", b="p2")],
        problem.slots,
    )
    second = calendar_entries(
        "ev1", [Placement(slot="s1", table=1, a="c1", b="p1")], problem.slots, previous=first
    )
    events = {str(e["UID"]): e for e in _events(participant_calendar("c1", second, now=NOW))}
    assert len(events) == 2
    cancelled = events[meeting_uid("ev1", "c1", "p2")]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 1
    kept = events[meeting_uid("ev1", "c1", "p1")]
    assert str(kept["STATUS"]) == "CONFIRMED"
    assert int(kept["SEQUENCE"]) == 0
    # publishing again does not bump the cancelled entry a second time
    third = calendar_entries(
        "ev1", [Placement(slot="s1", table=1, a="c1", b="p1")], problem.slots, previous=second
    )
    assert {e.uid: e.sequence for e in third} == {e.uid: e.sequence for e in second}


def test_an_entry_shows_the_names_and_reason_it_was_published_with_and_a_new_text_raises_its_sequence(
    make_problem: Any,
) -> None:
    problem = _problem(make_problem)
    names = {"c1": "Kukës", "p1": "Acme"}
    why = {("c1", "p1"): "flood sensors"}

    def published(previous: Any, meeting: Placement, **shown: Any) -> Any:
        given = {"event_name": "Workshop", "names": names, "reasons": why, **shown}
        return calendar_entries("ev1", [meeting], problem.slots, previous=previous, **given)

    first = published((), Placement(slot="s1", table=1, a="c1", b="p1"))
    meeting = Placement(slot="s1", table=1, a="p1", b="c1")
    swapped = published(first, meeting)
    assert swapped[0].sequence == 0, "the same names, whichever party comes first"
    # The feed shows what the entry was published with, not the names known now.
    (event,) = _events(participant_calendar("c1", swapped, names={"p1": "Acme Systems"}, now=NOW))
    assert str(event["SUMMARY"]) == "Meeting with Acme"
    assert str(event["DESCRIPTION"]).startswith("Workshop: meeting with Acme.\nWhy: flood sensors")

    renamed = published(swapped, meeting, names={**names, "p1": "Acme Systems"})
    new_reason = published(renamed, meeting, names={**names, "p1": "Acme Systems"}, reasons={})
    new_title = published(
        new_reason, meeting, names={**names, "p1": "Acme Systems"}, reasons={}, event_name="Day 2"
    )
    assert [e[0].sequence for e in (renamed, new_reason, new_title)] == [1, 2, 3]
    (event,) = _events(participant_calendar("c1", new_title, now=NOW))
    assert str(event["DESCRIPTION"]).startswith("Day 2: meeting with Acme Systems.\nTable 1")


def test_a_calendar_description_ends_a_name_with_one_full_stop() -> None:
    slot = Slot(
        id="s1", start=datetime(2038, 3, 2, 6, tzinfo=UTC), end=datetime(2038, 3, 2, 6, 20, tzinfo=UTC)
    )
    entries = calendar_entries("ws1", [Placement(slot="s1", table=1, a="tepebasi", b="halk")], [slot])
    names = {"tepebasi": "Tepebaşı", "halk": "Halk Masası Bilişim A.Ş."}
    raw = participant_calendar("tepebasi", entries, names=names, event_name="Level 3 workshop")
    [event] = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    description = str(event["description"])
    assert description.startswith("Level 3 workshop: meeting with Halk Masası Bilişim A.Ş.\n")
    assert "A.Ş.." not in description


def test_a_calendar_of_an_event_without_a_time_zone_is_in_utc_not_floating(make_problem: Any) -> None:
    """An event without a zone is told in UTC (rating opens '… at 08:30 (UTC)'); its calendar says the
    same instant to every client, where a floating 08:00 was read in each reader's own zone."""
    slots = [Slot(id="s1", start=datetime(2038, 4, 6, 8, 0), end=datetime(2038, 4, 6, 8, 30))]  # noqa: DTZ001
    entries = calendar_entries("nz1", [Placement(slot="s1", table=1, a="cahul", b="p1")], slots, tz=None)
    raw = participant_calendar("cahul", entries, now=NOW, tz=None)
    (event,) = _events(raw)
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None
    assert start == datetime(2038, 4, 6, 8, 0, tzinfo=UTC)
    assert b"DTSTART:20380406T080000Z" in raw


def test_an_agenda_of_an_event_without_a_time_zone_says_its_times_are_utc() -> None:
    """The printed agenda says in which zone its times are, for an event without one too: UTC, as its
    calendar file and the moment rating opens are told."""
    slots = [Slot(id="s1", start=datetime(2038, 4, 6, 8, 0), end=datetime(2038, 4, 6, 8, 30))]  # noqa: DTZ001
    html = participant_agenda_html(
        "cahul", [Placement(slot="s1", table=1, a="cahul", b="p1")], slots, names={"cahul": "Cahul"}
    )
    assert "Times are in UTC (the event has no time zone)." in html
    assert "08:00" in html


def test_a_calendar_without_meetings_yet_still_holds_a_component() -> None:
    raw = participant_calendar("kukes", [], tz=ZoneInfo("Europe/Istanbul")).decode()
    assert "BEGIN:VTIMEZONE" in raw, "RFC 5545: a calendar holds at least one component"
    assert "BEGIN:VEVENT" not in raw
    assert "COMMENT" not in raw


def test_a_calendar_of_an_event_without_a_time_zone_and_without_meetings_yet_is_valid() -> None:
    raw = participant_calendar("kukes", [], tz=None).decode()
    assert "BEGIN:VTIMEZONE" in raw, "RFC 5545: a calendar holds at least one component"
    assert "TZID:UTC" in raw
    assert "BEGIN:VEVENT" not in raw
    assert "COMMENT" not in raw


def test_a_calendar_app_reading_only_the_vtimezone_places_a_summer_meeting_after_2037_at_its_hour() -> None:
    """A calendar app that does not know the zone's name reads the offset from the file's VTIMEZONE:
    a 10:00 meeting in Berlin in July 2040 is 08:00 UTC there too, not 09:00 (winter time)."""
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2040, 7, 3, 10, 0, tzinfo=berlin)
    slots = [Slot(id="s1", start=start, end=datetime(2040, 7, 3, 10, 30, tzinfo=berlin))]
    entries = calendar_entries("ws9", [Placement(slot="s1", table=1, a="kukes", b="p1")], slots, tz=berlin)
    cal = icalendar.Calendar.from_ical(participant_calendar("kukes", entries, now=NOW, tz=berlin))
    (zone,) = cal.walk("VTIMEZONE")
    told = zone.to_tz(lookup_tzid=False)
    (event,) = cal.walk("VEVENT")
    local = event.decoded("DTSTART").replace(tzinfo=None)
    assert local == datetime(2040, 7, 3, 10, 0)  # noqa: DTZ001
    assert local.replace(tzinfo=told).astimezone(UTC) == datetime(2040, 7, 3, 8, 0, tzinfo=UTC)
