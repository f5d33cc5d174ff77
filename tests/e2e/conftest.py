"""Fixtures of the browser tests; they live in :mod:`e2e_support` with the helpers.

One server and one browser serve every browser test, so the tests ask pytest-xdist to run them on one
worker (``xdist_group("e2e")`` with ``--dist loadgroup``). pytest-xdist 3.8 marks a grouped test by
renaming ``item._nodeid``, which pytest 9 no longer reads; :func:`pytest_collection_modifyitems`
gives the browser tests the same ``@e2e`` suffix through the node id pytest 9 uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import browser, live_server, page, server_port, shoot, sign_in, viewport

E2E_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Suffix the browser tests' node ids with their xdist group on pytest versions xdist misses."""
    if not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # pytest < 9: pytest-xdist's own renaming works
        return
    for item in items:
        mark = item.get_closest_marker("xdist_group")
        if mark is None or "@" in item.nodeid or not item.path.is_relative_to(E2E_DIR):
            continue
        group = str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        item._id = NodeId.parse(f"{item.nodeid}@{group}")  # type: ignore[attr-defined]


__all__ = ["browser", "live_server", "page", "server_port", "shoot", "sign_in", "viewport"]
