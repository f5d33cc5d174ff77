"""The printable PDF agenda: one participant's meetings, readable with or without a Unicode font."""

from __future__ import annotations

import zlib
from datetime import datetime
from pathlib import Path

import pytest

from matchmaker.errors import ConfigurationError
from matchmaker.scheduling import pdf
from matchmaker.scheduling.problem import Placement, Slot
from matchmaker.scheduling.result import Meeting
from pdf_support import need_poppler, text

SLOTS = [
    Slot(id="s1", start=datetime(2038, 3, 2, 9), end=datetime(2038, 3, 2, 9, 20)),  # noqa: DTZ001
    Slot(id="s2", start=datetime(2038, 3, 2, 10), end=datetime(2038, 3, 2, 10, 20)),  # noqa: DTZ001
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


CONDENSED = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf")


def test_the_font_staff_named_is_the_one_embedded(tmp_path: Path) -> None:
    if not CONDENSED.is_file():
        pytest.skip("DejaVu Sans Condensed is not installed")
    font = tmp_path / "agenda.ttf"
    font.write_bytes(CONDENSED.read_bytes())
    data = pdf.participant_agenda_pdf("osh", MEETINGS, SLOTS, names=NAMES, font=font)
    assert b"+DejaVuSansCondensed" in data


def test_a_named_font_gone_since_start_is_refused_by_name(tmp_path: Path) -> None:
    """A font removed (or replaced by something else) after the instance started is not passed over
    for the fallback font: making the PDF fails with the variable named."""
    named = "MATCHMAKER_PDF_FONT cannot be used: "
    with pytest.raises(ConfigurationError, match=rf"{named}.*gone\.ttf does not exist"):
        pdf.participant_agenda_pdf("osh", MEETINGS, SLOTS, names=NAMES, font=tmp_path / "gone.ttf")
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"\x00\x01\x00\x00" + b"x" * 100)
    sheet = pdf.EventSheet(name="Workshop", slots=SLOTS, tables=2)
    with pytest.raises(ConfigurationError, match=rf"{named}.*broken\.ttf cannot be read as a font"):
        pdf.event_booklet_pdf(sheet, MEETINGS, ["osh"], names=NAMES, font=broken)
