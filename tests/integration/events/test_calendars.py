"""Calendar files clients accept: every TZID has its VTIMEZONE, every meeting is at the right instant in
UTC, the participant-facing reason is in DESCRIPTION, and secret feed addresses can be revoked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from events_support import EventCalls, zoneless_event
from matchmaker.errors import NotFoundError
from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, EventEdit, ParticipantIn, SlotIn
from matchmaker.settings import Settings
from services_support import add_user

Score = Callable[[str, str], float | None]
PEOPLE = ("kukes", "osh", "tirana", "acme", "databridge")


def _published(ev: EventCalls, event: str, scorer: Score) -> None:
    ev.plan(lambda p: p.generate(event, score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish(event))


def _check_every_file(ev: EventCalls, event: str, zone: str) -> int:
    """Parse every participant's file; each meeting starts at its slot's local time in ``zone``."""
    summary = ev(lambda e: e.catalog.get(event))
    slot_starts = {s.start.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) for s in summary.slots}
    seen = 0
    for pid in PEOPLE:
        raw = ev(lambda e, pid=pid: e.agendas.calendar(event, pid))
        cal = icalendar.Calendar.from_ical(raw)
        zones = {str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")}
        for item in cal.walk("VEVENT"):
            start = item.decoded("dtstart")
            assert start.tzinfo is not None, "no floating times"
            tzid = item["dtstart"].params.get("TZID")
            assert tzid is None or tzid in zones, f"TZID {tzid} without its VTIMEZONE"
            assert start.astimezone(UTC) in slot_starts
            seen += 1
    return seen


def test_every_exported_calendar_has_its_zone_and_the_right_instants(
    ev: EventCalls, event: str, scorer: Score
) -> None:
    _published(ev, event, scorer)
    assert _check_every_file(ev, event, "Europe/Istanbul") > 0
    raw = ev(lambda e: e.agendas.calendar(event, "kukes")).decode()
    assert "BEGIN:VTIMEZONE" in raw
    assert "TZID:Europe/Istanbul" in raw
    assert "UTC+03:00" not in raw
    # 09:00 in Istanbul is 06:00 UTC, whatever the reader's own zone.
    first = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0].decoded("dtstart")
    assert first.astimezone(UTC).hour in {6, 7, 8}

    ev.plan(lambda p: p.edit(event, EventEdit(timezone="Asia/Bishkek")))
    ev.plan(lambda p: p.publish(event))
    assert _check_every_file(ev, event, "Asia/Bishkek") > 0
    moved = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar(event, "kukes")))
    assert all(int(item["sequence"]) >= 1 for item in moved.walk("VEVENT")), "a new zone is a change"


def test_a_feed_address_works_without_signing_in_until_revoked(
    ev: EventCalls, event: str, scorer: Score
) -> None:
    _published(ev, event, scorer)
    link = ev(lambda e: e.feeds.issue(event, "kukes", issued_by=None))
    assert link.path == f"/feeds/{link.token}.ics"
    assert ev(lambda e: e.feeds.resolve(link.token)) == (event, "kukes")
    newer = ev(lambda e: e.feeds.issue(event, "kukes", issued_by=None))
    with pytest.raises(NotFoundError):
        ev(lambda e: e.feeds.resolve(link.token))
    assert ev(lambda e: e.feeds.revoke(event, "kukes")) == 1
    with pytest.raises(NotFoundError):
        ev(lambda e: e.feeds.resolve(newer.token))
    with pytest.raises(NotFoundError):
        ev(lambda e: e.feeds.issue(event, "nobody", issued_by=None))


def test_revoking_a_user_stops_the_addresses_it_made_and_no_other_users(
    services: Services, ev: EventCalls, event: str, scorer: Score
) -> None:
    """A focal point who left kept a working calendar address of its city's meetings after staff
    revoked its account; revoking a user now stops every address it made, and the addresses another
    user of the same city made, or staff made for another participant, keep working."""
    zoneless_event(ev, "ws2", PEOPLE, tables=2)
    for each in (event, "ws2"):
        _published(ev, each, scorer)
    leaving = add_user(services, "city", "kukes").principal.user_id
    colleague = add_user(services, "city", "kukes").principal.user_id
    theirs = ev(lambda e: e.feeds.issue(event, "kukes", issued_by=leaving))
    kept = ev(lambda e: e.feeds.issue("ws2", "kukes", issued_by=colleague))
    by_staff = ev(lambda e: e.feeds.issue("ws2", "osh", issued_by=None))

    with services.database.unit_of_work() as session:
        services.accounts(session).revoke(leaving)

    with pytest.raises(NotFoundError):
        ev(lambda e: e.feeds.resolve(theirs.token))
    assert ev(lambda e: e.feeds.resolve(kept.token)) == ("ws2", "kukes")
    assert ev(lambda e: e.feeds.resolve(by_staff.token)) == ("ws2", "osh")


def test_moving_a_user_to_another_city_stops_the_addresses_it_made_for_its_old_one(
    services: Services, ev: EventCalls, event: str, scorer: Score
) -> None:
    """A focal point moved to another city kept reading its old city's calendar through the address it
    had made; moving a user now stops the addresses it made for its old city, and those of its old
    city whose maker is unknown (it may have made them, as when it is revoked), while a colleague's
    address and the addresses of other participants keep working."""
    for each in ("ws2", "ws3"):
        zoneless_event(ev, each, PEOPLE, tables=2)
    for each in (event, "ws2", "ws3"):
        _published(ev, each, scorer)
    moving = add_user(services, "city", "kukes").principal.user_id
    colleague = add_user(services, "city", "kukes").principal.user_id
    theirs = ev(lambda e: e.feeds.issue(event, "kukes", issued_by=moving))
    kept = ev(lambda e: e.feeds.issue("ws2", "kukes", issued_by=colleague))
    unknown = ev(lambda e: e.feeds.issue("ws3", "kukes", issued_by=None))
    new_city = ev(lambda e: e.feeds.issue("ws3", "osh", issued_by=None))

    with services.database.unit_of_work() as session:
        # Naming the record it already speaks for changes nothing and stops nothing.
        services.accounts(session).change_subject(colleague, "kukes")
    assert ev(lambda e: e.feeds.resolve(unknown.token)) == ("ws3", "kukes")
    with services.database.unit_of_work() as session:
        services.accounts(session).change_subject(moving, "osh")

    for stopped in (theirs, unknown):
        with pytest.raises(NotFoundError):
            ev(lambda e, stopped=stopped: e.feeds.resolve(stopped.token))
    assert ev(lambda e: e.feeds.resolve(kept.token)) == ("ws2", "kukes")
    assert ev(lambda e: e.feeds.resolve(new_city.token)) == ("ws3", "osh")


def test_an_event_without_a_zone_gives_its_times_in_utc_never_floating(
    ev: EventCalls, corpus: Settings, scorer: Score
) -> None:
    zoneless_event(ev, "nz", PEOPLE, tables=2)
    _published(ev, "nz", scorer)
    cal = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar("nz", "kukes")))
    [meeting] = cal.walk("VEVENT")
    start = meeting.decoded("dtstart")
    assert start.tzinfo is not None, "a floating time lands at 09:00 wherever the reader is"
    assert start == datetime(2038, 3, 2, 9, 0, tzinfo=UTC)
    html = ev(lambda e: e.agendas.html("nz", "kukes"))
    assert "2038-03-02 09:00–09:20" in html
    assert "Times are in UTC (the event has no time zone)." in html


def test_an_event_without_a_zone_whose_slots_are_given_offsets_after_publishing_publishes_again(
    services: Services, ev: EventCalls, corpus: Settings, scorer: Score
) -> None:
    # Published with times without an offset (UTC), then given slots with an offset: publishing
    # compared the old meetings' times with the new ones, which Python cannot order, and answered 500.
    two = [
        SlotIn(start="2038-06-02T09:00", end="2038-06-02T09:20"),  # type: ignore[arg-type]
        SlotIn(start="2038-06-02T09:30", end="2038-06-02T09:50"),  # type: ignore[arg-type]
    ]
    ev(lambda e: e.catalog.create(EventCreate(id="online", name="Online round", tables=1, slots=two)))
    ev(
        lambda e: e.catalog.add_participants(
            "online", [ParticipantIn(id=i) for i in ("kukes", "acme", "databridge")]
        )
    )
    with services.database.unit_of_work() as session:
        for pid in ("kukes", "acme", "databridge"):
            role = "city" if pid == "kukes" else "provider"
            services.accounts(session).invite(role, f"{pid}@example.org", pid)
    _published(ev, "online", scorer)
    one = [SlotIn(start="2038-06-03T09:00+03:00", end="2038-06-03T09:20+03:00")]  # type: ignore[arg-type]
    ev.plan(lambda p: p.edit("online", EventEdit(slots=one), score=scorer, time_limit=5))
    report = ev.plan(lambda p: p.publish("online"))
    assert report.cancelled == 1
    assert report.messages >= 2
    cal = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar("online", "kukes")))
    when = {str(item["status"]): item.decoded("dtstart") for item in cal.walk("VEVENT")}
    assert when["CONFIRMED"] == datetime(2038, 6, 3, 6, 0, tzinfo=UTC)
    assert when["CANCELLED"] in {
        datetime(2038, 6, 2, 9, 0, tzinfo=UTC),
        datetime(2038, 6, 2, 9, 30, tzinfo=UTC),
    }
    mine = ev(lambda e: e.agendas.agenda("online", "kukes", include_cancelled=True))
    assert [m.status for m in mine.meetings] == ["CONFIRMED", "CANCELLED"]
    stats = ev(lambda e: e.statistics.statistics("online"))
    assert stats.meetings == 1
    # Every other document of the published schedule reads as well.
    assert "BEGIN:VEVENT" in ev(lambda e: e.agendas.event_calendar("online")).decode()
    assert "Kukës" in ev(lambda e: e.agendas.html("online", "kukes"))
    assert ev(lambda e: e.agendas.pdf("online", "kukes")).startswith(b"%PDF")
    assert ev(lambda e: e.agendas.booklet("online")).startswith(b"%PDF")
    assert ev(lambda e: e.agendas.csv("online")).count("\n") == 2


def test_a_zone_given_to_a_published_event_keeps_the_published_times_until_it_is_published_again(
    ev: EventCalls, corpus: Settings, scorer: Score
) -> None:
    # Published at 09:00 UTC (no zone); staff then set Asia/Tokyo. Before publishing again, the
    # calendar feed moved the meeting to 09:00 in Tokyo (00:00 UTC) without a higher SEQUENCE, so
    # subscribed calendars showed it nine hours early without a word.
    zoneless_event(ev, "nz", PEOPLE, tables=2)
    _published(ev, "nz", scorer)
    published = datetime(2038, 3, 2, 9, 0, tzinfo=UTC)

    def starts() -> set[datetime]:
        cal = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar("nz", "kukes")))
        return {item.decoded("dtstart") for item in cal.walk("VEVENT")}

    assert starts() == {published}
    ev.plan(lambda p: p.edit("nz", EventEdit(timezone="Asia/Tokyo")))
    assert starts() == {published}
    [meeting] = ev(lambda e: e.agendas.agenda("nz", "kukes")).meetings
    assert meeting.start_at == published
    # Publishing again moves it to the slot's time in the new zone, with a higher SEQUENCE.
    report = ev.plan(lambda p: p.publish("nz"))
    assert report.changed >= 1
    assert starts() == {datetime(2038, 3, 2, 0, 0, tzinfo=UTC)}
