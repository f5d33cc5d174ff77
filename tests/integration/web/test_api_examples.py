"""Every example request in api/examples/ works as documented against the demo data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar.testing import TestClient
from web_support import REPO_ROOT, SharedApp, Tokens

EXAMPLES = sorted((REPO_ROOT / "api" / "examples").glob("*.json"))


@pytest.fixture
def api(shared_app: SharedApp) -> TestClient:  # type: ignore[type-arg]
    """This module's tests share one app (see ``shared_app``)."""
    return shared_app.client


@pytest.fixture
def tokens(shared_app: SharedApp) -> Tokens:
    """Tokens of the shared app."""
    return shared_app.tokens


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example(api: TestClient, tokens: Tokens, example: Path) -> None:  # type: ignore[type-arg]
    spec = json.loads(example.read_text(encoding="utf-8"))
    headers = tokens.of(spec["role"])
    if "files" in spec:
        files = [
            ("files", (name, (example.parent / name).read_bytes(), "application/octet-stream"))
            for name in spec["files"]
        ]
        r = api.request(spec["method"], spec["path"], files=files, headers=headers)
    else:
        r = api.request(spec["method"], spec["path"], json=spec.get("body"), headers=headers)
    assert r.status_code == spec["expect_status"], r.text
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
