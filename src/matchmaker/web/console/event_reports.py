"""Staff pages and downloads about what an event produced, next to :mod:`.events`:

- ``/events/{id}/feedback``: ratings and no-shows per meeting, and the statistics as charts drawn on
  the server (:mod:`.charts`): meetings per participant, request outcomes, the rating distribution,
  and match score against rating; the same figures as the API's ``/statistics``;
- ``/events/{id}/booklet.pdf`` and ``/events/{id}/table-cards.pdf``: the whole event's printable
  booklet and one card per table (published schedule);
- ``/events/{id}/export.xlsx``: the organisers' spreadsheet next to the CSV;
- ``/events/{id}/agenda/{participant}/pdf``: one participant's PDF agenda.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from markupsafe import Markup

from matchmaker.services.events.schemas import (
    RATING_LABELS,
    EventStatistics,
    EventSummary,
    ExportSource,
    MeetingOutcomeStatus,
)
from matchmaker.services.feedback import RATING_VALUES
from matchmaker.web.console.charts import (
    Bar,
    Point,
    Stack,
    bar_chart,
    column_chart,
    scatter_chart,
    stacked_bar_chart,
)
from matchmaker.web.console.events import Events, download, event_tab, run, safe_filename
from matchmaker.web.console.session import STAFF, PathId
from matchmaker.web.media import PDF, XLSX

REQUEST_SERIES = ("accepted", "declined", "pending", "expired")
STATUS_LABELS: dict[MeetingOutcomeStatus, str] = {
    "held": "held",
    "no_show": "no-show",
    "not_rated": "not rated",
    "upcoming": "still to come",
}


@dataclass
class FeedbackView:
    """What the feedback tab shows: the figures and their charts."""

    event: EventSummary
    stats: EventStatistics
    charts: dict[str, Markup]


def statistics_charts(stats: EventStatistics) -> dict[str, Markup]:
    """The four charts of the feedback tab, as inline SVG (every text escaped by the builders)."""
    names = {o.a: o.a_name for o in stats.outcomes} | {o.b: o.b_name for o in stats.outcomes}
    names |= {p.id: p.name for p in stats.per_participant}
    meetings = bar_chart(
        "chart-meetings",
        "Meetings per participant",
        [Bar(p.name, p.meetings) for p in stats.per_participant],
        empty="No participants yet.",
    )
    requests = stacked_bar_chart(
        "chart-requests",
        "Meeting requests by outcome",
        [
            Stack(
                "All requests" if r.direction == "all" else r.direction,
                [r.accepted, r.declined, r.pending, r.expired],
            )
            for r in stats.requests
        ],
        REQUEST_SERIES,
        empty="No meeting requests yet.",
    )
    ratings = column_chart(
        "chart-ratings",
        "Ratings",
        [Bar(r.label, r.count) for r in stats.rating_distribution],
        y_label="ratings",
        empty="No ratings yet.",
    )
    ticks = sorted(
        ((v, RATING_LABELS[k]) for k, v in RATING_VALUES.items() if v is not None), key=lambda t: t[0]
    )
    scatter = scatter_chart(
        "chart-score-rating",
        "Match score against rating",
        [
            Point(
                p.score,
                p.value,
                f"{names.get(p.rater, p.rater)} on {names.get(p.other, p.other)}: score {p.score:.2f},"
                f" {RATING_LABELS[p.rating]}",
            )
            for p in stats.score_vs_rating
        ],
        x_label="match score",
        y_label="rating",
        y_ticks=ticks,
        x_format=lambda x: f"{x:.2f}",
        empty="No ratings of held meetings yet.",
    )
    # The builders escape every text they are given; the SVG is safe to include as markup.
    return {
        "meetings": Markup(meetings),  # noqa: S704
        "requests": Markup(requests),  # noqa: S704
        "ratings": Markup(ratings),  # noqa: S704
        "score_rating": Markup(scatter),  # noqa: S704
    }


@get("/events/{event_id:str}/feedback", name="console:event-feedback", opt=STAFF)
async def event_feedback(request: Request[Any, Any, Any], events: Events, event_id: PathId) -> Response[Any]:
    """Ratings and no-shows per meeting, and the event's statistics as charts (staff)."""

    def load() -> FeedbackView:
        event = events.catalog.get(event_id)
        stats = events.statistics.statistics(event_id)
        return FeedbackView(event, stats, statistics_charts(stats))

    view = await run(load)
    return event_tab(
        request,
        "feedback",
        view,
        flash=None,
        status=200,
        rating_labels=RATING_LABELS,
        status_labels=STATUS_LABELS,
    )


@get("/events/{event_id:str}/booklet.pdf", name="console:event-booklet", opt=STAFF)
async def event_booklet(events: Events, event_id: PathId) -> Response[Any]:
    """The whole published event as one PDF: cover, schedule, one agenda page per participant."""
    data = await run(events.agendas.booklet, event_id)
    return download(data, PDF, f"{safe_filename(event_id)}-booklet.pdf")


@get("/events/{event_id:str}/table-cards.pdf", name="console:event-table-cards", opt=STAFF)
async def event_table_cards(events: Events, event_id: PathId) -> Response[Any]:
    """One printable card per table: its name and who meets there in each slot."""
    data = await run(events.agendas.table_cards, event_id)
    return download(data, PDF, f"{safe_filename(event_id)}-table-cards.pdf")


@get("/events/{event_id:str}/export.xlsx", name="console:event-xlsx", opt=STAFF)
async def event_xlsx(request: Request[Any, Any, Any], events: Events, event_id: PathId) -> Response[Any]:
    """The organisers' spreadsheet of the published schedule (``?source=plan`` for the current plan)."""
    source: ExportSource = "plan" if request.query_params.get("source") == "plan" else "published"
    data = await run(events.agendas.xlsx, event_id, source=source)
    return download(data, XLSX, f"{safe_filename(event_id)}-{source}.xlsx")


@get("/events/{event_id:str}/agenda/{participant_id:str}/pdf", name="console:event-agenda-pdf", opt=STAFF)
async def event_agenda_pdf(events: Events, event_id: PathId, participant_id: PathId) -> Response[Any]:
    """One participant's PDF agenda."""
    data = await run(events.agendas.pdf, event_id, participant_id)
    return download(data, PDF, f"{safe_filename(event_id)}-{safe_filename(participant_id)}.pdf")


ROUTES = [event_feedback, event_booklet, event_table_cards, event_xlsx, event_agenda_pdf]

__all__ = ["ROUTES", "FeedbackView", "statistics_charts"]
