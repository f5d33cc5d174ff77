"""What participants and organisers read in an event's documents (agendas, CSV, XLSX, booklet): the
venue's wall-clock times with the time zone named, whatever offset the slots were entered with."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import openpyxl
import pytest
from alembic import command
from sqlalchemy import create_engine
from sqlalchemy import text as sql

from events_support import EventCalls, zoneless_event
from matchmaker.db.engine import alembic_config
from matchmaker.db.models import Kind
from matchmaker.errors import ConfigurationError
from matchmaker.services.events.schemas import EventCreate, EventEdit, ParticipantIn, SlotIn
from matchmaker.settings import Settings
from pdf_support import need_poppler, text
from services_support import stored_records

Score = Callable[[str, str], float | None]
PEOPLE = ("kukes", "osh", "tirana", "acme", "databridge")


@pytest.fixture
def event(ev: EventCalls, corpus: Settings, scorer: Score) -> str:
    """An Istanbul event whose slots were entered in UTC (06:00Z is 09:00 at the venue), published."""
    ev(
        lambda e: e.catalog.create(
            EventCreate(
                id="ws1",
                name="Level 3 workshop",
                timezone="Europe/Istanbul",
                tables=2,
                slots=[
                    SlotIn(start=f"2038-03-02T06:{m:02d}:00Z", end=f"2038-03-02T06:{m + 20:02d}:00Z")  # type: ignore[arg-type]
                    for m in (0, 30)
                ],
            )
        )
    )
    ev(lambda e: e.catalog.add_participants("ws1", [ParticipantIn(id=i) for i in PEOPLE]))
    ev.plan(lambda p: p.generate("ws1", score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish("ws1"))
    return "ws1"


def test_agendas_print_the_venues_time_and_name_its_zone(ev: EventCalls, event: str, tmp_path: Path) -> None:
    html = ev(lambda e: e.agendas.html(event, "kukes"))
    assert "2038-03-02 09:00" in html
    assert "06:00" not in html
    assert "Times are local to Europe/Istanbul (UTC+03:00)." in html

    need_poppler()
    [page] = text(ev(lambda e: e.agendas.pdf(event, "kukes")), tmp_path / "agenda")
    assert "09:00-09:20" in page
    assert "06:00" not in page
    assert "Times are local to Europe/Istanbul (UTC+03:00)." in page

    booklet = "\n".join(text(ev(lambda e: e.agendas.booklet(event)), tmp_path / "booklet"))
    assert "Tue 02 Mar 2038, 09:00-09:20" in booklet
    assert "06:00" not in booklet


def test_the_organisers_csv_and_xlsx_give_the_venues_time(ev: EventCalls, event: str) -> None:
    rows = list(csv.DictReader(io.StringIO(ev(lambda e: e.agendas.csv(event)))))
    assert rows
    assert {r["start"] for r in rows} <= {"2038-03-02T09:00:00+03:00", "2038-03-02T09:30:00+03:00"}
    assert {r["end"] for r in rows} <= {"2038-03-02T09:20:00+03:00", "2038-03-02T09:50:00+03:00"}

    sheet = openpyxl.load_workbook(io.BytesIO(ev(lambda e: e.agendas.xlsx(event)))).active
    assert sheet is not None
    about = openpyxl.load_workbook(io.BytesIO(ev(lambda e: e.agendas.xlsx(event))))["About"]
    assert about["B1"].value == "Times are local to Europe/Istanbul (UTC+03:00)."
    starts = {sheet.cell(row=r, column=2).value for r in range(2, sheet.max_row + 1)}
    assert starts <= {datetime(2038, 3, 2, 9, 0), datetime(2038, 3, 2, 9, 30)}  # noqa: DTZ001
    assert starts


def test_a_participants_agendas_name_the_venue_and_give_an_online_tables_link(
    ev: EventCalls, event: str, tmp_path: Path
) -> None:
    link = "https://meet.example.org/l3"
    ev.plan(
        lambda p: p.edit(
            event, EventEdit(venue="Kongre Merkezi, Salon B – Çankaya", table_labels=["Salon A", link])
        )
    )
    ev.plan(lambda p: p.publish(event))
    agenda = ev(lambda e: e.agendas.agenda(event, "kukes"))
    tables = {m.table for m in agenda.meetings}
    html = ev(lambda e: e.agendas.html(event, "kukes"))
    assert "Kongre Merkezi, Salon B – Çankaya" in html
    assert tables
    shown = {1: "<td>Salon A</td>", 2: f'<a href="{link}">Online: {link}</a>'}
    for table in tables:
        assert shown[table] in html, table
    # The organisers' CSV and spreadsheet say where each table is, too.
    places = {1: "Salon A", 2: link}
    rows = list(csv.DictReader(io.StringIO(ev(lambda e: e.agendas.csv(event)))))
    assert rows
    assert all(r["place"] == places[int(r["table"])] for r in rows), rows
    sheet = openpyxl.load_workbook(io.BytesIO(ev(lambda e: e.agendas.xlsx(event)))).active
    assert sheet is not None
    assert sheet.cell(row=1, column=12).value == "place"
    assert sheet.cell(row=2, column=12).value == places[int(str(sheet.cell(row=2, column=4).value))]
    assert "<td>1</td>" not in html
    assert "<td>2</td>" not in html

    need_poppler()
    [page] = text(ev(lambda e: e.agendas.pdf(event, "kukes")), tmp_path / "agenda")
    assert "Kongre Merkezi, Salon B – Çankaya" in page


def test_until_the_next_publication_every_document_gives_the_published_times(
    ev: EventCalls, event: str, scorer: Score, tmp_path: Path
) -> None:
    # Staff move the day to the afternoon and keep one slot: the plan follows at once, but
    # participants have the published morning until staff publish again.
    ev.plan(
        lambda p: p.edit(
            event,
            EventEdit(slots=[SlotIn(id="s1", start="2038-03-02T14:00", end="2038-03-02T14:20")]),  # type: ignore[arg-type]
            score=scorer,
            time_limit=5,
        )
    )
    agenda = ev(lambda e: e.agendas.agenda(event, "kukes"))
    published = [f"{m.start.astimezone(ZoneInfo('Europe/Istanbul')):%H:%M}" for m in agenda.meetings]
    assert published
    assert "14:00" not in published
    html = ev(lambda e: e.agendas.html(event, "kukes"))
    assert all(f" {t}–" in html for t in published), html
    assert "14:00" not in html
    starts = {row["start"][11:16] for row in csv.DictReader(io.StringIO(ev(lambda e: e.agendas.csv(event))))}
    assert starts <= {"09:00", "09:30"}
    assert "14:00" not in starts
    need_poppler()
    booklet = "\n".join(text(ev(lambda e: e.agendas.booklet(event)), tmp_path / "booklet"))
    assert "09:00-09:20" in booklet
    assert "14:00" not in booklet

    ev.plan(lambda p: p.publish(event))
    assert "2038-03-02 14:00–14:20" in ev(lambda e: e.agendas.html(event, "kukes"))


def test_the_event_and_its_plan_give_the_venues_time_as_the_documents_do(ev: EventCalls, event: str) -> None:
    # What the console's header, grid and settings form and `event show` / `event plan` print.
    shown = ev(lambda e: e.catalog.get(event))
    assert [f"{s.start:%H:%M}–{s.end:%H:%M}" for s in shown.slots] == ["09:00–09:20", "09:30–09:50"]
    assert shown.slots[0].start == datetime.fromisoformat("2038-03-02T06:00:00Z"), "the same instant"
    planned = ev.plan(lambda p: p.planned(event))
    assert planned
    assert {f"{m.start:%H:%M}" for m in planned} <= {"09:00", "09:30"}


def test_an_agenda_before_the_first_publication_says_the_schedule_is_not_published(
    ev: EventCalls, corpus: Settings, tmp_path: Path
) -> None:
    ev(
        lambda e: e.catalog.create(
            EventCreate(
                id="soon",
                name="Coming workshop",
                timezone="Europe/Istanbul",
                tables=1,
                slots=[SlotIn(start="2038-03-02T09:00", end="2038-03-02T09:20")],  # type: ignore[arg-type]
            )
        )
    )
    ev(lambda e: e.catalog.add_participants("soon", [ParticipantIn(id="kukes")]))
    html = ev(lambda e: e.agendas.html("soon", "kukes"))
    assert "The meeting schedule is not published yet." in html
    assert "No meetings are scheduled." not in html, "a mayor would read that there is nothing for them"
    need_poppler()
    [page] = text(ev(lambda e: e.agendas.pdf("soon", "kukes")), tmp_path / "soon")
    assert "The meeting schedule is not published yet." in page


def test_until_the_next_publication_agendas_give_the_published_venue_and_tables(
    ev: EventCalls, event: str, tmp_path: Path
) -> None:
    ev.plan(lambda p: p.edit(event, EventEdit(venue="Hall B, Ankara", table_labels=["Salon A", "Salon B"])))
    ev.plan(lambda p: p.publish(event))
    # Staff move the event to another hall and rename the rooms, and have not published yet.
    ev.plan(lambda p: p.edit(event, EventEdit(venue="Hall C", table_labels=["Room 1", "Room 2"])))
    assert ev(lambda e: e.catalog.get(event)).venue == "Hall C", "staff see the change they made"
    agenda = ev(lambda e: e.agendas.agenda(event, "kukes"))
    assert agenda.meetings
    assert {m.table_label for m in agenda.meetings} <= {"Salon A", "Salon B"}
    html = ev(lambda e: e.agendas.html(event, "kukes"))
    assert "Hall B, Ankara" in html
    assert "Salon" in html
    assert "Hall C" not in html
    assert "Room " not in html
    feed = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar(event, "kukes")))
    places = {str(v["location"]) for v in feed.walk("VEVENT")}
    assert places
    assert places <= {"Salon A, Hall B, Ankara", "Salon B, Hall B, Ankara"}
    assert all("Salon" in str(v["description"]) for v in feed.walk("VEVENT"))
    need_poppler()
    [page] = text(ev(lambda e: e.agendas.pdf(event, "kukes")), tmp_path / "agenda")
    assert "Hall B, Ankara" in page
    assert "Hall C" not in page

    ev.plan(lambda p: p.publish(event))
    agenda = ev(lambda e: e.agendas.agenda(event, "kukes"))
    assert {m.table_label for m in agenda.meetings} <= {"Room 1", "Room 2"}
    html = ev(lambda e: e.agendas.html(event, "kukes"))
    assert "Hall C" in html
    assert "Hall B" not in html
    feed = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar(event, "kukes")))
    assert {str(v["location"]) for v in feed.walk("VEVENT")} <= {"Room 1, Hall C", "Room 2, Hall C"}


def test_the_organisers_published_csv_names_the_tables_as_published_and_the_plan_as_renamed(
    ev: EventCalls, event: str
) -> None:
    ev.plan(lambda p: p.edit(event, EventEdit(table_labels=["Salon A", "Salon B"])))
    ev.plan(lambda p: p.publish(event))
    ev.plan(lambda p: p.edit(event, EventEdit(table_labels=["Room 1", "Room 2"])))
    published = {r["place"] for r in csv.DictReader(io.StringIO(ev(lambda e: e.agendas.csv(event))))}
    assert published
    assert published <= {"Salon A", "Salon B"}
    planned = ev(lambda e: e.agendas.csv(event, source="plan"))
    assert {r["place"] for r in csv.DictReader(io.StringIO(planned))} <= {"Room 1", "Room 2"}


@pytest.mark.parametrize(
    ("published_tables", "new_venue"),
    [
        # A table's name holds a comma too: no comma tells where the venue begins.
        (["Salon A, ground floor", "Salon B, first floor"], "Congress Centre, Hall 4, Station Road 9"),
        # The new venue is the end of the old one: every published place still ends with it.
        (["Salon A", "Salon B"], "Room 2, Main Street 1"),
    ],
)
def test_documents_give_the_published_venue_and_tables_exactly_when_both_changed_since(
    ev: EventCalls, event: str, published_tables: list[str], new_venue: str
) -> None:
    venue = "City Hall, Room 2, Main Street 1"
    ev.plan(lambda p: p.edit(event, EventEdit(venue=venue, table_labels=published_tables)))
    ev.plan(lambda p: p.publish(event))
    # Staff move the event and rename the rooms, and have not published yet.
    ev.plan(lambda p: p.edit(event, EventEdit(venue=new_venue, table_labels=["Room 1", "Room 2"])))

    agenda = ev(lambda e: e.agendas.agenda(event, "kukes"))
    assert agenda.meetings
    assert [m.table_label for m in agenda.meetings] == [
        published_tables[m.table - 1] for m in agenda.meetings
    ]
    html = ev(lambda e: e.agendas.html(event, "kukes"))
    assert f"<p>{venue}</p>" in html
    assert all(f"<td>{published_tables[m.table - 1]}</td>" in html for m in agenda.meetings)
    assert "Room 1" not in html
    assert "Room 2<" not in html
    feed = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar(event, "kukes")))
    assert {str(v["location"]) for v in feed.walk("VEVENT")} == {
        f"{published_tables[m.table - 1]}, {venue}" for m in agenda.meetings
    }
    rows = list(csv.DictReader(io.StringIO(ev(lambda e: e.agendas.csv(event)))))
    assert rows
    assert [r["place"] for r in rows] == [published_tables[int(r["table"]) - 1] for r in rows]

    ev.plan(lambda p: p.publish(event))
    agenda = ev(lambda e: e.agendas.agenda(event, "kukes"))
    assert {m.table_label for m in agenda.meetings} <= {"Room 1", "Room 2"}
    assert f"<p>{new_venue}</p>" in ev(lambda e: e.agendas.html(event, "kukes"))


def _as_published_before_places_were_kept(settings: Settings) -> None:
    """Take the instance back to the release before places were kept, and upgrade it again: the
    published meetings keep their locations alone, as those published by that release do."""
    _upgraded_from(settings, "0008_session_notice")


def _upgraded_from(settings: Settings, revision: str, *statements: str) -> None:
    """Take the instance's schema back to ``revision``, run ``statements`` (what the release at that
    revision changed), and upgrade it again, as an upgrade from that release does."""
    engine = create_engine(settings.db_url)
    cfg = alembic_config(settings.db_url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)
        for statement in statements:
            connection.execute(sql(statement))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    engine.dispose()


def test_meetings_published_before_places_were_kept_give_the_place_read_from_their_location(
    ev: EventCalls, event: str, db_settings: Settings
) -> None:
    ev.plan(lambda p: p.edit(event, EventEdit(venue="Hall B, Ankara", table_labels=["Salon A", "Salon B"])))
    ev.plan(lambda p: p.publish(event))
    _as_published_before_places_were_kept(db_settings)
    ev.plan(lambda p: p.edit(event, EventEdit(table_labels=["Room 1", "Room 2"])))

    agenda = ev(lambda e: e.agendas.agenda(event, "kukes"))
    assert agenda.meetings
    assert [m.table_label for m in agenda.meetings] == [f"Salon {'AB'[m.table - 1]}" for m in agenda.meetings]
    assert "<p>Hall B, Ankara</p>" in ev(lambda e: e.agendas.html(event, "kukes"))

    ev.plan(lambda p: p.publish(event))
    ev.plan(lambda p: p.edit(event, EventEdit(venue="Hall C, Ankara", table_labels=["Salon 1", "Salon 2"])))
    agenda = ev(lambda e: e.agendas.agenda(event, "kukes"))
    assert [m.table_label for m in agenda.meetings] == [f"Room {m.table}" for m in agenda.meetings]
    assert "<p>Hall B, Ankara</p>" in ev(lambda e: e.agendas.html(event, "kukes"))


def test_meetings_published_before_places_were_kept_give_their_place_whole_when_every_name_changed(
    ev: EventCalls, event: str, db_settings: Settings
) -> None:
    """Meetings published by the release before places were kept, at tables whose names hold a comma,
    then every table renamed and the venue moved: agendas, calendars and the CSV give each place as it
    was published, neither cut at a table name's comma nor with the venue twice."""
    venue = "City Hall, Room 2, Main Street 1"
    published_tables = ["Salon A, ground floor", "Salon B, first floor"]
    ev.plan(lambda p: p.edit(event, EventEdit(venue=venue, table_labels=published_tables)))
    ev.plan(lambda p: p.publish(event))
    _as_published_before_places_were_kept(db_settings)
    moved = EventEdit(venue="Palace of Congresses", table_labels=["Room 1", "Room 2"])
    ev.plan(lambda p: p.edit(event, moved))

    agenda = ev(lambda e: e.agendas.agenda(event, "kukes"))
    assert agenda.meetings
    assert [m.table_label for m in agenda.meetings] == [
        published_tables[m.table - 1] for m in agenda.meetings
    ]
    assert f"<p>{venue}</p>" in ev(lambda e: e.agendas.html(event, "kukes"))
    feed = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar(event, "kukes")))
    assert {str(v["location"]) for v in feed.walk("VEVENT")} == {
        f"{published_tables[m.table - 1]}, {venue}" for m in agenda.meetings
    }
    rows = list(csv.DictReader(io.StringIO(ev(lambda e: e.agendas.csv(event)))))
    assert {int(r["table"]) for r in rows} == {1, 2}
    assert [r["place"] for r in rows] == [published_tables[int(r["table"]) - 1] for r in rows]


def test_every_pdf_uses_the_font_the_settings_name_and_says_when_it_is_gone(
    event: str, corpus: Settings, tmp_path: Path
) -> None:
    """MATCHMAKER_PDF_FONT is the font of the agendas, the booklet and the table cards; a font removed
    since the instance started is refused by name, never replaced by the fallback font."""
    condensed = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf")
    if not condensed.is_file():
        pytest.skip("DejaVu Sans Condensed is not installed")
    font = tmp_path / "agenda.ttf"
    font.write_bytes(condensed.read_bytes())
    calls = EventCalls(corpus.model_copy(update={"pdf_font": font}))
    for document in (
        calls(lambda e: e.agendas.pdf(event, "kukes")),
        calls(lambda e: e.agendas.booklet(event)),
        calls(lambda e: e.agendas.table_cards(event)),
    ):
        assert b"+DejaVuSansCondensed" in document
    font.unlink()
    gone = f"MATCHMAKER_PDF_FONT cannot be used: {font} does not exist"
    with pytest.raises(ConfigurationError, match=gone):
        calls(lambda e: e.agendas.booklet(event))


def test_the_organisers_csv_and_xlsx_name_the_zone_of_their_times(
    ev: EventCalls, event: str, scorer: Score
) -> None:
    """A spreadsheet reader sees on each row which clock its times are on, in a column after the
    existing ones: the event's zone, or UTC for an event without one."""
    old_columns = ["slot", "start", "end", "table", "a", "a_name", "b", "b_name", "score", "reason"]
    old_columns += ["reason_for_participants", "place"]
    rows = list(csv.reader(io.StringIO(ev(lambda e: e.agendas.csv(event)))))
    assert rows[0] == [*old_columns, "timezone"]
    assert len(rows) > 1
    assert {row[-1] for row in rows[1:]} == {"Europe/Istanbul"}
    sheet = openpyxl.load_workbook(io.BytesIO(ev(lambda e: e.agendas.xlsx(event)))).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == [*old_columns, "timezone"]
    assert {sheet.cell(row=r, column=13).value for r in range(2, sheet.max_row + 1)} == {"Europe/Istanbul"}

    zoneless_event(ev, "ws2", ("kukes", "acme"), tables=1)
    ev.plan(lambda p: p.generate("ws2", score=scorer, time_limit=5))
    rows = list(csv.DictReader(io.StringIO(ev(lambda e: e.agendas.csv("ws2", source="plan")))))
    assert [(r["start"], r["timezone"]) for r in rows] == [("2038-03-02T09:00:00", "UTC")]
    sheet = openpyxl.load_workbook(io.BytesIO(ev(lambda e: e.agendas.xlsx("ws2", source="plan")))).active
    assert sheet is not None
    assert sheet.cell(row=2, column=13).value == "UTC"


def _calendar(ev: EventCalls, event: str, pid: str) -> dict[str, tuple[str, int]]:
    """The LOCATION and SEQUENCE of each meeting in ``pid``'s calendar file, by UID."""
    feed = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar(event, pid)))
    return {str(v["uid"]): (str(v["location"]), int(v["sequence"])) for v in feed.walk("VEVENT")}


def _published_at(ev: EventCalls, event: str, venue: str) -> dict[str, tuple[str, int]]:
    """Publish ``event`` after its venue was moved to ``venue``: kukes's calendar, each meeting at the
    new venue, after checking that none keeps its SEQUENCE."""
    before = _calendar(ev, event, "kukes")
    ev.plan(lambda p: p.publish(event))
    moved = _calendar(ev, event, "kukes")
    assert all(where.endswith(f", {venue}") for where, _ in moved.values())
    assert {uid: seq for uid, (_, seq) in moved.items()} == {uid: seq + 1 for uid, (_, seq) in before.items()}
    return moved


def test_after_the_upgrade_a_calendar_back_at_the_published_place_has_a_higher_sequence(
    ev: EventCalls, event: str, db_settings: Settings
) -> None:
    """The release before places were kept gave calendars the venue staff had entered since the last
    publication; after the upgrade they give the published one. Calendar apps keep an entry whose
    SEQUENCE has not grown, so the change comes with a higher one, once: exporting again, nothing grows."""
    ev.plan(lambda p: p.edit(event, EventEdit(venue="Hall B, Ankara")))
    ev.plan(lambda p: p.publish(event))
    published = _calendar(ev, event, "kukes")
    assert published
    assert all(where.endswith(", Hall B, Ankara") for where, _ in published.values())
    ev.plan(lambda p: p.edit(event, EventEdit(venue="Hall C, Ankara")))  # not published again
    _as_published_before_places_were_kept(db_settings)

    upgraded = _calendar(ev, event, "kukes")
    assert {uid: where for uid, (where, _) in upgraded.items()} == {
        uid: where for uid, (where, _) in published.items()
    }
    assert {uid: seq for uid, (_, seq) in upgraded.items()} == {
        uid: seq + 1 for uid, (_, seq) in published.items()
    }
    assert _calendar(ev, event, "kukes") == upgraded
    _published_at(ev, event, "Hall C, Ankara")


def test_an_upgrade_leaves_the_sequence_of_calendars_whose_place_did_not_change(
    ev: EventCalls, event: str, db_settings: Settings
) -> None:
    ev.plan(lambda p: p.edit(event, EventEdit(venue="Hall B, Ankara")))
    ev.plan(lambda p: p.publish(event))
    published = _calendar(ev, event, "kukes")
    _as_published_before_places_were_kept(db_settings)
    assert _calendar(ev, event, "kukes") == published


def test_meetings_published_before_locations_were_kept_keep_their_calendar_place_until_published_again(
    ev: EventCalls, event: str, db_settings: Settings
) -> None:
    """Meetings published by a release that kept no location: after the upgrade, a venue entered since
    does not change their calendar entries under the same SEQUENCE; publishing it does, with a higher one."""
    ev.plan(lambda p: p.edit(event, EventEdit(venue="Hall B, Ankara")))
    ev.plan(lambda p: p.publish(event))
    published = _calendar(ev, event, "kukes")
    _upgraded_from(db_settings, "0006_workers")
    assert _calendar(ev, event, "kukes") == published

    ev.plan(lambda p: p.edit(event, EventEdit(venue="Hall C, Ankara")))
    assert _calendar(ev, event, "kukes") == published
    _published_at(ev, event, "Hall C, Ankara")


def test_a_cancelled_meeting_keeps_the_calendar_place_it_was_cancelled_with(
    ev: EventCalls, event: str
) -> None:
    """A cancelled meeting's SEQUENCE no longer grows, so its calendar entry does not change either: a
    venue or table name published after it was cancelled is not given to it."""
    ev.plan(lambda p: p.edit(event, EventEdit(venue="Hall B, Ankara", table_labels=["Salon A", "Salon B"])))
    ev.plan(lambda p: p.publish(event))
    (gone, *_) = [pid for pid in PEOPLE if ev(lambda e, pid=pid: e.agendas.agenda(event, pid)).meetings]
    ev(lambda e: e.catalog.remove_participant(event, gone))
    ev.plan(lambda p: p.publish(event))
    cancelled = _calendar(ev, event, gone)
    assert cancelled
    feed = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar(event, gone)))
    assert {str(v["status"]) for v in feed.walk("VEVENT")} == {"CANCELLED"}

    moved = EventEdit(venue="Hall C, Ankara", table_labels=["Room 1", "Room 2"])
    ev.plan(lambda p: p.edit(event, moved))
    ev.plan(lambda p: p.publish(event))
    assert _calendar(ev, event, gone) == cancelled
    after = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar(event, gone)))
    assert all("Salon" in str(v["description"]) for v in after.walk("VEVENT"))


def test_the_booklet_keeps_the_agenda_of_a_participant_removed_since_publication(
    ev: EventCalls, event: str, tmp_path: Path
) -> None:
    ev(lambda e: e.catalog.remove_participant(event, "kukes"))
    need_poppler()
    booklet = "\n".join(text(ev(lambda e: e.agendas.booklet(event)), tmp_path / "booklet"))
    assert "Kukës and" in booklet or "and Kukës" in booklet, "the published schedule still has its meetings"
    assert "Meeting agenda: Kukës" in booklet
    assert "5 participants" in booklet


def test_table_cards_and_booklet_keep_the_published_tables_after_fewer_tables(
    ev: EventCalls, event: str, tmp_path: Path
) -> None:
    published = csv.DictReader(io.StringIO(ev(lambda e: e.agendas.csv(event))))
    assert "2" in {row["table"] for row in published}, "a published meeting is at table 2"
    ev.plan(lambda p: p.edit(event, EventEdit(tables=1, replan=False)))
    need_poppler()
    cards = text(ev(lambda e: e.agendas.table_cards(event)), tmp_path / "cards")
    assert [page.split("\n", 1)[0] for page in cards] == ["Table 1", "Table 2"]
    booklet = "\n".join(text(ev(lambda e: e.agendas.booklet(event)), tmp_path / "booklet"))
    assert "2 tables" in booklet


def test_the_booklet_cover_counts_one_in_the_singular(
    ev: EventCalls, corpus: Settings, scorer: Score, tmp_path: Path
) -> None:
    zoneless_event(ev, "one", ["kukes", "acme"], tables=1)
    ev.plan(lambda p: p.generate("one", score=scorer, time_limit=5))
    ev.plan(lambda p: p.publish("one"))
    need_poppler()
    cover = text(ev(lambda e: e.agendas.booklet("one")), tmp_path / "booklet")[0]
    assert "2 participants, 1 meeting, 1 table, 1 slot" in " ".join(cover.split())


def _shown(ev: EventCalls, event: str, pid: str) -> dict[str, tuple[str, str, int]]:
    """The SUMMARY, DESCRIPTION and SEQUENCE of each meeting in ``pid``'s calendar file, by UID."""
    feed = icalendar.Calendar.from_ical(ev(lambda e: e.agendas.calendar(event, pid)))
    return {
        str(v["uid"]): (str(v["summary"]), str(v["description"]), int(v["sequence"]))
        for v in feed.walk("VEVENT")
    }


def _renamed(ev: EventCalls, kind: Kind, record_id: str, name: str) -> None:
    """Rename a stored city or provider, as its record's PATCH does."""
    with stored_records(ev.instance) as records:
        records.edit(kind, record_id, {"name": name})


def test_renaming_the_event_reaches_calendars_with_a_higher_sequence_when_published(
    ev: EventCalls, event: str
) -> None:
    """Calendar apps take an entry's new text only with a higher SEQUENCE: the event's new name in
    DESCRIPTION comes with one, at the publication that gives it (as a new venue does)."""
    published = _shown(ev, event, "kukes")
    assert published
    assert all(description.startswith("Level 3 workshop: ") for _, description, _ in published.values())
    ev.plan(lambda p: p.edit(event, EventEdit(name="Smart cities day, Ankara")))
    assert _shown(ev, event, "kukes") == published, "the name published until staff publish again"

    report = ev.plan(lambda p: p.publish(event))
    assert not report.nothing_changed
    renamed = _shown(ev, event, "kukes")
    assert all(description.startswith("Smart cities day, Ankara: ") for _, description, _ in renamed.values())
    assert {uid: seq for uid, (_, _, seq) in renamed.items()} == {
        uid: seq + 1 for uid, (_, _, seq) in published.items()
    }


def test_renaming_a_participant_reaches_its_partners_calendars_with_a_higher_sequence(
    ev: EventCalls, event: str
) -> None:
    published = _shown(ev, event, "kukes")
    with_acme = {uid for uid, (summary, _, _) in published.items() if summary == "Meeting with Acme Mobility"}
    assert with_acme
    _renamed(ev, "provider", "acme", "Acme Mobility Systems")
    assert _shown(ev, event, "kukes") == published

    ev.plan(lambda p: p.publish(event))
    renamed = _shown(ev, event, "kukes")
    for uid, (summary, description, seq) in renamed.items():
        if uid in with_acme:
            assert summary == "Meeting with Acme Mobility Systems"
            assert "meeting with Acme Mobility Systems." in description
            assert seq == published[uid][2] + 1
        else:
            assert (summary, description, seq) == published[uid], "a meeting with someone else is as it was"


def test_a_rename_that_changes_nothing_a_calendar_shows_keeps_its_sequence(
    ev: EventCalls, event: str
) -> None:
    published = _shown(ev, event, "kukes")
    ev.plan(lambda p: p.edit(event, EventEdit(name="Level 3 workshop")))
    _renamed(ev, "provider", "acme", "Acme Mobility Systems")
    _renamed(ev, "provider", "acme", "Acme Mobility")

    report = ev.plan(lambda p: p.publish(event))
    assert report.nothing_changed
    assert _shown(ev, event, "kukes") == published


def test_an_upgrade_keeps_what_calendars_show_under_the_same_sequence(
    ev: EventCalls, event: str, db_settings: Settings
) -> None:
    """Calendars published by a release that gave entries the current names: after the upgrade they
    show what they showed, under the same SEQUENCE, and publishing again changes nothing."""
    published = {pid: _shown(ev, event, pid) for pid in PEOPLE}
    _upgraded_from(db_settings, "0013_request_notified")
    assert {pid: _shown(ev, event, pid) for pid in PEOPLE} == published

    # That release showed a new name at once, under the same SEQUENCE: calendars read it now.
    _upgraded_from(
        db_settings,
        "0013_request_notified",
        "UPDATE provider SET name = 'Acme Mobility Systems' WHERE id = 'acme'",
    )
    upgraded = {pid: _shown(ev, event, pid) for pid in PEOPLE}
    assert {uid: seq for uid, (_, _, seq) in upgraded["kukes"].items()} == {
        uid: seq for uid, (_, _, seq) in published["kukes"].items()
    }
    assert "Meeting with Acme Mobility Systems" in {summary for summary, _, _ in upgraded["kukes"].values()}
    assert ev.plan(lambda p: p.publish(event)).nothing_changed
    assert {pid: _shown(ev, event, pid) for pid in PEOPLE} == upgraded
