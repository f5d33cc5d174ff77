"""Matchmaking events over HTTP: a thin adapter over :mod:`matchmaker.services.events`.

Who may do what:

=========================================  ===========================================================
staff                                      everything: create events, add participants, pair rules,
                                           requests for anyone, generate, lock, publish, every agenda,
                                           the organisers' CSV, all feedback, the feedback signal
city focal point or provider taking part   the event summary, its own agenda (JSON, HTML, PDF, iCalendar),
                                           its own requests (send; answer those it received), its own
                                           feedback
anyone else                                403 (404 for an unknown event)
=========================================  ===========================================================

A participant is the city or provider its token speaks for (``matchmaker users add --for ID``); it can
never read another participant's agenda. Generating runs the solver in a worker thread with the
server's matcher (scores), within ``time_limit`` seconds.
"""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter
from litestar.types import ControllerRouterHandler
from pydantic import BaseModel, Field

from matchmaker.errors import MatchmakerError, PermissionDeniedError
from matchmaker.services import events as service
from matchmaker.services.event_rules import (
    Agenda,
    Answer,
    EventCreate,
    EventSummary,
    FeedbackIn,
    FeedbackPublic,
    GenerateReport,
    PairRuleKind,
    PairRulePublic,
    ParticipantIn,
    ParticipantPublic,
    PlannedMeeting,
    PublishReport,
    Rating,
    RequestCreate,
    RequestPublic,
)
from matchmaker.services.users import Principal
from matchmaker.settings import Settings
from matchmaker.web.auth import staff_only
from matchmaker.web.state import Runtime

EventId = Annotated[str, Parameter(min_length=1, max_length=128, description="The event's id.")]
ParticipantId = Annotated[str, Parameter(min_length=1, max_length=128, description="A participant's id.")]

#: Longest solver time limit a request may ask for, in seconds.
MAX_TIME_LIMIT = 60.0


class GenerateIn(BaseModel):
    """Options of a (re-)plan."""

    time_limit: float = Field(default=20.0, gt=0, le=MAX_TIME_LIMIT, description="Solver seconds.")
    keep_published: bool = Field(default=True, description="Keep published meetings where they are.")
    relax_must_meet: bool = Field(
        default=False, description="Plan anyway and list must-meets that cannot be held (else 422)."
    )


class PairRuleIn(BaseModel):
    """A staff rule for a pair; ``kind`` null clears it."""

    a: str = Field(min_length=1, max_length=128)
    b: str = Field(min_length=1, max_length=128)
    kind: PairRuleKind | None


class LockIn(BaseModel):
    """Pin or unpin a planned meeting."""

    a: str = Field(min_length=1, max_length=128)
    b: str = Field(min_length=1, max_length=128)
    locked: bool = True


class AnswerIn(BaseModel):
    """The answer to a meeting request."""

    answer: Answer


class MyRequestIn(BaseModel):
    """A request sent by a participant (the sender is the caller; staff give ``sender``)."""

    recipient: str = Field(min_length=1, max_length=128)
    sender: str | None = Field(default=None, min_length=1, max_length=128)
    message: str | None = Field(default=None, max_length=2000)


class MyFeedbackIn(BaseModel):
    """A rating of the caller's meeting with ``other`` (staff give ``rater``)."""

    other: str = Field(min_length=1, max_length=128)
    rating: Rating
    rater: str | None = Field(default=None, min_length=1, max_length=128)
    comment: str | None = Field(default=None, max_length=2000)


class SignalItem(BaseModel):
    """The feedback signal of one pair."""

    a: str
    b: str
    signal: float


def _self(principal: Principal) -> str:
    """The participant id the caller speaks for (staff speak for nobody)."""
    if principal.is_staff or not principal.subject_id:
        raise PermissionDeniedError("this is for event participants: sign in as a city or a provider")
    return principal.subject_id


def _require_taking_part(settings: Settings, principal: Principal, event_id: str) -> str | None:
    """Staff (None), or the participant id of a caller who takes part in the event (403 otherwise)."""
    service.get_event(settings, event_id)  # 404 for an unknown event, whoever asks
    if principal.is_staff:
        return None
    me = _self(principal)
    if me not in {p.id for p in service.list_participants(settings, event_id)}:
        raise PermissionDeniedError("you do not take part in this event")
    return me


def _require_self_or_staff(
    settings: Settings, principal: Principal, event_id: str, participant_id: str
) -> None:
    me = _require_taking_part(settings, principal, event_id)
    if me is not None and me != participant_id:
        raise PermissionDeniedError("a participant may only read its own agenda")


def _score_for(settings: Settings, runtime: Runtime) -> tuple[service.ScoreFunction, str]:
    try:
        matcher = runtime.get_matcher()
    except MatchmakerError as exc:
        return (lambda _a, _b: 0.0), f"none: the matcher is not available ({exc.message}), pairs scored 0.0"
    return service.default_score_function(settings, matcher)


class EventController(Controller):
    """Matchmaking events: participants, requests, schedule, agendas, exports and feedback."""

    path = "/events"
    tags = ("events",)

    # ----------------------------------------------------------------------------------------------
    # Events and participants: staff manage them

    @get("/", sync_to_thread=True, summary="List events")
    def list_events(
        self, settings: NamedDependency[Settings], current_user: NamedDependency[Principal]
    ) -> list[EventSummary]:
        """Staff: every event. A participant: the events it takes part in."""
        if current_user.is_staff:
            return service.list_events(settings)
        return service.events_of(settings, _self(current_user))

    @post("/", sync_to_thread=True, guards=[staff_only], status_code=201, summary="Create an event (staff)")
    def create_event(self, settings: NamedDependency[Settings], data: JSONBody[EventCreate]) -> EventSummary:
        """An event with its slots and tables; an existing id is a conflict (409)."""
        return service.create_event(settings, data)

    @get("/{event_id:str}", sync_to_thread=True, summary="One event")
    def get_event(
        self, settings: NamedDependency[Settings], current_user: NamedDependency[Principal], event_id: EventId
    ) -> EventSummary:
        """Staff, or a participant of the event."""
        _require_taking_part(settings, current_user, event_id)
        return service.get_event(settings, event_id)

    @delete("/{event_id:str}", sync_to_thread=True, guards=[staff_only], summary="Delete an event (staff)")
    def delete_event(self, settings: NamedDependency[Settings], event_id: EventId) -> None:
        """The event and everything stored with it."""
        service.delete_event(settings, event_id)

    @get("/{event_id:str}/participants", sync_to_thread=True, guards=[staff_only], summary="Participants")
    def list_participants(
        self, settings: NamedDependency[Settings], event_id: EventId
    ) -> list[ParticipantPublic]:
        """The participants with availability and maximum (staff)."""
        return service.list_participants(settings, event_id)

    @post(
        "/{event_id:str}/participants",
        sync_to_thread=True,
        guards=[staff_only],
        status_code=200,
        summary="Add or update participants (staff)",
    )
    def add_participants(
        self, settings: NamedDependency[Settings], event_id: EventId, data: JSONBody[list[ParticipantIn]]
    ) -> list[ParticipantPublic]:
        """Stored cities and providers join (or change their availability and maximum)."""
        return service.add_participants(settings, event_id, data)

    @delete(
        "/{event_id:str}/participants/{participant_id:str}",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Remove a participant (staff)",
    )
    def remove_participant(
        self, settings: NamedDependency[Settings], event_id: EventId, participant_id: ParticipantId
    ) -> None:
        """With its requests and pair rules; its published meetings are cancelled at the next publication."""
        service.remove_participant(settings, event_id, participant_id)

    @get("/{event_id:str}/pair-rules", sync_to_thread=True, guards=[staff_only], summary="Pair rules (staff)")
    def list_pair_rules(self, settings: NamedDependency[Settings], event_id: EventId) -> list[PairRulePublic]:
        """Must-meet and blocked pairs."""
        return service.list_pair_rules(settings, event_id)

    @put(
        "/{event_id:str}/pair-rules",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Set a pair rule (staff)",
    )
    def set_pair_rule(
        self, settings: NamedDependency[Settings], event_id: EventId, data: JSONBody[PairRuleIn]
    ) -> list[PairRulePublic]:
        """Make a pair must-meet or blocked, or clear its rule (``kind`` null); returns every rule."""
        service.set_pair_rule(settings, event_id, data.a, data.b, data.kind)
        return service.list_pair_rules(settings, event_id)

    # ----------------------------------------------------------------------------------------------
    # Requests

    @get("/{event_id:str}/requests", sync_to_thread=True, summary="Meeting requests")
    def list_requests(
        self, settings: NamedDependency[Settings], current_user: NamedDependency[Principal], event_id: EventId
    ) -> list[RequestPublic]:
        """Staff: every request. A participant: those it sent or received."""
        me = _require_taking_part(settings, current_user, event_id)
        return service.list_requests(settings, event_id, participant=me)

    @post("/{event_id:str}/requests", sync_to_thread=True, status_code=201, summary="Send a meeting request")
    def create_request(
        self,
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        event_id: EventId,
        data: JSONBody[MyRequestIn],
    ) -> RequestPublic:
        """A participant asks another for a meeting (staff may send on behalf of ``sender``)."""
        me = _require_taking_part(settings, current_user, event_id)
        sender = me if me is not None else data.sender
        if me is not None and data.sender not in (None, me):
            raise PermissionDeniedError("a participant may only send requests as itself")
        if sender is None:
            raise PermissionDeniedError("staff must name the sender")
        body = RequestCreate(sender=sender, recipient=data.recipient, message=data.message)
        return service.create_request(settings, event_id, body)

    @post(
        "/{event_id:str}/requests/{request_id:int}/answer",
        sync_to_thread=True,
        status_code=200,
        summary="Accept or decline a request",
    )
    def answer_request(
        self,
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        event_id: EventId,
        request_id: FromPath[int],
        data: JSONBody[AnswerIn],
    ) -> RequestPublic:
        """Its recipient (or staff) accepts or declines it; expired requests cannot be answered."""
        me = _require_taking_part(settings, current_user, event_id)
        return service.answer_request(settings, event_id, request_id, data.answer, by=me)

    # ----------------------------------------------------------------------------------------------
    # Schedule: staff generate, lock and publish

    @post(
        "/{event_id:str}/schedule/generate",
        sync_to_thread=True,
        guards=[staff_only],
        status_code=200,
        summary="Generate or re-plan the schedule (staff)",
    )
    def generate(
        self,
        settings: NamedDependency[Settings],
        runtime: NamedDependency[Runtime],
        event_id: EventId,
        data: JSONBody[GenerateIn],
    ) -> GenerateReport:
        """Plan the meetings; published meetings stay unless ``keep_published`` is false. An infeasible
        event answers 422 with ``reasons`` saying what to relax."""
        score, source = _score_for(settings, runtime)
        report = service.generate_schedule(
            settings,
            event_id,
            score=score,
            time_limit=data.time_limit,
            keep_published=data.keep_published,
            relax_must_meet=data.relax_must_meet,
        )
        if report.score_source == "custom":
            report.score_source = getattr(score, "source", source)
        return report

    @get("/{event_id:str}/schedule", sync_to_thread=True, guards=[staff_only], summary="The plan (staff)")
    def plan(self, settings: NamedDependency[Settings], event_id: EventId) -> list[PlannedMeeting]:
        """The current plan in slot and table order, with scores and whether each meeting is published."""
        return service.planned_meetings(settings, event_id)

    @post(
        "/{event_id:str}/schedule/lock",
        sync_to_thread=True,
        guards=[staff_only],
        status_code=200,
        summary="Lock or unlock a planned meeting (staff)",
    )
    def lock(
        self, settings: NamedDependency[Settings], event_id: EventId, data: JSONBody[LockIn]
    ) -> PlannedMeeting:
        """A locked meeting stays where it is when the schedule is re-planned."""
        return service.lock_meeting(settings, event_id, data.a, data.b, locked=data.locked)

    @post(
        "/{event_id:str}/schedule/publish",
        sync_to_thread=True,
        guards=[staff_only],
        status_code=200,
        summary="Publish the plan (staff)",
    )
    def publish(self, settings: NamedDependency[Settings], event_id: EventId) -> PublishReport:
        """Participants see the plan; calendar entries keep their UID and get a higher SEQUENCE when
        they change; dropped meetings become CANCELLED."""
        return service.publish_schedule(settings, event_id)

    @get(
        "/{event_id:str}/export/csv",
        sync_to_thread=True,
        guards=[staff_only],
        summary="Organisers' CSV (staff)",
        media_type="text/csv",
    )
    def export_csv(
        self,
        settings: NamedDependency[Settings],
        event_id: EventId,
        source: Annotated[
            Literal["published", "plan"], Parameter(required=False, description="Which schedule.")
        ] = "published",
    ) -> Response[str]:
        """Slot, times, table, both parties, score and reason, one row per meeting."""
        text = service.export_csv(settings, event_id, source=source)
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{event_id}-meetings.csv"'},
        )

    # ----------------------------------------------------------------------------------------------
    # Agendas (staff, or the participant itself)

    @get("/{event_id:str}/agenda/{participant_id:str}", sync_to_thread=True, summary="A participant's agenda")
    def agenda(
        self,
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        event_id: EventId,
        participant_id: ParticipantId,
    ) -> Agenda:
        """The published meetings of one participant; a participant may read only its own."""
        _require_self_or_staff(settings, current_user, event_id, participant_id)
        return service.participant_agenda(settings, event_id, participant_id)

    @get(
        "/{event_id:str}/agenda/{participant_id:str}/html",
        sync_to_thread=True,
        summary="A printable agenda (HTML)",
        media_type="text/html",
    )
    def agenda_html(
        self,
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        event_id: EventId,
        participant_id: ParticipantId,
    ) -> Response[str]:
        """The agenda as a printable page."""
        _require_self_or_staff(settings, current_user, event_id, participant_id)
        html = service.export_agenda_html(settings, event_id, participant_id)
        return Response(html, media_type="text/html; charset=utf-8")

    @get(
        "/{event_id:str}/agenda/{participant_id:str}/pdf",
        sync_to_thread=True,
        summary="A printable agenda (PDF)",
        media_type="application/pdf",
    )
    def agenda_pdf(
        self,
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        event_id: EventId,
        participant_id: ParticipantId,
    ) -> Response[bytes]:
        """The agenda as an A4 PDF."""
        _require_self_or_staff(settings, current_user, event_id, participant_id)
        data = service.export_agenda_pdf(settings, event_id, participant_id)
        return Response(
            data,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{event_id}-{participant_id}.pdf"'},
        )

    @get(
        "/{event_id:str}/agenda/{participant_id:str}/ics",
        sync_to_thread=True,
        summary="A calendar feed (iCalendar)",
        media_type="text/calendar",
    )
    def agenda_ics(
        self,
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        event_id: EventId,
        participant_id: ParticipantId,
    ) -> Response[bytes]:
        """Stable UIDs and SEQUENCE numbers: a changed meeting updates its entry, a cancelled one
        cancels it."""
        _require_self_or_staff(settings, current_user, event_id, participant_id)
        data = service.export_calendar(settings, event_id, participant_id)
        return Response(
            data,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{event_id}-{participant_id}.ics"'},
        )

    # ----------------------------------------------------------------------------------------------
    # Feedback

    @post("/{event_id:str}/feedback", sync_to_thread=True, status_code=201, summary="Rate a meeting")
    def record_feedback(
        self,
        settings: NamedDependency[Settings],
        current_user: NamedDependency[Principal],
        event_id: EventId,
        data: JSONBody[MyFeedbackIn],
    ) -> FeedbackPublic:
        """A participant rates its published meeting with ``other`` (again: replaces the rating)."""
        me = _require_taking_part(settings, current_user, event_id)
        if me is not None and data.rater not in (None, me):
            raise PermissionDeniedError("a participant may only rate its own meetings")
        rater = me if me is not None else data.rater
        if rater is None:
            raise PermissionDeniedError("staff must name the rater")
        body = FeedbackIn(rater=rater, other=data.other, rating=data.rating, comment=data.comment)
        return service.record_feedback(settings, event_id, body)

    @get("/{event_id:str}/feedback", sync_to_thread=True, summary="Ratings")
    def list_feedback(
        self, settings: NamedDependency[Settings], current_user: NamedDependency[Principal], event_id: EventId
    ) -> list[FeedbackPublic]:
        """Staff: every rating of the event. A participant: the ratings it gave."""
        me = _require_taking_part(settings, current_user, event_id)
        return service.list_feedback(settings, event_id, rater=me)

    @get("/feedback-signal", sync_to_thread=True, guards=[staff_only], summary="Feedback signal (staff)")
    def feedback_signal(self, settings: NamedDependency[Settings]) -> list[SignalItem]:
        """Per pair, over every event: the mean rating value in [-1, 1] that later matching uses."""
        return [
            SignalItem(a=a, b=b, signal=v) for (a, b), v in sorted(service.feedback_signal(settings).items())
        ]


def api_route_handlers(settings: Settings) -> list[ControllerRouterHandler]:
    """The event routes, mounted by ``create_app`` under ``/api/v1``."""
    del settings
    return [EventController]


__all__ = ["EventController", "api_route_handlers"]
