"""The printable PDF agenda: one participant's meetings, readable with or without a Unicode font."""

from __future__ import annotations

import zlib
from datetime import datetime
from pathlib import Path

import pytest

from matchmaker.scheduling import pdf
from matchmaker.scheduling.problem import Placement, Slot
from matchmaker.scheduling.result import Meeting
from pdf_support import need_poppler, text

SLOTS = [
    Slot(id="s1", start=datetime(2027, 3, 2, 9), end=datetime(2027, 3, 2, 9, 20)),  # noqa: DTZ001
    Slot(id="s2", start=datetime(2027, 3, 2, 10), end=datetime(2027, 3, 2, 10, 20)),  # noqa: DTZ001
]
MEETINGS: list[Placement] = [
    Meeting(slot="s2", table=2, a="kukes", b="acme", score=0.9, reason="Street addressing"),
    Meeting(slot="s1", table=1, a="osh", b="acme", score=0.4),
]
NAMES = {"kukes": "Kukës", "acme": "Acme GIS", "osh": "Ош"}


def _text(data: bytes) -> str:
    """The page content streams, inflated, as Latin-1 text (enough to find ASCII words)."""
    out = []
    for chunk in data.split(b"stream")[1:]:
        body = chunk.split(b"endstream")[0].strip(b"\r\n")
        try:
            out.append(zlib.decompress(body).decode("latin-1"))
        except zlib.error:
            out.append(body.decode("latin-1"))
    return "\n".join(out)


def test_pdf_without_a_unicode_font_is_transliterated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "unicode_font", lambda: None)
    data = pdf.participant_agenda_pdf("kukes", MEETINGS, SLOTS, names=NAMES, table_labels={2: "Room B"})
    assert data.startswith(b"%PDF")
    text = _text(data)
    assert "Meeting agenda: Kukes" in text
    assert "Acme GIS" in text
    assert "Room B" in text
    assert "Street addressing" in text
    assert "osh" not in text, "only the participant's own meetings"


def test_pdf_with_a_unicode_font_embeds_it() -> None:
    if pdf.unicode_font() is None:
        pytest.skip("no Unicode TrueType font on this machine")
    data = pdf.participant_agenda_pdf("osh", MEETINGS, SLOTS, names=NAMES, event_name="Level 3 workshop")
    assert data.startswith(b"%PDF")
    assert b"FontFile2" in data


def test_pdf_with_no_meetings_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "unicode_font", lambda: None)
    data = pdf.participant_agenda_pdf("nobody", MEETINGS, SLOTS)
    assert "No meetings are scheduled." in _text(data)


def test_arabic_reads_right_to_left_with_its_letters_joined(tmp_path: Path) -> None:
    """An Arabic name is laid out by the shaping engine: a PDF reader gets the word back in reading
    order, where unshaped text comes out backwards, letter by letter."""
    need_poppler()
    if pdf.unicode_font() is None:
        pytest.skip("no Unicode TrueType font on this machine")
    names = {**NAMES, "ismailia": "الإسماعيلية"}
    meetings = [Meeting(slot="s1", table=1, a="ismailia", b="acme", score=0.9)]
    data = pdf.participant_agenda_pdf("ismailia", meetings, SLOTS, names=names)
    page = text(data, tmp_path)[0]
    assert "سماعيلية" in page, page
    assert "ةيليعامس" not in page


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["Kukës", "Ош", "Tepebaşı", "Fushë Kosovë"], False),
        (["Acme", None, "الإسماعيلية"], True),
        (["עירייה"], True),
        ([], False),
    ],
)
def test_only_joined_or_right_to_left_scripts_need_shaping(texts: list[str | None], expected: bool) -> None:
    assert pdf.needs_shaping(texts) is expected
