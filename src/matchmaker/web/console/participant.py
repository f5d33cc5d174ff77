"""Pages of a city focal point or a provider: meeting requests, agenda and feedback.

A participant sees only its own requests and its own published agenda, as in the API: every call
passes the principal's own id (``subject_id``) to :mod:`matchmaker.services.events`, never an id
from the form. Requests go to participants of the other side in events both take part in; the
list is ordered by the matcher's suggestions for the signed-in city or provider, with the reasons.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect
from pydantic import ValidationError

from matchmaker.errors import InvalidInputError, MatchmakerError
from matchmaker.services import events as ev_service
from matchmaker.services.event_rules import (
    RATING_LABELS,
    Agenda,
    EventSummary,
    FeedbackIn,
    FeedbackPublic,
    ParticipantPublic,
    RequestCreate,
    RequestPublic,
)
from matchmaker.services.users import Principal
from matchmaker.settings import Settings
from matchmaker.web.console.events import _download, _safe_filename, error_flash, run
from matchmaker.web.console.render import page
from matchmaker.web.console.session import PathId, principal_of, settings_of
from matchmaker.web.errors import status_for

logger = logging.getLogger(__name__)

PARTICIPANTS = {"roles": ("city", "provider")}
_MESSAGES = {
    "sent": "Your request was sent.",
    "answered": "Your answer was saved.",
    "rated": "Thank you: your rating was saved.",
}


@dataclass
class Contact:
    """Someone the participant may ask for a meeting, with why the matcher suggests them."""

    id: str
    name: str
    score: float | None = None
    reason: str = ""


@dataclass
class EventRequests:
    """One event from a participant's point of view."""

    event: EventSummary
    me: ParticipantPublic
    requests: list[RequestPublic]
    names: dict[str, str]
    contacts: list[Contact] = field(default_factory=list)


def _me(principal: Principal) -> str:
    if not principal.subject_id:  # pragma: no cover - city and provider users always speak for a record
        raise InvalidInputError("this user speaks for no city or provider")
    return principal.subject_id


def my_events(settings: Settings, participant_id: str) -> list[tuple[EventSummary, list[ParticipantPublic]]]:
    """The events the participant takes part in, with their participants."""
    out = []
    for event in ev_service.list_events(settings):
        participants = ev_service.list_participants(settings, event.id)
        if any(p.id == participant_id for p in participants):
            out.append((event, participants))
    return out


def _suggested(runtime: Any, principal: Principal) -> dict[str, tuple[float, str]]:
    try:
        matcher = runtime.get_matcher()
        if principal.role == "provider":
            response = matcher.cities_for_provider(_me(principal), top=200)
        else:
            response = matcher.providers_for_city(_me(principal), top=200)
    except (MatchmakerError, AttributeError) as exc:
        logger.info("No suggestions for the requests page: %s", exc)
        return {}
    return {r.id: (float(r.score), str((r.explanation or {}).get("summary") or "")) for r in response.results}


def load_requests(settings: Settings, runtime: Any, principal: Principal) -> list[EventRequests]:
    """The participant's events, its requests in each, and whom it may still ask."""
    me = _me(principal)
    suggested = _suggested(runtime, principal)
    out: list[EventRequests] = []
    for event, participants in my_events(settings, me):
        mine = next(p for p in participants if p.id == me)
        requests = ev_service.list_requests(settings, event.id, participant=me)
        asked = {r.recipient for r in requests if r.sender == me} | {
            r.sender for r in requests if r.recipient == me
        }
        contacts = [
            Contact(p.id, p.name, *suggested.get(p.id, (None, "")))
            for p in participants
            if p.side != mine.side and p.id not in asked
        ]
        contacts.sort(key=lambda c: (c.score is None, -(c.score or 0.0), c.name))
        out.append(EventRequests(event, mine, requests, {p.id: p.name for p in participants}, contacts))
    return out


def _flash(request: Request[Any, Any, Any]) -> dict[str, str] | None:
    key = request.query_params.get("msg")
    return {"kind": "ok", "text": _MESSAGES[key]} if key in _MESSAGES else None


async def _requests_page(
    request: Request[Any, Any, Any], *, flash: dict[str, str] | None = None, status: int = 200
) -> Response[Any]:
    principal = principal_of(request)
    items = await run(load_requests, settings_of(request), request.app.state.get("runtime"), principal)
    return page(
        "console/my_requests.html",
        principal,
        status_code=status,
        title="Meeting requests",
        request_path="/me/requests",
        items=items,
        flash=flash or _flash(request),
    )


@get("/me/requests", name="console:my-requests", opt=PARTICIPANTS)
async def my_requests(request: Request[Any, Any, Any]) -> Response[Any]:
    """Requests sent and received, and whom to ask next."""
    return await _requests_page(request)


def _form_value(form: Any, key: str, limit: int) -> str:
    value = form.get(key)
    return str(value).strip()[:limit] if isinstance(value, str) else ""


@post("/me/requests", name="console:my-requests-send", opt=PARTICIPANTS)
async def send_request(request: Request[Any, Any, Any]) -> Response[Any]:
    """Ask another participant of an event for a meeting."""
    principal = principal_of(request)
    form = await request.form()
    try:
        data = RequestCreate(
            sender=_me(principal),
            recipient=_form_value(form, "recipient", 128),
            message=_form_value(form, "message", 2000) or None,
        )
        await run(ev_service.create_request, settings_of(request), _form_value(form, "event", 128), data)
    except (MatchmakerError, ValidationError) as exc:
        status = 422 if isinstance(exc, ValidationError) else status_for(exc)
        return await _requests_page(request, flash=error_flash(exc), status=status)
    return Redirect("/me/requests?msg=sent", status_code=303)


@post("/me/requests/answer", name="console:my-requests-answer", opt=PARTICIPANTS)
async def answer_request(request: Request[Any, Any, Any]) -> Response[Any]:
    """Accept or decline a request received."""
    principal = principal_of(request)
    form = await request.form()
    answer = _form_value(form, "answer", 10)
    raw_id = _form_value(form, "request", 12)
    try:
        if answer not in ("accepted", "declined") or not raw_id.isdigit():
            raise InvalidInputError("choose accept or decline for a request")
        await run(
            ev_service.answer_request,
            settings_of(request),
            _form_value(form, "event", 128),
            int(raw_id),
            answer,
            by=_me(principal),
        )
    except MatchmakerError as exc:
        return await _requests_page(request, flash=error_flash(exc), status=status_for(exc))
    return Redirect("/me/requests?msg=answered", status_code=303)


# --------------------------------------------------------------------------------------------------
# Agenda and feedback


@dataclass
class MyAgenda:
    """One event's published agenda for the participant, with its ratings."""

    event: EventSummary
    agenda: Agenda
    ratings: dict[str, str]


def load_agendas(settings: Settings, principal: Principal) -> list[MyAgenda]:
    """The participant's published agendas, one per event."""
    me = _me(principal)
    out: list[MyAgenda] = []
    for event, _ in my_events(settings, me):
        if not event.published_version:
            continue
        agenda = ev_service.participant_agenda(settings, event.id, me, include_cancelled=True)
        rated: list[FeedbackPublic] = ev_service.list_feedback(settings, event.id, rater=me)
        out.append(MyAgenda(event, agenda, {f.other: f.rating for f in rated}))
    return out


async def _agenda_page(
    request: Request[Any, Any, Any], *, flash: dict[str, str] | None = None, status: int = 200
) -> Response[Any]:
    principal = principal_of(request)
    agendas = await run(load_agendas, settings_of(request), principal)
    return page(
        "console/my_agenda.html",
        principal,
        status_code=status,
        title="My agenda",
        request_path="/me/agenda",
        agendas=agendas,
        ratings=RATING_LABELS,
        flash=flash or _flash(request),
    )


@get("/me/agenda", name="console:my-agenda", opt=PARTICIPANTS)
async def my_agenda(request: Request[Any, Any, Any]) -> Response[Any]:
    """The participant's published meetings in every event."""
    return await _agenda_page(request)


@get("/me/agenda/{event_id:str}/agenda", name="console:my-agenda-html", opt=PARTICIPANTS)
async def my_agenda_html(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """The printable agenda of one event."""
    me = _me(principal_of(request))
    html = await run(ev_service.export_agenda_html, settings_of(request), event_id, me)
    return Response(
        content=html, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"}
    )


@get("/me/agenda/{event_id:str}/calendar", name="console:my-agenda-ics", opt=PARTICIPANTS)
async def my_agenda_ics(request: Request[Any, Any, Any], event_id: PathId) -> Response[Any]:
    """The calendar file of one event."""
    me = _me(principal_of(request))
    body = await run(ev_service.export_calendar, settings_of(request), event_id, me)
    return _download(body, "text/calendar; charset=utf-8", f"{_safe_filename(event_id)}.ics")


@post("/me/feedback", name="console:my-feedback", opt=PARTICIPANTS)
async def rate_meeting(request: Request[Any, Any, Any]) -> Response[Any]:
    """Rate a meeting after the event."""
    principal = principal_of(request)
    form = await request.form()
    try:
        rating = _form_value(form, "rating", 40)
        if rating not in RATING_LABELS:
            raise InvalidInputError("choose how the meeting went")
        data = FeedbackIn(rater=_me(principal), other=_form_value(form, "other", 128), rating=rating)  # type: ignore[arg-type]
        await run(ev_service.record_feedback, settings_of(request), _form_value(form, "event", 128), data)
    except (MatchmakerError, ValidationError) as exc:
        status = 422 if isinstance(exc, ValidationError) else status_for(exc)
        return await _agenda_page(request, flash=error_flash(exc), status=status)
    return Redirect("/me/agenda?msg=rated", status_code=303)


ROUTES = [my_requests, send_request, answer_request, my_agenda, my_agenda_html, my_agenda_ics, rate_meeting]
