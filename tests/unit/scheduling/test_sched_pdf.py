"""The printable PDF agenda: one participant's meetings, readable with or without a Unicode font."""

from __future__ import annotations

import zlib
from datetime import datetime

import pytest

from matchmaker.scheduling import pdf
from matchmaker.scheduling.problem import Placement, Slot
from matchmaker.scheduling.result import Meeting

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
