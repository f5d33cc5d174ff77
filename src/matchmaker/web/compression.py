"""Answers compressed with gzip for clients that accept it.

At a large event the console's schedule tab is megabytes of HTML and the participants tab, the API's
plan and statistics hundreds of kilobytes, often fetched over venue Wi-Fi; as gzip they are 8 to 20
times smaller (``bench/README.md``, "Compression"). :class:`GzipMiddleware` wraps the whole app,
outside the route's middlewares, so that:

* :class:`~matchmaker.web.redaction.RedactionMiddleware` reads the answer before it is compressed
  (inside it, the scrubbing would look for confidential values in gzip bytes and find none);
* a HEAD request is seen as HEAD (:class:`~matchmaker.web.head.HeadAsGet` runs inside): its answer,
  which has no body, is not compressed for nothing; it carries the same ``Vary``;
* the access line (:class:`~matchmaker.web.logs.RequestContextMiddleware`, outside this one) counts
  the bytes that are sent, compressed.

Litestar's own ``CompressionConfig`` is not used: it puts its middleware inside each route's
middlewares (under the redaction) and compresses any body of its minimum size whatever its type,
encoding, ``ETag`` or origin, and it reads ``Accept-Encoding`` without its q-values.

An answer is compressed when

* the request accepts gzip (``Accept-Encoding``, with its q-values: ``gzip;q=0`` refuses it);
* it is not HEAD, and was started by a page of this server or by the user (``Sec-Fetch-Site`` is
  ``same-origin`` or ``none``) or by a client that does not say (API clients, older browsers). A page
  of a sibling origin, whose requests carry the console's ``SameSite=Strict`` cookie, gets answers
  whose length follows the content alone (BREACH; see ``docs/deploy.md``, "Compression");
* its status has a body (not 1xx, 204 or 304) and it is not already encoded;
* its type is text (HTML, JSON, CSV, iCalendar, CSS, JavaScript, XML). PDF and XLSX files are
  compressed already: gzip takes 10 % off a booklet PDF and 3 % off an XLSX export, for 80 ms of
  work on the booklet of 200 participants;
* its body is sent in one piece of at least :data:`MINIMUM_SIZE` bytes. A body streamed in several
  pieces is passed on as it comes, so that no stream waits for a buffer to fill;
* it has no strong ``ETag`` under ``/api/``: there an ``ETag`` is a record's version, which clients
  send back in ``If-Match`` and which is compared strongly, so the record is sent as it was tagged.
  Elsewhere (the static files) a compressed answer's ``ETag`` is made weak, as its bytes differ.

Every answer of a text type says ``Vary: Accept-Encoding``, compressed or not, so that a cache never
gives a compressed answer to a client that did not ask for one. A compressed answer has the
``Content-Length`` of the compressed body. Bodies of :data:`THREAD_SIZE` bytes or more are
compressed in a worker thread (zlib lets go of the interpreter lock meanwhile), so that the event
loop goes on serving other requests.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
from litestar.types import Message, Receive, Scope, Send

from matchmaker.web.middleware import ScopedMiddleware

#: gzip's level: at 5 the largest answers are within 1-7 % of level 6's bytes (the schedule tab of
#: 1,000 participants: 139 KB against 137 KB of 2.1 MB) in about three quarters of its time; level 1
#: sends a fifth more, level 9 saves another 2-4 % for twice the time (``bench/README.md``,
#: "Compression").
GZIP_LEVEL = 5
#: Smaller bodies are sent as they are: with their headers (225-430 bytes here) they take one or two
#: TCP segments either way, well inside a connection's first flight (ten segments), so compressing
#: them would save a few hundred bytes at most and no round trip, for the work of it.
MINIMUM_SIZE = 1024
#: Bodies at least this large are compressed off the event loop (about a millisecond of work).
THREAD_SIZE = 64 * 1024

_TEXT_TYPES = frozenset(
    {
        b"application/json",
        b"application/javascript",
        b"application/xml",
        b"image/svg+xml",
    }
)
#: ``Sec-Fetch-Site`` values of requests started by this server's own pages or by the user.
_OWN_REQUESTS = frozenset({b"same-origin", b"none"})
_NO_BODY = frozenset({204, 304})


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The value of the ASGI header ``name`` (lower case), or None."""
    for key, value in headers:
        if key.lower() == name:
            return bytes(value)
    return None


def accepts_gzip(value: str) -> bool:
    """Whether an ``Accept-Encoding`` value accepts gzip: named (or ``x-gzip``) with a q-value above 0,
    or not named and ``*`` accepted."""
    named: float | None = None
    anything: float | None = None
    for part in value.split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, number = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(number)
                except ValueError:
                    q = 0.0
        coding = coding.lower()
        if coding in {"gzip", "x-gzip"}:
            named = q if named is None else max(named, q)
        elif coding == "*":
            anything = q
    if named is not None:
        return named > 0
    return anything is not None and anything > 0


def is_text(content_type: bytes | None) -> bool:
    """Whether a ``Content-Type`` names a type gzip makes smaller (text, JSON, XML, JavaScript)."""
    if not content_type:
        return False
    media = content_type.split(b";", 1)[0].strip().lower()
    return media.startswith(b"text/") or media in _TEXT_TYPES or media.endswith((b"+json", b"+xml"))


def _request_allows(scope: Scope) -> bool:
    if scope.get("method") == "HEAD":
        return False
    headers = scope.get("headers", [])
    accept = b",".join(v for k, v in headers if k == b"accept-encoding")
    if not accept or not accepts_gzip(accept.decode("latin-1")):
        return False
    site = _header(headers, b"sec-fetch-site")
    return site is None or site.lower() in _OWN_REQUESTS


def _with_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` whose ``Vary`` names ``Accept-Encoding`` (added to the names already there)."""
    names: list[bytes] = []
    for key, value in headers:
        if key.lower() == b"vary":
            names += [n.strip() for n in value.split(b",") if n.strip()]
    if any(n == b"*" or n.lower() == b"accept-encoding" for n in names):
        return headers
    kept = [(k, v) for k, v in headers if k.lower() != b"vary"]
    return [*kept, (b"vary", b", ".join([*names, b"Accept-Encoding"]))]


def _compressible(scope: Scope, start: dict[str, Any]) -> bool:
    status = int(start.get("status", 200))
    headers = start.get("headers", [])
    if status < 200 or status in _NO_BODY or _header(headers, b"content-encoding") is not None:
        return False
    return not _is_record_version(scope, _header(headers, b"etag"))


def _is_record_version(scope: Scope, tag: bytes | None) -> bool:
    """Whether ``tag`` is a record's version: a strong ``ETag`` of an API answer."""
    return tag is not None and not tag.startswith(b"W/") and str(scope.get("path", "")).startswith("/api/")


def compress(body: bytes) -> bytes:
    """``body`` as gzip at :data:`GZIP_LEVEL` (the same bytes each time: no time in the header)."""
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class GzipMiddleware(ScopedMiddleware):
    """Compresses the answers that can be (see the module's docstring) for clients that accept gzip."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = _request_allows(scope)
        start: dict[str, Any] | None = None
        passing = False

        async def compressing_send(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not is_text(_header(headers, b"content-type")):
                    passing = True
                    await send(message)
                    return
                start = {**message, "headers": _with_vary(headers)}
                if not allowed or not _compressible(scope, start):
                    passing = True
                    await send(start)  # type: ignore[arg-type]
                return
            if passing or start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body = message.get("body", b"")
            first, start, passing = start, None, True
            if message.get("more_body", False) or len(body) < MINIMUM_SIZE:
                await send(first)  # type: ignore[arg-type]
                await send(message)
                return
            if len(body) >= THREAD_SIZE:
                packed = await anyio.to_thread.run_sync(compress, body)
            else:
                packed = compress(body)
            headers = [(k, v) for k, v in first["headers"] if k.lower() not in {b"content-length", b"etag"}]
            tag = _header(first["headers"], b"etag")
            if tag is not None:
                headers.append((b"etag", tag if tag.startswith(b"W/") else b"W/" + tag))
            headers += [(b"content-encoding", b"gzip"), (b"content-length", str(len(packed)).encode())]
            await send({**first, "headers": headers})  # type: ignore[arg-type]
            await send({"type": "http.response.body", "body": packed, "more_body": False})

        await self.app(scope, receive, compressing_send)


__all__ = ["GZIP_LEVEL", "MINIMUM_SIZE", "GzipMiddleware", "accepts_gzip", "compress", "is_text"]
