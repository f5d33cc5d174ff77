"""What a city focal point or a provider gets when it types something the product cannot take."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from console_support import CITY_ID, PROVIDER_ID, Client, add_event, app_services


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/me/requests", {"event": "fair", "recipient": CITY_ID, "message": "Merhaba\x00"}, "message"),
        ("/me/requests", {"event": "fair\x00", "recipient": CITY_ID}, "event"),
        ("/me/requests/answer", {"event": "fair\x00", "request": "1", "answer": "accepted"}, "event"),
        ("/me/feedback", {"event": "fair", "other": f"{CITY_ID}\x00", "rating": "informative"}, "other"),
        ("/me/availability", {"event": "fair\x00", "slot": "s1", "max_meetings": "1"}, "event"),
        (
            "/me/profile",
            {
                "name": "Enerko\x00",
                "description": "ESCO contracts.",
                "website": "",
                "languages": "",
                "regions_served": "",
            },
            "name",
        ),
    ],
)
def test_a_nul_character_in_a_form_is_refused_with_the_field_named_not_a_500(
    client: Client, sign_in: Callable[[str], str], path: str, data: dict[str, str], field: str
) -> None:
    add_event(client, "fair", [CITY_ID, PROVIDER_ID])
    sign_in("provider")
    refused = client.post(path, data=data)
    assert 400 <= refused.status_code < 500, refused.text
    assert f"{field}: contains a NUL character" in refused.text
    assert "Something went wrong" not in refused.text
    services = app_services(client)
    with services.database.unit_of_work() as session:
        assert services.events(session).requests.list("fair") == []
        assert services.records(session).get("provider", PROVIDER_ID).name != "Enerko"
