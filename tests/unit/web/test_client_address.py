"""Behind a trusted proxy every per-address budget counts the client the proxy names, not the proxy."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import get
from litestar.testing import TestClient
from pydantic import ValidationError

from matchmaker.settings import Settings
from matchmaker.web import create_app
from matchmaker.web.ratelimit import peer_is_trusted, rate_limited


@get("/expensive", guards=[rate_limited], sync_to_thread=False)
def expensive() -> str:
    """An expensive endpoint open to anonymous callers (as a public search page would be)."""
    return "done"


def _answers(home: Path, *, trust_proxy: bool, proxies: str = "*") -> list[int]:
    """Two anonymous clients, one request each, then the first again, through the same proxy (the test
    client's peer, which ``proxies`` names or not)."""
    settings = Settings(
        home=home,
        model_name="hashing-64",
        rate_limit_per_minute=1,
        trust_proxy_headers=trust_proxy,
        trusted_proxies=proxies,
    )
    with TestClient(create_app(settings, app_handlers=[expensive])) as client:
        return [
            client.get("/expensive", headers={"X-Forwarded-For": address}).status_code
            for address in ("198.51.100.7", "198.51.100.8", "198.51.100.7")
        ]


def test_anonymous_clients_behind_a_trusted_proxy_each_have_their_own_budget(home: Path) -> None:
    """The failed sign-in bound took the client address from X-Forwarded-For behind a trusted proxy,
    but the budget of expensive requests counted an anonymous caller by the socket's peer, the proxy:
    every client behind it shared one budget, so one client's requests refused the others'. Both now
    count the client the proxy names."""
    assert _answers(home, trust_proxy=True) == [200, 200, 429]


def test_without_a_trusted_proxy_a_client_cannot_name_itself_a_new_budget(home: Path) -> None:
    assert _answers(home, trust_proxy=False) == [200, 429, 429]


def test_a_client_that_reaches_the_server_directly_cannot_name_itself_a_new_budget(home: Path) -> None:
    """Headers are believed only from the proxies named in ``trusted_proxies`` (loopback by default): a
    client that reaches a server port itself, not through the proxy, set X-Forwarded-For to a new
    address at each request and escaped every per-address budget and the bound on failed sign-ins."""
    assert _answers(home, trust_proxy=True, proxies="127.0.0.1, ::1") == [200, 429, 429]


@pytest.mark.parametrize(
    ("peer", "proxies", "trusted"),
    [
        ("127.0.0.1", "127.0.0.1, ::1", True),
        ("::1", "127.0.0.1, ::1", True),
        ("10.4.0.9", "10.0.0.0/8", True),
        ("::ffff:10.4.0.9", "10.0.0.0/8", True),
        ("192.0.2.10", "10.0.0.0/8, 127.0.0.1", False),
        ("2001:db8::1", "10.0.0.0/8", False),
        ("testclient", "127.0.0.1", False),
        ("192.0.2.10", "*", True),
        (None, "127.0.0.1", True),  # a Unix socket, which only local processes reach
    ],
)
def test_a_peer_is_a_trusted_proxy_when_it_is_in_one_of_the_named_networks(
    peer: str | None, proxies: str, trusted: bool
) -> None:
    assert peer_is_trusted(peer, proxies) is trusted


@pytest.mark.parametrize("proxies", ["10.0.0.0/33", "proxy.example", "10.0.0.1;10.0.0.2"])
def test_a_trusted_proxy_that_is_not_an_address_or_network_is_refused_at_start(
    home: Path, proxies: str
) -> None:
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(home=home, trust_proxy_headers=True, trusted_proxies=proxies)
