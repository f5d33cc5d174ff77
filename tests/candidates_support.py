"""Candidates made by hand for the signal and evidence tests: passage vectors grouped into documents
of the given lengths, with neither tags nor BM25 nor whole-text vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matchmaker.embeddings.encoder import FloatArray
from matchmaker.embeddings.passages import DocKind
from matchmaker.matching.kinds import Candidates


def hand_made_candidates(
    kind: DocKind,
    vectors: FloatArray,
    lengths: Sequence[int],
    *,
    ml_vectors: FloatArray | None = None,
    roles: FloatArray | None = None,
    model_name: str = "",
) -> Candidates:
    """``vectors`` cut into documents of ``lengths`` passages (a length may be 0)."""
    total, documents, dim = sum(lengths), len(lengths), vectors.shape[1]
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    bounds = [(int(a), int(a) + n) for a, n in zip(offsets, lengths, strict=True)]
    return Candidates(
        kind,
        vectors,
        ml_vectors,
        offsets,
        bounds,
        np.zeros(total, bool),
        roles if roles is not None else np.zeros((total, 4), np.float32),
        np.zeros((documents, 3), np.float32),
        lambda: np.zeros((documents, dim), np.float32),
        lambda needs: np.zeros((len(needs), documents), np.float32),
        model_name=model_name,
    )
