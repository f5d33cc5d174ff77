"""Event planning pages for staff, on top of :mod:`matchmaker.services.events`.

- ``/events``: the events, and a form for a new one (a day of equal slots and a number of tables);
- ``/events/{id}``: participants, picked from the matcher's suggestions for the event's cities;
- ``/events/{id}/requests``: meeting requests (staff may answer them) and must-meet / blocked pairs;
- ``/events/{id}/schedule``: generate or re-plan, the slots × tables grid, lock and move meetings,
  publish, and the downloads (organisers' CSV, per-participant agendas and calendar files).

Every change is a plain form post answered with a redirect (or, for generate and publish, with the
page and its report), so the pages work without scripts and the back button behaves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect
from pydantic import ValidationError

from matchmaker.errors import InvalidInputError, MatchmakerError
from matchmaker.services import event_moves, records
from matchmaker.services import events as ev_service
from matchmaker.services.event_rules import (
    RATING_LABELS,
    EventCreate,
    EventSummary,
    GenerateReport,
    PairRulePublic,
    ParticipantIn,
    ParticipantPublic,
    PlannedMeeting,
    PublishReport,
    RequestCreate,
    RequestPublic,
    SlotIn,
)
from matchmaker.settings import Settings
from matchmaker.web.console.render import page
from matchmaker.web.console.session import PathId, principal_of, settings_of
from matchmaker.web.errors import describe_validation, status_for

logger = logging.getLogger(__name__)

STAFF = {"roles": ("staff",)}
SUGGESTIONS_PER_CITY = 10
#: The console asks the solver for a quick answer; staff can re-plan as often as they like.
GENERATE_TIME_LIMIT = 10.0

T = TypeVar("T")

_MESSAGES = {
    "created": "The event was created. Add participants next.",
    "added": "Participants added.",
    "removed": "Participant removed.",
    "answered": "Request answered.",
    "requested": "Request recorded.",
    "rule": "Pair rule saved.",
    "locked": "Meeting locked: re-planning keeps it where it is.",
    "unlocked": "Meeting unlocked.",
    "moved": "Meeting moved and locked.",
}


async def run(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking service call in a worker thread."""
    return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs))


def flash_for(request: Request[Any, Any, Any]) -> dict[str, str] | None:
    """The flash message named by ``?msg=`` (fixed texts only)."""
    key = request.query_params.get("msg")
    return {"kind": "ok", "text": _MESSAGES[key]} if key in _MESSAGES else None


def error_flash(exc: MatchmakerError | ValidationError) -> dict[str, str]:
    """A flash message for a refused change."""
    if isinstance(exc, ValidationError):
        return {
            "kind": "error",
            "text": "; ".join(f"{e['key']}: {e['message']}" for e in describe_validation(exc)),
        }
    text = exc.message
    reasons = getattr(exc, "reasons", None)
    if reasons:
        text += " " + " ".join(str(r) for r in reasons)
    return {"kind": "error", "text": text}


def _status(exc: MatchmakerError | ValidationError) -> int:
    return 422 if isinstance(exc, ValidationError) else status_for(exc)


def _field(form: FormMultiDict, key: str, limit: int = 300) -> str:
    value = form.get(key)
    return str(value).strip()[:limit] if isinstance(value, str) else ""


# --------------------------------------------------------------------------------------------------
# List and create


@get("/events", name="console:events", opt=STAFF)
async def events_list(request: Request[Any, Any, Any]) -> Response[Any]:
    """Every event, newest first, with the form for a new one."""
    items = await run(ev_service.list_events, settings_of(request))
    return page(
        "console/events.html",
        principal_of(request),
        title="Events",
        request_path="/events",
        events=items,
        form={},
        flash=flash_for(request),
    )


def event_from_form(form: FormMultiDict) -> EventCreate:
    """An :class:`EventCreate` from the new-event form: a day of equal slots and a table count."""
    try:
        day = date.fromisoformat(_field(form, "date", 10))
        first = time.fromisoformat(_field(form, "start", 8))
        minutes = int(_field(form, "slot_minutes", 4) or 20)
        pause = int(_field(form, "break_minutes", 4) or 0)
        count = int(_field(form, "slot_count", 4) or 0)
        tables = int(_field(form, "tables", 5) or 0)
    except ValueError as exc:
        raise InvalidInputError(
            "check the date (YYYY-MM-DD), the start time (HH:MM) and the numbers of slots and tables"
        ) from exc
    if not 5 <= minutes <= 240 or not 0 <= pause <= 240 or not 1 <= count <= 200:
        raise InvalidInputError("slots last 5–240 minutes, breaks 0–240 minutes, and there are 1–200 slots")
    zone = _field(form, "timezone", 64) or None
    deadline_raw = _field(form, "request_deadline", 20)
    deadline: datetime | None = None
    if deadline_raw:
        try:
            deadline = datetime.fromisoformat(deadline_raw)
        except ValueError as exc:
            raise InvalidInputError("the request deadline is not a date and time") from exc
        if deadline.tzinfo is None:
            try:
                deadline = deadline.replace(tzinfo=ZoneInfo(zone or "UTC"))
            except (KeyError, ValueError):
                deadline = None  # the time zone itself is reported by EventCreate
    start = datetime.combine(day, first)
    slots = []
    for n in range(count):
        begin = start + n * timedelta(minutes=minutes + pause)
        slots.append(SlotIn(id=f"s{n + 1}", start=begin, end=begin + timedelta(minutes=minutes)))
    return EventCreate(
        id=_field(form, "id", 128),
        name=_field(form, "name", 300),
        timezone=zone,
        slots=slots,
        tables=tables,
        request_deadline=deadline,
    )


@post("/events", name="console:events-create", opt=STAFF)
async def events_create(request: Request[Any, Any, Any]) -> Response[Any]:
    """Create an event from the form; on a mistake show the form again with the reason."""
    settings = settings_of(request)
    form = await request.form()
    try:
        data = event_from_form(form)
        created = await run(ev_service.create_event, settings, data)
    except (MatchmakerError, ValidationError) as exc:
        items = await run(ev_service.list_events, settings)
        return page(
            "console/events.html",
            principal_of(request),
            status_code=_status(exc),
            title="Events",
            request_path="/events",
            events=items,
            form={k: _field(form, k) for k in form},
            flash=error_flash(exc),
        )
    return Redirect(f"/events/{created.id}?msg=created", status_code=303)


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


def _suggest(
    runtime: Any, city_ids: list[str], present: set[str], names: dict[str, str]
) -> tuple[list[Candidate], list[Candidate], str]:
    providers: dict[str, Candidate] = {}
    cities: dict[str, Candidate] = {}
    try:
        matcher = runtime.get_matcher()
        for city in city_ids:
            city_name = names.get(city, city)
            for r in matcher.providers_for_city(city, top=SUGGESTIONS_PER_CITY).results:
                if r.id in present:
                    continue
                c = providers.setdefault(r.id, Candidate(r.id, names.get(r.id, r.id), "provider"))
                c.score = max(c.score, float(r.score))
                c.reasons.append(f"{city_name} ({round(float(r.score) * 100)}%)")
            for r in matcher.cities_for_city(city, top=SUGGESTIONS_PER_CITY // 2).results:
                if r.id in present:
                    continue
                c = cities.setdefault(r.id, Candidate(r.id, names.get(r.id, r.id), "city"))
                c.score = max(c.score, float(r.score))
                relation = (r.explanation or {}).get("relation") or "comparable"
                c.reasons.append(f"{relation} to {city_name}")
    except MatchmakerError as exc:
        return [], [], exc.message

    def order(items: dict[str, Candidate]) -> list[Candidate]:
        return sorted(items.values(), key=lambda c: (-c.score, c.name))

    return order(providers), order(cities), ""


def load_participants(settings: Settings, runtime: Any, event_id: str) -> ParticipantsView:
    """The event, its participants, and suggested and other candidates."""
    event = ev_service.get_event(settings, event_id)
    participants = ev_service.list_participants(settings, event_id)
    present = {p.id for p in participants}
    city_records = records.list_records(settings, "city")
    provider_records = records.list_records(settings, "provider")
    names = {r.id: r.name for r in [*city_records, *provider_records]}  # type: ignore[union-attr]
    city_ids = [p.id for p in participants if p.side == "city"]
    providers, cities, problem = _suggest(runtime, city_ids, present, names)
    return ParticipantsView(
        event=event,
        participants=participants,
        suggested_providers=providers,
        suggested_cities=cities,
        all_cities=sorted(
            (Candidate(r.id, names[r.id], "city") for r in city_records if r.id not in present),
            key=lambda c: c.name,
        ),
        all_providers=sorted(
            (Candidate(r.id, names[r.id], "provider") for r in provider_records if r.id not in present),
            key=lambda c: c.name,
        ),
        problem=problem,
    )


def _event_tab(
    request: Request[Any, Any, Any],
    tab: str,
    view: Any,
    *,
    flash: dict[str, str] | None,
    status: int,
    **extra: Any,
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


async def _participants_page(
    request: Request[Any, Any, Any],
    event_id: str,
    *,
    flash: dict[str, str] | None = None,
    status: int = 200,
) -> Response[Any]:
    view = await run(load_participants, settings_of(request), request.app.state.get("runtime"), event_id)
    return _event_tab(request, "participants", view, flash=flash, status=status)


@get("/events/{event_id:str}", name="console:event", opt=STAFF)
async def event_page(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """The event: slots, tables, participants and suggestions to add."""
    return await _participants_page(request, event_id)


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@post("/events/{event_id:str}/participants", name="console:event-add", opt=STAFF)
async def event_add(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """Add the ticked cities and providers."""
    form = await request.form()
    ids = [str(v)[:128] for v in form.getall("ids", []) if str(v).strip()]
    max_meetings = _int_or_none(_field(form, "max_meetings", 4))
    try:
        if not ids:
            raise InvalidInputError("tick at least one city or provider to add")
        items = [ParticipantIn(id=i, max_meetings=max_meetings) for i in dict.fromkeys(ids)]
        await run(ev_service.add_participants, settings_of(request), event_id, items)
    except (MatchmakerError, ValidationError) as exc:
        return await _participants_page(request, event_id, flash=error_flash(exc), status=_status(exc))
    return Redirect(f"/events/{event_id}?msg=added", status_code=303)


@post("/events/{event_id:str}/participants/remove", name="console:event-remove", opt=STAFF)
async def event_remove(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """Take one participant out of the event."""
    form = await request.form()
    try:
        await run(ev_service.remove_participant, settings_of(request), event_id, _field(form, "id", 128))
    except MatchmakerError as exc:
        return await _participants_page(request, event_id, flash=error_flash(exc), status=_status(exc))
    return Redirect(f"/events/{event_id}?msg=removed", status_code=303)


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


def load_requests(settings: Settings, event_id: str) -> RequestsView:
    """Requests and pair rules of an event, with participant names."""
    event = ev_service.get_event(settings, event_id)
    participants = ev_service.list_participants(settings, event_id)
    return RequestsView(
        event=event,
        participants=participants,
        requests=ev_service.list_requests(settings, event_id),
        rules=ev_service.list_pair_rules(settings, event_id),
        names={p.id: p.name for p in participants},
    )


async def _requests_page(
    request: Request[Any, Any, Any], event_id: str, *, flash: dict[str, str] | None = None, status: int = 200
) -> Response[Any]:
    view = await run(load_requests, settings_of(request), event_id)
    return _event_tab(request, "requests", view, flash=flash, status=status)


@get("/events/{event_id:str}/requests", name="console:event-requests", opt=STAFF)
async def event_requests(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """Meeting requests and pair rules."""
    return await _requests_page(request, event_id)


@post("/events/{event_id:str}/requests", name="console:event-request-create", opt=STAFF)
async def event_request_create(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """Record a request on behalf of a participant (for example one sent by e-mail)."""
    form = await request.form()
    try:
        data = RequestCreate(sender=_field(form, "sender", 128), recipient=_field(form, "recipient", 128))
        await run(ev_service.create_request, settings_of(request), event_id, data)
    except (MatchmakerError, ValidationError) as exc:
        return await _requests_page(request, event_id, flash=error_flash(exc), status=_status(exc))
    return Redirect(f"/events/{event_id}/requests?msg=requested", status_code=303)


@post("/events/{event_id:str}/requests/answer", name="console:event-request-answer", opt=STAFF)
async def event_request_answer(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """Accept or decline a request as staff."""
    form = await request.form()
    answer = _field(form, "answer", 10)
    request_id = _int_or_none(_field(form, "request", 12))
    try:
        if answer not in ("accepted", "declined") or request_id is None:
            raise InvalidInputError("choose accept or decline for a request")
        await run(ev_service.answer_request, settings_of(request), event_id, request_id, answer)
    except MatchmakerError as exc:
        return await _requests_page(request, event_id, flash=error_flash(exc), status=_status(exc))
    return Redirect(f"/events/{event_id}/requests?msg=answered", status_code=303)


@post("/events/{event_id:str}/rules", name="console:event-rule", opt=STAFF)
async def event_rule(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """Make a pair must-meet or blocked, or clear its rule."""
    form = await request.form()
    kind = _field(form, "kind", 12)
    try:
        if kind not in ("must_meet", "blocked", "clear"):
            raise InvalidInputError("choose must meet, blocked or clear")
        await run(
            ev_service.set_pair_rule,
            settings_of(request),
            event_id,
            _field(form, "a", 128),
            _field(form, "b", 128),
            None if kind == "clear" else kind,
        )
    except MatchmakerError as exc:
        return await _requests_page(request, event_id, flash=error_flash(exc), status=_status(exc))
    return Redirect(f"/events/{event_id}/requests?msg=rule", status_code=303)


# --------------------------------------------------------------------------------------------------
# Schedule: generate, grid, lock and move, publish, downloads


@dataclass
class GridCell:
    """One slot at one table: a meeting or nothing."""

    table: int
    meeting: PlannedMeeting | None = None


@dataclass
class GridRow:
    """One slot across every table."""

    slot: Any
    cells: list[GridCell]


@dataclass
class ScheduleView:
    """What the schedule page shows."""

    event: EventSummary
    rows: list[GridRow]
    meetings: list[PlannedMeeting]
    participants: list[ParticipantPublic]
    can_move: bool
    unplaced: list[ParticipantPublic] = field(default_factory=list)


def can_move() -> bool:
    """Whether planned meetings can be moved (they always can be locked)."""
    return callable(_mover())


def _mover() -> Callable[..., PlannedMeeting] | None:
    """The events service's own ``move_meeting`` when it has one, else :mod:`.event_moves`."""
    own = getattr(ev_service, "move_meeting", None)
    return own if callable(own) else event_moves.move_meeting


def load_schedule(settings: Settings, event_id: str) -> ScheduleView:
    """The plan as a slots × tables grid."""
    event = ev_service.get_event(settings, event_id)
    meetings = ev_service.planned_meetings(settings, event_id)
    participants = ev_service.list_participants(settings, event_id)
    at = {(m.slot, m.table): m for m in meetings}
    rows = [
        GridRow(slot, [GridCell(t, at.get((slot.id, t))) for t in range(1, event.tables + 1)])
        for slot in event.slots
    ]
    met = {m.a for m in meetings} | {m.b for m in meetings}
    unplaced = [p for p in participants if p.id not in met] if meetings else []
    return ScheduleView(event, rows, meetings, participants, can_move(), unplaced)


async def _schedule_page(
    request: Request[Any, Any, Any],
    event_id: str,
    *,
    flash: dict[str, str] | None = None,
    status: int = 200,
    generated: GenerateReport | None = None,
    published: PublishReport | None = None,
) -> Response[Any]:
    view = await run(load_schedule, settings_of(request), event_id)
    return _event_tab(
        request, "schedule", view, flash=flash, status=status, generated=generated, published=published
    )


@get("/events/{event_id:str}/schedule", name="console:event-schedule", opt=STAFF)
async def event_schedule(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """The plan as a grid, with generate, publish and downloads."""
    return await _schedule_page(request, event_id)


def _score_function(settings: Settings, runtime: Any) -> ev_service.ScoreFunction | None:
    """The events service's scores over the server's loaded matcher; None lets the service decide."""
    if runtime is None:
        return None
    try:
        matcher = runtime.get_matcher()
    except MatchmakerError as exc:
        logger.warning("Generating without match scores: %s", exc.message)
        return lambda _a, _b: 0.0
    return ev_service.default_score_function(settings, matcher)[0]


@post("/events/{event_id:str}/generate", name="console:event-generate", opt=STAFF)
async def event_generate(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """Generate (or re-plan) the schedule and show what changed."""
    form = await request.form()
    keep = _field(form, "keep_published", 3) != "no"
    relax = _field(form, "relax_must_meet", 3) == "yes"
    settings = settings_of(request)
    score = await run(_score_function, settings, request.app.state.get("runtime"))
    try:
        report = await run(
            ev_service.generate_schedule,
            settings,
            event_id,
            score=score,
            time_limit=GENERATE_TIME_LIMIT,
            keep_published=keep,
            relax_must_meet=relax,
        )
    except MatchmakerError as exc:
        return await _schedule_page(request, event_id, flash=error_flash(exc), status=_status(exc))
    flash = {"kind": "ok", "text": f"Planned {report.meetings} meetings."}
    return await _schedule_page(request, event_id, flash=flash, generated=report)


@post("/events/{event_id:str}/lock", name="console:event-lock", opt=STAFF)
async def event_lock(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """Lock or unlock a planned meeting."""
    form = await request.form()
    locked = _field(form, "locked", 1) == "1"
    try:
        await run(
            ev_service.lock_meeting,
            settings_of(request),
            event_id,
            _field(form, "a", 128),
            _field(form, "b", 128),
            locked=locked,
        )
    except MatchmakerError as exc:
        return await _schedule_page(request, event_id, flash=error_flash(exc), status=_status(exc))
    return Redirect(f"/events/{event_id}/schedule?msg={'locked' if locked else 'unlocked'}", status_code=303)


@post("/events/{event_id:str}/move", name="console:event-move", opt=STAFF)
async def event_move(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """Move a planned meeting to another slot and table (it is then locked there)."""
    form = await request.form()
    move = _mover()
    try:
        if not callable(move):
            raise InvalidInputError(
                "moving meetings is not available in this build; lock and re-plan instead"
            )
        table = _int_or_none(_field(form, "table", 5))
        if table is None:
            raise InvalidInputError("choose a table")
        await run(
            move,
            settings_of(request),
            event_id,
            _field(form, "a", 128),
            _field(form, "b", 128),
            slot=_field(form, "slot", 64),
            table=table,
        )
    except MatchmakerError as exc:
        return await _schedule_page(request, event_id, flash=error_flash(exc), status=_status(exc))
    return Redirect(f"/events/{event_id}/schedule?msg=moved", status_code=303)


@post("/events/{event_id:str}/publish", name="console:event-publish", opt=STAFF)
async def event_publish(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """Publish the plan: participants see their agendas; calendars update in place."""
    try:
        report = await run(ev_service.publish_schedule, settings_of(request), event_id)
    except MatchmakerError as exc:
        return await _schedule_page(request, event_id, flash=error_flash(exc), status=_status(exc))
    flash = {"kind": "ok", "text": f"Published version {report.version}."}
    return await _schedule_page(request, event_id, flash=flash, published=report)


def _download(content: str | bytes, media_type: str, filename: str) -> Response[Any]:
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _safe_filename(value: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in value)[:100] or "export"


@get("/events/{event_id:str}/export.csv", name="console:event-csv", opt=STAFF)
async def event_csv(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """The organisers' CSV of the published schedule (``?source=plan`` for the current plan)."""
    source = "plan" if request.query_params.get("source") == "plan" else "published"
    text = await run(ev_service.export_csv, settings_of(request), event_id, source=source)
    return _download(text, "text/csv; charset=utf-8", f"{_safe_filename(event_id)}-{source}.csv")


@get("/events/{event_id:str}/agenda/{participant_id:str}", name="console:event-agenda", opt=STAFF)
async def event_agenda(
    request: Request[Any, Any, Any], event_id: PathId, participant_id: PathId
) -> Response[Any]:
    """One participant's printable agenda (HTML)."""
    html = await run(ev_service.export_agenda_html, settings_of(request), event_id, participant_id)
    return Response(
        content=html, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"}
    )


@get("/events/{event_id:str}/calendar/{participant_id:str}", name="console:event-calendar", opt=STAFF)
async def event_calendar(
    request: Request[Any, Any, Any], event_id: PathId, participant_id: PathId
) -> Response[Any]:
    """One participant's calendar file (iCalendar)."""
    body = await run(ev_service.export_calendar, settings_of(request), event_id, participant_id)
    name = f"{_safe_filename(event_id)}-{_safe_filename(participant_id)}.ics"
    return _download(body, "text/calendar; charset=utf-8", name)


ROUTES = [
    events_list,
    events_create,
    event_page,
    event_add,
    event_remove,
    event_requests,
    event_request_create,
    event_request_answer,
    event_rule,
    event_schedule,
    event_generate,
    event_lock,
    event_move,
    event_publish,
    event_csv,
    event_agenda,
    event_calendar,
]

__all__ = ["RATING_LABELS", "ROUTES", "can_move", "event_from_form", "load_schedule"]
