"""A value of the wrong type is refused in the product's words, naming the field, whether it is a query
parameter (400) or a field of the body (422): never the validation library's own phrasing."""

from __future__ import annotations

from typing import Any

from web_support import CITY_ID, OTHER_PROVIDER_ID, PROVIDER_ID, SharedApp

LIBRARY_WORDS = ("Input should be", "Expected `", "Value error", "Extra inputs", "Field required")


def _errors(body: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["message"] for e in body["errors"]}


def _refused(r: Any) -> dict[str, str]:
    """The fields a 422 answer names, with what it says of each."""
    assert r.status_code == 422, r.text
    _in_product_words(r.text)
    return _errors(r.json())


def _new_event(shared_app: SharedApp, event_id: str, name: str) -> None:
    """An event of one slot and two tables, created by staff."""
    event = {
        "id": event_id,
        "name": name,
        "slots": [{"id": "s1", "start": "2038-03-02T09:00", "end": "2038-03-02T09:20"}],
        "tables": 2,
    }
    r = shared_app.client.post("/api/v1/events", json=event, headers=shared_app.tokens.of("staff"))
    assert r.status_code == 201, r.text


def _in_product_words(text: str) -> None:
    for words in LIBRARY_WORDS:
        assert words not in text, text


def test_a_query_parameter_of_the_wrong_type_says_what_it_must_be(shared_app: SharedApp) -> None:
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    r = api.get("/api/v1/cities?limit=abc&offset=2.5", headers=staff)
    assert r.status_code == 400, r.text
    assert _errors(r.json()) == {
        "limit": "must be a whole number such as 10 (got 'abc')",
        "offset": "must be a whole number such as 10 (got '2.5')",
    }
    _in_product_words(r.text)
    r = api.get(f"/api/v1/match/providers?city={CITY_ID}&offset=-1", headers=staff)
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == "offset: must be 0 or more (got -1)"
    r = api.post("/api/v1/indexes/rebuild?wait=maybe", headers=staff)
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == "wait: must be true or false (got 'maybe')"


def test_a_body_field_of_the_wrong_type_says_what_it_must_be(shared_app: SharedApp) -> None:
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    city = {"id": "typed-city", "name": 3, "country": "AL", "summary": "s", "population": "many", "x": 1}
    r = api.post("/api/v1/cities", json=city, headers=staff)
    assert _refused(r) == {
        "name": "must be text",
        "population": "must be a whole number such as 10 (got 'many')",
        "x": "is not a known field",
    }
    assert "population: must be a whole number such as 10 (got 'many')" in r.json()["detail"]
    provider = {"id": "typed-provider", "name": "P", "country": "AL", "description": "d", "kind": "bank"}
    r = api.post("/api/v1/providers", json=provider, headers=staff)
    assert _refused(r)["kind"].startswith("must be 'company', 'startup'")
    event = {
        "id": "typed-event",
        "name": "E",
        "slots": [{"id": "s1", "start": "soon", "end": "2038-03-02T09:20"}],
        "tables": 2.5,
    }
    r = api.post("/api/v1/events", json=event, headers=staff)
    assert _refused(r) == {
        "slots.0.start": "must be a date and time such as 2027-03-02T09:00",
        "tables": "must be a whole number such as 10 (got 2.5)",
    }


def test_every_bad_field_of_a_body_is_named_at_once(shared_app: SharedApp) -> None:
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    _new_event(shared_app, "every-field", "Every field")
    people = [
        {"id": CITY_ID, "max_meetings": "abc"},
        {"id": PROVIDER_ID, "max_meetings": 1},
        {"id": OTHER_PROVIDER_ID, "max_meetings": 2.5, "seat": "A"},
    ]
    r = api.post("/api/v1/events/every-field/participants", json=people, headers=staff)
    assert _refused(r) == {
        "0.max_meetings": "must be a whole number such as 10 (got 'abc')",
        "2.max_meetings": "must be a whole number such as 10 (got 2.5)",
        "2.seat": "is not a known field",
    }
    assert r.json()["detail"] == (
        "0.max_meetings: must be a whole number such as 10 (got 'abc');"
        " 2.max_meetings: must be a whole number such as 10 (got 2.5); 2.seat: is not a known field"
    )
    assert api.get("/api/v1/events/every-field/participants", headers=staff).json() == []
    city = {"id": "every-city", "name": "", "country": "ZZ", "summary": "s", "population": "many"}
    assert sorted(_refused(api.post("/api/v1/cities", json=city, headers=staff))) == [
        "country",
        "name",
        "population",
    ]


def test_a_value_out_of_its_range_or_length_says_its_bound(shared_app: SharedApp) -> None:
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    event = {
        "id": "bounded-event",
        "name": "x" * 301,
        "slots": [{"id": "s1", "start": "2038-03-02T09:00", "end": "2038-03-02T09:20"}],
        "tables": 0,
        "table_labels": ["T"] * 1001,
    }
    r = api.post("/api/v1/events", json=event, headers=staff)
    assert _refused(r) == {
        "name": "must be at most 300 characters",
        "tables": "must be 1 or more",
        "table_labels": "must have at most 1000 entries",
    }
    assert r.json()["detail"] == (
        "name: must be at most 300 characters; tables: must be 1 or more;"
        " table_labels: must have at most 1000 entries"
    )
    for words in ("should be", "should have"):
        assert words not in r.text
    r = api.post("/api/v1/events", json={**event, "name": "", "tables": 2, "slots": []}, headers=staff)
    assert _refused(r) == {
        "name": "must not be empty",
        "slots": "must have at least 1 entry",
        "table_labels": "must have at most 1000 entries",
    }


def test_a_query_parameter_outside_its_choices_lists_them(shared_app: SharedApp) -> None:
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    _new_event(shared_app, "chosen-event", "Chosen")
    for path in ("/api/v1/events/chosen-event/export/csv", "/api/v1/events/chosen-event/export/xlsx"):
        r = api.get(f"{path}?source=xyz", headers=staff)
        assert r.status_code == 400, r.text
        assert r.json()["detail"] == "source: must be 'published' or 'plan', not 'xyz'"
        assert _errors(r.json()) == {"source": "must be 'published' or 'plan', not 'xyz'"}


def test_a_parameter_of_the_wrong_length_or_form_says_it_in_words(shared_app: SharedApp) -> None:
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    r = api.get("/api/v1/match/providers?city=" + "x" * 301, headers=staff)
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == "city: must be at most 300 characters"
    r = api.get("/api/v1/cities/" + "x" * 129, headers=staff)
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == "city_id: must be at most 128 characters"
    r = api.get("/api/v1/cities/bad%20id", headers=staff)
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == (
        "city_id: must be 1-128 characters of Latin letters (a-z, A-Z), digits, '.', '_' or '-',"
        " starting with a letter or digit"
    )
    for text in (r.text, api.get("/api/v1/match/providers?city=", headers=staff).text):
        assert "of length" not in text
        assert "regex" not in text
