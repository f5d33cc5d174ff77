"""The report of a generated schedule names participants by their names, as the grid does."""

from __future__ import annotations

import re
from collections.abc import Callable

from console_support import CITY_ID, PROVIDER_ID, Client, add_event

EVENT_ID = "short-day"


def test_fewer_meetings_than_they_could_have_lists_names_not_ids(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    add_event(client, EVENT_ID, (CITY_ID, PROVIDER_ID), slots=4)
    sign_in("staff")
    page = client.post(
        f"/events/{EVENT_ID}/generate", data={"keep_published": "yes", "relax_must_meet": "no"}
    )
    assert page.status_code == 200, page.text
    shortfalls = re.search(r'<ul id="shortfalls">(.*?)</ul>', page.text, re.S)
    assert shortfalls is not None, "a participant with one possible partner is reported"
    assert "Enerko Enerji Hizmetleri:" in shortfalls.group(1)
    assert f"{PROVIDER_ID}:" not in shortfalls.group(1)
