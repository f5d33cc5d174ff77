"""A refused form on an event's requests tab is shown again with everything staff typed or chose."""

from __future__ import annotations

import re
from collections.abc import Callable

from console_support import CITY_ID, PROVIDER_ID, Client, add_event

EVENT_ID = "forms-day"


def _event(client: Client) -> None:
    add_event(client, EVENT_ID, (CITY_ID, "osh", PROVIDER_ID), slots=1)


def _form(page: str, form_id: str) -> str:
    match = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S)
    assert match is not None, f"no form {form_id}"
    return match.group(0)


def test_a_refused_request_keeps_its_message_and_a_refused_rule_keeps_its_kind(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    _event(client)
    sign_in("staff")
    message = "Met at the Tirana fair & asked by e-mail"
    refused = client.post(
        f"/events/{EVENT_ID}/requests", data={"sender": CITY_ID, "recipient": CITY_ID, "message": message}
    )
    assert refused.status_code == 422
    form = _form(refused.text, "new-request")
    assert 'value="Met at the Tirana fair &amp; asked by e-mail"' in form

    rule = client.post(f"/events/{EVENT_ID}/rules", data={"a": "osh", "b": "osh", "kind": "blocked"})
    assert rule.status_code == 422
    kinds = _form(rule.text, "new-rule")
    assert re.search(r'<option value="blocked"[^>]*\bselected\b', kinds), "the chosen rule is shown again"
    assert not re.search(r'<option value="must_meet"[^>]*\bselected\b', kinds)


def test_a_refused_event_setting_names_the_field_in_words(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    _event(client)
    sign_in("staff")
    edit = client.get(f"/events/{EVENT_ID}/edit").text
    values = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', edit))
    refused = client.post(f"/events/{EVENT_ID}/edit", data={**values, "per_day": "0"})
    assert refused.status_code == 422
    assert re.findall(r"flash-error[^>]*>([^<]*)", refused.text) == ["Per day: must be 1 or more"]
