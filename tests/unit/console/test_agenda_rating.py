"""A participant's agenda offers the rating form only for meetings that have ended, in the event's time
zone; a meeting still to come says when rating opens instead."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from console_support import CITY_ID, PROVIDER_ID, Client

from matchmaker.services.container import Services
from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn

SignIn = Callable[[str], str]


def _event_around_now(services: Services, event_id: str, timezone: str, *, ends_in: timedelta) -> datetime:
    """A published event in ``timezone`` whose one meeting (the city's with the provider) ends
    ``ends_in`` from now; its slot times are wall times of that zone. Returns the local end."""
    end = (datetime.now(ZoneInfo(timezone)) + ends_in).replace(tzinfo=None, second=0, microsecond=0)
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        catalog.create(
            EventCreate(
                id=event_id,
                name=f"Event {event_id}",
                timezone=timezone,
                tables=1,
                slots=[SlotIn(start=end - timedelta(minutes=20), end=end)],
            )
        )
        catalog.add_participants(event_id, [ParticipantIn(id=CITY_ID), ParticipantIn(id=PROVIDER_ID)])
    services.planner.generate(event_id, score=lambda _a, _b: 0.5, time_limit=5)
    services.planner.publish(event_id)
    return end


def _section(html: str, event_id: str) -> str:
    match = re.search(rf'<section[^>]*data-event="{event_id}">(.*?)</section>', html, re.S)
    assert match, f"no agenda of {event_id} on the page"
    return match.group(1)


def test_the_rating_form_shows_only_once_the_meeting_has_ended_in_the_events_zone(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    # Wall times far from UTC on both sides: read as UTC, the ended meeting in Tokyo would still be
    # ahead (UTC+9) and the coming one in Honolulu (UTC-10) would be long over.
    _event_around_now(services, "tokyo", "Asia/Tokyo", ends_in=timedelta(hours=-1))
    coming = _event_around_now(services, "honolulu", "Pacific/Honolulu", ends_in=timedelta(hours=1))
    sign_in("city")
    page = client.get("/me/agenda")
    assert page.status_code == 200

    ended = _section(page.text, "tokyo")
    assert 'action="/me/feedback"' in ended
    assert "Rating opens" not in ended

    upcoming = _section(page.text, "honolulu")
    assert 'action="/me/feedback"' not in upcoming
    assert "<select" not in upcoming
    when = f"{coming.day} {coming:%B %Y at %H:%M}"
    assert f"Rating opens when the meeting ends, on {when} (Pacific/Honolulu)." in upcoming

    # What the page shows is what a rating gets: accepted after the meeting, refused before it.
    rated = client.post(
        "/me/feedback",
        data={"event": "tokyo", "other": PROVIDER_ID, "rating": "informative"},
        follow_redirects=False,
    )
    assert rated.status_code == 303, rated.text
    early = client.post(
        "/me/feedback", data={"event": "honolulu", "other": PROVIDER_ID, "rating": "informative"}
    )
    assert early.status_code == 409
    assert "once it has taken place" in early.text


def test_a_participant_comments_on_a_meeting_and_saving_again_keeps_the_comment(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    _event_around_now(services, "tokyo", "Asia/Tokyo", ends_in=timedelta(hours=-1))
    sign_in("city")
    ended = _section(client.get("/me/agenda").text, "tokyo")
    assert "Comment (optional)" in ended
    comment = "Çok faydalı: они пришлют смету до пятницы."
    rated = client.post(
        "/me/feedback",
        data={"event": "tokyo", "other": PROVIDER_ID, "rating": "cooperation_possible", "comment": comment},
    )
    assert rated.status_code == 200
    assert "your rating was saved" in rated.text
    assert f">{comment}</textarea>" in _section(rated.text, "tokyo"), "the comment is shown back"
    with services.database.unit_of_work() as session:
        [saved] = services.events(session).feedback.list("tokyo", rater=CITY_ID)
    assert (saved.rating, saved.comment) == ("cooperation_possible", comment)

    too_long = client.post(
        "/me/feedback",
        data={"event": "tokyo", "other": PROVIDER_ID, "rating": "informative", "comment": "x" * 2001},
    )
    assert too_long.status_code == 422
    assert "comment" in too_long.text
    with services.database.unit_of_work() as session:
        [kept] = services.events(session).feedback.list("tokyo", rater=CITY_ID)
    assert kept.comment == comment


def test_the_agenda_gives_times_on_the_events_clock_and_names_its_zone(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    # The slot was entered in UTC: 06:00Z is 09:00 at the venue, as the printed agenda says.
    with services.database.unit_of_work() as session:
        catalog = services.events(session).catalog
        catalog.create(
            EventCreate(
                id="istanbul",
                name="Istanbul workshop",
                timezone="Europe/Istanbul",
                tables=1,
                slots=[
                    SlotIn(
                        start=datetime(2038, 3, 2, 6, 0, tzinfo=ZoneInfo("UTC")),
                        end=datetime(2038, 3, 2, 6, 20, tzinfo=ZoneInfo("UTC")),
                    )
                ],
            )
        )
        catalog.add_participants("istanbul", [ParticipantIn(id=CITY_ID), ParticipantIn(id=PROVIDER_ID)])
    services.planner.generate("istanbul", score=lambda _a, _b: 0.5, time_limit=5)
    services.planner.publish("istanbul")
    sign_in("provider")
    agenda = _section(client.get("/me/agenda").text, "istanbul")
    assert agenda.count("Times are local to Europe/Istanbul (UTC+03:00).") == 1
    assert "2038-03-02 09:00–09:20" in agenda
    assert "06:00" not in agenda
    printed = client.get("/me/agenda/istanbul/agenda").text
    assert "Times are local to Europe/Istanbul (UTC+03:00)." in printed


def test_a_participant_rating_itself_is_told_to_choose_the_participant_it_met(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    _event_around_now(services, "tokyo", "Asia/Tokyo", ends_in=timedelta(hours=-1))
    sign_in("city")
    refused = client.post("/me/feedback", data={"event": "tokyo", "other": CITY_ID, "rating": "informative"})
    assert refused.status_code == 422, refused.text
    assert "You cannot rate yourself; choose the participant you met" in refused.text
    assert "has no published meeting with" not in refused.text


def test_a_participant_taken_out_after_its_meeting_still_sees_and_rates_it(
    client: Client, sign_in: SignIn, services: Services
) -> None:
    """Taken out of the event once its meeting had taken place, the provider lost the meeting from its
    agenda and its rating was refused as if the event were unknown."""
    _event_around_now(services, "tokyo", "Asia/Tokyo", ends_in=timedelta(hours=-1))
    with services.database.unit_of_work() as session:
        services.events(session).catalog.remove_participant("tokyo", PROVIDER_ID)
    sign_in("provider")
    held = _section(client.get("/me/agenda").text, "tokyo")
    assert 'action="/me/feedback"' in held
    assert "You no longer take part in this event" in held
    assert "/me/agenda/tokyo/feed" not in held, "no calendar address is offered that would be refused"
    assert client.get("/me/agenda/tokyo/agenda").status_code == 200
    rated = client.post(
        "/me/feedback",
        data={"event": "tokyo", "other": CITY_ID, "rating": "informative"},
        follow_redirects=False,
    )
    assert rated.status_code == 303, rated.text
