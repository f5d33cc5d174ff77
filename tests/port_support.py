"""Ports for the servers tests start, kept from every other process until the test ends.

A port found free and closed again (bind to port 0, read it, close) can be taken by another process
before the test's server binds it: another test process starting a server of its own, say, in the
seconds a ``matchmaker serve`` child takes to import its web stack, or while a test's mail server is
stopped on purpose. A client that then reached the port found the other server, not the test's.

:func:`reserved_port` keeps a socket bound to the port (with ``SO_REUSEADDR``, never listening)
while the test runs. The kernel gives that port to no one else, neither to a bind to port 0 nor to a
client connection, and a plain bind of it fails; the test's own server, which binds with
``SO_REUSEADDR`` as uvicorn, asyncio and ``matchmaker serve`` do, binds and listens on it as usual,
and connecting to it while that server is down is refused.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def reserved_port(host: str = "127.0.0.1") -> Iterator[int]:
    """A TCP port on ``host`` that nobody listens on and no other process can bind while the block
    runs; a server started with ``SO_REUSEADDR`` may listen on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind((host, 0))
        yield int(holder.getsockname()[1])
