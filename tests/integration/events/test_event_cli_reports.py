"""``matchmaker event stats`` and the booklet and table cards from ``event export``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.services.matching import MatchingService
from matchmaker.settings import Settings


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def _hand_made_scores(monkeypatch: pytest.MonkeyPatch, scorer: Callable[[str, str], float | None]) -> None:
    monkeypatch.setattr(MatchingService, "pair_scorer", lambda _self: (scorer, "test scores"))


def _held_event() -> None:
    """A workshop that took place (2025), with one declined request, planned, published and rated."""
    created = run(
        "event", "create", "past", "--name", "Tirana workshop", "--tables", "2",
        "--start", "2025-10-07T09:00", "--slots", "3", "--timezone", "Europe/Tirane",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert run("event", "add", "past", "kukes", "osh", "acme", "databridge").exit_code == 0
    assert run("event", "request", "past", "databridge", "kukes", "--status", "declined").exit_code == 0
    assert run("event", "generate", "past", "--time-limit", "5").exit_code == 0
    assert run("event", "publish", "past").exit_code == 0
    rated = run("event", "feedback", "past", "kukes", "acme", "cooperation_possible")
    assert rated.exit_code == 0, rated.output
    assert run("event", "feedback", "past", "acme", "kukes", "not_held").exit_code == 0


def test_stats_prints_the_figures_staff_see(corpus: Settings) -> None:
    _held_event()
    out = run("event", "stats", "past", "--json")
    assert out.exit_code == 0, out.output
    st = json.loads(out.stdout)
    assert (st["source"], st["ratings"], st["no_shows"]) == ("published", 2, 1)
    assert st["requests"][0]["declined"] == 1
    assert st["requests"][1]["direction"] == "provider → city"
    assert sum(p["meetings"] for p in st["per_participant"]) == 2 * st["meetings"]
    text = run("event", "stats", "past")
    assert text.exit_code == 0
    assert "1 no-show" in text.stdout
    assert "Kukës" in text.stdout
    assert "provider → city: 1 (0 / 1 / 0 / 0)" in text.stdout
    assert run("event", "stats", "nowhere").exit_code == 1


def test_stats_count_the_meetings_of_a_participant_taken_out_after_the_event(corpus: Settings) -> None:
    _held_event()
    assert run("event", "remove", "past", "acme").exit_code == 0
    st = json.loads(run("event", "stats", "past", "--json").stdout)
    acme = next(p for p in st["per_participant"] if p["id"] == "acme")
    assert (acme["name"], acme["side"]) == ("Acme Mobility", "provider")
    assert acme["meetings"] == sum("acme" in (o["a"], o["b"]) for o in st["outcomes"]) > 0
    assert sum(p["meetings"] for p in st["per_participant"]) == 2 * st["meetings"]


def test_export_writes_the_booklet_and_the_table_cards(corpus: Settings, tmp_path: Path) -> None:
    _held_event()
    booklet, cards = tmp_path / "booklet.pdf", tmp_path / "cards.pdf"
    done = run("event", "export", "past", "--format", "booklet", "--out", str(booklet))
    assert done.exit_code == 0, done.output
    assert booklet.read_bytes().startswith(b"%PDF")
    assert run("event", "export", "past", "--format", "table-cards", "--out", str(cards)).exit_code == 0
    assert cards.read_bytes().startswith(b"%PDF")
    refused = run("event", "export", "past", "--format", "booklet")
    assert refused.exit_code == 2
    assert "needs --out FILE" in refused.stderr


def test_export_refuses_options_its_format_does_not_use(corpus: Settings, tmp_path: Path) -> None:
    _held_event()
    # The booklet is the whole event: --participant would be ignored, so it is refused.
    one = run("event", "export", "past", "--format", "booklet", "--participant", "kukes", "--out", "b.pdf")
    assert one.exit_code == 2
    assert "--participant is for csv, xlsx, html, pdf and ics" in one.stderr
    assert one.stdout == ""
    # Only the CSV and XLSX can come from the current plan.
    booklet = tmp_path / "booklet.pdf"
    planned = run("event", "export", "past", "--format", "booklet", "--plan", "--out", str(booklet))
    assert planned.exit_code == 2
    assert "--plan is for csv and xlsx" in planned.stderr
    assert not booklet.exists()


def test_export_to_a_place_that_cannot_be_written_says_so(corpus: Settings, tmp_path: Path) -> None:
    _held_event()
    out = tmp_path / "no such folder" / "past.csv"
    done = run("event", "export", "past", "--format", "csv", "--out", str(out))
    assert done.exit_code == 1
    assert done.stderr == f"error: cannot write {out}: No such file or directory\n"
    folder = run("event", "export", "past", "--format", "csv", "--out", str(tmp_path))
    assert folder.exit_code == 1
    assert folder.stderr == f"error: cannot write {tmp_path}: Is a directory\n"


def test_export_without_participant_writes_the_whole_event(corpus: Settings, tmp_path: Path) -> None:
    # `event export EVENT --format html|pdf|ics` without --participant: the organisers' document of
    # every published meeting (the calendar gives each one its instant, as a participant's does).
    _held_event()
    cal = run("event", "export", "past", "--format", "ics")
    assert cal.exit_code == 0, cal.output
    ics = cal.stdout
    csv_rows = run("event", "export", "past", "--format", "csv").stdout.strip().splitlines()[1:]
    assert ics.count("BEGIN:VEVENT") == len(csv_rows) > 0
    assert "BEGIN:VTIMEZONE" in ics
    assert "DTSTART;TZID=Europe/Tirane:" in ics
    assert "Kukës" in ics
    page = run("event", "export", "past", "--format", "html")
    assert page.exit_code == 0, page.output
    assert "<title>Meeting schedule: Tirana workshop</title>" in page.stdout
    assert page.stdout.count("<tr><td>") == len(csv_rows)
    assert "Kukës" in page.stdout
    pdf = tmp_path / "past.pdf"
    done = run("event", "export", "past", "--format", "pdf", "--out", str(pdf))
    assert done.exit_code == 0, done.output
    assert pdf.read_bytes().startswith(b"%PDF")


def test_export_csv_or_xlsx_of_one_participant_holds_its_meetings_only(
    corpus: Settings, tmp_path: Path
) -> None:
    _held_event()
    whole = run("event", "export", "past", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(whole.stdout)))
    mine = run("event", "export", "past", "--format", "csv", "--participant", "kukes")
    assert mine.exit_code == 0, mine.output
    kept = list(csv.DictReader(io.StringIO(mine.stdout)))
    assert kept == [r for r in rows if "kukes" in (r["a"], r["b"])]
    assert 0 < len(kept) < len(rows)
    book = tmp_path / "kukes.xlsx"
    done = run("event", "export", "past", "--format", "xlsx", "--participant", "kukes", "--out", str(book))
    assert done.exit_code == 0, done.output
    sheet = openpyxl.load_workbook(book).worksheets[0]
    assert sheet.max_row == 1 + len(kept)
    nobody = run("event", "export", "past", "--format", "csv", "--participant", "atlantis")
    assert nobody.exit_code == 1
    assert "'atlantis' does not take part in Tirana workshop" in nobody.stderr
