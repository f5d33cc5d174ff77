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
    "slots": [{"start": f"2038-03-02T{9 + k:02d}:00", "end": f"2038-03-02T{9 + k:02d}:20"} for k in range(3)],
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


def test_console_agendas_carry_the_content_security_policy(shared_app: SharedApp) -> None:
    """The printable agendas the console serves (to staff and to the participant itself) are HTML with
    the participant's text: no script may run in them either."""
    api, tokens = shared_app.client, shared_app.tokens
    staff = tokens.of("staff")
    event = {**EVENT, "id": "hdr-console"}
    assert api.post(BASE, json=event, headers=staff).status_code == 201
    people = [{"id": p} for p in (CITY_ID, PROVIDER_ID)]
    assert api.post(f"{BASE}/hdr-console/participants", json=people, headers=staff).status_code == 200
    assert (
        api.post(f"{BASE}/hdr-console/schedule/generate", json={"time_limit": 5}, headers=staff).status_code
        == 200
    )
    assert api.post(f"{BASE}/hdr-console/schedule/publish", headers=staff).status_code == 200
    for token, path in (
        (tokens.staff, f"/events/hdr-console/agenda/{CITY_ID}"),
        (tokens.city, "/me/agenda/hdr-console/agenda"),
    ):
        api.cookies.clear()
        assert api.post("/auth/session", json={"token": token}).status_code == 200
        r = api.get(path)
        api.cookies.clear()
        assert r.status_code == 200, (path, r.text[:300])
        assert r.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in r.headers["content-security-policy"], path
        assert _nosniff_count(r) == 1


def test_options_lists_every_method_of_the_path(shared_app: SharedApp) -> None:
    api, staff = shared_app.client, shared_app.tokens.of("staff")
    for path, methods in (
        ("/api/v1/cities", "GET, HEAD, OPTIONS, POST"),
        (f"/api/v1/cities/{CITY_ID}", "DELETE, GET, HEAD, OPTIONS, PATCH"),
        ("/auth/session", "DELETE, OPTIONS, POST"),
        ("/health", "GET, HEAD, OPTIONS"),
    ):
        r = api.options(path, headers=staff)
        assert r.status_code == 204, path
        assert r.headers["allow"] == methods, path


def test_signing_out_is_an_empty_204_that_clears_the_cookie(shared_app: SharedApp) -> None:
    api = shared_app.client
    api.cookies.clear()
    assert api.post("/auth/session", json={"token": shared_app.tokens.staff}).status_code == 200
    r = api.delete("/auth/session")
    assert r.status_code == 204
    assert r.content == b""
    assert "content-type" not in r.headers
    assert 'mm_session=""' in r.headers["set-cookie"]
    assert "Max-Age=0" in r.headers["set-cookie"]
    assert api.get("/api/v1/me").status_code == 401


def test_text_downloads_name_their_charset_once(shared_app: SharedApp) -> None:
    api, tokens = shared_app.client, shared_app.tokens
    staff = tokens.of("staff")
    event = {**EVENT, "id": "hdr-charset"}
    assert api.post(BASE, json=event, headers=staff).status_code == 201
    people = [{"id": p} for p in (CITY_ID, PROVIDER_ID)]
    assert api.post(f"{BASE}/hdr-charset/participants", json=people, headers=staff).status_code == 200
    assert api.post(f"{BASE}/hdr-charset/schedule/generate", json={}, headers=staff).status_code == 200
    assert api.post(f"{BASE}/hdr-charset/schedule/publish", headers=staff).status_code == 200
    feed = api.post(f"{BASE}/hdr-charset/agenda/{CITY_ID}/feed", headers=staff).json()["path"]
    for path, expected in (
        (f"{BASE}/hdr-charset/export/csv", "text/csv; charset=utf-8"),
        (f"{BASE}/hdr-charset/agenda/{CITY_ID}/html", "text/html; charset=utf-8"),
        (f"{BASE}/hdr-charset/agenda/{CITY_ID}/ics", "text/calendar; charset=utf-8"),
        (feed, "text/calendar; charset=utf-8"),
    ):
        r = api.get(path, headers=staff)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["content-type"] == expected, path


def test_head_answers_as_get_does_without_the_body(shared_app: SharedApp) -> None:
    """A load balancer's or monitor's HEAD probe (`curl -I`) gets the GET's status and headers."""
    client = shared_app.client
    staff = shared_app.tokens.of("staff")
    for path, headers in (
        ("/health", {}),
        ("/ready", {}),
        (f"/api/v1/cities/{CITY_ID}", staff),
        ("/api/v1/cities/no-such-city", staff),
        ("/api/v1/cities", {}),
    ):
        got = client.get(path, headers=headers)
        head = client.head(path, headers=headers)
        assert head.status_code == got.status_code, (path, head.status_code, head.text)
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers.get("etag") == got.headers.get("etag"), path
        assert head.headers.get("www-authenticate") == got.headers.get("www-authenticate"), path
    assert client.head("/health").status_code == 200
    refused = client.put("/health")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, OPTIONS"
