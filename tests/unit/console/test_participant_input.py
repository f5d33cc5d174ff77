"""What a city focal point or a provider gets when it types something the product cannot take."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from console_support import CITY_ID, PROVIDER_ID, Client, add_event, app_services

from matchmaker.services.events.schemas import RequestCreate
from services_support import add_user


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
    assert f"{field.capitalize()}: contains a NUL character" in refused.text
    assert "Something went wrong" not in refused.text
    services = app_services(client)
    with services.database.unit_of_work() as session:
        assert services.events(session).requests.list("fair") == []
        assert services.records(session).get("provider", PROVIDER_ID).name != "Enerko"


def test_a_closed_event_says_by_name_when_it_closed_in_its_own_time_zone(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    last_year = datetime(2025, 4, 2)  # noqa: DTZ001 - a wall time in the event's zone
    add_event(client, "expo-2025", [CITY_ID, PROVIDER_ID], day=last_year, timezone="Europe/Istanbul")
    add_event(
        client,
        "fair",
        [CITY_ID, PROVIDER_ID],
        request_deadline=datetime(2026, 1, 5, 14, 0, tzinfo=UTC),
        timezone="Europe/Istanbul",
    )
    sign_in("city")
    page = client.get("/me/requests").text
    ended = "Expo 2025 ended on 2 April 2025 at 10:20 (Europe/Istanbul); it takes no new meeting requests"
    assert f"Requests are closed: {ended}." in page
    deadline = "the request deadline of Fair passed on 5 January 2026 at 17:00 (Europe/Istanbul)"
    assert f"Requests are closed: {deadline}." in page
    assert "expo-2025" not in page.split("Requests are closed")[1].split(".")[0], "the name, not the id"
    assert "T10:20:00" not in page

    refused = client.post("/me/requests", data={"event": "expo-2025", "recipient": PROVIDER_ID})
    assert refused.status_code == 409
    assert ended in refused.text
    refused = client.post("/me/requests", data={"event": "fair", "recipient": PROVIDER_ID})
    assert refused.status_code == 409
    assert deadline in refused.text


def test_asking_twice_for_the_same_meeting_is_not_an_error_and_the_other_way_round_is_explained(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    add_event(client, "fair", [CITY_ID, PROVIDER_ID])
    sign_in("provider")
    form = {"event": "fair", "recipient": CITY_ID, "message": "Merhaba, görüşelim mi?"}
    first = client.post("/me/requests", data=form)
    assert first.status_code == 200
    assert "Your request was sent." in first.text
    twice = client.post("/me/requests", data=form)  # a double click, or the form sent again
    assert twice.status_code == 200, twice.text
    assert "Your request was sent." in twice.text
    services = app_services(client)
    with services.database.unit_of_work() as session:
        [sent] = services.events(session).requests.list("fair")

    other = client.post("/me/requests", data={"event": "fair", "recipient": CITY_ID, "message": "Another"})
    assert other.status_code == 409
    asked = f"Enerko Enerji Hizmetleri already asked Kukës for a meeting at Fair (request {sent.id}, pending)"
    assert asked in other.text

    sign_in("city")
    back = client.post("/me/requests", data={"event": "fair", "recipient": PROVIDER_ID})
    assert back.status_code == 409
    assert f"{asked}; answer that request instead" in back.text
    assert PROVIDER_ID not in back.text.split('role="alert"')[1].split("</")[0], "names, not ids"


def test_a_refused_profile_change_gives_the_reason_without_pydantic_wording(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("city")
    form = {"name": "  ", "summary": "Kukës has 47,000 inhabitants.", "population": "", "language": "sq"}
    refused = client.post("/me/profile", data=form)
    assert refused.status_code == 422
    assert "Name: name must not be empty" in refused.text
    assert "Value error" not in refused.text
    assert "Kukës has 47,000 inhabitants." in refused.text, "what was typed is kept"


def test_a_summary_over_the_limit_is_refused_and_kept_not_cut_short_and_saved(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("city")
    summary = "Kukës ka nevojë për adresa. " + "ë" * 20_000 + " FUNDI"
    form = {"name": "Kukës", "summary": summary, "population": "47000", "language": "sq"}
    refused = client.post("/me/profile", data=form)
    assert refused.status_code == 422
    assert "the limit is 20000" in refused.text
    assert "FUNDI</textarea>" in refused.text, "the whole text is kept in the form"
    services = app_services(client)
    with services.database.unit_of_work() as session:
        assert "ë" * 100 not in services.records(session).get("city", CITY_ID).summary  # type: ignore[union-attr]


def test_a_focal_point_edits_its_arabic_summary_right_to_left(client: Client) -> None:
    token = add_user(app_services(client), "city", "ismailia").token
    assert client.post("/signin", data={"token": token}, follow_redirects=False).status_code == 303
    page = client.get("/me/profile").text
    box = re.search(r'<textarea id="f-summary"[^>]*>\s*محافظة', page)
    assert box is not None
    assert 'dir="auto"' in box.group(0)
    assert 'lang="ar"' in box.group(0)


def _flash(html: str) -> str:
    """The text of the page's refusal."""
    match = re.search(r'<div id="refusal" class="flash flash-error" role="alert">(.*?)</div>', html, re.S)
    assert match, "no refusal on the page"
    return match.group(1)


def test_a_hand_made_form_naming_someone_outside_the_event_is_refused_with_names_not_ids(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    add_event(client, "spring-fair", [CITY_ID, PROVIDER_ID, "prov-adresa-lab"], slots=1)
    add_event(client, "other-fair", ["kamez", PROVIDER_ID])
    services = app_services(client)
    services.planner.generate(
        "spring-fair", score=lambda a, b: 0.9 if PROVIDER_ID in (a, b) else 0.1, time_limit=5
    )
    services.planner.publish("spring-fair")

    sign_in("city")
    asked = client.post("/me/requests", data={"event": "spring-fair", "recipient": "shkoder"})
    assert asked.status_code == 422
    # A focal point cannot add anyone to an event: the refusal says who can.
    assert _flash(asked.text) == "Shkodër does not take part in Spring fair (ministry staff add participants)"
    itself = client.post("/me/requests", data={"event": "spring-fair", "recipient": CITY_ID})
    assert "Kukës cannot be paired with itself" in _flash(itself.text)
    elsewhere = client.post("/me/availability", data={"event": "other-fair", "slot": "s1"})
    assert elsewhere.status_code == 404
    # An event it is not in answers as an unknown one: its id confirms nothing, not even its name.
    assert _flash(elsewhere.text) == "No event with id &#39;other-fair&#39;"

    # Adresa Lab takes part, but the one slot went to the meeting of Kukës with Enerko.
    unmet = client.post(
        "/me/feedback", data={"event": "spring-fair", "other": "prov-adresa-lab", "rating": "informative"}
    )
    assert unmet.status_code == 422
    assert _flash(unmet.text) == "Kukës has no published meeting with Adresa Lab in Spring fair"


def test_answering_a_request_that_expired_names_its_sender(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    add_event(client, "late-fair", [CITY_ID, PROVIDER_ID], request_deadline=datetime(2026, 1, 5, tzinfo=UTC))
    services = app_services(client)
    with services.database.unit_of_work() as session:
        sent = services.events(session).requests.create(
            "late-fair", RequestCreate(sender=PROVIDER_ID, recipient=CITY_ID), recorded=True
        )
    sign_in("city")
    late = client.post(
        "/me/requests/answer", data={"event": "late-fair", "request": str(sent.id), "answer": "accepted"}
    )
    assert late.status_code == 409
    assert _flash(late.text) == "The request from Enerko Enerji Hizmetleri expired at the deadline"


def test_a_profile_form_too_large_to_read_names_its_size_and_the_limit(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """A summary pasted far beyond any limit makes the form larger than the console reads: the page
    says how large the form was and what the limit is, not the framework's "Request Entity Too Large"."""
    sign_in("city")
    form = {"name": "Kukës", "summary": "ë" * 300_000, "population": "47000", "language": "sq"}
    refused = client.post("/me/profile", data=form)
    assert refused.status_code == 413
    assert refused.headers["content-type"].startswith("text/html")
    assert "Request Entity Too Large" not in refused.text
    assert "the limit is 1 MB" in refused.text, refused.text


def test_a_form_field_given_twice_is_refused_not_read_as_its_first_value(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """A hand-made form asking two cities at once (the field ``recipient`` twice) sent the request to
    the first alone and said "Your request was sent"; it is refused naming the field, nothing is sent."""
    add_event(client, "twin-fair", [CITY_ID, "shkoder", "ferizaj"])
    sign_in("city")
    twice = client.post("/me/requests", data={"event": "twin-fair", "recipient": ["shkoder", "ferizaj"]})
    assert twice.status_code == 422
    assert _flash(twice.text) == "Recipient: given 2 times; give it once"
    services = app_services(client)
    with services.database.unit_of_work() as session:
        assert services.events(session).requests.list("twin-fair", participant=CITY_ID) == []


def test_a_language_typed_as_a_word_is_refused_as_not_a_language_code(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """A focal point who types "Albanian" where the summary's language code goes was told "must be at
    most 2 characters"; the refusal now says the word is not a language code, and nothing is saved."""
    sign_in("city")
    form = {"name": "Kukës", "summary": "Kukës has 47,000 inhabitants.", "population": "47000"}
    refused = client.post("/me/profile", data={**form, "language": "Albanian"})
    assert refused.status_code == 422
    assert html.unescape(_flash(refused.text)) == "Language: language 'Albanian' is not an ISO 639-1 code"
    services = app_services(client)
    with services.database.unit_of_work() as session:
        assert services.records(session).get("city", CITY_ID).language == "en"  # type: ignore[union-attr]


def test_a_form_naming_nobody_to_ask_or_to_rate_says_so_not_that_two_quotes_take_no_part(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """A request form without its recipient was refused with "'' does not take part in Empty fair", a
    rating without the other party with "Kukës has no published meeting with '' …"; each now says what
    is missing."""
    add_event(client, "empty-fair", [CITY_ID, "shkoder"])
    sign_in("city")
    nobody = client.post("/me/requests", data={"event": "empty-fair", "message": "Hello"})
    assert nobody.status_code == 422
    assert _flash(nobody.text) == "Choose whom to ask for a meeting"
    unrated = client.post("/me/feedback", data={"event": "empty-fair", "rating": "informative"})
    assert unrated.status_code == 422
    assert _flash(unrated.text) == "Choose the meeting to rate"


def test_a_population_typed_with_thousands_separators_is_refused_saying_how_to_write_it(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """ "47,000" was refused as "must be a whole number" with no hint of what was wrong with it; the
    message now says to write it as digits only, with the number as it should be typed."""
    sign_in("city")
    form = {"name": "Kukës", "summary": "A city in the north.", "population": "47,000", "language": "sq"}
    refused = client.post("/me/profile", data=form)
    assert refused.status_code == 422
    assert "write it as digits only, like 47000" in html.unescape(_flash(refused.text)), refused.text


def test_a_city_withdraws_a_request_it_sent_that_still_waits_for_an_answer(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """A city could not take back a request it sent by mistake; a pending request it sent now has a
    Withdraw button, and once withdrawn the recipient no longer sees it."""
    add_event(client, "take-back", [CITY_ID, "shkoder", "ferizaj"])
    sign_in("city")
    sent = client.post("/me/requests", data={"event": "take-back", "recipient": "shkoder"})
    assert sent.status_code in (200, 303), sent.text
    page = client.get("/me/requests").text
    assert 'action="/me/requests/withdraw"' in page
    services = app_services(client)
    with services.database.unit_of_work() as session:
        (request,) = services.events(session).requests.list("take-back", participant=CITY_ID)
    withdrawn = client.post(
        "/me/requests/withdraw",
        data={"event": "take-back", "request": str(request.id)},
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303, withdrawn.text
    assert "withdrawn" in client.get(withdrawn.headers["location"]).text
    with services.database.unit_of_work() as session:
        assert services.events(session).requests.list("take-back", participant="shkoder") == []


def test_an_event_the_participant_is_not_in_answers_as_an_unknown_one_naming_nothing(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    # As in the API: an event's id typed by someone outside it confirms nothing, not even its name.
    add_event(client, "fair", [CITY_ID, PROVIDER_ID])
    add_event(client, "closed-door-talks", ["kamez", "prov-adresa-lab"])
    services = app_services(client)
    services.planner.generate("closed-door-talks", score=lambda a, b: 0.9, time_limit=5)
    services.planner.publish("closed-door-talks")
    sign_in("provider")
    unknown = "No event with id &#39;closed-door-talks&#39;"
    forms = {
        "/me/availability": {"event": "closed-door-talks", "slot": "s1"},
        "/me/requests": {"event": "closed-door-talks", "recipient": "kamez"},
        "/me/requests/answer": {"event": "closed-door-talks", "request": "1", "answer": "accepted"},
        "/me/requests/withdraw": {"event": "closed-door-talks", "request": "1"},
        "/me/feedback": {"event": "closed-door-talks", "other": "kamez", "rating": "informative"},
        "/me/agenda/closed-door-talks/feed": {},
        "/me/agenda/closed-door-talks/feed/stop": {},
    }
    for path, data in forms.items():
        refused = client.post(path, data=data)
        assert refused.status_code == 404, (path, refused.text)
        assert _flash(refused.text) == unknown, path
        assert "Closed door talks" not in refused.text, path
    for kind in ("agenda", "calendar", "pdf"):
        refused = client.get(f"/me/agenda/closed-door-talks/{kind}")
        assert refused.status_code == 404, kind
        assert unknown in refused.text, kind
        assert "Closed door talks" not in refused.text, kind


def test_a_provider_with_nobody_left_to_ask_is_told_why_the_list_is_gone(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    """Once a provider had a request with every municipality of an event, or when the event had none
    yet, 'Ask for a meeting' disappeared from its page without a word."""
    add_event(client, "fair", [CITY_ID, PROVIDER_ID])
    add_event(client, "providers-only", [PROVIDER_ID, "prov-adresa-lab"])
    sign_in("provider")

    def section(event_id: str) -> str:
        page = html.unescape(client.get("/me/requests").text)
        return page.split(f'data-event="{event_id}"')[1].split("</section>")[0]

    assert "Ask for a meeting" in section("fair")
    assert "No municipalities take part in Providers only yet; ministry staff add participants." in (
        section("providers-only")
    )
    assert client.post("/me/requests", data={"event": "fair", "recipient": CITY_ID}).status_code == 200
    fair = section("fair")
    assert "Ask for a meeting" not in fair
    assert (
        "You have a request with every municipality taking part in Fair, sent or received:"
        " there is nobody new to ask." in fair
    )
