"""The schedule tab of a large event stays small enough to open on a slow laptop.

Each planned meeting can be moved to any slot and table, but the tab does not repeat the list of every
slot and table for each meeting: that made the tab of an event of 1,000 participants weigh 9.9 MB.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from console_support import Client, add_event, app_services

EVENT_ID = "many-tables"
CITIES = ("kukes", "kamez", "shkoder", "ferizaj", "prizren", "tuzla")
PROVIDERS = ("prov-kartlink", "prov-busradar", "prov-parkora", "prov-enerko-esco", "prov-wattwise")
SLOTS = 4
TABLES = 30


def _planned_event(client: Client) -> int:
    """An event of many tables with its plan generated; the number of meetings planned."""
    add_event(client, EVENT_ID, (*CITIES, *PROVIDERS), slots=SLOTS, tables=TABLES)
    report = app_services(client).planner.generate(EVENT_ID, score=lambda _a, _b: 0.5, time_limit=5)
    return report.meetings


def test_the_schedule_tab_lists_the_slots_and_tables_at_most_once(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    meetings = _planned_event(client)
    assert meetings >= 8
    sign_in("staff")
    tab = client.get(f"/events/{EVENT_ID}/schedule")
    assert tab.status_code == 200
    assert tab.text.count('class="meeting"') == meetings
    options = len(re.findall(r"<option\b", tab.text))
    # one list of the slots and one of the tables for the whole tab, not one per meeting
    assert options <= SLOTS + TABLES, f"{options} choices on the tab for {meetings} meetings"


def test_every_meeting_still_moves_to_any_slot_and_table_without_scripts(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    meetings = _planned_event(client)
    sign_in("staff")
    tab = client.get(f"/events/{EVENT_ID}/schedule").text
    links = [html.unescape(h) for h in re.findall(r'<a href="([^"]*/schedule/move\?[^"]*)"', tab)]
    assert len(set(links)) == meetings, "each planned meeting has its own way to be moved"
    first = app_services(client).planner.planned(EVENT_ID)[0]
    link = next(h for h in links if f"a={first.a}" in h and f"b={first.b}" in h)
    form = client.get(link)  # what a browser opens when the link is followed (no scripts)
    assert form.status_code == 200
    slots = re.findall(r'<option value="(s\d+)"( selected)?', form.text)
    tables = re.findall(r'<option value="(\d+)"( selected)?', form.text)
    assert [s for s, _ in slots] == [f"s{k + 1}" for k in range(SLOTS)]
    assert [int(t) for t, _ in tables] == list(range(1, TABLES + 1))
    assert [s for s, chosen in slots if chosen] == [first.slot]
    assert [int(t) for t, chosen in tables if chosen] == [first.table]
    assert f'aria-label="Move here: {first.a_name} and {first.b_name}"' in form.text
    moved = client.post(
        f"/events/{EVENT_ID}/move",
        data={"a": first.a, "b": first.b, "slot": first.slot, "table": str(TABLES)},
    )
    assert "Meeting moved and locked." in moved.text
    again = app_services(client).planner.meeting(EVENT_ID, first.b, first.a)
    assert (again.slot, again.table, again.locked) == (first.slot, TABLES, True)


def test_the_move_form_of_a_meeting_that_is_not_planned_is_not_found(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    _planned_event(client)
    sign_in("staff")
    page = client.get(f"/events/{EVENT_ID}/schedule/move", params={"a": "kukes", "b": "nobody"})
    assert page.status_code == 404
    assert "No planned meeting between" in page.text
