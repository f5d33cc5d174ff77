"""A refused form marks the field the refusal names: invalid, and described by the refusal's message,
so that a screen reader says which field to correct, not only that the form was refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

from console_support import CITY_ID, PROVIDER_ID, Client, add_event, app_services

SignIn = Callable[[str], str]


class _Fields(HTMLParser):
    """The attributes of each form field of a page, by its name, and the text of each element by id."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[dict[str, str]]] = {}
        self.texts: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag in ("input", "select", "textarea") and "name" in found:
            self.fields.setdefault(found["name"], []).append(found)
        if "id" in found:
            self.texts[found["id"]] = ""
            self._open.append(found["id"])
        elif tag not in ("input", "br", "meta", "link"):
            self._open.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag not in ("input", "br", "meta", "link"):
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for element in self._open:
            if element:
                self.texts[element] += data


def marked(html: str) -> dict[str, str]:
    """The fields marked invalid, by name, with the text of what describes them."""
    page = _Fields()
    page.feed(html)
    out: dict[str, str] = {}
    for name, fields in page.fields.items():
        for field in fields:
            if field.get("aria-invalid") == "true":
                ids = field.get("aria-describedby", "").split()
                out[name] = " ".join(page.texts.get(i, "").strip() for i in ids)
    return out


def test_a_refused_record_edit_marks_the_field_it_names(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    form = {"name": "Kukës", "country": "ZZ", "summary": "A town.", "population": "many"}
    population = client.post(f"/cities/{CITY_ID}/edit", data={**form, "country": "AL"})
    assert population.status_code == 422
    assert marked(population.text).keys() == {"population"}
    assert "Population: 'many' is not a whole number" in marked(population.text)["population"]
    country = client.post(f"/cities/{CITY_ID}/edit", data={**form, "population": "47000"})
    assert country.status_code == 422
    assert marked(country.text).keys() == {"country"}, "the service's refusal names its field"
    assert "'ZZ' is not an ISO 3166-1 alpha-2 code" in marked(country.text)["country"]


def test_a_refused_profile_marks_the_field_it_names(client: Client, sign_in: SignIn) -> None:
    sign_in("city")
    refused = client.post("/me/profile", data={"name": "Kukës", "summary": "A town.", "population": "many"})
    assert refused.status_code == 422
    assert marked(refused.text) == {"population": marked(refused.text)["population"]}
    assert "'many' is not a whole number" in marked(refused.text)["population"]
    form = {"name": "Kukës", "summary": "A town.", "language": "xx-yy-zz"}
    language = client.post("/me/profile", data=form)
    assert language.status_code == 422
    assert marked(language.text).keys() == {"language"}


def test_a_refused_invitation_marks_the_field_it_names(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    typed = {"role": "provider", "subject": "Enerko", "email": "sales-at"}
    address = client.post("/users/invite", data=typed)
    assert address.status_code == 422
    assert marked(address.text).keys() == {"email"}
    assert "E-mail address: 'sales-at' is not an e-mail address" in marked(address.text)["email"]
    role = client.post("/users/invite", data={"role": "mayor", "email": "mayor@example.org"})
    assert role.status_code == 422
    assert marked(role.text).keys() == {"role"}
    assert "Role must be one of" in marked(role.text)["role"]


def test_a_refused_change_of_event_settings_marks_the_field_it_names(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    add_event(client, "fair", [])
    sign_in("staff")
    page = client.get("/events/fair/edit").text
    assert 'aria-invalid="true"' not in page, "nothing is marked before a refusal"
    grid = {"days": "2038-03-02", "start": "09:00", "per_day": "4", "slot_minutes": "20", "gap_minutes": "0"}
    breaks = client.post("/events/fair/edit", data={"name": "Fair", "tables": "2", **grid, "breaks": "lunch"})
    assert breaks.status_code == 422
    assert marked(breaks.text).keys() == {"breaks"}
    # the field's own help is still read with it
    assert marked(breaks.text)["breaks"].startswith("HH:MM-HH:MM, separated by commas")
    tables = client.post("/events/fair/edit", data={"name": "Fair", "tables": "two", **grid})
    assert tables.status_code == 422
    assert marked(tables.text).keys() == {"tables"}


def test_a_refused_meeting_request_marks_the_message_of_the_form_sent(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    add_event(client, "fair", [CITY_ID, PROVIDER_ID])
    sign_in("provider")
    long = "Merhaba " * 300
    refused = client.post("/me/requests", data={"event": "fair", "recipient": CITY_ID, "message": long})
    assert refused.status_code == 422
    assert marked(refused.text).keys() == {"message"}
    assert "Message: at most 2000 characters" in marked(refused.text)["message"]
    page = _Fields()
    page.feed(refused.text)
    [sent] = [f for f in page.fields["message"] if f.get("id") == f"msg-fair-{CITY_ID}"]
    assert sent.get("aria-invalid") == "true"
    assert sent["value"] == long.strip(), "what was typed is shown again"


def test_a_refused_new_event_marks_every_field_it_names(client: Client, sign_in: SignIn) -> None:
    sign_in("staff")
    form = {
        "id": "izmir-day",
        "name": "İzmir day",
        "date": "2038-04-06",
        "start": "half past nine",
        "slot_minutes": "20",
        "break_minutes": "10",
        "slot_count": "3",
        "tables": "x",
        "timezone": "Europe/Istanbul",
    }
    refused = client.post("/events", data=form)
    assert refused.status_code == 422
    assert marked(refused.text).keys() == {"start", "tables"}


def test_an_invitation_for_a_record_that_does_not_exist_is_refused_naming_the_field(
    client: Client, sign_in: SignIn
) -> None:
    sign_in("staff")
    typed = {"role": "city", "subject": "Atlantis", "email": "focal@atlantis.example"}
    refused = client.post("/users/invite", data=typed)
    assert refused.status_code == 422, "bad input in a form, not a page that does not exist"
    assert marked(refused.text).keys() == {"subject"}
    assert "City or provider: no city matches 'Atlantis'" in marked(refused.text)["subject"]
    assert 'value="Atlantis"' in refused.text
    assert 'value="focal@atlantis.example"' in refused.text
    assert "focal@atlantis.example" not in client.get("/users").text  # nothing was queued
    ambiguous = client.post("/users/invite", data={**typed, "subject": "Kukës Bihać"})
    assert ambiguous.status_code == 422
    assert marked(ambiguous.text).keys() == {"subject"}
    assert "'Kukës Bihać' is ambiguous" in marked(ambiguous.text)["subject"]


def test_a_refused_meeting_move_marks_the_slot_or_table_of_the_form_sent(
    client: Client, sign_in: SignIn
) -> None:
    """A move refused because the table is taken or a participant is busy then said so without naming
    the field to change, and marked none: the slot or table of the form sent is marked and named."""
    add_event(client, "fair", ["kukes", "tepebasi", PROVIDER_ID])
    services = app_services(client)
    services.planner.generate("fair", score=lambda _a, _b: 0.5, time_limit=5)
    by_slot = {m.slot: m for m in services.planner.planned("fair")}
    assert set(by_slot) == {"s1", "s2"}
    first, second = by_slot["s1"], by_slot["s2"]
    sign_in("staff")
    sent = {"a": second.a, "b": second.b, "slot": "s1"}
    taken = client.post("/events/fair/move", data={**sent, "table": str(first.table)})
    assert taken.status_code == 409
    assert list(marked(taken.text)) == ["table"], "the table of the form sent, not of every meeting's form"
    assert f"Table {first.table} is taken" in marked(taken.text)["table"]
    free = 2 if first.table == 1 else 1
    busy = client.post("/events/fair/move", data={**sent, "table": str(free)})
    assert busy.status_code == 409
    assert list(marked(busy.text)) == ["slot"]
    assert re.search("^Slot: .+ already meets .+ in the 09:00–09:20 slot", marked(busy.text)["slot"])
    page = _Fields()
    page.feed(busy.text)
    [slot] = [f for f in page.fields["slot"] if f.get("aria-invalid") == "true"]
    assert slot["id"] == f"mv-slot-{second.slot}-{second.table}", "the form of the meeting moved"
    chosen = busy.text.split(f'id="{slot["id"]}"', 1)[1].split("</select>", 1)[0]
    assert '<option value="s1" selected>' in chosen, "the form shows the slot chosen"
    assert f"Move the meeting of {second.a_name} and {second.b_name}" in busy.text, "its move form again"
    no_slot = client.post("/events/fair/move", data={**sent, "slot": "s9", "table": "1"})
    assert no_slot.status_code == 422
    assert list(marked(no_slot.text)) == ["slot"]
    assert "Slot: " in marked(no_slot.text)["slot"]
