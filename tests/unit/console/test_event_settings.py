"""The event settings form: it shows the event as days of slots with breaks, and saving re-plans."""

from __future__ import annotations

import html
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
from matchmaker.services.events.schemas import EventCreate, EventSummary, SlotIn, even_grid
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
            ("2038-03-02T09:00", "2038-03-02T09:20"),
            ("2038-03-02T09:25", "2038-03-02T09:45"),
            ("2038-03-02T11:00", "2038-03-02T11:20"),
            ("2038-03-03T09:00", "2038-03-03T09:20"),
            ("2038-03-03T09:25", "2038-03-03T09:45"),
            ("2038-03-03T11:00", "2038-03-03T11:20"),
        ]
    )
    values = edit_form_values(event)
    assert values["days"] == "2038-03-02 2038-03-03"
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
    values = edit_form_values(_event([("2038-03-02T09:00", "2038-03-02T09:20")]))
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
    form.update({"venue": "Congress centre", "tables": "1", "days": "2038-03-02 2038-03-03", "per_day": "1"})
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
    move = re.search(r'<a href="(/events/ed/schedule/move\?[^"]+)"', schedule)
    assert move, "every planned meeting can be moved"
    form = client.get(html.unescape(move.group(1))).text
    assert re.search(r'<option value="s2"[^>]*>Wed 03 Mar 09:00</option>', form)


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


def _irregular_event(services: Services, event_id: str, slots: list[tuple[str, str]]) -> None:
    """An event of two tables whose slots are given one by one (as the API and the CLI take them)."""
    with services.database.unit_of_work() as session:
        services.events(session).catalog.create(
            EventCreate(
                id=event_id,
                name=f"Event {event_id}",
                venue="Hall B",
                slots=[
                    SlotIn(start=datetime.fromisoformat(a), end=datetime.fromisoformat(b)) for a, b in slots
                ],
                tables=2,
            )
        )


def _slots_of(services: Services, event_id: str) -> list[tuple[str, str, str]]:
    with services.database.unit_of_work() as session:
        event = services.events(session).catalog.get(event_id)
    return [(s.id, s.start.isoformat(), s.end.isoformat()) for s in event.slots]


IRREGULAR = [("2038-03-02T09:00", "2038-03-02T09:20"), ("2038-03-02T10:00", "2038-03-02T10:45")]
PAST_MIDNIGHT = [("2038-03-02T22:00", "2038-03-02T22:30"), ("2038-03-02T23:45", "2038-03-03T00:30")]


@pytest.mark.parametrize("slots", [IRREGULAR, PAST_MIDNIGHT], ids=["uneven", "past-midnight"])
def test_slots_that_are_not_an_even_grid_are_shown_as_they_are_and_kept_when_other_settings_change(
    client: Client, sign_in: SignIn, services: Services, slots: list[tuple[str, str]]
) -> None:
    _irregular_event(services, "irr", slots)
    before = _slots_of(services, "irr")
    sign_in("staff")
    page = client.get("/events/irr/edit").text
    assert "not an even grid" in page
    assert "Replace all 2 slots with this grid" in page
    form = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    # No made-up grid stands in for the slots: the grid fields are empty until staff fill them in.
    assert all(form.get(k, "") == "" for k in ("start", "per_day", "slot_minutes", "gap_minutes", "breaks"))
    assert not re.search(r'<input[^>]*name="(start|per_day|slot_minutes|days)"[^>]*required', page)
    assert "replace_slots" not in form, "the replacing box is not ticked"

    for change in ({"venue": "Congress centre"}, {"tables": "3"}):
        saved = client.post("/events/irr/edit", data={**form, "table_labels": "", **change})
        assert saved.status_code == 200
        assert str(saved.url).endswith("/schedule?msg=edited")
        assert _slots_of(services, "irr") == before


def test_a_grid_replaces_slots_that_are_not_an_even_grid_only_when_staff_tick_the_box(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    _irregular_event(services, "irg", IRREGULAR)
    before = _slots_of(services, "irg")
    sign_in("staff")
    form = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', client.get("/events/irg/edit").text))
    grid = {"days": "2038-03-02", "start": "09:00", "per_day": "3", "slot_minutes": "20", "gap_minutes": "5"}
    refused = client.post("/events/irg/edit", data={**form, "table_labels": "", **grid})
    assert refused.status_code == 422
    assert "tick “Replace all 2 slots with this grid”" in refused.text
    assert re.search(r'name="per_day"[^>]*value="3"', refused.text), "the form is shown as typed"
    assert _slots_of(services, "irg") == before

    replaced = client.post(
        "/events/irg/edit", data={**form, "table_labels": "", **grid, "replace_slots": "yes"}
    )
    assert replaced.status_code == 200
    assert [(s, a[11:16], b[11:16]) for s, a, b in _slots_of(services, "irg")] == [
        ("s1", "09:00", "09:20"),
        ("s2", "09:25", "09:45"),
        ("s3", "09:50", "10:10"),
    ]
    # Now an even grid, the form shows it as one again, as for any event made from a grid.
    page = client.get("/events/irg/edit").text
    assert "not an even grid" not in page
    assert re.search(r'name="per_day"[^>]*value="3"', page)


def test_only_slots_that_are_an_even_grid_are_shown_as_one() -> None:
    even = _event([("2038-03-02T09:00", "2038-03-02T09:20"), ("2038-03-02T09:25", "2038-03-02T09:45")])
    assert even_grid(even.slots) is not None
    values = edit_form_values(even)
    assert (values["start"], values["per_day"], values["gap_minutes"]) == ("09:00", "2", "5")
    for slots in (IRREGULAR, PAST_MIDNIGHT):
        uneven = _event(slots)
        assert even_grid(uneven.slots) is None
        assert edit_form_values(uneven)["per_day"] == ""


def test_two_tables_named_alike_are_refused_naming_the_label(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    form = _staff_edit_form(client, sign_in, services, "tw")
    refused = client.post("/events/tw/edit", data={**form, "tables": "2", "table_labels": "Hall A\nHall A"})
    assert refused.status_code == 422
    assert "tables 1 and 2 are both labelled &#39;Hall A&#39;" in refused.text


def test_a_table_count_too_long_is_refused_as_typed(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    form = _staff_edit_form(client, sign_in, services, "tc")
    refused = client.post("/events/tc/edit", data={**form, "tables": "9" * 20})
    assert refused.status_code == 422
    assert "Tables: 99999999999999999999 is too large (at most 9 digits)" in refused.text


def test_staff_clear_an_events_time_zone_by_emptying_the_field(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    form = {**_staff_edit_form(client, sign_in, services, "tz"), "table_labels": ""}
    zoned = client.post("/events/tz/edit", data={**form, "timezone": "Europe/Tirane"})
    assert zoned.status_code == 200, zoned.text
    shown = 'name="timezone" type="text" maxlength="64" value="{}"'
    assert shown.format("Europe/Tirane") in client.get("/events/tz/edit").text
    cleared = client.post("/events/tz/edit", data={**form, "timezone": ""})
    assert cleared.status_code == 200, cleared.text
    assert shown.format("") in client.get("/events/tz/edit").text


def test_the_event_page_counts_one_participant_in_the_singular(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    make_event(services, "single", ["kukes"])
    sign_in("staff")
    page = " ".join(client.get("/events/single").text.split())
    assert "2 slots" in page
    assert "2 tables · 1 participant ·" in page
