"""Pages of a city focal point or a provider: meeting requests, agenda and feedback.

A participant sees only its own requests and its own published agenda, as in the API: every call
passes the principal's own id (``subject_id``) to :mod:`matchmaker.services.events`, never an id
from the form. Requests go to participants of events both take part in: a provider asks cities, a
city asks providers and other cities (its comparable and mentor cities first). The lists come from
:mod:`matchmaker.services.events.contacts`, ordered by the matcher's suggestions with their reasons.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from litestar import Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency

from matchmaker.errors import ConflictError, InvalidInputError, MatchmakerError
from matchmaker.scheduling.exports import in_zone as local_time
from matchmaker.scheduling.exports import zone_note
from matchmaker.services.events import EventServices
from matchmaker.services.events.feedback import rating_opens
from matchmaker.services.events.requests import AnswerChoice
from matchmaker.services.events.rules import zone
from matchmaker.services.events.schemas import (
    MAX_TEXT,
    RATING_LABELS,
    Agenda,
    Contact,
    EventSummary,
    FeedbackIn,
    ParticipantPublic,
    RequestCreate,
    RequestPublic,
)
from matchmaker.services.users import Principal
from matchmaker.settings import Settings
from matchmaker.web.console.events import (
    AnyRequest,
    Events,
    Flash,
    PageShow,
    answer_from_form,
    apply_change,
    download,
    error_flash,
    error_status,
    flash_for,
    form_field,
    html_page,
    run,
    safe_filename,
)
from matchmaker.web.console.render import ConsolePage
from matchmaker.web.console.session import (
    PARTICIPANTS,
    PathId,
    digits_value,
    form_on,
    principal_of,
    refuse_unstorable,
    typed_values,
)
from matchmaker.web.media import ICALENDAR, PDF
from matchmaker.web.routes.common import public_address

logger = logging.getLogger(__name__)

T = TypeVar("T")

_MESSAGES = {
    "sent": "Your request was sent.",
    "answered": "Your answer was saved.",
    "withdrawn": "Your request was withdrawn.",
    "rated": "Thank you: your rating was saved.",
    "feed-stopped": (
        "Your calendar addresses for the event were stopped; calendars subscribed to them no longer update."
    ),
}


@dataclass
class EventRequests:
    """One event from a participant's point of view."""

    event: EventSummary
    me: ParticipantPublic
    requests: list[RequestPublic]
    names: dict[str, str]
    contacts: list[Contact] = field(default_factory=list)
    #: Why the event takes no new requests (it has ended, or its deadline has passed), else None.
    closed: str | None = None
    #: What the participant may answer now to each request it received, by request id (the
    #: service's rule: the page offers only what an answer would be accepted with).
    answers: dict[int, AnswerChoice] = field(default_factory=dict)
    #: How many participants of the other side (cities for a provider, providers for a city) take part.
    others: int = 0


def _me(principal: Principal) -> str:
    if not principal.subject_id:  # pragma: no cover - city and provider users always speak for a record
        raise InvalidInputError("this user speaks for no city or provider")
    return principal.subject_id


def _in_event(events: EventServices, event_id: str, principal: Principal, *, or_met: bool = False) -> str:
    """The participant's own id, once it is known to take part in ``event_id`` (``or_met``: or was
    taken out of it after a meeting of it took place, for that meeting's agenda and rating). An event
    it is not in answers as an unknown one (404, the same words), as in the API, so its id confirms
    nothing."""
    me = _me(principal)
    events.catalog.require_taking_part(event_id, me, or_met=or_met)
    return me


def my_events(
    events: EventServices, participant_id: str
) -> list[tuple[EventSummary, list[ParticipantPublic]]]:
    """The events the participant takes part in (coming ones first, soonest first, then past ones,
    most recent first), with their participants."""
    return [
        (event, events.catalog.participants(event.id)) for event in events.catalog.events_of(participant_id)
    ]


def load_requests(events: EventServices, principal: Principal) -> list[EventRequests]:
    """The participant's events, its requests in each, and whom it may still ask (suggestions first;
    nobody once the event has ended or its request deadline has passed)."""
    me = _me(principal)
    out: list[EventRequests] = []
    for event, participants in my_events(events, me):
        mine = next(p for p in participants if p.id == me)
        requests = events.requests.list(event.id, participant=me)
        closed = events.requests.closed(event.id)
        contacts = [] if closed else events.contacts.for_participant(event.id, me)
        names = {p.id: p.name for p in participants}
        answers = events.requests.answer_choices(event.id, me)
        others = sum(p.side != mine.side for p in participants)
        out.append(EventRequests(event, mine, requests, names, contacts, closed, answers, others))
    return out


@dataclass(frozen=True)
class _MyPage(ConsolePage):
    """One of the participant's own pages, and what it shows."""

    #: The template's context for the signed-in principal (read in a worker thread).
    load: Callable[[EventServices, Principal], Mapping[str, Any]]

    def show(self, request: AnyRequest, events: EventServices, **extra: object) -> PageShow:
        """Shows the page, with the flash of a change just made or named by ``?msg=`` (and ``extra``
        in its context)."""

        async def show(*, flash: Flash | None = None, status: int = 200) -> Response[Any]:
            return await self.render(request, events, flash=flash, status=status, **extra)

        return show

    async def render(
        self,
        request: AnyRequest,
        events: EventServices,
        *,
        flash: Flash | None = None,
        status: int = 200,
        **extra: object,
    ) -> Response[Any]:
        """The page with ``extra`` in its context beside what it shows."""
        principal = principal_of(request)
        context = await run(self.load, events, principal)
        return self.response(
            request, status=status, **{**context, **extra}, flash=flash or flash_for(request, _MESSAGES)
        )

    async def change(
        self,
        request: AnyRequest,
        events: EventServices,
        change: Callable[[FormMultiDict, Principal], object],
        msg: str,
    ) -> Response[Any]:
        """A change the signed-in participant makes with the page's form (its text must be storable):
        back to the page with ``msg``, or the page again with the reason."""
        principal = principal_of(request)
        form = await request.form()

        def apply() -> None:
            refuse_unstorable(form)
            change(form, principal)

        # Shown again after a refusal, the page knows which of its forms was sent (``sent``: its
        # values as typed), so that it marks that form's field the refusal names.
        refused = self.show(request, events, sent=typed_values(form))
        return await apply_change(events, apply, done=f"{self.path}?msg={msg}", refused=refused)


_REQUESTS = _MyPage(
    "console/my_requests.html",
    "Meeting requests",
    "/me/requests",
    lambda events, principal: {"items": load_requests(events, principal), "text_max": MAX_TEXT},
)


@get("/me/requests", name="console:my-requests", opt=PARTICIPANTS)
async def my_requests(request: AnyRequest, events: Events) -> Response[Any]:
    """Requests sent and received, and whom to ask next: providers, and for a city its comparable and
    mentor cities in the event."""
    return await _REQUESTS.show(request, events)()


@post("/me/requests", name="console:my-requests-send", opt=PARTICIPANTS)
async def send_request(request: AnyRequest, events: Events) -> Response[Any]:
    """Ask another participant of an event for a meeting (a city may ask a provider or a city)."""

    def send(form: FormMultiDict, principal: Principal) -> None:
        event_id = form_field(form, "event", 128, "Event")
        recipient = form_field(form, "recipient", 128)
        sender = _in_event(events, event_id, principal)
        if not recipient:
            raise InvalidInputError("choose whom to ask for a meeting")
        data = RequestCreate(
            sender=sender,
            recipient=recipient,
            message=form_field(form, "message", MAX_TEXT, "Message") or None,
        )
        try:
            events.requests.create(event_id, data)
        except ConflictError:
            # A second press of the same button (or the form sent again from the back button) is the
            # request already sent, not a mistake; any other refusal is shown as the service said it.
            if events.requests.closed(event_id) is not None or not _sent_already(events, event_id, data):
                raise

    return await _REQUESTS.change(request, events, send, "sent")


def _sent_already(events: EventServices, event_id: str, data: RequestCreate) -> bool:
    """Whether ``data`` is a request the sender already made and that still waits for an answer
    (with the same message, or none given this time)."""
    mine = events.requests.list(event_id, participant=data.sender)
    return any(
        (r.sender, r.recipient, r.status) == (data.sender, data.recipient, "pending")
        and (not data.message or (r.message or "") == data.message)
        for r in mine
    )


@post(
    "/me/requests/answer", name="console:my-requests-answer", opt=form_on("console:my-requests", PARTICIPANTS)
)
async def answer_request(request: AnyRequest, events: Events) -> Response[Any]:
    """Accept or decline a request received, saying why when declining (optional)."""

    def reply(form: FormMultiDict, principal: Principal) -> None:
        event_id = form_field(form, "event", 128, "Event")
        me = _in_event(events, event_id, principal)
        request_id, answer = answer_from_form(form)
        reason = form_field(form, "decline_reason", MAX_TEXT, "Decline reason") or None
        events.requests.answer(event_id, request_id, answer, decline_reason=reason, by=me)

    return await _REQUESTS.change(request, events, reply, "answered")


@post(
    "/me/requests/withdraw",
    name="console:my-requests-withdraw",
    opt=form_on("console:my-requests", PARTICIPANTS),
)
async def withdraw_request(request: AnyRequest, events: Events) -> Response[Any]:
    """Take back a request sent that still waits for its answer."""

    def take_back(form: FormMultiDict, principal: Principal) -> None:
        event_id = form_field(form, "event", 128, "Event")
        me = _in_event(events, event_id, principal)
        request_id = digits_value(form_field(form, "request", 12))
        if request_id is None:
            raise InvalidInputError("choose the request to withdraw")
        events.requests.withdraw(event_id, request_id, by=me)

    return await _REQUESTS.change(request, events, take_back, "withdrawn")


# --------------------------------------------------------------------------------------------------
# Agenda and feedback


@dataclass
class MyAgenda:
    """One event's published agenda for the participant, with its ratings."""

    event: EventSummary
    agenda: Agenda
    ratings: dict[str, str]
    #: The participant's comments on its meetings, by the other party's id.
    comments: dict[str, str]
    #: Meetings that cannot be rated yet (by uid): when rating opens, in the event's time zone.
    rating_opens: dict[str, datetime]
    #: Which time zone the agenda's times are in, as the printed agenda says it (UTC for an event without
    #: a zone); None only when its times were entered at several offsets.
    zone_note: str | None = None
    #: The participant was taken out of the event: the agenda holds the meetings it had that took place
    #: (no calendar address is made for it any more).
    former: bool = False


def load_agendas(events: EventServices, principal: Principal) -> list[MyAgenda]:
    """The participant's published agendas, one per event."""
    me = _me(principal)
    out: list[MyAgenda] = []
    # An event the participant was taken out of still shows the meetings it had there that took place.
    taking_part = [(event, False) for event, _ in my_events(events, me)]
    for event, former in [*taking_part, *((e, True) for e in events.catalog.events_met_in(me))]:
        if not event.published_version:
            continue
        agenda = events.agendas.agenda(event.id, me, include_cancelled=True)
        rated = events.feedback.list(event.id, rater=me)
        # The same rule as the refusal of an early rating, so the form shows only when it is accepted.
        opens = {m.uid: rating_opens(m.end, event.timezone) for m in agenda.meetings}
        upcoming = {uid: when for uid, when in opens.items() if when is not None}
        ratings: dict[str, str] = {f.other: f.rating for f in rated}
        comments = {f.other: f.comment for f in rated if f.comment}
        tz = zone(event.timezone)
        starts = [m.start for m in agenda.meetings] or [s.start for s in event.slots]
        note = zone_note(event.timezone, [local_time(start, tz) for start in starts])
        out.append(MyAgenda(event, agenda, ratings, comments, upcoming, note, former))
    return out


_AGENDA = _MyPage(
    "console/my_agenda.html",
    "My agenda",
    "/me/agenda",
    lambda events, principal: {
        "agendas": load_agendas(events, principal),
        "ratings": RATING_LABELS,
        "comment_max": MAX_TEXT,
        # A calendar address just made ({"event", "url"}): shown on the page that made it only.
        "feed": None,
    },
)


@get("/me/agenda", name="console:my-agenda", opt=PARTICIPANTS)
async def my_agenda(request: AnyRequest, events: Events) -> Response[Any]:
    """The participant's published meetings in every event."""
    return await _AGENDA.show(request, events)()


@get("/me/agenda/{event_id:str}/agenda", name="console:my-agenda-html", opt=PARTICIPANTS)
async def my_agenda_html(request: AnyRequest, events: Events, event_id: PathId) -> Response[Any]:
    """The printable agenda of one event."""
    return html_page(await _own(request, events, event_id, events.agendas.html, or_met=True))


@get("/me/agenda/{event_id:str}/calendar", name="console:my-agenda-ics", opt=PARTICIPANTS)
async def my_agenda_ics(request: AnyRequest, events: Events, event_id: PathId) -> Response[Any]:
    """The calendar file of one event."""
    body = await _own(request, events, event_id, events.agendas.calendar, or_met=True)
    return download(body, ICALENDAR, _file_name(event_id, _me(principal_of(request)), "ics"))


@get("/me/agenda/{event_id:str}/pdf", name="console:my-agenda-pdf", opt=PARTICIPANTS)
async def my_agenda_pdf(request: AnyRequest, events: Events, event_id: PathId) -> Response[Any]:
    """The PDF agenda of one event."""
    body = await _own(request, events, event_id, events.agendas.pdf, or_met=True)
    return download(body, PDF, _file_name(event_id, _me(principal_of(request)), "pdf"))


async def _own(
    request: AnyRequest,
    events: EventServices,
    event_id: str,
    make: Callable[[str, str], T],
    *,
    or_met: bool = False,
) -> T:
    """``make(event_id, me)`` for the signed-in participant, in a worker thread, once it is known to
    take part in the event (:func:`_in_event`)."""
    principal = principal_of(request)
    return await run(lambda: make(event_id, _in_event(events, event_id, principal, or_met=or_met)))


@post(
    "/me/agenda/{event_id:str}/feed",
    name="console:my-agenda-feed",
    opt=form_on("console:my-agenda", PARTICIPANTS),
)
async def issue_feed(
    request: AnyRequest, settings: NamedDependency[Settings], events: Events, event_id: PathId
) -> Response[Any]:
    """A new address the participant's calendar app subscribes to (the API's ``…/agenda/{id}/feed``):
    shown once on the page, never put in a redirect; the earlier addresses stop working."""
    principal = principal_of(request)
    try:
        link = await _own(
            request,
            events,
            event_id,
            lambda ev, me: events.feeds.issue(ev, me, issued_by=principal.user_id),
        )
    except MatchmakerError as exc:
        await run(events.rollback)
        return await _AGENDA.render(request, events, flash=error_flash(exc), status=error_status(exc))
    url = public_address(request, settings, link.path)
    shown: Flash = {
        "kind": "ok",
        "text": "Your new calendar address is below. Copy it now: it is shown only once.",
    }
    return await _AGENDA.render(request, events, flash=shown, feed={"event": event_id, "url": url})


@post(
    "/me/agenda/{event_id:str}/feed/stop",
    name="console:my-agenda-feed-stop",
    opt=form_on("console:my-agenda", PARTICIPANTS),
)
async def stop_feed(request: AnyRequest, events: Events, event_id: PathId) -> Response[Any]:
    """Stop every calendar address of the participant for the event."""
    principal = principal_of(request)
    return await apply_change(
        events,
        lambda: events.feeds.revoke(event_id, _in_event(events, event_id, principal)),
        done="/me/agenda?msg=feed-stopped",
        refused=_AGENDA.show(request, events),
    )


def _file_name(event_id: str, me: str, extension: str) -> str:
    """A participant's own file is named as the API and staff's console name it: ``ws1-kukes.ics``."""
    return f"{safe_filename(event_id)}-{safe_filename(me)}.{extension}"


@post("/me/feedback", name="console:my-feedback", opt=form_on("console:my-agenda", PARTICIPANTS))
async def rate_meeting(request: AnyRequest, events: Events) -> Response[Any]:
    """Rate a meeting after the event."""

    def rate(form: FormMultiDict, principal: Principal) -> None:
        event_id = form_field(form, "event", 128, "Event")
        rater = _in_event(events, event_id, principal, or_met=True)
        other = form_field(form, "other", 128)
        if not other:
            raise InvalidInputError("choose the meeting to rate")
        rating = form_field(form, "rating", 40, "Rating")
        if rating not in RATING_LABELS:
            raise InvalidInputError("choose how the meeting went")
        data = FeedbackIn(
            rater=rater,
            other=other,
            rating=rating,  # type: ignore[arg-type]
            comment=form_field(form, "comment", MAX_TEXT, "Comment") or None,
        )
        events.feedback.record(event_id, data)

    return await _AGENDA.change(request, events, rate, "rated")


ROUTES = [
    my_requests,
    send_request,
    answer_request,
    withdraw_request,
    my_agenda,
    my_agenda_html,
    my_agenda_ics,
    my_agenda_pdf,
    issue_feed,
    stop_feed,
    rate_meeting,
]

__all__ = ["ROUTES", "load_agendas", "load_requests", "my_events"]
