"""The schedule tab of an event for staff (``/events/{id}/schedule``), on top of the planner.

Generate or re-plan, the slots × tables grid, lock and move meetings, publish; the downloads it links
to are in :mod:`.events`. Each change is a form post answered with a redirect to the tab (post-redirect-
get: after generate, re-plan and publish the tab shows the stored report), so a reload never plans or
publishes again; a refused change shows the tab again with the reason. Handlers take the tab of the
event in the address as the dependency ``tab``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, TypeVar

from litestar import Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter
from litestar.response import Redirect

from matchmaker.errors import InvalidInputError, MatchmakerError, NotFoundError
from matchmaker.scheduling.problem import Slot
from matchmaker.services.events import EventServices, Planner
from matchmaker.services.events.schemas import (
    EventSummary,
    GenerateReport,
    ParticipantPublic,
    PlannedMeeting,
    PublishReport,
    WithdrawnMeeting,
)
from matchmaker.web.console.events import (
    GENERATE_TIME_LIMIT,
    AnyRequest,
    Events,
    Flash,
    PageShow,
    Plans,
    apply_change,
    error_flash,
    event_tab,
    form_field,
    form_number,
    run,
)
from matchmaker.web.console.session import STAFF, PathId, form_on, whole_number
from matchmaker.web.errors import status_for

T = TypeVar("T")


@dataclass
class GridCell:
    """One slot at one table: a meeting or nothing."""

    table: int
    meeting: PlannedMeeting | None = None


@dataclass
class GridRow:
    """One slot across every table."""

    slot: Slot
    cells: list[GridCell]


@dataclass
class ScheduleView:
    """What the schedule page shows."""

    event: EventSummary
    rows: list[GridRow]
    meetings: list[PlannedMeeting]
    participants: list[ParticipantPublic]
    can_move: bool = True
    unplaced: list[ParticipantPublic] = field(default_factory=list)
    #: Published meetings in slots a participant has withdrawn from since.
    withdrawn: list[WithdrawnMeeting] = field(default_factory=list)

    @property
    def names(self) -> dict[str, str]:
        """Each participant's name by id."""
        return {p.id: p.name for p in self.participants}


def load_schedule(events: EventServices, planner: Planner, event_id: str) -> ScheduleView:
    """The plan as a slots × tables grid."""
    event = events.catalog.get(event_id)
    meetings = planner.planned(event_id)
    participants = events.catalog.participants(event_id)
    at = {(m.slot, m.table): m for m in meetings}
    rows = [
        GridRow(slot, [GridCell(t, at.get((slot.id, t))) for t in range(1, event.tables + 1)])
        for slot in event.slots
    ]
    met = {m.a for m in meetings} | {m.b for m in meetings}
    unplaced = [p for p in participants if p.id not in met] if meetings else []
    withdrawn = events.catalog.withdrawn(event_id)
    return ScheduleView(event, rows, meetings, participants, unplaced=unplaced, withdrawn=withdrawn)


@dataclass(frozen=True)
class _ScheduleTab:
    """The schedule tab of one event, as one request shows it and changes the plan."""

    request: AnyRequest
    events: EventServices
    planner: Planner
    event_id: str

    def page(
        self, *, generated: GenerateReport | None = None, published: PublishReport | None = None
    ) -> PageShow:
        """Shows the tab, with the report of a generate or a publication just made."""

        async def show(*, flash: Flash | None = None, status: int = 200) -> Response[Any]:
            view = await run(load_schedule, self.events, self.planner, self.event_id)
            return event_tab(
                self.request,
                "schedule",
                view,
                flash=flash,
                status=status,
                generated=generated,
                published=published,
            )

        return show

    def _done(self, msg: str) -> str:
        return f"/events/{self.event_id}/schedule?msg={msg}"

    async def plan(self, action: Callable[[], T], msg: str | Callable[[T], str]) -> Response[Any]:
        """A planner action (generate, publish): back to the tab with ``msg`` (or the one it gives for
        the action's result), which shows the action's stored report, or the tab again saying why the
        planner refused."""
        try:
            done = await run(action)
        except MatchmakerError as exc:
            return await self.page()(flash=error_flash(exc), status=status_for(exc))
        return Redirect(self._done(msg if isinstance(msg, str) else msg(done)), status_code=303)

    async def change(
        self,
        change: Callable[[], T],
        msg: str | Callable[[T], str],
        *,
        refused: PageShow | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Response[Any]:
        """A change on the tab: back to the tab with ``msg`` (or the one it gives for the change's
        result), or the tab (or the ``refused`` page, naming a field by its ``labels``) with the reason."""
        done = self._done(msg) if isinstance(msg, str) else lambda result: self._done(msg(result))
        shown = refused or self.page()
        return await apply_change(self.events, change, done=done, refused=shown, labels=labels)


def _schedule_tab(request: AnyRequest, events: Events, planner: Plans, event_id: PathId) -> _ScheduleTab:
    """Dependency ``tab``: the schedule tab of the event in the address."""
    return _ScheduleTab(request, events, planner, event_id)


#: The schedule tab of the event in the address, as the dependency ``tab`` of the tab's routes.
ScheduleTab = NamedDependency[_ScheduleTab]
_TAB = {"tab": Provide(_schedule_tab, sync_to_thread=False)}


def _schedule_form(path: str, *, name: str) -> post:
    """The route of a form on the schedule tab (staff), which takes the tab as ``tab`` and shows it again
    with the reason when the form is refused."""
    return post(path, name=name, opt=form_on("console:event-schedule", STAFF), dependencies=_TAB)


@get("/events/{event_id:str}/schedule", name="console:event-schedule", opt=STAFF, dependencies=_TAB)
async def event_schedule(tab: ScheduleTab) -> Response[Any]:
    """The plan as a grid, with generate, publish and downloads; after a generate, re-plan or publish
    (``?msg=``), the report of what it did."""
    msg = tab.request.query_params.get("msg") or ""
    generated: GenerateReport | None = None
    published: PublishReport | None = None
    if msg in {"generated", "edited-replanned", "published", "unchanged"}:
        generated, published = await run(tab.planner.last_reports, tab.event_id)
        if msg in {"published", "unchanged"}:
            generated = None
        else:
            published = None
    return await tab.page(generated=generated, published=published)()


@_schedule_form("/events/{event_id:str}/generate", name="console:event-generate")
async def event_generate(tab: ScheduleTab) -> Response[Any]:
    """Generate (or re-plan) the schedule, then redirect to the schedule tab, which shows what changed
    (so reloading the page never plans again)."""
    form = await tab.request.form()

    def generate() -> GenerateReport:
        return tab.planner.generate(
            tab.event_id,
            time_limit=GENERATE_TIME_LIMIT,
            keep_published=form_field(form, "keep_published", 3) != "no",
            relax_must_meet=form_field(form, "relax_must_meet", 3) == "yes",
        )

    return await tab.plan(generate, "generated")


@_schedule_form("/events/{event_id:str}/lock", name="console:event-lock")
async def event_lock(tab: ScheduleTab) -> Response[Any]:
    """Lock or unlock a planned meeting."""
    form = await tab.request.form()

    def lock() -> PlannedMeeting:
        a, b = form_field(form, "a", 128), form_field(form, "b", 128)
        return tab.planner.lock(tab.event_id, a, b, locked=form_field(form, "locked", 1) == "1")

    return await tab.change(lock, _lock_message)


def _lock_message(m: PlannedMeeting) -> str:
    """The message after a lock or unlock: an unlocked published meeting stays unless re-planned to move."""
    return "locked" if m.locked else "unlocked-published" if m.published else "unlocked"


#: The fields of a meeting's move form, by key, as the form labels them.
_MOVE_LABELS = {"slot": "Slot", "table": "Table"}


@_schedule_form("/events/{event_id:str}/move", name="console:event-move")
async def event_move(tab: ScheduleTab) -> Response[Any]:
    """Move a planned meeting to another slot and table (it is then locked there)."""
    form = await tab.request.form()

    def move() -> None:
        table = whole_number(form_number(form, "table"), "Table")
        if table is None:
            raise InvalidInputError("choose a table", field="table")
        a, b = form_field(form, "a", 128), form_field(form, "b", 128)
        tab.planner.move(tab.event_id, a, b, slot=form_field(form, "slot", 64, "Slot"), table=table)

    a, b = form.get("a"), form.get("b")
    if not (isinstance(a, str) and isinstance(b, str)):
        return await tab.change(move, "moved")
    sent = {key: value for key in ("slot", "table") if isinstance(value := form.get(key), str)}
    move_form = _move_page(tab.request, tab.events, tab.planner, tab.event_id, a=a, b=b, sent=sent)

    async def refused(*, flash: Flash | None = None, status: int = 200) -> Response[Any]:
        try:
            return await move_form(flash=flash, status=status)
        except NotFoundError:  # no such planned meeting: the tab says why
            return await tab.page()(flash=flash, status=status)

    return await tab.change(move, "moved", refused=refused, labels=_MOVE_LABELS)


@dataclass
class MoveView:
    """What the page of one planned meeting's move shows: the meeting, and the slot and table of a
    move of it just refused (``sent``), chosen again in the form."""

    event: EventSummary
    meeting: PlannedMeeting
    sent: Mapping[str, str] = field(default_factory=dict)


def _move_page(
    request: AnyRequest,
    events: EventServices,
    planner: Planner,
    event_id: str,
    *,
    a: str,
    b: str,
    sent: Mapping[str, str] | None = None,
) -> PageShow:
    """Shows the move form of the planned meeting of ``a`` and ``b``, with what a refused move of it
    chose (``sent``)."""

    async def show(*, flash: Flash | None = None, status: int = 200) -> Response[Any]:
        def load() -> MoveView:
            return MoveView(events.catalog.get(event_id), planner.meeting(event_id, a, b), dict(sent or {}))

        return event_tab(request, "move", await run(load), flash=flash, status=status)

    return show


#: One side of a meeting in the address of its move form (``?a=`` and ``?b=``).
MeetingSide = Annotated[str, Parameter(min_length=1, max_length=128)]


@get("/events/{event_id:str}/schedule/move", name="console:event-move-form", opt=STAFF)
async def event_move_form(
    request: AnyRequest, events: Events, planner: Plans, event_id: PathId, *, a: MeetingSide, b: MeetingSide
) -> Response[Any]:
    """The move form of the planned meeting of ``a`` and ``b``: every slot and table, its own place
    chosen. The schedule tab lists the slots and tables here, once per meeting opened, rather than in
    every meeting's cell: each cell links here, and with scripts the form is shown in the cell."""

    return await _move_page(request, events, planner, event_id, a=a, b=b)()


@_schedule_form("/events/{event_id:str}/publish", name="console:event-publish")
async def event_publish(tab: ScheduleTab) -> Response[Any]:
    """Publish the plan (participants see their agendas; calendars update in place), then redirect to
    the schedule tab with the publication's report (which says so when nothing had changed)."""
    publish = partial(tab.planner.publish, tab.event_id)
    return await tab.plan(publish, lambda report: "unchanged" if report.nothing_changed else "published")


ROUTES = [event_schedule, event_generate, event_lock, event_move, event_move_form, event_publish]

__all__ = ["ROUTES", "ScheduleView", "load_schedule"]
