"""Participants change their own availability and profile before the event's deadline, not after."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from console_support import (
    CITY_ID,
    PROVIDER_ID,
    Client,
    FormValues,
    add_event,
    app_services,
    changed,
    form_of,
    post_form,
)
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.db.models import utcnow
from matchmaker.errors import InvalidInputError
from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn


def make_event(services: Services) -> None:
    start = utcnow() + timedelta(days=20)
    with services.database.unit_of_work() as session:
        events = services.events(session)
        events.catalog.create(
            EventCreate(
                id="ws1",
                name="Level 3 workshop",
                tables=2,
                slots=[
                    SlotIn(start=start + timedelta(minutes=m), end=start + timedelta(minutes=m + 20))
                    for m in (0, 30, 60)
                ],
            )
        )
        events.catalog.add_participants("ws1", [ParticipantIn(id=CITY_ID), ParticipantIn(id=PROVIDER_ID)])


def participant(services: Services, pid: str) -> tuple[list[str] | None, int | None]:
    with services.database.unit_of_work() as session:
        [p] = [p for p in services.events(session).catalog.participants("ws1") if p.id == pid]
        return p.available, p.max_meetings


def test_availability_is_saved_before_the_deadline_and_read_only_after(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    make_event(services)
    sign_in("city")
    page = client.get("/me/availability")
    assert page.status_code == 200
    assert "Level 3 workshop" in page.text
    saved = client.post("/me/availability", data={"event": "ws1", "slot": ["s1", "s3"], "max_meetings": "1"})
    assert saved.status_code == 200
    assert "Your availability was saved" in saved.text
    assert participant(services, CITY_ID) == (["s1", "s3"], 1)

    result = CliRunner().invoke(
        app, ["event", "self-service", "ws1", "--until", (utcnow() - timedelta(hours=1)).isoformat()]
    )
    assert result.exit_code == 0, result.output
    closed = client.post("/me/availability", data={"event": "ws1", "slot": ["s2"], "max_meetings": "2"})
    assert closed.status_code == 409
    assert "closed on" in closed.text
    assert participant(services, CITY_ID) == (["s1", "s3"], 1)
    assert "this is read-only" in client.get("/me/availability").text


def test_a_provider_edits_its_profile_with_ingest_validation_until_the_deadline(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    make_event(services)
    sign_in("provider")
    form = client.get("/me/profile")
    assert form.status_code == 200
    bad = client.post(
        "/me/profile",
        data={
            "name": "Enerko",
            "description": "ESCO contracts.",
            "website": "",
            "languages": "english",
            "regions_served": "",
        },
    )
    assert bad.status_code == 422
    assert "language" in bad.text.lower()
    good = client.post(
        "/me/profile",
        data={
            "name": "Enerko ESCO",
            "description": "Energy-saving contracts for municipal street lighting, paid from savings.",
            "website": "https://enerko.example",
            "languages": "tr; en",
            "regions_served": "TR; AL",
        },
    )
    assert good.status_code == 200
    assert "Your profile was saved" in good.text
    with services.database.unit_of_work() as session:
        record = services.records(session).get("provider", PROVIDER_ID)
    assert record.name == "Enerko ESCO"
    assert "street lighting" in record.description  # type: ignore[union-attr]

    with services.database.unit_of_work() as session:
        services.self_service(session).set_deadline("ws1", utcnow() - timedelta(minutes=5))
    locked = client.get("/me/profile")
    assert "read-only while Level 3 workshop is being planned" in locked.text
    refused = client.post("/me/profile", data={"name": "Other", "description": "Other."})
    assert refused.status_code == 409
    with services.database.unit_of_work() as session:
        assert services.records(session).get("provider", PROVIDER_ID).name == "Enerko ESCO"


def test_a_refused_availability_keeps_what_was_ticked_and_typed(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    make_event(services)
    sign_in("city")
    client.post("/me/availability", data={"event": "ws1", "slot": ["s1", "s2", "s3"], "max_meetings": ""})
    refused = client.post("/me/availability", data={"event": "ws1", "slot": ["s2"], "max_meetings": "2.5"})
    assert refused.status_code == 422
    assert "whole number" in refused.text
    ticked = re.findall(r'name="slot" value="(s\d)" checked', refused.text)
    assert ticked == ["s2"]
    assert re.search(r'name="max_meetings"[^>]*value="2.5"', refused.text)
    assert participant(services, CITY_ID) == (None, None)  # nothing was saved


def test_the_availability_of_an_event_that_is_over_is_read_only(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    make_event(services)
    add_event(client, "expo-2025", [CITY_ID, PROVIDER_ID], day=datetime(2025, 4, 2))  # noqa: DTZ001
    sign_in("city")
    page = client.get("/me/availability").text
    past = page.split('<section aria-labelledby="ev-')[1]
    assert "Expo 2025" in past
    assert "This event took place on 2 April 2025" in past
    assert "Save availability" not in past
    assert "until ministry staff close changes" not in past
    assert "Save availability for Level 3 workshop" in page  # the coming event stays open

    refused = client.post(
        "/me/availability", data={"event": "expo-2025", "slot": ["s1"], "max_meetings": "1"}
    )
    assert refused.status_code == 409
    assert "Expo 2025 took place on 2 April 2025; its availability no longer changes" in refused.text
    with services.database.unit_of_work() as session:
        [me] = [p for p in services.events(session).catalog.participants("expo-2025") if p.id == CITY_ID]
    assert (me.available, me.max_meetings) == (None, None)


def test_the_availability_deadline_reads_in_the_event_time_zone_and_names_it(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    istanbul = ZoneInfo("Europe/Istanbul")
    add_event(
        client,
        "ankara-day",
        [CITY_ID, PROVIDER_ID],
        day=datetime(2038, 3, 2),  # noqa: DTZ001 - a wall time in the event's zone
        timezone="Europe/Istanbul",
        request_deadline=datetime(2038, 2, 25, 17, 0, tzinfo=istanbul),
    )
    sign_in("city")
    page = client.get("/me/availability").text
    assert "You can change this until 25 February 2038 at 17:00 (Europe/Istanbul)." in page
    assert "Tue 02 Mar, 09:00–09:20" in page
    # The slots say their zone once, as the agenda does; nothing is told in UTC.
    assert "Times are local to Europe/Istanbul (UTC+03:00)." in page
    assert "14:00" not in page
    assert "(UTC)" not in page
    assert page.count("UTC") == 1

    services = app_services(client)
    closed_at = (utcnow() - timedelta(days=1)).replace(hour=6, minute=30, second=0, microsecond=0)
    with services.database.unit_of_work() as session:
        services.self_service(session).set_deadline("ankara-day", closed_at)
    local = closed_at.astimezone(istanbul)
    day = f"{local.day} {local:%B %Y}"
    page = client.get("/me/availability").text
    assert f"Changes closed on {day} at 09:30 (Europe/Istanbul); this is read-only." in page
    refused = client.post("/me/availability", data={"event": "ankara-day", "slot": ["s1"]})
    assert refused.status_code == 409
    assert f"Changes to Ankara day closed on {day} at 09:30 (Europe/Istanbul)" in refused.text
    assert "06:30" not in refused.text
    sign_in("provider")
    profile = client.get("/me/profile").text
    assert f"(changes closed on {day} at 09:30 (Europe/Istanbul))" in profile


def test_the_profile_form_is_headed_as_the_navigation_names_it(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    # A provider's "My profile" link is its public page; the form it edits is "Edit profile".
    for role in ("city", "provider"):
        sign_in(role)
        page = client.get("/me/profile").text
        [link] = re.findall(r'<a href="/me/profile"[^>]*>([^<]+)</a>', page)
        [heading] = re.findall(r"<h1>([^<]+)</h1>", page)
        assert link == heading == "Edit profile"
        assert "<title>Edit profile" in page


def test_a_profile_unlocks_when_the_event_is_over_on_its_own_clock(client: Client) -> None:
    """An event in Tokyo whose last slot ended at 09:20 Tokyo time (00:20 UTC) is over at 05:00 UTC:
    its participant's profile may be edited again, as the availability page already says."""
    add_event(
        client,
        "tokyo",
        [PROVIDER_ID],
        slots=1,
        day=datetime(2038, 5, 4),  # noqa: DTZ001 - a wall time in the event's zone
        timezone="Asia/Tokyo",
    )
    services = app_services(client)
    with services.database.unit_of_work() as session:
        self_service = services.self_service(session)
        self_service.set_deadline("tokyo", datetime(2038, 5, 1, tzinfo=ZoneInfo("UTC")))
        after = datetime(2038, 5, 4, 5, tzinfo=ZoneInfo("UTC"))
        [mine] = [e for e in self_service.my_events(PROVIDER_ID, now=after) if e.event_id == "tokyo"]
        assert mine.ended is not None
        assert self_service.profile_lock(PROVIDER_ID, now=after) is None
        during = datetime(2038, 5, 4, 0, 10, tzinfo=ZoneInfo("UTC"))
        assert "read-only while" in (self_service.profile_lock(PROVIDER_ID, now=during) or "")


#: The provider's profile form as posted, without its solution rows.
ENERKO_PROFILE = {
    "name": "Enerko Enerji Hizmetleri",
    "description": "Energy service company.",
    "website": "",
    "languages": "tr; en",
    "regions_served": "",
}


def _solution_rows(page: str) -> list[str]:
    return re.findall(r'name="solution_title" type="text" dir="auto" value="([^"]*)"', page)


def test_a_provider_describes_its_solutions_on_its_profile(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """The profile form lists the provider's solutions with an empty row to add one; a row whose title
    is emptied is removed; a refused change keeps the rows as typed and saves nothing."""
    services = app_services(client)
    make_event(services)
    sign_in("provider")
    form = client.get("/me/profile")
    assert _solution_rows(form.text) == [
        "Energy performance contracts for public buildings",
        "Lighting as a service",
        "",
    ]
    profile = dict(ENERKO_PROFILE)
    rows = {
        "solution_title": ["", "Lighting as a service", "Heat pumps for schools"],
        "solution_description": [
            "",
            "LED retrofit paid from savings.",
            "Air-source heat pumps, paid over 8 years.",
        ],
        "solution_domains": ["", "utilities_infrastructure", "energy_buildings"],
        "solution_deployed_in": ["", "Gaziantep", "Kayseri; Sivas"],
    }
    refused = client.post("/me/profile", data={**profile, **rows, "languages": "english"})
    assert refused.status_code == 422
    assert "english" in refused.text
    assert _solution_rows(refused.text) == ["", "Lighting as a service", "Heat pumps for schools"]

    saved = client.post("/me/profile", data={**profile, **rows})
    assert saved.status_code == 200, saved.text
    with services.database.unit_of_work() as session:
        record = services.records(session).get("provider", PROVIDER_ID)
    assert [(s.title, s.domains, s.deployed_in) for s in record.solutions] == [
        ("Lighting as a service", ["utilities_infrastructure"], ["Gaziantep"]),
        ("Heat pumps for schools", ["energy_buildings"], ["Kayseri", "Sivas"]),
    ]
    assert _solution_rows(client.get("/me/profile").text) == [
        "Lighting as a service",
        "Heat pumps for schools",
        "",
    ]


def test_a_provider_editing_its_profile_keeps_its_solutions_other_fields(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    make_event(services)
    with services.database.unit_of_work() as session:
        records = services.records(session)
        solutions = [s.model_dump() for s in records.get("provider", PROVIDER_ID).solutions]  # type: ignore[union-attr]
        solutions[1]["extra"] = {"licence": "GPL"}
        records.edit("provider", PROVIDER_ID, {"solutions": solutions})
    sign_in("provider")
    form = client.get("/me/profile")
    assert "licence" in form.text
    extras = re.findall(r'name="solution_extra" type="hidden" value="([^"]*)"', form.text)
    assert len(extras) == 3, "one per solution row, the empty row too"
    profile = dict(ENERKO_PROFILE)
    rows = {
        "solution_title": ["Energy performance contracts for public buildings", "Lighting as a service", ""],
        "solution_description": ["", "LED retrofit paid from savings.", ""],
        "solution_domains": ["", "", ""],
        "solution_deployed_in": ["", "", ""],
        "solution_extra": [html.unescape(e) for e in extras],
    }
    saved = client.post("/me/profile", data={**profile, **rows})
    assert saved.status_code == 200, saved.text
    with services.database.unit_of_work() as session:
        record = services.records(session).get("provider", PROVIDER_ID)
    assert [(s.description, s.extra) for s in record.solutions] == [  # type: ignore[union-attr]
        ("", {}),
        ("LED retrofit paid from savings.", {"licence": "GPL"}),
    ]


def test_a_new_solution_typed_without_a_title_is_refused_on_the_profile_not_dropped(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """The row for adding a solution, filled in but for its title, was dropped (a row without a title
    is how a solution is removed) while the page said the profile was saved; staff's form refuses it."""
    services = app_services(client)
    make_event(services)
    sign_in("provider")
    profile = dict(ENERKO_PROFILE)
    rows = {
        "solution_title": ["Energy performance contracts for public buildings", "Lighting as a service", ""],
        "solution_description": ["", "LED retrofit paid from savings.", "Meters on every school."],
        "solution_domains": ["", "", ""],
        "solution_deployed_in": ["", "", ""],
    }
    refused = client.post("/me/profile", data={**profile, **rows})
    assert refused.status_code == 422, refused.text
    assert "Solution 3 (the new one) has no title; give it one, or empty its other fields" in refused.text
    assert "Meters on every school." in refused.text, "shown again as typed"
    with services.database.unit_of_work() as session:
        record = services.records(session).get("provider", PROVIDER_ID)
    assert [s.title for s in record.solutions] == [  # type: ignore[union-attr]
        "Energy performance contracts for public buildings",
        "Lighting as a service",
    ]


def test_a_refused_solution_is_named_as_the_form_shows_it(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """An emptied row above the refused one: the refusal names the refused row's number on the form
    and its title, not the row before it."""
    make_event(app_services(client))
    sign_in("provider")
    profile = dict(ENERKO_PROFILE)
    long_title = "Heat pumps " + "x" * 400
    rows = {
        "solution_title": ["", "Lighting as a service", long_title],
        "solution_description": ["", "LED retrofit paid from savings.", "Air-source heat pumps."],
        "solution_domains": ["", "", ""],
        "solution_deployed_in": ["", "", ""],
    }
    refused = client.post("/me/profile", data={**profile, **rows})
    assert refused.status_code == 422
    assert "Solution 3 (“Heat pumps xxx" in refused.text
    assert "title: must be at most 300 characters" in refused.text
    assert "Lighting as a service”)" not in refused.text


def test_a_city_changes_its_own_summary_through_the_api_under_the_consoles_rules(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """What a focal point changes on *Edit profile* it changes with ``PATCH /api/v1/cities/{id}`` too:
    its summary, with the same refusals (another city's record, the ministry's fields, an event being
    planned), where the API answered 'only ministry staff may do this'."""
    services = app_services(client)
    make_event(services)
    token = sign_in("city")
    bearer = {"Authorization": f"Bearer {token}"}
    summary = "Kukës: rural streets have no names; the lighting bill is too high."
    saved = client.patch(f"/api/v1/cities/{CITY_ID}", json={"summary": summary}, headers=bearer)
    assert saved.status_code == 200, saved.text
    assert saved.json()["summary"] == summary
    assert saved.json()["focal_point"]["email"]
    with services.database.unit_of_work() as session:
        assert services.records(session).get("city", CITY_ID).summary == summary  # type: ignore[union-attr]

    ministry = client.patch(
        f"/api/v1/cities/{CITY_ID}", json={"programme_level": 1, "summary": "x"}, headers=bearer
    )
    assert ministry.status_code == 403
    assert "programme_level" in ministry.json()["detail"]
    assert "ministry staff" in ministry.json()["detail"]
    # A value that breaks a rule is refused as it is for staff: the fields listed under ``errors``.
    bad = client.patch(f"/api/v1/cities/{CITY_ID}", json={"language": "xx"}, headers=bearer)
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"key": "language", "message": "language 'xx' is not an ISO 639-1 code", "source": "body"}
    ]
    other = client.patch("/api/v1/cities/cahul", json={"summary": "Not ours."}, headers=bearer)
    assert other.status_code == 403
    assert other.json()["detail"] == "a city focal point may change only its own city's profile"

    with services.database.unit_of_work() as session:
        services.self_service(session).set_deadline("ws1", utcnow() - timedelta(minutes=5))
    locked = client.patch(f"/api/v1/cities/{CITY_ID}", json={"summary": "Too late."}, headers=bearer)
    assert locked.status_code == 409
    assert "read-only while Level 3 workshop is being planned" in locked.json()["detail"]
    with services.database.unit_of_work() as session:
        assert services.records(session).get("city", CITY_ID).summary == summary  # type: ignore[union-attr]


def test_a_provider_cannot_change_its_profile_through_the_api_while_an_event_is_planned(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    make_event(services)
    bearer = {"Authorization": f"Bearer {sign_in('provider')}"}
    with services.database.unit_of_work() as session:
        services.self_service(session).set_deadline("ws1", utcnow() - timedelta(minutes=5))
    locked = client.patch(f"/api/v1/providers/{PROVIDER_ID}", json={"name": "Renamed"}, headers=bearer)
    assert locked.status_code == 409
    with services.database.unit_of_work() as session:
        assert services.records(session).get("provider", PROVIDER_ID).name != "Renamed"


def test_a_provider_cannot_change_its_country_or_kind_through_the_api_and_staff_can(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """*Edit profile* does not offer a provider its country or kind, yet ``PATCH
    /api/v1/providers/{id}`` with the provider's own token changed them; it now refuses them as it
    refuses a city the ministry's fields, naming them, and stores nothing of that change."""
    services = app_services(client)
    with services.database.unit_of_work() as session:
        before = services.records(session).get("provider", PROVIDER_ID)
    bearer = {"Authorization": f"Bearer {sign_in('provider')}"}
    path = f"/api/v1/providers/{PROVIDER_ID}"

    moved = client.patch(path, json={"country": "DE"}, headers=bearer)
    assert moved.status_code == 403, moved.text
    assert "country is changed by ministry staff" in moved.json()["detail"]
    both = client.patch(path, json={"kind": "startup", "country": "DE", "name": "Renamed"}, headers=bearer)
    assert both.status_code == 403, both.text
    assert "country and kind are changed by ministry staff" in both.json()["detail"]
    with services.database.unit_of_work() as session:
        after = services.records(session).get("provider", PROVIDER_ID)
    assert (after.country, after.kind, after.name) == (before.country, before.kind, before.name)  # type: ignore[union-attr]

    own = client.patch(path, json={"name": "Renamed"}, headers=bearer)
    assert own.status_code == 200, own.text
    assert own.json()["name"] == "Renamed"

    sign_in("provider")
    [note] = re.findall(r'<p class="meta form-note">(.*?)</p>', client.get("/me/profile").text, re.S)
    assert "country and kind are kept by ministry staff" in note

    staff = {"Authorization": f"Bearer {sign_in('staff')}"}
    corrected = client.patch(path, json={"country": "DE", "kind": "startup"}, headers=staff)
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["country"], corrected.json()["kind"]) == ("DE", "startup")


def test_a_city_profile_form_says_who_changes_the_fields_it_does_not_show(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """A focal point looking for its priorities or its focal point's contact details on *Edit profile*
    found four fields and no word on the rest; the form now says the ministry's staff change those."""
    sign_in("city")
    page = client.get("/me/profile").text
    [note] = re.findall(r'<p class="meta form-note">(.*?)</p>', page, re.S)
    for field in ("country", "programme level", "maturity", "priorities", "focal point"):
        assert field in note
    assert "ministry staff" in note


def test_unknown_slots_are_named_and_counted_right(client: Client) -> None:
    services = app_services(client)
    make_event(services)
    with services.database.unit_of_work() as session:
        self_service = services.self_service(session)
        with pytest.raises(InvalidInputError) as one:
            self_service.set_availability("ws1", CITY_ID, ["s1", "s9"], None)
        with pytest.raises(InvalidInputError) as two:
            self_service.set_availability("ws1", CITY_ID, ["s8", "s9"], None)
    assert one.value.message == "unknown slot: s9"
    assert two.value.message == "unknown slots: s8, s9"
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        with pytest.raises(InvalidInputError) as listed:
            catalog.add_participants("ws1", [ParticipantIn(id="tepebasi", available=["s1", "s9"])])
    assert listed.value.message == "'tepebasi': unknown slot id s9"


def test_saving_the_profile_form_keeps_what_staff_changed_while_it_was_open(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """A provider opened its profile form, ministry staff then corrected its website and languages,
    and the provider's save (of its description, or of nothing) put the old values back without a
    word. The form now saves only what the provider changed; when staff changed that same field
    meanwhile, nothing is saved and the form says what is stored now."""
    sign_in("provider")
    opened = form_of(client, "/me/profile")
    second_tab = form_of(client, "/me/profile")
    services = app_services(client)
    with services.database.unit_of_work() as session:
        services.records(session).edit(
            "provider",
            PROVIDER_ID,
            {"website": "https://enerko.example.org", "languages": ["tr", "en", "de"]},
        )
    saved = post_form(
        client, "/me/profile", changed(opened, description="ESCO contracts for public lighting.")
    )
    assert saved.status_code == 303, saved.text
    with services.database.unit_of_work() as session:
        stored = services.records(session).get("provider", PROVIDER_ID)
    assert stored.description == "ESCO contracts for public lighting."  # type: ignore[union-attr]
    assert stored.website == "https://enerko.example.org"  # type: ignore[union-attr]
    assert stored.languages == ["tr", "en", "de"]  # type: ignore[union-attr]

    refused = post_form(client, "/me/profile", changed(second_tab, website="https://enerko.com.tr"))
    assert refused.status_code == 409
    flash = html.unescape(refused.text)
    assert (
        "Nothing was saved: ministry staff changed your profile while you were editing it."
        " Stored now: Website “https://enerko.example.org”." in flash
    ), flash
    assert 'value="https://enerko.com.tr"' in refused.text, "what the provider typed is kept in the form"
    with services.database.unit_of_work() as session:
        stored = services.records(session).get("provider", PROVIDER_ID)
    assert stored.website == "https://enerko.example.org"  # type: ignore[union-attr]
    assert stored.description == "ESCO contracts for public lighting."  # type: ignore[union-attr]
    # Saving the returned form again is a deliberate choice: the provider's value wins.
    parser = FormValues()
    parser.feed(refused.text)
    assert post_form(client, "/me/profile", parser.values).status_code == 303
    with services.database.unit_of_work() as session:
        stored = services.records(session).get("provider", PROVIDER_ID)
    assert stored.website == "https://enerko.com.tr"  # type: ignore[union-attr]
    assert stored.languages == ["tr", "en", "de"]  # type: ignore[union-attr]


def test_a_maximum_given_twice_is_refused_on_the_availability_page_as_the_form_labels_it(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """A maximum sent twice was refused on a bare error page as 'Max_meetings: given 2 times',
    the field's internal name, with the form and what was ticked gone."""
    services = app_services(client)
    make_event(services)
    sign_in("provider")
    data = [("event", "ws1"), ("slot", "s2"), ("max_meetings", "1"), ("max_meetings", "2")]
    refused = post_form(client, "/me/availability", data)
    assert refused.status_code == 422
    assert "Most meetings you want: given 2 times; give it once" in refused.text
    assert "Max_meetings" not in refused.text
    assert "<h1>My availability</h1>" in refused.text
    assert re.search(r'value="s2" checked', refused.text), "what was ticked stays ticked"
    assert participant(services, PROVIDER_ID) == (None, None)


def test_the_profile_says_which_regions_and_domains_the_matching_does_not_read(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """A provider that typed a region or a solution domain the matching knows nothing of ('Mars',
    'nonsense') saw it saved and shown like the others, while it counted for no country and no domain
    in its suggestions. The profile now says so beside the form; words it reads raise no note."""
    sign_in("provider")
    profile = {**ENERKO_PROFILE, "regions_served": "Western Balkans; Mars"}
    rows = {
        "solution_title": ["Lighting as a service"],
        "solution_description": ["LED retrofit paid from savings."],
        "solution_domains": ["Energy; nonsense"],
        "solution_deployed_in": ["Gaziantep"],
    }
    saved = client.post("/me/profile", data={**profile, **rows})
    assert saved.status_code == 200, saved.text
    page = html.unescape(saved.text)
    assert (
        "Regions served: “Mars” names no country or region the matching knows (a country's name or ISO"
        " code, or a region such as Western Balkans); it is kept, but covers no country." in page
    )
    assert (
        "Solution 1 (“Lighting as a service”), domains: “nonsense” is not a domain the matching knows"
        " (such as mobility or energy_buildings); it is kept, but matches no domain." in page
    )
    assert "“Western Balkans”" not in page
    assert "“Energy”" not in page


def test_regions_typed_with_commas_are_noted_with_how_to_separate_them(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """Languages may be separated by commas, regions served not: 'Albania, Kosovo' was kept as one
    region the matching cannot read, and the note did not say why."""
    sign_in("provider")
    saved = client.post("/me/profile", data={**ENERKO_PROFILE, "regions_served": "Albania, Kosovo"})
    assert saved.status_code == 200, saved.text
    page = html.unescape(saved.text)
    assert "Regions served: “Albania, Kosovo” names no country or region the matching knows" in page
    assert "it is kept, but covers no country. To give several, separate them with ;" in page


def test_a_provider_cannot_store_other_fields_nested_so_deep_that_no_page_shows_providers(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    make_event(app_services(client))
    sign_in("provider")
    form = client.get("/me/profile")
    extras = re.findall(r'name="solution_extra" type="hidden" value="([^"]*)"', form.text)
    titles = re.findall(r'name="solution_title"[^>]*value="([^"]*)"', form.text)
    deep = '{"a": ' + "[" * 900 + "]" * 900 + "}"
    rows = {
        "solution_title": [html.unescape(t) for t in titles] + [""] * (len(extras) - len(titles)),
        "solution_description": [""] * len(extras),
        "solution_domains": [""] * len(extras),
        "solution_deployed_in": [""] * len(extras),
        "solution_extra": [deep] + [html.unescape(e) for e in extras[1:]],
    }
    saved = client.post("/me/profile", data={**ENERKO_PROFILE, **rows})
    assert saved.status_code == 422, saved.text
    assert "Solution 1 (“Energy performance contracts" in saved.text
    assert "its other fields are nested more than 32 levels deep" in saved.text
    assert client.get("/providers").status_code == 200
    assert client.get(f"/providers/{PROVIDER_ID}").status_code == 200
