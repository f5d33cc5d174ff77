"""Event planning pages for staff, on top of :mod:`matchmaker.services.events`.

- ``/events``: the events, and a form for a new one (a day of equal slots and a number of tables);
- ``/events/{id}``: participants, picked from the matcher's suggestions for the event's cities;
- ``/events/{id}/requests``: meeting requests (staff may answer them) and must-meet / blocked pairs;
- ``/events/{id}/edit``: name, venue, time zone, deadline, days of slots with breaks, tables and
  their names (rooms or online links), at any time; new slots or tables re-plan;
- ``/events/{id}/schedule``: generate or re-plan, the slots × tables grid, lock and move meetings and
  publish are in :mod:`.event_schedule`; the downloads it links to (organisers' CSV, per-participant
  agendas and calendar files) are here.

Every change is a plain form post answered with a redirect (post-redirect-get; after generate, re-plan
and publish the schedule tab shows the stored report), so the pages work without scripts, a reload
never plans or publishes again, and the back button behaves. Handlers get the
event sub-features in the request's unit of work (``events``), the planner (``planner``), the records
(``records``) and the matcher (``matching``) as dependencies; a refused change is rolled back before
the page is shown again with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, ParamSpec, Protocol, TypeVar
from zoneinfo import ZoneInfo

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.response import Redirect
from pydantic import ValidationError

from matchmaker.errors import InfeasibleScheduleError, InvalidInputError, MatchmakerError
from matchmaker.scheduling.problem import Slot
from matchmaker.services.events import EventServices, Planner
from matchmaker.services.events.rules import lock_state, on_event_clock
from matchmaker.services.events.rules import zone as stored_zone
from matchmaker.services.events.schemas import (
    MAX_GAP_MINUTES,
    MAX_SLOT_MINUTES,
    MAX_SLOTS,
    MAX_TABLE_LABEL,
    MAX_TABLES,
    MAX_TEXT,
    MIN_SLOT_MINUTES,
    RATING_LABELS,
    Answer,
    BreakIn,
    DaysIn,
    EventCreate,
    EventEdit,
    EventSummary,
    PairRulePublic,
    ParticipantIn,
    ParticipantPublic,
    RequestCreate,
    RequestPublic,
    SlotIn,
    WithdrawnMeeting,
    check_year,
    even_grid,
)
from matchmaker.services.matching import MatchingService, Suggested
from matchmaker.services.records import RecordService
from matchmaker.web.console.render import ConsolePage, page
from matchmaker.web.console.session import (
    STAFF,
    PathId,
    as_typed,
    digits_value,
    form_on,
    given_once,
    principal_of,
    refusal_flash,
    typed_values,
    whole_number,
    within_limit,
)
from matchmaker.web.errors import describe_validation, status_for
from matchmaker.web.media import CSV, HTML, ICALENDAR
from matchmaker.web.routes.common import Source

logger = logging.getLogger(__name__)

SUGGESTIONS_PER_CITY = 10
#: The console asks the solver for a quick answer; staff can re-plan as often as they like.
GENERATE_TIME_LIMIT = 10.0

T = TypeVar("T")
P = ParamSpec("P")
AnyRequest = Request[Any, Any, Any]
Events = NamedDependency[EventServices]
Plans = NamedDependency[Planner]
Records = NamedDependency[RecordService]
Matching = NamedDependency[MatchingService]
Flash = dict[str, str]

#: How staff re-plan in the console so that published meetings may move (the schedule tab's choice).
_REPLAN_PUBLISHED = "choosing that published meetings may move"

_MESSAGES = {
    "created": "The event was created. Add participants next.",
    "added": "Participants added.",
    "removed": (
        "Participant removed, with its meetings in the plan that have not taken place (those that"
        " have stay). Publish to cancel them in the other"
        " participants' agendas (re-plan first to fill the free places)."
    ),
    "answered": "Request answered.",
    "requested": "Request recorded.",
    "rule": "Pair rule saved.",
    "locked": "Meeting locked: re-planning keeps it where it is.",
    "unlocked": f"Meeting {lock_state(locked=False, published=False, replan_published=_REPLAN_PUBLISHED)}.",
    "unlocked-published": (
        f"Meeting {lock_state(locked=False, published=True, replan_published=_REPLAN_PUBLISHED)}."
    ),
    "moved": "Meeting moved and locked.",
    "edited": "The event was saved.",
    "edited-publish": (
        "The event was saved. Participants see the published schedule until you publish again,"
        " which tells them what changed."
    ),
    "edited-replanned": "The event was saved and re-planned: see what changed below, then publish.",
    "generated": "The schedule was planned: see what changed below.",
    "published": "The schedule was published: agendas and calendars are up to date.",
    "unchanged": "Nothing was published: nothing has changed since the last publication.",
}


async def run(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking service call in a worker thread."""
    return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs))


def flash_for(request: AnyRequest, messages: Mapping[str, str] = _MESSAGES) -> Flash | None:
    """The flash message named by ``?msg=`` (fixed texts only)."""
    key = request.query_params.get("msg") or ""
    return {"kind": "ok", "text": messages[key]} if key in messages else None


def error_flash(exc: MatchmakerError | ValidationError, labels: Mapping[str, str] | None = None) -> Flash:
    """A flash message for a refused change, naming the fields it refuses, by their ``labels`` on the
    form when the error names one by key (:func:`~matchmaker.web.console.session.refusal_flash`)."""
    if isinstance(exc, ValidationError):
        # the field in words, as the form labels it (slot minutes, not slot_minutes)
        text = "; ".join(f"{e['key'].replace('_', ' ')}: {e['message']}" for e in describe_validation(exc))
        return refusal_flash(exc, text)
    text = exc.message
    if isinstance(exc, InfeasibleScheduleError) and exc.reasons:
        text += " " + " ".join(str(r) for r in exc.reasons)
    return refusal_flash(exc, text, labels)


def error_status(exc: MatchmakerError | ValidationError) -> int:
    """The status of a page shown again after a refused change."""
    return 422 if isinstance(exc, ValidationError) else status_for(exc)


def form_field(form: FormMultiDict, key: str, limit: int = 300, what: str | None = None) -> str:
    """A form value as typed (:func:`~matchmaker.web.console.session.as_typed`: line breaks as LF,
    stripped; "" when missing). A value longer than ``limit`` characters is refused naming the field
    (``what``, as the form labels it, else ``key`` in words), its limit and its length
    (:func:`~matchmaker.web.console.session.within_limit`): cutting it would store another text than
    the one typed. A field the form sends more than once is refused naming it: reading one of its
    values would drop the others without a word."""
    label = what or key.replace("_", " ").capitalize()
    value = given_once(form, key, label)
    return within_limit(as_typed(value), limit, label) if isinstance(value, str) else ""


def form_number(form: FormMultiDict, key: str, what: str | None = None) -> str:
    """A number field as typed, whole, for :func:`~matchmaker.web.console.session.whole_number`, which
    refuses a text too long for a number as such ("" when missing; a field sent twice is refused,
    naming it as the form labels it, ``what``)."""
    value = given_once(form, key, what)
    return as_typed(value) if isinstance(value, str) else ""


class PageShow(Protocol):
    """Shows a page again, with a flash message and a status."""

    def __call__(self, *, flash: Flash | None = None, status: int = 200) -> Awaitable[Response[Any]]: ...


def _form_deadline(form: FormMultiDict, zone: str) -> datetime | None:
    """The form's request deadline; a time without an offset is read in ``zone``.

    A missing deadline is ``None``; so is one in an unknown zone, which the event's own validation
    then reports.
    """
    raw = form_field(form, "request_deadline", 20, "Request deadline")
    if not raw:
        return None
    try:
        deadline = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInputError(
            "the request deadline is not a date and time", field="request_deadline"
        ) from exc
    if deadline.tzinfo is None:
        try:
            return deadline.replace(tzinfo=ZoneInfo(zone))
        except (KeyError, ValueError):
            return None
    return deadline


async def apply_change(
    events: EventServices,
    change: Callable[[], T],
    *,
    done: str | Callable[[T], str],
    refused: PageShow,
    labels: Mapping[str, str] | None = None,
) -> Response[Any]:
    """Make a change (in a worker thread) and redirect to ``done`` (or the address it gives for the
    change's result); when it is refused, roll back and show the page again with the reason (naming
    a field the error names by its ``labels`` on the form)."""
    try:
        result = await anyio.to_thread.run_sync(change)
    except (MatchmakerError, ValidationError) as exc:
        await anyio.to_thread.run_sync(events.rollback)
        return await refused(flash=error_flash(exc, labels), status=error_status(exc))
    return Redirect(done if isinstance(done, str) else done(result), status_code=303)


# --------------------------------------------------------------------------------------------------
# List and create


_EVENTS = ConsolePage("console/events.html", "Events", "/events")


async def _events_page(
    request: AnyRequest,
    events: EventServices,
    *,
    form: Mapping[str, str],
    flash: Flash | None,
    status: int = 200,
) -> Response[Any]:
    items = await run(events.catalog.events)
    return _EVENTS.response(request, status=status, events=items, form=form, flash=flash)


@get("/events", name="console:events", opt=STAFF)
async def events_list(request: AnyRequest, events: Events) -> Response[Any]:
    """Every event, newest first, with the form for a new one."""
    return await _events_page(request, events, form={}, flash=flash_for(request))


#: Where the new-event form's slots may start when its date or start time cannot be read, so that the
#: event's other fields are still checked and every mistake is reported at once.
_STAND_IN_SLOT = SlotIn(id="s1", start=datetime(2000, 1, 1, 9), end=datetime(2000, 1, 1, 10))  # noqa: DTZ001
#: What stands for a text the form refused (too long), for the same reason.
_STAND_IN_TEXT = "refused"


def event_from_form(form: FormMultiDict) -> EventCreate:
    """An :class:`EventCreate` from the new-event form: a day of equal slots and a table count.

    Every field that cannot be read is named at once, with those the event's own rules refuse.
    """
    problems: list[str] = []

    def read(parse: Callable[[], T], fallback: T, unreadable: str = "") -> T:
        try:
            return parse()
        except InvalidInputError as exc:
            problems.append(exc.message)
        except ValueError:
            problems.append(unreadable)
        return fallback

    def count(key: str, label: str, low: int, high: int, default: int) -> int:
        value = whole_number(form_number(form, key), label)
        if value is not None and not low <= value <= high:
            raise InvalidInputError(f"{label}: {value} is not from {low} to {high}")
        return default if value is None else value

    day = read(
        lambda: date.fromisoformat(form_field(form, "date", 10, "Date")), None, "date: give it as YYYY-MM-DD"
    )
    if day is not None:
        try:
            check_year(day)
        except ValueError as exc:
            problems.append(f"the date {exc}")
            day = None
    first = read(
        lambda: time.fromisoformat(form_field(form, "start", 8, "First slot starts")),
        None,
        "first slot starts: give it as HH:MM",
    )
    minutes = read(lambda: count("slot_minutes", "slot length", MIN_SLOT_MINUTES, MAX_SLOT_MINUTES, 20), 20)
    pause = read(lambda: count("break_minutes", "break between slots", 0, MAX_GAP_MINUTES, 0), 0)
    slot_count = read(lambda: count("slot_count", "number of slots", 1, MAX_SLOTS, 0), 0)
    tables = read(lambda: whole_number(form_number(form, "tables"), "tables") or 0, 1)
    zone = read(lambda: form_field(form, "timezone", 64, "Time zone"), "") or None
    # A text refused as too long is named with the rest; a stand-in lets the event's rules check the others.
    event_id = read(lambda: form_field(form, "id", 128, "Id"), _STAND_IN_TEXT)
    name = read(lambda: form_field(form, "name", 300, "Name"), _STAND_IN_TEXT)
    venue = read(lambda: form_field(form, "venue", 300, "Venue"), "") or None
    deadline = read(lambda: _form_deadline(form, zone or "UTC"), None)
    slots = []
    if day is not None and first is not None:
        start = datetime.combine(day, first)
        for n in range(slot_count):
            begin = start + n * timedelta(minutes=minutes + pause)
            slots.append(SlotIn(id=f"s{n + 1}", start=begin, end=begin + timedelta(minutes=minutes)))
    try:
        event = EventCreate(
            id=event_id,
            name=name,
            venue=venue,
            timezone=zone,
            slots=slots if slots or not problems else [_STAND_IN_SLOT],
            tables=tables,
            request_deadline=deadline,
        )
    except ValidationError as exc:
        if not problems:
            raise
        problems.extend(f"{e['key'].replace('_', ' ')}: {e['message']}" for e in describe_validation(exc))
    if problems:
        raise InvalidInputError("; ".join(problems))
    return event


@post("/events", name="console:events-create", opt=STAFF)
async def events_create(request: AnyRequest, events: Events) -> Response[Any]:
    """Create an event from the form; on a mistake show the form again with the reason."""
    form = await request.form()
    try:
        data = event_from_form(form)
        created = await run(events.catalog.create, data)
    except (MatchmakerError, ValidationError) as exc:
        await run(events.rollback)
        return await _events_page(
            request, events, form=typed_values(form), flash=error_flash(exc), status=error_status(exc)
        )
    return Redirect(f"/events/{created.id}?msg=created", status_code=303)


# --------------------------------------------------------------------------------------------------
# Edit an event at any time


@dataclass
class EditView:
    """What the edit tab shows: the event, the form's values, and whether its slots are an even grid
    (when not, the grid fields are empty and replace the slots only when staff tick the box)."""

    event: EventSummary
    form: dict[str, str]
    even: bool = True

    @property
    def replace_label(self) -> str:
        """The box that lets the grid replace slots that are no even grid."""
        return replace_label(len(self.event.slots))


def edit_form_values(event: EventSummary) -> dict[str, str]:
    """The edit form of ``event``: its fields, and its slots as days of equal slots with breaks; empty
    grid fields when the slots are no such grid (:func:`even_grid`), never a grid that is not theirs."""
    grid = even_grid(event.slots)
    shown = dict.fromkeys(GRID_FIELDS, "")
    if grid is not None:
        shown = {
            "days": " ".join(d.isoformat() for d in grid.days),
            "start": f"{grid.start:%H:%M}",
            "per_day": str(grid.per_day),
            "slot_minutes": str(grid.minutes),
            "gap_minutes": str(grid.gap),
            "breaks": ", ".join(f"{b.start:%H:%M}-{b.end:%H:%M}" for b in grid.breaks),
        }
    deadline = ""
    if event.request_deadline is not None:
        # On the event's clock, which the form reads a time without an offset in; a stored zone this
        # system does not know gives the time in UTC, marked Z, so that saving it keeps the instant.
        unknown = bool(event.timezone) and stored_zone(event.timezone) is None
        local = on_event_clock(event.request_deadline, event.timezone)
        deadline = f"{local:%Y-%m-%dT%H:%M}{'Z' if unknown else ''}"
    values = {
        "name": event.name,
        "venue": event.venue or "",
        "timezone": event.timezone or "",
        "request_deadline": deadline,
        "tables": str(event.tables),
        "table_labels": "\n".join(event.table_labels.get(n, "") for n in range(1, event.tables + 1)).rstrip(),
        **shown,
    }
    values["grid_before"] = "|".join(shown[k] for k in GRID_FIELDS)
    return values


GRID_FIELDS = ("days", "start", "per_day", "slot_minutes", "gap_minutes", "breaks")
#: The most text the edit form's table names box takes, one name a line.
TABLE_NAMES_MAX = 50_000
#: The grid fields as the edit form labels them.
_GRID_LABELS = {
    "days": "Days",
    "start": "First slot of each day starts",
    "per_day": "Slots per day",
    "slot_minutes": "Slot length",
    "gap_minutes": "Minutes between slots",
    "breaks": "Breaks",
}


def edit_from_form(
    form: FormMultiDict,
    *,
    timezone: str | None,
    table_labels: Mapping[int, str] | None = None,
    slots: Sequence[Slot] | None = None,
) -> EventEdit:
    """An :class:`EventEdit` from the edit form. The slots change only when the grid fields changed;
    when the event's current ``slots`` are no even grid, only when the replace box is ticked too (a
    grid typed without it is refused, never applied or dropped).

    ``table_labels`` are the event's current table names, which the form shows one a line: a line
    past the new number of tables may hold its table's current name (the table goes, and its name
    with it), but a name typed there is refused, never dropped.
    """
    grid = {k: form_field(form, k, 400, _GRID_LABELS[k]) for k in GRID_FIELDS}
    days: DaysIn | None = None
    changed = "|".join(grid[k] for k in GRID_FIELDS) != form_field(form, "grid_before", 2000)
    uneven = slots is not None and even_grid(slots) is None
    replace = uneven and form_field(form, "replace_slots", 8) != ""
    if uneven and changed and not replace:
        n = len(slots or ())
        raise InvalidInputError(
            f"slots: the event's {n} slots are not an even grid, so a grid replaces every one of them:"
            f" tick “{replace_label(n)}”, or empty the grid fields to keep the slots"
        )
    if changed or replace:
        reading = "days"  # the field being read, which the refusal marks when it cannot be
        try:
            dates = [date.fromisoformat(d) for d in grid["days"].replace(",", " ").split()]
            reading = "breaks"
            breaks = [
                BreakIn(start=time.fromisoformat(a.strip()), end=time.fromisoformat(b.strip()))
                for a, b in (x.split("-", 1) for x in grid["breaks"].split(",") if x.strip())
            ]
            reading = "start"
            start = time.fromisoformat(grid["start"])
            reading = "per_day"
            per_day = int(grid["per_day"])
            reading = "slot_minutes"
            minutes = int(grid["slot_minutes"] or 20)
            reading = "gap_minutes"
            gap = int(grid["gap_minutes"] or 0)
            reading = ""
            days = DaysIn(days=dates, start=start, per_day=per_day, minutes=minutes, gap=gap, breaks=breaks)
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                raise
            raise InvalidInputError(
                "check the days (YYYY-MM-DD, separated by spaces), the start (HH:MM), the numbers,"
                " and the breaks (HH:MM-HH:MM, separated by commas)",
                field=reading or None,
            ) from exc
    tables = whole_number(form_number(form, "tables"), "Tables")
    if tables is None:
        raise InvalidInputError("the number of tables is a whole number")
    raw_labels = form.get("table_labels")
    box = within_limit(raw_labels, TABLE_NAMES_MAX, "Table names") if isinstance(raw_labels, str) else ""
    labels = [line.strip() for line in box.splitlines()]
    for line, label in enumerate(labels, start=1):
        within_limit(label, MAX_TABLE_LABEL, f"Table names, line {line}")
    _check_removed_labels(labels, tables, table_labels or {})
    # The form shows every current name: what it sends back is the names, an empty one "Table N".
    # Past MAX_TABLES the count itself is refused (by EventEdit), so no list of that size is made.
    named = None
    if isinstance(raw_labels, str) and tables <= MAX_TABLES:
        named = (labels + [""] * tables)[:tables]
    # An emptied field clears the zone (as an emptied venue clears the venue); a form without it keeps it.
    zone = form_field(form, "timezone", 64, "Time zone") if "timezone" in form else None
    deadline = _form_deadline(form, (zone if zone is not None else timezone) or "UTC")
    return EventEdit(
        name=form_field(form, "name", 300) or None,
        venue=form_field(form, "venue", 300),
        timezone=zone,
        request_deadline=deadline,
        clear_deadline=deadline is None,
        days=days,
        tables=tables,
        table_labels=named,
    )


def replace_label(slots: int) -> str:
    """The edit form's box that lets a grid replace slots that are no even grid."""
    return f"Replace all {slots} slot{'' if slots == 1 else 's'} with this grid"


def _check_removed_labels(labels: list[str], tables: int, current: Mapping[int, str]) -> None:
    """:class:`InvalidInputError` naming the table-name lines past ``tables`` that hold a name other
    than the current name of that table (typed for a table that will not exist)."""
    typed = [
        n for n, label in enumerate(labels, start=1) if n > tables and label and label != current.get(n, "")
    ]
    if typed:
        if len(typed) == 1:
            where = f"line {typed[0]} names a table"
        else:
            where = f"lines {', '.join(map(str, typed))} name tables"
        count = f"{tables} table" + ("" if tables == 1 else "s")
        raise InvalidInputError(
            f"table names: {where} past the {count} the event will have; raise the number of tables"
            " or remove what is typed there"
        )


def _edit_page(
    request: AnyRequest, events: EventServices, event_id: str, form: dict[str, str] | None = None
) -> PageShow:
    async def show(*, flash: Flash | None = None, status: int = 200) -> Response[Any]:
        event = await run(events.catalog.get, event_id)
        values = edit_form_values(event)
        if form:
            values.update(form)
        view = EditView(event, values, even=even_grid(event.slots) is not None)
        return _event_tab(request, "edit", view, flash=flash, status=status)

    return show


@get("/events/{event_id:str}/edit", name="console:event-edit", opt=STAFF)
async def event_edit(request: AnyRequest, events: Events, event_id: PathId) -> Response[Any]:
    """The event's settings: name, venue, time zone, deadline, days of slots with breaks, tables."""
    return await _edit_page(request, events, event_id)()


@post("/events/{event_id:str}/edit", name="console:event-edit-save", opt=STAFF)
async def event_edit_save(
    request: AnyRequest, events: Events, planner: Plans, event_id: PathId
) -> Response[Any]:
    """Save the settings; new slots or tables re-plan, and the schedule tab shows what moved."""
    form = await request.form()
    try:
        event = await run(events.catalog.get, event_id)
        data = edit_from_form(
            form, timezone=event.timezone, table_labels=event.table_labels, slots=event.slots
        )
        await run(events.rollback)  # the planner writes in its own units of work
        report = await run(planner.edit, event_id, data, time_limit=GENERATE_TIME_LIMIT)
    except (MatchmakerError, ValidationError) as exc:
        await run(events.rollback)
        return await _edit_page(request, events, event_id, typed_values(form))(
            flash=error_flash(exc), status=error_status(exc)
        )
    msg = "edited-replanned" if report.replanned is not None else "edited"
    if report.to_publish and report.replanned is None:
        msg = "edited-publish"
    return Redirect(f"/events/{event_id}/schedule?msg={msg}", status_code=303)


# --------------------------------------------------------------------------------------------------
# Participants, picked from suggestions


@dataclass
class Candidate:
    """A city or provider that could join the event, and why it is suggested."""

    id: str
    name: str
    side: str
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


@dataclass
class ParticipantsView:
    """What the participants page shows."""

    event: EventSummary
    participants: list[ParticipantPublic]
    suggested_providers: list[Candidate]
    suggested_cities: list[Candidate]
    all_cities: list[Candidate]
    all_providers: list[Candidate]
    problem: str = ""
    #: Published meetings in slots a participant has withdrawn from since.
    withdrawn: list[WithdrawnMeeting] = field(default_factory=list)
    #: After a refused add: the ids that were ticked and the maximum as typed, shown again.
    ticked: frozenset[str] = frozenset()
    typed_max: str = ""


def _suggest(
    matching: MatchingService, city_ids: list[str], present: set[str], names: dict[str, str]
) -> tuple[list[Candidate], list[Candidate], str]:
    providers: dict[str, Candidate] = {}
    cities: dict[str, Candidate] = {}

    def suggest(found: dict[str, Candidate], side: str, r: Suggested, reason: str) -> None:
        """Count ``r`` among the candidates ``found`` on its ``side``: its best score, and every reason."""
        if r.id in present:
            return
        c = found.setdefault(r.id, Candidate(r.id, names.get(r.id, r.id), side))
        c.score = max(c.score, float(r.score))
        c.reasons.append(reason)

    try:
        # Every city's candidates at once, without the explanations this page does not show: one
        # query per city would read each city's ratings and explain results that are left out.
        matcher = matching.matcher()
        for_providers = matcher.ranked_for_cities(city_ids, "provider", top=SUGGESTIONS_PER_CITY)
        for_cities = matcher.ranked_for_cities(city_ids, "city", top=SUGGESTIONS_PER_CITY // 2)
        for city in city_ids:
            city_name = names.get(city, city)
            for r in for_providers[city]:
                suggest(providers, "provider", r, f"{city_name} ({round(float(r.score) * 100)}%)")
            for r in for_cities[city]:
                suggest(cities, "city", r, f"{r.relation or 'comparable'} to {city_name}")
    except MatchmakerError as exc:
        return [], [], exc.message

    def order(items: dict[str, Candidate]) -> list[Candidate]:
        return sorted(items.values(), key=lambda c: (-c.score, c.name))

    return order(providers), order(cities), ""


def load_participants(
    events: EventServices, records: RecordService, matching: MatchingService, event_id: str
) -> ParticipantsView:
    """The event, its participants, and suggested and other candidates."""
    event = events.catalog.get(event_id)
    participants = events.catalog.participants(event_id)
    present = {p.id for p in participants}
    city_names = {r.id: r.name for r in records.list("city")}  # type: ignore[union-attr]
    provider_names = {r.id: r.name for r in records.list("provider")}  # type: ignore[union-attr]
    names = {**city_names, **provider_names}
    city_ids = [p.id for p in participants if p.side == "city"]
    providers, cities, problem = _suggest(matching, city_ids, present, names)

    def others(known: dict[str, str], side: str) -> list[Candidate]:
        return sorted(
            (Candidate(i, name, side) for i, name in known.items() if i not in present), key=lambda c: c.name
        )

    return ParticipantsView(
        event=event,
        participants=participants,
        suggested_providers=providers,
        suggested_cities=cities,
        all_cities=others(city_names, "city"),
        all_providers=others(provider_names, "provider"),
        problem=problem,
        withdrawn=events.catalog.withdrawn(event_id),
    )


class _EventView(Protocol):
    @property
    def event(self) -> EventSummary: ...


def _event_tab(
    request: AnyRequest, tab: str, view: _EventView, *, flash: Flash | None, status: int, **extra: Any
) -> Response[Any]:
    """One tab of the event page (participants, requests or schedule) around its view."""
    return page(
        "console/event.html",
        principal_of(request),
        status_code=status,
        title=view.event.name,
        request_path="/events",
        tab=tab,
        event=view.event,
        view=view,
        flash=flash or flash_for(request),
        **extra,
    )


#: One tab of the event page, for the feature modules next to this one (:mod:`.event_reports`).
event_tab = _event_tab


def _participants_page(
    request: AnyRequest,
    events: EventServices,
    records: RecordService,
    matching: MatchingService,
    event_id: str,
    *,
    ticked: frozenset[str] = frozenset(),
    typed_max: str = "",
) -> PageShow:
    async def show(*, flash: Flash | None = None, status: int = 200) -> Response[Any]:
        view = await run(load_participants, events, records, matching, event_id)
        view.ticked, view.typed_max = ticked, typed_max
        return _event_tab(request, "participants", view, flash=flash, status=status)

    return show


@get("/events/{event_id:str}", name="console:event", opt=STAFF)
async def event_page(
    request: AnyRequest, events: Events, records: Records, matching: Matching, event_id: PathId
) -> Response[Any]:
    """The event: slots, tables, participants and suggestions to add."""
    return await _participants_page(request, events, records, matching, event_id)()


def answer_from_form(form: FormMultiDict) -> tuple[int, Answer]:
    """The request id and the answer of an answer form."""
    answer = form_field(form, "answer", 10)
    request_id = digits_value(form_field(form, "request", 12))
    if request_id is None or answer not in ("accepted", "declined"):
        raise InvalidInputError("choose accept or decline for a request")
    return request_id, "accepted" if answer == "accepted" else "declined"


@post("/events/{event_id:str}/participants", name="console:event-add", opt=form_on("console:event", STAFF))
async def event_add(
    request: AnyRequest, events: Events, records: Records, matching: Matching, event_id: PathId
) -> Response[Any]:
    """Add the ticked cities and providers."""
    form = await request.form()
    ids = [str(v) for v in form.getall("ids", []) if str(v).strip()]
    typed_max = form_number(form, "max_meetings")

    def add() -> None:
        if not ids:
            raise InvalidInputError("tick at least one city or provider to add")
        for ticked in ids:
            within_limit(ticked, 128, "Participant id")
        max_meetings = whole_number(typed_max, "Maximum meetings each")
        items = [ParticipantIn(id=i, max_meetings=max_meetings) for i in dict.fromkeys(ids)]
        events.catalog.add_participants(event_id, items)

    refused = _participants_page(
        request, events, records, matching, event_id, ticked=frozenset(ids), typed_max=typed_max
    )
    return await apply_change(events, add, done=f"/events/{event_id}?msg=added", refused=refused)


@post(
    "/events/{event_id:str}/participants/remove",
    name="console:event-remove",
    opt=form_on("console:event", STAFF),
)
async def event_remove(
    request: AnyRequest, events: Events, records: Records, matching: Matching, event_id: PathId
) -> Response[Any]:
    """Take one participant out of the event."""
    form = await request.form()
    refused = _participants_page(request, events, records, matching, event_id)
    return await apply_change(
        events,
        lambda: events.catalog.remove_participant(event_id, form_field(form, "id", 128, "Participant")),
        done=f"/events/{event_id}?msg=removed",
        refused=refused,
    )


# --------------------------------------------------------------------------------------------------
# Requests and pair rules


@dataclass
class RequestsView:
    """What the requests page shows."""

    event: EventSummary
    participants: list[ParticipantPublic]
    requests: list[RequestPublic]
    rules: list[PairRulePublic]
    names: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)


def load_requests(
    events: EventServices, event_id: str, form: Mapping[str, str] | None = None
) -> RequestsView:
    """Requests and pair rules of an event, with participant names; ``form``: the values of a refused
    form, shown again (the forms have no party chosen otherwise)."""
    event = events.catalog.get(event_id)
    participants = events.catalog.participants(event_id)
    return RequestsView(
        event=event,
        participants=participants,
        requests=events.requests.list(event_id),
        rules=events.pair_rules.list(event_id),
        names={p.id: p.name for p in participants},
        form=dict(form or {}),
    )


def _requests_page(
    request: AnyRequest, events: EventServices, event_id: str, form: Mapping[str, str] | None = None
) -> PageShow:
    async def show(*, flash: Flash | None = None, status: int = 200) -> Response[Any]:
        view = await run(load_requests, events, event_id, form)
        return _event_tab(request, "requests", view, flash=flash, status=status)

    return show


async def _change_requests(
    request: AnyRequest,
    events: EventServices,
    event_id: str,
    *,
    change: Callable[[], object],
    msg: str,
    form: Mapping[str, str] | None = None,
) -> Response[Any]:
    """A change on the requests tab: back to the tab with ``msg``, or the tab with the reason (and the
    refused ``form``'s values)."""
    done = f"/events/{event_id}/requests?msg={msg}"
    refused = _requests_page(request, events, event_id, form)
    return await apply_change(events, change, done=done, refused=refused)


def request_from_form(form: FormMultiDict) -> RequestCreate:
    """A staff-recorded request from the form: both parties must be chosen, and differ (the service
    says so when they are the same)."""
    sender, recipient = form_field(form, "sender", 128, "From"), form_field(form, "recipient", 128, "To")
    if not sender or not recipient:
        raise InvalidInputError("choose who asks for the meeting (from) and whom they ask (to)")
    message = form_field(form, "message", MAX_TEXT, "Message") or None
    return RequestCreate(sender=sender, recipient=recipient, message=message)


@get("/events/{event_id:str}/requests", name="console:event-requests", opt=STAFF)
async def event_requests(request: AnyRequest, events: Events, event_id: PathId) -> Response[Any]:
    """Meeting requests and pair rules."""
    return await _requests_page(request, events, event_id)()


@post("/events/{event_id:str}/requests", name="console:event-request-create", opt=STAFF)
async def event_request_create(request: AnyRequest, events: Events, event_id: PathId) -> Response[Any]:
    """Record a request on behalf of a participant (for example one sent by e-mail)."""
    form = await request.form()
    values = typed_values(form)

    def send() -> None:
        events.requests.create(event_id, request_from_form(form))

    return await _change_requests(request, events, event_id, change=send, msg="requested", form=values)


@post(
    "/events/{event_id:str}/requests/answer",
    name="console:event-request-answer",
    opt=form_on("console:event-requests", STAFF),
)
async def event_request_answer(request: AnyRequest, events: Events, event_id: PathId) -> Response[Any]:
    """Accept or decline a request as staff."""
    form = await request.form()

    def reply() -> None:
        request_id, answer = answer_from_form(form)
        events.requests.answer(event_id, request_id, answer)

    return await _change_requests(request, events, event_id, change=reply, msg="answered")


@post("/events/{event_id:str}/rules", name="console:event-rule", opt=form_on("console:event-requests", STAFF))
async def event_rule(request: AnyRequest, events: Events, event_id: PathId) -> Response[Any]:
    """Make a pair must-meet or blocked, or clear its rule."""
    form = await request.form()

    def save() -> None:
        kind = form_field(form, "kind", 12, "Rule")
        if kind not in ("must_meet", "blocked", "clear"):
            raise InvalidInputError("choose must meet, blocked or clear")
        rule = None if kind == "clear" else kind
        a, b = form_field(form, "a", 128, "Participant"), form_field(form, "b", 128, "Other participant")
        events.pair_rules.set(event_id, a, b, rule)  # type: ignore[arg-type]

    values = typed_values(form)
    return await _change_requests(request, events, event_id, change=save, msg="rule", form=values)


# --------------------------------------------------------------------------------------------------
# Downloads


def download(content: str | bytes, media_type: str, filename: str) -> Response[Any]:
    """A file to save: not cached, not sniffed."""
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def html_page(content: str) -> Response[Any]:
    """A printable page, not cached."""
    return Response(content=content, media_type=HTML, headers={"Cache-Control": "no-store"})


def safe_filename(value: str) -> str:
    """``value`` with only letters, digits, ``-``, ``_`` and ``.`` (others become ``_``), at most 100."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in value)[:100] or "export"


@get("/events/{event_id:str}/export.csv", name="console:event-csv", opt=STAFF)
async def event_csv(events: Events, event_id: PathId, source: Source = "published") -> Response[Any]:
    """The organisers' CSV of the published schedule (``?source=plan`` for the current plan)."""
    text = await run(events.agendas.csv, event_id, source=source)
    return download(text, CSV, f"{safe_filename(event_id)}-{source}.csv")


@get("/events/{event_id:str}/agenda/{participant_id:str}", name="console:event-agenda", opt=STAFF)
async def event_agenda(events: Events, event_id: PathId, participant_id: PathId) -> Response[Any]:
    """One participant's printable agenda (HTML)."""
    return html_page(await run(events.agendas.html, event_id, participant_id))


@get("/events/{event_id:str}/calendar/{participant_id:str}", name="console:event-calendar", opt=STAFF)
async def event_calendar(events: Events, event_id: PathId, participant_id: PathId) -> Response[Any]:
    """One participant's calendar file (iCalendar)."""
    body = await run(events.agendas.calendar, event_id, participant_id)
    name = f"{safe_filename(event_id)}-{safe_filename(participant_id)}.ics"
    return download(body, ICALENDAR, name)


ROUTES = [
    events_list,
    events_create,
    event_page,
    event_edit,
    event_edit_save,
    event_add,
    event_remove,
    event_requests,
    event_request_create,
    event_request_answer,
    event_rule,
    event_csv,
    event_agenda,
    event_calendar,
]

__all__ = [
    "RATING_LABELS",
    "ROUTES",
    "PageShow",
    "answer_from_form",
    "apply_change",
    "download",
    "edit_form_values",
    "edit_from_form",
    "error_flash",
    "event_from_form",
    "event_tab",
    "flash_for",
    "form_field",
    "html_page",
    "request_from_form",
    "run",
    "safe_filename",
]
