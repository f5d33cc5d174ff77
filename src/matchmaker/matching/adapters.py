"""Learned query adapters: a linear map of one encoder's space, shipped as data next to this module.

An adapter belongs to the encoder it was fitted for (``<slug>.npy`` and ``<slug>.json`` in
``adapters/``, the slug made from the model name). A query read by another encoder has none, and the
signal that uses it (``centroid``) is left out of the fusion, its weight going to the other signals.
``corpora/tools/learn_adapter.py`` fits it on the tuning half of ``corpora/eval``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from matchmaker.embeddings.encoder import FloatArray, normalize_rows

ADAPTER_DIR = Path(__file__).resolve().parent / "adapters"

logger = logging.getLogger(__name__)


def adapter_slug(model_name: str) -> str:
    """The file name an adapter of ``model_name`` is kept under."""
    return re.sub(r"[^A-Za-z0-9]+", "-", model_name).strip("-").lower()


@dataclass(frozen=True, slots=True)
class Adapter:
    """A fitted map ``matrix`` (dimension × dimension) and the range of the signal it gives: ``lo``
    (the median over unrelated pairs, mapped to 0) and ``hi`` (mapped to 1)."""

    model: str
    matrix: FloatArray
    lo: float
    hi: float

    def apply(self, vector: FloatArray) -> FloatArray:
        """``vector`` mapped and of unit length."""
        out: FloatArray = normalize_rows(self.matrix @ vector)[0]
        return out


@cache
def adapter_for(model_name: str, folder: Path = ADAPTER_DIR) -> Adapter | None:
    """The shipped adapter of ``model_name``, or ``None`` where none was fitted for it. A damaged one
    (unreadable, a record of another encoder, a map that is not square or not finite, a range that
    is not one) is ``None`` too, with a warning: matching goes on without the signal."""
    slug = adapter_slug(model_name)
    meta_path, matrix_path = folder / f"{slug}.json", folder / f"{slug}.npy"
    if not model_name or not meta_path.is_file() or not matrix_path.is_file():
        return None
    try:
        return _read(model_name, meta_path, matrix_path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("the adapter of %s in %s is left out: %s", model_name, folder, exc)
        return None


def adapter_for_vectors(model_name: str, dimension: int, folder: Path = ADAPTER_DIR) -> Adapter | None:
    """:func:`adapter_for` where its map reads vectors of ``dimension``, else ``None``: whether the
    ``centroid`` signal can be read for vectors made by ``model_name``, one answer for every path
    that scores candidates (all of a kind, or those outside a shortlist)."""
    adapter = adapter_for(model_name, folder)
    return adapter if adapter is not None and adapter.matrix.shape[1] == dimension else None


def _read(model_name: str, meta_path: Path, matrix_path: Path) -> Adapter:
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("model") != model_name:
        raise ValueError(f"{meta_path.name} names the encoder {meta.get('model')!r}")
    lo, hi = float(meta["lo"]), float(meta["hi"])
    if not lo < hi:
        raise ValueError(f"{meta_path.name}: the range [{lo}, {hi}] is empty")
    matrix = np.load(matrix_path, allow_pickle=False).astype(np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{matrix_path.name} is not a square map (shape {matrix.shape})")
    if not np.isfinite(matrix).all():
        raise ValueError(f"{matrix_path.name} holds values that are not finite")
    return Adapter(model_name, matrix, lo, hi)


def adapters_digest(folder: Path = ADAPTER_DIR) -> str:
    """A hash of every shipped adapter file (part of the key of stored relevance rows)."""
    digest = hashlib.sha256(b"adapters")
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
