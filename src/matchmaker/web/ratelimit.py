"""The rate-limit guard of the expensive endpoints (matching, search, upload, index rebuild), and the
bound on failed sign-ins.

Hits are counted per caller (the user id when signed in, the client address otherwise) by the
instance's :class:`~matchmaker.services.ratelimit.RateLimiter`: in memory on SQLite, in PostgreSQL when
several server processes share the database.

Failed sign-ins are counted per client address by a second limiter (``signin_failures_per_minute``):
:func:`signin_wait` before a token is checked (a caller over its bound is refused without checking
it), :func:`signin_failed` after a token was refused. A successful sign-in is never counted. On
PostgreSQL :func:`signin_wait` answers from this process's last reading of the shared count while it
holds (:class:`~matchmaker.services.ratelimit.CachedLockouts`), so a request with a good token does
not read the count each time; a lockout reached through other processes takes effect here within
``LOCKOUT_FRESH_SECONDS`` (5 s) or at the first failure from that address counted here.

Both take the client address from :func:`client_address`: behind a trusted proxy
(``trust_proxy_headers``, a peer named in ``trusted_proxies``) the last one of ``X-Forwarded-For``,
which the proxy appends, so the clients behind it do not share one budget; otherwise the peer's, which a
client cannot choose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from ipaddress import IPv6Address, ip_address
from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from matchmaker.services.ratelimit import WINDOW_SECONDS, RateLimiter
from matchmaker.services.users import Principal
from matchmaker.settings import proxy_networks
from matchmaker.web.errors import RateLimitedError
from matchmaker.wording import counted

logger = logging.getLogger(__name__)


#: The ``app.state`` keys of the two limiters, and of the tokens that signed someone in lately.
RATE_LIMITER = "rate_limiter"
SIGNIN_LIMITER = "signin_limiter"
SIGNED_IN = "signed_in"
_MAX_ADDRESS_CHARS = 100


def caller_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Who to count a hit against: the signed-in user, else the client's address."""
    user = connection.scope.get("user")
    if isinstance(user, Principal):
        return f"user:{user.user_id}"
    return f"addr:{client_address(connection)}"


def peer_is_trusted(peer: str | None, trusted_proxies: str) -> bool:
    """Whether a peer is one of the ``trusted_proxies`` (an IPv4 peer seen as an IPv6-mapped address
    too). A Unix socket's peer (``None``) is: only processes of the machine reach it."""
    networks = proxy_networks(trusted_proxies)
    if networks is None or peer is None:
        return True
    try:
        address = ip_address(peer)
    except ValueError:
        return False
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def from_trusted_proxy(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the request's forwarded headers (``X-Forwarded-For``, ``X-Forwarded-Proto``) are believed:
    ``trust_proxy_headers`` is set and the peer is one of ``trusted_proxies``. A client that reaches a
    server port itself cannot name its own address or scheme."""
    settings = connection.app.state.services.settings
    if not settings.trust_proxy_headers:
        return False
    client = connection.scope.get("client")
    return peer_is_trusted(client[0] if client else None, settings.trusted_proxies)


def client_addresses(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[str | None, str | None]:
    """The client's address and the trusted proxy's: behind a trusted proxy (:func:`from_trusted_proxy`)
    the last of ``X-Forwarded-For`` and the peer's; otherwise, or when the proxy forwarded no address,
    the peer's and ``None``. The peer is ``None`` when the server does not know it (a Unix socket)."""
    client = connection.scope.get("client")
    peer = client[0] if client else None
    if from_trusted_proxy(connection):
        hops = [hop.strip() for hop in connection.headers.get("x-forwarded-for", "").split(",")]
        if hops[-1]:
            return hops[-1][:_MAX_ADDRESS_CHARS], peer
    return peer, None


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address (see :func:`client_addresses`; ``-`` when unknown). Every count per address
    and the access log use it."""
    return client_addresses(connection)[0] or "-"


def _signin_key(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[RateLimiter, str]:
    return connection.app.state[SIGNIN_LIMITER], f"signin:addr:{client_address(connection)}"


async def _ask(limiter: RateLimiter, check: Callable[[str], int | None], key: str) -> int | None:
    """``check(key)``, in a worker thread when the count lives in the database."""
    return await anyio.to_thread.run_sync(check, key) if limiter.shared else check(key)


async def signin_wait(connection: ASGIConnection[Any, Any, Any, Any], token: str) -> RateLimitedError | None:
    """``None`` while the client may try to sign in with ``token``; else the refusal to answer without
    checking it (429, with the seconds to wait). A token that signed someone in lately
    (:func:`signin_succeeded`) is checked even while its address is locked out."""
    limiter, key = _signin_key(connection)
    known, wait = limiter.known_wait(key)  # this process's last reading, while it holds
    if not known:
        wait = await _ask(limiter, limiter.wait, key)
    if wait is None:
        return None
    if token in connection.app.state[SIGNED_IN]:
        logger.info("Sign-in checked through a lockout of its address: the token signed someone in lately")
        return None
    logger.info("Sign-in refused without checking the token: too many failed sign-ins from one address")
    return RateLimitedError(
        f"too many failed sign-ins from your address (at most {limiter.limit} a minute): "
        f"try again in {counted(wait, 'second')}",
        retry_after=wait,
    )


def signin_succeeded(connection: ASGIConnection[Any, Any, Any, Any], token: str) -> None:
    """``token`` signed someone in: a lockout of its address does not refuse it unchecked for a while
    (:class:`~matchmaker.services.ratelimit.SignedIn`)."""
    connection.app.state[SIGNED_IN].add(token)


async def signin_failed(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Count a refused token against the client's bound of failed sign-ins."""
    limiter, key = _signin_key(connection)
    await _ask(limiter, limiter.hit, key)


async def rate_limited(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: count this request against the caller's budget of expensive requests."""
    limiter: RateLimiter = connection.app.state[RATE_LIMITER]
    wait = await _ask(limiter, limiter.hit, caller_key(connection))
    if wait is not None:
        raise RateLimitedError(
            f"too many expensive requests: at most {limiter.limit} per minute; retry in {wait} s",
            retry_after=wait,
        )


__all__ = [
    "RATE_LIMITER",
    "SIGNED_IN",
    "SIGNIN_LIMITER",
    "WINDOW_SECONDS",
    "RateLimiter",
    "caller_key",
    "client_address",
    "rate_limited",
    "signin_failed",
    "signin_succeeded",
    "signin_wait",
]
