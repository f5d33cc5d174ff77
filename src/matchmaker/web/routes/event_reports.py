"""What staff take away from an event over HTTP: statistics and feedback, the printable documents and
the spreadsheets. A thin adapter over :mod:`matchmaker.services.events` (staff only; a participant's own
agenda, in every format, is in :mod:`matchmaker.web.routes.events`)."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency

from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventStatistics
from matchmaker.services.users import Principal
from matchmaker.web.auth import staff_only
from matchmaker.web.errors import CONFLICT, document_problems
from matchmaker.web.media import CSV, PDF, XLSX
from matchmaker.web.routes.common import EventId, Events, Source, attachment
from matchmaker.web.routes.jobs import ACCEPTED, JobOut, Wait, start_job


def _download(path: str, *, summary: str, media_type: str) -> get:
    """The route of a file staff take away, made in a worker thread; it documents the conflict (409)
    of an event whose schedule is not published yet."""
    return get(path, sync_to_thread=True, summary=summary, media_type=media_type, responses=CONFLICT)


class EventReportController(Controller):
    """Event statistics, the whole-event booklet, table cards and the CSV and XLSX plan (staff)."""

    path = "/events"
    tags = ("events",)
    guards = [staff_only]  # noqa: RUF012  Litestar reads the class attribute

    @get(
        "/{event_id:str}/statistics",
        sync_to_thread=True,
        summary="Feedback and statistics (staff)",
        responses=ACCEPTED,
    )
    def statistics(
        self,
        *,
        events: Events,
        services: NamedDependency[Services],
        current_user: NamedDependency[Principal],
        event_id: EventId,
        wait: Wait = True,
    ) -> Response[EventStatistics | JobOut]:
        """Ratings and no-shows per meeting; meetings per participant; request outcomes in all and per
        direction; the rating distribution; each rating against its meeting's match score. Counts the
        published schedule, or the plan while nothing is published. With ``wait=false`` they are
        computed by a background job whose result is this answer."""
        if not wait:
            events.catalog.get(event_id)  # an unknown event is a 404 now, not a failed job later
            return start_job(services.jobs, "statistics", {"event_id": event_id}, current_user)
        return Response(events.statistics.statistics(event_id))

    @_download(
        "/{event_id:str}/documents/booklet.pdf", summary="The event booklet (PDF, staff)", media_type=PDF
    )
    def booklet(self, events: Events, event_id: EventId) -> Response[bytes]:
        """A cover (name, venue, dates, time zone), the schedule slot by slot, and one agenda page per
        participant with the reasons participants read. 409 before the first publication."""
        return attachment(events.agendas.booklet(event_id), PDF, f"{event_id}-booklet.pdf")

    @_download(
        "/{event_id:str}/documents/table-cards.pdf", summary="Table cards (PDF, staff)", media_type=PDF
    )
    def table_cards(self, events: Events, event_id: EventId) -> Response[bytes]:
        """One page per table: its name and, per slot, both parties meeting there. 409 before the
        first publication."""
        return attachment(events.agendas.table_cards(event_id), PDF, f"{event_id}-table-cards.pdf")

    @_download("/{event_id:str}/export/csv", summary="Organisers' CSV (staff)", media_type=CSV)
    def export_csv(self, events: Events, event_id: EventId, source: Source = "published") -> Response[str]:
        """Slot, times, table, both parties, score and reason, one row per meeting."""
        text = events.agendas.csv(event_id, source=source)
        return attachment(text, CSV, f"{event_id}-meetings.csv")

    @_download(
        "/{event_id:str}/export/xlsx", summary="Organisers' spreadsheet (XLSX, staff)", media_type=XLSX
    )
    def export_xlsx(self, events: Events, event_id: EventId, source: Source = "published") -> Response[bytes]:
        """The CSV's columns as a workbook, times as date-times."""
        data = events.agendas.xlsx(event_id, source=source)
        return attachment(data, XLSX, f"{event_id}-meetings.xlsx")


document_problems(EventReportController)

__all__ = ["EventReportController"]
