"""A form with several mistakes names every one of them at once, and keeps what was typed."""

from __future__ import annotations

import re
from collections.abc import Callable

from console_support import Client
from test_event_form import FORM


def test_a_new_event_with_several_mistakes_names_each(client: Client, sign_in: Callable[[str], str]) -> None:
    sign_in("staff")
    typed = {**FORM, "id": "bad id/", "date": "06/04/2038", "tables": "2.5", "slot_count": "900"}
    refused = client.post("/events", data=typed)
    assert refused.status_code == 422, refused.text
    (flash,) = re.findall(r"flash-error[^>]*>([^<]*)", refused.text)
    for words in (
        "Date: give it as YYYY-MM-DD",
        "tables: &#39;2.5&#39; is not a whole number",
        "number of slots: 900 is not from 1 to 200",
        "id: id &#39;bad id/&#39; is not valid",
    ):
        assert words in flash, flash
    assert 'value="06/04/2038"' in refused.text
    assert "every-mistake" not in client.get("/events").text
