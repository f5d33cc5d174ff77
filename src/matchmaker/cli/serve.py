"""``matchmaker serve`` and ``matchmaker openapi``: run the web server, export its OpenAPI document."""

from __future__ import annotations

import errno
import json
import socket
from pathlib import Path
from typing import Annotated

import typer

from matchmaker.cli.app import app
from matchmaker.cli.output import EXIT_INVALID, fail, handled, load_settings, stdout


@app.command()
@handled
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Interface to bind (default from settings).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port (default from settings).")
    ] = None,
) -> None:
    """Serve the HTTP API (and the console) with uvicorn."""
    import uvicorn  # noqa: PLC0415 - the web stack loads only for this command

    from matchmaker.web.app import create_app  # noqa: PLC0415 - the web stack loads only for this command
    from matchmaker.web.logs import configure_server_logging  # noqa: PLC0415 - the web stack loads only for this command

    settings = load_settings()
    updates: dict[str, object] = {}
    if host is not None:
        updates["host"] = host
    if port is not None:
        updates["port"] = port
    settings = settings.model_copy(update=updates)
    _check_address(settings.host, settings.port)
    configure_server_logging(settings.log_level)
    uvicorn.run(
        create_app(settings, load_in_background=True),  # bind the socket before the model loads
        host=settings.host,
        port=settings.port,
        log_config=None,  # our logging configuration, structured access lines with request ids
        access_log=False,  # the app writes its own access log (no tokens, with request ids)
        proxy_headers=False,
    )


def _check_address(host: str, port: int) -> None:
    """Refuse, before the app and the model load, an address this process cannot listen on (another
    server holds the port, or the host is not one of this machine's)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_INVALID)
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds it
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} on {host} is in use by another process; stop it or choose --port")
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


@app.command()
@handled
def openapi(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Print (or write) the OpenAPI document of the HTTP API."""
    from matchmaker.web.app import openapi_document  # noqa: PLC0415 - the web stack loads only for this command

    text = json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        # A folder where the file goes, or a file where a folder of its path goes.
        reason = "Not a directory" if isinstance(exc, FileExistsError) else exc.strerror or str(exc)
        fail(f"cannot write {output}: {reason}")
    stdout.print(f"Wrote {output}", markup=False)
