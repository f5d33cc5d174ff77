"""The whole-event booklet and the table cards, rendered and read back as a reader would (poppler)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from matchmaker.scheduling import pdf
from matchmaker.scheduling.pdf import EventSheet, event_booklet_pdf, table_cards_pdf
from matchmaker.scheduling.problem import Slot
from matchmaker.scheduling.result import Meeting
from pdf_support import blank, need_poppler, pages, render, text


def _slot(slot_id: str, day: int, hour: int, minute: int = 0) -> Slot:
    """A 20-minute slot on ``day`` March 2038, local time."""
    start = datetime.fromisoformat(f"2038-03-{day:02d}T{hour:02d}:{minute:02d}")
    return Slot(id=slot_id, start=start, end=start + timedelta(minutes=20))


SLOTS = [_slot(f"s{k}", 2 + k // 3, 9 + k % 3) for k in range(6)]
EVENT = EventSheet(
    name="Ankara Level 3 workshop",
    slots=SLOTS,
    tables=3,
    venue="Congress centre, hall B",
    timezone="Europe/Istanbul",
    table_labels={2: "Salon Çamlıca", 3: "https://meet.example.org/ankara"},
)
NAMES = {
    "kukes": "Kukës",
    "osh": "Ош",
    "tepebasi": "Tepebaşı Belediyesi",
    "ferizaj": "Ferizaj",
    "acme": "Acme GIS",
    "databridge": "DataBridge",
}
STAFF_WORDING = "must-meet set by staff; match score 0.91"
MEETINGS = [
    # A staff reason rides on the meeting objects; the documents must print only the public one.
    Meeting(slot="s0", table=1, a="kukes", b="acme", score=0.91, reason=STAFF_WORDING, kind="must_meet"),
    Meeting(slot="s0", table=2, a="osh", b="databridge", score=0.73, reason="match score 0.73"),
    Meeting(slot="s1", table=3, a="tepebasi", b="acme", score=0.64, reason="match score 0.64"),
    Meeting(slot="s4", table=1, a="ferizaj", b="databridge", score=0.52),
]
REASONS = {
    ("acme", "kukes"): "Street addressing ↔ GIS address registry",
    ("databridge", "osh"): "Открытые данные ↔ open data platform",
    ("acme", "tepebasi"): "Akıllı ulaşım ↔ traffic management",
}
PEOPLE = ["kukes", "osh", "tepebasi", "ferizaj", "acme", "databridge"]


@pytest.fixture(autouse=True)
def _poppler() -> None:
    need_poppler()


def test_every_booklet_page_renders_and_names_are_not_transliterated(tmp_path: Path) -> None:
    if pdf.unicode_font() is None:
        pytest.skip("no Unicode TrueType font on this machine (apt-get install fonts-dejavu-core)")
    data = event_booklet_pdf(EVENT, MEETINGS, PEOPLE, names=NAMES, reasons=REASONS)
    count = pages(data, tmp_path / "info")
    assert count == 2 + len(PEOPLE), "cover, schedule, one agenda page per participant"
    images = render(data, tmp_path / "png")
    assert len(images) == count
    assert not [p.name for p in images if blank(p)]
    body = "\n".join(text(data, tmp_path / "text"))
    for name in ("Kukës", "Ош", "Tepebaşı Belediyesi", "Salon Çamlıca", "Открытые данные"):
        assert name in body


def test_the_booklet_has_a_cover_a_schedule_and_an_agenda_per_participant(tmp_path: Path) -> None:
    data = event_booklet_pdf(EVENT, MEETINGS, PEOPLE, names=NAMES, reasons=REASONS)
    cover, schedule, *agendas = text(data, tmp_path)
    assert "Ankara Level 3 workshop" in cover
    assert "Congress centre, hall B" in cover
    assert "2 March 2038 to 3 March 2038" in cover
    assert "Europe/Istanbul" in cover
    assert "Schedule" in schedule
    assert schedule.count("No meetings.") == 3, "three of the six slots are empty"
    titles = [page.strip().splitlines()[0] for page in agendas]
    assert len(titles) == len(PEOPLE)
    assert all(t.startswith("Meeting agenda: ") for t in titles)
    kukes = next(p for p in agendas if "Meeting agenda: Kuk" in p)
    assert "Acme GIS" in kukes
    assert "Street addressing" in kukes
    assert "DataBridge" not in kukes, "only the participant's own meetings"


def test_the_booklet_of_an_event_without_a_time_zone_says_its_times_are_utc(tmp_path: Path) -> None:
    utc = EventSheet(name="Online round", slots=SLOTS, tables=3, timezone=None)
    cover, *_ = text(event_booklet_pdf(utc, MEETINGS, PEOPLE, names=NAMES, reasons=REASONS), tmp_path)
    assert "Times are in UTC (the event has no time zone)." in cover, "as each participant's agenda says"


def test_the_booklet_never_prints_staff_wording_or_scores(tmp_path: Path) -> None:
    body = "\n".join(text(event_booklet_pdf(EVENT, MEETINGS, PEOPLE, names=NAMES, reasons=REASONS), tmp_path))
    assert "must-meet" not in body
    assert "staff" not in body
    assert "score" not in body
    for value in ("0.91", "0.73", "0.64", "0.52", "91%"):
        assert value not in body


def test_table_cards_have_one_page_per_table_with_who_meets_there(tmp_path: Path) -> None:
    data = table_cards_pdf(EVENT, MEETINGS, names=NAMES)
    assert pages(data, tmp_path / "info") == EVENT.tables
    images = render(data, tmp_path / "png")
    assert len(images) == EVENT.tables
    assert not [p.name for p in images if blank(p)]
    first, second, third = text(data, tmp_path / "text")
    assert first.strip().startswith("Table 1")
    assert "Acme GIS" in first
    assert "Ferizaj" in first
    assert "DataBridge" in first
    assert "Tepebaşı" not in first or pdf.unicode_font() is None
    assert second.strip().startswith("Salon")
    assert "Table 2" in second
    assert "https://meet.example.org/ankara" in third
    assert "score" not in first + second + third


def test_table_cards_stay_one_page_each_with_many_slots(tmp_path: Path) -> None:
    slots = [_slot(f"s{k}", 2 + k // 16, 8 + (k % 16) // 2, 30 * (k % 2)) for k in range(32)]
    event = EventSheet(name="Two long days", slots=slots, tables=2)
    meetings = [Meeting(slot=s.id, table=1, a="kukes", b="acme") for s in slots]
    data = table_cards_pdf(event, meetings, names=NAMES)
    assert pages(data, tmp_path) == 2


def test_without_a_unicode_font_the_documents_are_transliterated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "unicode_font", lambda: None)
    data = event_booklet_pdf(EVENT, MEETINGS, PEOPLE, names=NAMES, reasons=REASONS)
    body = "\n".join(text(data, tmp_path / "booklet"))
    assert "Kukes" in body
    assert "Tepebasi" in body
    cards = table_cards_pdf(EVENT, MEETINGS, names=NAMES)
    assert pages(cards, tmp_path / "cards") == EVENT.tables


def test_a_two_day_table_card_keeps_each_slot_on_one_line_and_one_page(tmp_path: Path) -> None:
    # Two days of eight slots: the day is printed with each time ("Wed 03 Mar 09:25-09:45"), which
    # must not wrap and push the card onto a second page.
    slots = [_slot(f"s{k}", 2 + k // 8, 9 + (k % 8) // 2, 25 * (k % 2)) for k in range(16)]
    event = EventSheet(name="Level 3 matchmaking – Ankara", slots=slots, tables=2)
    meetings = [Meeting(slot=s.id, table=1, a="tepebasi", b="acme") for s in slots]
    data = table_cards_pdf(event, meetings, names=NAMES)
    assert pages(data, tmp_path) == 2
    first = text(data, tmp_path / "text")[0]
    assert "Wed 03 Mar 09:25-09:45" in first
    assert first.count("Tepebaşı Belediyesi") == 16 or pdf.unicode_font() is None
