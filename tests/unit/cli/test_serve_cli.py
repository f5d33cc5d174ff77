"""``matchmaker serve`` refuses a port no server can listen on, before it starts anything."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_port_out_of_range_is_refused(port: str) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", port])
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in " ".join(result.output.split())
