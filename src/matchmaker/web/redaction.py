"""Last line of defence: confidential values never leave in a response to a caller who may not see them.

Read models already keep the focal point and internal fields out of non-staff responses. This
middleware checks the bytes anyway: for every caller who is not staff it buffers the response body
and replaces each confidential value (see :func:`matchmaker.services.visibility.confidential_terms`),
in its raw, JSON-escaped and HTML-escaped forms, with ``[redacted]``. A replacement means some code
path tried to leak; it is logged (without the value) so that the path gets fixed.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from matchmaker.services.container import Services
from matchmaker.services.users import Principal

logger = logging.getLogger(__name__)

REDACTED = b"[redacted]"
_TEXTUAL = (b"json", b"html", b"text", b"javascript", b"xml", b"csv", b"calendar")


def _is_textual(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name.lower() == b"content-type":
            return any(t in value.lower() for t in _TEXTUAL)
    return False


class RedactionMiddleware:
    """Scrubs confidential values from every response to a caller who is not staff."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] | None = None
        chunks: list[bytes] = []

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
                body = await self._scrub(scope, body)
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                start["headers"] = headers
            await send(start)  # type: ignore[arg-type]
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, buffered_send)

    async def _scrub(self, scope: Scope, body: bytes) -> bytes:
        user = scope.get("user")
        own_city = user.subject_id if isinstance(user, Principal) and user.role == "city" else None
        services: Services = scope["app"].state.services
        terms = services.confidential
        pattern = await anyio.to_thread.run_sync(terms.pattern, own_city)
        if pattern is None:
            return body
        scrubbed, count = pattern.subn(REDACTED, body)
        if count:
            logger.warning(
                "Redacted %d confidential value(s) from the response to %s %s (request %s)",
                count,
                scope.get("method"),
                scope.get("path"),
                scope.get("state", {}).get("request_id", "-"),
            )
        return scrubbed


__all__ = ["REDACTED", "RedactionMiddleware"]
