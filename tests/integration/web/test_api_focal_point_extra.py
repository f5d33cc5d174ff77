"""A focal point's fields beyond name, e-mail and phone are kept, and stay as confidential as the rest.

A corpus file's unknown keys inside ``focal_point`` (a postal address, a second phone) are kept in the
focal point's ``extra``, as a record's own unknown keys are kept in its ``extra``; an API body names
them under ``focal_point.extra`` and a key it does not know is refused, not dropped. Staff and the city
itself see them; another city and a provider never do, in the API, the console, exports and matches.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from web_support import CITY_ID, OTHER_CITY_ID, PROVIDER_ID, Tokens

from matchmaker.web.auth import SESSION_COOKIE
from pdf_support import text as pdf_text

MAIL = "Rruga Sulejman Bushati 14, Kukes 8501"
PHONE2 = "+355 69 555 0147"
FOCAL = {
    "name": "Drita Kola",
    "email": "drita.kola@kukes.example.org",
    "phone": "+355 24 222 0001",
    "extra": {"mail": MAIL, "phone2": PHONE2},
}
EVENT = {
    "id": "fx1",
    "name": "Contacts workshop",
    "timezone": "Europe/Tirane",
    "tables": 2,
    "slots": [{"start": f"2038-03-02T{9 + k:02d}:00", "end": f"2038-03-02T{9 + k:02d}:20"} for k in range(3)],
}


def _upload(api: TestClient[Any], tokens: Tokens, lines: list[dict[str, Any]]) -> Any:
    content = "\n".join(json.dumps(line) for line in lines).encode() + b"\n"
    return api.post(
        "/api/v1/corpus",
        files=[("files", ("cities.jsonl", content, "application/octet-stream"))],
        headers=tokens.of("staff"),
    )


def test_a_corpus_files_unknown_focal_point_fields_are_kept(api: TestClient[Any], tokens: Tokens) -> None:
    city = {
        "id": "fx-town",
        "name": "Fx Town",
        "country": "AL",
        "summary": "A small town that wants its streets named and lit.",
        "founded": 1920,
        "focal_point": {"name": "Ana Fx", "email": "ana@fx.example.org", "mail": MAIL, "phone2": PHONE2},
    }
    r = _upload(api, tokens, [city])
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1
    seen = api.get("/api/v1/cities/fx-town", headers=tokens.of("staff")).json()
    assert seen["extra"] == {"founded": 1920}
    assert seen["focal_point"] == {
        "name": "Ana Fx",
        "email": "ana@fx.example.org",
        "phone": None,
        "extra": {"mail": MAIL, "phone2": PHONE2},
    }


def test_an_api_body_keeps_focal_point_extra_and_refuses_an_unknown_key(
    api: TestClient[Any], tokens: Tokens
) -> None:
    staff = tokens.of("staff")
    before = api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()
    r = api.patch(
        f"/api/v1/cities/{CITY_ID}", json={"focal_point": {"name": "X", "mail": MAIL}}, headers=staff
    )
    assert r.status_code in (400, 422), r.text
    assert "focal_point.mail" in r.text
    assert api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json() == before

    r = api.patch(f"/api/v1/cities/{CITY_ID}", json={"focal_point": FOCAL}, headers=staff)
    assert r.status_code == 200, r.text
    assert api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()["focal_point"] == FOCAL
    own = api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("city")).json()
    assert own["focal_point"]["extra"] == FOCAL["extra"]


def _set_focal_point(api: TestClient[Any], tokens: Tokens) -> None:
    r = api.patch(f"/api/v1/cities/{CITY_ID}", json={"focal_point": FOCAL}, headers=tokens.of("staff"))
    assert r.status_code == 200, r.text


def test_a_patch_of_one_focal_point_field_keeps_the_others(api: TestClient[Any], tokens: Tokens) -> None:
    _set_focal_point(api, tokens)
    staff = tokens.of("staff")
    r = api.patch(
        f"/api/v1/cities/{CITY_ID}", json={"focal_point": {"phone": "+355 24 222 0099"}}, headers=staff
    )
    assert r.status_code == 200, r.text
    stored = api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()["focal_point"]
    assert stored == FOCAL | {"phone": "+355 24 222 0099"}, "the name, e-mail and other fields stay"
    r = api.patch(
        f"/api/v1/cities/{CITY_ID}", json={"focal_point": {"email": None, "extra": {}}}, headers=staff
    )
    assert r.status_code == 200, r.text
    stored = api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()["focal_point"]
    assert stored == FOCAL | {"phone": "+355 24 222 0099", "email": None, "extra": {}}, (
        "what is named is cleared"
    )


def _sign_in(api: TestClient[Any], token: str) -> None:
    """Start a console session the way a browser does: the client keeps its cookie."""
    api.cookies.clear()
    assert api.post("/auth/session", json={"token": token}).status_code == 200
    assert api.cookies.get(SESSION_COOKIE)


def _assert_clean(body: bytes, where: str) -> None:
    for value in (MAIL, PHONE2):
        for form in (value, json.dumps(value)[1:-1]):
            assert form.encode() not in body, f"{where} shows the focal point's {value!r}"
    assert b"[redacted]" not in body, f"{where}: a leak was scrubbed"


def _read_clean(
    api: TestClient[Any], paths: list[str], headers: dict[str, str], folder: Path
) -> dict[str, int]:
    """GET each path; none shows the focal point's extra fields (a PDF's text read too, where poppler
    is installed). The status of each."""
    statuses: dict[str, int] = {}
    for path in paths:
        r = api.get(path, headers=headers, follow_redirects=True)
        statuses[path] = r.status_code
        _assert_clean(r.content, f"GET {path}")
        if r.content.startswith(b"%PDF") and shutil.which("pdftotext") is not None:
            words = "\n".join(pdf_text(r.content, folder))
            assert "workshop" in words.lower(), path  # the text was read
            _assert_clean(words.encode(), f"the text of GET {path}")
    return statuses


@pytest.mark.parametrize("viewer", ["other_city", "provider"])
def test_another_city_and_a_provider_never_see_focal_point_extra(
    api: TestClient[Any], tokens: Tokens, viewer: str, tmp_path: Path
) -> None:
    staff = tokens.of("staff")
    _set_focal_point(api, tokens)
    assert api.post("/api/v1/events", json=EVENT, headers=staff).status_code == 201
    people = [{"id": p} for p in (CITY_ID, OTHER_CITY_ID, PROVIDER_ID)]
    assert api.post("/api/v1/events/fx1/participants", json=people, headers=staff).status_code == 200
    r = api.post("/api/v1/events/fx1/schedule/generate", json={"time_limit": 5}, headers=staff)
    assert r.status_code == 200, r.text
    assert api.post("/api/v1/events/fx1/schedule/publish", headers=staff).status_code == 200

    # Staff see them in the API and the console.
    staff_view = api.get(f"/api/v1/cities/{CITY_ID}", headers=staff)
    assert MAIL in staff_view.text
    _sign_in(api, tokens.staff)
    page = api.get(f"/cities/{CITY_ID}")
    assert page.status_code == 200
    assert MAIL in page.text
    assert PHONE2 in page.text

    me = OTHER_CITY_ID if viewer == "other_city" else PROVIDER_ID
    kind = "city" if viewer == "other_city" else "provider"
    headers = tokens.of(viewer)
    api_paths = [
        "/api/v1/cities?limit=500",
        f"/api/v1/cities/{CITY_ID}",
        f"/api/v1/match/cities?{kind}={me}&top=200",
        "/api/v1/events",
        "/api/v1/events/fx1",
        f"/api/v1/events/fx1/contacts?participant={me}",
        f"/api/v1/events/fx1/agenda/{me}",
        f"/api/v1/events/fx1/agenda/{me}/html",
        f"/api/v1/events/fx1/agenda/{me}/ics",
        f"/api/v1/events/fx1/agenda/{me}/pdf",
    ]
    if viewer == "other_city":
        api_paths += [f"/api/v1/match/providers?city={me}&top=200", f"/api/v1/match/cases?city={me}&top=200"]
    api.cookies.clear()
    assert _read_clean(api, api_paths, headers, tmp_path) == dict.fromkeys(api_paths, 200)

    _sign_in(api, getattr(tokens, viewer))
    console_paths = [
        "/cities",
        f"/cities/{CITY_ID}",
        "/me/requests",
        "/me/agenda",
        "/me/agenda/fx1/agenda",
        "/me/agenda/fx1/calendar",
        "/me/agenda/fx1/pdf",
    ]
    assert _read_clean(api, console_paths, {}, tmp_path) == dict.fromkeys(console_paths, 200)
    api.cookies.clear()


@pytest.mark.parametrize("viewer", ["other_city", "provider"])
def test_a_planted_focal_point_extra_value_is_scrubbed(
    api: TestClient[Any], tokens: Tokens, viewer: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The last line of defence knows the extra fields too: one typed into its city's public text by
    staff never leaves to others. It is warned about once, when written (naming the field, not the
    value), not logged as a leak on every request that shows the record."""
    staff = tokens.of("staff")
    _set_focal_point(api, tokens)
    text = f"Write to the focal point at {MAIL}."
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="matchmaker.services.records"):
        r = api.patch(f"/api/v1/cities/{CITY_ID}", json={"challenges": [text]}, headers=staff)
    assert r.status_code == 200, r.text
    warned = [rec.getMessage() for rec in caplog.records if rec.name == "matchmaker.services.records"]
    assert any("challenges: holds the focal point's contact" in w for w in warned), warned
    assert not any(MAIL in w for w in warned)
    assert MAIL in api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("city")).text
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="matchmaker.web.redaction"):
        seen = api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of(viewer))
    assert seen.status_code == 200
    assert MAIL not in seen.text
    assert "[redacted]" in seen.text
    assert not [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name == "matchmaker.web.redaction"
    ]


def test_a_field_marked_internal_in_the_focal_point_is_for_staff_only(
    api: TestClient[Any], tokens: Tokens
) -> None:
    """The city sees its own focal point, but not a field staff marked internal inside it (a note on
    how to deal with the person), in the API or on its console page, as with a record's own fields."""
    note = "Slow to answer; copy the mayor's office"
    focal = FOCAL | {"extra": {**FOCAL["extra"], "internal_note": note}}
    r = api.patch(f"/api/v1/cities/{CITY_ID}", json={"focal_point": focal}, headers=tokens.of("staff"))
    assert r.status_code == 200, r.text
    staff_view = api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("staff")).json()
    assert staff_view["focal_point"]["extra"]["internal_note"] == note

    own = api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("city"))
    assert own.status_code == 200
    assert own.json()["focal_point"]["extra"] == FOCAL["extra"], "the other fields stay"
    assert note not in own.text
    assert "[redacted]" not in own.text

    _sign_in(api, tokens.city)
    page = api.get(f"/cities/{CITY_ID}")
    assert page.status_code == 200
    assert MAIL in page.text
    assert note not in page.text
    assert "internal_note" not in page.text
    api.cookies.clear()


def test_a_focal_point_given_as_null_is_removed_not_ignored(api: TestClient[Any], tokens: Tokens) -> None:
    """Staff removing a focal point's personal data (the person left) sent ``{"focal_point": null}`` and
    got 200 with the contact still there, stored and shown to the city. It is now removed, as a
    record's own field given as null is cleared; the other fields stay."""
    staff = tokens.of("staff")
    _set_focal_point(api, tokens)
    before = api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()
    r = api.patch(f"/api/v1/cities/{CITY_ID}", json={"focal_point": None}, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["focal_point"] is None
    after = api.get(f"/api/v1/cities/{CITY_ID}", headers=staff).json()
    assert after == {**before, "focal_point": None}
    own = api.get(f"/api/v1/cities/{CITY_ID}", headers=tokens.of("city"))
    assert own.json()["focal_point"] is None
    for value in (FOCAL["email"], MAIL):
        assert value not in own.text
    # A new contact can be given again afterwards.
    r = api.patch(f"/api/v1/cities/{CITY_ID}", json={"focal_point": {"name": "Ana Kola"}}, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["focal_point"] == {"name": "Ana Kola", "email": None, "phone": None, "extra": {}}
