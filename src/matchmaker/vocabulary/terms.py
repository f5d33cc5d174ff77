"""The controlled vocabulary: every term with its definition and multilingual cue phrases.

The data lives in ``terms.json`` next to this module. Each term has an ``id``, a ``kind``, an English
``label``, a ``definition`` and cue phrases per language group (``strong`` cues name the concept or the
problem outright, ``weak`` cues only hint at it). Language groups are ISO 639-1 codes, plus ``sh`` for
Bosnian/Croatian/Montenegrin/Serbian (Latin and Cyrillic), ``kk`` for Kazakh and Kyrgyz, and ``any`` for
language-neutral acronyms (GIS, SCADA, ESCO).

Cue syntax (cues are matched on :func:`~matchmaker.vocabulary.normalize.fold`-ed text):

- A cue is folded like the text, then split into words; words are joined by any run of
  spaces/punctuation in the text.
- A word of four or more characters is a *stem*: it matches any word that starts with it
  (``congest`` hits ``congestion``). Shorter words must match a whole word (``no`` never hits ``north``).
  A trailing ``*`` forces a stem (``yol*``), a trailing ``=`` forces a whole word (``bus=``).
- ``...`` lets up to three other words sit in between (``tender ... cancel`` hits
  ``the tender was cancelled``).
- A cue starting with ``re:`` is a raw regular expression on folded text.
- Arabic cues may be preceded by the clitics و/ف/ب/ك/ل and the article ال inside the same word.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "LANGUAGE_GROUPS",
    "Kind",
    "Term",
    "Vocabulary",
    "cue_groups_for",
    "get_term",
    "load_vocabulary",
    "related_languages",
    "terms_of_kind",
]

logger = logging.getLogger(__name__)


class Kind(StrEnum):
    """What a term describes."""

    DOMAIN = "domain"
    OBSTACLE = "obstacle"
    STAGE = "stage"
    MATURITY = "maturity"
    BUDGET = "budget"  # a city's budget situation
    BUSINESS_MODEL = "business_model"  # how a provider sells
    HOSTING = "hosting"
    CONNECTIVITY = "connectivity"
    INTEGRATION = "integration"
    CLIMATE = "climate"
    SCALE = "scale"

    @property
    def is_context(self) -> bool:
        """True for context facets (budget, hosting, climate...), False for domains/obstacles/stages."""
        return self not in {Kind.DOMAIN, Kind.OBSTACLE, Kind.STAGE, Kind.MATURITY}


LANGUAGE_GROUPS: tuple[str, ...] = ("any", "en", "tr", "az", "ru", "fr", "sq", "sh", "mk", "ar", "kk", "mn")

# Which cue groups to use for a text in a given language. English and language-neutral cues always
# apply because summaries routinely mix English terms into local-language text.
_RELATED: dict[str, tuple[str, ...]] = {
    "tr": ("tr", "az"),
    "az": ("az", "tr"),
    "ru": ("ru",),
    "uk": ("ru",),
    "fr": ("fr",),
    "sq": ("sq",),
    "sr": ("sh", "mk"),
    "bs": ("sh",),
    "hr": ("sh",),
    "mk": ("mk", "sh"),
    "ar": ("ar",),
    "kk": ("kk", "ru"),
    "ky": ("kk", "ru"),
    "uz": ("tr", "az", "ru"),
    "mn": ("mn", "ru"),
}


def related_languages() -> tuple[str, ...]:
    """The languages whose text tries cue groups of its own (text in any other language tries them all)."""
    return tuple(_RELATED)


def cue_groups_for(language: str | None) -> frozenset[str]:
    """Cue groups to try for text in ``language`` (ISO 639-1); every group when unknown."""
    if not language or language not in _RELATED:
        return frozenset(LANGUAGE_GROUPS)
    return frozenset(("any", "en", *_RELATED[language]))


@dataclass(frozen=True, slots=True)
class Term:
    """One vocabulary term."""

    id: str
    kind: Kind
    label: str
    definition: str
    cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    weak_cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    # Free mapping fields, e.g. ``{"ministry_model": "..."}`` for maturity levels, or
    # ``{"compatible_business_models": [...]}`` for budget situations.
    mapping: Mapping[str, Any] = field(default_factory=dict)

    @property
    def languages(self) -> frozenset[str]:
        """Cue language groups this term has cues for."""
        return frozenset(g for g, c in {**self.weak_cues, **self.cues}.items() if c)


@dataclass(frozen=True, slots=True, eq=False)
class Vocabulary:
    """All terms, in file order, with lookups by id and kind; also the language-name table."""

    terms: tuple[Term, ...]
    language_names: Mapping[str, tuple[str, ...]]
    _by_id: dict[str, Term] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_id = {t.id: t for t in self.terms}
        if len(by_id) != len(self.terms):
            raise ValueError("duplicate term ids in vocabulary")
        object.__setattr__(self, "_by_id", by_id)

    def get(self, term_id: str) -> Term | None:
        """The term with this id, or None."""
        return self._by_id.get(term_id)

    def of_kind(self, kind: Kind | str) -> tuple[Term, ...]:
        """Terms of one kind, in file order."""
        k = Kind(kind)
        return tuple(t for t in self.terms if t.kind is k)


def _cue_map(raw: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for group, cues in (raw or {}).items():
        if group not in LANGUAGE_GROUPS:
            raise ValueError(f"unknown cue language group {group!r}")
        out[group] = tuple(str(c) for c in cues)
    return out


def _parse(data: Mapping[str, Any]) -> Vocabulary:
    terms = tuple(
        Term(
            id=str(raw["id"]),
            kind=Kind(raw["kind"]),
            label=str(raw["label"]),
            definition=str(raw["definition"]),
            cues=_cue_map(raw.get("cues")),
            weak_cues=_cue_map(raw.get("weak")),
            aliases=tuple(raw.get("aliases", ())),
            mapping=dict(raw.get("mapping", {})),
        )
        for raw in data["terms"]
    )
    names = {code: tuple(v) for code, v in data.get("language_names", {}).items()}
    return Vocabulary(terms=terms, language_names=names)


@cache
def load_vocabulary() -> Vocabulary:
    """Load (once) and return the packaged vocabulary from ``terms.json``."""
    text = resources.files(__package__).joinpath("terms.json").read_text(encoding="utf-8")
    vocab = _parse(json.loads(text))
    logger.debug("loaded vocabulary with %d terms", len(vocab.terms))
    return vocab


def get_term(term_id: str) -> Term | None:
    """The packaged term with this id, or None."""
    return load_vocabulary().get(term_id)


def terms_of_kind(kind: Kind | str) -> tuple[Term, ...]:
    """Packaged terms of one kind."""
    return load_vocabulary().of_kind(kind)
