"""A participant's own settings: availability and maximum per event, and its public profile.

Every change is for the signed-in principal's own record (``subject_id``), never an id from the form.
Before an event's deadline the forms save; after it they are read-only, with the reason.

The profile form carries a digest of each value it showed (``seen``, as the staff edit form does), so a
save writes only the fields the participant changed: what ministry staff changed meanwhile stays.
When staff changed one of those same fields, nothing is saved and the form comes back (409) with the
participant's values and what is stored now.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.response import Redirect
from pydantic import ValidationError

from matchmaker.db.models import SolutionIn
from matchmaker.errors import ConflictError, InvalidInputError, MatchmakerError
from matchmaker.services.container import Services
from matchmaker.services.records import RecordService, describe_invalid
from matchmaker.services.selfservice import (
    CITY_OWN_FIELDS,
    OWN_FIELDS,
    PROVIDER_OWN_FIELDS,
    MyEvent,
    profile_notes,
)
from matchmaker.services.users import Principal
from matchmaker.services.visibility import view_of
from matchmaker.web.console.events import form_field, form_number
from matchmaker.web.console.record_edit import (
    FORM_FIELDS,
    SOLUTIONS,
    edited_fields,
    form_values,
    read_seen,
    refuse_deep_solutions,
    refuse_untitled_new_solution,
    seen_of,
    solution_named,
    solution_of,
    solution_rows,
    typed_solution_rows,
)
from matchmaker.web.console.render import ConsolePage
from matchmaker.web.console.session import (
    PARTICIPANTS,
    as_typed,
    principal_of,
    refusal_flash,
    refuse_unstorable,
    services_of,
    typed_values,
    whole_number,
)
from matchmaker.web.errors import status_for

logger = logging.getLogger(__name__)

_SAVED = {"availability": "Your availability was saved.", "profile": "Your profile was saved."}


def _kind(principal: Principal) -> Literal["city", "provider"]:
    return "city" if principal.role == "city" else "provider"


def _subject(principal: Principal) -> str:
    assert principal.subject_id is not None  # participants always speak for a record
    return principal.subject_id


def _flash(request: Request[Any, Any, Any]) -> dict[str, str] | None:
    key = request.query_params.get("saved") or ""
    return {"kind": "ok", "text": _SAVED[key]} if key in _SAVED else None


# --------------------------------------------------------------------------------------------------
# Availability


def _my_events(services: Services, pid: str) -> list[MyEvent]:
    with services.database.unit_of_work() as session:
        return services.self_service(session).my_events(pid)


@get("/me/availability", name="console:my-availability", opt=PARTICIPANTS)
async def availability_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """The slots the participant can attend and its maximum, per event."""
    return await _availability(request, flash=_flash(request))


_AVAILABILITY = ConsolePage("console/my_availability.html", "My availability", "/me/availability")


async def _availability(
    request: Request[Any, Any, Any],
    *,
    flash: dict[str, str] | None = None,
    status: int = 200,
    typed: dict[str, Any] | None = None,
) -> Response[Any]:
    principal = principal_of(request)
    mine = await anyio.to_thread.run_sync(_my_events, services_of(request), _subject(principal))
    return _AVAILABILITY.response(request, status=status, flash=flash, events=mine, typed=typed)


@post("/me/availability", name="console:my-availability-save", opt=PARTICIPANTS)
async def availability_save(request: Request[Any, Any, Any]) -> Response[Any]:
    """Save the availability and maximum of one event."""
    principal = principal_of(request)
    form = await request.form()
    slots = [str(v) for v in form.getall("slot")] if "slot" in form else []
    services = services_of(request)
    label = "Most meetings you want"

    def save() -> None:
        refuse_unstorable(form)
        event_id = form_field(form, "event", 128, "Event")
        max_meetings = whole_number(form_number(form, "max_meetings", label), label)
        with services.database.unit_of_work() as session:
            services.self_service(session).set_availability(
                event_id, _subject(principal), slots, max_meetings
            )

    try:
        await anyio.to_thread.run_sync(save)
    except MatchmakerError as exc:
        flash = refusal_flash(exc)
        shown = typed_values(form)
        typed = {
            "event": shown.get("event", ""),
            "slots": slots,
            "max_meetings": shown.get("max_meetings", ""),
        }
        return await _availability(request, flash=flash, status=status_for(exc), typed=typed)
    return Redirect("/me/availability?saved=availability", status_code=303)


# --------------------------------------------------------------------------------------------------
# Profile


def _profile(services: Services, principal: Principal) -> tuple[Any, str | None]:
    """The participant's own public profile as it may see it (no internal fields), and why it is
    read-only now, if it is."""
    with services.database.unit_of_work() as session:
        record = services.records(session).get(_kind(principal), _subject(principal))
        return view_of(principal, record), services.self_service(session).profile_lock(_subject(principal))


@get("/me/profile", name="console:my-profile", opt=PARTICIPANTS)
async def profile_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """The participant's own public profile as a form (read-only after a deadline)."""
    return await _profile_page(request, flash=_flash(request))


_PROFILE = ConsolePage("console/my_profile.html", "Edit profile", "/me/profile")


async def _profile_page(
    request: Request[Any, Any, Any],
    *,
    flash: dict[str, str] | None = None,
    status: int = 200,
    values: dict[str, str] | None = None,
    solutions: list[dict[str, str]] | None = None,
    seen: str | None = None,
) -> Response[Any]:
    principal = principal_of(request)
    record, lock = await anyio.to_thread.run_sync(_profile, services_of(request), principal)
    kind = _kind(principal)
    if _kind(principal) == "provider" and solutions is None:
        solutions = solution_rows(record) if lock is None else solution_rows(record)[:-1]
    return _PROFILE.response(
        request,
        status=status,
        flash=flash,
        record=record,
        kind=_kind(principal),
        lock=lock,
        values=values or {},
        solutions=solutions,
        seen=seen if seen is not None else seen_of(record, kind, _own_fields(kind)),
        notes=await anyio.to_thread.run_sync(profile_notes, record) if kind == "provider" else [],
    )


_CITY_FIELDS = CITY_OWN_FIELDS
#: The provider's own fields the form shows one by one (its solutions are rows of their own).
_PROVIDER_FIELDS = tuple(key for key in PROVIDER_OWN_FIELDS if key != SOLUTIONS)
_LISTS = {"languages", "regions_served"}
_FORM_TEXT_MAX = 1_000_000


class _ClashError(ConflictError):
    """A save refused because staff changed a field the participant changed too; the form shows the
    participant's changed values and the stored ones for the rest."""

    def __init__(self, message: str, values: dict[str, str], solutions: list[dict[str, str]] | None) -> None:
        super().__init__(message)
        self.values = values
        self.solutions = solutions


def _own_fields(kind: Literal["city", "provider"]) -> tuple[str, ...]:
    """The fields of the participant's profile form, as :func:`seen_of` compares them."""
    return OWN_FIELDS[kind]


def _changed_only(
    records: RecordService,
    kind: Literal["city", "provider"],
    record_id: str,
    posted: tuple[dict[str, str], list[dict[str, str]] | None],
    *,
    seen: dict[str, str],
    changes: dict[str, Any],
) -> dict[str, Any]:
    """The part of ``changes`` the participant made since the form was shown; :class:`ConflictError`
    when someone else changed one of those fields to something else meanwhile (nothing is saved)."""
    typed, rows = posted
    keys = tuple(k for k in _own_fields(kind) if k != SOLUTIONS or rows is not None)
    records.lock(kind, record_id)
    current = records.get(kind, record_id)
    changed, clashes = edited_fields(kind, (typed, rows or []), seen, current, keys)
    if clashes:
        shown = form_values(current, kind)
        stored = "; ".join(
            f"{_label(kind, key)} “{shown.get(key, '') if key != SOLUTIONS else _titles(current)}”"
            for key in clashes
        )
        values = {key: typed[key] if key in changed else shown.get(key, "") for key in typed}
        solutions = rows if SOLUTIONS in changed else solution_rows(current)
        raise _ClashError(
            "Nothing was saved: ministry staff changed your profile while you were editing it."
            f" Stored now: {stored}. The form shows your values; save again to keep them",
            values,
            solutions if rows is not None else None,
        )
    return {key: value for key, value in changes.items() if key in changed}


def _label(kind: Literal["city", "provider"], key: str) -> str:
    if key == SOLUTIONS:
        return "Solutions"
    return next(f.label for f in FORM_FIELDS[kind] if f.key == key)


def _titles(record: Any) -> str:
    return "; ".join(s.title for s in getattr(record, "solutions", []))


def _solutions_typed(form: Any) -> list[dict[str, str]] | None:
    """A provider's solution rows as typed, read whole (a text over its limit is refused, not cut),
    or ``None`` when the form sends none, which leaves the solutions as they are."""
    return typed_solution_rows(form, as_typed) or None


def _solutions(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The solutions the rows describe; a row whose title is left empty is dropped (how a solution is
    removed). A row that breaks a rule is refused naming it as the form shows it (its number counts
    every row, the emptied ones too, and its title), not by its place among the rows kept."""
    for number, row in enumerate(rows, start=1):
        title = row["title"].strip()
        if not title:
            continue
        try:
            SolutionIn.model_validate(solution_of(row))
        except ValidationError as exc:
            named = solution_named(number, title)
            raise InvalidInputError(f"{named}: {describe_invalid(exc, 'solution')}") from exc
    return [solution_of(row) for row in rows if row["title"].strip()]


@post("/me/profile", name="console:my-profile-save", opt=PARTICIPANTS)
async def profile_save(request: Request[Any, Any, Any]) -> Response[Any]:
    """Save the public profile, validated as at ingest; the index follows."""
    principal = principal_of(request)
    form = await request.form()
    fields = _CITY_FIELDS if principal.role == "city" else _PROVIDER_FIELDS
    # Read whole (the request's size is bounded), so that a text over its limit is refused with the
    # limit named and kept in the form, never cut short and saved.
    raw = {key: form_field(form, key, _FORM_TEXT_MAX) for key in fields}
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _LISTS:
            changes[key] = [v.strip() for v in value.split(";") if v.strip()]
        elif key in ("population", "language", "website"):
            changes[key] = value or None
        else:
            changes[key] = value
    rows = _solutions_typed(form) if principal.role == "provider" else None
    seen = read_seen(form)
    services = services_of(request)

    def save() -> None:
        nonlocal changes
        refuse_unstorable(form)
        if "population" in changes:
            changes["population"] = whole_number(raw["population"], "Population")
        if rows is not None:
            refuse_deep_solutions(rows, services.settings.max_json_depth)
            refuse_untitled_new_solution(rows)
            changes["solutions"] = _solutions(rows)
        kind, me = _kind(principal), _subject(principal)
        with services.database.unit_of_work(write=True) as session:
            if seen is not None:
                changes = _changed_only(
                    services.records(session), kind, me, (raw, rows), seen=seen, changes=changes
                )
            services.self_service(session).update_profile(kind, me, changes)

    try:
        await anyio.to_thread.run_sync(save)
    except MatchmakerError as exc:
        flash = refusal_flash(exc)
        # After a clash the form takes the digests of the stored values, so saving it again keeps
        # the participant's values; after another refusal it keeps those it showed first, so a
        # corrected save still writes only what the participant changed.
        if isinstance(exc, _ClashError):
            return await _profile_page(
                request, flash=flash, status=status_for(exc), values=exc.values, solutions=exc.solutions
            )
        kept = None if seen is None else str(form.get("seen") or "")
        return await _profile_page(
            request, flash=flash, status=status_for(exc), values=raw, solutions=rows, seen=kept
        )
    return Redirect("/me/profile?saved=profile", status_code=303)


ROUTES = [availability_page, availability_save, profile_page, profile_save]

__all__ = ["ROUTES"]
