"""Buttons repeated on every row of an event's tabs say which row they act on to a screen reader."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from console_support import CITY_ID, PROVIDER_ID, Client, add_event, app_services

EVENT_ID = "named-controls"


def test_answer_move_buttons_name_the_request_or_meeting(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    add_event(client, EVENT_ID, (CITY_ID, "osh", PROVIDER_ID), slots=2)
    sign_in("staff")
    for sender in (CITY_ID, "osh"):
        sent = client.post(
            f"/events/{EVENT_ID}/requests", data={"sender": sender, "recipient": PROVIDER_ID, "message": ""}
        )
        assert sent.status_code == 200, sent.text
    requests = client.get(f"/events/{EVENT_ID}/requests").text
    labels = re.findall(r'<button[^>]*value="accepted"[^>]*aria-label="([^"]*)"', requests)
    assert sorted(labels) == [
        "Accept the request of Kukës to Enerko Enerji Hizmetleri",
        "Accept the request of Osh to Enerko Enerji Hizmetleri",
    ]
    app_services(client).planner.generate(EVENT_ID, score=lambda _a, _b: 0.5, time_limit=5)
    grid = client.get(f"/events/{EVENT_ID}/schedule").text
    moves = re.findall(r'<summary aria-label="(Move [^"]*)"', grid)
    assert moves, "every planned meeting has its own move control"
    assert len(set(moves)) == len(moves)
    assert all(" and " in m for m in moves)
    links = re.findall(r'<a href="[^"]*/schedule/move\?[^"]*" aria-label="([^"]*)"', grid)
    assert len(set(links)) == len(moves)
    # each meeting's move form, opened in its cell or on its own page
    for address in re.findall(r'<a href="([^"]*/schedule/move\?[^"]*)"', grid):
        form = client.get(html.unescape(address)).text
        buttons = re.findall(r'<button[^>]*aria-label="(Move here: [^"]*)"', form)
        assert len(buttons) == 1
        assert " and " in buttons[0]
    # the visible words come first in the name, so "Move here" still finds the button by voice
    assert all(m.startswith("Open the move form: ") for m in links)
