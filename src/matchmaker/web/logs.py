"""Structured access logs with a request id, and the server's logging set-up.

Each request gets an id: the caller's ``X-Request-ID`` when it is a short token of safe characters,
otherwise a fresh one. It is echoed in the ``X-Request-ID`` response header and in problem details,
and every access line carries it. Access lines are one JSON object each, written by the logger
``matchmaker.access``::

    {"event": "access", "request_id": "...", "method": "GET", "path": "/api/v1/cities", "status": 200,
     "duration_ms": 3.1, "user": 4, "role": "staff", "client": "127.0.0.1", "proxy": null, "bytes": 5120}

``client`` is the address the rate limits and the bound on failed sign-ins count
(:func:`~matchmaker.web.ratelimit.client_address`): behind a trusted proxy
(``trust_proxy_headers``), the one the proxy forwarded in ``X-Forwarded-For``, and then ``proxy`` is the
proxy's (the peer's); otherwise the peer's, and ``proxy`` is ``null``.

``bytes`` is the body as it was sent: this middleware wraps the compression
(:mod:`matchmaker.web.compression`), so a compressed answer counts its compressed bytes, what crossed
the network (headers left out; 0 for HEAD).

Neither headers nor query strings are logged, so tokens and cookies never reach the log. Nor do
the secrets some addresses carry in their path (an invitation's one-time sign-in link,
``/invite/TOKEN``, and a calendar feed's ``/feeds/TOKEN.ics``, each a credential by itself): the line
gives such a path as its route's template (``/invite/{token}``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.types import Message, Receive, Scope, Send

from matchmaker.web.errors import logged_path
from matchmaker.web.middleware import ScopedMiddleware
from matchmaker.web.ratelimit import client_addresses

access_logger = logging.getLogger("matchmaker.access")

REQUEST_ID_HEADER = "x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
#: ``{city_id:str}`` in a route's path is ``{city_id}`` in the matched path template.
_PARAM_TYPE = re.compile(r"\{(\w+):\w+\}")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1")
            if _SAFE_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


#: The policy of HTML documents that are not console pages: no script, no plug-in, no form, no framing.
EXPORT_CSP = (
    b"default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; "
    b"frame-ancestors 'none'; base-uri 'none'"
)


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b"content-type" and b"text/html" in v.lower() for k, v in headers)


def _with_route_allow(scope: Scope, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The automatic ``OPTIONS`` answer with an ``Allow`` that lists every method of the route.

    Litestar (2.25) builds that answer with the methods of the first handlers registered at a path;
    handlers added later to the same path (``GET`` and ``POST`` of one collection) are served but
    missing from ``Allow``. The app's routes at the matched path template are the full list.
    """
    template = scope.get("path_template")
    app = scope.get("app")
    if not template or app is None or not any(k.lower() == b"allow" for k, _ in headers):
        return headers
    methods: set[str] = set()
    for route in app.routes:
        if _PARAM_TYPE.sub(r"{\1}", route.path) == template:
            methods |= set(getattr(route, "methods", ()))
    if not methods:
        return headers
    allow = ", ".join(sorted(methods)).encode()
    return [(k, v) for k, v in headers if k.lower() != b"allow"] + [(b"allow", allow)]


def _with_head(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """An ``Allow`` that lists GET lists HEAD too: every GET address answers HEAD (see web.head)."""
    out: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        if name.lower() == b"allow":
            methods = [m.strip() for m in value.decode("latin-1").split(",") if m.strip()]
            if "GET" in methods and "HEAD" not in methods:
                value = ", ".join(sorted([*methods, "HEAD"])).encode()
        out.append((name, value))
    return out


class RequestContextMiddleware(ScopedMiddleware):
    """Gives each HTTP request an id, echoes it, and writes one access line when the response ends."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id  # type: ignore[typeddict-item]
        started = time.perf_counter()
        status = 500
        sent = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                # nosniff exactly once, whoever else set it (console pages, problem responses).
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-content-type-options"]
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                if _is_html(headers) and not any(h[0].lower() == b"content-security-policy" for h in headers):
                    # Console pages set their own policy; any other HTML (printable agendas from the API
                    # or the console) holds user text: no scripts may run in it.
                    headers.append((b"content-security-policy", EXPORT_CSP))
                if scope.get("method") == "OPTIONS" and status == 204:
                    headers = _with_route_allow(scope, headers)
                headers = _with_head(headers)
                if str(scope.get("path", "")).startswith("/api/"):
                    # Answers depend on who asks and may hold personal data: never cache them.
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers  # type: ignore[typeddict-unknown-key]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            user = scope.get("user")
            client, proxy = client_addresses(ASGIConnection(scope))
            record: dict[str, Any] = {
                "event": "access",
                "request_id": request_id,
                "method": scope.get("method"),
                "path": logged_path(scope),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "user": getattr(user, "user_id", None),
                "role": getattr(user, "role", None),
                "client": client,
                "proxy": proxy,
                "bytes": sent,
            }
            access_logger.info(json.dumps(record, ensure_ascii=False))


class _JsonFormatter(logging.Formatter):
    """Application log lines as JSON objects (access lines already are JSON messages)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name == access_logger.name:
            return message
        data: dict[str, Any] = {
            "event": "log",
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure_server_logging(level: str = "INFO") -> None:
    """Log JSON lines to standard error for the server process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # Alembic says which of its own plugins it set up, seven lines at every migration; the migrations
    # it runs ("Running upgrade A -> B") stay in the log.
    logging.getLogger("alembic.runtime.plugins").setLevel(max(logging.WARNING, root.level))


__all__ = ["REQUEST_ID_HEADER", "RequestContextMiddleware", "access_logger", "configure_server_logging"]
