"""Behind a trusted proxy every per-address budget counts the client the proxy names, not the proxy."""

from __future__ import annotations

from pathlib import Path

from litestar import get
from litestar.testing import TestClient

from matchmaker.settings import Settings
from matchmaker.web import create_app
from matchmaker.web.ratelimit import rate_limited


@get("/expensive", guards=[rate_limited], sync_to_thread=False)
def expensive() -> str:
    """An expensive endpoint open to anonymous callers (as a public search page would be)."""
    return "done"


def _answers(home: Path, *, trust_proxy: bool) -> list[int]:
    """Two anonymous clients, one request each, then the first again, through the same proxy."""
    settings = Settings(
        home=home, model_name="hashing-64", rate_limit_per_minute=1, trust_proxy_headers=trust_proxy
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
