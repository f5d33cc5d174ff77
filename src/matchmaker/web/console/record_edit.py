"""Staff edit cities, providers and case studies in a form.

The form saves through :meth:`RecordService.edit`, the API's update path: the change is validated as a
PATCH body and then as at ingest, and the kind's index is refreshed. Only staff open the form or post
it (the console guard answers 403 to anyone else and refuses posts from another origin). A refused
change shows the form again with the reason and what was typed, with a 4xx status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal, get_args

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect

from matchmaker.db.models import TEXT_MAX, CityKind, Kind, ProviderKind, PublicRecord
from matchmaker.errors import MatchmakerError
from matchmaker.web.console.records import KIND_PAGES, AnyRequest, KindPages, RecordKey, Records, record_title
from matchmaker.web.console.render import page
from matchmaker.web.console.session import STAFF, principal_of
from matchmaker.web.errors import status_for

logger = logging.getLogger(__name__)

#: Form values are cut just above the longest text a record takes, so an over-long one is reported.
_FORM_LIMIT = TEXT_MAX + 1
#: Separates the entries of a list field in a form.
LIST_SEPARATOR = ";"

Widget = Literal["text", "textarea", "number", "list", "select"]


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of an edit form: the record's attribute, its label and how it is typed."""

    key: str
    label: str
    widget: Widget = "text"
    #: Required fields are sent as typed (an empty one is reported); optional ones become null when empty.
    required: bool = False
    choices: tuple[str, ...] = ()


_COMMON_HEAD = (
    FormField("name", "Name", required=True),
    FormField("country", "Country (ISO code)", required=True),
)

FORM_FIELDS: dict[Kind, tuple[FormField, ...]] = {
    "city": (
        *_COMMON_HEAD,
        FormField("summary", "Current-situation summary", "textarea", required=True),
        FormField("kind", "Kind", "select", choices=get_args(CityKind)),
        FormField("population", "Population", "number"),
        FormField("language", "Language of the summary (ISO 639-1)"),
        FormField("programme_level", "Programme level (1-3)", "number"),
        FormField("priorities", "Priorities (domains)", "list"),
        FormField("challenges", "Challenges", "list"),
    ),
    "provider": (
        *_COMMON_HEAD,
        FormField("description", "Description", "textarea", required=True),
        FormField("kind", "Kind", "select", choices=get_args(ProviderKind)),
        FormField("website", "Website"),
        FormField("languages", "Languages (ISO 639-1)", "list"),
        FormField("regions_served", "Regions served", "list"),
    ),
    "case": (
        FormField("title", "Title", required=True),
        FormField("city", "City", required=True),
        FormField("country", "Country (ISO code)", required=True),
        FormField("text", "The case", "textarea", required=True),
        FormField("year", "Year", "number"),
        FormField("domains", "Domains", "list"),
        FormField("obstacles", "Obstacles", "list"),
        FormField("stages", "Pathway stages", "list"),
        FormField("funding", "Funding", "textarea"),
        FormField("outcomes", "Outcomes", "list"),
        FormField("providers", "Providers", "list"),
        FormField("source_url", "Source URL"),
    ),
}
#: The parts of one provider solution in the form (``solution_title`` and so on, one row per solution).
SOLUTION_PARTS = ("title", "description", "domains", "deployed_in")
_SOLUTION_LISTS = {"domains", "deployed_in"}


def _shown(value: object) -> str:
    """A stored value as the form shows it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return f"{LIST_SEPARATOR} ".join(str(v) for v in value)
    return str(value)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def form_values(record: PublicRecord, kind: Kind) -> dict[str, str]:
    """The record's current values as form text."""
    return {f.key: _shown(getattr(record, f.key, None)) for f in FORM_FIELDS[kind]}


def solution_rows(record: PublicRecord) -> list[dict[str, str]]:
    """A provider's solutions as form rows, with one empty row to add a solution."""
    rows = [
        {part: _shown(getattr(solution, part)) for part in SOLUTION_PARTS}
        for solution in getattr(record, "solutions", [])
    ]
    return [*rows, dict.fromkeys(SOLUTION_PARTS, "")]


def _typed(value: object) -> str:
    """A posted form value as stored: browsers send a textarea's line breaks as CRLF, which would
    otherwise change every multi-line text on each save (and the offsets quoted in explanations)."""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()[:_FORM_LIMIT]


def _text(form: FormMultiDict, key: str) -> str:
    value = form.get(key)
    return _typed(value) if isinstance(value, str) else ""


def read_form(
    form: FormMultiDict, kind: Kind
) -> tuple[dict[str, object], dict[str, str], list[dict[str, str]]]:
    """The change a posted form asks for, the values as typed, and (providers) the solution rows typed."""
    typed = {f.key: _text(form, f.key) for f in FORM_FIELDS[kind]}
    changes: dict[str, object] = {}
    for f in FORM_FIELDS[kind]:
        value = typed[f.key]
        if f.widget == "list":
            changes[f.key] = _split(value)
        else:
            changes[f.key] = value if value or f.required else None
    rows: list[dict[str, str]] = []
    if kind == "provider":
        columns = {part: form.getall(f"solution_{part}", []) for part in SOLUTION_PARTS}
        count = len(columns["title"])
        rows = [
            {part: _typed(columns[part][n]) if n < len(columns[part]) else "" for part in SOLUTION_PARTS}
            for n in range(count)
        ]
        # A row whose title is left empty is dropped: that is how a solution is removed.
        changes["solutions"] = [
            {part: _split(row[part]) if part in _SOLUTION_LISTS else row[part] for part in SOLUTION_PARTS}
            for row in rows
            if row["title"]
        ]
    return changes, typed, rows


def _edit_page(
    request: Request[Any, Any, Any],
    spec: KindPages,
    record: PublicRecord,
    *,
    values: dict[str, str],
    solutions: list[dict[str, str]],
    flash: dict[str, str] | None = None,
    status: int = 200,
) -> Response[Any]:
    return page(
        "console/record_edit.html",
        principal_of(request),
        status_code=status,
        title=f"Edit {record_title(record)}",
        request_path=request.url.path,
        flash=flash,
        record=record,
        record_path=f"/{spec.plural}/{record.id}",
        fields=FORM_FIELDS[spec.kind],
        values=values,
        solutions=solutions if spec.kind == "provider" else None,
    )


def edit_routes(spec: KindPages) -> list[HTTPRouteHandler]:
    """The edit form of one kind and its post."""
    path = f"{spec.one}/edit"

    @get(path, name=f"console:{spec.kind}-edit", opt=STAFF, dependencies=spec.dependencies)
    async def edit_form(request: AnyRequest, records: Records, record_id: RecordKey) -> Response[Any]:
        """The record's fields in a form (staff)."""
        record = await anyio.to_thread.run_sync(records.get_in_full, spec.kind, record_id)
        return _edit_page(
            request, spec, record, values=form_values(record, spec.kind), solutions=solution_rows(record)
        )

    @post(path, name=f"console:{spec.kind}-save", opt=STAFF, dependencies=spec.dependencies)
    async def edit_save(request: AnyRequest, records: Records, record_id: RecordKey) -> Response[Any]:
        """Save the form through the API's update path; the index follows."""
        changes, typed, rows = read_form(await request.form(), spec.kind)
        try:
            await anyio.to_thread.run_sync(records.edit, spec.kind, record_id, changes)
        except MatchmakerError as exc:
            record = await anyio.to_thread.run_sync(records.get_in_full, spec.kind, record_id)
            flash = {"kind": "error", "text": exc.message}
            return _edit_page(
                request, spec, record, values=typed, solutions=rows, flash=flash, status=status_for(exc)
            )
        logger.info("Staff user %s changed %s %s", principal_of(request).user_id, spec.kind, record_id)
        return Redirect(f"/{spec.plural}/{record_id}?saved=1", status_code=303)

    return [edit_form, edit_save]


ROUTES = [handler for spec in KIND_PAGES for handler in edit_routes(spec)]

__all__ = ["FORM_FIELDS", "ROUTES", "FormField", "read_form"]
