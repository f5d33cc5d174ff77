"""The bounds of the query parameters: the maximum the OpenAPI document tells a client is the one the
server applies, and a value refused is answered in the shared wording, with the value given."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import TestClient
from web_support import CITY_ID, REPO_ROOT, SharedApp, issue_tokens, web_settings_for

from matchmaker.settings import Settings
from matchmaker.web import create_app

#: A request of each route that takes a bounded whole number in its query, without that parameter.
BOUNDED = {
    "/api/v1/match/providers": f"city={CITY_ID}",
    "/api/v1/match/cities": f"city={CITY_ID}",
    "/api/v1/match/cases": f"city={CITY_ID}",
    "/api/v1/search/cases": "q=lighting",
    "/api/v1/cities": "",
    "/api/v1/providers": "",
    "/api/v1/cases": "",
}


def _maxima(document: dict[str, Any]) -> dict[tuple[str, str], int]:
    """The documented maximum of each bounded whole-number query parameter, by (path, parameter)."""
    found = {}
    for path, operations in document["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter["in"] == "query" and schema.get("type") == "integer" and "maximum" in schema:
                found[path, parameter["name"]] = int(schema["maximum"])
    return found


def _check_documented_bounds(api: TestClient, staff: dict[str, str]) -> dict[tuple[str, str], int]:  # type: ignore[type-arg]
    """Every documented maximum is taken and one more is refused with a 400 naming the parameter."""
    maxima = _maxima(api.get("/schema/openapi.json").json())
    assert {path for path, _ in maxima} >= set(BOUNDED), maxima
    for (path, name), maximum in maxima.items():
        if path not in BOUNDED:
            continue
        query = BOUNDED[path] + "&" if BOUNDED[path] else ""
        taken = api.get(f"{path}?{query}{name}={maximum}", headers=staff)
        assert taken.status_code == 200, (path, name, maximum, taken.text)
        refused = api.get(f"{path}?{query}{name}={maximum + 1}", headers=staff)
        assert refused.status_code == 400, (path, name, maximum, refused.text)
        assert refused.json()["errors"][0]["key"] == name
        assert str(maximum) in refused.json()["detail"], "the message says the bound the document gives"
    return maxima


def test_the_documented_bounds_are_the_ones_the_server_applies(shared_app: SharedApp) -> None:
    maxima = _check_documented_bounds(shared_app.client, shared_app.tokens.of("staff"))
    assert maxima["/api/v1/match/providers", "top"] == shared_app.settings.max_top


@pytest.fixture
def small_top_api(demo_template: Path, home: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:  # type: ignore[type-arg]
    """An app whose server allows at most 20 results per match page."""
    shutil.copytree(demo_template, home, dirs_exist_ok=True)
    settings = web_settings_for(home, max_top=20)
    tokens = issue_tokens(settings)
    with TestClient(create_app(settings)) as client:
        yield client, tokens.of("staff")


def test_a_server_with_another_max_top_documents_it(
    small_top_api: tuple[TestClient, dict[str, str]],  # type: ignore[type-arg]
) -> None:
    api, staff = small_top_api
    maxima = _check_documented_bounds(api, staff)
    assert maxima["/api/v1/search/cases", "top"] == 20
    r = api.get(f"/api/v1/match/providers?city={CITY_ID}&top=21", headers=staff)
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == "top: must be 20 or less (got 21)"


def test_the_exported_document_gives_the_default_top_as_a_server_setting() -> None:
    document = json.loads((REPO_ROOT / "api" / "openapi.json").read_text(encoding="utf-8"))
    default = Settings.model_fields["max_top"].default
    for path in [path for path in BOUNDED if "/match/" in path or "/search/" in path]:
        (top,) = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "top"]
        assert top["schema"]["maximum"] == default, path
        assert "max_top" in top["description"], path
        assert "MATCHMAKER_MAX_TOP" in top["description"], path


@pytest.mark.parametrize("text", ["1e3", "1e1", "10.0", "1.5", "1_000", "0x10", "ten"])
def test_a_whole_number_written_otherwise_is_refused(shared_app: SharedApp, text: str) -> None:
    """An exponent or a decimal point is no whole number as the API documents it, whatever it equals."""
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    for path, key in (
        (f"/api/v1/match/providers?city={CITY_ID}", "top"),
        (f"/api/v1/match/cities?city={CITY_ID}", "offset"),
        ("/api/v1/search/cases?q=lighting", "top"),
        ("/api/v1/cities?offset=0", "limit"),
    ):
        r = api.get(f"{path}&{key}={quote(text)}", headers=staff)
        assert r.status_code == 400, (path, key, text, r.text)
        assert r.json()["detail"] == f"{key}: must be a whole number such as 10 (got {text!r})", r.text
        assert r.json()["errors"] == [
            {"key": key, "message": f"must be a whole number such as 10 (got {text!r})", "source": "query"}
        ]


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("offset=-1", "offset: must be 0 or more (got -1)"),
        ("top=0", "top: must be 1 or more (got 0)"),
        ("top=201", "top: must be 200 or less (got 201)"),
        ("top=100000", "top: must be 200 or less (got 100000)"),
        ("offset=10001", "offset: must be 10000 or less (got 10001)"),
    ],
)
def test_a_number_out_of_range_is_told_with_the_value_given(
    shared_app: SharedApp, query: str, detail: str
) -> None:
    r = shared_app.client.get(
        f"/api/v1/match/providers?city={CITY_ID}&{query}", headers=shared_app.tokens.of("staff")
    )
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == detail
    r = shared_app.client.get("/api/v1/cities?limit=501&offset=-3", headers=shared_app.tokens.of("staff"))
    assert r.json()["detail"] == "offset: must be 0 or more (got -3); limit: must be 500 or less (got 501)"


def test_whole_numbers_in_plain_digits_are_taken(shared_app: SharedApp) -> None:
    r = shared_app.client.get(
        f"/api/v1/match/providers?city={CITY_ID}&top=3&offset=1", headers=shared_app.tokens.of("staff")
    )
    assert r.status_code == 200, r.text
    assert (r.json()["top"], r.json()["offset"]) == (3, 1)
