"""A text typed into a console form that is longer than its field takes is refused, naming the field
and its limit, with the form shown again as typed; it is never cut short and stored."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from console_support import CITY_ID, PROVIDER_ID, Client, add_event, app_services

from matchmaker.services.events.schemas import EventSummary

SignIn = Callable[[str], str]

NEW_EVENT = {
    "id": "long-day",
    "name": "Long day",
    "date": "2038-04-06",
    "start": "09:30",
    "slot_minutes": "20",
    "break_minutes": "10",
    "slot_count": "3",
    "tables": "4",
    "timezone": "Europe/Istanbul",
    "request_deadline": "",
}


def _flashes(page: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r"flash-error[^>]*>([^<]*)", page)]


def _event_ids(client: Client) -> list[str]:
    services = app_services(client)
    with services.database.unit_of_work() as session:
        return [e.id for e in services.events(session).catalog.events()]


def _event(client: Client, event_id: str) -> EventSummary:
    services = app_services(client)
    with services.database.unit_of_work() as session:
        return services.events(session).catalog.get(event_id)


@pytest.mark.parametrize(
    ("key", "label", "typed"),
    [
        ("name", "Name", "N" * 312),
        ("venue", "Venue", "Hall " * 62),
        ("id", "Id", "a" * 140),
        ("timezone", "Time zone", "Europe/" + "x" * 60),
    ],
)
def test_a_new_event_field_too_long_is_refused_naming_the_field_and_its_limit(
    client: Client, sign_in: SignIn, key: str, label: str, typed: str
) -> None:
    sign_in("staff")
    limit = {"name": 300, "venue": 300, "id": 128, "timezone": 64}[key]
    refused = client.post("/events", data={**NEW_EVENT, key: typed})
    assert refused.status_code == 422, refused.text
    said = f"{label}: at most {limit} characters ({len(typed.strip())} given)"
    assert any(said in text for text in _flashes(refused.text)), _flashes(refused.text)
    assert f'name="{key}"' in refused.text
    assert f'value="{typed.strip()}"' in refused.text, "the form holds what was typed, whole"
    assert _event_ids(client) == []


def test_every_field_too_long_on_the_new_event_form_is_named_at_once(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    refused = client.post("/events", data={**NEW_EVENT, "name": "N" * 301, "venue": "V" * 302})
    assert refused.status_code == 422
    (said,) = _flashes(refused.text)
    assert "Name: at most 300 characters (301 given)" in said
    assert "Venue: at most 300 characters (302 given)" in said
    assert _event_ids(client) == []


@pytest.mark.parametrize(("key", "label", "limit"), [("name", "Name", 300), ("venue", "Venue", 300)])
def test_an_event_setting_too_long_is_refused_and_the_event_stays_as_it_was(
    client: Client, sign_in: SignIn, key: str, label: str, limit: int
) -> None:
    add_event(client, "kept-day", (CITY_ID, PROVIDER_ID))
    sign_in("staff")
    edit = client.get("/events/kept-day/edit").text
    values = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', edit))
    typed = "Z" * (limit + 12)
    refused = client.post("/events/kept-day/edit", data={**values, key: typed})
    assert refused.status_code == 422, refused.text
    assert _flashes(refused.text) == [f"{label}: at most {limit} characters ({limit + 12} given)"]
    assert f'value="{typed}"' in refused.text
    event = _event(client, "kept-day")
    assert (event.name, event.venue) == ("Kept day", None)


def test_an_invitation_naming_a_record_too_long_is_refused_and_nothing_is_queued(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    typed = ("Enerko Enerji Hizmetleri " * 10).strip()
    refused = client.post(
        "/users/invite", data={"role": "provider", "subject": typed, "email": "sales@enerko.example"}
    )
    assert refused.status_code == 422, refused.text
    assert _flashes(refused.text) == [f"City or provider: at most 200 characters ({len(typed)} given)"]
    assert f'value="{typed}"' in refused.text
    assert 'value="sales@enerko.example"' in refused.text
    services = app_services(client)
    with services.database.unit_of_work() as session:
        assert [m for m in services.outbox(session).list() if m.kind == "invitation"] == []


def _edit_values(client: Client, event_id: str) -> dict[str, str]:
    add_event(client, event_id, (CITY_ID, PROVIDER_ID))
    edit = client.get(f"/events/{event_id}/edit").text
    return dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', edit))


def test_a_table_name_too_long_is_refused_naming_its_line_and_the_limit(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    values = _edit_values(client, "hall-day")
    link = "https://meet.example/" + "r" * 229
    refused = client.post("/events/hall-day/edit", data={**values, "table_labels": f"Hall A\n{link}"})
    assert refused.status_code == 422, refused.text
    assert _flashes(refused.text) == ["Table names, line 2: at most 200 characters (250 given)"]
    assert f"Hall A\n{link}</textarea>" in refused.text, "the box holds what was typed"
    assert _event(client, "hall-day").table_labels == {}


def test_table_names_beyond_what_the_box_reads_are_refused_not_dropped(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    values = _edit_values(client, "expo-day")
    names = "\n".join(f"Expo hall {n:03d} " + "·" * 170 for n in range(1, 301))
    refused = client.post("/events/expo-day/edit", data={**values, "tables": "300", "table_labels": names})
    assert refused.status_code == 422, refused.text
    assert _flashes(refused.text) == [f"Table names: at most 50000 characters ({len(names)} given)"]
    event = _event(client, "expo-day")
    assert (event.tables, event.table_labels) == (2, {})


def _participants(client: Client, event_id: str) -> list[str]:
    services = app_services(client)
    with services.database.unit_of_work() as session:
        return [p.id for p in services.events(session).catalog.participants(event_id)]


def test_a_participant_id_too_long_in_the_add_form_is_refused_and_nobody_is_added(
    client: Client, sign_in: SignIn
) -> None:
    add_event(client, "bulk-day", (CITY_ID,))
    sign_in("staff")
    long_id = "prov-" + "x" * 135
    refused = client.post(
        "/events/bulk-day/participants", data={"ids": [PROVIDER_ID, long_id], "max_meetings": "3"}
    )
    assert refused.status_code == 422, refused.text
    assert _flashes(refused.text) == ["Participant id: at most 128 characters (140 given)"]
    assert re.search(rf'value="{PROVIDER_ID}"[^>]*\bchecked\b', refused.text), "the ticked boxes stay ticked"
    assert re.search(r'name="max_meetings"[^>]*value="3"', refused.text)
    assert _participants(client, "bulk-day") == [CITY_ID]


@pytest.mark.parametrize(("address", "label"), [("/cases", "Search"), ("/providers", "Name or words")])
def test_a_search_too_long_is_refused_with_the_search_box_holding_it(
    client: Client, sign_in: SignIn, address: str, label: str
) -> None:
    sign_in("staff")
    typed = "flood early warning for river towns " * 7  # 252 characters, the last a space
    refused = client.get(address, params={"q": typed, "country": "TR"})
    assert refused.status_code == 400, refused.text
    assert _flashes(refused.text) == [f"{label}: at most 200 characters ({len(typed.strip())} given)"]
    assert re.search(rf'id="f-q" name="q"[^>]*value="{typed.strip()}"', refused.text)
    assert re.search(r'<option value="TR"[^>]*\bselected\b', refused.text), "the other filters stay chosen"
    assert "No search was made" in refused.text
    assert 'class="record"' not in refused.text, "no list is shown as if it answered the search"


def test_a_case_search_without_a_letter_or_digit_is_refused_as_the_api_refuses_it(
    client: Client, sign_in: SignIn
) -> None:
    """The API refuses ?q=!!! for a case search; the console's search box did not, and listed every
    case study ranked by noise."""
    sign_in("staff")
    refused = client.get("/cases", params={"q": "!!!"})
    assert refused.status_code == 400, refused.text
    assert _flashes(refused.text) == ["Search: must contain at least one letter or digit"]
    assert 'class="record"' not in refused.text


def test_a_record_text_over_its_limit_is_refused_and_shown_again_whole(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    services = app_services(client)
    with services.database.unit_of_work() as session:
        before = services.records(session).get_in_full("city", CITY_ID)
    edit = client.get(f"/cities/{CITY_ID}/edit").text
    values = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', edit))
    summary = "Kukës opened a one-stop e-services desk. " * 600  # 24,600 characters
    refused = client.post(f"/cities/{CITY_ID}/edit", data={**values, "summary": summary})
    assert refused.status_code == 422, refused.text[:2000]
    said = f"Summary: summary is {len(summary.strip())} characters long; the limit is 20000"
    assert _flashes(refused.text) == [said], "the length typed, not that of a cut text"
    shown = re.search(r'<textarea id="f-summary"[^>]*>([^<]*)</textarea>', refused.text)
    assert shown is not None
    assert html.unescape(shown.group(1)) == summary.strip(), "the form holds the whole text typed"
    with services.database.unit_of_work() as session:
        assert services.records(session).get_in_full("city", CITY_ID) == before
