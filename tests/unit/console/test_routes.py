"""The console's pages through Litestar's test client: sign-in, what each role sees, and each journey."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

import pytest
from console_support import CITY_ID, DEMO_DIR, PROVIDER_ID, Client, app_services

from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn
from services_support import add_user

SignIn = Callable[[str], str]


def focal_point_values() -> list[str]:
    """Every focal-point e-mail and phone in the demo corpus."""
    values: list[str] = []
    for line in (DEMO_DIR / "cities.jsonl").read_text(encoding="utf-8").splitlines():
        focal = json.loads(line).get("focal_point") or {}
        values.extend(v for k, v in focal.items() if k in ("email", "phone") and v)
    assert values
    return values


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def listed(html: str, kind: str = "cities") -> list[str]:
    """The ids of the records listed on a listing page, in order."""
    return re.findall(rf'class="record-title"><a href="/{kind}/([^"]+)"', html)


# --------------------------------------------------------------------------------------------------
# Signing in and out


def test_pages_send_anonymous_visitors_to_sign_in(ro_client: Client) -> None:
    response = ro_client.get("/cities/kukes?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/cities/kukes%3Fx%3D1"
    assert ro_client.get("/signin").status_code == 200


def test_a_wrong_token_is_refused_with_a_message(ro_client: Client) -> None:
    response = ro_client.post("/signin", data={"token": "mm_not-a-token"})
    assert response.status_code == 401
    assert "was not accepted" in response.text
    assert "mm_session" not in response.headers.get("set-cookie", "")


def test_sign_in_sets_a_strict_httponly_cookie_and_sign_out_clears_it(ro_client: Client) -> None:
    token = add_user(app_services(ro_client), "staff").token
    response = ro_client.post("/signin", data={"token": token, "next": "/cities"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/cities"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert ro_client.get("/dashboard").status_code == 200
    out = ro_client.post("/signout", follow_redirects=False)
    assert out.status_code == 303
    ro_client.cookies.clear()  # the test client keeps what a browser drops on the expiry above
    assert ro_client.get("/dashboard", follow_redirects=False).status_code == 303


def test_sign_in_never_redirects_to_another_site(ro_client: Client) -> None:
    token = add_user(app_services(ro_client), "staff").token
    response = ro_client.post(
        "/signin", data={"token": token, "next": "//evil.example/"}, follow_redirects=False
    )
    assert response.headers["location"] == "/dashboard"


def test_a_form_posted_from_another_site_is_refused(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    form = {"id": "x", "name": "X", "date": "2038-03-02", "start": "09:00", "slot_count": "2", "tables": "2"}
    response = ro_client.post("/events", data=form, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "another site" in response.text
    services = app_services(ro_client)
    with services.database.unit_of_work() as session:
        assert all(e.id != "x" for e in services.events(session).catalog.events())
    same_site = ro_client.post(
        "/events", data={**form, "id": "bad id"}, headers={"Origin": "http://127.0.0.1:8000"}
    )
    assert same_site.status_code == 422  # reached the form check: the origin was accepted


def test_a_form_posted_with_an_opaque_origin_is_refused(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    form = {"id": "y", "name": "Y", "date": "2038-03-02", "start": "09:00", "slot_count": "2", "tables": "2"}
    response = ro_client.post("/events", data=form, headers={"Origin": "null"})
    assert response.status_code == 403
    services = app_services(ro_client)
    with services.database.unit_of_work() as session:
        assert all(e.id != "y" for e in services.events(session).catalog.events())


def test_each_role_starts_at_its_home(ro_client: Client, ro_sign_in: SignIn) -> None:
    for role, home in (
        ("staff", "/dashboard"),
        ("city", f"/cities/{CITY_ID}"),
        ("provider", f"/providers/{PROVIDER_ID}"),
    ):
        ro_sign_in(role)
        response = ro_client.get("/", follow_redirects=False)
        assert response.headers["location"] == home


# --------------------------------------------------------------------------------------------------
# Staff


def test_dashboard_shows_counts_index_status_and_last_ingest(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    html = ro_client.get("/dashboard").text
    assert 'data-count="city">45<' in html
    assert 'data-count="provider">90<' in html
    assert 'data-count="case">57<' in html
    assert "up to date" in html
    assert "Every record was accepted." in html


def test_dashboard_times_read_in_minutes_and_say_utc(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    html = ro_client.get("/dashboard").text
    index = html.split('id="index-status"', 1)[1].split("</table>", 1)[0]
    built = re.findall(r"<td>(\d{4}-\d\d-\d\d[^<]*)</td>", index)
    assert len(built) == 3
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", b) for b in built), built
    ingest = html.split('id="last-ingest"', 1)[1].split("</dl>", 1)[0]
    when = re.search(r"<dt>When</dt><dd>([^<]*)</dd>", ingest)
    assert when is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", when.group(1)), when.group(1)


def test_pages_are_utf8_with_security_headers(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    response = ro_client.get("/cities?country=TR")
    assert response.headers["content-type"].startswith("text/html")
    assert "charset=utf-8" in response.headers["content-type"]
    assert "Tepebaşı" in response.text
    assert "Nilüfer" in response.text
    assert "Kukës" not in response.text
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("language=ru", "osh", "kukes"),
        ("level=3&country=AL", "kukes", "shkoder"),
        ("q=tepebasi", "tepebasi", "nilufer"),
        ("q=Tepebaşı", "tepebasi", "nilufer"),
        ("domain=energy_buildings&country=TR", "tepebasi", "kukes"),
    ],
)
def test_city_filters(ro_client: Client, ro_sign_in: SignIn, query: str, present: str, absent: str) -> None:
    ro_sign_in("staff")
    ids = listed(ro_client.get(f"/cities?{query}").text)
    assert present in ids
    assert absent not in ids


@pytest.mark.parametrize(
    ("query", "present"),
    [
        ("Xujand", "khujand"),
        ("Гянджа", "ganja"),
        ("Кахул", "cahul"),
        ("Գյումրի", "gyumri"),
        ("Нөкис", "nukus"),
    ],
)
def test_the_city_list_finds_a_name_typed_in_another_script(
    ro_client: Client, ro_sign_in: SignIn, query: str, present: str
) -> None:
    ro_sign_in("staff")
    assert present in listed(ro_client.get("/cities", params={"q": query}).text)


def test_the_city_list_finds_a_name_typed_in_azerbaijani(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    assert "ganja" in listed(ro_client.get("/cities", params={"q": "Gəncə"}).text)  # c is the j sound


def test_case_search_ranks_by_free_text(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    html = ro_client.get("/cases?q=street+addresses+house+numbers").text
    assert "Search score" in html
    assert "Ferizaj: giving every house an address" in html
    # Every case study is ranked, the unrelated ones last: the count does not call them all matches.
    assert "57 case studies, closest to your search first, page 1 of 3" in html
    assert "57 results" not in ro_client.get("/cases?q=xyzzy").text


def test_provider_filters_and_paging(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    first = ro_client.get("/providers").text
    assert "90 results, page 1 of 4" in first
    assert 'rel="next" href="/providers?page=2"' in first
    assert "results" in ro_client.get("/providers?country=TR&page=99").text
    # A page number of any length past the last page is the last page, not a number refused.
    for far in ("1234567890", "9" * 40, "9" * 5000):
        last = ro_client.get(f"/providers?page={far}")
        assert last.status_code == 200, last.text
        assert "90 results, page 4 of 4" in last.text


def test_staff_city_page_has_focal_point_and_explained_suggestions(
    ro_client: Client, ro_sign_in: SignIn
) -> None:
    ro_sign_in("staff")
    html = ro_client.get(f"/cities/{CITY_ID}").text
    assert "a.dushku@kukes-municipality.example.org" in html
    for block in ("providers", "comparable", "mentors", "cases"):
        assert f'id="suggestions-{block}"' in html
    assert "Why this suggestion" in html
    assert "<mark>" in html
    assert "Context factors" in html
    assert 'class="pill pill-mentor"' in html


def test_unknown_record_is_a_readable_404(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    response = ro_client.get("/cities/no-such-city")
    assert response.status_code == 404
    assert "no-such-city" in response.text
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/cities/ku%00kes", "city"),
        ("/providers/a%00b", "provider"),
        ("/cases/%00", "case"),
        ("/cities/ku%00kes/edit", "city"),
    ],
)
def test_a_record_address_with_an_id_no_record_can_have_is_refused_naming_it(
    ro_client: Client, ro_sign_in: SignIn, path: str, kind: str
) -> None:
    """An id with a NUL is refused as the API refuses it, naming the id, not as a value of a form
    that the database could not store."""
    ro_sign_in("staff")
    response = ro_client.get(path)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    said = text_of(html.unescape(response.text))
    assert f"{kind}_id: must be" in said
    assert "cannot be stored" not in said


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/events/ws%00x", "event_id"),
        ("/events/ws%00x/edit", "event_id"),
        ("/events/ws%00x/schedule", "event_id"),
        ("/events/ws%00x/requests", "event_id"),
        ("/events/ws%00x/feedback", "event_id"),
        ("/events/ws%00x/export.csv", "event_id"),
        ("/events/" + "w" * 129, "event_id"),
        ("/events/ws1/agenda/ku%00kes", "participant_id"),
        ("/events/ws1/calendar/ku%00kes", "participant_id"),
        ("/events/ws1/agenda/" + "k" * 129 + "/pdf", "participant_id"),
        ("/me/agenda/ws%00x/agenda", "event_id"),
    ],
)
def test_an_event_address_with_an_id_no_event_or_record_can_have_is_refused_naming_it(
    ro_client: Client, ro_sign_in: SignIn, path: str, name: str
) -> None:
    """An event or participant id with a NUL, or longer than any id, is refused as the record pages
    refuse one, naming the parameter, not as a value the database could not store."""
    ro_sign_in("city" if path.startswith("/me/") else "staff")
    response = ro_client.get(path)
    assert response.status_code == 400, response.text[:500]
    said = text_of(html.unescape(response.text))
    assert f"{name}: must be" in said
    assert "cannot be stored" not in said


def test_upload_reports_each_rejected_record(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    body = (
        json.dumps(
            {"id": "e2e-city", "name": "Кызыл-Кия", "country": "KG", "summary": "Тест: уличное освещение."}
        )
        + "\n"
        + json.dumps({"id": "bad city", "name": "X", "country": "KG", "summary": "y"})
        + "\n"
    )
    response = client.post(
        "/upload", files={"file": ("cities.jsonl", body.encode("utf-8"), "application/jsonl")}
    )
    assert response.status_code == 200
    assert "<strong>1</strong> accepted" in response.text
    assert "cities.jsonl:2:" in response.text
    assert "Кызыл-Кия" in client.get("/cities?q=кызыл").text


def test_upload_needs_a_kind_in_the_file_name(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    response = ro_client.post("/upload", files={"file": ("data.jsonl", b"{}\n", "application/jsonl")})
    assert response.status_code == 422
    assert "Cannot tell the record kind from the file name" in response.text
    assert "--kind" not in response.text, "the upload form has no such option: rename the file"


# --------------------------------------------------------------------------------------------------
# Events


def test_staff_plan_an_event_from_the_form_to_the_downloads(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    form = {
        "id": "ws-ankara",
        "name": "Ankara workshop",
        "date": "2038-03-02",
        "start": "09:00",
        "slot_minutes": "20",
        "break_minutes": "5",
        "slot_count": "4",
        "tables": "3",
        "timezone": "Europe/Istanbul",
    }
    page = client.post("/events", data=form)
    assert page.status_code == 200
    assert "The event was created" in page.text
    page = client.post("/events/ws-ankara/participants", data={"ids": ["kukes", "tepebasi", "ferizaj"]})
    suggested = re.search(r'id="suggested-providers".*?</fieldset>', page.text, re.S)
    assert suggested, "providers are suggested once the event has cities"
    providers = re.findall(r'name="ids" value="([^"]+)"', suggested.group(0))[:4]
    assert providers
    page = client.post("/events/ws-ankara/participants", data={"ids": providers})
    assert "Participants added." in page.text
    page = client.post("/events/ws-ankara/rules", data={"a": "kukes", "b": providers[0], "kind": "must_meet"})
    assert "must meet" in page.text
    page = client.post("/events/ws-ankara/generate", data={"keep_published": "yes", "relax_must_meet": "no"})
    assert page.status_code == 200, text_of(page.text)[-500:]
    assert 'id="schedule-grid"' in page.text
    assert 'id="generate-report"' in page.text
    a, b = re.findall(r'name="a" value="([^"]+)"><input type="hidden" name="b" value="([^"]+)">', page.text)[
        0
    ]
    page = client.post("/events/ws-ankara/lock", data={"a": a, "b": b, "locked": "1"})
    assert "Meeting locked" in page.text
    assert "· locked" in page.text
    link = re.search(r'<a href="(/events/ws-ankara/schedule/move\?[^"]+)"', page.text)
    assert link, "every planned meeting can be moved"
    cell = re.search(
        r'name="a" value="([^"]+)"><input type="hidden" name="b" value="([^"]+)">\s*<label for="mv-slot',
        client.get(html.unescape(link.group(1))).text,
    )
    assert cell, "a meeting's move form names the meeting"
    page = client.post(
        "/events/ws-ankara/move", data={"a": cell.group(1), "b": cell.group(2), "slot": "s4", "table": "3"}
    )
    assert page.status_code in (200, 409)
    if page.status_code == 200:
        assert "Meeting moved and locked." in page.text
    else:  # the refusal says the time as the grid shows it
        assert re.search(r"in the \d\d:\d\d–\d\d:\d\d slot", page.text)
    page = client.post("/events/ws-ankara/publish")
    assert 'id="publish-report"' in page.text
    csv = client.get("/events/ws-ankara/export.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "Kukës" in csv.text
    ics = client.get("/events/ws-ankara/calendar/kukes")
    assert ics.text.startswith("BEGIN:VCALENDAR")
    assert client.get("/events/ws-ankara/agenda/kukes").status_code == 200


def test_event_form_mistakes_are_shown_not_stored(ro_client: Client, ro_sign_in: SignIn) -> None:
    ro_sign_in("staff")
    page = ro_client.post(
        "/events",
        data={
            "id": "bad id",
            "name": "X",
            "date": "2038-03-02",
            "start": "09:00",
            "slot_count": "2",
            "tables": "2",
        },
    )
    assert page.status_code == 422
    assert "id" in page.text
    assert 'value="X"' in page.text
    page = ro_client.post("/events", data={"id": "x", "name": "X", "date": "tomorrow", "start": "09:00"})
    assert page.status_code == 422
    assert "YYYY-MM-DD" in page.text


def test_generate_without_participants_says_what_to_do(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    make_event(services, "empty", [])
    sign_in("staff")
    page = client.post("/events/empty/generate", data={})
    assert page.status_code == 409
    assert "add some first" in page.text


def test_unlocking_a_published_meeting_says_it_stays_unless_re_planned_to_move(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    make_event(services, "shown", [CITY_ID, PROVIDER_ID], publish=True)
    sign_in("staff")
    page = client.post("/events/shown/lock", data={"a": CITY_ID, "b": PROVIDER_ID, "locked": "0"})
    assert page.status_code == 200, text_of(page.text)[-500:]
    assert (
        "Meeting unlocked; it is published, so it stays where it is unless you re-plan choosing that"
        " published meetings may move." in text_of(page.text)
    )


def make_event(
    services: Services, event_id: str, ids: list[str], *, publish: bool = False, day: str = "2038-03-02"
) -> None:
    """An event on ``day`` with two slots and two tables, planned and published when asked."""
    from datetime import datetime

    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        catalog.create(
            EventCreate(
                id=event_id,
                name=f"Event {event_id}",
                slots=[
                    SlotIn(
                        start=datetime.fromisoformat(f"{day}T09:00"),
                        end=datetime.fromisoformat(f"{day}T09:20"),
                    ),
                    SlotIn(
                        start=datetime.fromisoformat(f"{day}T09:30"),
                        end=datetime.fromisoformat(f"{day}T09:50"),
                    ),
                ],
                tables=2,
            ),
        )
        if ids:
            catalog.add_participants(event_id, [ParticipantIn(id=i) for i in ids])
    if publish:
        services.planner.generate(event_id, score=lambda _a, _b: 0.5, time_limit=5)
        services.planner.publish(event_id)


# --------------------------------------------------------------------------------------------------
# City focal point and provider


def test_city_sees_its_own_focal_point_and_suggestions_but_not_others(
    ro_client: Client, ro_sign_in: SignIn
) -> None:
    ro_sign_in("city")
    own = ro_client.get(f"/cities/{CITY_ID}").text
    assert 'class="subject">Kukës<' in own
    assert "a.dushku@kukes-municipality.example.org" in own
    assert 'id="suggestions-providers"' in own
    other = ro_client.get("/cities/bihac").text
    assert 'id="focal-point"' not in other
    assert "suggestions-providers" not in other
    for value in focal_point_values():
        if "kukes" not in value and "+355 24" not in value:
            assert value not in other
    assert ro_client.get("/dashboard").status_code == 403
    assert ro_client.get("/events").status_code == 403
    assert ro_client.get("/cases").status_code == 200
    assert 'href="/dashboard"' not in own


def test_provider_sees_suggested_municipalities_and_no_contacts(
    ro_client: Client, ro_sign_in: SignIn
) -> None:
    ro_sign_in("provider")
    pages = [
        ro_client.get(p)
        for p in (f"/providers/{PROVIDER_ID}", "/cities", "/cities/kukes", "/cities/bihac", "/me/requests")
    ]
    assert all(p.status_code == 200 for p in pages)
    assert 'id="suggestions-cities"' in pages[0].text
    assert "Why this suggestion" in pages[0].text
    for page in pages:
        for value in focal_point_values():
            assert value not in page.text
        assert 'id="focal-point"' not in page.text
    assert ro_client.get("/cases").status_code == 403
    assert ro_client.get("/upload").status_code == 403
    assert "suggestions-cities" not in ro_client.get("/providers/prov-balkan-esco").text


def test_provider_requests_a_meeting_and_the_city_accepts(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    make_event(services, "fair", [CITY_ID, "tepebasi", PROVIDER_ID])
    sign_in("provider")
    page = client.get("/me/requests").text
    assert "Ask for a meeting" in page
    assert "Kukës" in page
    page = client.post(
        "/me/requests", data={"event": "fair", "recipient": CITY_ID, "message": "Merhaba"}
    ).text
    assert "Your request was sent." in page
    assert "pending" in page
    sign_in("city")
    page = client.get("/me/requests").text
    request_id = re.search(r'name="request" value="(\d+)"', page)
    assert request_id
    page = client.post(
        "/me/requests/answer", data={"event": "fair", "request": request_id.group(1), "answer": "accepted"}
    ).text
    assert "Your answer was saved." in page
    assert "accepted" in page


def _event_section(page: str, event_id: str) -> str:
    [section] = [part for part in page.split("<section ")[1:] if f'data-event="{event_id}"' in part]
    return section


def test_a_past_event_offers_no_meeting_request(client: Client, sign_in: SignIn, services: Services) -> None:
    make_event(services, "fair3", [CITY_ID, PROVIDER_ID])
    make_event(services, "last-year", [CITY_ID, PROVIDER_ID], day="2025-10-07")
    sign_in("provider")
    page = client.get("/me/requests").text
    assert "Ask for a meeting" in _event_section(page, "fair3")
    past = _event_section(page, "last-year")
    assert "Ask for a meeting" not in past
    assert 'action="/me/requests"' not in past
    closed = "Event last-year ended on 7 October 2025 at 09:50 (UTC); it takes no new meeting requests"
    assert f"Requests are closed: {closed}." in past
    refused = client.post("/me/requests", data={"event": "last-year", "recipient": CITY_ID})
    assert refused.status_code == 409
    assert closed in refused.text
    with services.database.unit_of_work() as session:
        assert services.events(session).requests.list("last-year") == []


def test_a_participant_cannot_answer_for_someone_else(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    from matchmaker.services.events.schemas import RequestCreate

    make_event(services, "fair2", [CITY_ID, "tepebasi", PROVIDER_ID])
    with services.database.unit_of_work() as session:
        created = services.events(session).requests.create(
            "fair2", RequestCreate(sender=PROVIDER_ID, recipient="tepebasi")
        )
    sign_in("city")
    response = client.post(
        "/me/requests/answer", data={"event": "fair2", "request": str(created.id), "answer": "accepted"}
    )
    assert response.status_code == 403
    with services.database.unit_of_work() as session:
        assert services.events(session).requests.list("fair2")[0].status == "pending"


def test_participants_see_their_published_agenda_and_rate_meetings(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    make_event(services, "day1", [CITY_ID, PROVIDER_ID], publish=True)
    sign_in("city")
    page = client.get("/me/agenda").text
    assert "Event day1" in page
    assert "Enerko" in page
    assert client.get("/me/agenda/day1/calendar").text.startswith("BEGIN:VCALENDAR")
    assert client.get("/me/agenda/day1/agenda").status_code == 200
    early = client.post(
        "/me/feedback", data={"event": "day1", "other": PROVIDER_ID, "rating": "cooperation_possible"}
    )
    assert early.status_code == 409
    assert "once it has taken place" in early.text
    with services.database.unit_of_work() as session:
        assert services.events(session).feedback.list("day1", rater=CITY_ID) == []
    sign_in("provider")
    assert "Kukës" in client.get("/me/agenda").text
    assert client.get("/events/day1/calendar/kukes").status_code == 403


def test_an_unexpected_failure_is_a_logged_500_page_without_details(
    ro_client: Client, ro_sign_in: SignIn, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from matchmaker.web.console import records as console_records

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    ro_sign_in("staff")
    monkeypatch.setattr(console_records, "load_listing", broken)
    with caplog.at_level("ERROR"):
        response = ro_client.get("/cities")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "it has been logged" in response.text
    assert "secret internal detail" not in response.text
    assert any(r.exc_info for r in caplog.records)
