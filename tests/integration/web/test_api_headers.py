"""Security headers: nosniff exactly once on every answer, problems included; HTML exports carry a CSP."""

from __future__ import annotations

from typing import Any

from web_support import CITY_ID, OTHER_CITY_ID, OTHER_PROVIDER_ID, PROVIDER_ID, SharedApp

BASE = "/api/v1/events"
EVENT = {
    "id": "hdr",
    "name": "Headers workshop",
    "timezone": "Europe/Istanbul",
    "tables": 2,
    "slots": [{"start": f"2027-03-02T{9 + k:02d}:00", "end": f"2027-03-02T{9 + k:02d}:20"} for k in range(3)],
}


def _nosniff_count(response: Any) -> int:
    return sum(1 for k, _ in response.headers.multi_items() if k.lower() == "x-content-type-options")


def test_nosniff_once_on_answers_and_problems(shared_app: SharedApp) -> None:
    api, tokens = shared_app.client, shared_app.tokens
    for path, headers, status in (
        ("/health", {}, 200),
        (f"/api/v1/cities/{CITY_ID}", tokens.of("staff"), 200),
        ("/api/v1/cities/no-such-city", tokens.of("staff"), 404),
        ("/api/v1/cities", {}, 401),
        ("/signin", {}, 200),
    ):
        r = api.get(path, headers=headers)
        assert r.status_code == status, (path, r.text)
        assert _nosniff_count(r) == 1, (path, r.headers)
        assert r.headers["x-content-type-options"] == "nosniff"


def test_agenda_html_export_carries_a_content_security_policy(shared_app: SharedApp) -> None:
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    assert api.post(BASE, json=EVENT, headers=staff).status_code == 201
    people = [{"id": p} for p in (CITY_ID, OTHER_CITY_ID, PROVIDER_ID, OTHER_PROVIDER_ID)]
    assert api.post(f"{BASE}/hdr/participants", json=people, headers=staff).status_code == 200
    assert api.post(f"{BASE}/hdr/schedule/generate", json={"time_limit": 5}, headers=staff).status_code == 200
    assert api.post(f"{BASE}/hdr/schedule/publish", headers=staff).status_code == 200
    r = api.get(f"{BASE}/hdr/agenda/{CITY_ID}/html", headers=shared_app.tokens.of("city"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    policy = r.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # no script source at all: default-src 'none' forbids scripts
    assert _nosniff_count(r) == 1
