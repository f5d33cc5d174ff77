"""Answers are gzip-compressed for clients that accept it: large pages and API answers, not small ones,
PDFs, HEAD answers, record versions (ETag), requests started by another site, streamed, 304 or
already encoded answers; ``Vary`` is set.

Each compressed body is read as sent (``iter_raw``), decompressed and compared with the same answer
asked for without compression.
"""

from __future__ import annotations

import gzip
import json
import logging
from typing import Any

import pytest
from litestar import Litestar, Response, get
from litestar.response import Stream
from litestar.testing import TestClient
from web_support import CITY_ID, OTHER_CITY_ID, OTHER_PROVIDER_ID, PROVIDER_ID, SharedApp

from events_support import EventCalls, zoneless_event
from matchmaker.web.auth import SESSION_COOKIE
from matchmaker.web.compression import MINIMUM_SIZE, GzipMiddleware, accepts_gzip

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


def _raw(client: TestClient, path: str, headers: dict[str, str], method: str = "GET") -> tuple[Any, bytes]:  # type: ignore[type-arg]
    """The answer and its body as sent (not decoded)."""
    with client.stream(method, path, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def _vary(response: Any) -> list[str]:
    return [n.strip().lower() for v in response.headers.get_list("vary") for n in v.split(",")]


def _session(client: TestClient, token: str) -> str:  # type: ignore[type-arg]
    client.cookies.clear()
    answer = client.post("/auth/session", json={"token": token})
    assert answer.status_code == 200, answer.text
    session = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    return str(session)


def _assert_compressed(client: TestClient, path: str, headers: dict[str, str]) -> bytes:  # type: ignore[type-arg]
    """``path`` answers gzip when asked, the same content as when not asked; the plain body."""
    plain, plain_body = _raw(client, path, {**headers, **IDENTITY})
    assert plain.status_code == 200, plain_body[:300]
    assert "content-encoding" not in plain.headers
    assert "accept-encoding" in _vary(plain)
    assert int(plain.headers["content-length"]) == len(plain_body)
    packed, packed_body = _raw(client, path, {**headers, **GZIP})
    assert packed.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in _vary(packed)
    assert int(packed.headers["content-length"]) == len(packed_body)
    assert gzip.decompress(packed_body) == plain_body
    assert len(packed_body) < len(plain_body) / 2
    return plain_body


def _assert_plain(response: Any, body: bytes) -> None:
    assert "content-encoding" not in response.headers
    if "content-length" in response.headers:
        assert int(response.headers["content-length"]) == len(body)


@pytest.fixture(scope="module")
def published(shared_app: SharedApp) -> str:
    """An event with a published schedule: its id."""
    calls = EventCalls(shared_app.services)
    zoneless_event(calls, "gz", [CITY_ID, OTHER_CITY_ID, PROVIDER_ID, OTHER_PROVIDER_ID], tables=2)
    calls.plan(lambda p: p.generate("gz", time_limit=5))
    calls.plan(lambda p: p.publish("gz"))
    return "gz"


def test_a_large_api_answer_is_compressed_when_asked(shared_app: SharedApp) -> None:
    body = _assert_compressed(shared_app.client, "/api/v1/cities?limit=100", shared_app.tokens.of("staff"))
    assert json.loads(body)


def test_a_large_console_page_is_compressed_when_asked(shared_app: SharedApp) -> None:
    client = shared_app.client
    session = _session(client, shared_app.tokens.staff)
    client.cookies.set(SESSION_COOKIE, session)
    try:
        body = _assert_compressed(client, "/cities", {})
        assert body.startswith(b"<!doctype html>") or body.lower().startswith(b"<!doctype html>")
        # an htmx request for the same list (its partial) is compressed too
        _assert_compressed(client, "/cities", {"HX-Request": "true"})
    finally:
        client.cookies.clear()


def test_nothing_is_compressed_unless_asked(shared_app: SharedApp) -> None:
    client, staff = shared_app.client, shared_app.tokens.of("staff")
    for headers in (
        {"Accept-Encoding": ""},
        {"Accept-Encoding": "gzip;q=0, identity"},
        {"Accept-Encoding": "br"},
    ):
        response, body = _raw(client, "/api/v1/cities?limit=100", {**staff, **headers})
        assert response.status_code == 200
        _assert_plain(response, body)
        assert "accept-encoding" in _vary(response)
        assert json.loads(body)


def test_small_answers_are_not_compressed(shared_app: SharedApp) -> None:
    client = shared_app.client
    response, body = _raw(client, "/api/v1/me", {**shared_app.tokens.of("staff"), **GZIP})
    assert response.status_code == 200
    assert len(body) < MINIMUM_SIZE
    _assert_plain(response, body)
    assert "accept-encoding" in _vary(response)


def test_a_pdf_is_not_compressed(shared_app: SharedApp, published: str) -> None:
    client = shared_app.client
    path = f"/api/v1/events/{published}/agenda/{CITY_ID}/pdf"
    response, body = _raw(client, path, {**shared_app.tokens.of("city"), **GZIP})
    assert response.status_code == 200, body[:300]
    assert response.headers["content-type"].startswith("application/pdf")
    assert len(body) > MINIMUM_SIZE
    assert body.startswith(b"%PDF")
    _assert_plain(response, body)
    assert "accept-encoding" not in _vary(response)  # never compressed, whatever is asked


def test_head_is_not_compressed_and_says_what_get_says(shared_app: SharedApp) -> None:
    client, staff = shared_app.client, shared_app.tokens.of("staff")
    path = "/api/v1/cities?limit=100"
    _, plain_body = _raw(client, path, {**staff, **IDENTITY})
    head, head_body = _raw(client, path, {**staff, **GZIP}, method="HEAD")
    assert head.status_code == 200
    assert head_body == b""
    assert "content-encoding" not in head.headers
    assert head.headers["content-length"] == str(len(plain_body))
    assert "accept-encoding" in _vary(head)


def test_a_request_from_another_site_is_not_compressed(shared_app: SharedApp) -> None:
    """A page of a sibling origin (same site: the session cookie goes with it) cannot read an answer's
    compressed length to guess its content."""
    client, staff = shared_app.client, shared_app.tokens.of("staff")
    for site in ("same-site", "cross-site"):
        response, body = _raw(client, "/api/v1/cities?limit=100", {**staff, **GZIP, "Sec-Fetch-Site": site})
        assert response.status_code == 200
        _assert_plain(response, body)
        assert "accept-encoding" in _vary(response)
    for site in ("same-origin", "none"):
        response, _ = _raw(client, "/api/v1/cities?limit=100", {**staff, **GZIP, "Sec-Fetch-Site": site})
        assert response.headers["content-encoding"] == "gzip"


def test_a_record_with_its_version_is_sent_as_tagged(shared_app: SharedApp) -> None:
    """A record's ETag is its version, sent back in If-Match: the record is not compressed, the tag
    stays strong and still names the version."""
    client, staff = shared_app.client, shared_app.tokens.of("staff")
    path = f"/api/v1/cities/{CITY_ID}"
    response, body = _raw(client, path, {**staff, **GZIP})
    assert response.status_code == 200
    assert len(body) > MINIMUM_SIZE
    _assert_plain(response, body)
    tag = response.headers["etag"]
    assert not tag.startswith("W/")
    changed = client.patch(path, json={"population": 50_001}, headers={**staff, "If-Match": tag})
    assert changed.status_code == 200, changed.text


def test_a_static_file_is_compressed_with_a_weak_tag(shared_app: SharedApp) -> None:
    client = shared_app.client
    plain, _ = _raw(client, "/static/htmx.min.js", IDENTITY)
    _assert_compressed(client, "/static/htmx.min.js", {})
    packed, _ = _raw(client, "/static/htmx.min.js", GZIP)
    assert packed.headers["etag"] == f"W/{plain.headers['etag']}"


def test_confidential_values_are_scrubbed_before_compression(
    shared_app: SharedApp, caplog: pytest.LogCaptureFixture
) -> None:
    """The redaction reads the answer before it is compressed: a focal-point e-mail planted in public
    text does not reach a provider in a compressed answer either."""
    client, tokens = shared_app.client, shared_app.tokens
    staff = tokens.of("staff")
    path = f"/api/v1/cities/{CITY_ID}"
    city = client.get(path, headers=staff).json()
    email = city["focal_point"]["email"]
    text = f"Contact the focal point at {email} for the pilot. " + "Street lighting. " * 100
    assert client.patch(path, json={"challenges": [text]}, headers=staff).status_code == 200
    try:
        with caplog.at_level(logging.ERROR, logger="matchmaker.web.redaction"):
            response, body = _raw(client, "/api/v1/cities?limit=100", {**tokens.of("provider"), **GZIP})
        assert response.headers["content-encoding"] == "gzip"
        plain = gzip.decompress(body)
        assert email.encode() not in plain
        assert b"[redacted]" in plain
    finally:
        assert client.patch(path, json={"challenges": city["challenges"]}, headers=staff).status_code == 200


def test_the_access_line_counts_the_bytes_sent(
    shared_app: SharedApp, caplog: pytest.LogCaptureFixture
) -> None:
    client, staff = shared_app.client, shared_app.tokens.of("staff")
    with caplog.at_level(logging.INFO, logger="matchmaker.access"):
        caplog.clear()
        _, packed = _raw(client, "/api/v1/cities?limit=100", {**staff, **GZIP})
        _, plain = _raw(client, "/api/v1/cities?limit=100", {**staff, **IDENTITY})
    sent = [json.loads(r.getMessage())["bytes"] for r in caplog.records if r.name == "matchmaker.access"]
    assert sent == [len(packed), len(plain)]
    assert len(packed) < len(plain)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("GZIP;q=0.5", True),
        ("x-gzip", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip;q=0.0, *", False),
        ("*;q=0", False),
        ("identity", False),
        ("br, deflate", False),
        ("", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(value: str, accepted: bool) -> None:
    assert accepts_gzip(value) is accepted


def _small_app() -> Litestar:
    """An app of a streamed answer, a 304 and an answer already encoded, behind the compression."""
    text = "Street lighting retrofit, 12 districts. " * 100

    @get("/stream", media_type="text/plain", sync_to_thread=False)
    def stream() -> Stream:
        return Stream(iter([text.encode()] * 3), media_type="text/plain")

    @get("/unchanged", sync_to_thread=False)
    def unchanged() -> Response[bytes]:
        return Response(b"", status_code=304, media_type="text/html")

    @get("/encoded", sync_to_thread=False)
    def encoded() -> Response[bytes]:
        packed = gzip.compress(json.dumps({"text": text}).encode())
        return Response(packed, media_type="application/json", headers={"Content-Encoding": "gzip"})

    app = Litestar([stream, unchanged, encoded])
    app.asgi_handler = GzipMiddleware(app.asgi_handler)
    return app


def test_streamed_unchanged_and_encoded_answers_pass_as_they_are() -> None:
    with TestClient(_small_app()) as client:
        response, body = _raw(client, "/stream", GZIP)
        assert response.status_code == 200
        assert "content-encoding" not in response.headers
        assert body == ("Street lighting retrofit, 12 districts. " * 100).encode() * 3
        assert "accept-encoding" in _vary(response)
        response, body = _raw(client, "/unchanged", GZIP)
        assert response.status_code == 304
        assert "content-encoding" not in response.headers
        assert body == b""
        response, body = _raw(client, "/encoded", GZIP)
        assert response.headers["content-encoding"] == "gzip"
        assert json.loads(gzip.decompress(body))["text"].startswith("Street lighting")
