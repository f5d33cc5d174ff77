"""Resolving ids and names typed by people to stored records.

Names are compared after :func:`normalize_name`: transliterated to ASCII (Kukës → kukes, İstanbul →
istanbul, Ош → osh), case-folded, punctuation dropped, and legal or administrative suffixes removed
(A.Ş., LLC, Belediyesi, Municipality, Opština, City Hall...). Resolution never guesses: when several
names are about as close, :class:`~matchmaker.errors.AmbiguousNameError` lists the candidates.

RapidFuzz is imported when a name is first compared fuzzily: resolving an id (``show city kukes``) does
not load it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

from matchmaker.errors import AmbiguousNameError, NotFoundError

# Words that say what kind of body a name is, not which one. Compared after transliteration.
_NOISE_WORDS = frozenset(
    {
        # legal forms
        "a.s",
        "as",
        "anonim",
        "sirketi",
        "ltd",
        "sti",
        "limited",
        "llc",
        "l.l.c",
        "inc",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "sa",
        "s.a",
        "sarl",
        "sas",
        "srl",
        "spa",
        "bv",
        "nv",
        "plc",
        "jsc",
        "ojsc",
        "cjsc",
        "pjsc",
        "too",
        "tov",
        "ooo",
        "oao",
        "zao",
        "llp",
        "doo",
        "d.o.o",
        "dooel",
        "shpk",
        "sh.p.k",
        "sh.a",
        "mchj",
        "kft",
        # administrative words
        "belediyesi",
        "belediye",
        "buyuksehir",
        "municipality",
        "municipal",
        "metropolitan",
        "council",
        "city",
        "hall",
        "town",
        "mairie",
        "commune",
        "comune",
        "opstina",
        "opcina",
        "obshtina",
        "obcina",
        "grad",
        "bashkia",
        "bashkise",
        "komuna",
        "hakimiyat",
        "akimat",
        "akimiyat",
        "administration",
        "meriya",
        "meria",
        "municipalite",
        "municipalidad",
        "shaary",
        "shahri",
        "shahar",
        "qalasy",
        "khural",
        "of",
        "the",
        "de",
        "la",
        "du",
        "des",
        "le",
    }
)
_CITY_HALL = re.compile(r"\bcity\s+hall\b")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Transliterate to lower-case ASCII, handling Turkish dotted and dotless i."""
    text = text.replace("İ", "I").replace("ı", "i")
    text = unicodedata.normalize("NFKC", text)
    return anyascii(text).casefold()


@lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """The comparable form of a name: ASCII, lower case, no punctuation, no legal or admin suffixes
    (kept for the names seen last: an engine compares every reference with every city's name)."""
    folded = _CITY_HALL.sub(" ", fold(name))
    # Keep dotted abbreviations together (a.s., d.o.o.) before stripping punctuation.
    tokens = [t.strip(".,;:()[]\"'") for t in folded.split()]
    kept = [t for t in tokens if t and t not in _NOISE_WORDS and t.replace(".", "") not in _NOISE_WORDS]
    text = _NON_ALNUM.sub(" ", " ".join(kept)).strip()
    if not text:  # the name was nothing but suffix words: keep it whole
        text = _NON_ALNUM.sub(" ", folded).strip()
    return text


@dataclass(frozen=True, slots=True)
class NameEntry:
    """A stored record as name resolution sees it."""

    id: str
    name: str
    country: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible resolution with its similarity (0-100)."""

    id: str
    name: str
    score: float


#: A best match at or above this similarity is accepted when it is clearly ahead of the next.
ACCEPT = 88.0
#: Candidates within this many points of the best make the query ambiguous.
MARGIN = 6.0
#: Below this similarity nothing is suggested.
SUGGEST = 60.0


def candidates(query: str, entries: Sequence[NameEntry], limit: int = 5) -> list[Candidate]:
    """The closest entries to ``query`` by normalised name, best first."""
    target = normalize_name(query)
    if not target:
        return []
    from rapidfuzz import fuzz, process  # noqa: PLC0415 - fuzzy comparison only; ids resolve without it

    choices = {i: normalize_name(e.name) for i, e in enumerate(entries)}
    found = process.extract(target, choices, scorer=fuzz.WRatio, limit=max(limit * 3, 10))
    ranked: dict[str, Candidate] = {}
    for _choice, score, index in found:
        entry = entries[int(index)]
        # Prefer exact token equality over partial containment (Osh vs Oshkosh).
        exact = normalize_name(entry.name) == target
        value = 100.0 if exact else float(score)
        if entry.id not in ranked or ranked[entry.id].score < value:
            ranked[entry.id] = Candidate(entry.id, entry.name, value)
    return sorted(ranked.values(), key=lambda c: (-c.score, c.id))[:limit]


#: Whole-string similarity (0-100) at or above which a name counts as close to the query (typos).
CLOSE = 75.0
_MIN_PREFIX = 3


def close_to(target: str, name: str) -> bool:
    """Whether a normalised name is close to a normalised query, not merely sharing a few letters.

    Close means a whole-string or word-set similarity of at least :data:`CLOSE` (``kukse`` ~ ``kukes``,
    ``novi`` ~ ``novi pazar``), or every word of the query starting a word of the name
    (``prisht`` ~ ``prishtina``). Partial similarity alone (``atlantis`` ~ ``nis``) is not close.
    """
    if not target or not name:
        return False
    from rapidfuzz import fuzz  # noqa: PLC0415 - fuzzy comparison only; ids resolve without it

    if fuzz.ratio(target, name) >= CLOSE or fuzz.token_set_ratio(target, name) >= CLOSE:
        return True
    words = name.split()
    return all(
        len(part) >= _MIN_PREFIX and any(word.startswith(part) for word in words) for part in target.split()
    )


def resolve(query: str, entries: Sequence[NameEntry], *, kind: str = "record") -> str:
    """Resolve an id or a name to one id, or raise with the candidates that were found."""
    query = query.strip()
    ids = {e.id for e in entries}
    if query in ids:
        return query
    lowered = {e.id.casefold(): e.id for e in entries}
    if query.casefold() in lowered:
        return lowered[query.casefold()]
    target = normalize_name(query)
    found = [c for c in candidates(query, entries) if close_to(target, normalize_name(c.name))]
    if not found or found[0].score < SUGGEST:
        raise NotFoundError(f"no {kind} matches {query!r}")
    best = found[0]
    close = [c for c in found if best.score - c.score < MARGIN and c.score >= SUGGEST]
    exact = [c for c in found if c.score == 100.0]
    if len(exact) == 1:
        return exact[0].id
    if best.score >= ACCEPT and len(close) == 1:
        return best.id
    if len(close) > 1 or best.score < ACCEPT:
        raise AmbiguousNameError(query, [(c.id, c.name) for c in (close if len(close) > 1 else found[:3])])
    return best.id


def probable_duplicates(
    entries: Sequence[NameEntry], threshold: float = 94.0
) -> list[tuple[NameEntry, NameEntry]]:
    """Pairs of different ids in the same country whose names normalise to near-identical strings."""
    from rapidfuzz import fuzz  # noqa: PLC0415 - fuzzy comparison only; ids resolve without it

    by_country: dict[str, list[tuple[NameEntry, str]]] = {}
    for entry in entries:
        by_country.setdefault(entry.country, []).append((entry, normalize_name(entry.name)))
    pairs: list[tuple[NameEntry, NameEntry]] = []
    for group in by_country.values():
        for i, (left, left_norm) in enumerate(group):
            for right, right_norm in group[i + 1 :]:
                if left.id != right.id and fuzz.ratio(left_norm, right_norm) >= threshold:
                    pairs.append((left, right))
    return pairs
