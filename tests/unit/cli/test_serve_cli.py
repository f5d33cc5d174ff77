"""``matchmaker serve`` refuses a port no server can listen on, before it starts anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_port_out_of_range_is_refused(port: str) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", port])
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in " ".join(result.output.split())


def test_a_port_another_process_holds_is_refused_in_one_line() -> None:
    """Before the app and the model load: one error line, not uvicorn's log and exit code 3."""
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--host", "127.0.0.1", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output == (
        f"error: port {port} on 127.0.0.1 is in use by another process; stop it or choose --port\n"
    )


def test_a_host_that_is_not_this_machines_is_refused() -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "no-such-host.invalid", "--port", "8765"])
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot listen on no-such-host.invalid:8765: ")


def test_an_openapi_output_that_cannot_be_written_is_named_with_the_reason(tmp_path: Path) -> None:
    """It ended in "unexpected failure (IsADirectoryError ...)" or "(FileExistsError ...)"."""
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    for output, reason in (
        (tmp_path, "Is a directory"),
        (tmp_path / "a-file" / "api.json", "Not a directory"),
    ):
        result = CliRunner().invoke(app, ["openapi", "--output", str(output)])
        assert result.exit_code == 1, result.output
        assert result.output == f"error: cannot write {output}: {reason}\n"
