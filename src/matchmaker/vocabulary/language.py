"""Language detection for summaries and profiles, restricted to the languages the programme meets.

py3langid is restricted to :data:`PLAUSIBLE_LANGUAGES`. Short text (a title, a one-line challenge) is
where n-gram models guess wildly, so for fewer than :data:`SHORT_TEXT_LETTERS` letters the script and
its tell-tale letters decide first (Kazakh ``қ``/``ә``, Macedonian ``ќ``/``ѓ``, Serbian ``ђ``/``ћ``,
Turkish ``ı``/``ğ``, Azerbaijani ``ə``, Albanian ``ë``...), and plain Latin text without a confident
model answer falls back to English, the programme's working language.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

from py3langid.langid import MODEL_FILE, LanguageIdentifier

__all__ = [
    "PLAUSIBLE_LANGUAGES",
    "SHORT_TEXT_LETTERS",
    "detect_language",
    "detect_language_scored",
    "languages_compatible",
    "load_identifier",
]

logger = logging.getLogger(__name__)

PLAUSIBLE_LANGUAGES: tuple[str, ...] = (
    "en", "tr", "ru", "fr", "sq", "sr", "bs", "hr", "mk", "ar", "az", "kk", "ky", "mn", "uz", "ka", "hy",
    "uk", "de", "es", "it", "ro", "el", "he",
)  # fmt: skip
SHORT_TEXT_LETTERS = 40
UNDETERMINED = "und"

_SCRIPTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\u0600-\u06ff]"), "ar"),
    (re.compile(r"[\u0590-\u05ff]"), "he"),
    (re.compile(r"[\u10a0-\u10ff]"), "ka"),
    (re.compile(r"[\u0530-\u058f]"), "hy"),
    (re.compile(r"[\u0370-\u03ff]"), "el"),
)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_KAZAKH = re.compile(r"[әғқұһіӘҒҚҰҺІ]")
_MONGOL_KYRGYZ = re.compile(r"[өүңӨҮҢ]")
_MACEDONIAN = re.compile(r"[ѓќѕЃЌЅ]")
_SERBIAN = re.compile(r"[ђћџЂЋЏ]")
_SOUTH_SLAVIC = re.compile(r"[јљњЈЉЊ]")
_UKRAINIAN = re.compile(r"[єїґЄЇҐ]")
_AZERI = re.compile(r"[əƏ]")
_TURKIC = re.compile(r"[ıİğĞşŞ]")
_ALBANIAN = re.compile(r"[ëË]")
_BCS = re.compile(r"[đĐčČćĆ]")
_FRENCH = re.compile(r"[éèêàùâîôœ]")
_LETTER = re.compile(r"[^\W\d_]")


def load_identifier() -> None:
    """Load the language identifier now (a server does at start-up: its model takes about half a
    second to read, which the first record written would otherwise wait for)."""
    _identifier()


@cache
def _identifier() -> Any:
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(PLAUSIBLE_LANGUAGES))
    return ident


def _rank(text: str, among: tuple[str, ...]) -> tuple[str, float]:
    ranked = [(lang, float(p)) for lang, p in _identifier().rank(text) if lang in among]
    total = sum(p for _, p in ranked) or 1.0
    lang, p = ranked[0]
    return lang, p / total


def _by_script(text: str) -> tuple[str, float] | None:
    """A confident guess from the script and its distinctive letters, or None."""
    for pattern, lang in _SCRIPTS:
        if pattern.search(text):
            return lang, 1.0
    if _CYRILLIC.search(text):
        if _KAZAKH.search(text):
            return "kk", 0.9
        if _MACEDONIAN.search(text):
            return "mk", 0.9
        if _SERBIAN.search(text):
            return "sr", 0.9
        if _UKRAINIAN.search(text):
            return "uk", 0.9
        if _MONGOL_KYRGYZ.search(text):
            return _rank(text, ("mn", "ky"))
        if _SOUTH_SLAVIC.search(text):
            return _rank(text, ("sr", "mk"))
        return None
    if _AZERI.search(text):
        return "az", 0.9
    if _TURKIC.search(text):
        return _rank(text, ("tr", "az"))
    if _ALBANIAN.search(text):
        return "sq", 0.8
    if _BCS.search(text):
        return _rank(text, ("bs", "hr", "sr"))
    if _FRENCH.search(text):
        return "fr", 0.6
    return None


def detect_language_scored(text: str) -> tuple[str, float]:
    """Detect the language of ``text``; return its ISO 639-1 code and a confidence in [0, 1].

    Returns ``("und", 0.0)`` for text without letters.
    """
    letters = len(_LETTER.findall(text))
    if letters == 0:
        return UNDETERMINED, 0.0
    if letters < SHORT_TEXT_LETTERS:
        guess = _by_script(text)
        if guess is not None:
            return guess
        lang, conf = _identifier().classify(text)
        if _CYRILLIC.search(text):
            return (lang, conf) if conf >= 0.6 else ("ru", 0.5)
        return (lang, conf) if conf >= 0.75 else ("en", 0.5)
    lang, conf = _identifier().classify(text)
    return str(lang), float(conf)


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language ``text`` is written in (``"und"`` when it has no letters).

    Only languages in :data:`PLAUSIBLE_LANGUAGES` can be returned.
    """
    lang, conf = detect_language_scored(text)
    logger.debug("detected language %s (%.2f)", lang, conf)
    return lang


# Languages mutually intelligible enough for a meeting or a user interface: Bosnian, Croatian,
# Montenegrin and Serbian are one language for matching; Turkish/Azerbaijani and Kazakh/Kyrgyz are close.
_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"bs", "hr", "sr", "cnr", "sh"}),
    frozenset({"tr", "az"}),
    frozenset({"kk", "ky"}),
)


@cache
def language_label(code: str) -> str:
    """A language's name for readers (``"sq"`` -> ``"Albanian"``); a code that names no language is
    shown as it is. pycountry's language table is read on the first call only."""
    import pycountry  # noqa: PLC0415 - its language table is large; read it only when a name is needed

    language = pycountry.languages.get(alpha_2=code.strip().lower()) if len(code.strip()) == 2 else None
    return str(language.name) if language is not None else code


def languages_compatible(a: str, b: str, *, close: bool = False) -> bool:
    """True when ``a`` and ``b`` (ISO 639-1) name the same language for matching purposes.

    Bosnian/Croatian/Montenegrin/Serbian always count as one; with ``close=True`` Turkish/Azerbaijani
    and Kazakh/Kyrgyz also count as compatible.
    """
    a, b = a.strip().lower(), b.strip().lower()
    if a == b:
        return True
    families = _FAMILIES if close else _FAMILIES[:1]
    return any(a in fam and b in fam for fam in families)
