"""The event settings form: it shows the event as days of slots with breaks, and saving re-plans."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from console_support import Client
from litestar.datastructures import FormMultiDict
from test_routes import make_event

from matchmaker.errors import InvalidInputError
from matchmaker.scheduling.problem import Slot
from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventSummary
from matchmaker.web.console.events import edit_form_values, edit_from_form

SignIn = Callable[[str], str]


def _event(slots: list[tuple[str, str]]) -> EventSummary:
    return EventSummary(
        id="ws",
        name="Workshop",
        venue="Hall B",
        timezone="Europe/Istanbul",
        request_deadline=None,
        slots=[
            Slot(id=f"s{n + 1}", start=datetime.fromisoformat(a), end=datetime.fromisoformat(b))
            for n, (a, b) in enumerate(slots)
        ],
        tables=2,
        table_labels={2: "Room 2"},
        participants=0,
        requests=0,
        planned_meetings=0,
        published_version=0,
        published_at=None,
        generated_at=None,
    )


def test_the_form_shows_days_and_breaks_and_an_unchanged_form_keeps_the_slots() -> None:
    event = _event(
        [
            ("2027-03-02T09:00", "2027-03-02T09:20"),
            ("2027-03-02T09:25", "2027-03-02T09:45"),
            ("2027-03-02T11:00", "2027-03-02T11:20"),
            ("2027-03-03T09:00", "2027-03-03T09:20"),
            ("2027-03-03T09:25", "2027-03-03T09:45"),
            ("2027-03-03T11:00", "2027-03-03T11:20"),
        ]
    )
    values = edit_form_values(event)
    assert values["days"] == "2027-03-02 2027-03-03"
    assert (values["per_day"], values["slot_minutes"], values["gap_minutes"]) == ("3", "20", "5")
    assert values["breaks"] == "09:50-11:00"
    assert values["table_labels"] == "\nRoom 2"
    unchanged = edit_from_form(FormMultiDict(values), timezone=event.timezone)
    assert unchanged.days is None, "an untouched grid does not replace the slots"
    grid = edit_from_form(FormMultiDict({**values, "per_day": "4"}), timezone=event.timezone)
    assert grid.days is not None
    slots = grid.days.slots()
    assert [f"{s.start:%d %H:%M}" for s in slots[:4]] == ["02 09:00", "02 09:25", "02 11:00", "02 11:25"]
    assert slots[4].start.isoformat() == event.slots[3].start.isoformat()
    assert grid.table_labels == ["", "Room 2"]


@pytest.mark.parametrize(("field", "value"), [("days", "next monday"), ("breaks", "lunch"), ("tables", "x")])
def test_unreadable_settings_are_refused(field: str, value: str) -> None:
    values = edit_form_values(_event([("2027-03-02T09:00", "2027-03-02T09:20")]))
    with pytest.raises(InvalidInputError):
        edit_from_form(FormMultiDict({**values, field: value}), timezone=None)


def test_staff_edit_a_published_event_and_see_what_moved(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    make_event(services, "ed", ["kukes", "tepebasi", "prov-enerko-esco", "prov-balkan-esco"], publish=True)
    sign_in("staff")
    page = client.get("/events/ed/edit")
    assert page.status_code == 200
    form = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', page.text))
    form["table_labels"] = ""
    form.update({"venue": "Congress centre", "tables": "1", "days": "2027-03-02 2027-03-03", "per_day": "1"})
    page = client.post("/events/ed/edit", data=form)
    assert page.status_code == 200
    assert str(page.url).endswith("/events/ed/schedule?msg=edited-replanned")
    assert "re-planned" in page.text
    assert 'id="generate-report"' in page.text
    assert "Congress centre" in page.text
    assert len(re.findall(r'data-slot="s\d"', page.text)) == 2
    again = client.post("/events/ed/edit", data={**form, "breaks": "lunch", "per_day": "2"})
    assert again.status_code == 422
    assert "HH:MM-HH:MM" in again.text
    assert 'value="lunch"' in again.text
    # Two days: the move form names the day of each slot, not only its time.
    schedule = client.get("/events/ed/schedule").text
    assert re.search(r'<option value="s2"[^>]*>Wed 03 Mar 09:00</option>', schedule)


def test_a_new_venue_for_a_published_event_says_to_publish_to_tell_participants(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    make_event(services, "ven", ["kukes", "prov-enerko-esco"], publish=True)
    sign_in("staff")
    form = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', client.get("/events/ven/edit").text))
    page = client.post("/events/ven/edit", data={**form, "table_labels": "", "venue": "Hall C"})
    assert str(page.url).endswith("/events/ven/schedule?msg=edited-publish")
    assert "Participants see the published schedule until you publish again" in page.text


def _staff_edit_form(client: Client, sign_in: SignIn, services: Services, event_id: str) -> dict[str, str]:
    """A new event of two tables, and the values of its edit form as staff get it."""
    make_event(services, event_id, ["kukes", "prov-enerko-esco"])
    sign_in("staff")
    page = client.get(f"/events/{event_id}/edit").text
    return dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', page))


def _labels_in(page: str) -> str:
    found = re.search(r'<textarea id="x-labels" name="table_labels"[^>]*>([^<]*)</textarea>', page)
    assert found is not None
    return found.group(1)


def test_fewer_tables_drop_their_shown_names_but_never_names_typed_for_them(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    form = _staff_edit_form(client, sign_in, services, "tn")
    named = {**form, "tables": "3", "table_labels": "Hall A\nHall B\nHall C"}
    assert client.post("/events/tn/edit", data=named).status_code == 200
    page = client.get("/events/tn/edit").text
    assert _labels_in(page) == "Hall A\nHall B\nHall C"

    # The form fills in every current name: lowering the count alone drops the names of the tables that go.
    fewer = client.post("/events/tn/edit", data={**named, "tables": "2"})
    assert fewer.status_code == 200
    assert str(fewer.url).endswith("/events/tn/schedule?msg=edited")
    assert _labels_in(client.get("/events/tn/edit").text) == "Hall A\nHall B"

    # A name typed past the new count is refused, the lines named and the form shown as typed.
    typed = {**named, "tables": "1", "table_labels": "Hall A\nHall B\nHall D\n\nHall E"}
    refused = client.post("/events/tn/edit", data=typed)
    assert refused.status_code == 422
    assert "lines 3, 5 name tables past the 1 table the event will have" in refused.text
    assert _labels_in(refused.text) == "Hall A\nHall B\nHall D\n\nHall E"
    assert 'name="tables"' in refused.text
    assert re.search(r'name="tables"[^>]*value="1"', refused.text)
    assert _labels_in(client.get("/events/tn/edit").text) == "Hall A\nHall B", "nothing was changed"

    renamed = client.post("/events/tn/edit", data={**typed, "table_labels": "Hall A\nHall X"})
    assert "line 2 names a table past the 1 table" in renamed.text


def test_emptying_the_table_names_clears_them(client: Client, sign_in: SignIn, services: Services) -> None:
    form = _staff_edit_form(client, sign_in, services, "tc")
    assert client.post("/events/tc/edit", data={**form, "table_labels": "Hall A\nHall B"}).status_code == 200
    assert _labels_in(client.get("/events/tc/edit").text) == "Hall A\nHall B"
    cleared = client.post("/events/tc/edit", data={**form, "table_labels": ""})
    assert cleared.status_code == 200
    assert _labels_in(client.get("/events/tc/edit").text) == ""
    assert "Hall A" not in client.get("/events/tc/schedule").text


def test_a_count_of_tables_past_the_limit_is_refused_naming_the_count_alone(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    form = _staff_edit_form(client, sign_in, services, "tl")
    for labels in ("", "Hall A"):
        refused = client.post("/events/tl/edit", data={**form, "tables": "5000", "table_labels": labels})
        assert refused.status_code == 422, refused.text[:300]
        assert "Tables: must be 1000 or less" in refused.text
        assert "table labels" not in refused.text, "the names are not blamed for the count"
        assert _labels_in(refused.text) == labels
