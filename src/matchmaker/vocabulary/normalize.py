"""Text normalisation shared by the vocabulary tagger and anything else that compares words.

Every comparison in the vocabulary happens on *folded* text, built one original character at a time:

1. Turkish dotted/dotless i: ``İ`` and ``ı`` become ``i`` (``str.lower`` would turn ``İ`` into
   ``i`` + combining dot and leave ``ı`` alone, so both are handled before anything else).
2. ``đ``/``Đ`` become ``dj`` so Bosnian/Croatian/Serbian Latin agrees with Serbian Cyrillic ``ђ``.
3. Every other character goes through :func:`anyascii.anyascii`: diacritics are dropped (``ş`` → ``s``,
   ``ë`` → ``e``), ligatures expand (``ß`` → ``ss``), and non-Latin scripts are transliterated
   (Cyrillic ``пробки`` → ``probki``, Kazakh ``қ`` → ``q``, Arabic ``الازدحام`` → ``lzdhm``). Cues written
   in their own script are folded the same way, so a Cyrillic cue and a transliterated Latin cue land in
   the same space and both can hit Cyrillic or romanised text.
4. The result is lower-cased. Combining marks fold to nothing. Punctuation that transliteration puts
   *inside* a letter (Arabic ``ع`` → ```` ` ````) is dropped so words stay whole for matching.

Because one original character may become zero, one or several folded characters, :class:`FoldedText`
keeps, for each folded character, the index of the original character it came from; spans found in the
folded text are mapped back with :meth:`FoldedText.to_original`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

__all__ = ["FoldedText", "fold", "fold_with_map"]

logger = logging.getLogger(__name__)

_SPECIAL: dict[str, str] = {
    "İ": "i",
    "ı": "i",
    "I": "i",
    "đ": "dj",
    "Đ": "dj",
    "ё": "e",
    "Ё": "e",
}


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    special = _SPECIAL.get(ch)
    if special is not None:
        return special
    out = anyascii(ch).lower()
    if ch.isalpha() and not out.isalnum():
        out = "".join(c for c in out if c.isalnum())
    return out


@dataclass(frozen=True, slots=True)
class FoldedText:
    """Folded text plus the map from each folded character back to its original character."""

    original: str
    text: str
    origin: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the folded text to the span of the original text it came from.

        A span that starts or ends inside the expansion of one original character (``щ`` → ``shch``)
        widens to cover that whole character.
        """
        if end <= start:
            pos = self.origin[start] if start < len(self.origin) else len(self.original)
            return pos, pos
        return self.origin[start], self.origin[end - 1] + 1


def fold_with_map(text: str) -> FoldedText:
    """Fold ``text`` (see the module docstring) and keep the folded-to-original character index map."""
    if text.isascii():
        return FoldedText(text, text.lower(), tuple(range(len(text))))
    parts: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        out = ch.lower() if ch.isascii() else _fold_char(ch)
        if out:
            parts.append(out)
            origin.extend([i] * len(out))
    return FoldedText(text, "".join(parts), tuple(origin))


def fold(text: str) -> str:
    """Casefold, strip diacritics and transliterate ``text`` to lower-case ASCII.

    Turkish ``İ``/``ı`` both become ``i``; Cyrillic, Arabic and other scripts are transliterated with
    anyascii. Use :func:`fold_with_map` when spans must be mapped back to the original text.
    """
    return fold_with_map(text).text
