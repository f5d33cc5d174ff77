"""The base of matchmaker's ASGI middlewares.

Each middleware handles some connections (HTTP requests, say) and hands every other one (lifespan
events, websockets) to the app untouched; :class:`ScopedMiddleware` writes that pass-through once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from litestar.types import ASGIApp, Receive, Scope, Send


class ScopedMiddleware(ABC):
    """An ASGI middleware that does its work in :meth:`handle` for the connections :meth:`applies` to.

    Every other connection goes to the wrapped app as it came.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.applies(scope):
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    def applies(self, scope: Scope) -> bool:
        """Whether this middleware handles the connection: HTTP requests unless a subclass says more."""
        return scope["type"] == "http"  # type: ignore[comparison-overlap]

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one connection this middleware applies to, calling ``self.app`` when it lets it pass."""


__all__ = ["ScopedMiddleware"]
