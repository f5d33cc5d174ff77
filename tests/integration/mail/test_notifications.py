"""Notifications caused by planning: publication, a moved meeting with its calendar entry, reminders.

On SQLite and PostgreSQL (``db_settings``); the messages are read from the outbox they were written to.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlmodel import col, select

from matchmaker.db.accounts import OutboxMessage
from matchmaker.db.models import CityCreate, FocalPointIn, ProviderCreate
from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, EventEdit, ParticipantIn, RequestCreate, SlotIn
from matchmaker.settings import Settings

START = datetime(2038, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def services(db_settings: Settings) -> Iterator[Services]:
    built = Services.build(db_settings)
    with built.database.unit_of_work() as session:
        records = built.records(session)
        records.create(
            "city",
            CityCreate(
                id="kukes",
                name="Kukës",
                country="AL",
                summary="Floods and a small budget.",
                focal_point=FocalPointIn(name="Arta", email="arta@kukes.example"),
            ),
        )
        records.create(
            "provider",
            ProviderCreate(id="acme", name="Acme Flood Sensors", country="TR", description="Sensors."),
        )
    with built.database.unit_of_work() as session:
        accounts = built.accounts(session)
        accounts.invite("city", "focal@kukes.example", "kukes")
        accounts.invite("provider", "sales@acme.example", "acme")
        events = built.events(session)
        events.catalog.create(
            EventCreate(
                id="ws1",
                name="Level 3 workshop",
                timezone="Europe/Istanbul",
                tables=2,
                slots=[
                    SlotIn(
                        start=START + timedelta(minutes=30 * i), end=START + timedelta(minutes=30 * i + 20)
                    )
                    for i in range(2)
                ],
            )
        )
        events.catalog.add_participants("ws1", [ParticipantIn(id="kukes"), ParticipantIn(id="acme")])
    yield built
    built.close()


def messages(services: Services, kind: str) -> list[OutboxMessage]:
    with services.database.unit_of_work() as session:
        rows = session.exec(select(OutboxMessage).where(col(OutboxMessage.kind) == kind))
        return sorted(rows, key=lambda r: r.to_address)


def test_publication_change_and_reminder_reach_both_parties(services: Services) -> None:
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    services.planner.publish("ws1")
    published = messages(services, "schedule_published")
    assert [m.to_address for m in published] == ["focal@kukes.example", "sales@acme.example"]
    to_provider = published[1]
    assert "Kukës" in to_provider.body_text
    assert "arta@kukes.example" not in to_provider.body_text + to_provider.body_html
    assert "focal@kukes.example" not in to_provider.body_text + to_provider.body_html

    [meeting] = services.planner.planned("ws1")
    other = "s2" if meeting.slot == "s1" else "s1"
    services.planner.move("ws1", meeting.a, meeting.b, slot=other, table=meeting.table)
    services.planner.publish("ws1")
    changed = messages(services, "meeting_changed")
    assert [m.to_address for m in changed] == ["focal@kukes.example", "sales@acme.example"]
    ics = changed[0].attachment
    assert ics is not None
    assert changed[0].attachment_type == "text/calendar"
    assert b"SEQUENCE:1" in ics
    assert b"Acme Flood Sensors" in ics
    assert "moved" in changed[0].body_text

    services.planner.publish("ws1")  # nothing changed: nobody is told again
    assert len(messages(services, "meeting_changed")) == 2

    day_before = START - timedelta(hours=20)  # 16:00 the day before, in Istanbul
    with services.database.unit_of_work() as session:
        assert services.notifier(session).reminders(now=day_before) == 2
    with services.database.unit_of_work() as session:
        assert services.notifier(session).reminders(now=day_before) == 0  # once per person and day
    with services.database.unit_of_work() as session:
        assert services.notifier(session).reminders(now=START - timedelta(days=3)) == 0
    reminders = messages(services, "reminder")
    assert [m.to_address for m in reminders] == ["focal@kukes.example", "sales@acme.example"]
    assert "Acme Flood Sensors" in reminders[0].body_text


def test_messages_give_times_in_the_events_zone_and_say_where_each_meeting_is(services: Services) -> None:
    link = "https://meet.example.org/l3"
    services.planner.edit(
        "ws1",
        EventEdit(
            venue="Kongre Merkezi, Salon B – Çankaya",
            table_labels=[link, "Salon Çamlıca"],
            request_deadline=datetime(2038, 2, 25, 14, 0, tzinfo=UTC),
        ),
    )
    with services.database.unit_of_work() as session:
        services.events(session).requests.create(
            "ws1", RequestCreate(sender="acme", recipient="kukes"), now=START - timedelta(days=30)
        )
    [received] = messages(services, "request_received")
    assert "until 25 February 2038 at 17:00 (Europe/Istanbul)." in received.body_text
    assert "14:00" not in received.body_text + received.body_html

    services.planner.generate("ws1", score=lambda a, b: 0.9)
    [meeting] = services.planner.planned("ws1")
    services.planner.move("ws1", meeting.a, meeting.b, slot="s1", table=1)
    services.planner.publish("ws1")
    to_city = messages(services, "schedule_published")[0]
    # 09:00 UTC is 12:00 at the venue, and the message says which zone its times are in.
    assert f"Tue 02 Mar 2038, 12:00–12:20: Acme Flood Sensors, online at {link}" in to_city.body_text
    assert f'<a href="{link}">{link}</a>' in to_city.body_html
    for body in (to_city.body_text, to_city.body_html):
        assert "Times are local to Europe/Istanbul (UTC+03:00)." in body
        assert "Venue: Kongre Merkezi, Salon B – Çankaya." in body

    services.planner.move("ws1", meeting.a, meeting.b, slot="s2", table=2)
    services.planner.publish("ws1")
    moved = messages(services, "meeting_changed")[0]
    assert "12:30–12:50: Acme Flood Sensors, Salon Çamlıca (moved)" in moved.body_text
    # The attached entry is the feed's: in the event's zone, at its table and venue.
    assert moved.attachment is not None
    [entry] = icalendar.Calendar.from_ical(moved.attachment).walk("VEVENT")
    assert entry["dtstart"].params.get("TZID") == "Europe/Istanbul"
    assert entry.decoded("dtstart").astimezone(UTC) == START + timedelta(minutes=30)
    assert str(entry["location"]) == "Salon Çamlıca, Kongre Merkezi, Salon B – Çankaya"

    with services.database.unit_of_work() as session:
        assert services.notifier(session).reminders(now=START - timedelta(hours=20)) == 2
    reminder = messages(services, "reminder")[0]
    assert "12:30–12:50: Acme Flood Sensors, Salon Çamlıca" in reminder.body_text
    assert "Times are local to Europe/Istanbul (UTC+03:00)." in reminder.body_text


def test_a_new_venue_or_room_after_publishing_is_told_to_both_parties_at_the_next_publication(
    services: Services,
) -> None:
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    services.planner.publish("ws1")

    services.planner.edit("ws1", EventEdit(venue="Kongre Merkezi, Salon C"))
    report = services.planner.publish("ws1")
    assert (report.changed, report.unchanged) == (1, 0)
    told = messages(services, "meeting_changed")
    assert [m.to_address for m in told] == ["focal@kukes.example", "sales@acme.example"]
    assert "Acme Flood Sensors, Table 1 (new place)" in told[0].body_text
    assert "Venue: Kongre Merkezi, Salon C." in told[0].body_text
    assert told[0].attachment is not None
    [entry] = icalendar.Calendar.from_ical(told[0].attachment).walk("VEVENT")
    assert entry["sequence"] == 1, "calendars take the new place only from a higher SEQUENCE"
    assert str(entry["location"]) == "Table 1, Kongre Merkezi, Salon C"

    services.planner.edit("ws1", EventEdit(table_labels=["Salon Çamlıca", "Salon Boğaz"]))
    services.planner.publish("ws1")
    to_city = [m.body_text for m in messages(services, "meeting_changed") if m.to_address.startswith("focal")]
    assert "Acme Flood Sensors, Salon Çamlıca (new place)" in to_city[-1]

    services.planner.publish("ws1")  # nothing changed since: nobody is told again
    assert len(messages(services, "meeting_changed")) == 4


def test_a_renamed_participant_is_told_to_the_other_party_at_the_next_publication(
    services: Services,
) -> None:
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    services.planner.publish("ws1")

    with services.database.unit_of_work() as session:
        services.records(session).edit("provider", "acme", {"name": "Acme Flood Systems"})
    report = services.planner.publish("ws1")
    assert (report.changed, report.unchanged) == (1, 0)
    told = messages(services, "meeting_changed")
    assert [m.to_address for m in told] == ["focal@kukes.example"], "Acme's own view did not change"
    assert "Acme Flood Systems, Table 1 (updated)" in told[0].body_text
    assert told[0].attachment is not None
    [entry] = icalendar.Calendar.from_ical(told[0].attachment).walk("VEVENT")
    assert entry["sequence"] == 1, "calendars take the new name only from a higher SEQUENCE"
    assert str(entry["summary"]) == "Meeting with Acme Flood Systems"


def test_a_publication_says_how_many_were_told_and_who_could_not_be(services: Services) -> None:
    with services.database.unit_of_work() as session:
        services.records(session).create(
            "city", CityCreate(id="osh", name="Osh", country="KG", summary="Old street lighting.")
        )
        services.events(session).catalog.add_participants("ws1", [ParticipantIn(id="osh")])
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    first = services.planner.publish("ws1")
    assert first.messages == 2
    assert first.not_told == ["Osh"], "Osh has no user with an e-mail address"
    again = services.planner.publish("ws1")
    assert (again.messages, again.not_told) == (0, [])
    _, stored = services.planner.last_reports("ws1")
    assert stored == again, "the console's schedule tab shows the same report"


def test_a_request_staff_record_with_its_answer_asks_nobody_to_answer_it(services: Services) -> None:
    with services.database.unit_of_work() as session:
        requests = services.events(session).requests
        made = requests.create("ws1", RequestCreate(sender="acme", recipient="kukes"), recorded=True)
        requests.answer("ws1", made.id, "accepted")
    assert messages(services, "request_received") == [], "Kukës already answered it"
    [answered] = messages(services, "request_answered")
    assert answered.to_address == "sales@acme.example"
    assert "Kukës accepted" in answered.body_text


def test_an_address_invited_again_in_other_case_gets_each_message_once(services: Services) -> None:
    with services.database.unit_of_work() as session:
        again = services.accounts(session).invite("city", "Focal@Kukes.Example", "kukes")
        first = services.accounts(session).invite("city", "focal@kukes.example", "kukes")
    assert again.principal.user_id == first.principal.user_id, "one user per person, not one per spelling"
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    services.planner.publish("ws1")
    published = [m.to_address.lower() for m in messages(services, "schedule_published")]
    assert published.count("focal@kukes.example") == 1


def test_an_invitation_sent_again_before_the_first_went_out_is_sent_once_with_the_live_link(
    services: Services,
) -> None:
    with services.database.unit_of_work() as session:
        staff = services.accounts(session).invite("staff", "staff@ministry.example")
    with services.database.unit_of_work() as session:
        again = services.accounts(session).invite("city", "focal@kukes.example", "kukes")
    invitations = messages(services, "invitation")
    # The first link stopped working when the second was made: its message, not sent yet, goes with it.
    to_kukes = [m for m in invitations if m.to_address == "focal@kukes.example"]
    assert len(to_kukes) == 1
    assert again.link in to_kukes[0].body_text
    # Other people's invitations, and the same address invited for another role, are not touched.
    with services.database.unit_of_work() as session:
        also_staff = services.accounts(session).invite("staff", "focal@kukes.example")
    invitations = messages(services, "invitation")
    addressed = sorted((m.to_address, also_staff.link in m.body_text) for m in invitations)
    assert addressed == [
        ("focal@kukes.example", False),
        ("focal@kukes.example", True),
        ("sales@acme.example", False),
        ("staff@ministry.example", False),
    ]
    assert any(staff.link in m.body_text for m in messages(services, "invitation"))


def test_a_revoked_user_is_not_sent_its_queued_invitation(services: Services) -> None:
    with services.database.unit_of_work() as session:
        accounts = services.accounts(session)
        kukes = accounts.invite("city", "focal@kukes.example", "kukes")
        also_staff = accounts.invite("staff", "focal@kukes.example")
    with services.database.unit_of_work() as session:
        services.accounts(session).revoke(kukes.principal.user_id)
    invitations = messages(services, "invitation")
    # The revoked user's link no longer signs in: its e-mail, not sent yet, is taken out of the outbox.
    assert not any(kukes.link in m.body_text for m in invitations)
    # Other people's invitations, and the same address invited for another role, stay queued.
    assert any(also_staff.link in m.body_text for m in invitations)
    assert [m.to_address for m in invitations].count("sales@acme.example") == 1


def _fail_invitations_to(services: Services, address: str) -> None:
    """The invitations queued for ``address`` as after the SMTP server refused them for good."""
    with services.database.unit_of_work() as session:
        for row in session.exec(select(OutboxMessage).where(col(OutboxMessage.to_address) == address)):
            row.status, row.attempts, row.last_error = "failed", 1, "550 mailbox unavailable"
            session.add(row)


def test_a_failed_invitation_whose_link_stopped_cannot_be_sent_again(services: Services) -> None:
    """An invitation the SMTP server refused stayed in the outbox as failed after the person was
    invited again, or its user revoked: *Send again* (or ``outbox retry``) then mailed a sign-in link
    that no longer works, beside the one that does."""
    _fail_invitations_to(services, "focal@kukes.example")
    with services.database.unit_of_work() as session:
        again = services.accounts(session).invite("city", "focal@kukes.example", "kukes")
    to_kukes = [m for m in messages(services, "invitation") if m.to_address == "focal@kukes.example"]
    assert [(m.status, again.link in m.body_text) for m in to_kukes] == [("queued", True)]

    _fail_invitations_to(services, "focal@kukes.example")
    with services.database.unit_of_work() as session:
        services.accounts(session).revoke(again.principal.user_id)
    invitations = messages(services, "invitation")
    assert [m.to_address for m in invitations] == ["sales@acme.example"]


def test_a_user_moved_before_its_invitation_went_out_is_sent_one_naming_the_new_record(
    services: Services,
) -> None:
    """The queued e-mail invited the person to speak for the record it no longer speaks for."""
    with services.database.unit_of_work() as session:
        services.records(session).create(
            "city", CityCreate(id="osh", name="Osh", country="KG", summary="Water and transport.")
        )
    with services.database.unit_of_work() as session:
        first = services.accounts(session).invite("city", "someone@city.example", "kukes")
    with services.database.unit_of_work() as session:
        services.accounts(session).change_subject(first.principal.user_id, "osh")
    sent = [m for m in messages(services, "invitation") if m.to_address == "someone@city.example"]
    assert len(sent) == 1
    assert first.link not in sent[0].body_text
    assert "Osh" in sent[0].body_text
    assert "Kukës" not in sent[0].body_text


def test_a_reminder_gives_the_place_published_not_one_changed_since(services: Services) -> None:
    services.planner.edit(
        "ws1", EventEdit(venue="Kongre Merkezi, Salon B", table_labels=["Salon Çamlıca", "Salon Boğaz"])
    )
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    services.planner.publish("ws1")
    # Staff move the event to another hall and rename the rooms, and have not published it yet.
    services.planner.edit("ws1", EventEdit(venue="Hall C", table_labels=["Room 1", "Room 2"]))
    with services.database.unit_of_work() as session:
        assert services.notifier(session).reminders(now=START - timedelta(hours=20)) == 2
    reminder = messages(services, "reminder")[0].body_text
    assert "Venue: Kongre Merkezi, Salon B." in reminder
    assert "Salon " in reminder
    assert "Hall C" not in reminder
    assert "Room " not in reminder


def test_a_withdrawn_request_is_told_to_the_recipient_who_was_told_of_it(services: Services) -> None:
    with services.database.unit_of_work() as session:
        requests = services.events(session).requests
        made = requests.create("ws1", RequestCreate(sender="acme", recipient="kukes", message="Sensors?"))
        requests.withdraw("ws1", made.id, by="acme")
    [withdrawn] = messages(services, "request_withdrawn")
    assert withdrawn.to_address == "focal@kukes.example"
    assert withdrawn.subject == "Acme Flood Sensors withdrew its meeting request at Level 3 workshop"
    assert "Acme Flood Sensors withdrew its request to meet Kukës at Level 3 workshop" in withdrawn.body_text
    assert "nothing to answer" in withdrawn.body_text


def test_a_withdrawn_request_nobody_was_told_of_tells_nobody(services: Services) -> None:
    with services.database.unit_of_work() as session:
        requests = services.events(session).requests
        made = requests.create("ws1", RequestCreate(sender="acme", recipient="kukes"), recorded=True)
        requests.withdraw("ws1", made.id)
    assert messages(services, "request_received") == []
    assert messages(services, "request_withdrawn") == [], "Kukës never heard of the request"


def test_deleting_a_published_event_cancels_the_meetings_of_everyone_told_of_them(services: Services) -> None:
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    services.planner.publish("ws1")
    with services.database.unit_of_work() as session:
        told = services.events(session).catalog.delete("ws1")
    assert (told.messages, told.not_told) == (2, [])
    cancelled = messages(services, "event_cancelled")
    assert [m.to_address for m in cancelled] == ["focal@kukes.example", "sales@acme.example"]
    for m in cancelled:
        assert m.subject == "Level 3 workshop is cancelled"
        assert "Your meetings at Level 3 workshop will not take place" in m.body_text
        calendar = icalendar.Calendar.from_ical(m.attachment)
        [meeting] = list(calendar.walk("VEVENT"))
        assert str(meeting["STATUS"]) == "CANCELLED"
        assert int(meeting["SEQUENCE"]) >= 1


def test_deleting_an_event_tells_nobody_of_meetings_that_already_took_place(services: Services) -> None:
    # Deleting an old event (say, a year later) told everyone "Level 3 workshop is cancelled. Your
    # meetings will not take place" about meetings held long ago, with cancelling calendar entries.
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    services.planner.publish("ws1")
    [meeting] = services.planner.planned("ws1")
    begun = meeting.start_at + timedelta(minutes=1)
    with services.database.unit_of_work() as session:
        told = services.notifier(session).cancelled("ws1", now=begun)
    assert (told.messages, told.not_told) == (0, [])
    with services.database.unit_of_work() as session:
        over = services.notifier(session).cancelled("ws1", now=START + timedelta(days=400))
    assert (over.messages, over.not_told) == (0, [])
    assert messages(services, "event_cancelled") == []
    with services.database.unit_of_work() as session:
        before = services.notifier(session).cancelled("ws1", now=START - timedelta(days=1))
    assert (before.messages, before.not_told) == (2, [])


def test_deleting_an_event_tells_a_participant_taken_out_since_its_meetings_were_published(
    services: Services,
) -> None:
    """A provider taken out of a published event keeps its meetings in its calendar until the next
    publication cancels them; deleting the event before that told everyone but that provider, whose
    calendar kept meetings that would not take place (its feed no longer answers)."""
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    services.planner.publish("ws1")
    with services.database.unit_of_work() as session:
        services.events(session).catalog.remove_participant("ws1", "acme", now=START - timedelta(days=1))
    with services.database.unit_of_work() as session:
        told = services.events(session).catalog.delete("ws1")
    assert (told.messages, told.not_told) == (2, [])
    cancelled = messages(services, "event_cancelled")
    assert [m.to_address for m in cancelled] == ["focal@kukes.example", "sales@acme.example"]
    to_acme = icalendar.Calendar.from_ical(cancelled[1].attachment)
    assert [str(e["STATUS"]) for e in to_acme.walk("VEVENT")] == ["CANCELLED"]


def test_deleting_an_event_never_published_tells_nobody(services: Services) -> None:
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    with services.database.unit_of_work() as session:
        told = services.events(session).catalog.delete("ws1")
    assert (told.messages, told.not_told) == (0, [])
    assert messages(services, "event_cancelled") == []


def test_a_cancelled_meeting_planned_again_is_told_as_new_not_as_moved(services: Services) -> None:
    """Both parties were told the meeting was cancelled; when it comes back, even at the same time and
    table, the message calls it new (it is back in their calendars), never moved from anywhere."""
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    services.planner.publish("ws1")
    with services.database.unit_of_work() as session:
        services.events(session).pair_rules.set("ws1", "kukes", "acme", "blocked")
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    services.planner.publish("ws1")
    told_before = {m.id for m in messages(services, "meeting_changed")}
    assert len(told_before) == 2

    with services.database.unit_of_work() as session:
        services.events(session).pair_rules.set("ws1", "kukes", "acme", None)
    services.planner.generate("ws1", score=lambda a, b: 0.9)
    services.planner.publish("ws1")
    again = [m.body_text for m in messages(services, "meeting_changed") if m.id not in told_before]
    assert len(again) == 2, again
    for body, other in zip(again, ("Acme Flood Sensors", "Kukës"), strict=True):  # to kukes, to acme
        assert f"{other}, Table 1 (new)" in body, body
        assert "(moved)" not in body
