"""The report of a generated schedule names participants by their names, as the grid does."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from console_support import CITY_ID, PROVIDER_ID, Client, app_services

from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn

EVENT_ID = "short-day"


def test_fewer_meetings_than_they_could_have_lists_names_not_ids(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        catalog.create(
            EventCreate(
                id=EVENT_ID,
                name="Short day",
                tables=2,
                slots=[
                    SlotIn(start=datetime(2027, 5, 4, 9 + k), end=datetime(2027, 5, 4, 9 + k, 20))  # noqa: DTZ001
                    for k in range(4)
                ],
            )
        )
        catalog.add_participants(EVENT_ID, [ParticipantIn(id=p) for p in (CITY_ID, PROVIDER_ID)])
    sign_in("staff")
    page = client.post(
        f"/events/{EVENT_ID}/generate", data={"keep_published": "yes", "relax_must_meet": "no"}
    )
    assert page.status_code == 200, page.text
    shortfalls = re.search(r'<ul id="shortfalls">(.*?)</ul>', page.text, re.S)
    assert shortfalls is not None, "a participant with one possible partner is reported"
    assert "Enerko Enerji Hizmetleri:" in shortfalls.group(1)
    assert f"{PROVIDER_ID}:" not in shortfalls.group(1)
