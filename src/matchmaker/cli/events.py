"""``matchmaker event ...``: matchmaking events from the command line (staff).

Typical use::

    matchmaker event create ws1 --name "Level 3 workshop" --tables 12 \\
        --start 2027-03-02T09:00 --slots 12 --minutes 20 --gap 5 --timezone Europe/Istanbul
    matchmaker event edit ws1 --tables 14 --day 2027-03-02 --day 2027-03-03 --per-day 10 \\
        --break 12:30-13:30 --venue "Congress centre, hall B"
    matchmaker event add ws1 kukes osh acme databridge
    matchmaker event add ws1 osh --available s1,s2,s3 --max 2
    matchmaker event request ws1 acme kukes            # then: event answer ws1 1 accepted
    matchmaker event contacts ws1 kukes                # providers, comparable and mentor cities to ask
    matchmaker event request ws1 kukes ferizaj         # a city asks a mentor city
    matchmaker event must-meet ws1 kukes acme
    matchmaker event generate ws1                      # again after late changes: re-plan
    matchmaker event publish ws1
    matchmaker event agenda ws1 kukes
    matchmaker event export ws1 --format ics --participant kukes --out kukes.ics
    matchmaker event export ws1 --format pdf --participant kukes --out kukes.pdf
    matchmaker event export ws1 --format booklet --out ws1-booklet.pdf     # or --format table-cards
    matchmaker event stats ws1                         # feedback and statistics (--json: the API's)
    matchmaker event feed ws1 kukes --base-url https://matchmaker.example.org   # subscribable URL
    matchmaker event feedback ws1 kukes acme cooperation_possible

Exit codes: 0 done; 2 invalid input or an infeasible schedule (the message says what to relax);
1 not found or a conflict with stored state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from matchmaker.cli.app import app
from matchmaker.cli.context import open_services, unit_of_work
from matchmaker.cli.options import RelaxMustMeetOpt, TimeLimitOpt, VerboseOpt
from matchmaker.cli.output import (
    EXIT_INVALID,
    configure_logging,
    emit_json,
    fail,
    handled,
    load_settings,
    new_table,
    no_meeting_possible_line,
    stderr,
    stdout,
)
from matchmaker.errors import InfeasibleScheduleError, validation_line, validation_reason
from matchmaker.scheduling.core import DEFAULT_TIME_LIMIT
from matchmaker.scheduling.exports import zone_note
from matchmaker.services.events.rules import lock_state, told_in_zone
from matchmaker.services.events.schemas import (
    MAX_GAP_MINUTES,
    MAX_SLOT_MINUTES,
    MIN_SLOT_MINUTES,
    Answer,
    BreakIn,
    Contact,
    DaysIn,
    EventCreate,
    EventEdit,
    EventStatistics,
    EventSummary,
    FeedbackIn,
    PairRuleKind,
    ParticipantIn,
    PlannedMeeting,
    PublishReport,
    RequestAnswer,
    RequestCreate,
    RequestPublic,
    SlotIn,
)
from matchmaker.settings import public_base
from matchmaker.wording import counted

if TYPE_CHECKING:
    from rich.table import Table

    from matchmaker.services.events import Agendas, EventServices, Planner
    from matchmaker.services.events.schemas import ExportSource

event_app = typer.Typer(help="Matchmaking events: participants, requests, schedule, agendas, feedback.")
app.add_typer(event_app, name="event")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
EventArg = Annotated[str, typer.Argument(metavar="EVENT")]
ParticipantArg = Annotated[str, typer.Argument(metavar="ID")]
PairA = Annotated[str, typer.Argument(metavar="A")]
PairB = Annotated[str, typer.Argument(metavar="B")]
# The options that event create and event edit share.
TablesOpt = Annotated[int | None, typer.Option("--tables", min=1, help="Number of tables.")]
MinutesOpt = Annotated[
    int,
    typer.Option("--minutes", min=MIN_SLOT_MINUTES, max=MAX_SLOT_MINUTES, help="Slot length in minutes."),
]
GapOpt = Annotated[int, typer.Option("--gap", min=0, max=MAX_GAP_MINUTES, help="Minutes between slots.")]
TimezoneOpt = Annotated[
    str | None, typer.Option("--timezone", help="IANA zone of the slot times (none, or '': times are UTC).")
]
DeadlineOpt = Annotated[
    datetime | None, typer.Option("--deadline", help="Request deadline (UTC unless an offset is given).")
]


def _slot_option(instead_of: str) -> Any:
    """``--slot START/END``, once per slot, which event create and event edit take instead of the slots
    made from ``instead_of``."""
    return typer.Option("--slot", help=f"A slot as START/END (instead of {instead_of}).")


@contextmanager
def _events() -> Iterator[EventServices]:
    """The event sub-features in one unit of work: committed when the command succeeds."""
    with unit_of_work() as (services, session):
        yield services.events(session)


@contextmanager
def _planner() -> Iterator[Planner]:
    """The planner (it opens its own units of work)."""
    with open_services() as services:
        yield services.planner


class AnswerChoice(StrEnum):
    """How a request is answered."""

    accepted = "accepted"
    declined = "declined"

    @property
    def answer(self) -> Answer:
        """The answer as the service takes it."""
        return "accepted" if self is AnswerChoice.accepted else "declined"


class RatingChoice(StrEnum):
    """The four feedback ratings."""

    not_held = "not_held"
    insufficient_interest = "insufficient_interest"
    informative = "informative"
    cooperation_possible = "cooperation_possible"


class ExportFormat(StrEnum):
    """Export formats."""

    csv = "csv"
    xlsx = "xlsx"
    html = "html"
    ics = "ics"
    pdf = "pdf"
    booklet = "booklet"
    table_cards = "table-cards"


#: Formats that are binary files (written with ``--out`` only).
BINARY_FORMATS = {ExportFormat.xlsx, ExportFormat.pdf, ExportFormat.booklet, ExportFormat.table_cards}
#: Formats that can hold one participant's meetings only (``--participant``).
PARTICIPANT_FORMATS = {
    ExportFormat.csv,
    ExportFormat.xlsx,
    ExportFormat.html,
    ExportFormat.pdf,
    ExportFormat.ics,
}
#: Formats that can be made from the current plan instead of the published one (``--plan``).
PLAN_FORMATS = {ExportFormat.csv, ExportFormat.xlsx}


def _validated(build: type[T], **values: object) -> T:
    try:
        return build(**values)
    except ValidationError as exc:
        fail("; ".join(validation_line(err) for err in exc.errors(include_url=False)), EXIT_INVALID)


def _given(ctx: typer.Context, *names: str) -> list[str]:
    """The options among the parameters ``names`` that were given on the command line, as typed."""
    return [
        "--" + name.rstrip("_").replace("_", "-")
        for name in names
        if (source := ctx.get_parameter_source(name)) is not None
        and source.name not in {"DEFAULT", "DEFAULT_MAP"}
    ]


def _grid(start: datetime, count: int, minutes: int, gap: int) -> list[SlotIn]:
    slots: list[SlotIn] = []
    for k in range(count):
        try:
            begin = start + timedelta(minutes=k * (minutes + gap))
            end = begin + timedelta(minutes=minutes)
        except OverflowError:
            fail(
                f"slot {k + 1} from --start {start.isoformat()} would end after the last date there is",
                EXIT_INVALID,
            )
        slots.append(_validated(SlotIn, start=begin, end=end))
    return slots


def _parse_span(
    model: type[M], option: str, text: str, *, sep: str, parse: Callable[[str], object], usage: str
) -> M:
    """An option's ``START{sep}END`` value as a ``model`` of the two ends, each read by ``parse``; a value
    that does not split, parse or validate fails with ``usage``."""
    try:
        start, end = text.split(sep, 1)
        ends = {"start": parse(start), "end": parse(end)}
    except ValueError:
        fail(f"{option} {text!r}: use {usage}", EXIT_INVALID)
    try:
        return model.model_validate(ends)
    except ValidationError as exc:
        # Both ends were read: what is wrong is the span they make (a break that ends before it
        # starts), which the format alone would not tell.
        reasons = "; ".join(validation_reason(e) for e in exc.errors())
        fail(f"{option} {text!r}: {reasons}", EXIT_INVALID)


def _parse_slot(text: str) -> SlotIn:
    usage = "START/END, e.g. 2027-03-02T09:00/2027-03-02T09:20"
    return _parse_span(SlotIn, "--slot", text, sep="/", parse=datetime.fromisoformat, usage=usage)


def _emit(items: Iterable[M], as_json: bool, show: Callable[[M], object]) -> None:
    """Each item as a JSON line (``--json``) or as ``show`` prints it."""
    for item in items:
        if as_json:
            emit_json(item.model_dump(mode="json"))
        else:
            show(item)


def _print_noted(line: str, *notes: tuple[str, str | None], indent: str = "  ") -> None:
    """``line``, and under it, indented by ``indent``, each ``(label, text)`` of ``notes`` that has a
    text."""
    stdout.print(line, markup=False)
    for label, text in notes:
        if text:
            stdout.print(f"{indent}{label}: {text}", markup=False)


def _print_request(req: RequestPublic) -> None:
    _print_noted(
        f"request {req.id}: {req.sender} → {req.recipient}, {req.status}",
        ("message", req.message),
        ("why", req.reason),
        ("declined because", req.decline_reason),
    )


def _print_request_row(req: RequestPublic) -> None:
    """One request of a list: its id, who asks whom, its status, and under it the sender's message
    and why the recipient declined (when it said so)."""
    _print_noted(
        f"{req.id:>4} {req.sender} → {req.recipient}: {req.status}",
        ("message", req.message),
        ("declined because", req.decline_reason),
        indent="     ",
    )


def _print_contact(c: Contact) -> None:
    kind = c.relation or c.side
    score = f" {round(c.score * 100)}%" if c.score is not None else ""
    _print_noted(f"{c.id} ({c.name}): {kind}{score}", ("why", c.reason))


def _print_summary(ev: EventSummary) -> None:
    stdout.print(f"{ev.id}: {ev.name}{' at ' + ev.venue if ev.venue else ''}", markup=False)
    first, last = ev.slots[0], ev.slots[-1]
    # The last day is named when the slots run over more than one.
    end = f"{last.end:%H:%M}" if last.end.date() == first.start.date() else f"{last.end:%Y-%m-%d %H:%M}"
    stdout.print(
        f"  {counted(len(ev.slots), 'slot')} ({first.start:%Y-%m-%d %H:%M} – {end}"
        f"{', ' + ev.timezone if ev.timezone else ''}), {counted(ev.tables, 'table')}",
        markup=False,
    )
    if ev.request_deadline is not None:
        stdout.print(f"  requests until {told_in_zone(ev.request_deadline, ev.timezone)}", markup=False)
    stdout.print(
        f"  {counted(ev.participants, 'participant')}, {counted(ev.requests, 'request')},"
        f" {counted(ev.planned_meetings, 'planned meeting')},"
        f" published version {ev.published_version}",
        markup=False,
    )


def in_utc(deadline: datetime | None) -> datetime | None:
    """A deadline typed without an offset (--deadline, self-service --until) is UTC."""
    if deadline is not None and deadline.tzinfo is None:
        return deadline.replace(tzinfo=UTC)
    return deadline


@event_app.command("create")
@handled
def create(  # noqa: PLR0917  Typer reads options from the parameters
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(metavar="EVENT", help="New event id.")],
    name: Annotated[str, typer.Option("--name", help="Event name.")],
    venue: Annotated[str | None, typer.Option("--venue", help="Where it takes place.")] = None,
    tables: TablesOpt = None,
    table_label: Annotated[
        list[str] | None, typer.Option("--table-label", help="A table or room label, once per table.")
    ] = None,
    start: Annotated[
        datetime | None, typer.Option("--start", help="Start of the first slot (with --slots).")
    ] = None,
    slots: Annotated[int, typer.Option("--slots", min=1, help="Number of slots from --start.")] = 12,
    minutes: MinutesOpt = 20,
    gap: GapOpt = 5,
    slot: Annotated[list[str] | None, _slot_option("--start")] = None,
    timezone: TimezoneOpt = None,
    deadline: DeadlineOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an event with its slots and tables."""
    ignored = _given(ctx, "start", "slots", "minutes", "gap") if slot else []
    if ignored:
        fail(
            f"{', '.join(ignored)} make slots from --start; give --start or --slot START/END, not both",
            EXIT_INVALID,
        )
    if slot:
        slot_list = [_parse_slot(s) for s in slot]
    elif start is not None:
        slot_list = _grid(start, slots, minutes, gap)
    else:
        fail("give --start (with --slots, --minutes, --gap) or one --slot START/END per slot", EXIT_INVALID)
    data = _validated(
        EventCreate,
        id=event_id,
        name=name,
        venue=venue,
        timezone=timezone,
        slots=slot_list,
        tables=tables,
        table_labels=table_label or [],
        request_deadline=in_utc(deadline),
    )
    with _events() as events:
        ev = events.catalog.create(data)
    _emit([ev], as_json, _print_summary)


def _parse_break(text: str) -> BreakIn:
    return _parse_span(
        BreakIn, "--break", text, sep="-", parse=time.fromisoformat, usage="HH:MM-HH:MM, e.g. 12:30-13:30"
    )


@event_app.command("edit")
@handled
def edit(  # noqa: PLR0917  Typer reads options from the parameters
    ctx: typer.Context,
    event_id: EventArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    venue: Annotated[str | None, typer.Option("--venue", help="Venue ('' clears it).")] = None,
    timezone: Annotated[
        str | None,
        typer.Option("--timezone", help="IANA zone of the slot times ('' clears it: times are UTC)."),
    ] = None,
    tables: TablesOpt = None,
    table_label: Annotated[
        list[str] | None,
        typer.Option("--table-label", help="A table label (room or online link), once per table."),
    ] = None,
    day: Annotated[
        list[str] | None, typer.Option("--day", help="A day (YYYY-MM-DD) of slots; repeat for several days.")
    ] = None,
    start: Annotated[str, typer.Option("--start", help="Start of each day's first slot (HH:MM).")] = "09:00",
    per_day: Annotated[int, typer.Option("--per-day", min=1, help="Slots per day (with --day).")] = 12,
    minutes: MinutesOpt = 20,
    gap: GapOpt = 5,
    break_: Annotated[
        list[str] | None, typer.Option("--break", help="A daily break HH:MM-HH:MM (with --day).")
    ] = None,
    slot: Annotated[list[str] | None, _slot_option("--day")] = None,
    deadline: DeadlineOpt = None,
    no_replan: Annotated[
        bool, typer.Option("--no-replan", help="Do not re-plan after slots or tables change.")
    ] = False,
    time_limit: TimeLimitOpt = DEFAULT_TIME_LIMIT,
    as_json: JsonOpt = False,
) -> None:
    """Change an event at any time; new slots or tables re-plan it (publish afterwards to notify)."""
    ignored = [] if day else _given(ctx, "start", "per_day", "minutes", "gap", "break_")
    if ignored:
        fail(f"{', '.join(ignored)} lay out the slots of each --day; give --day too", EXIT_INVALID)
    days = None
    if day:
        try:
            dates = [date.fromisoformat(d) for d in day]
            first = time.fromisoformat(start)
        except ValueError as exc:
            fail(f"--day/--start: {exc}", EXIT_INVALID)
        days = _validated(
            DaysIn,
            days=dates,
            start=first,
            per_day=per_day,
            minutes=minutes,
            gap=gap,
            breaks=[_parse_break(b) for b in break_ or []],
        )
    data = _validated(
        EventEdit,
        name=name,
        venue=venue,
        timezone=timezone,
        tables=tables,
        table_labels=table_label or None,
        days=days,
        slots=[_parse_slot(s) for s in slot] if slot else None,
        request_deadline=in_utc(deadline),
        replan=not no_replan,
    )
    with _planner() as planner:
        report = planner.edit(event_id, data, time_limit=time_limit)
    if as_json:
        emit_json(report.model_dump(mode="json"))
        return
    stdout.print(f"changed: {', '.join(report.changed) or 'nothing'}", markup=False)
    _print_summary(report.event)
    for pid in report.dropped_availability:
        stdout.print(f"  {pid}: slots that are gone were taken out of its availability", markup=False)
    if report.replanned is not None:
        r = report.replanned
        stdout.print(f"re-planned: {counted(r.meetings, 'meeting')}", markup=False)
        for a, b in r.unscheduled_must_meet:
            stdout.print(f"  must-meet not scheduled: {a} – {b}", markup=False)
        for line in r.moved:
            stdout.print(f"  {line}", markup=False)
    if report.to_publish:
        stdout.print(
            "participants see the published schedule until you publish again, which tells them what"
            f" changed: matchmaker event publish {event_id}",
            markup=False,
        )


@event_app.command("list")
@handled
def list_(as_json: JsonOpt = False) -> None:
    """List the events."""
    with _events() as events:
        items = events.catalog.events()
    _emit(items, as_json, _print_summary)


@event_app.command("show")
@handled
def show(event_id: EventArg, as_json: JsonOpt = False) -> None:
    """Show an event, its participants and staff rules."""
    with _events() as events:
        ev = events.catalog.get(event_id)
        people = events.catalog.participants(event_id)
        rules = events.pair_rules.list(event_id)
    if as_json:
        emit_json(
            {
                **ev.model_dump(mode="json"),
                "participant_list": [p.model_dump(mode="json") for p in people],
                "pair_rules": [r.model_dump(mode="json") for r in rules],
            }
        )
        return
    _print_summary(ev)
    for p in people:
        extra = []
        if p.available is not None:
            extra.append("slots " + ",".join(p.available) if p.available else "no slots")
        if p.max_meetings is not None:
            extra.append(f"max {p.max_meetings}")
        stdout.print(f"  {p.side:<8} {p.id} ({p.name}) {'; '.join(extra)}", markup=False)
    for r in rules:
        stdout.print(f"  {r.kind.replace('_', '-')}: {r.a} – {r.b}", markup=False)


@event_app.command("delete")
@handled
def delete_event(event_id: EventArg) -> None:
    """Delete an event and everything stored with it (participants, requests, plan, feedback).

    When its schedule was published, each participant is told by e-mail that it is cancelled."""
    with _events() as events:
        r = events.catalog.delete(event_id)
    stdout.print(f"deleted event {r.event_id} ({r.name})", markup=False)
    if r.published:
        stdout.print(
            f"its schedule was published: {counted(r.messages, 'e-mail')} queued telling participants it is"
            " cancelled, with their meetings as cancelled calendar entries",
            markup=False,
        )
    if r.not_told:
        stdout.print(f"not told (no user with an e-mail address): {', '.join(r.not_told)}", markup=False)


@event_app.command("add")
@handled
def add(
    event_id: EventArg,
    ids: Annotated[list[str], typer.Argument(metavar="ID...", help="Stored city or provider ids.")],
    available: Annotated[
        str | None,
        typer.Option(
            "--available",
            help="Comma-separated slot ids (default: every slot; one taking part already keeps its own).",
        ),
    ] = None,
    max_meetings: Annotated[
        int | None,
        typer.Option("--max", min=0, help="Most meetings (one taking part already keeps its own)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add participants (or update their availability and maximum)."""
    # Only what is given: a participant taking part already keeps the rest.
    given: dict[str, object] = {}
    if available is not None:
        given["available"] = [s.strip() for s in available.split(",") if s.strip()]
    if max_meetings is not None:
        given["max_meetings"] = max_meetings
    items = [_validated(ParticipantIn, id=i, **given) for i in ids]
    with _events() as events:
        added = events.catalog.add_participants(event_id, items, keep_unset=True)
    _emit(added, as_json, lambda p: stdout.print(f"{p.side} {p.id} ({p.name}) takes part", markup=False))


@event_app.command("remove")
@handled
def remove(
    event_id: EventArg,
    participant: ParticipantArg,
) -> None:
    """Take a participant out of the event (with its requests, pair rules and planned meetings)."""
    with _events() as events:
        dropped = events.catalog.remove_participant(event_id, participant)
    if dropped:
        stdout.print(
            f"{participant} removed with its {counted(dropped, 'planned meeting')}; publish to cancel them"
            " in the other participants' agendas (re-plan first to fill the free places)",
            markup=False,
        )
    else:
        stdout.print(f"{participant} removed", markup=False)


@event_app.command("request")
@handled
def request(  # noqa: PLR0917  Typer reads options from the parameters
    event_id: EventArg,
    sender: Annotated[str, typer.Argument(metavar="FROM")],
    recipient: Annotated[str, typer.Argument(metavar="TO")],
    message: Annotated[str | None, typer.Option("--message", help="What FROM wants to tell TO.")] = None,
    status: Annotated[
        AnswerChoice | None, typer.Option("--status", help="Record the answer at once (staff).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a meeting request from FROM to TO (a city may ask a provider or another city)."""
    data = _validated(RequestCreate, sender=sender, recipient=recipient, message=message)
    with _events() as events:
        req = events.requests.create(event_id, data, recorded=status is not None)
        if status is not None:
            req = events.requests.answer(event_id, req.id, status.answer)
    _emit([req], as_json, _print_request)


@event_app.command("contacts")
@handled
def contacts(
    event_id: EventArg,
    participant: ParticipantArg,
    as_json: JsonOpt = False,
) -> None:
    """Whom ID may still ask for a meeting, the matcher's suggestions first, with their reasons.

    A city is offered providers, comparable and mentor cities; a provider is offered cities.
    """
    with _events() as events:
        items = events.contacts.for_participant(event_id, participant)
    _emit(items, as_json, _print_contact)


@event_app.command("answer")
@handled
def answer(
    event_id: EventArg,
    request_id: Annotated[int, typer.Argument(metavar="REQUEST")],
    choice: Annotated[AnswerChoice, typer.Argument(metavar="accepted|declined")],
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="Why the recipient declines (with declined only); the sender reads it."
        ),
    ] = None,
) -> None:
    """Accept or decline a request (as staff)."""
    checked = _validated(RequestAnswer, answer=choice.answer, decline_reason=reason)
    with _events() as events:
        req = events.requests.answer(
            event_id, request_id, checked.answer, decline_reason=checked.decline_reason
        )
    _print_request(req)


@event_app.command("requests")
@handled
def requests(
    event_id: EventArg,
    participant: Annotated[
        str | None, typer.Option("--participant", help="Only the requests this ID sent or received.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List requests with their status as of now (pending ones expire at the deadline)."""
    with _events() as events:
        items = events.requests.list(event_id, participant=participant)
    _emit(items, as_json, _print_request_row)


def _pair_rule_command(name: str, kind: PairRuleKind | None, summary: str) -> None:
    """Register ``matchmaker event NAME EVENT A B``, which sets (or clears) the pair's rule."""

    @event_app.command(name, help=summary)
    @handled
    def command(event_id: EventArg, a: PairA, b: PairB) -> None:
        with _events() as events:
            events.pair_rules.set(event_id, a, b, kind)
        word = {"must_meet": "must meet", "blocked": "blocked", None: "no rule"}[kind]
        stdout.print(f"{a} – {b}: {word}", markup=False)


_pair_rule_command("must-meet", "must_meet", "Make a pair must-meet.")
_pair_rule_command("block", "blocked", "Block a pair: it is never scheduled.")
_pair_rule_command("clear-pair", None, "Remove a pair's must-meet or blocked rule.")


@event_app.command("generate")
@handled
def generate(  # noqa: PLR0917  Typer reads options from the parameters
    event_id: EventArg,
    time_limit: TimeLimitOpt = DEFAULT_TIME_LIMIT,
    replan_published: Annotated[
        bool, typer.Option("--replan-published", help="Let published meetings move too.")
    ] = False,
    relax_must_meet: RelaxMustMeetOpt = False,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Plan (or re-plan) the meetings; published meetings stay unless --replan-published."""
    configure_logging(verbose)
    try:
        with _planner() as planner:
            report = planner.generate(
                event_id,
                time_limit=time_limit,
                keep_published=not replan_published,
                relax_must_meet=relax_must_meet,
            )
    except InfeasibleScheduleError as exc:
        stderr.print(
            f"error: event {event_id}: the schedule is infeasible. Relax one of these:", markup=False
        )
        for reason in exc.reasons or [exc.message]:
            stderr.print(f"  - {reason}", markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    if as_json:
        emit_json(report.model_dump(mode="json"))
        return
    s = report.stats
    stdout.print(
        f"{counted(report.meetings, 'meeting')} planned, total score {report.objective:.3f}"
        f" (scores: {report.score_source});"
        f" status {s['status']}, gap {s['gap']:.2%}, {s['solve_seconds']:.1f}s",
        markup=False,
    )
    stdout.print(
        f"meetings per participant who can meet: at least {s['min_meetings_active']};"
        f" mean over all participants {s['mean_meetings']:.2f};"
        f" unmatched: {', '.join(s['unmatched_participants']) or 'none'}",
        markup=False,
    )
    if line := no_meeting_possible_line(s.get("no_meeting_possible", [])):
        stdout.print(line, markup=False)
    for a, b in report.unscheduled_must_meet:
        stdout.print(f"must-meet not scheduled: {a} – {b}", markup=False)
    for line in report.moved:
        stdout.print(line, markup=False)


@event_app.command("plan")
@handled
def plan(event_id: EventArg, as_json: JsonOpt = False) -> None:
    """Show the current plan (staff view with scores)."""
    with _planner() as planner:
        meetings = planner.planned(event_id)
    if as_json:
        _emit(meetings, as_json, stdout.print)
        return
    note = zone_note(meetings[0].timezone, [m.start_at for m in meetings]) if meetings else None
    if note:
        stdout.print(note, markup=False)
    by_day: dict[date, list[PlannedMeeting]] = {}
    for m in meetings:
        by_day.setdefault(m.start.date(), []).append(m)
    if len(by_day) <= 1:
        stdout.print(_plan_table(meetings, counted(len(meetings), "planned meeting")))
        return
    # An event over several days: one table per day, titled with its date.
    stdout.print(f"{counted(len(meetings), 'planned meeting')} over {len(by_day)} days", markup=False)
    for day, todays in sorted(by_day.items()):
        stdout.print(_plan_table(todays, f"{day:%Y-%m-%d (%a)}: {counted(len(todays), 'meeting')}"))


def _plan_table(meetings: list[PlannedMeeting], title: str) -> Table:
    table = new_table(title=title)
    for column in ("slot", "time", "table", "a", "b", "score", "why", "state"):
        # The names and the reason wrap; the short cells stay whole.
        table.add_column(column, no_wrap=column in {"slot", "time", "score", "state"})
    for m in meetings:
        state = "published" if m.published else ("locked" if m.locked else "draft")
        table.add_row(
            m.slot,
            f"{m.start:%H:%M}",
            m.table_label or str(m.table),
            m.a_name,
            m.b_name,
            f"{m.score:.3f}",
            m.kind.replace("_", " "),
            state,
        )
    return table


@event_app.command("lock")
@handled
def lock(
    event_id: EventArg,
    a: PairA,
    b: PairB,
    unlock: Annotated[bool, typer.Option("--unlock", help="Let the meeting move again.")] = False,
) -> None:
    """Pin a planned meeting so that re-planning keeps it in place."""
    with _planner() as planner:
        m = planner.lock(event_id, a, b, locked=not unlock)
    stdout.print(f"{m.a} – {m.b} in {m.slot} at table {m.table}: {_lock_state(m)}", markup=False)


def _lock_state(m: PlannedMeeting) -> str:
    """What re-planning will do with a meeting just locked or unlocked."""
    return lock_state(locked=m.locked, published=m.published, replan_published="with --replan-published")


@event_app.command("publish")
@handled
def publish(event_id: EventArg, as_json: JsonOpt = False) -> None:
    """Publish the plan to participants (agendas and calendar feeds)."""
    with _planner() as planner:
        report = planner.publish(event_id)
    _emit([report], as_json, _print_publish)


def _print_publish(r: PublishReport) -> None:
    if r.nothing_changed:
        stdout.print(f"{r.note}: no new version, nobody told", markup=False)
        return
    stdout.print(
        f"published version {r.version}: {counted(r.confirmed, 'meeting')} ({r.new} new, {r.changed} changed,"
        f" {r.unchanged} unchanged), {r.cancelled} cancelled; {counted(r.messages, 'e-mail')} queued",
        markup=False,
    )
    if r.not_told:
        stdout.print(
            f"not told (no user with an e-mail address): {', '.join(r.not_told)};"
            " invite them (matchmaker users invite) or send them their agendas",
            markup=False,
        )


@event_app.command("agenda")
@handled
def agenda(
    event_id: EventArg,
    participant: ParticipantArg,
    as_json: JsonOpt = False,
) -> None:
    """A participant's published agenda."""
    with _events() as events:
        ag = events.agendas.agenda(event_id, participant)
    if as_json:
        emit_json(ag.model_dump(mode="json"))
        return
    stdout.print(f"{ag.participant_name} at {ag.event_name} (version {ag.published_version})", markup=False)
    note = zone_note(ag.timezone, [m.start_at for m in ag.meetings])
    if note:
        stdout.print(f"  {note}", markup=False)
    for m in ag.meetings:
        where = m.table_label or f"table {m.table}"
        stdout.print(f"  {m.start_at:%Y-%m-%d %H:%M}–{m.end_at:%H:%M}  {where}  {m.with_name}", markup=False)
    if not ag.meetings:
        stdout.print("  no published meetings", markup=False)


def _agenda_file(agendas: Agendas, fmt: ExportFormat, event_id: str, participant: str) -> bytes:
    """A participant's agenda as HTML, PDF or iCalendar."""
    if fmt is ExportFormat.html:
        return agendas.html(event_id, participant).encode()
    if fmt is ExportFormat.pdf:
        return agendas.pdf(event_id, participant)
    return agendas.calendar(event_id, participant)


def _event_file(agendas: Agendas, fmt: ExportFormat, event_id: str) -> bytes:
    """The whole event's HTML page, PDF booklet or iCalendar file."""
    if fmt is ExportFormat.html:
        return agendas.event_html(event_id).encode()
    if fmt is ExportFormat.pdf:
        return agendas.booklet(event_id)
    return agendas.event_calendar(event_id)


@event_app.command("export")
@handled
def export(
    event_id: EventArg,
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="csv, xlsx, booklet or table-cards (organisers); html, pdf or ics (one participant with"
            " --participant, else the whole event); csv and xlsx also of one participant.",
        ),
    ],
    participant: Annotated[
        str | None,
        typer.Option("--participant", help="Only this participant's meetings (default: everyone's)."),
    ] = None,
    plan_: Annotated[
        bool, typer.Option("--plan", help="CSV or XLSX of the current plan instead of the published one.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Export the organisers' CSV, XLSX, booklet or table cards, or a participant's agenda.

    A participant's agenda (--participant) is an HTML page, a PDF or an iCalendar (ics) file.
    Without --participant, html, pdf and ics cover every meeting of the event (pdf is the booklet).
    """
    if out is None and fmt in BINARY_FORMATS:
        fail(f"--format {fmt.value} needs --out FILE", EXIT_INVALID)
    if participant is not None and fmt not in PARTICIPANT_FORMATS:
        fail(
            f"--participant is for csv, xlsx, html, pdf and ics; --format {fmt.value} covers the whole event",
            EXIT_INVALID,
        )
    if plan_ and fmt not in PLAN_FORMATS:
        fail(f"--plan is for csv and xlsx; --format {fmt.value} shows the published meetings", EXIT_INVALID)
    source: ExportSource = "plan" if plan_ else "published"
    if fmt is ExportFormat.csv:
        with _events() as events:
            data = events.agendas.csv(event_id, source=source, participant=participant).encode()
    elif fmt is ExportFormat.xlsx:
        with _events() as events:
            data = events.agendas.xlsx(event_id, source=source, participant=participant)
    elif fmt is ExportFormat.booklet:
        with _events() as events:
            data = events.agendas.booklet(event_id)
    elif fmt is ExportFormat.table_cards:
        with _events() as events:
            data = events.agendas.table_cards(event_id)
    elif participant is None:
        with _events() as events:
            data = _event_file(events.agendas, fmt, event_id)
    else:
        with _events() as events:
            data = _agenda_file(events.agendas, fmt, event_id, participant)
    if out is None:
        typer.echo(data.decode(), nl=False)
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    stdout.print(f"wrote {out}", markup=False)


@event_app.command("feed")
@handled
def feed(
    event_id: EventArg,
    participant: ParticipantArg,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="The server's public address, for the printed URL (default: MATCHMAKER_PUBLIC_URL).",
        ),
    ] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="Stop the participant's feed addresses.")] = False,
) -> None:
    """Issue a secret calendar feed address for a participant (earlier ones stop), or --revoke them."""
    try:
        base = load_settings().public_url if base_url is None else public_base(base_url)
    except ValueError as exc:
        fail(f"--base-url: {exc}", EXIT_INVALID)
    with _events() as events:
        if revoke:
            n = events.feeds.revoke(event_id, participant)
            stdout.print(
                f"{participant}: {counted(n, 'feed address', 'feed addresses')} revoked", markup=False
            )
            return
        link = events.feeds.issue(event_id, participant, issued_by=None)  # staff, with no user id
    stdout.print(base + link.path, markup=False, soft_wrap=True)


@event_app.command("feedback")
@handled
def feedback(
    event_id: EventArg,
    rater: Annotated[str, typer.Argument(metavar="RATER")],
    other: Annotated[str, typer.Argument(metavar="OTHER")],
    rating: Annotated[
        RatingChoice, typer.Argument(metavar="RATING", help="; ".join(r.value for r in RatingChoice))
    ],
    comment: Annotated[
        str | None, typer.Option("--comment", help="A remark on the meeting, in words.")
    ] = None,
) -> None:
    """Record RATER's rating of its meeting with OTHER."""
    data = _validated(FeedbackIn, rater=rater, other=other, rating=rating.value, comment=comment)
    with _events() as events:
        fb = events.feedback.record(event_id, data)
    stdout.print(f"{fb.rater} rated the meeting with {fb.other}: {fb.rating}", markup=False)


@event_app.command("signal")
@handled
def signal(as_json: JsonOpt = False) -> None:
    """The feedback signal per pair over every event (used by later matching)."""
    with _events() as events:
        signal_ = events.feedback.signal()
    if not signal_ and not as_json:  # --json prints no line: no pair has a signal
        stdout.print("no feedback yet: no pair has a signal", markup=False)
    for (a, b), value in sorted(signal_.items()):
        if as_json:
            emit_json({"a": a, "b": b, "signal": value})
        else:
            stdout.print(f"{a} – {b}: {value:+.2f}", markup=False)


@event_app.command("stats")
@handled
def stats(event_id: EventArg, as_json: JsonOpt = False) -> None:
    """Feedback and statistics: meetings per participant, request outcomes, ratings, no-shows."""
    with _events() as events:
        figures = events.statistics.statistics(event_id)
    if as_json:
        emit_json(figures.model_dump(mode="json"))
        return
    _print_statistics(figures)


def _print_statistics(st: EventStatistics) -> None:
    def line(text: str) -> None:
        stdout.print(text, markup=False)

    mean = "–" if st.mean_rating_value is None else f"{st.mean_rating_value:+.2f}"
    corr = "–" if st.score_rating_correlation is None else f"{st.score_rating_correlation:+.2f}"
    line(
        f"{st.event_id} ({st.source}): {counted(st.meetings, 'meeting')}, {st.rated_meetings} rated,"
        f" {counted(st.no_shows, 'no-show')}; {counted(st.ratings, 'rating')}, mean value {mean},"
        f" score–rating correlation {corr}"
    )
    line("meetings per participant:")
    for p in st.per_participant:
        line(f"  {p.meetings:3d}  {p.name} ({p.side})")
    line("requests (accepted / declined / pending / expired):")
    for r in st.requests:
        line(f"  {r.direction}: {r.total} ({r.accepted} / {r.declined} / {r.pending} / {r.expired})")
    line("ratings:")
    for c in st.rating_distribution:
        line(f"  {c.count:3d}  {c.label}")
