"""The new-event form becomes a day of equal slots, a table count and an aware request deadline."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from console_support import Client
from litestar.datastructures import FormMultiDict

from matchmaker.errors import InvalidInputError
from matchmaker.web.console.events import event_from_form

FORM = {
    "id": "izmir-day",
    "name": "İzmir day",
    "date": "2038-04-06",
    "start": "09:30",
    "slot_minutes": "20",
    "break_minutes": "10",
    "slot_count": "3",
    "tables": "4",
    "timezone": "Europe/Istanbul",
    "request_deadline": "2038-04-01T18:00",
}


def test_slots_follow_each_other_with_the_break_between() -> None:
    event = event_from_form(FormMultiDict(FORM))
    assert [s.id for s in event.slots] == ["s1", "s2", "s3"]
    assert [s.start.strftime("%H:%M") for s in event.slots] == ["09:30", "10:00", "10:30"]
    assert [s.end.strftime("%H:%M") for s in event.slots] == ["09:50", "10:20", "10:50"]
    assert event.table_count == 4
    assert event.request_deadline is not None
    assert event.request_deadline.utcoffset() is not None
    assert event.request_deadline.isoformat() == "2038-04-01T18:00:00+03:00"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "06/04/2038"),
        ("start", "half past nine"),
        ("slot_count", "0"),
        ("slot_minutes", "2"),
        ("tables", "x"),
    ],
)
def test_unreadable_or_absurd_values_are_refused(field: str, value: str) -> None:
    with pytest.raises(InvalidInputError):
        event_from_form(FormMultiDict({**FORM, field: value}))


def test_a_day_at_the_end_of_the_calendar_is_refused_on_the_page(
    ro_client: Client, ro_sign_in: Callable[[str], str]
) -> None:
    """A new event on the calendar's last day shows the form again with the reason, not an error page."""
    ro_sign_in("staff")
    form = {**FORM, "id": "calendar-end", "date": "9999-12-31", "start": "23:00", "slot_count": "200"}
    r = ro_client.post("/events", data=form)
    assert r.status_code == 422, r.text
    assert "The date must be between the years 1900 and 9998, got 9999" in r.text
    assert 'value="9999-12-31"' in r.text
    assert ro_client.get("/events/calendar-end").status_code == 404


def test_the_venue_typed_in_the_new_event_form_is_kept() -> None:
    assert (
        event_from_form(FormMultiDict({**FORM, "venue": " Kültürpark, hall 3 "})).venue
        == "Kültürpark, hall 3"
    )
    assert event_from_form(FormMultiDict(FORM)).venue is None


def test_the_new_event_form_takes_the_slot_lengths_that_editing_takes(
    ro_client: Client, ro_sign_in: Callable[[str], str]
) -> None:
    ro_sign_in("staff")
    page = ro_client.get("/events").text
    assert 'name="slot_minutes" type="number" min="5" max="480"' in page
    assert 'name="break_minutes" type="number" min="0" max="240"' in page
    event = event_from_form(FormMultiDict({**FORM, "slot_minutes": "300", "slot_count": "1"}))
    assert event.slots[0].end.strftime("%H:%M") == "14:30"
    with pytest.raises(InvalidInputError, match="slot length: 481 is not from 5 to 480"):
        event_from_form(FormMultiDict({**FORM, "slot_minutes": "481"}))


def test_a_number_too_long_is_refused_as_typed_not_cut() -> None:
    typed = "9" * 20
    with pytest.raises(InvalidInputError) as refused:
        event_from_form(FormMultiDict({**FORM, "tables": typed}))
    assert f"tables: {typed} is too large (at most 9 digits)" in refused.value.message
    assert "'999999999999'" not in refused.value.message
    with pytest.raises(InvalidInputError) as refused:
        event_from_form(FormMultiDict({**FORM, "slot_minutes": "1" + "x" * 500}))
    assert "slot length: the text typed is too long for a number" in refused.value.message
