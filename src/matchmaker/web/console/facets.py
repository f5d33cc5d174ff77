"""Facets of records for the console's filters: country, domains, obstacles, language, programme level.

Structured fields are sparse in real corpora (most cities send only a free-text summary), so domains
and obstacles come from the structured fields merged with the vocabulary tags found in the text, and a
record's language from its ``language`` field or, failing that, from the text. Tagging costs a few
milliseconds per record; results are cached per record content, so a listing is cheap after the first.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from matchmaker.db.models import CasePublic, CityPublic, ProviderPublic, PublicRecord
from matchmaker.matching.names import sound_key, sound_skeleton
from matchmaker.vocabulary import Kind, detect_language, fold, merge_tags, tag_text, terms_of_kind

logger = logging.getLogger(__name__)

Record = PublicRecord


@dataclass(frozen=True, slots=True)
class Facets:
    """What a record can be filtered by."""

    country: str
    domains: frozenset[str]
    obstacles: frozenset[str]
    languages: frozenset[str]
    programme_level: int | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """The filters of a listing; empty strings mean "any"."""

    q: str = ""
    country: str = ""
    domain: str = ""
    obstacle: str = ""
    language: str = ""
    level: str = ""

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return any((self.q, self.country, self.domain, self.obstacle, self.language, self.level))


def _text_and_structured(record: Record) -> tuple[str, dict[str, list[str]], list[str]]:
    if isinstance(record, CityPublic):
        structured = {"priorities": record.priorities, "challenges": record.challenges}
        return record.summary, structured, [record.language] if record.language else []
    if isinstance(record, ProviderPublic):
        parts = [record.description]
        domains: list[str] = []
        for solution in record.solutions:
            parts.append(f"{solution.title}. {solution.description}")
            domains.extend(solution.domains)
        return "\n".join(parts), {"domains": domains}, list(record.languages)
    structured = {"domains": record.domains, "obstacles": record.obstacles}
    return f"{record.title}\n{record.text}", structured, []


def _digest(record: Record) -> str:
    data = record.model_dump(mode="json")
    return hashlib.blake2b(json.dumps(data, sort_keys=True).encode("utf-8"), digest_size=16).hexdigest()


@lru_cache(maxsize=4096)
def _facets_cached(kind: str, record_id: str, digest: str, payload: str) -> Facets:  # noqa: ARG001
    record: Record
    if kind == "city":
        record = CityPublic.model_validate_json(payload)
    elif kind == "provider":
        record = ProviderPublic.model_validate_json(payload)
    else:
        record = CasePublic.model_validate_json(payload)
    text, structured, languages = _text_and_structured(record)
    if not languages:
        try:
            languages = [detect_language(text)]
        except Exception:  # language detection is a nicety for filtering, never a failure
            logger.debug("Could not detect the language of %s %s", kind, record_id, exc_info=True)
            languages = []
    language_hint = languages[0] if len(languages) == 1 else None
    tags = merge_tags(structured, tag_text(text, language_hint, kinds=(Kind.DOMAIN, Kind.OBSTACLE)))
    level = record.programme_level if isinstance(record, CityPublic) else None
    return Facets(
        country=record.country,
        domains=frozenset(t.term_id for t in tags if t.kind == Kind.DOMAIN),
        obstacles=frozenset(t.term_id for t in tags if t.kind == Kind.OBSTACLE),
        languages=frozenset(x for x in languages if x),
        programme_level=level,
    )


def kind_of(record: Record) -> str:
    """``city``, ``provider`` or ``case``."""
    if isinstance(record, CityPublic):
        return "city"
    if isinstance(record, ProviderPublic):
        return "provider"
    return "case"


def facets_of(record: Record) -> Facets:
    """The facets of one record (cached by content)."""
    return _facets_cached(kind_of(record), record.id, _digest(record), record.model_dump_json())


def _searchable(record: Record) -> str:
    if isinstance(record, CityPublic):
        return f"{record.id} {record.name} {record.summary}"
    if isinstance(record, ProviderPublic):
        sols = " ".join(f"{s.title} {s.description}" for s in record.solutions)
        return f"{record.id} {record.name} {record.description} {sols}"
    return f"{record.id} {record.title} {record.city} {record.text}"


def _name(record: Record) -> str:
    return record.name if isinstance(record, (CityPublic, ProviderPublic)) else record.city


def _matches_text(record: Record, query: str) -> bool:
    haystack = fold(_searchable(record))
    if all(word in haystack for word in fold(query).split()):
        return True
    # The name, or the starts of its words, as another script or romanisation writes them (Гянджа,
    # Gyandzha: Ganja), or a long name with its vowels written otherwise (Нөкис: Nukus).
    name, sounds = _name(record), sound_key(query).split()
    heard = sound_key(name).split()
    if sounds and all(any(word.startswith(sound) for word in heard) for sound in sounds):
        return True
    skeleton = sound_skeleton(query)
    return skeleton is not None and skeleton == sound_skeleton(name)


def apply_filters(records: Iterable[Record], filters: Filters) -> list[Record]:
    """The records that pass every filter set; the text query matches words in any order, any case, or
    the record's name (a case study's city) as another script or romanisation writes it."""
    out: list[Record] = []
    for record in records:
        facets = facets_of(record)
        if filters.country and facets.country != filters.country.upper():
            continue
        if filters.domain and filters.domain not in facets.domains:
            continue
        if filters.obstacle and filters.obstacle not in facets.obstacles:
            continue
        if filters.language and filters.language.lower() not in facets.languages:
            continue
        if filters.level and str(facets.programme_level or "") != filters.level:
            continue
        if filters.q and not _matches_text(record, filters.q):
            continue
        out.append(record)
    return out


@dataclass(frozen=True, slots=True)
class FilterOptions:
    """The values offered by a listing's filter menus."""

    countries: list[str]
    domains: list[tuple[str, str]]
    obstacles: list[tuple[str, str]]
    languages: list[str]
    levels: list[int]


def filter_options(records: Sequence[Record]) -> FilterOptions:
    """Menus built from the records at hand (countries and languages present) and the vocabulary."""
    countries: set[str] = set()
    languages: set[str] = set()
    levels: set[int] = set()
    for record in records:
        facets = facets_of(record)
        countries.add(facets.country)
        languages.update(facets.languages)
        if facets.programme_level:
            levels.add(facets.programme_level)
    return FilterOptions(
        countries=sorted(countries),
        domains=[(t.id, t.label) for t in terms_of_kind(Kind.DOMAIN)],
        obstacles=[(t.id, t.label) for t in terms_of_kind(Kind.OBSTACLE)],
        languages=sorted(languages),
        levels=sorted(levels) or [1, 2, 3],
    )


__all__ = ["Facets", "FilterOptions", "Filters", "apply_filters", "facets_of", "filter_options", "kind_of"]
