"""A query's needs: how an asking document or a free-text query is cut into needs
(:func:`split_needs`, :func:`split_clauses`), how much each passage counts as a need
(:func:`need_weights`), and :class:`Needs`, what the engine scores against the candidates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.encoder import FloatArray
from matchmaker.embeddings.passages import Passage, split_spans
from matchmaker.matching import signals
from matchmaker.matching.profiles import Profile
from matchmaker.matching.scoring import EngineConfig


@dataclass(frozen=True, slots=True)
class Needs:
    """The needs of a query: passages, their vectors, tags, weights, and the query's profile.

    ``vectors_x`` and ``glosses`` are the cross-language view (the same as ``vectors`` and empty
    strings for English text); ``doc_vector`` is the whole text embedded as one unit.
    """

    passages: list[Passage]
    vectors: FloatArray
    tags: FloatArray
    weights: FloatArray
    profile: Profile
    doc_id: str = ""
    vectors_x: FloatArray | None = None
    glosses: tuple[str, ...] = ()
    tokens: tuple[list[str], ...] = ()
    tokens_x: tuple[list[str], ...] = ()
    doc_vector: FloatArray | None = None
    #: Role probabilities of each passage (passages × roles, :data:`~matchmaker.vocabulary.roles.ROLES`).
    roles: FloatArray | None = None
    #: The multilingual view of each passage (``None`` without a second encoder).
    ml_vectors: FloatArray | None = None

    def view(self, cfg: EngineConfig) -> tuple[FloatArray, Sequence[list[str]]]:
        """Need vectors and BM25 query tokens as ``cfg`` sees them (with or without English glosses)."""
        if cfg.cross_language and self.vectors_x is not None:
            return self.vectors_x, self.tokens_x
        return self.vectors, self.tokens

    def centre(self, cfg: EngineConfig) -> FloatArray:
        """The query as one point: its need vectors as ``cfg`` sees them, each counted by its weight
        as a need (:func:`~matchmaker.matching.signals.need_centre`)."""
        return signals.need_centre(self.view(cfg)[0], self.weights)


# --------------------------------------------------------------------------------------------------
# Need splitting

_CLAUSE_CUT = re.compile(
    r";\s+|:\s+|,\s+(?=(?:and|but|while|so|because|whereas)\b)|\s+(?=(?:but|while|whereas)\b)"
)


def split_clauses(text: str, min_words: int = 4) -> list[tuple[int, int]]:
    """Spans of the clauses of one passage (cut at ``;``, ``:`` and before ``but``/``while``...),
    when it holds at least two of ``min_words`` words or more; otherwise an empty list."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_CUT.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    spans = [(a, b) for a, b in spans if len(text[a:b].split()) >= min_words]
    return spans if len(spans) >= 2 else []


_CLAUSE = re.compile(r"[;]|\s[–—]\s|\?\s+(?=\w)")


def split_needs(text: str) -> list[tuple[int, int]]:
    """Spans of the needs of a free-text query: its sentences and bullet items, cut at ``;``."""
    spans: list[tuple[int, int]] = []
    for span in split_spans(text):
        start = span.start
        for m in _CLAUSE.finditer(text, span.start, span.end):
            piece = text[start : m.start()].strip()
            if len(piece.split()) >= 3:
                lead = len(text[start : m.start()]) - len(text[start : m.start()].lstrip())
                spans.append((start + lead, start + lead + len(piece)))
                start = m.end()
        piece = text[start : span.end].strip()
        if piece:
            lead = len(text[start : span.end]) - len(text[start : span.end].lstrip())
            spans.append((start + lead, start + lead + len(piece)))
    if not spans and text.strip():
        stripped = text.strip()
        lead = len(text) - len(text.lstrip())
        spans = [(lead, lead + len(stripped))]
    return spans


def window_spans(fields: Sequence[str], width: int) -> list[tuple[int, int]]:
    """For each passage, the rows ``[a, b)`` of it and its ``width`` neighbours on each side that
    belong to the same field (passages of one document, in order)."""
    spans: list[tuple[int, int]] = []
    for i, field in enumerate(fields):
        a = i
        while a > 0 and i - a < width and fields[a - 1] == field:
            a -= 1
        b = i + 1
        while b < len(fields) and b - i <= width and fields[b] == field:
            b += 1
        spans.append((a, b))
    return spans


def need_weights(
    tags: FloatArray, context: npt.NDArray[np.bool_], roles: FloatArray, cfg: EngineConfig
) -> FloatArray:
    """How much each passage of an asking document counts as a need.

    With ``use_roles``: its role probabilities times the role weights (a need 1, background, context
    and strengths little). Without: the rules (untagged passages ``noise_weight``, statements of context
    ``context_weight``).
    """
    if cfg.use_roles:
        return signals.role_weights(roles, np.asarray(cfg.role_vector, dtype=np.float32))
    weights = np.where(tags.sum(axis=1) > 0, 1.0, cfg.noise_weight)
    out: FloatArray = np.where(context, cfg.context_weight, weights).astype(np.float32)
    return out
