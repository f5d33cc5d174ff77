"""Staff edit cities, providers and case studies in the console; nobody else may."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from console_support import (
    CITY_ID,
    PROVIDER_ID,
    Client,
    FormValues,
    app_services,
    changed,
    form_of,
    post_form,
)
from litestar.datastructures import FormMultiDict

from matchmaker.db.models import City, Kind, PublicRecord
from matchmaker.services.records import RecordService
from matchmaker.web.console import record_edit
from matchmaker.web.console.record_edit import EditConflict, PostedForm, read_form

SignIn = Callable[[str], str]


def test_staff_edit_a_city_and_the_page_and_the_index_follow(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    page = client.get(f"/cities/{CITY_ID}")
    assert 'id="edit-record"' in page.text
    values = form_of(client, f"/cities/{CITY_ID}/edit")
    assert dict(values)["name"] == "Kukës"
    summary = "Street names were agreed with every village in 2026; lighting now runs on a timer."
    saved = post_form(
        client, f"/cities/{CITY_ID}/edit", changed(values, summary=summary, priorities="mobility")
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/cities/{CITY_ID}?saved=1"
    shown = client.get(f"/cities/{CITY_ID}?saved=1")
    assert summary in shown.text
    assert "The changes were saved." in shown.text
    services = app_services(client)
    with services.database.unit_of_work() as session:
        city = services.records(session).get_in_full("city", CITY_ID)
    assert city.summary == summary
    assert city.priorities == ["mobility"]  # type: ignore[union-attr]
    assert city.focal_point is not None  # type: ignore[union-attr]  # the form leaves the contact alone
    (status,) = services.indexes.status(["city"])
    assert status.present
    assert status.stale is False


def test_staff_edit_a_provider_s_solutions(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    values = form_of(client, f"/providers/{PROVIDER_ID}/edit")
    # The last solution row is the empty one for adding a solution.
    last_title = max(i for i, (k, _v) in enumerate(values) if k == "solution_title")
    values[last_title] = ("solution_title", "Smart metering of public buildings")
    saved = post_form(client, f"/providers/{PROVIDER_ID}/edit", values)
    assert saved.status_code == 303
    page = client.get(f"/providers/{PROVIDER_ID}")
    assert "Smart metering of public buildings" in page.text


def _give_solution_extra(client: Client) -> None:
    """The provider's solutions as stored, the first with fields beyond the known ones."""
    services = app_services(client)
    with services.database.unit_of_work() as session:
        records = services.records(session)
        solutions = [s.model_dump() for s in records.get("provider", PROVIDER_ID).solutions]  # type: ignore[union-attr]
        solutions[0]["extra"] = {"licence": "GPL", "price_band": "low"}
        records.edit("provider", PROVIDER_ID, {"solutions": solutions})


def test_the_fields_a_solution_has_beyond_the_known_ones_are_shown_and_kept_on_edit(
    client: Client, sign_in: SignIn
) -> None:
    _give_solution_extra(client)
    sign_in("staff")
    page = client.get(f"/providers/{PROVIDER_ID}")
    assert "licence" in page.text
    assert "GPL" in page.text
    values = form_of(client, f"/providers/{PROVIDER_ID}/edit")
    first = next(i for i, (k, _v) in enumerate(values) if k == "solution_description")
    values[first] = ("solution_description", "Paid from the savings, over ten years.")
    saved = post_form(client, f"/providers/{PROVIDER_ID}/edit", values)
    assert saved.status_code == 303, saved.text
    services = app_services(client)
    with services.database.unit_of_work() as session:
        stored = services.records(session).get("provider", PROVIDER_ID).solutions[0]  # type: ignore[union-attr]
    assert (stored.description, stored.extra) == (
        "Paid from the savings, over ten years.",
        {"licence": "GPL", "price_band": "low"},
    )


def test_staff_edit_a_case_study(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    services = app_services(client)
    with services.database.unit_of_work() as session:
        case_id = services.records(session).list("case")[0].id
    values = form_of(client, f"/cases/{case_id}/edit")
    saved = post_form(
        client, f"/cases/{case_id}/edit", changed(values, title="Lamps replaced without borrowing")
    )
    assert saved.status_code == 303
    assert "Lamps replaced without borrowing" in client.get(f"/cases/{case_id}").text


def test_a_refused_edit_shows_the_reason_in_the_form_and_changes_nothing(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    values = form_of(client, f"/cities/{CITY_ID}/edit")
    refused = post_form(
        client,
        f"/cities/{CITY_ID}/edit",
        changed(values, country="ZZ", summary="A new summary that must not stay."),
    )
    assert refused.status_code == 422
    assert "ISO 3166-1" in refused.text
    assert "A new summary that must not stay." in refused.text  # kept as typed
    empty = post_form(client, f"/cities/{CITY_ID}/edit", changed(values, name="  "))
    assert empty.status_code == 422
    assert "must not be empty" in empty.text
    page = client.get(f"/cities/{CITY_ID}")
    assert "A new summary that must not stay." not in page.text
    assert "Kukës" in page.text


@pytest.mark.parametrize(
    ("role", "path"), [("city", f"/cities/{CITY_ID}"), ("provider", f"/providers/{PROVIDER_ID}")]
)
def test_only_staff_may_open_or_post_the_edit_form(
    client: Client, sign_in: SignIn, role: str, path: str
) -> None:
    sign_in(role)
    page = client.get(path)
    assert page.status_code == 200
    assert 'id="edit-record"' not in page.text
    assert client.get(f"{path}/edit").status_code == 403
    posted = post_form(client, f"{path}/edit", [("name", "Taken over")])
    assert posted.status_code == 403
    assert "Taken over" not in client.get(path).text


def test_an_edit_posted_from_another_site_is_refused(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    values = form_of(client, f"/cities/{CITY_ID}/edit")
    posted = post_form(
        client, f"/cities/{CITY_ID}/edit", changed(values, name="Forged"), Origin="https://evil.example"
    )
    assert posted.status_code == 403
    assert "Forged" not in client.get(f"/cities/{CITY_ID}").text


def test_saving_the_form_keeps_the_line_breaks_of_a_text_as_they_were(
    client: Client, sign_in: SignIn
) -> None:
    """A browser posts a textarea's line breaks as CRLF; saving must not rewrite every summary."""
    sign_in("staff")
    services = app_services(client)
    with services.database.unit_of_work() as session:
        before = services.records(session).get("city", CITY_ID)
    assert "\n" in before.summary  # type: ignore[attr-defined]
    values = [(k, v.replace("\n", "\r\n")) for k, v in form_of(client, f"/cities/{CITY_ID}/edit")]
    saved = post_form(client, f"/cities/{CITY_ID}/edit", changed(values, population="47500"))
    assert saved.status_code == 303
    with services.database.unit_of_work() as session:
        after = services.records(session).get("city", CITY_ID)
    assert after.population == 47500  # type: ignore[attr-defined]
    assert after.summary == before.summary  # type: ignore[attr-defined]
    assert "\r" not in after.summary  # type: ignore[attr-defined]


def _stored_city(client: Client) -> object:
    services = app_services(client)
    with services.database.unit_of_work() as session:
        return services.records(session).get_in_full("city", CITY_ID)


def test_two_people_editing_different_fields_of_a_city_both_keep_their_change(
    client: Client, sign_in: SignIn
) -> None:
    """Two tabs open the same form; each saves one field. Neither change is lost."""
    sign_in("staff")
    first = form_of(client, f"/cities/{CITY_ID}/edit")
    second = form_of(client, f"/cities/{CITY_ID}/edit")
    assert post_form(client, f"/cities/{CITY_ID}/edit", changed(first, population="48123")).status_code == 303
    saved = post_form(client, f"/cities/{CITY_ID}/edit", changed(second, challenges="winter road closures"))
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert "The changes were saved." in page.text
    assert "48,123 inhabitants" in page.text
    city = _stored_city(client)
    assert city.population == 48123  # type: ignore[attr-defined]
    assert city.challenges == ["winter road closures"]  # type: ignore[attr-defined]


def test_two_people_changing_the_same_field_the_second_is_told_and_nothing_is_lost(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    first = form_of(client, f"/cities/{CITY_ID}/edit")
    second = form_of(client, f"/cities/{CITY_ID}/edit")
    assert post_form(client, f"/cities/{CITY_ID}/edit", changed(first, population="48123")).status_code == 303
    refused = post_form(client, f"/cities/{CITY_ID}/edit", changed(second, population="50000", language="sq"))
    assert refused.status_code == 409
    assert "Nothing was saved: someone else changed this city while you were editing it (Population)" in (
        refused.text
    )
    assert 'value="50000"' in refused.text  # what this person typed is still in the form
    assert 'id="stored-population">Stored now: <span dir="auto">48123</span>' in refused.text
    # A screen reader reads a field's description with the field: the stored value is in it.
    [field] = re.findall(r'<input id="f-population"[^>]*>', refused.text)
    assert 'aria-describedby="stored-population"' in field
    [unchanged] = re.findall(r'<input id="f-name"[^>]*>', refused.text)
    assert "aria-describedby" not in unchanged
    city = _stored_city(client)
    assert city.population == 48123  # type: ignore[attr-defined]
    assert city.language == "en"  # type: ignore[attr-defined]
    # Saving the returned form again is a deliberate choice: this person's values win.
    parser = FormValues()
    parser.feed(refused.text)
    again = post_form(client, f"/cities/{CITY_ID}/edit", parser.values)
    assert again.status_code == 303
    city = _stored_city(client)
    assert city.population == 50000  # type: ignore[attr-defined]
    assert city.language == "sq"  # type: ignore[attr-defined]


def test_two_people_editing_a_provider_s_description_and_solutions_keep_both(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    path = f"/providers/{PROVIDER_ID}/edit"
    first = form_of(client, path)
    second = form_of(client, path)
    last_title = max(i for i, (k, _v) in enumerate(first) if k == "solution_title")
    first[last_title] = ("solution_title", "Smart metering of public buildings")
    assert post_form(client, path, first).status_code == 303
    assert post_form(client, path, changed(second, website="https://enerko.example")).status_code == 303
    page = client.get(f"/providers/{PROVIDER_ID}")
    assert "Smart metering of public buildings" in page.text
    assert "https://enerko.example" in page.text


def test_saving_a_record_deleted_while_its_form_was_open_says_so(client: Client, sign_in: SignIn) -> None:
    token = sign_in("staff")
    path = "/cases/"
    services = app_services(client)
    with services.database.unit_of_work() as session:
        case_id = services.records(session).list("case")[0].id
    values = form_of(client, f"{path}{case_id}/edit")
    deleted = client.delete(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"})
    assert deleted.status_code == 204
    saved = post_form(client, f"{path}{case_id}/edit", changed(values, title="Too late"))
    assert saved.status_code == 404
    assert "it was deleted while the form was open, so the changes were not saved" in saved.text


def test_a_nul_character_in_the_edit_form_is_refused_not_a_server_error(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    values = form_of(client, f"/cities/{CITY_ID}/edit")
    refused = post_form(client, f"/cities/{CITY_ID}/edit", changed(values, summary="Street names\x00 lost."))
    assert refused.status_code == 422, refused.text
    assert "cannot be stored" in refused.text
    assert "Kukës" in client.get(f"/cities/{CITY_ID}").text, "the record is as it was"


def test_two_saves_of_one_field_at_the_same_moment_one_is_told(
    client: Client, sign_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two saves that arrive together are compared one after the other: the first is written, the
    second is refused as a clash, even when both read the record before either wrote."""
    sign_in("staff")
    values = form_of(client, f"/cities/{CITY_ID}/edit")
    services = app_services(client)
    posted = []
    for population in ("48123", "50000"):
        form = FormMultiDict(changed(values, population=population))
        changes, typed, rows = read_form(form, "city")
        posted.append(PostedForm(changes, typed, rows, record_edit.read_seen(form)))
    reading = RecordService.get_in_full

    def slow_read(self: RecordService, kind: Kind, record_id: str) -> PublicRecord:
        record = reading(self, kind, record_id)
        time.sleep(0.3)  # the other save reads now, unless the first holds the record
        return record

    monkeypatch.setattr(RecordService, "get_in_full", slow_read)
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda p: record_edit._save_alone(services, "city", CITY_ID, p), posted))
    assert sum(o is None for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, EditConflict) for o in outcomes) == 1
    saved = 48123 if outcomes[0] is None else 50000
    assert _stored_city(client).population == saved  # type: ignore[attr-defined]


def test_a_refusal_names_the_field_in_words_as_the_form_labels_it(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    values = form_of(client, f"/cities/{CITY_ID}/edit")
    refused = post_form(client, f"/cities/{CITY_ID}/edit", changed(values, programme_level="4"))
    assert refused.status_code == 422
    assert "Programme level: " in refused.text
    assert "programme_level:" not in refused.text.lower()


def test_a_field_sent_twice_is_refused_naming_it_not_read_as_its_first_value(
    client: Client, sign_in: SignIn
) -> None:
    """A hand-made form with the summary twice saved the first and dropped the second without a word;
    it is refused naming the field, as the rest of the console refuses a field given twice."""
    sign_in("staff")
    values = form_of(client, f"/cities/{CITY_ID}/edit")
    twice = [*changed(values, summary="The first summary."), ("summary", "The second summary.")]
    refused = post_form(client, f"/cities/{CITY_ID}/edit", twice)
    assert refused.status_code == 422
    assert "Current-situation summary: given 2 times; give it once" in refused.text
    assert "The first summary." not in client.get(f"/cities/{CITY_ID}").text


def test_a_population_typed_with_thousands_separators_says_how_to_write_it(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    values = form_of(client, f"/cities/{CITY_ID}/edit")
    refused = post_form(client, f"/cities/{CITY_ID}/edit", changed(values, population="47,000"))
    assert refused.status_code == 422
    assert "write it as digits only, like 47000" in refused.text


def test_a_new_solution_typed_without_a_title_is_refused_not_dropped(client: Client, sign_in: SignIn) -> None:
    """The row for adding a solution, filled in but for its title, was dropped (a row without a title
    is how a solution is removed) while the page said the changes were saved."""
    sign_in("staff")
    values = form_of(client, f"/providers/{PROVIDER_ID}/edit")
    last = max(i for i, (k, _v) in enumerate(values) if k == "solution_description")
    values[last] = ("solution_description", "Meters on every public building, read hourly.")
    before = client.get(f"/providers/{PROVIDER_ID}").text.count('class="solution')
    refused = post_form(client, f"/providers/{PROVIDER_ID}/edit", values)
    assert refused.status_code == 422, refused.text
    solutions = sum(1 for k, _v in values if k == "solution_title")
    assert (
        f"Solution {solutions} (the new one) has no title; give it one, or empty its other fields"
        in refused.text
    )
    assert "Meters on every public building, read hourly." in refused.text, "shown again as typed"
    assert client.get(f"/providers/{PROVIDER_ID}").text.count('class="solution') == before


@pytest.mark.parametrize("depth", [900, 3000])
def test_a_solution_s_other_fields_nested_too_deep_are_refused_and_providers_still_list(
    client: Client, sign_in: SignIn, depth: int
) -> None:
    sign_in("staff")
    values = form_of(client, f"/providers/{PROVIDER_ID}/edit")
    first = next(i for i, (k, _v) in enumerate(values) if k == "solution_extra")
    values[first] = ("solution_extra", '{"a": ' + "[" * depth + "]" * depth + "}")
    saved = post_form(client, f"/providers/{PROVIDER_ID}/edit", values)
    assert saved.status_code == 422, saved.text
    assert "its other fields are nested more than 32 levels deep" in saved.text
    assert client.get("/providers").status_code == 200
    assert client.get(f"/providers/{PROVIDER_ID}").status_code == 200


def test_a_number_field_given_words_says_what_was_typed_and_what_a_whole_number_looks_like(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    values = form_of(client, f"/cities/{CITY_ID}/edit")
    refused = post_form(client, f"/cities/{CITY_ID}/edit", changed(values, programme_level="three"))
    assert refused.status_code == 422
    assert "Programme level: must be a whole number such as 10 (got &#39;three&#39;)" in refused.text


def test_saving_an_unknown_priority_or_a_contact_in_the_summary_says_so_after_saving(
    client: Client, sign_in: SignIn
) -> None:
    """A priority no vocabulary term matches, and the focal point's e-mail typed into the summary, were
    saved with "The changes were saved." alone: the one never matched, the other was shown to others as
    [redacted]. Both are still saved, and the page says what will not work, naming the field."""
    sign_in("staff")
    values = form_of(client, f"/cities/{CITY_ID}/edit")
    email = _stored_city(client).focal_point.email  # type: ignore[attr-defined]
    summary = f"Street lighting is old. Write to {email}."
    saved = post_form(
        client, f"/cities/{CITY_ID}/edit", changed(values, summary=summary, priorities="mobility; heritage")
    )
    assert saved.status_code == 303
    shown = client.get(saved.headers["location"]).text
    assert "The changes were saved." in shown
    assert (
        "priorities: &#39;heritage&#39; is no known domain" in shown
        or "priorities: 'heritage' is no known domain" in shown
    )
    assert (
        "summary: holds the focal point&#39;s email" in shown
        or "summary: holds the focal point's email" in shown
    )
    assert _stored_city(client).priorities == ["mobility", "heritage"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ["city", "provider"])
def test_the_saved_notes_are_for_the_staff_who_saved_not_for_whoever_opens_the_address(
    client: Client, sign_in: SignIn, role: str
) -> None:
    """Staff land on ``/cities/ID?saved=1`` after saving, with notes that name the fields marked
    internal. A focal point or a provider given that address (copied from the staff's browser) read
    "The changes were saved. Note: challenges: holds the value of the internal field 'internal_note'...",
    though it saved nothing and may not know the internal fields exist."""
    services = app_services(client)
    with services.database.unit_of_work() as session:
        # An internal field whose value the public text also holds: a note for staff on the saved page.
        city = session.get(City, CITY_ID)
        assert city is not None
        city.extra = {**city.extra, "internal_note": "the mayor prefers ESCO contracts"}
        city.challenges = [*city.challenges, "Budget talks: the mayor prefers ESCO contracts."]
        session.add(city)
    sign_in("staff")
    staff_view = client.get(f"/cities/{CITY_ID}?saved=1").text
    assert "The changes were saved." in staff_view
    assert "internal_note" in staff_view
    sign_in(role)
    shown = client.get(f"/cities/{CITY_ID}?saved=1")
    assert shown.status_code == 200
    assert "The changes were saved." not in shown.text
    assert "internal_note" not in shown.text
