"""Commands over the corpus: ``ingest``, ``list`` and ``show``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from matchmaker.cli.app import app
from matchmaker.cli.context import open_services, unit_of_work
from matchmaker.cli.options import JsonLinesOpt, VerboseOpt
from matchmaker.cli.output import configure_logging, emit_json, handled, new_table, stderr, stdout
from matchmaker.db.models import Kind
from matchmaker.services.corpus import CorpusService, IngestReport
from matchmaker.wording import counted


class PluralKind(StrEnum):
    """Record kinds as ``list`` takes them."""

    cities = "cities"
    providers = "providers"
    cases = "cases"


class SingularKind(StrEnum):
    """Record kinds as ``show`` takes them."""

    city = "city"
    provider = "provider"
    case = "case"


_PLURAL_TO_KIND: dict[PluralKind, Kind] = {
    PluralKind.cities: "city",
    PluralKind.providers: "provider",
    PluralKind.cases: "case",
}


def _ingest(
    corpus: CorpusService, paths: list[Path], *, index: bool, show_bar: bool, kind: Kind | None
) -> IngestReport:
    """Ingest with a progress bar on a terminal."""
    if not show_bar:
        return corpus.ingest_paths(paths, refresh_index=index, kind=kind)
    from rich.progress import (  # noqa: PLC0415 - rich's progress bar loads only on a terminal
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    files = CorpusService.discover_files(paths, kind)
    total = sum(CorpusService.count_lines(p) for p in files)
    with Progress(
        TextColumn("{task.description}", markup=False),  # a file name is text, not a style
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr.console,
        transient=True,
    ) as bar:
        task = bar.add_task("ingesting", total=total or None)
        last: dict[str, int] = {}

        def advance(name: str, done: int) -> None:
            bar.update(task, advance=done - last.get(name, 0), description=f"ingesting {name}")
            last[name] = done

        return corpus.ingest_paths(paths, progress=advance, refresh_index=index, kind=kind)


def _names(paths: list[Path]) -> str:
    return ", ".join(str(p) for p in paths)


@app.command()
@handled
def ingest(  # noqa: PLR0917  Typer reads options from the parameters
    paths: Annotated[
        list[Path], typer.Argument(help="Corpus files or folders (cities/providers/cases .jsonl or .csv).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    no_index: Annotated[
        bool, typer.Option("--no-index", help="Store the records but leave the indexes as they are.")
    ] = False,
    kind: Annotated[
        SingularKind | None,
        typer.Option("--kind", help="Read every file as this kind instead of telling it from the name."),
    ] = None,
    if_empty: Annotated[
        bool,
        typer.Option(
            "--if-empty",
            help="Ingest only when the database holds no records yet (keeps edits made since).",
        ),
    ] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Validate and store corpus records; report every rejected record as file:line: reason.

    A file's kind comes from the end of its name: cities, providers or cases before .jsonl or .csv.

    For example focal_cities.jsonl or 2027-providers.csv; --kind gives the kind instead.

    Files inside a folder that are not read are listed with the reason.
    """
    configure_logging(verbose)
    record_kind: Kind | None = kind.value if kind is not None else None  # type: ignore[assignment]
    with open_services() as services:
        if if_empty:
            with services.database.unit_of_work() as session:
                counts = services.records(session).counts()
            stored = sum(counts.values())
            # With --json, standard output holds the JSON report alone; what is said goes to stderr.
            say = stderr if as_json else stdout
            if stored:
                summary = ", ".join(
                    counted(counts[k], k, p.value) for p, k in _PLURAL_TO_KIND.items() if counts.get(k)
                )
                said = (
                    f"{services.settings.home} already holds {counted(stored, 'record')} ({summary}); "
                    "not ingesting, so edits made since are kept"
                )
                say.print(said, markup=False)
                if as_json:
                    emit_json(_json_report(IngestReport()) | {"not_ingested": said})
                return
            say.print(f"{services.settings.home} is empty; ingesting {_names(paths)}", markup=False)
        report = _ingest(
            services.corpus,
            paths,
            index=not no_index,
            show_bar=sys.stderr.isatty() and not as_json,
            kind=record_kind,
        )

    if as_json:
        emit_json(_json_report(report))
    else:
        for skipped in report.skipped:
            stderr.print(f"skipped {skipped.path}: {skipped.reason}", markup=False)
        for line in report.rejections:
            stderr.print(line, markup=False)
        for warning in report.warnings:
            stderr.print(f"warning: {warning}", markup=False)
        for f in report.files:
            if f.unreadable is None:
                stdout.print(
                    f"{f.path}: {f.accepted} accepted ({f.created} new, {f.updated} updated), "
                    f"{len(f.rejected)} rejected",
                    markup=False,
                )
        rejected = sum(len(f.rejected) for f in report.files)
        not_read = sum(1 for f in report.files if f.unreadable is not None)
        files = f"; {counted(not_read, 'file')} not read" if not_read else ""
        stdout.print(f"{counted(report.accepted, 'record')} stored, {rejected} rejected{files}", markup=False)
    raise typer.Exit(report.exit_code)


def _json_report(report: IngestReport) -> dict[str, object]:
    """The ``--json`` report of an ingest."""
    return {
        "accepted": report.accepted,
        "rejected": report.rejections,
        "warnings": report.warnings,
        "files": [f.summary() for f in report.files],
        "index": report.index,
        "skipped": [{"path": str(s.path), "reason": s.reason} for s in report.skipped],
    }


@app.command("list")
@handled
def list_records(
    kind: Annotated[PluralKind, typer.Argument(help="What to list.")],
    as_json: JsonLinesOpt = False,
    confidential: Annotated[
        bool,
        typer.Option(
            "--confidential",
            help="List records as staff see them: fields marked internal (internal_...) included, and"
            " contact details typed into public text not redacted.",
        ),
    ] = False,
) -> None:
    """List stored records (public fields only: no focal point, no field marked internal).

    Contacts and internal values typed into public text are redacted, as the API shows them to others.
    """
    configure_logging()
    with unit_of_work() as (services, session):
        records_of = services.records(session)
        plural = _PLURAL_TO_KIND[kind]
        records = records_of.list(plural) if confidential else records_of.public_list(plural)
    if as_json:
        for record in records:
            emit_json(record.model_dump(mode="json"))
        return
    table = new_table("id", "name", "country", whole=("id", "country"))
    for record in records:
        name = getattr(record, "name", None) or getattr(record, "title", "")
        table.add_row(record.id, name, record.country)
    stdout.print(table)
    stdout.print(f"{len(records)} {kind.value}", markup=False)


@app.command()
@handled
def show(
    kind: Annotated[SingularKind, typer.Argument(help="What to show.")],
    query: Annotated[str, typer.Argument(help="An id or a name (resolved fuzzily).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    confidential: Annotated[
        bool,
        typer.Option(
            "--confidential",
            help="Include staff-only fields: the focal point and the fields marked internal (internal_...).",
        ),
    ] = False,
) -> None:
    """Show one record."""
    configure_logging()
    record_kind: Kind = kind.value  # type: ignore[assignment]
    with unit_of_work() as (services, session):
        records = services.records(session)
        record_id = records.resolve_id(record_kind, query)
        record = (
            records.get_in_full(record_kind, record_id)
            if confidential
            else records.public_get(record_kind, record_id)
        )
    data = record.model_dump(mode="json")
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        if value in (None, [], {}, ""):
            continue
        lines = readable(value)
        label = key.replace("_", " ")
        if len(lines) == 1 and not lines[0].startswith("- "):
            stdout.print(f"{label}: {lines[0]}", markup=False)
            continue
        stdout.print(f"{label}:", markup=False)
        for line in lines:
            stdout.print(f"  {line}", markup=False)


def readable(value: object) -> list[str]:
    """A field value as lines a person reads: lists joined or bulleted, objects as ``key: value``."""
    if isinstance(value, dict):
        parts = [
            f"{k.replace('_', ' ')}: {_flat(v)}" for k, v in value.items() if v not in (None, "", [], {})
        ]
        return ["; ".join(parts)] if sum(map(len, parts)) <= 100 else parts
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return [", ".join(str(item) for item in value)]
        return [f"- {_flat(item)}" for item in value]
    return [str(value)]


def _flat(value: object) -> str:
    """One line for any value: lists joined with commas, objects as ``key: value`` pairs."""
    if isinstance(value, dict):
        return "; ".join(
            f"{k.replace('_', ' ')}: {_flat(v)}" for k, v in value.items() if v not in (None, "", [], {})
        )
    if isinstance(value, list):
        return ", ".join(_flat(item) for item in value)
    return str(value)
