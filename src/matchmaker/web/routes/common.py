"""Helpers shared by the route modules: dependencies, pagination parameters, write follow-ups."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter

from matchmaker.db.models import ID_PATTERN
from matchmaker.db.repository import Kind
from matchmaker.errors import InvalidInputError, MatchmakerError
from matchmaker.services.indexing_hook import refresh_after_ingest
from matchmaker.settings import Settings
from matchmaker.web.schemas import MAX_OFFSET, MAX_PAGE
from matchmaker.web.state import Runtime

logger = logging.getLogger(__name__)

Offset = Annotated[
    int, Parameter(ge=0, le=MAX_OFFSET, description="Index of the first item to return.", required=False)
]
Limit = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Largest number of items.", required=False)]
RecordId = Annotated[
    str,
    Parameter(min_length=1, max_length=128, pattern=ID_PATTERN.pattern, description="The record's id."),
]


def provide_settings(state: State) -> Settings:
    """Dependency ``settings``: the instance's settings."""
    settings: Settings = state.settings
    return settings


def provide_runtime(state: State) -> Runtime:
    """Dependency ``runtime``: the loaded model and matcher."""
    runtime: Runtime = state.runtime
    return runtime


DEPENDENCIES = {
    "settings": Provide(provide_settings, sync_to_thread=False),
    "runtime": Provide(provide_runtime, sync_to_thread=False),
}


def _unstorable(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return "contains an unpaired surrogate (not valid Unicode text)"
    return None


def reject_unstorable(value: Any, where: str = "body") -> None:
    """Refuse text that no database can store (NUL, unpaired surrogates), naming the field."""
    if isinstance(value, str):
        reason = _unstorable(value)
        if reason:
            raise InvalidInputError(f"{where}: {reason}")
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_unstorable(key, where)
            reject_unstorable(item, f"{where}.{key}" if where != "body" else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            reject_unstorable(item, f"{where}[{index}]")


def after_write(request: Request[Any, Any, Any], kinds: set[Kind]) -> None:
    """After a record changed: refresh the indexes of its kind and forget cached confidential values.

    A failed refresh does not undo the change; the index status then shows the index as stale.
    """
    state = request.app.state
    state.confidential_terms.invalidate()
    try:
        refresh_after_ingest(state.settings, kinds)
    except MatchmakerError as exc:
        logger.warning("The index could not be refreshed after a change: %s", exc.message)
    except Exception:
        logger.exception("The index could not be refreshed after a change")


__all__ = ["DEPENDENCIES", "Limit", "Offset", "RecordId", "after_write", "reject_unstorable"]
