"""Printable PDFs of a schedule (fpdf2): one participant's agenda, the whole event's booklet, table cards.

- :func:`participant_agenda_pdf`: one participant's meetings (time, table, who, why);
- :func:`event_booklet_pdf`: a cover (name, venue, dates, time zone), the schedule slot by slot, then
  one agenda page per participant;
- :func:`table_cards_pdf`: one page per table, to stand on it: its name and who meets there in each slot.

Every reason printed here is the one participants may read; callers pass those (``reasons``), never the
staff wording or scores, and the booklet and the cards print nothing else about a pair.

Names of cities and providers are often not Latin-1 (Kukës, Ош, Tepebaşı). The font the caller names
(``font``: the ``MATCHMAKER_PDF_FONT`` setting) is embedded, and one that cannot be read is a
:class:`~matchmaker.errors.ConfigurationError`, never passed over. Without one, DejaVu Sans is embedded
where it is installed (most Linux systems); otherwise the text is transliterated to ASCII with
``anyascii`` so the PDF is still correct, only less pretty. Arabic (and any script whose letters join
or that runs right to left) is laid out by HarfBuzz (``uharfbuzz``), in the documents that hold some.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Unpack

from anyascii import anyascii
from fpdf import FPDF, FPDFException
from fpdf.fonts import FontFace

from matchmaker.errors import ConfigurationError
from matchmaker.scheduling.exports import (
    NO_MEETINGS,
    AgendaText,
    display_name,
    meeting_reason,
    table_name,
    told_date,
    zone_note,
)
from matchmaker.scheduling.problem import Pair, Placement, Slot
from matchmaker.settings import pdf_font_file
from matchmaker.wording import counted

logger = logging.getLogger(__name__)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)


def unicode_font() -> Path | None:
    """The installed Unicode TrueType font to embed when none is named, or None (then text is
    transliterated)."""
    for candidate in FONT_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


@dataclass
class _Document:
    """An A4 PDF with the named ``font``, else the installed Unicode font when there is one (else
    Helvetica and ASCII text)."""

    title: str
    landscape: bool = False
    #: Every text the document will print, to decide whether it needs the shaping engine.
    content: Iterable[str] = ()
    #: The font the settings name (``MATCHMAKER_PDF_FONT``); it must be readable.
    font: Path | None = None
    pdf: FPDF = field(init=False)
    family: str = field(init=False)
    text: Callable[[str], str] = field(init=False)

    def __post_init__(self) -> None:
        pdf = FPDF(orientation="landscape" if self.landscape else "portrait", unit="mm", format="A4")
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.set_title(self.title)
        pdf.set_creator("matchmaker")
        font = pdf_font_file(self.font) if self.font is not None else unicode_font()
        if font is not None:
            _add_font(pdf, font, named=self.font is not None)
            self.family = "agenda"
            self.text = str
            if needs_shaping([self.title, *self.content]):
                _shape_text(pdf)
        else:
            logger.info("no Unicode font found; the PDF is transliterated to ASCII")
            self.family = "helvetica"
            self.text = _ascii
        self.pdf = pdf

    def line(self, value: str, size: float, height: float) -> None:
        """A paragraph of ``value`` in ``size`` points, the full width."""
        self.pdf.set_font(self.family, size=size)
        self.pdf.multi_cell(0, height, self.text(value), new_x="LMARGIN", new_y="NEXT")

    def output(self) -> bytes:
        """The PDF file."""
        return bytes(self.pdf.output())


def _add_font(pdf: FPDF, font: Path, *, named: bool) -> None:
    """Embed ``font`` as the family ``agenda``; a named font that cannot be parsed is a configuration
    error naming its variable."""
    try:
        pdf.add_font("agenda", "", str(font))
    except Exception as exc:  # fontTools raises many kinds of errors for a damaged file
        if not named:
            raise
        msg = f"MATCHMAKER_PDF_FONT cannot be used: {font} cannot be read as a font ({exc})"
        raise ConfigurationError(msg) from exc


#: Scripts whose letters join or run right to left (Hebrew, Arabic, Syriac, Thaana, N'Ko, the Indic
#: scripts, Arabic presentation forms): printed right only through the shaping engine.
_COMPLEX_SCRIPT = re.compile("[\u0590-\u08ff\u0900-\u0dff\ufb1d-\ufdff\ufe70-\ufeff]")


def needs_shaping(texts: Iterable[str | None]) -> bool:
    """Whether any of ``texts`` is in a script that needs the shaping engine."""
    return any(text and _COMPLEX_SCRIPT.search(text) for text in texts)


def _shape_text(pdf: FPDF) -> None:
    """Lay text out with HarfBuzz (``uharfbuzz``), so that Arabic letters join and right-to-left text
    runs right to left; without it Arabic prints as separate letters in the wrong order. Shaping
    makes a booklet about three times slower to write and larger, so documents without such text
    are written without it."""
    try:
        pdf.set_text_shaping(True)
    except FPDFException:  # pragma: no cover - uharfbuzz is a dependency of the project
        logger.warning("uharfbuzz is not installed; Arabic text in PDFs is printed unjoined")


def _texts(
    meetings: Iterable[Placement],
    names: Mapping[str, str] | None,
    reasons: Mapping[Pair, str] | None,
    table_labels: Mapping[int, str] | None,
    *more: str | None,
) -> list[str]:
    """The texts a document may print: names, reasons (the pairs' and the meetings' own), table labels."""
    own = (getattr(m, "reason", None) for m in meetings)
    values = (*(names or {}).values(), *(reasons or {}).values(), *(table_labels or {}).values(), *own, *more)
    return [v for v in values if v]


def _ascii(value: str) -> str:
    return str(anyascii(value))


#: Row heights of table cards, in mm.
MIN_CARD_LINE = 3.5
MAX_CARD_LINE = 10.0
#: Column widths of table cards (time, participant, participant) in mm, wider for the time when it
#: names the day too; and the cards' smallest text in pt.
CARD_COLUMNS = (50, 105, 105)
CARD_COLUMNS_WITH_DAY = (76, 92, 92)
MIN_CARD_FONT = 6.0
HEADING = FontFace(emphasis="", fill_color=(230, 230, 230))


def _fits(
    pdf: FPDF, family: str, size: float, rows: Sequence[Sequence[str]], widths: Sequence[float]
) -> bool:
    """Whether every cell of ``rows`` holds on one line of its column at ``size`` points."""
    pdf.set_font(family, size=size)
    room = [w - 2 * pdf.c_margin - 0.5 for w in widths]
    return all(pdf.get_string_width(cell) <= r for row in rows for cell, r in zip(row, room, strict=True))


def _when(slot: Slot) -> str:
    return f"{slot.start:%Y-%m-%d}\n{slot.start:%H:%M}-{slot.end:%H:%M}"


def _slot_line(slot: Slot, with_day: bool) -> str:
    day = f"{slot.start:%a %d %b} " if with_day else ""
    return f"{day}{slot.start:%H:%M}-{slot.end:%H:%M}"


@dataclass(frozen=True)
class EventHeader:
    """What an agenda says about the event under its heading: its name and venue, the time zone its
    times are local to, and the labels of its tables."""

    name: str | None = None
    venue: str | None = None
    timezone: str | None = None
    table_labels: Mapping[int, str] = field(default_factory=dict)


def _agenda_page(
    doc: _Document,
    participant_id: str,
    meetings: Iterable[Placement],
    by_id: Mapping[str, Slot],
    *,
    names: Mapping[str, str],
    reasons: Mapping[Pair, str],
    event: EventHeader,
    empty: str = NO_MEETINGS,
) -> None:
    """One participant's agenda from the current position: heading (with the time zone of its times),
    then time, table, who, why (or ``empty`` without meetings)."""
    pdf, text = doc.pdf, doc.text
    mine = sorted(
        (m for m in meetings if participant_id in (m.a, m.b) and m.slot in by_id),
        key=lambda m: (by_id[m.slot].start, m.table),
    )
    doc.line(f"Meeting agenda: {display_name(participant_id, names)}", 16, 9)
    if event.name:
        doc.line(event.name, 11, 6)
    if event.venue:
        doc.line(event.venue, 10, 6)
    note = zone_note(event.timezone, [by_id[m.slot].start for m in mine] or [s.start for s in by_id.values()])
    if note:
        doc.line(note, 10, 6)
    pdf.ln(4)
    pdf.set_font(doc.family, size=10)
    if not mine:
        pdf.multi_cell(0, 6, empty, new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(
        col_widths=(30, 34, 50, 76), text_align="LEFT", line_height=5.5, headings_style=HEADING
    ) as table:
        table.row(["Time", "Table", "Meeting with", "Why"])
        for m in mine:
            other = m.b if m.a == participant_id else m.a
            table.row(
                [
                    _when(by_id[m.slot]),
                    text(table_name(m.table, event.table_labels)),
                    text(display_name(other, names)),
                    text(meeting_reason(m, reasons)),
                ]
            )


def participant_agenda_pdf(
    participant_id: str,
    meetings: Sequence[Placement],
    slots: Sequence[Slot],
    *,
    event_name: str | None = None,
    font: Path | None = None,
    **agenda: Unpack[AgendaText],
) -> bytes:
    """One participant's meetings as an A4 PDF: time, table, who, why, under the event's name, its
    venue and the time zone the slot times are local to (what :class:`AgendaText` lists, as the HTML
    agenda says it); in ``font`` when one is named."""
    names = agenda.get("names") or {}
    reasons = agenda.get("reasons") or {}
    event = EventHeader(
        event_name,
        agenda.get("venue"),
        agenda.get("timezone"),
        agenda.get("table_labels") or {},
    )
    doc = _Document(
        f"Meeting agenda: {display_name(participant_id, names)}",
        content=_texts(meetings, names, reasons, event.table_labels, event.name, event.venue),
        font=font,
    )
    doc.pdf.add_page()
    _agenda_page(
        doc,
        participant_id,
        meetings,
        {s.id: s for s in slots},
        names=names,
        reasons=reasons,
        event=event,
        empty=agenda.get("empty", NO_MEETINGS),
    )
    return doc.output()


@dataclass(frozen=True)
class EventSheet:
    """What the booklet's cover and the table cards say about the event."""

    name: str
    slots: Sequence[Slot]
    tables: int
    venue: str | None = None
    timezone: str | None = None
    table_labels: Mapping[int, str] = field(default_factory=dict)

    @property
    def header(self) -> EventHeader:
        """What the booklet's agenda pages say about the event."""
        return EventHeader(self.name, self.venue, self.timezone, self.table_labels)


def _dates(slots: Sequence[Slot]) -> str:
    if not slots:
        return ""
    first, last = slots[0].start, slots[-1].end
    days = told_date(first) if first.date() == last.date() else f"{told_date(first)} to {told_date(last)}"
    return f"{days}, {first:%H:%M}-{last:%H:%M}"


def _plain(meetings: Iterable[Placement]) -> list[Placement]:
    """Only where and who: whatever else a meeting carries (score, staff reason) cannot be printed."""
    return [Placement(slot=m.slot, table=m.table, a=m.a, b=m.b) for m in meetings]


def event_booklet_pdf(
    event: EventSheet,
    meetings: Sequence[Placement],
    participants: Sequence[str],
    *,
    names: Mapping[str, str] | None = None,
    reasons: Mapping[Pair, str] | None = None,
    font: Path | None = None,
) -> bytes:
    """The whole event as one A4 PDF: a cover, the schedule slot by slot, one agenda page per participant.

    ``reasons`` are the participants' reasons by pair; nothing else about a pair is printed. The text is
    in ``font`` when one is named.
    """
    names = names or {}
    reasons = reasons or {}
    plain = _plain(meetings)
    by_id = {s.id: s for s in event.slots}

    doc = _Document(
        f"Event booklet: {event.name}",
        content=_texts(meetings, names, reasons, event.table_labels, event.venue),
        font=font,
    )
    pdf = doc.pdf
    pdf.add_page()
    pdf.ln(40)
    doc.line(event.name, 24, 12)
    pdf.ln(6)
    if event.venue:
        doc.line(event.venue, 14, 8)
    doc.line(_dates(event.slots), 14, 8)
    # The booklet says it as each participant's agenda does ("Times are in UTC (the event has no time
    # zone)." for an event without one).
    note = zone_note(event.timezone, [s.start for s in event.slots])
    doc.line(note or "Times are as entered: the event has no time zone.", 12, 7)
    pdf.ln(6)
    doc.line(
        f"{counted(len(participants), 'participant')}, {counted(len(plain), 'meeting')},"
        f" {counted(event.tables, 'table')}, {counted(len(event.slots), 'slot')}",
        11,
        6,
    )

    pdf.add_page()
    doc.line("Schedule", 16, 9)
    pdf.ln(2)
    for slot in event.slots:
        held = sorted((m for m in plain if m.slot == slot.id), key=lambda m: m.table)
        doc.line(f"{slot.start:%a %d %b %Y, %H:%M}-{slot.end:%H:%M}", 12, 7)
        pdf.set_font(doc.family, size=10)
        if not held:
            pdf.multi_cell(0, 6, "No meetings.", new_x="LMARGIN", new_y="NEXT")
        else:
            with pdf.table(
                col_widths=(50, 140), text_align="LEFT", line_height=5.5, headings_style=HEADING
            ) as table:
                table.row(["Table", "Meeting"])
                for m in held:
                    table.row(
                        [
                            doc.text(table_name(m.table, event.table_labels)),
                            doc.text(f"{display_name(m.a, names)} and {display_name(m.b, names)}"),
                        ]
                    )
        pdf.ln(3)

    for pid in sorted(participants, key=lambda p: (display_name(p, names).casefold(), p)):
        pdf.add_page()
        _agenda_page(
            doc,
            pid,
            plain,
            by_id,
            names=names,
            reasons=reasons,
            event=event.header,
        )
    return doc.output()


def table_cards_pdf(
    event: EventSheet,
    meetings: Sequence[Placement],
    *,
    names: Mapping[str, str] | None = None,
    font: Path | None = None,
) -> bytes:
    """One landscape A4 page per table: its name and, per slot, who meets there (in ``font`` when one is
    named)."""
    names = names or {}
    plain = _plain(meetings)
    doc = _Document(
        f"Table cards: {event.name}",
        landscape=True,
        content=_texts(meetings, names, None, event.table_labels, event.venue),
        font=font,
    )
    pdf = doc.pdf
    days = len({s.start.date() for s in event.slots}) > 1
    for number in range(1, event.tables + 1):
        pdf.add_page()
        name = table_name(number, event.table_labels)
        doc.line(name, 32, 15)
        if name != f"Table {number}":
            doc.line(f"Table {number}", 16, 9)
        doc.line(event.name, 12, 7)
        pdf.ln(4)
        here = {m.slot: m for m in plain if m.table == number}
        # One card is one page: rows shrink with the number of slots (down to a legible minimum).
        room = pdf.h - pdf.b_margin - pdf.get_y() - 4
        line_height = max(MIN_CARD_LINE, min(MAX_CARD_LINE, room / (len(event.slots) + 1) - 1.2))
        rows = []
        for slot in event.slots:
            m = here.get(slot.id)
            who = [display_name(m.a, names), display_name(m.b, names)] if m else ["-", "-"]
            rows.append([_slot_line(slot, days), doc.text(who[0]), doc.text(who[1])])
        # A cell that wraps doubles its row and pushes the card onto a second page: the text shrinks
        # until every cell holds on one line (down to a legible minimum).
        size = min(16.0, line_height * 1.7)
        widths = CARD_COLUMNS_WITH_DAY if days else CARD_COLUMNS
        while size > MIN_CARD_FONT and not _fits(pdf, doc.family, size, rows, widths):
            size -= 0.5
        pdf.set_font(doc.family, size=size)
        with pdf.table(
            col_widths=widths, text_align="LEFT", line_height=line_height, headings_style=HEADING
        ) as table:
            table.row(["Time", "Participant", "Participant"])
            for row in rows:
                table.row(row)
    if event.tables == 0:
        pdf.add_page()
        doc.line("This event has no tables.", 14, 8)
    return doc.output()


__all__ = [
    "FONT_CANDIDATES",
    "EventHeader",
    "EventSheet",
    "event_booklet_pdf",
    "participant_agenda_pdf",
    "table_cards_pdf",
    "unicode_font",
]
