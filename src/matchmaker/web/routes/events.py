"""Matchmaking events over HTTP: a thin adapter over :mod:`matchmaker.services.events`.

Who may do what:

=========================================  ===========================================================
staff                                      everything: create events, add participants, pair rules,
                                           requests for anyone, generate, lock, publish, the published
                                           meetings that no longer fit, every agenda, the organisers'
                                           CSV, all feedback, the feedback signal
city focal point or provider taking part   the event summary, its own agenda (JSON, HTML, PDF, iCalendar),
                                           its own requests (send, withdraw while pending; answer those
                                           it received), whom it may ask (``contacts``), its own feedback
a participant not taking part               404, as for an unknown event (its id confirms nothing)
anyone else                                403 on staff-only routes (404 for an unknown event)
=========================================  ===========================================================

A participant is the city or provider its token speaks for (``matchmaker users add --for ID``); it can
never read another participant's agenda. Handlers get the event sub-features in the request's unit of
work (``events``) and the :class:`~matchmaker.services.events.Planner` (``planner``), which generates
in a worker thread with the server's matcher (scores), within ``time_limit`` seconds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter

from matchmaker.db.models import ID_PATTERN
from matchmaker.errors import PermissionDeniedError
from matchmaker.services.container import Services
from matchmaker.services.events import Agendas, EventServices, Planner
from matchmaker.services.events.feeds import FeedLink
from matchmaker.services.events.schemas import (
    FEEDBACK_SIGNAL,
    Agenda,
    AnswerIn,
    Contact,
    DeleteReport,
    EditReport,
    EventCreate,
    EventEdit,
    EventSummary,
    FeedbackIn,
    FeedbackPublic,
    GenerateIn,
    GenerateReport,
    LockIn,
    MyFeedbackIn,
    MyRequestIn,
    PairRuleIn,
    PairRulePublic,
    ParticipantIn,
    ParticipantPublic,
    PlannedMeeting,
    PublishReport,
    RequestCreate,
    RequestPublic,
    SignalItem,
    WithdrawnMeeting,
)
from matchmaker.services.users import Principal
from matchmaker.settings import Settings
from matchmaker.web.auth import staff_only
from matchmaker.web.errors import CONFLICT, document_problems
from matchmaker.web.media import HTML, ICALENDAR, PDF
from matchmaker.web.routes.common import (
    EventId,
    Events,
    SerialId,
    attachment,
    bad_query,
    public_address,
)
from matchmaker.web.routes.jobs import ACCEPTED, JobOut, Wait, start_job

ParticipantId = Annotated[
    str,
    Parameter(min_length=1, max_length=128, pattern=ID_PATTERN.pattern, description="A participant's id."),
]
#: Solver seconds of the re-plan after an edit.
EDIT_TIME_LIMIT = 10.0
Caller = NamedDependency[Principal]
#: The OpenAPI entries of a rating: the first one is created, one given again replaces it.
RATED = {
    201: ResponseSpec(data_container=FeedbackPublic, description="The rating, stored."),
    200: ResponseSpec(
        data_container=FeedbackPublic,
        description="The meeting was rated before: the earlier rating is replaced, and this is it as stored.",
    ),
}


def _self(principal: Principal) -> str:
    """The participant id the caller speaks for (staff speak for nobody)."""
    if principal.is_staff or not principal.subject_id:
        raise PermissionDeniedError("this is for event participants: sign in as a city or a provider")
    return principal.subject_id


def _require_taking_part(
    events: EventServices, principal: Principal, event_id: str, *, or_met: bool = False
) -> str | None:
    """Staff (None), or the participant id of a caller who takes part in the event (``or_met``: or
    was taken out of it after a meeting of it took place, for that meeting's agenda and feedback).

    An event the caller does not take part in answers as an unknown one does (404, same words), so
    its id confirms nothing to outsiders."""
    events.catalog.get(event_id)  # 404 for an unknown event, whoever asks
    if principal.is_staff:
        return None
    me = _self(principal)
    events.catalog.require_taking_part(event_id, me, or_met=or_met)
    return me


def _require_self_or_staff(
    events: EventServices, principal: Principal, event_id: str, participant_id: str, *, or_met: bool = False
) -> None:
    me = _require_taking_part(events, principal, event_id, or_met=or_met)
    if me is not None and me != participant_id:
        raise PermissionDeniedError("a participant may only read its own agenda")


def _acting_as(
    events: EventServices,
    principal: Principal,
    event_id: str,
    given: str | None,
    *,
    refused: str,
    missing: str,
    field: str,
    source: Literal["query", "body"] = "body",
    or_met: bool = False,
) -> str:
    """Who a write to the event speaks for: the calling participant itself, or whom staff name in
    ``field`` (leaving it out is a mistake in the input that names the field, not a refusal)."""
    me = _require_taking_part(events, principal, event_id, or_met=or_met)
    if me is not None and given not in (None, me):
        raise PermissionDeniedError(refused)
    who = me if me is not None else given
    if who is None:
        raise bad_query(field, missing, source=source)
    return who


def _readable_agendas(
    events: Events, current_user: Caller, event_id: EventId, participant_id: ParticipantId
) -> Agendas:
    """Dependency ``agendas`` of the agenda routes: the event's agendas, once the caller may read the
    participant's (staff, the participant itself, or one taken out of the event after a meeting of it
    took place)."""
    _require_self_or_staff(events, current_user, event_id, participant_id, or_met=True)
    return events.agendas


#: The agendas, for a caller who may read the participant's agenda (see :func:`_readable_agendas`).
ReadableAgendas = NamedDependency[Agendas]


def _staff(route: type[HTTPRouteHandler], path: str, **options: Any) -> HTTPRouteHandler:
    """A staff-only route of the events (``route`` is ``get``, ``post``...), made in a worker thread."""
    return route(path, sync_to_thread=True, guards=[staff_only], **options)


def _agenda_as(suffix: str, *, summary: str, media_type: str) -> get:
    """The route of one participant's agenda in another format (``/agenda/{participant_id}/SUFFIX``),
    made in a worker thread."""
    path = f"/{{event_id:str}}/agenda/{{participant_id:str}}/{suffix}"
    return get(path, sync_to_thread=True, summary=summary, media_type=media_type)


class EventController(Controller):
    """Matchmaking events: participants, requests, schedule, agendas, exports and feedback."""

    path = "/events"
    tags = ("events",)
    # Litestar reads the class attribute.
    dependencies = {"agendas": Provide(_readable_agendas, sync_to_thread=True)}  # noqa: RUF012

    # ----------------------------------------------------------------------------------------------
    # Events and participants: staff manage them

    @get("/", sync_to_thread=True, summary="List events")
    def list_events(self, events: Events, current_user: Caller) -> list[EventSummary]:
        """Staff: every event. A participant: the events it takes part in, with its own requests counted."""
        if current_user.is_staff:
            return events.catalog.events()
        return events.catalog.events_of(_self(current_user))

    @_staff(post, "/", status_code=201, summary="Create an event (staff)")
    def create_event(self, events: Events, data: JSONBody[EventCreate]) -> EventSummary:
        """An event with its slots and tables; an existing id is a conflict (409)."""
        return events.catalog.create(data)

    @get("/{event_id:str}", sync_to_thread=True, summary="One event")
    def get_event(self, events: Events, current_user: Caller, event_id: EventId) -> EventSummary:
        """Staff, or a participant of the event (which reads the counts of its own requests only)."""
        me = _require_taking_part(events, current_user, event_id)
        return events.catalog.get(event_id, participant=me)

    @_staff(patch, "/{event_id:str}", summary="Edit an event (staff)")
    def edit_event(
        self, planner: NamedDependency[Planner], event_id: EventId, data: JSONBody[EventEdit]
    ) -> EditReport:
        """Change name, venue, time zone, deadline, slots (or days with breaks) and tables at any time.

        New slots or tables re-plan the event (published and locked meetings stay where they still
        fit); ``replanned.moved`` says what moved. Publish afterwards to update agendas and calendars.
        """
        return planner.edit(event_id, data, time_limit=EDIT_TIME_LIMIT)

    @_staff(delete, "/{event_id:str}", status_code=200, summary="Delete an event (staff)")
    def delete_event(self, events: Events, event_id: EventId) -> DeleteReport:
        """The event and everything stored with it. When its schedule was published, each participant
        is told by e-mail that it is cancelled; the answer says how many e-mails were queued and who
        could not be told."""
        return events.catalog.delete(event_id)

    @_staff(get, "/{event_id:str}/participants", summary="Participants")
    def list_participants(self, events: Events, event_id: EventId) -> list[ParticipantPublic]:
        """The participants with availability and maximum (staff)."""
        return events.catalog.participants(event_id)

    @_staff(
        post, "/{event_id:str}/participants", status_code=200, summary="Add or update participants (staff)"
    )
    def add_participants(
        self, events: Events, event_id: EventId, data: JSONBody[list[ParticipantIn]]
    ) -> list[ParticipantPublic]:
        """Stored cities and providers join (or change their availability and maximum)."""
        return events.catalog.add_participants(event_id, data)

    @_staff(
        delete, "/{event_id:str}/participants/{participant_id:str}", summary="Remove a participant (staff)"
    )
    def remove_participant(self, events: Events, event_id: EventId, participant_id: ParticipantId) -> None:
        """With its requests, pair rules and planned meetings still to come; its published meetings still
        to come are cancelled at the next publication, and those that took place stay."""
        events.catalog.remove_participant(event_id, participant_id)

    @_staff(get, "/{event_id:str}/pair-rules", summary="Pair rules (staff)")
    def list_pair_rules(self, events: Events, event_id: EventId) -> list[PairRulePublic]:
        """Must-meet and blocked pairs."""
        return events.pair_rules.list(event_id)

    @_staff(put, "/{event_id:str}/pair-rules", summary="Set a pair rule (staff)")
    def set_pair_rule(
        self, events: Events, event_id: EventId, data: JSONBody[PairRuleIn]
    ) -> list[PairRulePublic]:
        """Make a pair must-meet or blocked, or clear its rule (``kind`` null); returns every rule."""
        events.pair_rules.set(event_id, data.a, data.b, data.kind)
        return events.pair_rules.list(event_id)

    # ----------------------------------------------------------------------------------------------
    # Requests

    @get("/{event_id:str}/requests", sync_to_thread=True, summary="Meeting requests")
    def list_requests(self, events: Events, current_user: Caller, event_id: EventId) -> list[RequestPublic]:
        """Staff: every request. A participant: those it sent or received."""
        me = _require_taking_part(events, current_user, event_id)
        return events.requests.list(event_id, participant=me)

    @post("/{event_id:str}/requests", sync_to_thread=True, status_code=201, summary="Send a meeting request")
    def create_request(
        self, events: Events, current_user: Caller, event_id: EventId, data: JSONBody[MyRequestIn]
    ) -> RequestPublic:
        """A participant asks another for a meeting (staff may send on behalf of ``sender``): a city may
        ask a provider or another city (a comparable or mentor city), a provider asks a city.

        The request keeps the matcher's one-line reason for the pair. 422 when both parties are the
        same or one does not take part, 409 when the pair already has a request (either direction) or
        the event takes no new requests: its last slot has ended, or its request deadline has passed.
        """
        sender = _acting_as(
            events,
            current_user,
            event_id,
            data.sender,
            refused="a participant may only send requests as itself",
            missing="staff must name the sender (the participant the request is from)",
            field="sender",
        )
        body = RequestCreate(sender=sender, recipient=data.recipient, message=data.message)
        return events.requests.create(event_id, body)

    @get("/{event_id:str}/contacts", sync_to_thread=True, summary="Whom a participant may ask for a meeting")
    def list_contacts(
        self,
        events: Events,
        current_user: Caller,
        event_id: EventId,
        participant: Annotated[
            str | None,
            Parameter(min_length=1, max_length=128, required=False, description="Staff: whose contacts."),
        ] = None,
    ) -> list[Contact]:
        """The event's participants the caller may still ask, the matcher's suggestions first with
        their reasons: a city gets providers and its comparable and mentor cities, a provider gets
        cities. Staff name the ``participant``."""
        who = _acting_as(
            events,
            current_user,
            event_id,
            participant,
            refused="a participant may only read its own contacts",
            missing="staff must name the participant (?participant=ID)",
            field="participant",
            source="query",
        )
        return events.contacts.for_participant(event_id, who)

    # The request id is read as text in the path and as a number by its parameter (SerialId), so an
    # id that is no number is a 400 naming it rather than a route that is not found.
    @post(
        "/{event_id:str}/requests/{request_id:str}/answer",
        sync_to_thread=True,
        status_code=200,
        summary="Accept or decline a request",
    )
    def answer_request(
        self,
        events: Events,
        current_user: Caller,
        event_id: EventId,
        request_id: SerialId,
        data: JSONBody[AnswerIn],
    ) -> RequestPublic:
        """Its recipient (or staff) accepts or declines it, optionally saying why it declines
        (``decline_reason``, which the sender reads with the answer and in the e-mail telling it).
        403 for anyone else; 409 when it expired, or when a participant changes its answer once the
        schedule is published; 422 for a reason over the limit or given with an acceptance."""
        me = _require_taking_part(events, current_user, event_id)
        return events.requests.answer(
            event_id, request_id, data.answer, decline_reason=data.decline_reason, by=me
        )

    @delete(
        "/{event_id:str}/requests/{request_id:str}",
        sync_to_thread=True,
        summary="Withdraw a request still waiting for its answer",
        responses=CONFLICT,
    )
    def withdraw_request(
        self, events: Events, current_user: Caller, event_id: EventId, request_id: SerialId
    ) -> None:
        """Its sender (or staff) takes back a pending request; neither party sees it any longer. 403
        for anyone else, 409 when it was answered or expired, or (for the sender) once the schedule is
        published."""
        me = _require_taking_part(events, current_user, event_id)
        events.requests.withdraw(event_id, request_id, by=me)

    # ----------------------------------------------------------------------------------------------
    # Schedule: staff generate, lock and publish

    @_staff(
        post,
        "/{event_id:str}/schedule/generate",
        status_code=200,
        summary="Generate or re-plan the schedule (staff)",
        responses=ACCEPTED,
    )
    def generate(
        self,
        *,
        planner: NamedDependency[Planner],
        services: NamedDependency[Services],
        current_user: NamedDependency[Principal],
        event_id: EventId,
        data: JSONBody[GenerateIn | None] = None,
        wait: Wait = True,
    ) -> Response[GenerateReport | JobOut]:
        """Plan the meetings; published meetings stay unless ``keep_published`` is false. An infeasible
        event answers 422 with ``reasons`` saying what to relax (with ``wait=false`` the job fails with
        the same reasons). Without a body, every option keeps its default."""
        data = data or GenerateIn()
        if not wait:
            planner.planned(event_id)  # an unknown event is a 404 now, not a failed job later
            params = {"event_id": event_id, "options": data.model_dump(mode="json")}
            return start_job(services.jobs, "generate", params, current_user)
        return Response(
            planner.generate(
                event_id,
                time_limit=data.time_limit,
                keep_published=data.keep_published,
                relax_must_meet=data.relax_must_meet,
            )
        )

    @_staff(get, "/{event_id:str}/schedule", summary="The plan (staff)")
    def plan(self, planner: NamedDependency[Planner], event_id: EventId) -> list[PlannedMeeting]:
        """The current plan in slot and table order, with scores and whether each meeting is published."""
        return planner.planned(event_id)

    @_staff(
        get, "/{event_id:str}/schedule/withdrawn", summary="Published meetings that no longer fit (staff)"
    )
    def withdrawn(self, events: Events, event_id: EventId) -> list[WithdrawnMeeting]:
        """The published meetings in a slot that one of their participants has withdrawn from since
        (its availability changed after the publication), in time order; empty while the published
        schedule fits. Re-plan and publish again to move them."""
        return events.catalog.withdrawn(event_id)

    @_staff(
        post,
        "/{event_id:str}/schedule/lock",
        status_code=200,
        summary="Lock or unlock a planned meeting (staff)",
    )
    def lock(
        self, planner: NamedDependency[Planner], event_id: EventId, data: JSONBody[LockIn]
    ) -> PlannedMeeting:
        """A locked meeting stays where it is when the schedule is re-planned."""
        return planner.lock(event_id, data.a, data.b, locked=data.locked)

    @_staff(
        post,
        "/{event_id:str}/schedule/publish",
        status_code=200,
        summary="Publish the plan (staff)",
        responses=CONFLICT,
    )
    def publish(self, planner: NamedDependency[Planner], event_id: EventId) -> PublishReport:
        """Participants see the plan; calendar entries keep their UID and get a higher SEQUENCE when
        they change; dropped meetings become CANCELLED."""
        return planner.publish(event_id)

    # ----------------------------------------------------------------------------------------------
    # Agendas (staff, or the participant itself)

    @get("/{event_id:str}/agenda/{participant_id:str}", sync_to_thread=True, summary="A participant's agenda")
    def agenda(self, agendas: ReadableAgendas, event_id: EventId, participant_id: ParticipantId) -> Agenda:
        """The published meetings of one participant; a participant may read only its own."""
        return agendas.agenda(event_id, participant_id)

    @_agenda_as("html", summary="A printable agenda (HTML)", media_type=HTML)
    def agenda_html(
        self, agendas: ReadableAgendas, event_id: EventId, participant_id: ParticipantId
    ) -> Response[str]:
        """The agenda as a printable page."""
        html = agendas.html(event_id, participant_id)
        return Response(html, media_type=HTML)

    @_agenda_as("pdf", summary="A printable agenda (PDF)", media_type=PDF)
    def agenda_pdf(
        self, agendas: ReadableAgendas, event_id: EventId, participant_id: ParticipantId
    ) -> Response[bytes]:
        """The agenda as an A4 PDF."""
        data = agendas.pdf(event_id, participant_id)
        return attachment(data, PDF, f"{event_id}-{participant_id}.pdf")

    @_agenda_as("ics", summary="A calendar feed (iCalendar)", media_type=ICALENDAR)
    def agenda_ics(
        self, agendas: ReadableAgendas, event_id: EventId, participant_id: ParticipantId
    ) -> Response[bytes]:
        """Stable UIDs and SEQUENCE numbers: a changed meeting updates its entry, a cancelled one
        cancels it."""
        data = agendas.calendar(event_id, participant_id)
        return attachment(data, ICALENDAR, f"{event_id}-{participant_id}.ics")

    @post(
        "/{event_id:str}/agenda/{participant_id:str}/feed",
        sync_to_thread=True,
        status_code=201,
        summary="A subscribable calendar feed address",
        responses=CONFLICT,
    )
    def issue_feed(
        self,
        *,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        events: Events,
        current_user: Caller,
        event_id: EventId,
        participant_id: ParticipantId,
    ) -> FeedLink:
        """A new secret address (``url``) that calendar clients subscribe to without signing in; the
        participant's earlier addresses stop working, and so does this one when the user who asked for
        it is revoked. Staff, or the participant itself; 409 until the event's schedule is published."""
        _require_self_or_staff(events, current_user, event_id, participant_id)
        link = events.feeds.issue(event_id, participant_id, issued_by=current_user.user_id)
        return link.model_copy(update={"url": public_address(request, settings, link.path)})

    @delete(
        "/{event_id:str}/agenda/{participant_id:str}/feed",
        sync_to_thread=True,
        summary="Revoke the calendar feed addresses",
    )
    def revoke_feed(
        self, events: Events, current_user: Caller, event_id: EventId, participant_id: ParticipantId
    ) -> None:
        """Every feed address of the participant answers 404 from now on."""
        _require_self_or_staff(events, current_user, event_id, participant_id)
        events.feeds.revoke(event_id, participant_id)

    # ----------------------------------------------------------------------------------------------
    # Feedback

    @post(
        "/{event_id:str}/feedback",
        sync_to_thread=True,
        status_code=201,
        summary="Rate a meeting",
        responses=RATED,
    )
    def record_feedback(
        self, events: Events, current_user: Caller, event_id: EventId, data: JSONBody[MyFeedbackIn]
    ) -> Response[FeedbackPublic]:
        """A participant rates its published meeting with ``other``: 201 with the rating. Rating the
        same meeting again replaces the earlier rating and comment: 200 with the rating as stored."""
        rater = _acting_as(
            events,
            current_user,
            event_id,
            data.rater,
            refused="a participant may only rate its own meetings",
            missing="staff must name the rater (the participant who gives the rating)",
            field="rater",
            or_met=True,
        )
        body = FeedbackIn(rater=rater, other=data.other, rating=data.rating, comment=data.comment)
        rated = events.feedback.rate(event_id, body)
        return Response(rated.feedback, status_code=200 if rated.replaced else 201)

    @get("/{event_id:str}/feedback", sync_to_thread=True, summary="Ratings")
    def list_feedback(self, events: Events, current_user: Caller, event_id: EventId) -> list[FeedbackPublic]:
        """Staff: every rating of the event. A participant: the ratings it gave."""
        me = _require_taking_part(events, current_user, event_id, or_met=True)
        return events.feedback.list(event_id, rater=me)

    @_staff(get, f"/{FEEDBACK_SIGNAL}", summary="Feedback signal (staff)")
    def feedback_signal(self, events: Events) -> list[SignalItem]:
        """Per pair, over every event: the mean rating value in [-1, 1] that later matching uses."""
        return [SignalItem(a=a, b=b, signal=v) for (a, b), v in sorted(events.feedback.signal().items())]


document_problems(EventController)

__all__ = ["EventController"]
