"""Last line of defence: confidential values never leave in a response to a caller who may not see them.

Read models keep the focal point and internal fields out of every non-staff answer
(:mod:`matchmaker.services.visibility`), so this middleware should never find anything. It checks the
bytes anyway: for every caller who is not staff it buffers the response body and looks for each
confidential value (see :func:`matchmaker.services.visibility.confidential_terms`) in its raw,
JSON-escaped and HTML-escaped forms. A value found there means some code path leaked it: it is replaced
with ``[redacted]`` and the path is logged as an error (without the value) so that it gets fixed.

Values the caller supplied itself are left as they are: text in its request (path, query, body) and
in the record it speaks for (a provider's own description). A provider that types guessed addresses
into its profile or a search box gets them back as typed, whether a guess is right or not; replacing
the right ones would answer the guess.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

import anyio.to_thread
from litestar.types import Message, Receive, Scope, Send
from sqlalchemy.exc import DBAPIError

from matchmaker.services.container import Services
from matchmaker.services.users import Principal
from matchmaker.web.errors import DATABASE_RETRY_SECONDS, DATABASE_UNAVAILABLE, PROBLEM_JSON, logged_path
from matchmaker.web.middleware import ScopedMiddleware
from matchmaker.wording import counted, noun_for

logger = logging.getLogger(__name__)

REDACTED = b"[redacted]"
_TEXTUAL = (b"json", b"html", b"text", b"javascript", b"xml", b"csv", b"calendar")
#: Request bodies up to this size are kept to tell the caller's own text from a leak.
_REQUEST_KEEP = 2_000_000


def _is_textual(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name.lower() == b"content-type":
            return any(t in value.lower() for t in _TEXTUAL)
    return False


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() == b"content-type" and b"text/html" in value.lower() for name, value in headers)


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def request_texts(scope: Scope, body: bytes) -> list[str]:
    """What the caller sent: the path, the query's names and values, and the body (as sent, its JSON
    strings and its form fields)."""
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    texts = [str(scope.get("path", "")), unquote(query)]
    for name, value in parse_qsl(query, keep_blank_values=True):
        texts += [name, value]
    if body:
        text = body.decode("utf-8", "replace")
        texts.append(text)
        try:
            texts.extend(_json_strings(json.loads(text)))
        except ValueError:
            for name, value in parse_qsl(text, keep_blank_values=True):
                texts += [name, value]
    return texts


#: A route option (``opt={NO_RECORDS: True}``) for answers that hold no record's text (``/health``,
#: ``/ready``): they are not scrubbed, so they answer while the database, which the scrubbing reads,
#: does not.
NO_RECORDS = "no_records"
#: The app state's key of the page (``() -> bytes``) that replaces an HTML answer that could not be
#: checked, so that a person reads that the service is unavailable for a moment, not problem JSON.
UNAVAILABLE_PAGE = "unavailable_page"


def _unavailable(scope: Scope, html: bool) -> tuple[dict[str, Any], bytes]:
    """A 503 for an answer that could not be checked because the database did not answer: the
    unavailable page in place of a page, problem details in place of anything else."""
    retry = (b"retry-after", str(DATABASE_RETRY_SECONDS).encode())
    app = scope.get("app")
    unavailable_page = app.state.get(UNAVAILABLE_PAGE) if html and app is not None else None
    if callable(unavailable_page):
        page = unavailable_page()
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(page)).encode()),
            (b"cache-control", b"no-store"),
            retry,
        ]
        return {"type": "http.response.start", "status": 503, "headers": headers}, page
    body = {
        "type": "about:blank",
        "title": "Service unavailable",
        "status": 503,
        "detail": DATABASE_UNAVAILABLE,
        "instance": str(scope.get("path", "")),
    }
    request_id = scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
    data = json.dumps(body).encode()
    start = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(data)).encode()),
            retry,
        ],
    }
    return start, data


class RedactionMiddleware(ScopedMiddleware):
    """Scrubs confidential values from every response to a caller who is not staff."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if handler is not None and getattr(handler, "opt", {}).get(NO_RECORDS):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] | None = None
        chunks: list[bytes] = []
        sent: list[bytes] = []
        sent_size = 0

        async def recording_receive() -> Message:
            nonlocal sent_size
            message = await receive()
            if message["type"] == "http.request" and sent_size <= _REQUEST_KEEP:
                part = message.get("body", b"")
                sent_size += len(part)
                if sent_size <= _REQUEST_KEEP:
                    sent.append(part)
                else:
                    sent.clear()
            return message  # type: ignore[return-value]

        async def buffered_send(message: Message) -> None:
            nonlocal start
            user = scope.get("user")
            if isinstance(user, Principal) and user.is_staff:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = dict(message)
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = list(start.get("headers", []))
            if body and _is_textual(headers):
                try:
                    body = await self._scrub(scope, body, b"".join(sent))
                except DBAPIError as exc:
                    # Unchecked, the answer might hold a confidential value: it is not sent.
                    logger.error("The confidential values could not be read: %s", str(exc.orig or exc)[:200])  # noqa: TRY400
                    start, body = _unavailable(scope, html=_is_html(headers))
                else:
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                    start["headers"] = headers
            await send(start)  # type: ignore[arg-type]
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, recording_receive, buffered_send)  # type: ignore[arg-type]

    async def _scrub(self, scope: Scope, body: bytes, request_body: bytes) -> bytes:
        user = scope.get("user")
        principal = user if isinstance(user, Principal) else None
        own_city = principal.subject_id if principal is not None and principal.role == "city" else None
        services: Services = scope["app"].state.services
        terms = services.confidential
        pattern = await anyio.to_thread.run_sync(terms.pattern, own_city)
        if pattern is None:
            return body
        found = pattern.found(body)
        if not found:
            return body
        supplied = request_texts(scope, request_body)
        if principal is not None:
            supplied += await anyio.to_thread.run_sync(terms.known_to, principal)
        keep = {term for term in found if any(term in text for text in supplied)}
        if keep == found:
            return body  # only what the caller typed itself, echoed back: nothing leaked
        scrubbed, count = pattern.scrub(body, keep=keep, mark=REDACTED)
        if found - keep <= await anyio.to_thread.run_sync(terms.typed_in_public_text):
            # Values a city typed into its own public text: known (and warned about) since the record
            # was written, so a request showing that record is no leak to log.
            return scrubbed
        logger.error(
            "A response carried %s its caller may not see; %s redacted. Some code path leaks %s: %s %s"
            " (request %s, role %s)",
            counted(count, "confidential value"),
            noun_for(count, "it was", "they were"),
            noun_for(count, "it", "them"),
            scope.get("method"),
            logged_path(scope),
            scope.get("state", {}).get("request_id", "-"),
            principal.role if principal is not None else "anonymous",
        )
        return scrubbed


__all__ = ["REDACTED", "RedactionMiddleware", "request_texts"]
