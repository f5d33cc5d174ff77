"""Property-based tests from the live OpenAPI document: no generated request gets a 5xx.

A real uvicorn server is started on a free port over a copy of the demo data; schemathesis reads
``/schema/openapi.json`` from it and sends generated requests to every operation as staff (the role
that reaches every code path). Bounded: a few examples per operation and no deadline, so it runs in
``make test`` in well under a minute per worker.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from web_support import REPO_ROOT, issue_tokens, web_settings_for

from matchmaker.web import create_app

MAX_EXAMPLES = 12


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[tuple[str, str]]:
    """(base URL, staff token) of a live server over a copy of the demo data."""
    home = tmp_path_factory.mktemp("schemathesis-home")
    shutil.copytree(demo_template, home, dirs_exist_ok=True)
    app_settings = web_settings_for(home)
    token = issue_tokens(app_settings).staff
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(app_settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _operations() -> list[tuple[str, str]]:
    """Every operation of the exported document (the staleness test keeps it equal to the live one)."""
    document = json.loads((REPO_ROOT / "api" / "openapi.json").read_text(encoding="utf-8"))
    return [
        (method.upper(), path)
        for path, item in sorted(document["paths"].items())
        for method in sorted(item)
        if method in {"get", "post", "put", "patch", "delete"}
    ]


@pytest.fixture(scope="module")
def live_schema(live_server: tuple[str, str]) -> Any:
    """The OpenAPI document as the running server serves it."""
    base_url, _ = live_server
    return schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")


@pytest.mark.parametrize(("method", "path"), _operations(), ids=[f"{m} {p}" for m, p in _operations()])
def test_no_server_errors(live_schema: Any, live_server: tuple[str, str], method: str, path: str) -> None:
    base_url, token = live_server
    operation = live_schema[path][method]
    seen: list[int] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def check(case: Any) -> None:
        response = case.call(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        seen.append(response.status_code)
        assert response.status_code < 500, f"{method} {path} -> {response.status_code}: {response.text[:500]}"
        if response.status_code >= 400 and path.startswith("/api/"):
            content_type = (response.headers.get("content-type") or [""])[0]
            assert content_type.startswith("application/problem+json"), response.text

    check()
    assert seen, "no case was generated"
    print(f"{method} {path}: {len(seen)} cases, statuses {sorted(set(seen))}")
