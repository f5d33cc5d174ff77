"""``matchmaker event ...`` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import openpyxl
import pytest
from typer.testing import CliRunner

from events_support import EventCalls
from matchmaker.cli import app
from matchmaker.errors import NotFoundError
from matchmaker.services.matching import MatchingService
from matchmaker.settings import Settings
from services_support import add_user


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def _hand_made_scores(monkeypatch: pytest.MonkeyPatch, scorer: Callable[[str, str], float | None]) -> None:
    monkeypatch.setattr(MatchingService, "pair_scorer", lambda _self: (scorer, "test scores"))


def test_staff_run_an_event_from_the_command_line(corpus: Settings, tmp_path: Path) -> None:
    created = run(
        "event", "create", "ws1", "--name", "Level 3 workshop", "--tables", "2",
        "--start", "2038-03-02T09:00", "--slots", "3", "--minutes", "20", "--gap", "5",
        "--timezone", "Europe/Istanbul",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "3 slots" in created.stdout
    assert run("event", "add", "ws1", "kukes", "osh", "tirana", "acme", "databridge").exit_code == 0
    assert run("event", "add", "ws1", "osh", "--available", "s1,s2", "--max", "1").exit_code == 0
    req = run("event", "request", "ws1", "databridge", "tirana", "--status", "accepted", "--json")
    assert json.loads(req.stdout)["status"] == "accepted"
    assert run("event", "must-meet", "ws1", "kukes", "acme").exit_code == 0
    assert run("event", "block", "ws1", "kukes", "databridge").exit_code == 0

    gen = run("event", "generate", "ws1", "--time-limit", "5", "--json")
    assert gen.exit_code == 0, gen.output
    report = json.loads(gen.stdout)
    assert report["score_source"] == "test scores"
    assert report["stats"]["unmatched_participants"] == []
    plan = [json.loads(line) for line in run("event", "plan", "ws1", "--json").stdout.splitlines()]
    pairs = {(m["a"], m["b"]) for m in plan}
    assert ("kukes", "acme") in pairs
    assert ("tirana", "databridge") in pairs
    assert ("kukes", "databridge") not in pairs
    assert sum(1 for a, b in pairs if "osh" in (a, b)) == 1

    pub = run("event", "publish", "ws1", "--json")
    assert json.loads(pub.stdout)["version"] == 1
    agenda = json.loads(run("event", "agenda", "ws1", "kukes", "--json").stdout)
    assert agenda["meetings"][0]["with_name"] == "Acme Mobility"

    ics = tmp_path / "kukes.ics"
    assert (
        run(
            "event", "export", "ws1", "--format", "ics", "--participant", "kukes", "--out", str(ics)
        ).exit_code
        == 0
    )
    assert "BEGIN:VEVENT" in ics.read_text()
    csv_out = run("event", "export", "ws1", "--format", "csv")
    assert csv_out.stdout.startswith("slot,start,end,table")
    html = run("event", "export", "ws1", "--format", "html", "--participant", "kukes")
    assert "<table>" in html.stdout
    whole = run("event", "export", "ws1", "--format", "html")  # without --participant: every meeting
    assert whole.exit_code == 0
    assert "<table>" in whole.stdout
    xlsx = tmp_path / "plan.xlsx"
    assert run("event", "export", "ws1", "--format", "xlsx", "--out", str(xlsx)).exit_code == 0
    sheet = openpyxl.load_workbook(xlsx).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["slot", "start", "end", "table"]
    assert isinstance(sheet["B2"].value, datetime)
    assert {sheet.cell(row=r, column=6).value for r in range(2, sheet.max_row + 1)} & {
        "Kukës",
        "Osh",
        "Tirana",
    }
    assert run("event", "export", "ws1", "--format", "xlsx").exit_code == 2
    pdf = tmp_path / "kukes.pdf"
    assert (
        run(
            "event", "export", "ws1", "--format", "pdf", "--participant", "kukes", "--out", str(pdf)
        ).exit_code
        == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF")

    early = run("event", "feedback", "ws1", "kukes", "acme", "informative")
    assert early.exit_code == 1
    assert "once it has taken place" in early.stderr
    # The day is over: the event moves to yesterday's slots (an edit), is published, then rated.
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    assert run("event", "edit", "ws1", "--day", past, "--per-day", "3").exit_code == 0
    republished = run("event", "publish", "ws1")
    assert republished.exit_code == 0
    assert "0 e-mails queued" in republished.stdout
    assert "not told (no user with an e-mail address): " in republished.stdout, "nobody here has a user"
    fb = run(
        "event", "feedback", "ws1", "kukes", "acme", "cooperation_possible", "--comment", "Pilot in 2027"
    )
    assert fb.exit_code == 0, fb.output
    signal = [json.loads(line) for line in run("event", "signal", "--json").stdout.splitlines()]
    assert signal == [{"a": "acme", "b": "kukes", "signal": 1.0}]


def test_the_signal_says_when_there_is_no_feedback_yet(db_settings: Settings) -> None:
    plain = run("event", "signal")
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.splitlines() == ["no feedback yet: no pair has a signal"]
    as_json = run("event", "signal", "--json")
    assert as_json.exit_code == 0, as_json.output
    assert as_json.stdout == ""


def test_infeasible_event_exits_2_and_says_what_to_relax(corpus: Settings) -> None:
    run(
        "event",
        "create",
        "ws2",
        "--name",
        "W",
        "--tables",
        "1",
        "--slot",
        "2038-03-02T09:00/2038-03-02T09:20",
    )
    run("event", "add", "ws2", "kukes", "acme", "databridge")
    run("event", "must-meet", "ws2", "kukes", "acme")
    run("event", "must-meet", "ws2", "kukes", "databridge")
    result = run("event", "generate", "ws2", "--time-limit", "2")
    assert result.exit_code == 2
    assert "Kukës has 2 must-meets (Acme Mobility" in result.stderr, "named as staff know them, not by id"
    assert "drop" in result.stderr or "widen" in result.stderr


def test_bad_input_and_unknown_event(db_settings: Settings) -> None:
    bad = run(
        "event",
        "create",
        "ws3",
        "--name",
        "W",
        "--tables",
        "1",
        "--start",
        "2038-03-02T09:00",
        "--timezone",
        "Mars/Base",
    )
    assert bad.exit_code == 2
    assert "time zone" in bad.stderr
    missing = run("event", "agenda", "nope", "kukes")
    assert missing.exit_code == 1
    assert "no event" in missing.stderr


def test_edit_an_event_from_the_command_line(corpus: Settings) -> None:
    run(
        "event", "create", "ws4", "--name", "W", "--tables", "2",
        "--start", "2038-03-02T09:00", "--slots", "3", "--timezone", "Europe/Istanbul",
    )  # fmt: skip
    run("event", "add", "ws4", "kukes", "osh", "tirana", "acme", "databridge")
    assert run("event", "generate", "ws4", "--time-limit", "3").exit_code == 0
    assert run("event", "publish", "ws4").exit_code == 0
    edited = run(
        "event", "edit", "ws4", "--tables", "3", "--venue", "Congress centre", "--name", "Level 3, day 2",
        "--day", "2038-03-02", "--day", "2038-03-03", "--start", "09:00", "--per-day", "2",
        "--minutes", "30", "--gap", "0", "--break", "09:30-10:00", "--table-label", "Room A",
        "--table-label", "Room B", "--table-label", "https://meet.example/l3", "--json",
    )  # fmt: skip
    assert edited.exit_code == 0, edited.output
    report = json.loads(edited.stdout)
    assert set(report["changed"]) == {"name", "venue", "slots", "tables"}
    event = report["event"]
    assert event["tables"] == 3
    assert event["table_labels"]["3"] == "https://meet.example/l3"
    starts = [s["start"] for s in event["slots"]]
    assert starts == [
        "2038-03-02T09:00:00",
        "2038-03-02T10:00:00",
        "2038-03-03T09:00:00",
        "2038-03-03T10:00:00",
    ]
    assert report["replanned"] is not None
    shown = run("event", "show", "ws4")
    assert "Level 3, day 2 at Congress centre" in shown.stdout
    zone = run("event", "edit", "ws4", "--timezone", "Europe/Tirane")
    assert zone.exit_code == 0
    assert (
        "until you publish again, which tells them what changed: matchmaker event publish ws4" in zone.stdout
    )
    bad = run("event", "edit", "ws4", "--day", "2038-03-02", "--break", "lunch")
    assert bad.exit_code == 2
    assert "HH:MM-HH:MM" in bad.stderr


def test_a_break_that_ends_before_it_starts_is_refused_saying_so(corpus: Settings) -> None:
    """``--break 13:30-12:30`` was refused with "use HH:MM-HH:MM, e.g. 12:30-13:30", the format the
    user had typed: the message now says what is wrong with the break."""
    run(
        "event", "create", "br", "--name", "W", "--tables", "2", "--start", "2038-03-02T09:00", "--slots", "3"
    )
    bad = run("event", "edit", "br", "--day", "2038-03-02", "--per-day", "3", "--break", "13:30-12:30")
    assert bad.exit_code == 2
    refusal = "error: --break '13:30-12:30': a break must end after it starts (13:30-12:30)"
    assert bad.stderr.strip() == refusal


def test_adding_participants_again_keeps_the_slots_and_maximum_of_those_taking_part(corpus: Settings) -> None:
    """``event add ws1 osh acme`` to add acme reset osh's slots and maximum to every slot and none."""
    created = run(
        "event", "create", "re", "--name", "W", "--tables", "2", "--start", "2038-03-02T09:00", "--slots", "3"
    )
    assert created.exit_code == 0, created.output
    assert run("event", "add", "re", "osh", "--available", "s1,s2", "--max", "1").exit_code == 0
    again = run("event", "add", "re", "osh", "acme", "--json")
    assert again.exit_code == 0, again.output
    added = {p["id"]: (p["available"], p["max_meetings"]) for p in map(json.loads, again.stdout.splitlines())}
    assert added == {"osh": (["s1", "s2"], 1), "acme": (None, None)}
    assert "osh (Osh) slots s1,s2; max 1" in run("event", "show", "re").stdout


def test_a_feed_address_from_the_command_line(corpus: Settings) -> None:
    run(
        "event",
        "create",
        "ws5",
        "--name",
        "W",
        "--tables",
        "1",
        "--start",
        "2038-03-02T09:00",
        "--slots",
        "2",
    )
    run("event", "add", "ws5", "kukes", "acme")
    early = run("event", "feed", "ws5", "kukes")
    assert early.exit_code != 0
    assert "the schedule of W is not published yet" in early.output
    assert run("event", "generate", "ws5", "--time-limit", "2").exit_code == 0
    assert run("event", "publish", "ws5").exit_code == 0
    issued = run("event", "feed", "ws5", "kukes", "--base-url", "https://mm.example.org/")
    assert issued.exit_code == 0, issued.output
    assert issued.stdout.strip().startswith("https://mm.example.org/feeds/")
    assert issued.stdout.strip().endswith(".ics")
    revoked = run("event", "feed", "ws5", "kukes", "--revoke")
    assert "1 feed address revoked" in revoked.stdout
    assert run("event", "feed", "ws5", "nobody").exit_code == 1


def _published(*events: str) -> None:
    """Events of Kukës and Acme, one table, their schedules generated and published."""
    for event in events:
        run("event", "create", event, "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00")
        run("event", "add", event, "kukes", "acme")
        assert run("event", "generate", event, "--time-limit", "2").exit_code == 0
        assert run("event", "publish", event).exit_code == 0


def test_revoking_a_user_from_the_command_line_stops_the_addresses_it_made(corpus: Settings) -> None:
    """A focal point who left kept a working calendar address after `matchmaker users revoke`; the
    addresses it made now stop, and the one another user of the same city made keeps working."""
    _published("ws6", "ws7")
    leaving, colleague = (add_user(corpus, "city", "kukes").principal.user_id for _ in range(2))
    ev = EventCalls(corpus)
    theirs = ev(lambda e: e.feeds.issue("ws6", "kukes", issued_by=leaving))
    kept = ev(lambda e: e.feeds.issue("ws7", "kukes", issued_by=colleague))

    revoked = run("users", "revoke", str(leaving))
    assert revoked.exit_code == 0, revoked.output

    with pytest.raises(NotFoundError):
        ev(lambda e: e.feeds.resolve(theirs.token))
    assert ev(lambda e: e.feeds.resolve(kept.token)) == ("ws7", "kukes")


def test_rotating_a_token_from_the_command_line_stops_the_addresses_made_with_it(corpus: Settings) -> None:
    """`matchmaker users rotate` replaced a token that may have leaked but left working the calendar
    addresses made with it; they now stop as after a revoke (so does an address of the city whose
    maker is unknown), and the one another user of the same city made keeps working."""
    _published("ws8", "ws9", "ws10")
    leaked, colleague = (add_user(corpus, "city", "kukes").principal.user_id for _ in range(2))
    ev = EventCalls(corpus)
    theirs = ev(lambda e: e.feeds.issue("ws8", "kukes", issued_by=leaked))
    kept = ev(lambda e: e.feeds.issue("ws9", "kukes", issued_by=colleague))
    unknown = ev(lambda e: e.feeds.issue("ws10", "kukes", issued_by=None))

    rotated = run("users", "rotate", str(leaked))
    assert rotated.exit_code == 0, rotated.output

    for stopped in (theirs, unknown):
        with pytest.raises(NotFoundError):
            ev(lambda e, stopped=stopped: e.feeds.resolve(stopped.token))
    assert ev(lambda e: e.feeds.resolve(kept.token)) == ("ws9", "kukes")


def test_a_city_asks_another_city_from_the_command_line(corpus: Settings) -> None:
    created = run(
        "event", "create", "c2c", "--name", "City exchange", "--tables", "1",
        "--start", "2038-03-02T09:00", "--slots", "2",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert run("event", "add", "c2c", "kukes", "osh", "tirana", "acme").exit_code == 0
    offered = run("event", "contacts", "c2c", "kukes", "--json")
    assert offered.exit_code == 0, offered.output
    contacts = {c["id"]: c for c in map(json.loads, offered.stdout.splitlines())}
    assert {(i, c["side"]) for i, c in contacts.items()} == {
        ("osh", "city"),
        ("tirana", "city"),
        ("acme", "provider"),
    }
    sent = run("event", "request", "c2c", "kukes", "osh", "--json")
    assert sent.exit_code == 0, sent.output
    assert (json.loads(sent.stdout)["recipient"], json.loads(sent.stdout)["status"]) == ("osh", "pending")
    assert "osh" not in run("event", "contacts", "c2c", "kukes").stdout
    again = run("event", "request", "c2c", "osh", "kukes")
    assert again.exit_code == 1
    assert "answer that request instead" in again.output
    assert "Kukës already asked Osh for a meeting at" in again.output, "names, not ids"
    itself = run("event", "request", "c2c", "tirana", "tirana")
    assert itself.exit_code == 2
    assert "cannot be paired with itself" in itself.output


def test_the_list_of_requests_shows_each_message(corpus: Settings) -> None:
    created = run("event", "create", "msg", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00")
    assert created.exit_code == 0, created.output
    assert run("event", "add", "msg", "kukes", "osh", "acme").exit_code == 0
    note = "We would like to show our [bold]flood[/bold] warnings pilot."
    sent = run("event", "request", "msg", "acme", "kukes", "--message", note)
    assert sent.exit_code == 0, sent.output
    assert f"  message: {note}" in sent.stdout.splitlines()
    assert run("event", "request", "msg", "kukes", "osh").exit_code == 0

    listed = run("event", "requests", "msg")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        "   1 acme → kukes: pending",
        f"     message: {note}",
        "   2 kukes → osh: pending",
    ]


def test_an_exported_calendar_carries_its_zone_without_the_library_s_remark(
    corpus: Settings, tmp_path: Path
) -> None:
    created = run(
        "event", "create", "cal", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00",
        "--slots", "2", "--timezone", "Europe/Istanbul",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert run("event", "add", "cal", "kukes", "acme").exit_code == 0
    assert run("event", "generate", "cal", "--time-limit", "5").exit_code == 0
    assert run("event", "publish", "cal").exit_code == 0
    out = tmp_path / "kukes.ics"
    exported = run("event", "export", "cal", "--format", "ics", "--participant", "kukes", "--out", str(out))
    assert exported.exit_code == 0, exported.output

    raw = out.read_text()
    assert "COMMENT" not in raw
    assert "only works from" not in raw
    calendar = icalendar.Calendar.from_ical(raw)
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Istanbul"]
    meeting = calendar.walk("VEVENT")[0]
    assert meeting["dtstart"].params["TZID"] == "Europe/Istanbul"
    # The slots start at 09:00 and 09:25 in Istanbul: 06:00 and 06:25 UTC.
    starts = {datetime(2038, 3, 2, 6, minute, tzinfo=UTC) for minute in (0, 25)}
    assert meeting.decoded("dtstart").astimezone(UTC) in starts


def test_an_event_over_two_days_shows_both_days(corpus: Settings) -> None:
    created = run(
        "event", "create", "two", "--name", "W", "--tables", "1",
        "--slot", "2038-03-02T09:00/2038-03-02T09:20", "--slot", "2038-03-03T09:00/2038-03-03T09:20",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "2 slots (2038-03-02 09:00 – 2038-03-03 09:20), 1 table" in created.stdout
    one_day = run("event", "edit", "two", "--day", "2038-03-04", "--per-day", "2")
    assert one_day.exit_code == 0, one_day.output
    assert "2 slots (2038-03-04 09:00 – 09:45), 1 table" in one_day.stdout


def test_slot_layout_options_that_would_be_ignored_are_refused(corpus: Settings) -> None:
    created = run(
        "event", "create", "lay", "--name", "W", "--tables", "1",
        "--start", "2038-03-02T09:00", "--slots", "2",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    longer = run("event", "edit", "lay", "--minutes", "30", "--break", "12:00-13:00")
    assert longer.exit_code == 2
    assert longer.stderr.startswith("error: --minutes, --break lay out the slots of each --day")
    assert "2 slots (2038-03-02 09:00 – 09:45)" in run("event", "show", "lay").stdout
    both = run(
        "event", "create", "lay2", "--name", "W", "--tables", "1", "--minutes", "30",
        "--slot", "2038-03-02T09:00/2038-03-02T09:20",
    )  # fmt: skip
    assert both.exit_code == 2
    assert both.stderr.startswith("error: --minutes make slots from --start")
    assert run("event", "show", "lay2").exit_code == 1


def test_the_plan_of_an_event_over_two_days_names_the_day_of_each_meeting(corpus: Settings) -> None:
    created = run(
        "event", "create", "plan2", "--name", "W", "--tables", "2",
        "--slot", "2038-03-02T09:00/2038-03-02T09:20", "--slot", "2038-03-03T09:00/2038-03-03T09:20",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert run("event", "add", "plan2", "kukes", "osh", "tirana", "acme", "databridge").exit_code == 0
    assert run("event", "generate", "plan2", "--time-limit", "3").exit_code == 0
    assert run("event", "publish", "plan2").exit_code == 0
    shown = run("event", "plan", "plan2")
    assert shown.exit_code == 0, shown.output
    assert "4 planned meetings over 2 days" in shown.stdout
    assert "2038-03-02 (Tue): 2 meetings" in shown.stdout
    assert "2038-03-03 (Wed): 2 meetings" in shown.stdout
    assert "published" in shown.stdout  # the state is never cut or folded


def test_show_gives_the_request_deadline_on_the_events_clock(corpus: Settings) -> None:
    created = run(
        "event", "create", "dl", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00",
        "--slots", "2", "--timezone", "Europe/Istanbul", "--deadline", "2038-02-25T14:00",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    # --deadline without an offset is UTC: staff see at once that it is 17:00 at the venue.
    assert "requests until 25 February 2038 at 17:00 (Europe/Istanbul)" in created.stdout
    assert "requests until 25 February 2038 at 17:00 (Europe/Istanbul)" in run("event", "show", "dl").stdout


def _kukes_meets_acme(event_id: str) -> None:
    """A new event of two tables and two slots where Kukës and Acme have their meeting planned."""
    created = run(
        "event", "create", event_id, "--name", "W", "--tables", "2", "--start", "2038-03-02T09:00",
        "--slots", "2",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert run("event", "add", event_id, "kukes", "acme").exit_code == 0
    assert run("event", "generate", event_id, "--time-limit", "3").exit_code == 0


def test_deleting_a_published_event_says_who_was_told_it_is_cancelled(corpus: Settings) -> None:
    _kukes_meets_acme("pub")
    assert (
        run("users", "invite", "--role", "city", "--for", "kukes", "--email", "f@kukes.example").exit_code
        == 0
    )
    assert run("event", "publish", "pub").exit_code == 0
    deleted = run("event", "delete", "pub")
    assert deleted.exit_code == 0, deleted.output
    assert "deleted event pub (W)" in deleted.stdout
    assert (
        "its schedule was published: 1 e-mail queued telling participants it is cancelled" in deleted.stdout
    )
    assert "not told (no user with an e-mail address): Acme" in deleted.stdout


def test_publishing_again_without_a_change_says_nothing_has_changed(corpus: Settings) -> None:
    _kukes_meets_acme("same")
    assert "published version 1" in run("event", "publish", "same").stdout
    again = run("event", "publish", "same")
    assert again.exit_code == 0, again.output
    assert "nothing has changed since version 1 was published: no new version, nobody told" in again.stdout
    assert "published version 1" in run("event", "show", "same").stdout


def test_every_bad_option_of_a_new_event_is_named_at_once(db_settings: Settings) -> None:
    bad = run(
        "event", "create", "bad id/", "--name", "W", "--tables", "1",
        "--start", "2038-03-02T09:00", "--timezone", "Mars/Base",
    )  # fmt: skip
    assert bad.exit_code == 2
    assert "time zone" in bad.stderr
    assert "id 'bad id/' is not valid" in bad.stderr


def test_json_of_events_and_agendas_gives_each_time_with_its_offset(corpus: Settings) -> None:
    created = run(
        "event", "create", "ws1", "--name", "Workshop", "--tables", "2",
        "--start", "2038-03-02T09:00", "--slots", "2", "--timezone", "Europe/Istanbul", "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    slot = json.loads(created.stdout)["slots"][0]
    assert (slot["start"], slot["start_at"]) == ("2038-03-02T09:00:00", "2038-03-02T09:00:00+03:00")
    assert run("event", "add", "ws1", "kukes", "acme").exit_code == 0
    assert run("event", "generate", "ws1", "--time-limit", "5").exit_code == 0
    (planned,) = [json.loads(line) for line in run("event", "plan", "ws1", "--json").stdout.splitlines()]
    assert planned["start_at"] == f"{planned['start']}+03:00"
    assert run("event", "publish", "ws1").exit_code == 0
    agenda = json.loads(run("event", "agenda", "ws1", "kukes", "--json").stdout)
    assert agenda["timezone"] == "Europe/Istanbul"
    assert agenda["meetings"][0]["start_at"].endswith("+03:00")
    text = run("event", "agenda", "ws1", "kukes").stdout
    assert "Europe/Istanbul" in text


def test_the_plan_says_what_clock_its_times_are_on(corpus: Settings) -> None:
    created = run(
        "event", "create", "ws1", "--name", "Workshop", "--tables", "2",
        "--start", "2038-03-02T09:00", "--slots", "2", "--timezone", "Europe/Istanbul",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert run("event", "add", "ws1", "kukes", "acme").exit_code == 0
    assert run("event", "generate", "ws1", "--time-limit", "5").exit_code == 0
    shown = run("event", "plan", "ws1")
    assert shown.exit_code == 0, shown.output
    assert "Times are local to Europe/Istanbul (UTC+03:00)." in shown.stdout


def test_slots_that_overlap_are_refused_when_creating_or_editing(corpus: Settings) -> None:
    overlapping = (
        "--slot",
        "2038-03-02T09:00/2038-03-02T10:00",
        "--slot",
        "2038-03-02T09:30/2038-03-02T10:30",
    )
    created = run("event", "create", "ws1", "--name", "W", "--tables", "2", *overlapping)
    assert created.exit_code == 2
    assert "slots 's1' (2038-03-02 09:00–10:00) and 's2' (2038-03-02 09:30–10:30) overlap" in created.stderr
    assert "ws1" not in run("event", "list").stdout
    assert (
        run("event", "create", "ws1", "--name", "W", "--tables", "2", "--start", "2038-03-02T09:00").exit_code
        == 0
    )
    edited = run("event", "edit", "ws1", *overlapping)
    assert edited.exit_code == 2
    assert "overlap" in edited.stderr
    assert "12 slots" in run("event", "show", "ws1").stdout


def test_slots_with_and_without_an_offset_are_refused(corpus: Settings) -> None:
    mixed = ["--slot", "2038-03-02T09:00+03:00/2038-03-02T09:20+03:00"]
    mixed += ["--slot", "2038-03-02T09:30/2038-03-02T09:50", "--timezone", "Europe/Istanbul"]
    created = run("event", "create", "ws1", "--name", "W", "--tables", "2", *mixed)
    assert created.exit_code == 2
    assert "'s1' has a UTC offset and 's2' has none" in created.stderr
    assert "ws1" not in run("event", "list").stdout


def test_a_table_label_too_long_is_refused_when_creating_as_when_editing(corpus: Settings) -> None:
    long_label = "Room " + "A" * 200
    created = run(
        "event", "create", "ws1", "--name", "W", "--start", "2038-03-02T09:00",
        "--table-label", long_label, "--table-label", "Room B",
    )  # fmt: skip
    assert created.exit_code == 2
    assert "a table label has at most 200 characters" in created.stderr
    assert "ws1" not in run("event", "list").stdout


def test_show_says_when_a_participant_is_available_in_no_slot(corpus: Settings) -> None:
    run("event", "create", "ws1", "--name", "W", "--tables", "2", "--start", "2038-03-02T09:00")
    assert run("event", "add", "ws1", "osh", "--available", "").exit_code == 0
    assert run("event", "add", "ws1", "kukes", "--available", "s1,s2").exit_code == 0
    shown = run("event", "show", "ws1").stdout
    assert "osh (Osh) no slots" in shown
    assert "kukes (Kukës) slots s1,s2" in shown


def test_generate_names_who_can_have_no_meeting_at_all(corpus: Settings) -> None:
    run(
        "event",
        "create",
        "ws1",
        "--name",
        "W",
        "--tables",
        "2",
        "--start",
        "2038-03-02T09:00",
        "--slots",
        "3",
    )
    run("event", "add", "ws1", "kukes", "osh", "tirana", "acme", "databridge")
    run("event", "add", "ws1", "osh", "--available", "")
    run("event", "add", "ws1", "tirana", "--max", "0")
    generated = run("event", "generate", "ws1", "--time-limit", "3")
    assert generated.exit_code == 0, generated.output
    said = " ".join(generated.stdout.split())
    assert "a common free slot, a maximum of 0 or every pair blocked): osh, tirana" in said
    report = json.loads(run("event", "generate", "ws1", "--time-limit", "3", "--json").stdout)
    assert report["stats"]["no_meeting_possible"] == ["osh", "tirana"]


def test_staff_delete_an_event_from_the_command_line(corpus: Settings) -> None:
    run("event", "create", "gone", "--name", "Old draft", "--tables", "1", "--start", "2038-03-02T09:00")
    run("event", "add", "gone", "kukes", "acme")
    deleted = run("event", "delete", "gone")
    assert deleted.exit_code == 0, deleted.output
    assert "deleted event gone (Old draft)" in deleted.stdout
    assert "gone" not in run("event", "list").stdout
    again = run("event", "delete", "gone")
    assert again.exit_code == 1
    assert "no event with id 'gone'" in again.stderr


def test_a_new_event_takes_its_venue_at_once(corpus: Settings) -> None:
    where = ["--venue", "Congress centre, hall B", "--start", "2038-03-02T09:00"]
    created = run("event", "create", "ws1", "--name", "Level 3 workshop", "--tables", "2", *where)
    assert "Level 3 workshop at Congress centre, hall B" in created.stdout, created.output
    assert json.loads(run("event", "show", "ws1", "--json").stdout)["venue"] == "Congress centre, hall B"


def test_slots_from_start_past_the_last_year_are_refused_with_a_reason(db_settings: Settings) -> None:
    late = run("event", "create", "late", "--name", "W", "--tables", "1", "--start", "9998-12-31T23:00")
    assert late.exit_code == 2
    assert "must be between the years 1900 and 9998, got 9999" in late.stderr
    assert "unexpected failure" not in late.stderr
    beyond = run("event", "create", "late", "--name", "W", "--tables", "1", "--start", "9999-12-31T23:00")
    assert beyond.exit_code == 2
    assert "unexpected failure" not in beyond.stderr
    assert "late" not in run("event", "list").stdout


def test_a_new_event_refuses_slot_lengths_and_gaps_that_editing_refuses(db_settings: Settings) -> None:
    base = ["event", "create", "huge", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00"]
    for option, value in (("--minutes", "100000"), ("--minutes", "2"), ("--gap", "10000000")):
        refused = run(*base, option, value)
        assert refused.exit_code == 2, (option, value)
        assert option in refused.output
        assert "huge" not in run("event", "list").stdout
    assert run(*base, "--minutes", "480", "--gap", "240", "--slots", "2").exit_code == 0


def test_a_feed_address_starts_with_the_public_url_and_a_bad_base_keeps_the_old_feed(
    corpus: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHMAKER_PUBLIC_URL", "https://matchmaker.example.gov.tr")
    run("event", "create", "ws1", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00")
    run("event", "add", "ws1", "kukes", "acme")
    assert run("event", "generate", "ws1", "--time-limit", "2").exit_code == 0
    assert run("event", "publish", "ws1").exit_code == 0
    issued = run("event", "feed", "ws1", "kukes")
    assert issued.stdout.strip().startswith("https://matchmaker.example.gov.tr/feeds/"), issued.output
    typo = run("event", "feed", "ws1", "kukes", "--base-url", "matchmaker.example.gov.tr")
    assert typo.exit_code == 2
    assert "--base-url: must start with http:// or https://" in typo.stderr
    assert "1 feed address revoked" in run("event", "feed", "ws1", "kukes", "--revoke").stdout


def test_unlocking_says_what_re_planning_will_do_with_the_meeting(corpus: Settings) -> None:
    _kukes_meets_acme("lk")
    assert run("event", "lock", "lk", "kukes", "acme").stdout.rstrip().endswith(": locked")
    draft = run("event", "lock", "lk", "kukes", "acme", "--unlock")
    assert draft.stdout.rstrip().endswith(": unlocked; re-planning may move it")
    assert run("event", "publish", "lk").exit_code == 0
    published = run("event", "lock", "lk", "kukes", "acme", "--unlock")
    assert published.exit_code == 0, published.output
    said = " ".join(published.stdout.split())
    assert "free" not in said
    assert said.endswith(
        ": unlocked; it is published, so it stays where it is unless you re-plan with --replan-published"
    )


def test_two_tables_of_one_event_may_not_share_a_label(corpus: Settings) -> None:
    twice = run(
        "event", "create", "tl", "--name", "W", "--start", "2038-03-02T09:00",
        "--table-label", "A", "--table-label", "B", "--table-label", "A",
    )  # fmt: skip
    assert twice.exit_code == 2
    assert "tables 1 and 3 are both labelled 'A'; give each table its own label" in twice.stderr
    assert "tl" not in run("event", "list").stdout
    created = run(
        "event", "create", "tl", "--name", "W", "--start", "2038-03-02T09:00",
        "--table-label", "A", "--table-label", "B",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    edited = run("event", "edit", "tl", "--table-label", "Hall 1", "--table-label", " Hall 1 ")
    assert edited.exit_code == 2
    assert "tables 1 and 2 are both labelled 'Hall 1'" in edited.stderr


def test_staff_clear_an_events_time_zone_with_an_empty_one(corpus: Settings) -> None:
    created = run(
        "event", "create", "tz0", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00",
        "--slots", "1", "--timezone", "Europe/Istanbul",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    cleared = run("event", "edit", "tz0", "--timezone", "", "--json")
    assert cleared.exit_code == 0, cleared.output
    report = json.loads(cleared.stdout)
    assert report["changed"] == ["timezone"]
    assert report["event"]["timezone"] is None
    assert "Europe/Istanbul" not in run("event", "show", "tz0").stdout


def test_an_event_created_with_an_empty_time_zone_has_none_as_edit_reads_it(corpus: Settings) -> None:
    created = run(
        "event", "create", "tz1", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00",
        "--slots", "1", "--timezone", "", "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["timezone"] is None
    assert "unknown time zone" not in created.output


def test_self_service_reads_a_time_as_deadline_does_and_says_it_on_the_events_clock(corpus: Settings) -> None:
    created = run(
        "event", "create", "ss", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00",
        "--slots", "2", "--timezone", "Europe/Istanbul",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    # Without an offset the time is UTC, as --deadline reads it; it is told on the event's clock.
    plain = run("event", "self-service", "ss", "--until", "2038-02-25T14:00")
    assert plain.exit_code == 0, plain.output
    said = "may change their settings until 2038-02-25T17:00+03:00 (Europe/Istanbul)."
    assert said in " ".join(plain.stdout.split())
    offset = run("event", "self-service", "ss", "--until", "2038-02-25T17:00+03:00")
    assert said in " ".join(offset.stdout.split())


def test_a_self_service_deadline_past_the_years_of_an_event_is_refused(db_settings: Settings) -> None:
    created = run("event", "create", "ss", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00")
    assert created.exit_code == 0, created.output
    for until in ("9999-12-31T23:00-05:00", "0001-01-01T00:00+14:00", "9999-12-31T23:00"):
        refused = run("event", "self-service", "ss", "--until", until)
        assert refused.exit_code == 2, (until, refused.output)
        assert "self-service deadline: must be between the years 1900 and 9998" in refused.stderr
        assert "database" not in refused.stderr
    kept = " ".join(run("event", "self-service", "ss", "--until", "none").stdout.split())
    assert "until the event is over" in kept


def test_answering_a_request_id_past_what_the_database_holds_says_there_is_none(corpus: Settings) -> None:
    created = run("event", "create", "ws1", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00")
    assert created.exit_code == 0, created.output
    # On PostgreSQL it said "the database could not be used (... integer out of range)".
    answered = run("event", "answer", "ws1", "99999999999999", "accepted")
    assert answered.exit_code == 1, answered.output
    assert "error: no request 99999999999999 in W" in answered.stderr
    assert "database" not in answered.stderr


def test_self_service_until_none_says_what_governs_instead(corpus: Settings) -> None:
    created = run(
        "event", "create", "rd", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00",
        "--slots", "2", "--deadline", "2038-02-20T12:00",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    cleared = " ".join(run("event", "self-service", "rd", "--until", "none").stdout.split())
    assert cleared == (
        "Participants of rd may change their settings until the request deadline,"
        " 2038-02-20T12:00+00:00 (UTC)."
    )
    no_deadline = run("event", "create", "nd", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00")
    assert no_deadline.exit_code == 0, no_deadline.output
    open_ended = " ".join(run("event", "self-service", "nd", "--until", "none").stdout.split())
    assert open_ended == (
        "Participants of nd may change their settings until the event is over:"
        " it has neither a self-service nor a request deadline."
    )
    assert "until staff set a deadline" not in cleared + open_ended


def test_counts_of_one_read_in_the_singular(corpus: Settings) -> None:
    created = run(
        "event", "create", "one", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00",
        "--slots", "1",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "1 slot (" in created.stdout
    assert "1 table\n" in created.stdout
    assert run("event", "add", "one", "kukes").exit_code == 0
    assert "1 participant, 0 requests, 0 planned meetings" in run("event", "show", "one").stdout
    assert run("event", "add", "one", "acme").exit_code == 0
    generated = run("event", "generate", "one", "--time-limit", "3")
    assert generated.stdout.startswith("1 meeting planned,"), generated.output
    assert "1 planned meeting" in run("event", "plan", "one").stdout
    published = " ".join(run("event", "publish", "one").stdout.split())
    assert "published version 1: 1 meeting (1 new, 0 changed, 0 unchanged), 0 cancelled" in published
    for wrong in ("1 tables", "1 slots", "1 participants", "1 meetings", "e-mail(s)"):
        assert wrong not in created.stdout + generated.stdout + published


def test_staff_record_why_a_request_was_declined_and_the_list_shows_it(corpus: Settings) -> None:
    created = run("event", "create", "why", "--name", "W", "--tables", "1", "--start", "2038-03-02T09:00")
    assert created.exit_code == 0, created.output
    assert run("event", "add", "why", "kukes", "acme").exit_code == 0
    assert run("event", "request", "why", "acme", "kukes").exit_code == 0
    reason = "Kukës has a lighting contract until 2029."

    too_long = run("event", "answer", "why", "1", "declined", "--reason", "x" * 2001)
    assert too_long.exit_code == 2
    assert "decline_reason: must be at most 2000 characters" in too_long.output
    with_acceptance = run("event", "answer", "why", "1", "accepted", "--reason", reason)
    assert with_acceptance.exit_code == 2
    assert "a reason is given only when declining" in with_acceptance.output

    answered = run("event", "answer", "why", "1", "declined", "--reason", reason)
    assert answered.exit_code == 0, answered.output
    assert f"  declined because: {reason}" in answered.stdout.splitlines()
    listed = run("event", "requests", "why")
    assert listed.stdout.splitlines() == ["   1 acme → kukes: declined", f"     declined because: {reason}"]


def test_a_new_event_refused_for_its_tables_names_the_field_as_the_api_does(db_settings: Settings) -> None:
    new = ("event", "create", "tl", "--name", "W", "--start", "2038-03-02T09:00")
    none = run(*new)
    assert none.exit_code == 2
    assert "error: tables: give the number of tables or one label per table" in none.stderr
    mismatched = run(*new, "--tables", "3", "--table-label", "A", "--table-label", "B")
    assert mismatched.exit_code == 2
    assert "error: table_labels: 2 table labels for 3 tables" in mismatched.stderr
    assert "tl" not in run("event", "list").stdout
    assert run(*new, "--tables", "2").exit_code == 0
    edited = run("event", "edit", "tl", "--tables", "3", "--table-label", "A")
    assert edited.exit_code == 2
    assert "error: table_labels: 1 table label for 3 tables" in edited.stderr
