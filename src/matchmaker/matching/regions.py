"""Countries, region groups and the region words providers use in ``regions_served``.

A provider's ``regions_served`` holds ISO 3166-1 codes (``"KZ"``), country names (``"Türkiye"``) or
region words (``"Central Asia"``, ``"MENA"``, ``"global"``). :func:`serves` says whether such a list
covers a city's country; :func:`region_group` gives the group a country belongs to, which is how two
cities are said to share a regional context.
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Iterable
from functools import cache

import pycountry

from matchmaker.vocabulary import fold
from matchmaker.vocabulary.language import PLAUSIBLE_LANGUAGES

logger = logging.getLogger(__name__)


@cache
def country_label(code: str) -> str:
    """A country's name for readers (``"AL"`` -> ``"Albania"``, ``"XK"`` -> ``"Kosovo"``); a code
    that names no country is shown as it is."""
    if code.upper() == "XK":
        return "Kosovo"
    country = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


#: Region groups of the programme's countries and their neighbours (ISO 3166-1 alpha-2).
REGION_GROUPS: dict[str, frozenset[str]] = {
    "western_balkans": frozenset({"AL", "BA", "XK", "ME", "MK", "RS", "HR", "SI"}),
    "caucasus": frozenset({"AM", "AZ", "GE"}),
    "central_asia": frozenset({"KZ", "KG", "TJ", "TM", "UZ", "AF"}),
    "mongolia": frozenset({"MN"}),
    "turkiye": frozenset({"TR", "CY"}),
    "north_africa": frozenset({"MA", "DZ", "TN", "LY", "EG", "MR", "SD"}),
    "middle_east": frozenset({"JO", "LB", "IQ", "SY", "PS", "IL", "SA", "AE", "KW", "QA", "BH", "OM", "YE"}),
    "eastern_europe": frozenset({"MD", "UA", "BY", "RU", "RO", "BG"}),
}

_EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
_EUROPE = _EU | frozenset(
    ["AL", "BA", "XK", "ME", "MK", "RS", "MD", "UA", "BY", "GB", "NO", "CH", "IS", "LI", "TR"]
)

_ARAB = REGION_GROUPS["north_africa"] | REGION_GROUPS["middle_east"] - {"IL"}
_GULF = frozenset({"SA", "AE", "KW", "QA", "BH", "OM"})
_WESTERN_EUROPE = frozenset({"AT", "BE", "FR", "DE", "LI", "LU", "MC", "NL", "CH", "GB", "IE"})

# Region words (folded) → countries. Group names are accepted with spaces or underscores.
_REGION_WORDS: dict[str, frozenset[str]] = {
    "western balkans": REGION_GROUPS["western_balkans"],
    "balkans": REGION_GROUPS["western_balkans"] | frozenset({"BG", "GR", "RO"}),
    "caucasus": REGION_GROUPS["caucasus"],
    "south caucasus": REGION_GROUPS["caucasus"],
    "central asia": REGION_GROUPS["central_asia"],
    "mongolia": REGION_GROUPS["mongolia"],
    "turkiye": REGION_GROUPS["turkiye"],
    "turkey": REGION_GROUPS["turkiye"],
    "north africa": REGION_GROUPS["north_africa"],
    "maghreb": frozenset({"MA", "DZ", "TN", "LY", "MR"}),
    "middle east": REGION_GROUPS["middle_east"],
    "mena": REGION_GROUPS["north_africa"] | REGION_GROUPS["middle_east"],
    "arab states": _ARAB,
    "arab world": _ARAB,
    "arab": _ARAB,  # Arab countries, the Arab region
    "gulf": _GULF,  # the Gulf, Gulf states
    "gcc": _GULF,
    "western europe": _WESTERN_EUROPE,
    "eastern europe": REGION_GROUPS["eastern_europe"],
    "eu": _EU,
    "european union": _EU,
    "europe": _EUROPE,
    "cis": frozenset({"AM", "AZ", "BY", "KZ", "KG", "MD", "RU", "TJ", "UZ"}),
    "eurasia": REGION_GROUPS["caucasus"]
    | REGION_GROUPS["central_asia"]
    | frozenset({"RU", "BY", "MD", "UA"}),
}
_GLOBAL_WORDS = frozenset({"global", "worldwide", "international", "any", "all", "world"})

# A region word is read in any of its forms: singular, plural or adjective (Balkan, Balkans; Central
# Asia, Central Asian; Eastern Europe, Eastern European; Caucasus, Caucasian), with "the" before it
# and a word such as "countries" after it (the Balkans, Balkan countries, the MENA region). Each word
# is cut to its stem by the first of these endings that leaves three letters or more, the same way for
# the table's words and for the provider's, so both forms meet on one stem (balkans, balkan → balk;
# europe, european → europ; eastern → east). An abbreviation (MENA, CIS, EU: one word of four letters
# or fewer) has no other form: it is read as written, so "Men" is not MENA.
_ENDINGS = ("ians", "ian", "ans", "ean", "an", "ern", "us", "ia", "a", "e", "s")
_LEADING = frozenset({"the"})
_TRAILING = frozenset({"countries", "country", "region", "regions", "area", "states", "nations"})
_MIN_STEM = 3
_ABBREVIATION = 4


def _stem(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            return word[: -len(ending)]
    return word


def _bare(key: str) -> str:
    """A folded region word without "the" before it and "countries" (region, area...) after it."""
    words = key.split()
    while len(words) > 1 and words[0] in _LEADING:
        words = words[1:]
    while len(words) > 1 and words[-1] in _TRAILING:
        words = words[:-1]
    return " ".join(words)


def _stems(key: str) -> str:
    """The stems of a bare region word's words (``western balkan`` → ``west balk``)."""
    return " ".join(_stem(word) for word in key.split())


_REGION_STEMS: dict[str, frozenset[str]] = {
    _stems(key): codes for key, codes in _REGION_WORDS.items() if len(key) > _ABBREVIATION
}


def region_group(country: str) -> str | None:
    """The region group of a country code, or ``None`` when it is outside the programme's regions."""
    code = country.strip().upper()
    for name, members in REGION_GROUPS.items():
        if code in members:
            return name
    return None


@cache
def _country_by_name(word: str) -> str | None:
    if len(word) == 2 and word.isalpha():
        code = word.upper()
        if code == "XK" or pycountry.countries.get(alpha_2=code) is not None:
            return code
    try:
        found = pycountry.countries.lookup(word)
    except LookupError:
        if word in {"kosovo", "kosova"}:
            return "XK"
        return _local_country_names().get(fold(word))
    return str(found.alpha_2)


@cache
def _local_country_names() -> dict[str, str]:
    """Country names as written in the languages the programme meets (``"Belgique"``, ``"Almanya"``,
    ``"Казахстан"``), folded, from the ISO 3166 translations that ship with pycountry. A name that
    means two countries in two languages is left out: it says neither."""
    codes: dict[str, set[str]] = {}
    for language in PLAUSIBLE_LANGUAGES:
        try:
            names = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:  # English is the catalogue's own language, and has no translation file
            continue
        for country in pycountry.countries:
            for attribute in ("name", "common_name", "official_name"):
                english = getattr(country, attribute, None)
                if english:
                    codes.setdefault(fold(names.gettext(english)), set()).add(str(country.alpha_2))
    return {name: next(iter(found)) for name, found in codes.items() if len(found) == 1}


@cache
def _region_countries(word: str) -> frozenset[str] | None:
    """Countries a region word covers; ``None`` for "global"; empty when the word is unknown."""
    key = " ".join(fold(word).replace("_", " ").replace("-", " ").split())
    if key in _GLOBAL_WORDS:
        return None
    if key in _REGION_WORDS:
        return _REGION_WORDS[key]
    code = _country_by_name(word.strip()) or _country_by_name(key)
    if code is not None:
        return frozenset({code})
    bare = _bare(key)  # a region word in another form: the MENA region, Balkan, Central Asian
    if bare in _REGION_WORDS:
        return _REGION_WORDS[bare]
    if _stems(bare) in _REGION_STEMS:
        return _REGION_STEMS[_stems(bare)]
    logger.debug("unknown region word %r in regions_served", word)
    return frozenset()


#: What the region check reads in ``regions_served``, as a note about a word it cannot read says it.
READ_REGION_WORDS = "a country's name or ISO code, or a region such as Western Balkans"


def unread_regions(regions_served: Iterable[str]) -> list[str]:
    """The words of ``regions_served`` that name no country or region the region check knows."""
    return [w for w in regions_served if w and w.strip() and _region_countries(w) == frozenset()]


def serves(regions_served: Iterable[str], country: str) -> bool | None:
    """Whether ``regions_served`` covers ``country``; ``None`` when the provider states no regions. A
    word that names no place the check knows (see :func:`unread_regions`) covers no country."""
    words = [w for w in regions_served if w and w.strip()]
    if not words:
        return None
    code = country.strip().upper()
    for word in words:
        covered = _region_countries(word)
        if covered is None or code in covered:
            return True
    return False


__all__ = ["READ_REGION_WORDS", "REGION_GROUPS", "region_group", "serves", "unread_regions"]
