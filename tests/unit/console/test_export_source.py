"""The organisers' CSV in the console: ``?source=`` chooses the published schedule or the current plan,
and a source it does not know is refused, not read as the published one."""

from __future__ import annotations

from collections.abc import Callable

from console_support import CITY_ID, PROVIDER_ID, Client, add_event

EVENT_ID = "export-day"


def test_an_unknown_export_source_is_refused_naming_the_choices(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    add_event(client, EVENT_ID, (CITY_ID, PROVIDER_ID), slots=1)
    sign_in("staff")
    plan = client.get(f"/events/{EVENT_ID}/export.csv", params={"source": "plan"})
    assert plan.status_code == 200, plan.text
    assert f'{EVENT_ID}-plan.csv"' in plan.headers["content-disposition"]
    r = client.get(f"/events/{EVENT_ID}/export.csv", params={"source": "plans"})
    assert r.status_code == 400, r.text
    assert "source: must be 'published' or 'plan', not 'plans'" in r.text.replace("&#39;", "'")
