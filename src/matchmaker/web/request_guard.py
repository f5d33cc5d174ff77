"""Checks on a request before any handler parses it: content type, JSON depth, cookie-borne API writes.

:class:`RequestGuardMiddleware` answers with a problem document, without reaching a handler, when

* a write to ``/api/v1`` or ``/auth`` sends a body whose content type is not JSON (415); the corpus
  upload takes ``multipart/form-data`` and nothing else (415 saying so). A JSON body sent as
  ``text/plain`` is what a page on another site can post without a preflight, so it is refused
  rather than parsed;
* a JSON body nests deeper than ``Settings.max_json_depth`` (400). Deep nesting exhausts the parser's
  recursion (a 500 before this check) for a couple of kilobytes of input;
* a JSON body names a field twice in one object (400 naming it, as for a query parameter given
  twice): the parser would keep the last value and drop the other without a word;
* a JSON body holds text with half of a character (an unpaired surrogate escape such as ``\\ud83d``,
  what a client sends that cut a text in the middle of an emoji): 422 naming the field, as for a NUL
  character. The app's parser refuses such a body as malformed, and for one at the end of a text says
  that the input "was truncated", which sends the client looking for a body cut short;
* a write to ``/api/v1`` is authenticated by the console's session cookie (no ``Authorization``
  header) and its ``Origin`` is not this server's (403). The browser sends the cookie with requests
  started by a sibling origin (same site), so the cookie alone proves nothing about who started the
  request; bearer-token callers are not affected, since a browser never adds their header by itself.

The JSON body is buffered here (it is bounded by the app's body limit) and replayed to the app.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.types import Receive, ReceiveMessage, Scope, Send

from matchmaker.corpus.reader import json_depth, repeated_fields
from matchmaker.db.engine import unstorable
from matchmaker.web.auth import credentials
from matchmaker.web.errors import problem
from matchmaker.web.middleware import ScopedMiddleware

logger = logging.getLogger(__name__)

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_GUARDED_PREFIXES = ("/api/v1/", "/auth/")
_MULTIPART_PATHS = frozenset({"/api/v1/corpus"})
_SEND_FILES = "send the files as multipart/form-data, one `files` part each (such as cities.jsonl)"
#: Bodies larger than this are passed on unchecked: the app's body limit (1 MB) refuses them with 413.
_BUFFER_CAP = 2_000_000


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def is_json_media_type(content_type: str) -> bool:
    """Whether a ``Content-Type`` names JSON (``application/json`` or ``application/*+json``)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def same_origin(scope: Scope) -> bool:
    """Whether the request's ``Origin`` (or, lacking one, ``Sec-Fetch-Site``) says it comes from here."""
    origin = _header(scope, b"origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc.lower() == _header(scope, b"host").lower()
    return not origin and _header(scope, b"sec-fetch-site").lower() == "same-origin"


#: The escape of a surrogate, half of a character (``\ud83d``): only a body holding one is parsed again.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _has_half_character(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_half_character(k) or _has_half_character(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_half_character(item) for item in value)
    return False


def half_characters(body: bytes) -> str | None:
    """``field: reason`` for a JSON body whose text holds an unpaired surrogate (half of a character,
    written as an escape: raw bytes of one are no UTF-8, which the app refuses itself), naming the
    first text no database can store; None for any other body, JSON or not."""
    if _SURROGATE_ESCAPE.search(body) is None:  # most bodies, "\u00eb" escapes and all
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return unstorable(value) if _has_half_character(value) else None


class RequestGuardMiddleware(ScopedMiddleware):
    """See the module docstring."""

    def applies(self, scope: Scope) -> bool:
        """HTTP requests that may change something (not GET, HEAD or OPTIONS)."""
        return super().applies(scope) and scope.get("method") in _UNSAFE

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if not path.startswith(_GUARDED_PREFIXES):
            await self.app(scope, receive, send)
            return
        if path.startswith("/api/v1/") and not same_origin(scope):
            _, source = credentials(scope)
            if source == "cookie":
                logger.warning(
                    "Refused a cookie-authenticated %s %s from another origin", scope.get("method"), path
                )
                await self._refuse(
                    scope,
                    receive,
                    send,
                    403,
                    "a request authenticated by the session cookie must come from this site's own pages; "
                    "other clients send Authorization: Bearer TOKEN",
                )
                return
        content_type = _header(scope, b"content-type")
        has_body = _header(scope, b"content-length") not in ("", "0") or bool(
            _header(scope, b"transfer-encoding")
        )
        if not has_body:
            await self.app(scope, receive, send)
            return
        got = content_type.split(";")[0].strip() or "none"
        if path.rstrip("/") in _MULTIPART_PATHS:
            if content_type.lower().startswith("multipart/form-data"):
                await self.app(scope, receive, send)
                return
            await self._refuse(scope, receive, send, 415, f"{_SEND_FILES} (got {got})")
            return
        if not is_json_media_type(content_type):
            await self._refuse(scope, receive, send, 415, f"send the body as application/json (got {got})")
            return
        await self._check_json(scope, receive, send)

    async def _check_json(self, scope: Scope, receive: Receive, send: Send) -> None:
        services = scope["app"].state.services
        limit: int = services.settings.max_json_depth
        cap = _BUFFER_CAP
        messages: list[ReceiveMessage] = []
        body = bytearray()
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False) or len(body) > cap:
                break
        if len(body) <= cap and json_depth(bytes(body)) > limit:
            await self._refuse(
                scope, receive, send, 400, f"the JSON body is nested more than {limit} levels deep"
            )
            return
        repeated = repeated_fields(bytes(body)) if len(body) <= cap else []
        if repeated:
            errors = [
                {"key": path, "message": f"given {n} times; give it once", "source": "body"}
                for path, n in repeated
            ]
            detail = "; ".join(f"{e['key']}: {e['message']}" for e in errors)
            await self._refuse(scope, receive, send, 400, detail, extra={"errors": errors})
            return
        half = half_characters(bytes(body)) if len(body) <= cap else None
        if half is not None:
            key, reason = half.split(": ", 1)
            errors = [{"key": key, "message": reason, "source": "body"}]
            await self._refuse(
                scope, receive, send, 422, half, extra={"errors": errors}, title="Invalid input"
            )
            return
        pending = list(messages)

        async def replay() -> ReceiveMessage:
            if pending:
                return pending.pop(0)
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        detail: str,
        *,
        extra: dict[str, Any] | None = None,
        title: str | None = None,
    ) -> None:
        request: Request[Any, Any, Any] = Request(scope, receive, send)
        response = problem(request, status, detail, extra=extra, title=title)
        await response.to_asgi_response(None, request)(scope, receive, send)


__all__ = [
    "RequestGuardMiddleware",
    "half_characters",
    "is_json_media_type",
    "json_depth",
    "repeated_fields",
    "same_origin",
]
