"""The event's feedback tab (staff): ratings per meeting and the statistics as inline SVG charts; the
booklet, table cards, spreadsheet and per-participant PDF downloads."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime

from console_support import CITY_ID, PROVIDER_ID, Client, app_services
from test_routes import make_event

from matchmaker.services.events.schemas import FeedbackIn

SignIn = Callable[[str], str]
AFTER = datetime(2038, 3, 3, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def _rated_event(client: Client) -> str:
    """A published event of three; the first meeting rated by its first side. Returns that side's name."""
    services = app_services(client)
    make_event(services, "rated", [CITY_ID, PROVIDER_ID, "tepebasi"], publish=True)
    first = services.planner.planned("rated")[0]
    with services.database.unit_of_work() as session:
        feedback = services.events(session).feedback
        feedback.record(
            "rated",
            FeedbackIn(rater=first.a, other=first.b, rating="cooperation_possible", comment="Pilot <soon>"),
            now=AFTER,
        )
    return first.a_name


def _charts(html: str) -> dict[str, ET.Element]:
    out = {}
    for chunk in html.split("<svg ")[1:]:
        svg = ET.fromstring("<svg " + chunk.split("</svg>")[0] + "</svg>")
        out[svg.get("id", "")] = svg
    return out


def test_staff_see_ratings_per_meeting_and_four_charts(client: Client, sign_in: SignIn) -> None:
    rater = _rated_event(client)
    sign_in("staff")
    page = client.get("/events/rated/feedback")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'aria-current="page">Feedback<' in html
    charts = _charts(html)
    assert set(charts) == {"chart-meetings", "chart-requests", "chart-ratings", "chart-score-rating"}
    meetings = [e for e in charts["chart-meetings"].iter() if e.get("class") == "bar"]
    assert len(meetings) == 3, "one bar per participant"
    ratings = [e for e in charts["chart-ratings"].iter() if e.get("class") == "bar"]
    assert len(ratings) == 4, "one column per rating value"
    points = [e for e in charts["chart-score-rating"].iter() if e.get("class") == "point"]
    assert len(points) == 1
    assert "No meeting requests yet." in html
    table = html.split('id="meeting-feedback"')[1]
    assert "cooperation possible" in table
    assert "Pilot &lt;soon&gt;" in table
    assert f"{rater}: cooperation possible" in table


def test_the_feedback_tab_and_documents_are_for_staff_only(client: Client, sign_in: SignIn) -> None:
    _rated_event(client)
    sign_in("city")
    for path in (
        "/events/rated/feedback",
        "/events/rated/booklet.pdf",
        "/events/rated/table-cards.pdf",
        "/events/rated/export.xlsx",
        f"/events/rated/agenda/{CITY_ID}/pdf",
    ):
        assert client.get(path).status_code == 403, path


def test_staff_download_the_booklet_cards_spreadsheet_and_an_agenda(client: Client, sign_in: SignIn) -> None:
    _rated_event(client)
    sign_in("staff")
    schedule = client.get("/events/rated/schedule").text
    for link in (
        "/events/rated/booklet.pdf",
        "/events/rated/table-cards.pdf",
        "/events/rated/export.xlsx",
        f"/events/rated/agenda/{CITY_ID}/pdf",
    ):
        assert f'href="{link}"' in schedule, link
        response = client.get(link)
        assert response.status_code == 200, (link, response.text[:500])
        assert "attachment" in response.headers["content-disposition"]
        assert response.content[:4] in (b"%PDF", b"PK\x03\x04"), link


def test_documents_wait_for_the_first_publication(client: Client, sign_in: SignIn) -> None:
    make_event(app_services(client), "draft", [CITY_ID, PROVIDER_ID])
    sign_in("staff")
    response = client.get("/events/draft/booklet.pdf")
    assert response.status_code == 409
    assert "not published yet" in response.text
    assert "booklet" in client.get("/events/draft/schedule").text
    assert 'href="/events/draft/booklet.pdf"' not in client.get("/events/draft/schedule").text


def test_a_participant_downloads_its_own_pdf_agenda(client: Client, sign_in: SignIn) -> None:
    _rated_event(client)
    make_event(app_services(client), "others", ["tepebasi", PROVIDER_ID], publish=True)
    sign_in("city")
    assert 'href="/me/agenda/rated/pdf"' in client.get("/me/agenda").text
    own = client.get("/me/agenda/rated/pdf")
    assert own.status_code == 200
    # Saved under the name the API and the staff console give it, with whose agenda it is.
    assert own.headers["content-disposition"] == f'attachment; filename="rated-{CITY_ID}.pdf"'
    calendar = client.get("/me/agenda/rated/calendar")
    assert calendar.headers["content-disposition"] == f'attachment; filename="rated-{CITY_ID}.ics"'
    assert own.content.startswith(b"%PDF")
    assert client.get("/me/agenda/others/pdf").status_code == 404, "an event it does not take part in"
