"""A provider's solutions keep the fields they have beyond title, description, domains and deployed_in.

A corpus file's unknown keys inside a solution are kept in the solution's ``extra``, as a record's own
unknown keys are kept in its ``extra``; an API body names them under ``extra`` and a key it does not
know is refused, not dropped. Solutions are public, so their ``extra`` is too: every role sees it, and a
key marked internal (staff only) is refused inside a solution rather than shown to everyone.
"""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from web_support import PROVIDER_ID, Tokens, upload_records

PROVIDER = {
    "id": "sx-gis",
    "name": "Sx GIS",
    "country": "TR",
    "description": "Street addressing and GIS for municipalities.",
}


def test_a_corpus_files_unknown_solution_fields_are_kept_and_public(
    api: TestClient[Any], tokens: Tokens
) -> None:
    solution = {"title": "Street addressing", "licence": "GPL", "price_band": "low"}
    r = upload_records(api, tokens, "providers.jsonl", [PROVIDER | {"solutions": [solution]}])
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1
    for role in ("staff", "city"):
        seen = api.get("/api/v1/providers/sx-gis", headers=tokens.of(role)).json()
        assert seen["solutions"][0]["extra"] == {"licence": "GPL", "price_band": "low"}, role


def test_an_api_body_keeps_solution_extra_and_refuses_an_unknown_key(
    api: TestClient[Any], tokens: Tokens
) -> None:
    staff = tokens.of("staff")
    refused = api.post(
        "/api/v1/providers",
        json=PROVIDER | {"solutions": [{"title": "Street addressing", "licence": "GPL"}]},
        headers=staff,
    )
    assert refused.status_code == 422, refused.text
    assert "licence" in refused.json()["detail"]
    assert api.get("/api/v1/providers/sx-gis", headers=staff).status_code == 404

    made = api.post(
        "/api/v1/providers",
        json=PROVIDER | {"solutions": [{"title": "Street addressing", "extra": {"licence": "GPL"}}]},
        headers=staff,
    )
    assert made.status_code == 201, made.text
    assert made.json()["solutions"][0]["extra"] == {"licence": "GPL"}
    city = api.get("/api/v1/providers/sx-gis", headers=tokens.of("city")).json()
    assert city["solutions"][0]["extra"] == {"licence": "GPL"}


def test_a_solution_field_marked_internal_is_refused(api: TestClient[Any], tokens: Tokens) -> None:
    r = api.post(
        "/api/v1/providers",
        json=PROVIDER
        | {"solutions": [{"title": "Street addressing", "extra": {"internal_price": "9,000 EUR"}}]},
        headers=tokens.of("staff"),
    )
    assert r.status_code == 422, r.text
    assert "'internal_price' is marked internal (staff only), but a solution is public" in r.json()["detail"]


def test_a_provider_changing_its_solutions_keeps_their_extra_when_it_sends_it_back(
    api: TestClient[Any], tokens: Tokens
) -> None:
    staff, provider = tokens.of("staff"), tokens.of("provider")
    solutions = [{"title": "Smart parking", "extra": {"licence": "GPL"}}]
    r = api.patch(f"/api/v1/providers/{PROVIDER_ID}", json={"solutions": solutions}, headers=staff)
    assert r.status_code == 200, r.text
    own = api.get(f"/api/v1/providers/{PROVIDER_ID}", headers=provider).json()
    own["solutions"][0]["description"] = "Sensors on every bay."
    r = api.patch(f"/api/v1/providers/{PROVIDER_ID}", json={"solutions": own["solutions"]}, headers=provider)
    assert r.status_code == 200, r.text
    stored = api.get(f"/api/v1/providers/{PROVIDER_ID}", headers=staff).json()["solutions"]
    assert [(s["description"], s["extra"]) for s in stored] == [("Sensors on every bay.", {"licence": "GPL"})]


def test_a_patch_that_leaves_out_a_solutions_extra_keeps_it_as_it_keeps_the_records_own(
    api: TestClient[Any], tokens: Tokens
) -> None:
    staff, provider = tokens.of("staff"), tokens.of("provider")
    path = f"/api/v1/providers/{PROVIDER_ID}"
    solutions = [
        {"title": "Smart parking", "extra": {"licence": "GPL"}},
        {"title": "Bike share", "extra": {"fleet": "200 bikes"}},
        {"title": "Kerb sensors", "extra": {"battery": "10 years"}},
    ]
    assert api.patch(path, json={"solutions": solutions}, headers=staff).status_code == 200
    sent = [
        {"title": " Smart parking ", "description": "Sensors on every bay."},  # no extra: kept
        {"title": "Bike share", "extra": {}},  # emptied on purpose
        {"title": "Kerb sensor network"},  # another title: another solution
        {"title": "Street lighting"},  # new
    ]
    r = api.patch(path, json={"solutions": sent}, headers=provider)
    assert r.status_code == 200, r.text
    stored = api.get(path, headers=staff).json()["solutions"]
    assert [(s["title"], s["description"], s["extra"]) for s in stored] == [
        ("Smart parking", "Sensors on every bay.", {"licence": "GPL"}),
        ("Bike share", "", {}),
        ("Kerb sensor network", "", {}),
        ("Street lighting", "", {}),
    ]
