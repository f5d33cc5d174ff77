"""What the matcher knows about each document beyond its vectors: tags, context and offer.

A :class:`Profile` is computed once per document when an engine is built (see
:mod:`matchmaker.matching.engine`):

* **tags**: domains, obstacles and stages of the controlled vocabulary, found in the text with a
  confidence, merged with the structured fields of the record (``priorities``, ``challenges``,
  ``domains``, ``obstacles``, ``stages``, solution ``domains``), which take precedence;
* **city context** (cities): working language(s), scale, budget situation, hosting, connectivity,
  legacy systems and climate (:func:`matchmaker.vocabulary.extract_context`);
* **offer** (providers): business models, hosting, offline capability, climates, scales served and
  languages (:func:`matchmaker.vocabulary.extract_offer`), plus regions served and references;
* **mentor link** (cases): the city a case study comes from, so its city can be offered as a mentor.

Tag vectors over :data:`TERM_IDS` (domains then obstacles) let the engine compare tags with matrix
products.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import numpy as np

from matchmaker.db.models import CasePublic, CityPublic, ProviderPublic
from matchmaker.embeddings.encoder import FloatArray
from matchmaker.embeddings.passages import DocKind, Record, record_kind
from matchmaker.matching.names import normalize_name
from matchmaker.vocabulary import (
    CityContext,
    Kind,
    OfferContext,
    Tag,
    detect_language,
    extract_context,
    extract_offer,
    find_language_mentions,
    load_vocabulary,
    merge_tags,
    tag_text,
)

logger = logging.getLogger(__name__)


#: Kinds of terms that describe what a document is about (the rest is context).
TOPIC_KINDS: tuple[Kind, ...] = (Kind.DOMAIN, Kind.OBSTACLE, Kind.STAGE)


@cache
def term_ids() -> tuple[str, ...]:
    """Domain then obstacle term ids: the axes of tag vectors."""
    vocab = load_vocabulary()
    return tuple(t.id for t in vocab.of_kind(Kind.DOMAIN)) + tuple(t.id for t in vocab.of_kind(Kind.OBSTACLE))


@cache
def term_axis() -> dict[str, int]:
    """Term id → axis of a tag vector."""
    return {t: i for i, t in enumerate(term_ids())}


@cache
def obstacle_mask() -> FloatArray:
    """1.0 on obstacle axes, 0.0 on domain axes."""
    vocab = load_vocabulary()
    return np.array(
        [1.0 if vocab.get(t) is not None and vocab.get(t).kind is Kind.OBSTACLE else 0.0 for t in term_ids()],  # type: ignore[union-attr]
        dtype=np.float32,
    )


def tag_vector(tags: Iterable[Tag]) -> FloatArray:
    """Confidences of domain and obstacle tags laid on :data:`TERM_IDS` axes."""
    axis = term_axis()
    out = np.zeros(len(axis), dtype=np.float32)
    for tag in tags:
        i = axis.get(tag.term_id)
        if i is not None:
            out[i] = max(out[i], tag.confidence)
    return out


_NEEDS_CONNECTION = re.compile(
    r"\b(?:requires?|needs?|relies on|depends on|dependent on)\s+(?:an?\s+)?(?:stable|always[- ]on|permanent|"
    r"continuous|constant|reliable|good|fast|fibre|broadband)\b[^.]{0,40}?\b(?:connection|connectivity|"
    r"broadband|internet|link|links|network|coverage|4g|lte|5g)|\balways[- ]on (?:connection|link)",
    re.IGNORECASE,
)


def needs_connection(text: str) -> bool:
    """Whether a text says the offer needs a stable network connection."""
    return bool(_NEEDS_CONNECTION.search(text))


@dataclass(frozen=True, slots=True)
class Profile:
    """One document as the matcher sees it."""

    kind: DocKind
    doc_id: str
    name: str
    country: str
    language: str
    tags: tuple[Tag, ...]
    vector: FloatArray
    languages: frozenset[str] = frozenset()
    city: CityContext | None = None
    offer: OfferContext | None = None
    regions_served: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    needs_connection: bool = False
    mentor_city: str | None = None
    structured_obstacles: frozenset[str] = frozenset()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def tag(self, term_id: str) -> Tag | None:
        """This document's tag for a term, if any."""
        for t in self.tags:
            if t.term_id == term_id:
                return t
        return None


def _document_profile(
    kind: DocKind,
    record: CityPublic | ProviderPublic | CasePublic,
    *,
    name: str,
    language: str,
    tags: Sequence[Tag],
    languages: Iterable[str],
) -> Profile:
    """What the profile of every stored document holds: its id, name, country and language, its tags
    with their vector, the languages it works in or mentions, and its extra fields. Each kind adds its
    own context to it."""
    return Profile(
        kind=kind,
        doc_id=record.id,
        name=name,
        country=record.country,
        language=language,
        tags=tuple(tags),
        vector=tag_vector(tags),
        languages=frozenset(languages),
        extra=dict(record.extra),
    )


def _topic_tags(text: str, language: str, structured: Mapping[str, Sequence[str] | str]) -> list[Tag]:
    found = tag_text(text, language, kinds=TOPIC_KINDS)
    clean = {k: v for k, v in structured.items() if v}
    return merge_tags(clean, found) if clean else found


#: Budget situations that are a funding obstacle in themselves.
_FUNDING_BUDGETS = frozenset({"budget_no_capex", "budget_grant_dependent"})


def _implied_obstacles(tags: list[Tag], context: CityContext) -> list[Tag]:
    """A city without a capital budget, or living on grants, has the funding obstacle."""
    if any(t.term_id == "funding" for t in tags):
        return tags
    budget = [t for t in context.budget if t.term_id in _FUNDING_BUDGETS]
    if not budget:
        return tags
    best = max(budget, key=lambda t: t.confidence)
    implied = Tag("funding", Kind.OBSTACLE, best.confidence, best.spans, source="text")
    return sorted([*tags, implied], key=lambda t: (-t.confidence, t.kind.value, t.term_id))


def city_profile(record: CityPublic) -> Profile:
    """Tags and context of a city."""
    text = "\n".join([record.summary, *record.challenges])
    language = record.language or detect_language(record.summary)
    tags = _topic_tags(text, language, {"priorities": record.priorities, "challenges": record.challenges})
    context = extract_context(text, population=record.population, language=language)
    tags = _implied_obstacles(tags, context)
    languages = {language} | {m.code for m in context.languages}
    profile = _document_profile(
        "city", record, name=record.name, language=language, tags=tags, languages=languages
    )
    return replace(profile, city=context)


def _business_models(record: ProviderPublic) -> list[str]:
    raw = record.extra.get("business_models")
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list):
        return [str(x) for x in raw]
    return []


def deployed_populations(record: ProviderPublic, populations: Mapping[str, int]) -> list[int]:
    """Populations of the known cities a provider's solutions are deployed in (sizes its references)."""
    references = (ref for s in record.solutions for ref in s.deployed_in)
    return [populations[n] for n in (normalize_name(r) for r in references) if n in populations]


def mentor_of(record: CasePublic, city_ids: Mapping[tuple[str, str], str]) -> str | None:
    """The stored city a case study comes from: an explicit ``city_id`` in its extra fields, else the
    city of the same name and country."""
    mentor = record.extra.get("city_id")
    if isinstance(mentor, str) and mentor:
        return mentor
    return city_ids.get((normalize_name(record.city), record.country))


def provider_profile(record: ProviderPublic, populations: Mapping[str, int] | None = None) -> Profile:
    """Tags and offer of a provider; ``populations`` (normalised city name → population) sizes references."""
    parts = [record.description] + [f"{s.title}. {s.description}" for s in record.solutions]
    text = "\n".join(parts)
    language = detect_language(record.description)
    domains = [d for s in record.solutions for d in s.domains]
    tags = _topic_tags(text, language, {"domains": domains})
    references = tuple(ref for s in record.solutions for ref in s.deployed_in)
    deployed = deployed_populations(record, populations or {})
    offer = extract_offer(
        text,
        languages=record.languages,
        business_models=_business_models(record),
        deployed_populations=deployed,
        language=language,
    )
    languages = {c.lower() for c in record.languages} | {m.code for m in offer.languages}
    return replace(
        _document_profile(
            "provider", record, name=record.name, language=language, tags=tags, languages=languages
        ),
        offer=offer,
        regions_served=tuple(record.regions_served),
        references=references,
        needs_connection=bool(_NEEDS_CONNECTION.search(text)),
    )


def case_profile(record: CasePublic, city_ids: Mapping[tuple[str, str], str] | None = None) -> Profile:
    """Tags of a case study and the stored city it comes from (its mentor link), if any.

    ``city_ids`` maps ``(normalised city name, country)`` to a city id; an explicit ``city_id`` in the
    record's extra fields wins.
    """
    text = f"{record.title}\n{record.text}"
    language = detect_language(record.text)
    structured: dict[str, Sequence[str] | str] = {
        "domains": record.domains,
        "obstacles": record.obstacles,
        "stages": record.stages,
    }
    tags = _topic_tags(text, language, structured)
    mentor = mentor_of(record, city_ids or {})
    structured_obstacles = frozenset(
        t.term_id for t in tags if t.kind is Kind.OBSTACLE and t.source == "structured"
    )
    languages = {language} | {m.code for m in find_language_mentions(record.text)}
    profile = _document_profile(
        "case", record, name=record.title, language=language, tags=tags, languages=languages
    )
    return replace(profile, mentor_city=mentor, structured_obstacles=structured_obstacles)


def query_profile(text: str) -> Profile:
    """Tags of a free-text query."""
    language = detect_language(text)
    tags = tag_text(text, language, kinds=TOPIC_KINDS, min_confidence=0.3)
    return Profile(
        kind="case",
        doc_id="",
        name="",
        country="",
        language=language,
        tags=tuple(tags),
        vector=tag_vector(tags),
    )


def city_lookups(
    records: Mapping[DocKind, Sequence[Record]],
) -> tuple[dict[str, int], dict[tuple[str, str], str]]:
    """What providers and cases look cities up for: normalised name → population, and
    (normalised name, country) → city id."""
    cities = [r for r in records.get("city", ()) if isinstance(r, CityPublic)]
    populations = {normalize_name(c.name): c.population for c in cities if c.population}
    city_ids = {(normalize_name(c.name), c.country): c.id for c in cities}
    return populations, city_ids


def build_profiles(records: Mapping[DocKind, Sequence[Record]]) -> dict[DocKind, dict[str, Profile]]:
    """Profiles of every record, per kind (providers and cases look cities up for sizes and mentors)."""
    populations, city_ids = city_lookups(records)
    out: dict[DocKind, dict[str, Profile]] = {"city": {}, "provider": {}, "case": {}}
    for kind, recs in records.items():
        for rec in recs:
            if record_kind(rec) != kind:
                continue
            if isinstance(rec, CityPublic):
                out["city"][rec.id] = city_profile(rec)
            elif isinstance(rec, ProviderPublic):
                out["provider"][rec.id] = provider_profile(rec, populations)
            elif isinstance(rec, CasePublic):
                out["case"][rec.id] = case_profile(rec, city_ids)
    return out


__all__ = [
    "TOPIC_KINDS",
    "Profile",
    "build_profiles",
    "case_profile",
    "city_lookups",
    "city_profile",
    "deployed_populations",
    "mentor_of",
    "needs_connection",
    "obstacle_mask",
    "provider_profile",
    "query_profile",
    "tag_vector",
    "term_axis",
    "term_ids",
]
