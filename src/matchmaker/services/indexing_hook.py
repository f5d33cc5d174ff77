"""Keeps the indexes current after an ingest, when the indexing service is available."""

from __future__ import annotations

import logging

from matchmaker.db.repository import Kind
from matchmaker.settings import Settings

logger = logging.getLogger(__name__)


def refresh_after_ingest(settings: Settings, kinds: set[Kind]) -> dict[str, object]:
    """Bring the index bundles of the given kinds up to date; returns a short report."""
    from matchmaker.services import indexing

    report = indexing.refresh_indexes(settings, kinds=sorted(kinds))
    return {"refreshed": sorted(kinds), "report": str(report)}
