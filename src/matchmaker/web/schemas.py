"""Shapes of API responses that are not records themselves: pages, match results, reports, status.

Records leave the API as the read models of :mod:`matchmaker.db.models` (``CityPublic``,
``CityConfidential``, ``ProviderPublic``, ``CasePublic``), so a confidential field cannot slip out
through a schema defined here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from matchmaker.db.models import CasePublic, CityPublic, ProviderPublic

#: Largest page of records.
MAX_PAGE = 500
#: Largest offset into a list or a ranking.
MAX_OFFSET = 100_000


class PageInfo(BaseModel):
    """Where a page sits in the whole list."""

    total: int = Field(description="Records in the whole list.")
    offset: int = Field(description="Index of the first item of this page.")
    limit: int = Field(description="Largest number of items on a page.")


class CityPage(PageInfo):
    """A page of cities (public profiles)."""

    items: list[CityPublic]


class ProviderPage(PageInfo):
    """A page of providers."""

    items: list[ProviderPublic]


class CasePage(PageInfo):
    """A page of case studies."""

    items: list[CasePublic]


class MatchResultOut(BaseModel):
    """One suggestion: the record's id, its score and why it was suggested."""

    id: str
    score: float
    explanation: dict[str, Any] = Field(
        default_factory=dict, description="The need, the capability or case answering it, and the evidence."
    )
    name: str | None = Field(default=None, description="The suggested record's name or title.")
    kind: str | None = Field(default=None, description="city, provider or case.")
    relation: str | None = Field(default=None, description="For cities: comparable or mentor.")


class MatchPage(BaseModel):
    """The CLI's ``--json`` line for one query, with pagination.

    ``results`` are sorted by score, best first, and are items ``offset`` to ``offset + top - 1`` of the
    full ranking; ``has_more`` says whether the ranking goes on.
    """

    query: str
    results: list[MatchResultOut]
    offset: int
    top: int
    has_more: bool


class IngestFileOut(BaseModel):
    """What happened to one uploaded file."""

    path: str
    kind: Literal["city", "provider", "case"] | None
    accepted: int
    created: int
    updated: int
    rejected: int
    unreadable: str | None


class IngestReportOut(BaseModel):
    """The report of an upload: the same fields as ``matchmaker ingest --json``.

    ``rejected`` lists every rejected record as ``file:line: reason``.
    """

    status: Literal["ok", "partial"] = Field(description="partial when some records were rejected.")
    accepted: int
    rejected: list[str]
    warnings: list[str]
    files: list[IngestFileOut]
    index: dict[str, Any]


class IndexKindOut(BaseModel):
    """The state of one kind's index."""

    kind: str
    present: bool
    stale: bool | None
    documents_in_db: int | None
    manifest: dict[str, Any]
    problem: str


class IndexStatusOut(BaseModel):
    """The state of every index."""

    kinds: list[IndexKindOut]


class IndexRebuildOut(BaseModel):
    """What a rebuild did."""

    seconds: float
    kinds: list[dict[str, Any]]


class HealthOut(BaseModel):
    """Liveness."""

    status: Literal["ok"] = "ok"


class ReadyOut(BaseModel):
    """Readiness: the model and the indexes are loaded."""

    status: Literal["ready", "loading", "not_ready"]
    model: str | None
    indexes: dict[str, Any]
    problems: list[str]


__all__ = [
    "MAX_OFFSET",
    "MAX_PAGE",
    "CasePage",
    "CityPage",
    "HealthOut",
    "IndexKindOut",
    "IndexRebuildOut",
    "IndexStatusOut",
    "IngestFileOut",
    "IngestReportOut",
    "MatchPage",
    "MatchResultOut",
    "PageInfo",
    "ProviderPage",
    "ReadyOut",
]
