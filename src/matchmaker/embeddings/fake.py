"""A tiny deterministic encoder for unit tests: the hashing trick over words and character trigrams.

Texts that share words get similar vectors, so retrieval tests behave sensibly, and nothing is
loaded: building one costs microseconds. Any test in the project may use it::

    from matchmaker.embeddings.fake import HashingEncoder
    encoder = HashingEncoder(dimension=64)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from matchmaker.embeddings.encoder import BatchEncoder, FloatArray

_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEncoder(BatchEncoder):
    """An :class:`~matchmaker.embeddings.encoder.Encoder` that hashes words and trigrams into buckets.

    ``calls`` and ``texts_encoded`` count the work done, so tests can assert that a cache hit
    encoded nothing.
    """

    batches_itself = True

    def __init__(self, dimension: int = 64, *, name: str | None = None) -> None:
        super().__init__(name or f"hashing-{dimension}", dimension)
        self.calls = 0
        self.texts_encoded = 0

    def _bucket(self, token: str) -> tuple[int, float]:
        digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self._dimension, 1.0 if (value >> 63) & 1 else -1.0

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> FloatArray:
        """Encode each text as a signed bag of hashed words (weight 1) and trigrams (weight 0.3)."""
        self.calls += 1
        self.texts_encoded += len(texts)
        return super().encode(texts, batch_size=batch_size, show_progress=show_progress)

    def _encode_batch(self, texts: list[str], *, batch_size: int, show_progress: bool) -> FloatArray:
        del batch_size, show_progress  # hashing needs no batches
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.casefold()):
                index, sign = self._bucket(word)
                out[row, index] += sign
                padded = f"#{word}#"
                for i in range(len(padded) - 2):
                    index, sign = self._bucket(padded[i : i + 3])
                    out[row, index] += 0.3 * sign
            if not out[row].any():
                out[row, 0] = 1.0
        return out


__all__ = ["HashingEncoder"]
