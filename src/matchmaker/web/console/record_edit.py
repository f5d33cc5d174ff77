"""Staff edit cities, providers and case studies in a form.

The form saves through :meth:`RecordService.edit`, the API's update path: the change is validated as a
PATCH body and then as at ingest, and the kind's index is refreshed. Only staff open the form or post
it (the console guard answers 403 to anyone else and refuses posts from another origin). A refused
change shows the form again with the reason and what was typed, with a 4xx status.

Two people may have the same record open. The form carries a digest of each value it showed
(``seen``), so a save writes only the fields this person changed and leaves the others' work alone.
When both changed the same field differently, nothing is saved: the form comes back (409) with this
person's values, the values stored meanwhile beside them, and the fields the other person changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect
from litestar.status_codes import HTTP_409_CONFLICT

from matchmaker.corpus.reader import json_depth
from matchmaker.db.models import KIND_WORDS, CityKind, Kind, ProviderKind, PublicRecord
from matchmaker.errors import InvalidInputError, MatchmakerError, NotFoundError
from matchmaker.matching.explain import shortened
from matchmaker.services.container import Services
from matchmaker.services.records import RecordService
from matchmaker.services.visibility import view_of
from matchmaker.web.console.records import KIND_PAGES, AnyRequest, KindPages, RecordKey, Records, record_title
from matchmaker.web.console.render import ConsolePage
from matchmaker.web.console.session import (
    STAFF,
    as_typed,
    given_once,
    principal_of,
    refusal_flash,
    services_of,
    whole_number,
)
from matchmaker.web.errors import status_for

logger = logging.getLogger(__name__)

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
#: ``extra`` is a hidden field holding the solution's other fields as a JSON object, so that a save
#: keeps them; the form shows them read-only.
SOLUTION_PARTS = ("title", "description", "domains", "deployed_in", "extra")
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


def _solution_part(solution: object, part: str) -> str:
    """One part of a stored solution as the form holds it (its other fields as JSON text)."""
    value = getattr(solution, part)
    if part == "extra":
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    return _shown(value)


def solution_rows(record: PublicRecord) -> list[dict[str, str]]:
    """A provider's solutions as form rows, with one empty row to add a solution."""
    rows = [
        {part: _solution_part(solution, part) for part in SOLUTION_PARTS}
        for solution in getattr(record, "solutions", [])
    ]
    return [*rows, dict.fromkeys(SOLUTION_PARTS, "")]


def _typed(value: object) -> str:
    """A posted form value as stored (:func:`as_typed`), read whole (the request's size is bounded):
    a text over its field's limit is refused with its own length and shown again as typed."""
    return as_typed(value)


def _text(form: FormMultiDict, key: str) -> str:
    value = form.get(key)
    return _typed(value) if isinstance(value, str) else ""


def refuse_repeated(form: FormMultiDict, kind: Kind) -> None:
    """Refuse a form that sends one of the record's fields more than once, naming it as the form
    labels it (:func:`~matchmaker.web.console.session.given_once`); a solution's fields repeat, one
    per row."""
    for f in FORM_FIELDS[kind]:
        given_once(form, f.key, f.label)
    given_once(form, "seen")


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
        rows = typed_solution_rows(form)
        # A row whose title is left empty is dropped: that is how a solution is removed.
        changes["solutions"] = [solution_of(row) for row in rows if row["title"]]
    return changes, typed, rows


def typed_solution_rows(form: FormMultiDict, read: Callable[[object], str] = _typed) -> list[dict[str, str]]:
    """A provider's solution rows as typed, one per ``solution_title`` field, each value read by
    ``read`` (by default as stored)."""
    columns = {part: form.getall(f"solution_{part}", []) for part in SOLUTION_PARTS}
    return [
        {part: read(columns[part][n]) if n < len(columns[part]) else "" for part in SOLUTION_PARTS}
        for n in range(len(columns["title"]))
    ]


def _other_fields(text: str) -> object:
    """A solution's other fields from the form's hidden field: the JSON object it holds (``{}`` when
    empty); text that is not JSON is passed on as it is, for validation to refuse by name."""
    if not text:
        return {}
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        return text


def solution_named(number: int, title: str) -> str:
    """A solution row as a refusal names it: its number on the form (the emptied rows count) and title."""
    return f"solution {number} (“{shortened(title.strip(), 40)}”)"


def refuse_deep_solutions(rows: list[dict[str, str]], max_depth: int) -> None:
    """Refuse (:class:`InvalidInputError`) a solution row whose other fields nest deeper than
    ``max_depth``, as the API and ingest refuse such JSON: stored, a value nested some hundreds of
    levels deep fails every page and answer that shows the provider, for everyone."""
    for number, row in enumerate(rows, start=1):
        if json_depth(row.get("extra", "").encode()) > max_depth:
            named = solution_named(number, row.get("title", ""))
            raise InvalidInputError(f"{named}: its other fields are nested more than {max_depth} levels deep")


def refuse_untitled_new_solution(rows: list[dict[str, str]]) -> None:
    """Refuse (:class:`InvalidInputError`) the row for adding a solution (the last) when something is
    typed in it but its title: a row without a title is how a solution is removed, so it would be
    dropped while the page says the changes were saved."""
    if not rows or _typed(rows[-1].get("title", "")):
        return
    if any(_typed(rows[-1].get(part, "")) for part in ("description", "domains", "deployed_in")):
        raise InvalidInputError(
            f"solution {len(rows)} (the new one) has no title; give it one, or empty its other fields"
        )


def solution_of(row: Mapping[str, str]) -> dict[str, Any]:
    """A typed solution row as a solution's fields (list fields split at ``;``, the other fields read
    from their JSON)."""
    fields: dict[str, Any] = {}
    for part in SOLUTION_PARTS:
        text = row.get(part, "")
        if part == "extra":
            fields[part] = _other_fields(text)
        else:
            fields[part] = _split(text) if part in _SOLUTION_LISTS else text
    return fields


#: The key of a provider's solutions, compared as one value.
SOLUTIONS = "solutions"


def _comparable(
    kind: Kind, values: Mapping[str, str], rows: list[dict[str, str]], keys: Collection[str] | None = None
) -> dict[str, str]:
    """Form values as text that is equal when the stored values would be (lists split and joined
    again, line breaks and spaces at the ends as saved; a provider's solutions as one value), of the
    fields ``keys`` (by default every field of the kind's form, with a provider's solutions)."""
    out: dict[str, str] = {}
    for f in FORM_FIELDS[kind]:
        if keys is not None and f.key not in keys:
            continue
        text = _typed(values.get(f.key, ""))
        out[f.key] = "; ".join(_split(text)) if f.widget == "list" else text
    if kind == "provider" and (keys is None or SOLUTIONS in keys):
        kept = [
            [_typed(row.get(part, "")) for part in SOLUTION_PARTS]
            for row in rows
            if _typed(row.get("title", ""))
        ]
        out[SOLUTIONS] = json.dumps(kept, ensure_ascii=False)
    return out


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def seen_of(record: PublicRecord, kind: Kind, keys: Collection[str] | None = None) -> str:
    """The ``seen`` field of a form showing ``record``: a digest of each value shown (of the fields
    ``keys``, by default all of the kind's)."""
    shown = _comparable(kind, form_values(record, kind), solution_rows(record), keys)
    return json.dumps({key: _digest(text) for key, text in shown.items()}, separators=(",", ":"))


def edited_fields(
    kind: Kind,
    posted: tuple[Mapping[str, str], list[dict[str, str]]],
    seen: Mapping[str, str],
    current: PublicRecord,
    keys: Collection[str] | None = None,
) -> tuple[list[str], tuple[str, ...]]:
    """Which fields a form ``posted`` (values and solution rows as typed) changes from the values it
    showed (``seen``), and which of those someone else changed to something else meanwhile (the
    record is ``current`` now); of the fields ``keys``, by default all of the kind's form."""
    typed, rows = posted
    mine = _comparable(kind, typed, rows, keys)
    stored = _comparable(kind, form_values(current, kind), solution_rows(current), keys)
    changed = [key for key, text in mine.items() if _digest(text) != seen.get(key)]
    clashes = tuple(
        key for key in changed if _digest(stored[key]) != seen.get(key) and stored[key] != mine[key]
    )
    return changed, clashes


def read_seen(form: FormMultiDict) -> dict[str, str] | None:
    """The digests a posted form carries, or None (a form without them saves every field)."""
    raw = form.get("seen")
    if not isinstance(raw, str):
        return None
    try:
        seen = json.loads(raw[:10_000])
    except ValueError:
        return None
    if not isinstance(seen, dict):
        return None
    return {str(k): str(v) for k, v in seen.items()}


@dataclass(frozen=True, slots=True)
class EditConflict:
    """A save refused because someone else changed the same fields in the meantime."""

    record: PublicRecord
    #: The fields both changed, differently.
    fields: tuple[str, ...]
    #: What the form shows now: this person's changed values, the stored values for the rest.
    values: dict[str, str]
    solutions: list[dict[str, str]]
    #: The stored values of the conflicting fields, as the form would show them.
    stored: dict[str, str]


@dataclass(frozen=True, slots=True)
class PostedForm:
    """A posted edit form: the change it asks for, the values as typed, and what it showed first."""

    changes: dict[str, object]
    typed: dict[str, str]
    rows: list[dict[str, str]]
    #: The digests of the values shown when the form was opened (None: save every field).
    seen: dict[str, str] | None


def save_form(records: RecordService, kind: Kind, record_id: str, posted: PostedForm) -> EditConflict | None:
    """Save what this person changed since the form was shown; an :class:`EditConflict` when someone
    else changed one of those fields to something else meanwhile (nothing is saved then)."""
    try:
        records.lock(kind, record_id)
        current = records.get_in_full(kind, record_id)
    except NotFoundError as exc:
        raise NotFoundError(
            f"{exc.message}: it was deleted while the form was open, so the changes were not saved"
        ) from exc
    changes, typed, rows, seen = posted.changes, posted.typed, posted.rows, posted.seen
    if seen is None:
        records.edit(kind, record_id, changes)
        return None
    changed, clashes = edited_fields(kind, (typed, rows), seen, current)
    if clashes:
        shown = form_values(current, kind)
        values = {f.key: typed[f.key] if f.key in changed else shown[f.key] for f in FORM_FIELDS[kind]}
        solutions = rows if SOLUTIONS in changed else solution_rows(current)
        return EditConflict(current, clashes, values, solutions, {key: shown.get(key, "") for key in clashes})
    wanted = {key: value for key, value in changes.items() if key in changed}
    if wanted:
        records.edit(kind, record_id, wanted)
    return None


def _save_alone(services: Services, kind: Kind, record_id: str, posted: PostedForm) -> EditConflict | None:
    """:func:`save_form` in a unit of work of its own that holds the write lock, so two saves of one
    record at the same moment are compared one after the other."""
    with services.database.unit_of_work(write=True) as session:
        return save_form(services.records(session), kind, record_id, posted)


def _label(kind: Kind, key: str) -> str:
    if key == SOLUTIONS:
        return "Solutions"
    return next(f.label for f in FORM_FIELDS[kind] if f.key == key)


def conflict_message(kind: Kind, conflict: EditConflict) -> str:
    """What the person whose save was refused reads."""
    labels = ", ".join(_label(kind, key) for key in conflict.fields)
    return (
        f"Nothing was saved: someone else changed this {KIND_WORDS[kind]} while you were editing it"
        f" ({labels}). The form shows your values, with what is stored now under each of those"
        " fields; save again to keep yours, or take theirs."
    )


def _edit_page(
    request: Request[Any, Any, Any],
    spec: KindPages,
    record: PublicRecord,
    *,
    values: dict[str, str],
    solutions: list[dict[str, str]],
    seen: str,
    stored: dict[str, str] | None = None,
    flash: dict[str, str] | None = None,
    status: int = 200,
) -> Response[Any]:
    principal = principal_of(request)
    edit = ConsolePage("console/record_edit.html", f"Edit {record_title(record)}", request.url.path)
    return edit.response(
        request,
        status=status,
        flash=flash,
        # The record as its page shows it to this person (staff see the internal fields, marked so).
        record=view_of(principal, record),
        record_path=f"/{spec.plural}/{record.id}",
        fields=FORM_FIELDS[spec.kind],
        values=values,
        solutions=solutions if spec.kind == "provider" else None,
        seen=seen,
        stored=stored or {},
    )


def edit_routes(spec: KindPages) -> list[HTTPRouteHandler]:
    """The edit form of one kind and its post."""
    path = f"{spec.one}/edit"

    @get(path, name=f"console:{spec.kind}-edit", opt=STAFF, dependencies=spec.dependencies)
    async def edit_form(request: AnyRequest, records: Records, record_id: RecordKey) -> Response[Any]:
        """The record's fields in a form (staff)."""
        record = await anyio.to_thread.run_sync(records.get_in_full, spec.kind, record_id)
        return _edit_page(
            request,
            spec,
            record,
            values=form_values(record, spec.kind),
            solutions=solution_rows(record),
            seen=seen_of(record, spec.kind),
        )

    @post(path, name=f"console:{spec.kind}-save", opt=STAFF, dependencies=spec.dependencies)
    async def edit_save(request: AnyRequest, records: Records, record_id: RecordKey) -> Response[Any]:
        """Save the form through the API's update path; the index follows."""
        form = await request.form()
        changes, typed, rows = read_form(form, spec.kind)
        seen = read_seen(form)
        try:
            refuse_repeated(form, spec.kind)
            refuse_deep_solutions(rows, services_of(request).settings.max_json_depth)
            refuse_untitled_new_solution(rows)
            if "population" in changes:
                changes["population"] = whole_number(typed["population"], "Population")
            posted = PostedForm(changes, typed, rows, seen)
            conflict = await anyio.to_thread.run_sync(
                _save_alone, services_of(request), spec.kind, record_id, posted
            )
        except NotFoundError:
            raise
        except MatchmakerError as exc:
            record = await anyio.to_thread.run_sync(records.get_in_full, spec.kind, record_id)
            flash = refusal_flash(exc)
            # The digests stay those of the form first shown, so a corrected save still merges.
            kept = str(form.get("seen") or "") if seen is not None else seen_of(record, spec.kind)
            return _edit_page(
                request,
                spec,
                record,
                values=typed,
                solutions=rows,
                seen=kept,
                flash=flash,
                status=status_for(exc),
            )
        if conflict is not None:
            logger.info(
                "Staff user %s: edit of %s %s refused, changed meanwhile",
                principal_of(request).user_id,
                spec.kind,
                record_id,
            )
            return _edit_page(
                request,
                spec,
                conflict.record,
                values=conflict.values,
                solutions=conflict.solutions,
                seen=seen_of(conflict.record, spec.kind),
                stored=conflict.stored,
                flash={"kind": "error", "text": conflict_message(spec.kind, conflict)},
                status=HTTP_409_CONFLICT,
            )
        logger.info("Staff user %s changed %s %s", principal_of(request).user_id, spec.kind, record_id)
        return Redirect(f"/{spec.plural}/{record_id}?saved=1", status_code=303)

    return [edit_form, edit_save]


ROUTES = [handler for spec in KIND_PAGES for handler in edit_routes(spec)]

__all__ = [
    "FORM_FIELDS",
    "ROUTES",
    "EditConflict",
    "FormField",
    "PostedForm",
    "edited_fields",
    "read_form",
    "read_seen",
    "refuse_deep_solutions",
    "refuse_untitled_new_solution",
    "save_form",
    "seen_of",
]
