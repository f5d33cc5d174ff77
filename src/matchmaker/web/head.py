"""HEAD answered wherever GET is (RFC 9110, section 9.3.2): the same status and headers, no body.

Load balancers, uptime monitors and link checkers probe with HEAD (``curl -I``); without this every
GET address, ``/health`` and ``/ready`` included, answered 405.
"""

from __future__ import annotations

from typing import cast

from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send


class HeadAsGet:
    """An ASGI wrapper that runs a HEAD request as a GET and sends its answer without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") != "HEAD":  # websockets have no method
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        as_get = cast(HTTPScope, {**scope, "method": "GET"})
        await self.app(as_get, receive, without_body)


__all__ = ["HeadAsGet"]
