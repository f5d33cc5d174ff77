"""Use cases of matchmaking events; the CLI (``matchmaker event``) and the web routes call only these.

Lifecycle: :func:`create_event` → :func:`add_participants` → requests (:func:`create_request`,
:func:`answer_request`) and staff rules (:func:`set_pair_rule`) → :func:`generate_schedule` (the
plan; run it again after late changes) → :func:`publish_schedule` (participants see it; calendars
get stable UIDs and SEQUENCE numbers) → :func:`participant_agenda` and the exports → after the event,
:func:`record_feedback`, and :func:`feedback_signal` for later matching.

Re-planning keeps published meetings where they are unless ``keep_published=False``; the report
says what moved, was added or cancelled, against the published schedule and against the last plan.

Scores come from a :data:`ScoreFunction` passed by the caller. Without one,
:func:`default_score_function` uses the matcher (``matchmaker.services.matching``) when it is
installed, and otherwise scores every pair 0.0 with a warning, so requests, staff rules and the
one-meeting-for-everyone rule still shape the schedule.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from matchmaker.db.engine import create_db_engine, session_scope
from matchmaker.db.events import (
    Event,
    EventMeeting,
    EventParticipant,
    EventSlot,
    EventTable,
    MeetingFeedback,
    MeetingRequestRow,
    PairRule,
    PublishedMeeting,
)
from matchmaker.db.models import City, Provider, utcnow
from matchmaker.errors import (
    ConflictError,
    InvalidInputError,
    MatchmakerError,
    NotFoundError,
    PermissionDeniedError,
)
from matchmaker.scheduling.exports import (
    CalendarEntry,
    calendar_entries,
    meetings_csv,
    participant_agenda_html,
    participant_calendar,
)
from matchmaker.scheduling.pdf import participant_agenda_pdf
from matchmaker.scheduling.problem import Pair, Placement, Slot, pair_key
from matchmaker.scheduling.result import Meeting, diff_schedules
from matchmaker.scheduling.service import DEFAULT_TIME_LIMIT, solve_problem
from matchmaker.services.event_rules import (
    Agenda,
    AgendaItem,
    Answer,
    EventCreate,
    EventSnapshot,
    EventSummary,
    FeedbackIn,
    FeedbackPublic,
    GenerateReport,
    PairRuleKind,
    PairRulePublic,
    ParticipantIn,
    ParticipantPublic,
    ParticipantRow,
    PlannedMeeting,
    PublishReport,
    RequestCreate,
    RequestPublic,
    RequestRow,
    aggregate_feedback,
    build_problem,
    describe_moves,
    effective_status,
    event_slots,
    meeting_reason,
    pair_problem,
    with_feedback,
)
from matchmaker.settings import Settings

logger = logging.getLogger(__name__)

#: ``score(a_id, b_id) -> score | None``: how well two participants match (None: no score).
ScoreFunction = Callable[[str, str], float | None]


# --------------------------------------------------------------------------------------------------
# Scores


class GuardedScore:
    """A score function that falls back to 0.0 (with one warning) when the matcher fails.

    The matcher loads its indexes lazily, so a missing index shows up on the first call, in the
    middle of encoding; the schedule is then still made, from requests and staff rules, and
    :attr:`source` says so.
    """

    def __init__(self, score: ScoreFunction, source: str) -> None:
        self._score: ScoreFunction | None = score
        self.source = source

    def __call__(self, a: str, b: str) -> float | None:
        """The score of the pair, or 0.0 once the matcher has failed."""
        if self._score is None:
            return 0.0
        try:
            return self._score(a, b)
        except MatchmakerError as exc:
            logger.warning("the matcher failed (%s); the remaining pairs are scored 0.0", exc.message)
            self._score = None
            self.source = f"none: the matcher failed ({exc.message}), pairs scored 0.0"
            return 0.0


def default_score_function(settings: Settings, matcher: Any | None = None) -> tuple[ScoreFunction, str]:
    """The matcher's ``pair_score`` (``matcher`` when given) guarded by :class:`GuardedScore`,
    else 0.0 for every pair with a warning; and a description of the source."""
    if matcher is None:
        try:
            # Imported by name: the matching engine is an optional neighbour of this module.
            matching = importlib.import_module("matchmaker.services.matching")
        except ImportError:
            logger.warning("the matcher is not available; every pair of the event is scored 0.0")
            return (lambda _a, _b: 0.0), "none: the matcher is not installed, every pair scored 0.0"
        try:
            matcher = matching.Matcher.for_settings(settings)
        except MatchmakerError as exc:
            logger.warning("the matcher cannot be loaded (%s); every pair is scored 0.0", exc.message)
            return (
                lambda _a, _b: 0.0
            ), f"none: the matcher could not be loaded ({exc.message}), pairs scored 0.0"
    guarded = GuardedScore(matcher.pair_score, "matcher")
    return guarded, "matcher"


# --------------------------------------------------------------------------------------------------
# Loading helpers (inside a session)


def _event(session: Session, event_id: str) -> Event:
    row = session.get(Event, event_id)
    if row is None:
        raise NotFoundError(f"no event with id {event_id!r}")
    return row


def _slots(session: Session, event_id: str) -> list[Slot]:
    rows = session.exec(
        select(EventSlot).where(EventSlot.event_id == event_id).order_by(col(EventSlot.position))
    )
    return [
        Slot(id=r.slot_id, start=datetime.fromisoformat(r.start), end=datetime.fromisoformat(r.end))
        for r in rows
    ]


def _table_labels(session: Session, event_id: str) -> dict[int, str]:
    rows = session.exec(select(EventTable).where(EventTable.event_id == event_id))
    return {r.number: r.label for r in rows if r.label}


def _table_count(session: Session, event_id: str) -> int:
    count = session.exec(select(func.count()).select_from(EventTable).where(EventTable.event_id == event_id))
    return int(count.one())


def _participants(session: Session, event_id: str) -> list[EventParticipant]:
    return list(
        session.exec(
            select(EventParticipant)
            .where(EventParticipant.event_id == event_id)
            .order_by(col(EventParticipant.participant_id))
        )
    )


def _names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    names = {r.id: r.name for r in session.exec(select(City).where(col(City.id).in_(ids)))}
    names.update({r.id: r.name for r in session.exec(select(Provider).where(col(Provider.id).in_(ids)))})
    return names


def _sides(session: Session, event_id: str) -> dict[str, str]:
    return {p.participant_id: p.side for p in _participants(session, event_id)}


def _participant_public(row: EventParticipant, names: dict[str, str]) -> ParticipantPublic:
    return ParticipantPublic(
        id=row.participant_id,
        name=names.get(row.participant_id, row.participant_id),
        side="city" if row.side == "city" else "provider",
        available=None if row.available is None else json.loads(row.available),
        max_meetings=row.max_meetings,
    )


def _request_public(row: MeetingRequestRow, deadline: datetime | None, now: datetime) -> RequestPublic:
    assert row.id is not None
    return RequestPublic(
        id=row.id,
        sender=row.sender,
        recipient=row.recipient,
        status=effective_status(row.status, deadline, now),
        message=row.message,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _published(session: Session, event_id: str) -> list[PublishedMeeting]:
    return list(session.exec(select(PublishedMeeting).where(PublishedMeeting.event_id == event_id)))


def _plan(session: Session, event_id: str) -> list[EventMeeting]:
    return list(session.exec(select(EventMeeting).where(EventMeeting.event_id == event_id)))


def _entry(row: PublishedMeeting) -> CalendarEntry:
    return CalendarEntry(
        uid=row.uid,
        sequence=row.sequence,
        status="CANCELLED" if row.status == "CANCELLED" else "CONFIRMED",
        a=row.a,
        b=row.b,
        slot=row.slot_id,
        table=row.table_number,
        start=datetime.fromisoformat(row.start),
        end=datetime.fromisoformat(row.end),
    )


def _is_participant(session: Session, event_id: str, pid: str) -> EventParticipant:
    row = session.get(EventParticipant, (event_id, pid))
    if row is None:
        raise NotFoundError(f"{pid!r} does not take part in event {event_id!r}")
    return row


# --------------------------------------------------------------------------------------------------
# Events and participants


def create_event(settings: Settings, data: EventCreate) -> EventSummary:
    """Store a new event with its slots and tables; an existing id is a conflict."""
    slots = event_slots(data.slots)
    with session_scope(create_db_engine(settings)) as session:
        if session.get(Event, data.id) is not None:
            raise ConflictError(f"an event with id {data.id!r} already exists")
        session.add(
            Event(id=data.id, name=data.name, timezone=data.timezone, request_deadline=data.request_deadline)
        )
        session.flush()
        for n, s in enumerate(slots):
            session.add(
                EventSlot(
                    event_id=data.id,
                    slot_id=s.id,
                    position=n,
                    start=s.start.isoformat(),
                    end=s.end.isoformat(),
                )
            )
        for n in range(1, data.table_count + 1):
            label = data.table_labels[n - 1] if data.table_labels else None
            session.add(EventTable(event_id=data.id, number=n, label=label))
    logger.info("created event %s with %d slots and %d tables", data.id, len(slots), data.table_count)
    return get_event(settings, data.id)


def list_events(settings: Settings) -> list[EventSummary]:
    """Every event, newest first."""
    with session_scope(create_db_engine(settings)) as session:
        ids = list(session.exec(select(Event.id).order_by(col(Event.created_at).desc())))
    return [get_event(settings, i) for i in ids]


def events_of(settings: Settings, participant_id: str) -> list[EventSummary]:
    """The events a city or provider takes part in, newest first."""
    with session_scope(create_db_engine(settings)) as session:
        ids = list(
            session.exec(
                select(Event.id)
                .join(EventParticipant, col(EventParticipant.event_id) == col(Event.id))
                .where(EventParticipant.participant_id == participant_id)
                .order_by(col(Event.created_at).desc())
            )
        )
    return [get_event(settings, i) for i in ids]


def get_event(settings: Settings, event_id: str) -> EventSummary:
    """One event with its slots, tables and counts."""
    with session_scope(create_db_engine(settings)) as session:
        ev = _event(session, event_id)

        def count(model: type[EventParticipant | MeetingRequestRow | EventMeeting]) -> int:
            stmt = select(func.count()).select_from(model).where(model.event_id == event_id)
            return int(session.exec(stmt).one())

        return EventSummary(
            id=ev.id,
            name=ev.name,
            timezone=ev.timezone,
            request_deadline=ev.request_deadline,
            slots=_slots(session, event_id),
            tables=_table_count(session, event_id),
            table_labels=_table_labels(session, event_id),
            participants=count(EventParticipant),
            requests=count(MeetingRequestRow),
            planned_meetings=count(EventMeeting),
            published_version=ev.published_version,
            published_at=ev.published_at,
            generated_at=ev.generated_at,
        )


def delete_event(settings: Settings, event_id: str) -> None:
    """Delete an event and everything stored with it."""
    with session_scope(create_db_engine(settings)) as session:
        ev = _event(session, event_id)
        for model in (
            EventSlot,
            EventTable,
            EventParticipant,
            MeetingRequestRow,
            PairRule,
            EventMeeting,
            PublishedMeeting,
            MeetingFeedback,
        ):
            session.execute(delete(model).where(col(model.event_id) == event_id))
        session.delete(ev)


def add_participants(
    settings: Settings, event_id: str, items: Sequence[ParticipantIn]
) -> list[ParticipantPublic]:
    """Add stored cities and providers to an event, or update their availability and maximum.

    Every id must be a stored city or provider and every slot id a slot of the event; nothing is
    stored when one is not.
    """
    with session_scope(create_db_engine(settings)) as session:
        _event(session, event_id)
        slot_ids = {s.id for s in _slots(session, event_id)}
        ids = [p.id for p in items]
        cities = set(session.exec(select(City.id).where(col(City.id).in_(ids))))
        providers = set(session.exec(select(Provider.id).where(col(Provider.id).in_(ids))))
        errors: list[str] = []
        for p in items:
            if p.id not in cities and p.id not in providers:
                errors.append(f"{p.id!r} is neither a stored city nor a stored provider")
            unknown = sorted(set(p.available or []) - slot_ids)
            if unknown:
                errors.append(f"{p.id!r}: unknown slot id(s) {', '.join(unknown)}")
        if errors:
            raise InvalidInputError("; ".join(errors))
        for p in items:
            row = session.get(EventParticipant, (event_id, p.id)) or EventParticipant(
                event_id=event_id, participant_id=p.id, side="city" if p.id in cities else "provider"
            )
            row.available = None if p.available is None else json.dumps(sorted(set(p.available)))
            row.max_meetings = p.max_meetings
            session.add(row)
        session.flush()
        names = _names(session, ids)
        return [
            _participant_public(row, names)
            for row in _participants(session, event_id)
            if row.participant_id in set(ids)
        ]


def list_participants(settings: Settings, event_id: str) -> list[ParticipantPublic]:
    """The participants of an event, ordered by id."""
    with session_scope(create_db_engine(settings)) as session:
        _event(session, event_id)
        rows = _participants(session, event_id)
        names = _names(session, [r.participant_id for r in rows])
        return [_participant_public(r, names) for r in rows]


def remove_participant(settings: Settings, event_id: str, participant_id: str) -> None:
    """Take a participant out of an event, with its requests and pair rules.

    Its published meetings are cancelled at the next publication after a re-plan.
    """
    with session_scope(create_db_engine(settings)) as session:
        row = _is_participant(session, event_id, participant_id)
        session.delete(row)
        for model in (MeetingRequestRow,):
            session.execute(
                delete(model).where(
                    col(model.event_id) == event_id,
                    (col(model.sender) == participant_id) | (col(model.recipient) == participant_id),
                )
            )
        session.execute(
            delete(PairRule).where(
                col(PairRule.event_id) == event_id,
                (col(PairRule.a) == participant_id) | (col(PairRule.b) == participant_id),
            )
        )


# --------------------------------------------------------------------------------------------------
# Requests and pair rules


def create_request(
    settings: Settings, event_id: str, data: RequestCreate, *, now: datetime | None = None
) -> RequestPublic:
    """Store a pending meeting request; refused after the deadline or when it already exists."""
    now = now or utcnow()
    with session_scope(create_db_engine(settings)) as session:
        ev = _event(session, event_id)
        problem = pair_problem(_sides(session, event_id), data.sender, data.recipient, "meeting request")
        if problem:
            raise InvalidInputError(problem)
        if ev.request_deadline is not None and now > ev.request_deadline:
            raise ConflictError(
                f"the request deadline of event {event_id!r} ({ev.request_deadline.isoformat()}) has passed"
            )
        existing = session.exec(
            select(MeetingRequestRow).where(
                MeetingRequestRow.event_id == event_id,
                MeetingRequestRow.sender == data.sender,
                MeetingRequestRow.recipient == data.recipient,
            )
        ).first()
        if existing is not None:
            raise ConflictError(
                f"{data.sender!r} has already asked {data.recipient!r} (request {existing.id})"
            )
        row = MeetingRequestRow(
            event_id=event_id, sender=data.sender, recipient=data.recipient, message=data.message
        )
        session.add(row)
        session.flush()
        return _request_public(row, ev.request_deadline, now)


def answer_request(
    settings: Settings,
    event_id: str,
    request_id: int,
    answer: Answer,
    *,
    by: str | None = None,
    now: datetime | None = None,
) -> RequestPublic:
    """Accept or decline a request. ``by`` (when given) must be its recipient; staff pass None.

    A request that expired at the deadline can no longer be answered by participants.
    """
    now = now or utcnow()
    with session_scope(create_db_engine(settings)) as session:
        ev = _event(session, event_id)
        row = session.get(MeetingRequestRow, request_id)
        if row is None or row.event_id != event_id:
            raise NotFoundError(f"no request {request_id} in event {event_id!r}")
        if by is not None:
            if by != row.recipient:
                raise PermissionDeniedError("only the recipient of a request can answer it")
            if effective_status(row.status, ev.request_deadline, now) == "expired":
                raise ConflictError(f"request {request_id} expired at the deadline")
        row.status = answer
        row.updated_at = now
        session.add(row)
        session.flush()
        return _request_public(row, ev.request_deadline, now)


def list_requests(
    settings: Settings, event_id: str, *, participant: str | None = None, now: datetime | None = None
) -> list[RequestPublic]:
    """Requests of an event (only those sent or received by ``participant`` when given)."""
    now = now or utcnow()
    with session_scope(create_db_engine(settings)) as session:
        ev = _event(session, event_id)
        stmt = select(MeetingRequestRow).where(MeetingRequestRow.event_id == event_id)
        if participant is not None:
            stmt = stmt.where(
                (col(MeetingRequestRow.sender) == participant)
                | (col(MeetingRequestRow.recipient) == participant)
            )
        rows = session.exec(stmt.order_by(col(MeetingRequestRow.id)))
        return [_request_public(r, ev.request_deadline, now) for r in rows]


def set_pair_rule(
    settings: Settings, event_id: str, a: str, b: str, kind: PairRuleKind | None
) -> PairRulePublic | None:
    """Make a pair must-meet or blocked (replacing its other rule), or clear its rule (``kind=None``)."""
    with session_scope(create_db_engine(settings)) as session:
        _event(session, event_id)
        if kind is not None:
            problem = pair_problem(_sides(session, event_id), a, b, kind.replace("_", "-") + " pair")
            if problem:
                raise InvalidInputError(problem)
        x, y = pair_key(a, b)
        row = session.get(PairRule, (event_id, x, y))
        if kind is None:
            if row is not None:
                session.delete(row)
            return None
        row = row or PairRule(event_id=event_id, a=x, b=y, kind=kind)
        row.kind = kind
        session.add(row)
        return PairRulePublic(a=x, b=y, kind=kind)


def list_pair_rules(settings: Settings, event_id: str) -> list[PairRulePublic]:
    """The must-meet and blocked pairs of an event."""
    with session_scope(create_db_engine(settings)) as session:
        _event(session, event_id)
        rows = session.exec(
            select(PairRule).where(PairRule.event_id == event_id).order_by(col(PairRule.a), col(PairRule.b))
        )
        return [
            PairRulePublic(a=r.a, b=r.b, kind="blocked" if r.kind == "blocked" else "must_meet") for r in rows
        ]


# --------------------------------------------------------------------------------------------------
# Scheduling


def _snapshot(session: Session, ev: Event) -> EventSnapshot:
    event_id = ev.id
    participants = _participants(session, event_id)
    names = _names(session, [p.participant_id for p in participants])
    rules = list(session.exec(select(PairRule).where(PairRule.event_id == event_id)))
    published = [
        Placement(slot=r.slot_id, table=r.table_number, a=r.a, b=r.b)
        for r in _published(session, event_id)
        if r.status == "CONFIRMED"
    ]
    pinned = [
        Placement(slot=r.slot_id, table=r.table_number, a=r.a, b=r.b)
        for r in _plan(session, event_id)
        if r.locked
    ]
    return EventSnapshot(
        event_id=event_id,
        name=ev.name,
        timezone=ev.timezone,
        request_deadline=ev.request_deadline,
        slots=_slots(session, event_id),
        tables=_table_count(session, event_id),
        participants=[
            ParticipantRow(
                id=p.participant_id,
                side="city" if p.side == "city" else "provider",
                name=names.get(p.participant_id),
                available=None if p.available is None else json.loads(p.available),
                max_meetings=p.max_meetings,
            )
            for p in participants
        ],
        requests=[
            RequestRow(sender=r.sender, recipient=r.recipient, status=r.status)
            for r in session.exec(select(MeetingRequestRow).where(MeetingRequestRow.event_id == event_id))
        ],
        must_meet=[(r.a, r.b) for r in rules if r.kind == "must_meet"],
        blocked=[(r.a, r.b) for r in rules if r.kind == "blocked"],
        published=published,
        pinned=pinned,
    )


def generate_schedule(
    settings: Settings,
    event_id: str,
    *,
    score: ScoreFunction | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    keep_published: bool = True,
    relax_must_meet: bool = False,
    now: datetime | None = None,
) -> GenerateReport:
    """Plan (or re-plan) the event's meetings and store the plan; participants see it once published.

    Published meetings and meetings staff locked stay where they are unless ``keep_published`` is
    False. Raises :class:`~matchmaker.errors.InfeasibleScheduleError` saying what to relax when the
    must-meet pairs cannot all be held (unless ``relax_must_meet``).
    """
    now = now or utcnow()
    engine = create_db_engine(settings)
    with session_scope(engine) as session:
        ev = _event(session, event_id)
        snapshot = _snapshot(session, ev)
        previous_plan = [
            Placement(slot=r.slot_id, table=r.table_number, a=r.a, b=r.b) for r in _plan(session, event_id)
        ]
        mentioned = {p.id for p in snapshot.participants} | {
            pid for m in [*snapshot.published, *previous_plan] for pid in (m.a, m.b)
        }
        names = _names(session, sorted(mentioned))
    if not snapshot.participants:
        raise ConflictError(f"event {event_id!r} has no participants yet; add some first")
    problem = build_problem(snapshot, now=now)
    if score is None:
        score, source = default_score_function(settings)
    else:
        source = "custom"
    base = score
    with session_scope(engine) as session:
        signal = _signal(session, exclude_event=event_id)
    if signal:
        score = with_feedback(score, signal)
    result = solve_problem(
        problem,
        score_lookup=score,
        time_limit=time_limit,
        keep_locked=keep_published,
        strict_must_meet=not relax_must_meet,
    )
    if isinstance(base, GuardedScore):
        source = base.source
    if signal:
        source += f" + feedback from earlier events ({len(signal)} pairs)"
    kept = {m.pair: m for m in problem.locked}
    published_pairs = {m.pair for m in snapshot.published}
    with session_scope(engine) as session:
        ev = _event(session, event_id)
        session.execute(delete(EventMeeting).where(col(EventMeeting.event_id) == event_id))
        for m in result.meetings:
            same = kept.get(m.pair)
            locked = (
                keep_published
                and same is not None
                and m.pair not in published_pairs
                and (same.slot, same.table) == (m.slot, m.table)
            )
            session.add(
                EventMeeting(
                    event_id=event_id,
                    a=m.a,
                    b=m.b,
                    slot_id=m.slot,
                    table_number=m.table,
                    score=m.score,
                    reason=m.reason or meeting_reason(m.kind, m.score),
                    kind=m.kind,
                    locked=locked,
                )
            )
        ev.generated_at = now
        ev.plan_stats = result.stats.model_dump_json()
        ev.updated_at = now
        session.add(ev)
    vs_published = diff_schedules(snapshot.published, result.meetings) if snapshot.published else None
    vs_plan = diff_schedules(previous_plan, result.meetings) if previous_plan else None
    shown = vs_published or vs_plan
    logger.info(
        "event %s: planned %d meetings (objective %.3f)", event_id, len(result.meetings), result.objective
    )
    return GenerateReport(
        event_id=event_id,
        meetings=len(result.meetings),
        objective=result.objective,
        unscheduled_must_meet=result.unscheduled_must_meet,
        score_source=source,
        kept_published=keep_published,
        stats=result.stats.model_dump(),
        changes_vs_published=vs_published,
        changes_vs_plan=vs_plan,
        moved=describe_moves(shown, names) if shown is not None else [],
    )


def _planned(session: Session, event_id: str) -> list[PlannedMeeting]:
    slots = {s.id: s for s in _slots(session, event_id)}
    order = {sid: n for n, sid in enumerate(slots)}
    labels = _table_labels(session, event_id)
    rows = _plan(session, event_id)
    names = _names(session, sorted({r.a for r in rows} | {r.b for r in rows}))
    published = {
        (r.a, r.b, r.slot_id, r.table_number)
        for r in _published(session, event_id)
        if r.status == "CONFIRMED"
    }
    out = [
        PlannedMeeting(
            slot=r.slot_id,
            start=slots[r.slot_id].start,
            end=slots[r.slot_id].end,
            table=r.table_number,
            table_label=labels.get(r.table_number),
            a=r.a,
            a_name=names.get(r.a, r.a),
            b=r.b,
            b_name=names.get(r.b, r.b),
            score=r.score,
            reason=r.reason,
            kind=r.kind,
            locked=r.locked,
            published=(r.a, r.b, r.slot_id, r.table_number) in published,
        )
        for r in rows
        if r.slot_id in slots
    ]
    out.sort(key=lambda m: (order[m.slot], m.table))
    return out


def planned_meetings(settings: Settings, event_id: str) -> list[PlannedMeeting]:
    """The current plan in slot and table order (staff view)."""
    with session_scope(create_db_engine(settings)) as session:
        _event(session, event_id)
        return _planned(session, event_id)


def lock_meeting(settings: Settings, event_id: str, a: str, b: str, *, locked: bool = True) -> PlannedMeeting:
    """Pin (or unpin) a planned meeting so that re-planning keeps it where it is."""
    with session_scope(create_db_engine(settings)) as session:
        _event(session, event_id)
        x, y = pair_key(a, b)
        row = session.get(EventMeeting, (event_id, a, b)) or session.get(EventMeeting, (event_id, b, a))
        if row is None:
            raise NotFoundError(f"no planned meeting between {x!r} and {y!r} in event {event_id!r}")
        row.locked = locked
        session.add(row)
        session.flush()
        return next(m for m in _planned(session, event_id) if pair_key(m.a, m.b) == (x, y))


def publish_schedule(settings: Settings, event_id: str, *, now: datetime | None = None) -> PublishReport:
    """Publish the current plan: participants see it, calendars update by UID and SEQUENCE.

    A meeting dropped since the last publication stays in the calendars as CANCELLED.
    """
    now = now or utcnow()
    with session_scope(create_db_engine(settings)) as session:
        ev = _event(session, event_id)
        plan = _plan(session, event_id)
        previous = _published(session, event_id)
        if not plan and not previous:
            raise ConflictError(f"event {event_id!r} has no planned meetings; generate the schedule first")
        slots = _slots(session, event_id)
        meetings = [
            Meeting(slot=r.slot_id, table=r.table_number, a=r.a, b=r.b, score=r.score, reason=r.reason)
            for r in plan
        ]
        entries = calendar_entries(
            event_id, meetings, slots, previous=[_entry(r) for r in previous], tz=_tz(ev.timezone)
        )
        by_uid = {r.uid: r for r in previous}
        by_pair = {pair_key(m.a, m.b): m for m in meetings}
        counts = {"new": 0, "changed": 0, "cancelled": 0, "unchanged": 0}
        for e in entries:
            row = by_uid.get(e.uid)
            m = by_pair.get(pair_key(e.a, e.b))
            if row is None:
                counts["new"] += 1
                row = PublishedMeeting(
                    event_id=event_id,
                    uid=e.uid,
                    a=e.a,
                    b=e.b,
                    slot_id=e.slot,
                    table_number=e.table,
                    start=e.start.isoformat(),
                    end=e.end.isoformat(),
                )
            elif e.sequence == row.sequence and e.status == row.status:
                counts["unchanged"] += 1
            elif e.status == "CANCELLED":
                counts["cancelled"] += 1
            else:
                counts["changed"] += 1
            row.slot_id, row.table_number = e.slot, e.table
            row.start, row.end = e.start.isoformat(), e.end.isoformat()
            row.status, row.sequence = e.status, e.sequence
            if m is not None:
                row.score, row.reason = m.score, m.reason
            row.updated_at = now
            session.add(row)
        ev.published_version += 1
        ev.published_at = now
        ev.updated_at = now
        session.add(ev)
        version = ev.published_version
    report = PublishReport(
        event_id=event_id,
        version=version,
        confirmed=len(meetings),
        new=counts["new"],
        changed=counts["changed"],
        cancelled=counts["cancelled"],
        unchanged=counts["unchanged"],
    )
    logger.info("event %s: published version %d (%s)", event_id, version, report)
    return report


def _tz(name: str | None) -> tzinfo | None:
    return ZoneInfo(name) if name else None


# --------------------------------------------------------------------------------------------------
# Agendas and exports


def participant_agenda(
    settings: Settings, event_id: str, participant_id: str, *, include_cancelled: bool = False
) -> Agenda:
    """A participant's published meetings in time order (cancelled ones only when asked)."""
    with session_scope(create_db_engine(settings)) as session:
        ev = _event(session, event_id)
        me = _is_participant(session, event_id, participant_id)
        labels = _table_labels(session, event_id)
        rows = [r for r in _published(session, event_id) if participant_id in (r.a, r.b)]
        if not include_cancelled:
            rows = [r for r in rows if r.status == "CONFIRMED"]
        others = [r.b if r.a == participant_id else r.a for r in rows]
        names = _names(session, [*others, participant_id])
        sides = _sides(session, event_id)
        items = [
            AgendaItem(
                uid=r.uid,
                slot=r.slot_id,
                start=datetime.fromisoformat(r.start),
                end=datetime.fromisoformat(r.end),
                table=r.table_number,
                table_label=labels.get(r.table_number),
                with_id=other,
                with_name=names.get(other, other),
                with_side="provider" if sides.get(other) == "provider" else "city",
                reason=r.reason,
                status="CANCELLED" if r.status == "CANCELLED" else "CONFIRMED",
                sequence=r.sequence,
            )
            for r, other in zip(rows, others, strict=True)
        ]
        items.sort(key=lambda i: (i.status == "CANCELLED", i.start, i.table))
        return Agenda(
            event_id=event_id,
            event_name=ev.name,
            participant_id=me.participant_id,
            participant_name=names.get(participant_id, participant_id),
            published_version=ev.published_version,
            meetings=items,
        )


ExportSource = Literal["published", "plan"]


def export_csv(settings: Settings, event_id: str, *, source: ExportSource = "published") -> str:
    """The organisers' CSV (slot, times, table, both parties, score, reason).

    ``source`` is the published schedule (the default) or the current plan.
    """
    with session_scope(create_db_engine(settings)) as session:
        ev = _event(session, event_id)
        slots = _slots(session, event_id)
        if source == "published":
            if ev.published_version == 0:
                raise ConflictError(f"event {event_id!r} is not published yet; export the plan instead")
            meetings = [
                Meeting(slot=r.slot_id, table=r.table_number, a=r.a, b=r.b, score=r.score, reason=r.reason)
                for r in _published(session, event_id)
                if r.status == "CONFIRMED"
            ]
        else:
            meetings = [
                Meeting(slot=r.slot_id, table=r.table_number, a=r.a, b=r.b, score=r.score, reason=r.reason)
                for r in _plan(session, event_id)
            ]
        names = _names(session, sorted({m.a for m in meetings} | {m.b for m in meetings}))
    return meetings_csv(meetings, slots, names=names)


def _published_for(
    session: Session, event_id: str, participant_id: str
) -> tuple[Event, list[Slot], list[PublishedMeeting], dict[str, str]]:
    ev = _event(session, event_id)
    _is_participant(session, event_id, participant_id)
    rows = [r for r in _published(session, event_id) if participant_id in (r.a, r.b)]
    names = _names(session, sorted({r.a for r in rows} | {r.b for r in rows} | {participant_id}))
    return ev, _slots(session, event_id), rows, names


def export_agenda_html(settings: Settings, event_id: str, participant_id: str) -> str:
    """A printable HTML agenda of one participant's published meetings."""
    with session_scope(create_db_engine(settings)) as session:
        ev, slots, rows, names = _published_for(session, event_id, participant_id)
    meetings = [
        Meeting(slot=r.slot_id, table=r.table_number, a=r.a, b=r.b, score=r.score, reason=r.reason)
        for r in rows
        if r.status == "CONFIRMED"
    ]
    return participant_agenda_html(participant_id, meetings, slots, names=names, event_name=ev.name)


def export_agenda_pdf(settings: Settings, event_id: str, participant_id: str) -> bytes:
    """A printable PDF agenda of one participant's published meetings."""
    with session_scope(create_db_engine(settings)) as session:
        ev, slots, rows, names = _published_for(session, event_id, participant_id)
        labels = _table_labels(session, event_id)
    meetings = [
        Meeting(slot=r.slot_id, table=r.table_number, a=r.a, b=r.b, score=r.score, reason=r.reason)
        for r in rows
        if r.status == "CONFIRMED"
    ]
    return participant_agenda_pdf(
        participant_id, meetings, slots, names=names, table_labels=labels, event_name=ev.name
    )


def export_calendar(
    settings: Settings, event_id: str, participant_id: str, *, now: datetime | None = None
) -> bytes:
    """The iCalendar feed of one participant: stable UIDs, SEQUENCE, cancelled meetings as CANCELLED."""
    with session_scope(create_db_engine(settings)) as session:
        ev, _, rows, names = _published_for(session, event_id, participant_id)
    stamp = now or (ev.published_at if ev.published_at is not None else utcnow())
    return participant_calendar(
        participant_id, [_entry(r) for r in rows], names=names, event_name=ev.name, now=stamp
    )


# --------------------------------------------------------------------------------------------------
# Feedback


def record_feedback(
    settings: Settings, event_id: str, data: FeedbackIn, *, now: datetime | None = None
) -> FeedbackPublic:
    """Store (or replace) a participant's rating of a published meeting it had."""
    now = now or utcnow()
    with session_scope(create_db_engine(settings)) as session:
        _event(session, event_id)
        _is_participant(session, event_id, data.rater)
        had = [
            r
            for r in _published(session, event_id)
            if r.status == "CONFIRMED" and pair_key(r.a, r.b) == pair_key(data.rater, data.other)
        ]
        if not had:
            raise InvalidInputError(
                f"{data.rater!r} has no published meeting with {data.other!r} in event {event_id!r}"
            )
        row = session.exec(
            select(MeetingFeedback).where(
                MeetingFeedback.event_id == event_id,
                MeetingFeedback.rater == data.rater,
                MeetingFeedback.other == data.other,
            )
        ).first() or MeetingFeedback(
            event_id=event_id, rater=data.rater, other=data.other, rating=data.rating
        )
        row.rating = data.rating
        row.comment = data.comment
        row.updated_at = now
        session.add(row)
        session.flush()
        return FeedbackPublic(
            event_id=event_id,
            rater=row.rater,
            other=row.other,
            rating=data.rating,
            comment=row.comment,
            created_at=row.created_at,
        )


def list_feedback(settings: Settings, event_id: str, *, rater: str | None = None) -> list[FeedbackPublic]:
    """The ratings of an event (only those given by ``rater`` when given)."""
    with session_scope(create_db_engine(settings)) as session:
        _event(session, event_id)
        stmt = select(MeetingFeedback).where(MeetingFeedback.event_id == event_id)
        if rater is not None:
            stmt = stmt.where(MeetingFeedback.rater == rater)
        return [
            FeedbackPublic.model_validate(r, from_attributes=True)
            for r in session.exec(stmt.order_by(col(MeetingFeedback.id)))
        ]


def feedback_signal(settings: Settings) -> dict[Pair, float]:
    """The feedback signal of every rated pair, over all events: ``{(a, b) sorted: value in [-1, 1]}``.

    See :mod:`matchmaker.services.event_rules` for the rating values. Later matching can add
    ``weight × signal`` to a pair's score: pairs that found cooperation possible rank higher for
    follow-up meetings, pairs that showed insufficient interest rank lower.
    """
    with session_scope(create_db_engine(settings)) as session:
        return _signal(session)


def _signal(session: Session, *, exclude_event: str | None = None) -> dict[Pair, float]:
    stmt = select(MeetingFeedback.rater, MeetingFeedback.other, MeetingFeedback.rating)
    if exclude_event is not None:
        stmt = stmt.where(MeetingFeedback.event_id != exclude_event)
    return aggregate_feedback((r, o, g) for r, o, g in session.exec(stmt))
