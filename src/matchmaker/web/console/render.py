"""Rendering console pages: one Jinja environment with autoescaping and a few display filters."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import Response
from litestar.connection import ASGIConnection
from litestar.enums import MediaType
from markupsafe import Markup, escape

from matchmaker.db.models import is_internal_key
from matchmaker.matching.regions import country_label
from matchmaker.scheduling import describe_gap
from matchmaker.scheduling.exports import told_date
from matchmaker.services.events.rules import told_in_zone, zone
from matchmaker.services.events.schemas import (
    MAX_GAP_MINUTES,
    MAX_SLOT_MINUTES,
    MAX_SLOTS,
    MAX_TABLES,
    MIN_SLOT_MINUTES,
)
from matchmaker.services.users import Principal
from matchmaker.vocabulary import get_term
from matchmaker.vocabulary.language import language_label
from matchmaker.web.console.session import SUBJECT_NAME, principal_of
from matchmaker.wording import counted

logger = logging.getLogger(__name__)

#: Pages must never be cached by a shared cache or kept after sign-out.
NO_STORE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: Scripts only from this origin (htmx is vendored); no inline scripts, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def term_label(term_id: str) -> str:
    """The readable label of a vocabulary term id (the id itself when it is not a term)."""
    term = get_term(str(term_id))
    return term.label if term is not None else str(term_id).replace("_", " ")


def term_definition(term_id: str) -> str:
    """The definition of a vocabulary term, for tooltips; empty when unknown."""
    term = get_term(str(term_id))
    return term.definition if term is not None else ""


def country_name(code: str | None) -> str:
    """``"TR"`` -> ``"Türkiye"``; unknown codes are shown as they are."""
    return country_label(code) if code else ""


def language_name(code: str | None) -> str:
    """``"sr"`` -> ``"Serbian"``; unknown codes are shown as they are."""
    return language_label(code) if code else ""


def highlight(text: str | None, phrases: Iterable[str] | None = None, spans: Any = None) -> Markup:
    """Escape ``text`` and wrap the given character ``spans`` and ``phrases`` in ``<mark>``.

    Spans are ``[start, end)`` pairs into ``text``; phrases are matched case-insensitively. Overlaps
    are merged, so the output is always well-formed.
    """
    if not text:
        return Markup("")
    ranges: list[tuple[int, int]] = []
    for span in spans or ():
        try:
            start, end = int(span[0]), int(span[1])
        except (TypeError, ValueError, IndexError, KeyError):
            continue
        if 0 <= start < end <= len(text):
            ranges.append((start, end))
    for phrase in phrases or ():
        phrase = str(phrase).strip()
        if len(phrase) < 3:
            continue
        ranges.extend(m.span() for m in re.finditer(re.escape(phrase), text, flags=re.IGNORECASE))
    if not ranges:
        return escape(text)
    ranges.sort()
    merged: list[list[int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    pos = 0
    for start, end in merged:
        out.append(str(escape(text[pos:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))  # noqa: S704 - every piece of text was escaped above


def in_zone(moment: datetime, timezone: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A slot or meeting time as the clock reads in ``timezone`` (an event's zone), in ``fmt``, for
    lists and forms that say their zone once. A moment told in a sentence (a deadline, when rating
    opens) is the ``told_in_zone`` filter (:func:`~matchmaker.services.events.rules.told_in_zone`).

    A time without an offset is a slot's wall time and is shown as it is; an aware one without a zone
    (or with an unknown zone) is shown in UTC.
    """
    return _on_clock(moment, timezone).strftime(fmt)


def told_day(moment: datetime, timezone: str | None) -> str:
    """The date of a moment as the clock reads in ``timezone`` (see :func:`in_zone`), in the one
    wording of dates people read (:func:`~matchmaker.scheduling.exports.told_date`)."""
    return told_date(_on_clock(moment, timezone))


def _on_clock(moment: datetime, timezone: str | None) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone(timezone) or ZoneInfo("UTC"))


def utc_time(moment: datetime | str | None) -> str:
    """A moment of the system's own (an index built, an ingest finished) as ``2026-12-06 08:38 UTC``,
    the way the users page shows sign-ins; an ISO text (a bundle manifest's) is read first, a time
    without an offset is the database's UTC, and nothing is ``–``."""
    if moment is None or moment == "":
        return "–"
    if isinstance(moment, str):
        try:
            when = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    else:
        when = moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def other_fields(extra: Mapping[str, Any] | str | None) -> list[tuple[str, str]]:
    """A record part's fields beyond the known ones (an ``extra`` object, or the JSON text of one that a
    form carries) as (name, value) pairs to show: a list of plain values joined with commas, anything
    else but text as JSON. Text that is no JSON object shows nothing (the save names it)."""
    if isinstance(extra, str):
        try:
            extra = json.loads(extra) if extra else {}
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            return []
    if not isinstance(extra, Mapping):
        return []
    pairs: list[tuple[str, str]] = []
    for key, value in extra.items():
        if isinstance(value, str):
            shown = value
        elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
            shown = ", ".join(str(v) for v in value)
        else:
            shown = json.dumps(value, ensure_ascii=False)
        pairs.append((str(key), shown))
    return pairs


def percent(value: Any) -> str:
    """A 0..1 score as a whole percentage."""
    try:
        return f"{round(float(value) * 100)}%"
    except (TypeError, ValueError):
        return ""


@cache
def environment() -> Environment:
    """The console's Jinja environment (templates under ``matchmaker/web/templates``)."""
    env = Environment(
        loader=PackageLoader("matchmaker.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        term=term_label,
        term_definition=term_definition,
        country=country_name,
        language=language_name,
        highlight=highlight,
        percent=percent,
        counted=counted,
        in_zone=in_zone,
        told_in_zone=told_in_zone,
        told_day=told_day,
        utc_time=utc_time,
        gap_in_words=describe_gap,
        other_fields=other_fields,
    )
    env.tests["internal_key"] = is_internal_key
    # The event forms' number fields take what the event's own rules take.
    env.globals["event_limits"] = {
        "min_slot_minutes": MIN_SLOT_MINUTES,
        "max_slot_minutes": MAX_SLOT_MINUTES,
        "max_gap_minutes": MAX_GAP_MINUTES,
        "max_slots": MAX_SLOTS,
        "max_tables": MAX_TABLES,
    }
    return env


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render one template to text."""
    return environment().get_template(template).render(**context)


def page(
    template: str,
    principal: Principal | None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """An HTML response for a console page, with the signed-in principal in the context."""
    subject = SUBJECT_NAME.get() if principal is not None and principal.subject_id else None
    body = render(template, {"principal": principal, "flash": None, "subject_name": subject, **context})
    all_headers = {**NO_STORE, "Content-Security-Policy": CSP, **(headers or {})}
    return Response(
        content=body,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers=all_headers,
    )


@dataclass(frozen=True, slots=True)
class ConsolePage:
    """A page of the signed-in console: its template, its title, and the path its navigation marks as
    the current one."""

    template: str
    title: str
    path: str

    def response(
        self, request: ASGIConnection[Any, Any, Any, Any], *, status: int = 200, **context: Any
    ) -> Response[str]:
        """The page for the request's signed-in principal, with ``context``."""
        return page(
            self.template,
            principal_of(request),
            status_code=status,
            title=self.title,
            request_path=self.path,
            **context,
        )


__all__ = [
    "CSP",
    "NO_STORE",
    "ConsolePage",
    "country_name",
    "environment",
    "highlight",
    "in_zone",
    "language_name",
    "page",
    "percent",
    "render",
    "term_label",
    "told_day",
    "utc_time",
]
