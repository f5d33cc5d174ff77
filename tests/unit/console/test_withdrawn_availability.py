"""A participant withdraws a slot after the schedule was published: staff see which published meetings
no longer fit, until they re-plan and publish again."""

from __future__ import annotations

from collections.abc import Callable

from console_support import Client
from test_routes import make_event

from matchmaker.services.container import Services

SignIn = Callable[[str], str]


def test_staff_see_published_meetings_in_slots_a_participant_has_withdrawn(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    make_event(services, "fit", ["kukes", "prov-enerko-esco"], publish=True)
    [meeting] = services.planner.planned("fit")
    other = "s2" if meeting.slot == "s1" else "s1"
    sign_in("staff")
    assert "no longer" not in client.get("/events/fit").text

    # Kukës can now come only to the other slot, and says so on its availability page.
    sign_in("city")
    saved = client.post("/me/availability", data={"event": "fit", "slot": [other], "max_meetings": ""})
    assert "Your availability was saved" in saved.text

    sign_in("staff")
    when = f"{meeting.start:%H:%M}–{meeting.end:%H:%M}"
    for tab in ("/events/fit", "/events/fit/schedule"):
        page = client.get(tab).text
        assert 'id="withdrawn"' in page, tab
        assert "The published schedule no longer fits" in page
        assert f"{meeting.a_name} and {meeting.b_name}, {when}" in page
        assert "Kukës is no longer available then" in page

    # Re-planned and published, the schedule fits again.
    services.planner.generate("fit", score=lambda _a, _b: 0.5, time_limit=5)
    services.planner.publish("fit")
    assert 'id="withdrawn"' not in client.get("/events/fit").text
