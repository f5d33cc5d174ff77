"""Lexical retrieval: BM25 (bm25s) over folded, prefix-stemmed words.

Texts are folded first (:func:`matchmaker.vocabulary.fold`: diacritics dropped, Cyrillic and Arabic
transliterated, Turkish ``ı``/``İ`` handled), so ``Kukës``/``Kukes`` and ``пробки``/``probki`` meet.
Words are cut to their first :data:`STEM` characters, a crude stemmer that works the same in every
language the programme meets (``congestion``/``congested``, ``belediyesi``/``belediye``). Common
function words of English, French, Turkish, Russian and BCS are dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import bm25s
import numpy as np
import numpy.typing as npt

from matchmaker.vocabulary import fold

# bm25s logs every index build at DEBUG through its own handler; keep the terminal quiet.
logging.getLogger("bm25s").setLevel(logging.WARNING)

#: Words are cut to this many characters.
STEM = 6

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "over",
        "per",
        "so",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "too",
        "up",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "all",
        "any",
        "also",
        "about",
        "after",
        "before",
        "more",
        "most",
        "other",
        "some",
        "only",
        "very",
        "new",
        "one",
        "two",
        "three",
        "many",
        "much",
        "each",
        "every",
        "same",
        "le",
        "la",
        "les",
        "de",
        "des",
        "du",
        "un",
        "une",
        "et",
        "en",
        "est",
        "pour",
        "par",
        "sur",
        "dans",
        "au",
        "aux",
        "ou",
        "que",
        "qui",
        "ne",
        "pas",
        "plus",
        "avec",
        "ce",
        "cette",
        "ses",
        "son",
        "sa",
        "nous",
        "vous",
        "il",
        "ils",
        "elle",
        "elles",
        "ve",
        "ile",
        "bir",
        "bu",
        "da",
        "de",
        "icin",
        "olarak",
        "olan",
        "gibi",
        "daha",
        "cok",
        "her",
        "ama",
        "veya",
        "ise",
        "i",
        "v",
        "na",
        "s",
        "k",
        "po",
        "ot",
        "do",
        "za",
        "iz",
        "ne",
        "eto",
        "kak",
        "chto",
        "dlya",
        "pri",
        "ili",
        "no",
        "ego",
        "ikh",
        "ona",
        "oni",
        "je",
        "su",
        "se",
        "sa",
        "od",
        "za",
        "na",
        "u",
        "iz",
        "ili",
        "ali",
        "kao",
        "koji",
        "koja",
        "koje",
        "nije",
        "dhe",
        "te",
        "ne",
        "per",
        "me",
        "nga",
        "se",
        "si",
        "qe",
        "ka",
        "ose",
        "jane",
        "eshte",
    ]
)


def tokenize(text: str, *, stem: int = STEM) -> list[str]:
    """BM25 tokens of ``text``: folded words of two or more characters, stop words out, cut to ``stem``."""
    out: list[str] = []
    for word in _WORD.findall(fold(text)):
        if len(word) < 2 or word in _STOPWORDS or word.isdigit():
            continue
        out.append(word[:stem])
    return out


class LexicalIndex:
    """A BM25 index over a fixed list of texts; :meth:`scores` gives every text's score for a query."""

    def __init__(self, texts: Sequence[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        self._build([tokenize(t) for t in texts], k1, b)

    @classmethod
    def from_tokens(cls, documents: Sequence[list[str]], *, k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        """An index over texts already tokenized (:func:`tokenize`), one token list per text."""
        index = cls.__new__(cls)
        index._build(documents, k1, b)
        return index

    def _build(self, documents: Sequence[list[str]], k1: float, b: float) -> None:
        self.size = len(documents)
        tokens = [t or ["_empty_"] for t in documents]
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        if tokens:
            self._bm25.index(tokens, show_progress=False)
        vocab = self._bm25.vocab_dict if tokens else {}
        self._vocab: frozenset[str] = frozenset(vocab)
        self._tokens: dict[int, str] | None = None

    def document_weights(self, doc: int) -> dict[str, float]:
        """What each token adds to a query's score against text ``doc``: :meth:`scores` for that text
        alone is the sum of the weights of the query's tokens (read from the index, no scoring)."""
        if not 0 <= doc < self.size:
            return {}
        index = self._bm25.scores
        positions = np.flatnonzero(np.asarray(index["indices"]) == doc)
        token_ids = np.searchsorted(np.asarray(index["indptr"]), positions, side="right") - 1
        if self._tokens is None:
            self._tokens = {i: t for t, i in self._bm25.vocab_dict.items()}
        data = np.asarray(index["data"])
        return {
            self._tokens[int(t)]: float(data[p])
            for t, p in zip(token_ids.tolist(), positions.tolist(), strict=True)
        }

    def scores(self, query: str | Sequence[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every indexed text for ``query`` (a text, or tokens already made)."""
        tokens = tokenize(query) if isinstance(query, str) else list(query)
        known = [t for t in tokens if t in self._vocab]
        if not known or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)


__all__ = ["STEM", "LexicalIndex", "tokenize"]
