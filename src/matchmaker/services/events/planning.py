"""Planning an event: generate and re-plan the schedule, lock and move meetings, publish.

The :class:`Planner` owns its transactions because a solve is long: it reads the event in one unit of
work, solves outside any transaction, and writes the plan in another, so a request that plans an event
never holds the database while the solver runs.

Scores come from the matcher (:meth:`MatchingService.pair_scorer
<matchmaker.services.matching.MatchingService.pair_scorer>`), which scores every pair 0.0 with a
reason when no matcher can be loaded, so requests, staff rules and the one-meeting-for-everyone rule
still shape the schedule. Earlier feedback on a pair, from other events, moves its score
(:func:`matchmaker.services.feedback.with_feedback`).

Re-planning keeps published meetings where they are unless ``keep_published=False``; the report says
what moved, was added or cancelled, against the published schedule and against the last plan. A move by
hand never breaks a hard rule of the schedule: it is refused, with the reason, when the slot does not
exist, the table is outside the event's tables or already taken in that slot, either participant is not
available in that slot, or either already has another meeting then.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlmodel import Session, col

from matchmaker.db.engine import Database
from matchmaker.db.events import EventMeeting, EventParticipant, PublishedMeeting
from matchmaker.db.models import utcnow
from matchmaker.errors import (
    ConflictError,
    InfeasibleScheduleError,
    InvalidInputError,
    MatchmakerError,
    NotFoundError,
)
from matchmaker.scheduling.core import DEFAULT_TIME_LIMIT
from matchmaker.scheduling.exports import CalendarEntry, calendar_entries, table_name
from matchmaker.scheduling.feasibility import check_must_meet
from matchmaker.scheduling.problem import Pair, SchedulingProblem, Slot, pair_key
from matchmaker.scheduling.result import Meeting, ScheduleResult, diff_schedules
from matchmaker.scheduling.service import solve_problem
from matchmaker.services.events import store
from matchmaker.services.events.catalog import EventCatalog
from matchmaker.services.events.rules import (
    RequestRow,
    as_instant,
    begun_slots,
    build_problem,
    describe_moves,
    held_meetings,
    meeting_reason,
    public_reason,
    requests_by_pair,
    zone,
)
from matchmaker.services.events.schemas import (
    EditReport,
    EventEdit,
    GenerateIn,
    GenerateReport,
    PlannedMeeting,
    PublishReport,
)
from matchmaker.services.feedback import read_signal, with_feedback
from matchmaker.services.matching import GuardedScore, MatchingService, ScoreFunction
from matchmaker.wording import counted

if TYPE_CHECKING:
    from matchmaker.services.mail.notify import Notifier

logger = logging.getLogger(__name__)


class Planner:
    """Generate, re-plan, lock, move and publish event schedules (see the module docstring)."""

    def __init__(
        self,
        database: Database,
        matching: MatchingService,
        *,
        notifier: Callable[[Session], Notifier] | None = None,
    ) -> None:
        self.database = database
        self.matching = matching
        #: Makes the notifier that tells participants about a publication, in its unit of work.
        self.notifier = notifier

    # ----------------------------------------------------------------------------------------------
    # Generate

    def generate(
        self,
        event_id: str,
        *,
        score: ScoreFunction | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
        keep_published: bool = True,
        relax_must_meet: bool = False,
        now: datetime | None = None,
    ) -> GenerateReport:
        """Plan (or re-plan) the event's meetings and store the plan; participants see it once published.

        ``score`` replaces the matcher's scores (the report's source is then ``custom``). Published
        meetings and meetings staff locked stay where they are unless ``keep_published`` is False.
        Raises :class:`~matchmaker.errors.InfeasibleScheduleError` saying what to relax when the
        must-meet pairs cannot all be held (unless ``relax_must_meet``).
        """
        now = now or utcnow()
        with self.database.unit_of_work() as session:
            snapshot = store.snapshot(session, store.event_row(session, event_id))
            plan_rows = store.plan(session, event_id)
            previous_plan = [store.placement(r) for r in plan_rows]
            # What participants read of each pair so far: a meeting kept where it is keeps it.
            shown = store.published(session, event_id, confirmed=True)
            earlier = {
                pair_key(r.a, r.b): r.public_reason
                for rows in (plan_rows, shown)
                for r in rows
                if r.public_reason
            }
            as_shown = {pair_key(r.a, r.b): (r.score, r.reason) for r in shown}
            names = store.names(
                session,
                {p.id for p in snapshot.participants}
                | store.mentioned([*snapshot.published, *previous_plan]),
            )
            signal = read_signal(session, exclude_event=event_id)
        if not snapshot.participants:
            raise ConflictError(f"event {event_id!r} has no participants yet; add some first")
        problem = build_problem(snapshot, now=now, keep_published=keep_published)
        if score is None:
            score, source = self.matching.pair_scorer()
        else:
            source = "custom"
        result = solve_problem(
            problem,
            score_lookup=with_feedback(score, signal) if signal else score,
            time_limit=time_limit,
            keep_locked=keep_published,
            strict_must_meet=not relax_must_meet,
        )
        if isinstance(score, GuardedScore):
            source = score.source  # says so when the matcher failed during the solve
        planned = {m.pair for m in result.meetings}
        held = [
            Meeting(**m.model_dump(), score=as_shown[m.pair][0], reason=as_shown[m.pair][1], kind="locked")
            for m in held_meetings(snapshot, now, keep_published=keep_published)
            if m.pair not in planned
        ]
        meetings = [*result.meetings, *held]
        if signal:
            source += f" + feedback from earlier events ({len(signal)} pairs)"
        explained = self._public_reasons(
            result, requests_by_pair(snapshot.requests), enabled=source.startswith("matcher")
        )
        kept = {m.pair: m for m in problem.locked}
        published_pairs = {m.pair for m in snapshot.published}
        with self.database.unit_of_work() as session:
            ev = store.event_row(session, event_id)
            session.execute(delete(EventMeeting).where(col(EventMeeting.event_id) == event_id))
            for m in meetings:
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
                        **store.placement_columns(m),
                        score=m.score,
                        reason=m.reason or meeting_reason(m.kind, m.score),
                        public_reason=public_reason(m.kind, explained.get(m.pair), earlier.get(m.pair)),
                        kind=m.kind,
                        locked=locked,
                    )
                )
            ev.generated_at = now
            ev.plan_stats = result.stats.model_dump_json()
            ev.updated_at = now
            session.add(ev)
        vs_published = diff_schedules(snapshot.published, meetings) if snapshot.published else None
        vs_plan = diff_schedules(previous_plan, meetings) if previous_plan else None
        changes = vs_published or vs_plan
        logger.info(
            "event %s: planned %d meetings (objective %.3f)", event_id, len(meetings), result.objective
        )
        report = GenerateReport(
            event_id=event_id,
            meetings=len(meetings),
            objective=result.objective,
            unscheduled_must_meet=result.unscheduled_must_meet,
            score_source=source,
            kept_published=keep_published,
            stats=result.stats.model_dump(),
            changes_vs_published=vs_published,
            changes_vs_plan=vs_plan,
            moved=describe_moves(changes, names) if changes is not None else [],
        )
        with self.database.unit_of_work() as session:
            ev = store.event_row(session, event_id)
            ev.plan_report = report.model_dump_json()
            session.add(ev)
        return report

    def generate_job(
        self, params: Mapping[str, Any], progress: Callable[[float, str], None]
    ) -> dict[str, Any]:
        """Run :meth:`generate` as a background job; ``params`` holds the event id and a ``GenerateIn``."""
        options = GenerateIn.model_validate(params.get("options", {}))
        progress(0.05, "scoring pairs and solving")
        report = self.generate(
            str(params["event_id"]),
            time_limit=options.time_limit,
            keep_published=options.keep_published,
            relax_must_meet=options.relax_must_meet,
        )
        return report.model_dump(mode="json")

    def _public_reasons(
        self, result: ScheduleResult, requested: dict[Pair, RequestRow], *, enabled: bool
    ) -> dict[Pair, str]:
        """The participant-facing reason of each planned pair: the reason stored with the request
        behind it (what both parties agreed on), else the matcher's line told from the requester's
        side, or for a pair nobody asked for its meeting reason (a mentor's case study between two
        cities, whichever order the pair has); empty without either."""
        out: dict[Pair, str] = {}
        asked: list[tuple[Pair, str, str, bool]] = []
        for m in result.meetings:
            req = requested.get(m.pair)
            if req is not None and req.reason:
                out[m.pair] = req.reason
            elif enabled:
                if req is not None:
                    asked.append((m.pair, req.sender, req.recipient, True))
                else:
                    asked.append((m.pair, m.a, m.b, False))
        if not asked:
            return out
        try:
            reasons = self.matching.matcher().meeting_reasons()
            lines = reasons.many([(a, b, requested_pair) for _pair, a, b, requested_pair in asked])
            for (pair, _a, _b, _requested), line in zip(asked, lines, strict=True):
                if line:
                    out[pair] = line
        except MatchmakerError as exc:
            logger.warning("no reasons for participants: %s", exc.message)
        return out

    def solve_file(
        self,
        problem: SchedulingProblem,
        *,
        time_limit: float = DEFAULT_TIME_LIMIT,
        keep_locked: bool = True,
        strict_must_meet: bool = True,
        seed: int | None = None,
        workers: int | None = None,
    ) -> tuple[ScheduleResult, str | None]:
        """Plan a scheduling problem file (``matchmaker schedule``) and say why scores are missing, if so.

        A file without ``scores`` is scored by the matcher; when no matcher can be loaded, only the
        file's requests, must-meets and locked meetings make pairs, and the second value says why.
        ``seed`` with a fixed number of ``workers`` gives the same schedule for the same file.
        """
        lookup: ScoreFunction | None = None
        warning: str | None = None
        if problem.scores is None:
            try:
                matcher = self.matching.matcher()
                matcher.engine()  # fail here, not in the middle of encoding, when there is no index
                lookup = matcher.pair_scores()
            except MatchmakerError as exc:
                warning = exc.message
        result = solve_problem(
            problem,
            score_lookup=lookup,
            time_limit=time_limit,
            keep_locked=keep_locked,
            strict_must_meet=strict_must_meet,
            seed=seed,
            workers=workers,
        )
        return result, warning

    # ----------------------------------------------------------------------------------------------
    # Edit

    def edit(
        self,
        event_id: str,
        data: EventEdit,
        *,
        score: ScoreFunction | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
        now: datetime | None = None,
    ) -> EditReport:
        """Change an event at any time, and re-plan when its slots or tables changed.

        The re-plan follows :meth:`generate`: published and locked meetings stay where they still
        fit, the rest is planned again, and must-meets that no longer fit are listed instead of
        refusing the edit. Publishing afterwards updates calendars (a moved meeting gets a higher
        SEQUENCE, a dropped one is CANCELLED).
        """
        now = now or utcnow()
        with self.database.unit_of_work() as session:
            changed, dropped = EventCatalog(session).edit(event_id, data, now=now)
            has_plan = bool(store.plan(session, event_id)) or bool(store.published(session, event_id))
            has_people = bool(store.participants(session, event_id))
            replan = data.replan and has_plan and has_people and bool({"slots", "tables"} & set(changed))
            if replan:
                # A re-plan no schedule can satisfy is refused before the change is kept: the
                # refusal is the answer, so the event stays as it was.
                _refuse_unplannable(session, event_id, now=now)
        replanned: GenerateReport | None = None
        if replan:
            replanned = self.generate(
                event_id, score=score, time_limit=time_limit, relax_must_meet=True, now=now
            )
            retimed = self._retimed(event_id)
            if retimed:
                replanned.moved = [*replanned.moved, *retimed]
                with self.database.unit_of_work() as session:
                    ev = store.event_row(session, event_id)
                    ev.plan_report = replanned.model_dump_json()
                    session.add(ev)
        with self.database.unit_of_work() as session:
            summary = EventCatalog(session).get(event_id)
        return EditReport(event=summary, changed=changed, replanned=replanned, dropped_availability=dropped)

    def _retimed(self, event_id: str) -> list[str]:
        """Published meetings that keep their slot while the slot's time changed (new slots over days
        reuse the ids s1, s2...), each as "new time: A – B from ... to ..." on the event's clock."""
        with self.database.unit_of_work() as session:
            ev = store.event_row(session, event_id)
            tz = zone(ev.timezone) or UTC
            slots = {s.id: s for s in store.slots(session, event_id)}
            plan = {pair_key(m.a, m.b): m for m in store.plan(session, event_id)}
            rows = store.published(session, event_id, confirmed=True)
            names = store.names(session, store.mentioned(rows))
        lines: list[str] = []
        for r in rows:
            m = plan.get(pair_key(r.a, r.b))
            if m is None or m.slot_id != r.slot_id or m.slot_id not in slots:
                continue  # moved or cancelled: the re-plan says so
            before, after = datetime.fromisoformat(r.start), slots[m.slot_id].start
            before, after = as_instant(before, None), as_instant(after, tz)
            if before != after:
                lines.append(
                    f"new time: {names.get(r.a, r.a)} – {names.get(r.b, r.b)} from"
                    f" {before.astimezone(tz):%a %d %b %H:%M} to {after.astimezone(tz):%a %d %b %H:%M}"
                )
        return sorted(lines)

    # ----------------------------------------------------------------------------------------------
    # The plan: read, lock, move

    def planned(self, event_id: str) -> list[PlannedMeeting]:
        """The current plan in slot and table order (staff view)."""
        with self.database.unit_of_work() as session:
            store.event_row(session, event_id)
            return store.planned_meetings(session, event_id)

    def meeting(self, event_id: str, a: str, b: str) -> PlannedMeeting:
        """The planned meeting of ``a`` and ``b`` (in either order), as staff see it on the grid."""
        with self.database.unit_of_work() as session:
            row = _planned_row(session, event_id, a, b)
            return store.planned_meeting(session, event_id, row.a, row.b)

    def lock(self, event_id: str, a: str, b: str, *, locked: bool = True) -> PlannedMeeting:
        """Pin (or unpin) a planned meeting so that re-planning keeps it where it is."""
        with self.database.unit_of_work() as session:
            row = _planned_row(session, event_id, a, b)
            row.locked = locked
            session.add(row)
            session.flush()
            return store.planned_meeting(session, event_id, a, b)

    def move(
        self, event_id: str, a: str, b: str, *, slot: str, table: int, now: datetime | None = None
    ) -> PlannedMeeting:
        """Move the planned meeting of ``a`` and ``b`` to ``slot`` at ``table`` and lock it there.

        Once the schedule is published, a slot that has begun by ``now`` is as a re-plan keeps it: no
        meeting moves into it (its people are in their meetings, or the time is past), and one in it
        does not move out (it took place, with its feedback)."""
        now = now or utcnow()
        with self.database.unit_of_work() as session:
            ev = store.event_row(session, event_id)
            row = store.planned_row(session, event_id, a, b)
            if row is None:
                raise NotFoundError(f"no planned meeting between {a!r} and {b!r} in event {event_id!r}")
            event_slots = {s.id: s for s in store.slots(session, event_id)}
            if slot not in event_slots:
                raise InvalidInputError(f"event {event_id!r} has no slot {slot!r}", field="slot")
            tables = store.table_numbers(session, event_id)
            if table not in tables:
                raise InvalidInputError(
                    f"event {event_id!r} has tables 1 to {max(tables, default=0)}, not {table}", field="table"
                )
            key = pair_key(row.a, row.b)
            others = [
                m for m in store.plan(session, event_id) if pair_key(m.a, m.b) != key and m.slot_id == slot
            ]
            # Staff read names and times on the grid; a refusal speaks the same way.
            named = store.names(session, [row.a, row.b, *(p for m in others for p in (m.a, m.b))])
            when = _slot_label(event_slots[slot], list(event_slots.values()))
            if ev.published_version and slot != row.slot_id:
                begun = begun_slots(event_slots.values(), ev.timezone, now)
                if row.slot_id in begun:
                    held = _slot_label(event_slots[row.slot_id], list(event_slots.values()))
                    raise ConflictError(
                        f"the meeting of {named.get(row.a, row.a)} and {named.get(row.b, row.b)} {held}"
                        " has begun; it stays where it took place",
                        field="slot",
                    )
                if slot in begun:
                    raise ConflictError(
                        f"the {when.removeprefix('in the ')} has begun; choose a slot still to come",
                        field="slot",
                    )
            taken = next((m for m in others if m.table_number == table), None)
            if taken is not None:
                label = store.table_labels(session, event_id).get(table) or f"table {table}"
                raise ConflictError(
                    f"{label} is taken {when} ({named.get(taken.a, taken.a)} and"
                    f" {named.get(taken.b, taken.b)}); choose a free table",
                    field="table",
                )
            for pid in (row.a, row.b):
                busy = next((m for m in others if pid in (m.a, m.b)), None)
                if busy is not None:
                    other = busy.b if busy.a == pid else busy.a
                    raise ConflictError(
                        f"{named.get(pid, pid)} already meets {named.get(other, other)} {when}", field="slot"
                    )
                person = session.get(EventParticipant, (event_id, pid))
                if (
                    person is not None
                    and person.available is not None
                    and slot not in json.loads(person.available)
                ):
                    raise ConflictError(f"{named.get(pid, pid)} is not available {when}", field="slot")
            row.slot_id = slot
            row.table_number = table
            row.locked = True
            session.add(row)
            session.flush()
            moved = store.planned_meeting(session, event_id, a, b)
        logger.info("event %s: moved %s and %s to slot %s, table %d", event_id, key[0], key[1], slot, table)
        return moved

    def last_reports(self, event_id: str) -> tuple[GenerateReport | None, PublishReport | None]:
        """The reports of the event's last generate (or re-plan) and of its last publication."""
        with self.database.unit_of_work() as session:
            ev = store.event_row(session, event_id)
            plan = GenerateReport.model_validate_json(ev.plan_report) if ev.plan_report else None
            pub = PublishReport.model_validate_json(ev.publish_report) if ev.publish_report else None
        return plan, pub

    # ----------------------------------------------------------------------------------------------
    # Publish

    def publish(self, event_id: str, *, now: datetime | None = None) -> PublishReport:
        """Publish the current plan: participants see it, calendars update by UID and SEQUENCE.

        A meeting dropped since the last publication stays in the calendars as CANCELLED. When nothing
        changed since the last publication, no new version is made and nobody is told: the report
        says so (``nothing_changed`` and its ``note``).
        """
        now = now or utcnow()
        with self.database.unit_of_work() as session:
            ev = store.event_row(session, event_id)
            slots = store.slots(session, event_id)
            # A meeting in a slot the event no longer has (its slots replaced without a re-plan) is not
            # in the plan staff see, so it is not published: one published before becomes cancelled.
            plan = [r for r in store.plan(session, event_id) if r.slot_id in {s.id for s in slots}]
            previous = store.published(session, event_id)
            tables = store.table_numbers(session, event_id)
            if gone := sorted({r.table_number for r in plan} - tables):
                at = ", ".join(f"table {n}" for n in gone)
                raise ConflictError(
                    f"the plan of event {event_id!r} has meetings at {at}, which the event no longer has"
                    f" ({counted(len(tables), 'table')}); generate the schedule again to re-plan them,"
                    " or give the event its tables back, then publish"
                )
            if not plan and not previous and ev.generated_at is not None:
                raise ConflictError(
                    f"the schedule generated for event {event_id!r} has no meeting, so there is nothing"
                    " to publish; add participants who can meet (a city and a provider, or two cities),"
                    " widen their availability or lift blocked pairs, then generate it again"
                )
            if not plan and not previous:
                raise ConflictError(
                    f"event {event_id!r} has no planned meetings; generate the schedule first"
                )
            meetings = [store.meeting(r) for r in plan]
            public_by_pair = {pair_key(r.a, r.b): r.public_reason for r in plan}
            labels = store.table_labels(session, event_id)
            entries = calendar_entries(
                event_id,
                meetings,
                slots,
                previous=[store.calendar_entry(r) for r in previous],
                tz=zone(ev.timezone),
                table_labels=labels,
                venue=ev.venue,
                event_name=ev.name,
                names=store.names(session, store.mentioned(meetings)),
                reasons={pair: reason for pair, reason in public_by_pair.items() if reason},
            )
            by_uid = {r.uid: r for r in previous}
            before = {r.uid: store.calendar_entry(r) for r in previous}
            by_pair = {pair_key(m.a, m.b): m for m in meetings}
            if ev.published_version and _as_published(entries, by_uid, by_pair, public_by_pair):
                report = PublishReport(
                    event_id=event_id,
                    version=ev.published_version,
                    confirmed=len(meetings),
                    new=0,
                    changed=0,
                    cancelled=0,
                    unchanged=len(entries),
                    nothing_changed=True,
                    note=f"nothing has changed since version {ev.published_version} was published",
                )
                ev.publish_report = report.model_dump_json()
                session.add(ev)
                logger.info("event %s: %s", event_id, report.note)
                return report
            counts = {"new": 0, "changed": 0, "cancelled": 0, "unchanged": 0}
            touched = []
            for e in entries:
                row = by_uid.get(e.uid)
                m = by_pair.get(pair_key(e.a, e.b))
                if row is None or not (e.sequence == row.sequence and e.status == row.status):
                    touched.append(e)
                if row is None:
                    counts["new"] += 1
                    row = PublishedMeeting(
                        event_id=event_id,
                        uid=e.uid,
                        **store.placement_columns(e),
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
                row.location = e.location
                if e.status == "CONFIRMED":  # a cancelled meeting keeps the place it was published with
                    row.table_name = table_name(e.table, labels)
                row.status, row.sequence = e.status, e.sequence
                # What its calendar entries show from now on (a cancelled one: what it was published with).
                row.event_name = e.event_name
                row.a_name, row.b_name = e.name_of(row.a), e.name_of(row.b)
                if m is not None:
                    row.score, row.reason = m.score, m.reason
                    row.public_reason = public_by_pair.get(pair_key(m.a, m.b))
                row.updated_at = now
                session.add(row)
            ev.published_version += 1
            ev.published_at = now
            ev.published_venue = ev.venue
            ev.updated_at = now
            report = PublishReport(
                event_id=event_id,
                version=ev.published_version,
                confirmed=len(meetings),
                new=counts["new"],
                changed=counts["changed"],
                cancelled=counts["cancelled"],
                unchanged=counts["unchanged"],
            )
            version = ev.published_version
            session.flush()
            if self.notifier is not None:  # in this transaction: no publication without its messages
                told = self.notifier(session).published(
                    event_id, entries, touched, first=version == 1, previous=before
                )
                report.messages, report.not_told = told.messages, told.not_told
            ev.publish_report = report.model_dump_json()
            session.add(ev)
        logger.info("event %s: published version %d (%s)", event_id, version, report)
        return report


def _as_published(
    entries: list[CalendarEntry],
    published: Mapping[str, PublishedMeeting],
    planned: Mapping[Pair, Meeting],
    public: Mapping[Pair, str | None],
) -> bool:
    """Whether publishing ``entries`` would change nothing of the ``published`` meetings (by UID):
    every calendar entry keeps its SEQUENCE and status, and every meeting its score and reasons."""
    for e in entries:
        row = published.get(e.uid)
        if row is None or (e.sequence, e.status) != (row.sequence, row.status):
            return False
        m = planned.get(pair_key(e.a, e.b))
        if m is not None and (m.score, m.reason, public.get(m.pair)) != (
            row.score,
            row.reason,
            row.public_reason,
        ):
            return False
    return True


def _refuse_unplannable(session: Session, event_id: str, *, now: datetime) -> None:
    """Raise :class:`InfeasibleScheduleError` when no re-plan of the event as it now stands in
    ``session`` can keep its published meetings (a participant's maximum below them), saying that
    the edit was not kept and how to keep it without re-planning."""
    problem = build_problem(store.snapshot(session, store.event_row(session, event_id)), now=now)
    fatal = check_must_meet(problem, keep_locked=True).fatal
    if fatal:
        raise InfeasibleScheduleError(
            "the schedule is infeasible: "
            + " ".join(fatal)
            + " The change would re-plan the event, so nothing was changed; fix this first, or save the"
            ' change without re-planning ("replan": false in the API, event edit --no-replan).',
            fatal,
        )


def _planned_row(session: Session, event_id: str, a: str, b: str) -> EventMeeting:
    """The planned meeting of ``a`` and ``b`` (in either order) in the event; NotFoundError when the
    event or the meeting does not exist."""
    store.event_row(session, event_id)
    row = store.planned_row(session, event_id, a, b)
    if row is None:
        x, y = pair_key(a, b)
        raise NotFoundError(f"no planned meeting between {x!r} and {y!r} in event {event_id!r}")
    return row


def _slot_label(slot: Slot, every: list[Slot]) -> str:
    """``slot`` as the schedule grid shows it: ``in the 09:00–09:20 slot`` (with the day when the
    event has more than one)."""
    day = f"{slot.start:%a %d %b} " if len({s.start.date() for s in every}) > 1 else ""
    return f"in the {day}{slot.start:%H:%M}–{slot.end:%H:%M} slot"


__all__ = ["Planner", "ScoreFunction"]
