"""A printable PDF agenda for one participant (fpdf2).

Names of cities and providers are often not Latin-1 (Kukës, Ош, Tepebaşı). When a Unicode TrueType
font is found (DejaVu Sans, installed on most Linux systems; or the file named by
``MATCHMAKER_PDF_FONT``) it is embedded; otherwise the text is transliterated to ASCII with
``anyascii`` so the PDF is still correct, only less pretty.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from anyascii import anyascii
from fpdf import FPDF
from fpdf.fonts import FontFace

from matchmaker.scheduling.problem import Pair, Placement, Slot

logger = logging.getLogger(__name__)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)


def unicode_font() -> Path | None:
    """A Unicode TrueType font to embed, or None (then text is transliterated)."""
    named = os.environ.get("MATCHMAKER_PDF_FONT")
    for candidate in ([named] if named else []) + list(FONT_CANDIDATES):
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def participant_agenda_pdf(
    participant_id: str,
    meetings: Sequence[Placement],
    slots: Sequence[Slot],
    *,
    names: Mapping[str, str] | None = None,
    reasons: Mapping[Pair, str] | None = None,
    table_labels: Mapping[int, str] | None = None,
    event_name: str | None = None,
) -> bytes:
    """One participant's meetings as an A4 PDF: time, table, who, why."""
    names = names or {}
    reasons = reasons or {}
    table_labels = table_labels or {}
    by_id = {s.id: s for s in slots}
    mine = sorted(
        (m for m in meetings if participant_id in (m.a, m.b) and m.slot in by_id),
        key=lambda m: (by_id[m.slot].start, m.table),
    )
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(f"Meeting agenda: {participant_id}")
    pdf.set_creator("matchmaker")
    font = unicode_font()
    if font is not None:
        pdf.add_font("agenda", "", str(font))
        family = "agenda"

        def text(value: str) -> str:
            return value

    else:
        logger.info("no Unicode font found; the PDF agenda is transliterated to ASCII")
        family = "helvetica"

        def text(value: str) -> str:
            return str(anyascii(value))

    def label(pid: str) -> str:
        return names.get(pid) or pid

    pdf.add_page()
    pdf.set_font(family, size=16)
    pdf.multi_cell(0, 9, text(f"Meeting agenda: {label(participant_id)}"), new_x="LMARGIN", new_y="NEXT")
    if event_name:
        pdf.set_font(family, size=11)
        pdf.multi_cell(0, 6, text(event_name), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, size=10)
    if not mine:
        pdf.multi_cell(0, 6, "No meetings are scheduled.", new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
    heading = FontFace(emphasis="", fill_color=(230, 230, 230))
    with pdf.table(
        col_widths=(32, 22, 60, 76), text_align="LEFT", line_height=5.5, headings_style=heading
    ) as table:
        table.row(["Time", "Table", "Meeting with", "Why"])
        for m in mine:
            slot = by_id[m.slot]
            other = m.b if m.a == participant_id else m.a
            reason = getattr(m, "reason", None) or reasons.get(m.pair, "")
            table.row(
                [
                    f"{slot.start:%Y-%m-%d}\n{slot.start:%H:%M}-{slot.end:%H:%M}",
                    text(table_labels.get(m.table, f"Table {m.table}")),
                    text(label(other)),
                    text(reason),
                ]
            )
    return bytes(pdf.output())
