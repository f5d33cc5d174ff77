"""Exports of a schedule: organisers' CSV, per-participant HTML agenda, per-participant iCalendar.

Calendars stay in step with re-plans because every meeting has a UID derived from the event id and
the pair (never from the slot), and a SEQUENCE that grows whenever the meeting changes. A meeting
that disappears stays in the feed with ``STATUS:CANCELLED``, so calendar clients cancel the entry
instead of keeping a stale duplicate. :func:`calendar_entries` computes those versions from the
previous ones; whoever persists events stores the entries it returns and passes them back next time.

The workbook, template and calendar libraries are imported by the functions that use them, so that
reading events (which needs :class:`CalendarEntry`) loads none of them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from typing import TYPE_CHECKING, Literal, TypedDict, Unpack
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from matchmaker.scheduling.problem import Pair, Placement, Slot, pair_key
from matchmaker.wording import counted

if TYPE_CHECKING:
    from jinja2 import Template

logger = logging.getLogger(__name__)

CSV_COLUMNS = (
    "slot",
    "start",
    "end",
    "table",
    "a",
    "a_name",
    "b",
    "b_name",
    "score",
    "reason",
    "reason_for_participants",
    "place",
    "timezone",
)


def _slot_map(slots: Sequence[Slot]) -> dict[str, Slot]:
    return {s.id: s for s in slots}


#: What an agenda without meetings says, once the schedule is published and before.
NO_MEETINGS = "No meetings are scheduled."
NOT_PUBLISHED = "The meeting schedule is not published yet."


def display_name(pid: str, names: Mapping[str, str]) -> str:
    """The name participants read (the id only when no name is known)."""
    return names.get(pid) or pid


def meeting_reason(m: Placement, reasons: Mapping[Pair, str]) -> str:
    """Why a pair meets: the meeting's own ``reason`` when it has one, else the one of its pair."""
    own: str | None = getattr(m, "reason", None)
    return own or reasons.get(m.pair, "")


def table_name(number: int, labels: Mapping[int, str]) -> str:
    """A table's label, or "Table N" when it has none."""
    return labels.get(number) or f"Table {number}"


def meeting_location(number: int, labels: Mapping[int, str], venue: str | None) -> str:
    """Where a meeting at table ``number`` is, as calendars and messages name it: the table's label
    (or "Table N") and the venue."""
    return ", ".join(x for x in (table_name(number, labels), venue) if x)


def told_date(day: date) -> str:
    """A date as people read it in agendas, messages and pages: ``2 November 2026``, the day of the
    month without a leading zero. The one wording of a date wherever a person reads one."""
    return f"{day.day} {day:%B %Y}"


def in_zone(value: datetime, tz: tzinfo | None) -> datetime:
    """A slot time as the event's people read it: in the event's zone ``tz`` (a naive time is already
    local to it), unchanged when the event has no zone."""
    if tz is None:
        return value
    return value.astimezone(tz) if value.tzinfo is not None else value.replace(tzinfo=tz)


def local_slots(slots: Sequence[Slot], tz: tzinfo | None) -> list[Slot]:
    """``slots`` with their times in the event's zone (see :func:`in_zone`), so that documents print
    the wall-clock times of the venue whatever offset the slots were entered with."""
    return [Slot(id=s.id, start=in_zone(s.start, tz), end=in_zone(s.end, tz)) for s in slots]


def utc_offset(value: datetime) -> str:
    """The UTC offset of a time as people read it: ``UTC+03:00``, or ``UTC`` for none (a time without
    an offset is UTC) or zero."""
    offset = value.strftime("%z") or "+0000"
    return "UTC" if offset == "+0000" else f"UTC{offset[:3]}:{offset[3:]}"


def zone_note(timezone: str | None, starts: Iterable[datetime]) -> str | None:
    """The sentence that says in which time zone a document's times are ("Times are local to
    Europe/Istanbul (UTC+03:00)."; the offset when the times ``starts`` share one).

    An event without a zone has its times in UTC, as its calendar files give them ("Times are in UTC
    (the event has no time zone)."), or at the one offset they were entered with; None when they
    were entered with several.
    """
    if not timezone:
        offsets = {utc_offset(start) for start in starts}
        if offsets <= {"UTC"}:
            return "Times are in UTC (the event has no time zone)."
        if len(offsets) == 1:
            (offset,) = offsets
            return f"Times are at {offset} (the event has no time zone)."
        return None
    offsets = {start.strftime("%z") for start in starts if start.tzinfo is not None}
    if len(offsets) != 1:
        return f"Times are local to {timezone}."
    (offset,) = offsets
    return f"Times are local to {timezone} (UTC{offset[:3]}:{offset[3:]})."


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class PlanColumns(TypedDict, total=False):
    """What the organisers' CSV and workbook fill their columns with besides the meetings and slots.

    ``names`` maps ids to display names; ``public_reasons`` is what participants read in their
    agendas, by pair key. ``place`` is where the table is: its label in ``table_labels`` (a room, an
    online meeting's link) or "Table N". ``timezone`` is the clock of ``start`` and ``end``: the
    event's IANA zone ``timezone``, or for an event without one ``UTC`` (or the offset the slot was
    entered with).
    """

    names: Mapping[str, str] | None
    public_reasons: Mapping[Pair, str] | None
    table_labels: Mapping[int, str] | None
    timezone: str | None


def meetings_csv(
    meetings: Sequence[Placement],
    slots: Sequence[Slot],
    *,
    reasons: Mapping[Pair, str] | None = None,
    **columns: Unpack[PlanColumns],
) -> str:
    """The organisers' CSV: one row per meeting in slot and table order, columns :data:`CSV_COLUMNS`
    filled as :class:`PlanColumns` says; ``reasons`` maps pair keys to why they meet (a meeting's own
    ``reason`` is used when it has one), staff wording included.
    """
    labels = columns.get("table_labels") or {}
    names = columns.get("names") or {}
    reasons = reasons or {}
    public_reasons = columns.get("public_reasons") or {}
    timezone = columns.get("timezone")
    by_id = _slot_map(slots)
    order = {s.id: n for n, s in enumerate(slots)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for m in sorted(meetings, key=lambda m: (order.get(m.slot, len(order)), m.table)):
        slot = by_id[m.slot]
        score = getattr(m, "score", None)
        reason = meeting_reason(m, reasons)
        writer.writerow(
            [
                m.slot,
                slot.start.isoformat(),
                slot.end.isoformat(),
                m.table,
                m.a,
                _cell(names.get(m.a, "")),
                m.b,
                _cell(names.get(m.b, "")),
                "" if score is None else f"{score:.4g}",
                _cell(reason),
                _cell(public_reasons.get(m.pair, "")),
                _cell(table_name(m.table, labels)),
                timezone or utc_offset(slot.start),
            ]
        )
    return out.getvalue()


def meetings_xlsx(
    meetings: Sequence[Placement],
    slots: Sequence[Slot],
    *,
    title: str = "Meetings",
    **columns: Unpack[PlanColumns],
) -> bytes:
    """The organisers' plan as an Excel workbook: the CSV's columns on the first sheet (the last one,
    ``timezone``, names the clock of each row's times), a frozen header row; a second sheet, "About",
    says which time zone the times are in.

    Times are written as spreadsheet date-times (local to the event), not text; free text is stored as
    text, never as a formula.
    """
    import openpyxl  # noqa: PLC0415 - loaded only for a workbook (a slow import)
    import openpyxl.styles  # noqa: PLC0415

    text = meetings_csv(meetings, slots, **columns)
    rows = list(csv.reader(io.StringIO(text)))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title[:31] or "Meetings"
    sheet.append(rows[0])
    for row in rows[1:]:
        cells: list[object] = list(row)
        for k in (1, 2):
            cells[k] = datetime.fromisoformat(row[k]).replace(tzinfo=None)
        cells[3] = int(row[3])
        cells[8] = float(row[8]) if row[8] else None
        sheet.append(cells)
    for cell in sheet[1]:
        cell.font = openpyxl.styles.Font(bold=True)
    widths = (8, 18, 18, 7, 16, 28, 16, 28, 7, 40, 60, 30, 18)
    for col, width in zip("ABCDEFGHIJKLM", widths, strict=True):
        sheet.column_dimensions[col].width = width
    sheet.freeze_panes = "A2"
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    about = book.create_sheet("About")
    note = zone_note(columns.get("timezone"), [s.start for s in slots])
    about.append(["Times", note or "Times are as entered: the event has no time zone."])
    about.column_dimensions["A"].width = 10
    about.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_AGENDA = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; margin: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: .4em .6em; text-align: left; vertical-align: top; }
th { background: #eee; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
<p>{{ who }}{% if event_name %} — {{ event_name }}{% endif %}</p>
{% if venue %}<p>{{ venue }}</p>
{% endif %}{% if zone %}<p>{{ zone }}</p>
{% endif %}{% if rows %}
<table>
<thead><tr><th>Time</th><th>Table</th><th>{{ with_header }}</th><th>Why</th></tr></thead>
<tbody>
{% for r in rows %}<tr><td>{{ r.when }}</td>
<td>{% if r.link %}<a href="{{ r.table }}">Online: {{ r.table }}</a>{% else %}{{ r.table }}{% endif %}</td>
<td>{{ r.other }}</td><td>{{ r.reason }}</td></tr>
{% endfor %}</tbody>
</table>
{% else %}
<p>{{ empty }}</p>
{% endif %}
</main>
</body>
</html>
"""


@cache
def _agenda_template() -> Template:
    """The agenda template, compiled on first use (Jinja is not loaded by commands that never render)."""
    from jinja2 import Environment, select_autoescape  # noqa: PLC0415 - see the docstring

    env = Environment(
        autoescape=select_autoescape(default=True, default_for_string=True), keep_trailing_newline=True
    )
    return env.from_string(_AGENDA)


class AgendaText(TypedDict, total=False):
    """What an agenda says besides its meetings, slots and the event's name, the same in a participant's
    HTML and PDF agenda and in the event's schedule page.

    ``names`` names the participants and ``reasons`` says why each pair meets (as participants read
    it); under the title and the event's name, its ``venue`` and the zone its slot times are local to
    (``timezone``); a table is shown by its label in ``table_labels`` (a room, or an online meeting's
    link) or "Table N"; ``empty`` is what the agenda says without any meeting (:data:`NO_MEETINGS`
    unless given; :data:`NOT_PUBLISHED` before the schedule is published).
    """

    names: Mapping[str, str] | None
    reasons: Mapping[Pair, str] | None
    timezone: str | None
    table_labels: Mapping[int, str] | None
    venue: str | None
    empty: str


class _Heading(TypedDict):
    """What an agenda page says above its meetings: its title, who it is for, the event's name, the
    header of its column of whom each meeting is with, and the page's language."""

    title: str
    who: str
    event_name: str | None
    with_header: str
    lang: str


def _agenda_html(
    meetings: Iterable[Placement],
    slots: Sequence[Slot],
    other: Callable[[Placement], str],
    agenda: AgendaText,
    **heading: Unpack[_Heading],
) -> str:
    """An agenda page of ``meetings`` in time order under ``heading``, saying what ``agenda`` lists;
    ``other`` is whom a meeting is with, as the page names them."""
    reasons = agenda.get("reasons") or {}
    table_labels = agenda.get("table_labels") or {}
    by_id = _slot_map(slots)
    ordered = sorted(meetings, key=lambda m: (by_id[m.slot].start, m.table))
    rows = [
        {
            "when": f"{by_id[m.slot].start:%Y-%m-%d %H:%M}–{by_id[m.slot].end:%H:%M}",
            "table": table_name(m.table, table_labels),
            "link": is_link(table_name(m.table, table_labels)),
            "other": other(m),
            "reason": meeting_reason(m, reasons),
        }
        for m in ordered
    ]
    return _agenda_template().render(
        **heading,
        zone=zone_note(
            agenda.get("timezone"), [by_id[m.slot].start for m in ordered] or [s.start for s in slots]
        ),
        venue=agenda.get("venue"),
        rows=rows,
        empty=agenda.get("empty", NO_MEETINGS),
    )


def participant_agenda_html(
    participant_id: str,
    meetings: Sequence[Placement],
    slots: Sequence[Slot],
    *,
    event_name: str | None = None,
    lang: str = "en",
    **agenda: Unpack[AgendaText],
) -> str:
    """A printable HTML agenda of one participant's meetings (escaped, UTF-8), saying what
    :class:`AgendaText` lists."""
    names = agenda.get("names") or {}
    who = display_name(participant_id, names)
    return _agenda_html(
        [m for m in meetings if participant_id in (m.a, m.b)],
        slots,
        lambda m: display_name(m.b if m.a == participant_id else m.a, names),
        agenda,
        title=f"Meeting agenda: {who}",
        who=who,
        event_name=event_name,
        with_header="Meeting with",
        lang=lang,
    )


def event_schedule_html(
    meetings: Sequence[Placement],
    slots: Sequence[Slot],
    *,
    event_name: str,
    **agenda: Unpack[AgendaText],
) -> str:
    """A printable HTML page of every meeting of an event in time order, both parties named (the
    organisers' counterpart of :func:`participant_agenda_html`, saying what :class:`AgendaText` lists,
    with the same reasons participants read)."""
    names = agenda.get("names") or {}
    return _agenda_html(
        meetings,
        slots,
        lambda m: f"{display_name(m.a, names)} – {display_name(m.b, names)}",
        agenda,
        title=f"Meeting schedule: {event_name}",
        who=counted(len(meetings), "meeting"),
        event_name=event_name,
        with_header="Meeting",
        lang="en",
    )


Status = Literal["CONFIRMED", "CANCELLED"]


class CalendarEntry(BaseModel):
    """One meeting's calendar version: stable UID, SEQUENCE, status, and where and when it is."""

    uid: str
    sequence: int = 0
    status: Status = "CONFIRMED"
    a: str
    b: str
    slot: str
    table: int
    start: datetime
    end: datetime
    #: Where the meeting is (see :func:`meeting_location`); None when not known.
    location: str | None = None
    #: The name its table was published with (see :func:`table_name`); None when not known.
    table_name: str | None = None
    #: The event's name and both parties' names it was published with; None when not known (the
    #: names given to :func:`participant_calendar` are shown then).
    event_name: str | None = None
    a_name: str | None = None
    b_name: str | None = None
    #: Why the pair meets, as participants read it (None: no reason is given).
    reason: str | None = None

    def name_of(self, pid: str) -> str | None:
        """The name ``pid`` (one of the pair) was published with, if known."""
        return self.a_name if pid == self.a else self.b_name if pid == self.b else None

    def shown_to(self, pid: str) -> tuple[str | None, ...]:
        """What ``pid``'s calendar shows of this entry besides its place and time: the event's name,
        the other party's name and the reason (one who is shown something else must see a higher
        SEQUENCE)."""
        other = self.b if pid == self.a else self.a
        return (self.event_name, other, self.name_of(other), self.reason or None)


def meeting_uid(event_id: str, a: str, b: str) -> str:
    """The stable calendar UID of the meeting between ``a`` and ``b`` at an event."""
    x, y = pair_key(a, b)
    digest = hashlib.sha256(f"{event_id}\x1f{x}\x1f{y}".encode()).hexdigest()[:32]
    return f"{digest}@matchmaker"


def calendar_entries(
    event_id: str,
    meetings: Sequence[Placement],
    slots: Sequence[Slot],
    *,
    previous: Sequence[CalendarEntry] = (),
    tz: tzinfo | None = None,
    table_labels: Mapping[int, str] | None = None,
    venue: str | None = None,
    event_name: str | None = None,
    names: Mapping[str, str] | None = None,
    reasons: Mapping[Pair, str] | None = None,
) -> list[CalendarEntry]:
    """Calendar versions of a (re-)published schedule.

    A meeting unchanged since ``previous`` keeps its SEQUENCE; a moved one (other slot, time, table,
    or place: the table's label or the venue), one whose text changed (the ``event_name``, either
    party's name in ``names``, its reason in ``reasons``) or a re-instated one gets SEQUENCE + 1; a
    previous meeting no longer scheduled becomes CANCELLED with SEQUENCE + 1 (once), with the text
    it was published with. Naive slot times are read in ``tz`` when it is given.
    """
    labels = table_labels or {}
    reasons = reasons or {}
    by_id = _slot_map(slots)
    before = {e.uid: e for e in previous}
    out: list[CalendarEntry] = []
    seen: set[str] = set()
    for m in meetings:
        uid = meeting_uid(event_id, m.a, m.b)
        seen.add(uid)
        slot = by_id[m.slot]
        entry = CalendarEntry(
            uid=uid,
            a=m.a,
            b=m.b,
            slot=m.slot,
            table=m.table,
            start=_aware(slot.start, tz),
            end=_aware(slot.end, tz),
            location=meeting_location(m.table, labels, venue),
            event_name=event_name,
            a_name=None if names is None else display_name(m.a, names),
            b_name=None if names is None else display_name(m.b, names),
            reason=reasons.get(m.pair) or None,
        )
        old = before.get(uid)
        if old is not None:
            same = (
                (old.status, old.slot, old.table, old.start, old.end)
                == ("CONFIRMED", entry.slot, entry.table, entry.start, entry.end)
                and old.location in (None, entry.location)
                and all(old.shown_to(pid) == entry.shown_to(pid) for pid in (m.a, m.b))
            )
            entry.sequence = old.sequence if same else old.sequence + 1
        out.append(entry)
    for uid, old in before.items():
        if uid in seen:
            continue
        if old.status == "CANCELLED":
            out.append(old)
        else:
            out.append(old.model_copy(update={"status": "CANCELLED", "sequence": old.sequence + 1}))
    return out


def _aware(value: datetime, tz: tzinfo | None) -> datetime:
    if value.tzinfo is None and tz is not None:
        return value.replace(tzinfo=tz)
    return value


def _calendar_time(value: datetime, tz: tzinfo | None) -> datetime:
    """A meeting time as calendars read it unambiguously: in the event's IANA zone (with its
    VTIMEZONE), else in UTC; a naive time of an event without a zone is UTC (never floating, which
    every reader would place in their own zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz or UTC)
    if isinstance(tz, ZoneInfo):
        return value.astimezone(tz)
    return value.astimezone(UTC)


def is_link(value: str) -> bool:
    """Whether a table's name is the address of an online meeting."""
    return value.startswith(("https://", "http://"))


def participant_calendar(
    participant_id: str | None,
    entries: Sequence[CalendarEntry],
    *,
    names: Mapping[str, str] | None = None,
    event_name: str | None = None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    table_labels: Mapping[int, str] | None = None,
    venue: str | None = None,
) -> bytes:
    """The iCalendar feed (RFC 5545) of one participant's meetings, cancelled ones included; with
    ``participant_id`` None, the organisers' file of every meeting of the event, SUMMARY naming both.

    Times are written in the event's IANA zone ``tz`` with a VTIMEZONE for it (built by the icalendar
    library), or in UTC when the event has only a fixed offset, so every client reads the same instant.
    SUMMARY names the other party; DESCRIPTION the event, the other party, the participant-facing
    reason of the meeting and its table; LOCATION is the table's label (or "Table N") and the venue; a
    table labelled with a link is also the entry's URL. An entry gives the place and the names it was
    published with (its ``location``, ``table_name``, ``event_name`` and names of the pair), so that
    what it shows changes only with a higher SEQUENCE; ``table_labels``, ``venue``, ``event_name`` and
    ``names`` stand for what an entry does not know.
    """
    names = names or {}
    title = event_name or "Matchmaking meetings"

    def view(e: CalendarEntry) -> tuple[str, str] | None:
        if participant_id is None:
            pair = (
                f"{e.name_of(e.a) or display_name(e.a, names)} – {e.name_of(e.b) or display_name(e.b, names)}"
            )
            return f"Meeting: {pair}", f"meeting {pair}"
        if participant_id not in (e.a, e.b):
            return None
        other = e.b if e.a == participant_id else e.a
        who = e.name_of(other) or display_name(other, names)
        return f"Meeting with {who}", f"meeting with {who}"

    calname = title if participant_id is None else f"{title}: {names.get(participant_id, participant_id)}"
    return _calendar(
        entries, view, name=calname, title=title, now=now, tz=tz, table_labels=table_labels, venue=venue
    )


def _calendar(
    entries: Sequence[CalendarEntry],
    view: Callable[[CalendarEntry], tuple[str, str] | None],
    *,
    name: str,
    title: str,
    now: datetime | None,
    tz: tzinfo | None,
    table_labels: Mapping[int, str] | None,
    venue: str | None,
) -> bytes:
    """An iCalendar file named ``name`` of the ``entries`` that ``view`` shows (it gives an entry's
    SUMMARY and what its DESCRIPTION says the meeting is, or None to leave it out)."""
    import icalendar  # noqa: PLC0415 - loaded only for a calendar (a slow import)

    table_labels = table_labels or {}
    stamp = now or datetime.now(UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//matchmaker//meeting schedule//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    if isinstance(tz, ZoneInfo):
        cal.add("x-wr-timezone", tz.key)
    # In time order as instants (entries published before and after the event's slots were given
    # offsets hold times with and without one).
    for e in sorted(entries, key=lambda e: (_calendar_time(e.start, tz), e.uid)):
        shown = view(e)
        if shown is None:
            continue
        summary, what = shown
        table = e.table_name or table_name(e.table, table_labels)
        event = icalendar.Event()
        event.add("uid", e.uid)
        event.add("sequence", e.sequence)
        event.add("dtstamp", stamp)
        event.add("dtstart", _calendar_time(e.start, tz))
        event.add("dtend", _calendar_time(e.end, tz))
        event.add("summary", summary)
        event.add("location", e.location or meeting_location(e.table, table_labels, venue))
        if is_link(table):
            event.add("url", table)
        lines = [f"{e.event_name or title}: {what}{'' if what.endswith('.') else '.'}"]
        if e.reason:
            lines.append(f"Why: {e.reason}")
        lines.append(table if not is_link(table) else f"Online: {table}")
        event.add("description", "\n".join(lines))
        event.add("status", e.status)
        cal.add_component(event)
    # The zone's changes are worked out from 1970 to the start of the year after the last meeting's
    # (the library's default stops at 2038): a calendar app that reads the offset from the VTIMEZONE
    # alone then places a summer meeting of a later year at its hour too.
    last_year = max((e.end.year for e in entries), default=0)
    cal.add_missing_timezones(last_date=date(max(2038, last_year + 2), 1, 1))
    if not cal.walk("VEVENT"):
        # A calendar holds at least one component (RFC 5545); one without meetings yet holds its zone
        # (UTC, in which its meetings will be given, for an event without an IANA zone), so that
        # calendar apps subscribe to it or import it instead of refusing an empty file.
        held = tz if isinstance(tz, ZoneInfo) else ZoneInfo("Etc/UTC")
        cal.add_component(icalendar.Timezone.from_tzinfo(held))
    for zone in cal.timezones:
        # The library notes the years it worked the zone's changes out for (1970 to past the last
        # meeting): a remark about the library, not about the participant's meetings.
        zone.pop("COMMENT", None)
    return bytes(cal.to_ical())
