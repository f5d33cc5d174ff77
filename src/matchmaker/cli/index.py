"""Commands over the index bundles: ``matchmaker index build``, ``status`` and ``verify``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from matchmaker.cli.app import command_group
from matchmaker.cli.context import open_services
from matchmaker.cli.options import VerboseOpt
from matchmaker.cli.output import configure_logging, emit_json, fail, handled, new_table, stdout

if TYPE_CHECKING:
    from matchmaker.services.indexing import IndexService

index_app = command_group("index", "Build and inspect the embedding indexes.")


@contextmanager
def _indexes(verbose: bool) -> Iterator[IndexService]:
    """The instance's index service for one command, logging progress with ``verbose``."""
    configure_logging(verbose)
    with open_services() as services:
        yield services.indexes


@index_app.command("build")
@handled
def build(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Rebuild every index from the database (unchanged texts come from the embedding cache)."""
    with _indexes(verbose) as indexes:
        report = indexes.rebuild()
    if as_json:
        emit_json(report.to_dict())
        return
    table = new_table(title=f"Indexes rebuilt in {report.seconds:.1f}s")
    for column in ("kind", "documents", "passages", "embedded", "from cache", "index", "seconds"):
        table.add_column(column, justify="left" if column in {"kind", "index"} else "right")
    for k in report.kinds:
        table.add_row(
            k.kind,
            str(k.documents),
            str(k.passages),
            str(k.embedded),
            str(k.reused),
            k.index_type,
            f"{k.seconds:.2f}",
        )
    stdout.print(table)


@index_app.command("status")
@handled
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per kind, one per line.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Show, per kind, whether an index exists, what it holds, and whether it is stale."""
    with _indexes(verbose) as indexes:
        settings = indexes.settings
        statuses = indexes.status(check_files=True)
    if as_json:
        for s in statuses:
            emit_json(s.to_dict())
        return
    # One model for every index is said once, above the table, so that the table fits a terminal.
    models = {str(s.manifest.get("model_name", "-")) for s in statuses if s.present and s.manifest}
    shared_model = models.pop() if len(models) == 1 else None
    stdout.print(f"Indexes in {settings.index_dir}", markup=False)
    if shared_model is not None:
        stdout.print(f"Model: {shared_model}", markup=False)
    columns = ["kind", "state", "documents", "passages", "index", "built (UTC)"]
    if shared_model is None:
        columns.insert(-1, "model")
    table = new_table()
    for column in columns:
        table.add_column(column, no_wrap=column != "state")
    for s in statuses:
        m = s.manifest
        state = "unknown" if s.stale is None else ("stale" if s.stale else "current")
        if not s.present:
            state = "missing"
        elif s.damaged:
            state = "damaged"  # the reason, long, is printed under the table
        elif s.problem:
            state = f"{state}: {s.problem}"
        docs = f"{m.get('document_count', '-')}/{s.documents_in_db if s.documents_in_db is not None else '?'}"
        row = [s.kind, state, docs, str(m.get("passage_count", "-")), str(m.get("index_type", "-"))]
        if shared_model is None:
            row.append(str(m.get("model_name", "-")))
        row.append(_minute_utc(m.get("built_at")))
        table.add_row(*row)
    stdout.print(table)
    for s in statuses:
        if s.damaged:
            stdout.print(f"{s.kind}: {s.problem}", markup=False)
    if any(s.stale or s.damaged for s in statuses):
        stdout.print("Run `matchmaker index build` to bring the indexes up to date.")


def _minute_utc(built_at: object) -> str:
    """A manifest's build time to the minute in UTC (as written when it is not a time)."""
    if not isinstance(built_at, str):
        return "-"
    try:
        when = datetime.fromisoformat(built_at)
    except ValueError:
        return built_at
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return f"{when:%Y-%m-%d %H:%M}"


@index_app.command("verify")
@handled
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per generation.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Check every index generation on disk against its checksums; exit 1 if a live one is damaged."""
    with _indexes(verbose) as indexes:
        checks = indexes.verify()
    if as_json:
        for check in checks:
            emit_json(check.to_dict())
    else:
        table = new_table(title="Index generations")
        for column in ("kind", "generation", "live", "state"):
            table.add_column(column, no_wrap=column != "state")
        for check in checks:
            state = "ok" if check.ok else f"damaged: {check.problem}"
            table.add_row(check.kind, check.generation, "yes" if check.live else "", state)
        stdout.print(table)
    damaged_live = [c for c in checks if c.live and not c.ok]
    if damaged_live:
        kinds = ", ".join(sorted({c.kind for c in damaged_live}))
        fail(f"the live {kinds} index is damaged; run `matchmaker index build`")
