"""Passage roles: is a sentence a need, a strength, context or background?

A city summary mixes what the city lacks with what it already did, the conditions it works under
and plain facts about itself. Matching must treat them differently:

* ``need``: a problem, a gap, a plan or a request ("We have no staff to monitor phishing");
* ``strength``: something done, owned, completed, known for, or experience offered to others
  ("In 2019 the city completed the retrofit of twelve schools");
* ``context``: budget, business model, procurement, hosting, connectivity, working languages
  ("All data must be hosted inside the country");
* ``background``: history, council size, staff numbers, area, title and population lines
  ("The municipal council has 31 members").

Method
------
A multinomial logistic regression over a sentence vector from a multilingual encoder plus a handful
of cues that hold in every language (a year, the share of number tokens, a ``Label: value`` line, a
title line without a verb-ending punctuation, length). No word list is involved, so the same weights
serve Turkish, Albanian or Serbian Cyrillic sentences. The vectors are centred on the training mean
and rescaled to unit length first, because multilingual-e5 vectors all sit in a narrow cone.

The shipped model (``roles.npz`` beside this module) was fitted by ``scripts/train_roles.py`` on the
``train`` split of ``corpora/roles/sentences.tsv`` with the multilingual encoder named in it;
``bench/bench_roles.py`` reports accuracy on the ``test`` split, whose sentences (and their
translations) the model never saw. The model holds about 1,600 numbers.

Everything here is pure: :func:`fit_role_model` and :meth:`RoleModel.predict` take arrays and return
arrays; :class:`RoleClassifier` only adds an encoder in front. :func:`classify` is the convenience
entry point that loads the shipped model and its encoder once per process.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.encoder import Encoder, FloatArray
from matchmaker.threads import ARRAY_READS

logger = logging.getLogger(__name__)

Role = Literal["need", "strength", "context", "background"]
#: The roles in the order of the model's outputs.
ROLES: tuple[Role, ...] = ("need", "strength", "context", "background")
#: Bumped when the cue features change; a model file with another version is refused.
FEATURE_VERSION = 1
MODEL_FILE = "roles.npz"


@dataclass(frozen=True, slots=True)
class RoleGuess:
    """The most likely role of one sentence and the model's probability for it (0.25 to 1)."""

    role: Role
    confidence: float


# --------------------------------------------------------------------------------------------------
# Language-neutral cues

_YEAR = re.compile(r"(?<!\d)(?:1[5-9]\d\d|20\d\d)(?!\d)")
_NUMBER = re.compile(r"\d")
_TOKEN = re.compile(r"\S+")
_LABEL_VALUE = re.compile(r"^\s*[^\W\d_][^:\n]{0,40}:\s*\S")
_END_PUNCT = re.compile(r"[.!?…。؟]\s*$")
_DASH_TITLE = re.compile(r"\s[–—-]\s")

#: Names of the cue features, in column order.
CUE_NAMES: tuple[str, ...] = ("year", "number_share", "label_value", "no_end_punct", "dash_title", "length")


def cue_features(sentences: Sequence[str]) -> FloatArray:
    """The language-neutral cues of each sentence, shape ``(len(sentences), len(CUE_NAMES))``.

    All cues are in [0, 1]: a year between 1500 and 2099; the share of tokens holding a digit; a
    ``Label: value`` line; no sentence-ending punctuation; a spaced dash (title lines such as
    "Kukës Municipality – Current Situation Summary"); length as ``min(1, log(1 + words) / log(60))``.
    """
    out = np.zeros((len(sentences), len(CUE_NAMES)), dtype=np.float32)
    for i, text in enumerate(sentences):
        tokens = _TOKEN.findall(text)
        n = max(len(tokens), 1)
        out[i, 0] = 1.0 if _YEAR.search(text) else 0.0
        out[i, 1] = sum(1 for t in tokens if _NUMBER.search(t)) / n
        out[i, 2] = 1.0 if _LABEL_VALUE.match(text) else 0.0
        out[i, 3] = 0.0 if _END_PUNCT.search(text) else 1.0
        out[i, 4] = 1.0 if _DASH_TITLE.search(text) else 0.0
        out[i, 5] = min(1.0, math.log1p(len(tokens)) / math.log(60.0))
    return out


# --------------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class RoleModel:
    """Weights of the role classifier over ``[centred unit vector, cues]``.

    ``weights`` has shape ``(len(ROLES), dimension + len(CUE_NAMES))``; ``mean`` is the training mean of
    the sentence vectors; ``encoder_name`` names the encoder the vectors must come from.
    """

    weights: FloatArray
    bias: FloatArray
    mean: FloatArray
    encoder_name: str
    cue_weight: float = 1.0

    @property
    def dimension(self) -> int:
        """Length of the sentence vectors the model expects."""
        return int(self.mean.shape[0])

    @property
    def digest(self) -> str:
        """A hash of the model's numbers: what is stored from its roles names the model it came from."""
        h = hashlib.sha256(self.encoder_name.encode())
        for part in (self.weights, self.bias, self.mean, np.float32(self.cue_weight)):
            h.update(np.ascontiguousarray(part, dtype=np.float32).tobytes())
        return h.hexdigest()[:16]

    def design(self, vectors: FloatArray, cues: FloatArray) -> FloatArray:
        """The model's input rows: centred, re-normalised vectors next to the scaled cues."""
        return _design(vectors, cues, self.mean, self.cue_weight)

    def probabilities(self, vectors: FloatArray, cues: FloatArray) -> FloatArray:
        """Role probabilities, shape ``(n, len(ROLES))``, rows summing to one."""
        if vectors.shape[0] == 0:
            return np.zeros((0, len(ROLES)), dtype=np.float32)
        if vectors.shape[1] != self.dimension:
            msg = (
                f"role model expects {self.dimension}-d vectors from {self.encoder_name!r}, "
                f"got {vectors.shape[1]}"
            )
            raise ValueError(msg)
        logits = self.design(vectors, cues) @ self.weights.T + self.bias
        return _softmax(logits)

    def predict(self, vectors: FloatArray, cues: FloatArray) -> list[RoleGuess]:
        """The most likely role of each row, with its probability."""
        probs = self.probabilities(vectors, cues)
        best = probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=np.int64)
        return [RoleGuess(ROLES[int(k)], float(probs[i, k])) for i, k in enumerate(best)]

    def save(self, path: Path) -> None:
        """Write the model as one ``.npz`` file."""
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            weights=self.weights,
            bias=self.bias,
            mean=self.mean,
            encoder_name=np.array(self.encoder_name),
            cue_weight=np.array(self.cue_weight, dtype=np.float32),
            roles=np.array(ROLES),
            cues=np.array(CUE_NAMES),
            feature_version=np.array(FEATURE_VERSION),
        )
        path.write_bytes(buffer.getvalue())

    @classmethod
    def from_bytes(cls, data: bytes) -> RoleModel:
        """Read a model written by :meth:`save`; refuses one built with other roles or cues."""
        with ARRAY_READS, np.load(io.BytesIO(data), allow_pickle=False) as npz:
            if (
                tuple(str(r) for r in npz["roles"]) != ROLES
                or tuple(str(c) for c in npz["cues"]) != CUE_NAMES
                or int(npz["feature_version"]) != FEATURE_VERSION
            ):
                msg = "role model file was built with other roles or cue features; retrain it"
                raise ValueError(msg)
            return cls(
                weights=np.asarray(npz["weights"], dtype=np.float32),
                bias=np.asarray(npz["bias"], dtype=np.float32),
                mean=np.asarray(npz["mean"], dtype=np.float32),
                encoder_name=str(npz["encoder_name"]),
                cue_weight=float(npz["cue_weight"]),
            )

    @classmethod
    def load(cls, path: Path | None = None) -> RoleModel:
        """The model at ``path``, or the one shipped with the package."""
        if path is not None:
            return cls.from_bytes(path.read_bytes())
        data = resources.files("matchmaker.vocabulary").joinpath(MODEL_FILE).read_bytes()
        return cls.from_bytes(data)


def _design(vectors: FloatArray, cues: FloatArray, mean: FloatArray, cue_weight: float) -> FloatArray:
    centred = np.asarray(vectors, dtype=np.float32) - mean
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    return np.hstack([centred / norms, cue_weight * np.asarray(cues, dtype=np.float32)]).astype(np.float32)


def _softmax(logits: npt.NDArray[np.floating]) -> FloatArray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    out: FloatArray = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


def role_indices(roles: Sequence[str]) -> npt.NDArray[np.int64]:
    """Column index in :data:`ROLES` of each role name (raises on an unknown name)."""
    lookup: dict[str, int] = {r: i for i, r in enumerate(ROLES)}
    try:
        return np.array([lookup[r] for r in roles], dtype=np.int64)
    except KeyError as exc:
        msg = f"unknown role {exc.args[0]!r}; use one of {', '.join(ROLES)}"
        raise ValueError(msg) from None


def fit_role_model(
    vectors: FloatArray,
    cues: FloatArray,
    roles: Sequence[str],
    *,
    encoder_name: str,
    l2: float = 1e-3,
    cue_weight: float = 0.0,
    iterations: int = 25,
) -> RoleModel:
    """Fit a multinomial logistic regression with an L2 penalty by Newton's method.

    Pure numpy and deterministic. The loss is the mean cross-entropy plus ``l2 / 2`` times the
    squared weights (the bias is not penalised beyond a tiny ridge that keeps the Hessian
    invertible). With a few hundred 390-wide rows each Newton step solves one 1,560-wide linear
    system, and about ten steps converge.
    """
    if len(roles) != vectors.shape[0] or cues.shape[0] != vectors.shape[0]:
        msg = "vectors, cues and roles must have the same number of rows"
        raise ValueError(msg)
    if vectors.shape[0] == 0:
        msg = "cannot fit a role model on no sentences"
        raise ValueError(msg)
    y = role_indices(roles)
    mean = np.asarray(vectors, dtype=np.float64).mean(axis=0).astype(np.float32)
    design = _design(vectors, cues, mean, cue_weight).astype(np.float64)
    n = design.shape[0]
    x = np.hstack([design, np.ones((n, 1))])  # the last column carries the bias
    d = x.shape[1]
    k = len(ROLES)
    target = np.zeros((n, k))
    target[np.arange(n), y] = 1.0
    ridge = np.full(d, l2)
    ridge[-1] = 1e-8
    penalty = np.tile(ridge, k)
    theta = np.zeros(k * d)

    def loss(t: npt.NDArray[np.float64]) -> float:
        logits = x @ t.reshape(k, d).T
        logits -= logits.max(axis=1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return float(-(target * log_probs).sum() / n + 0.5 * (penalty * t * t).sum())

    current = loss(theta)
    for _ in range(iterations):
        probs = _softmax(x @ theta.reshape(k, d).T).astype(np.float64)
        grad = ((probs - target).T @ x / n).ravel() + penalty * theta
        hessian = np.empty((k * d, k * d))
        for a in range(k):
            for b in range(a, k):
                w = probs[:, a] * ((1.0 if a == b else 0.0) - probs[:, b]) / n
                block = (x * w[:, None]).T @ x
                hessian[a * d : (a + 1) * d, b * d : (b + 1) * d] = block
                hessian[b * d : (b + 1) * d, a * d : (a + 1) * d] = block.T
        hessian[np.diag_indices_from(hessian)] += penalty
        step = np.linalg.solve(hessian, grad)
        scale = 1.0
        while scale > 1e-4:  # backtrack when a full step overshoots
            candidate = theta - scale * step
            value = loss(candidate)
            if value <= current:
                break
            scale /= 2
        else:
            break
        converged = current - value < 1e-7 * max(current, 1e-12)
        theta, current = candidate, value
        if converged:
            break
    params = theta.reshape(k, d)
    return RoleModel(
        weights=params[:, :-1].astype(np.float32),
        bias=params[:, -1].astype(np.float32),
        mean=mean,
        encoder_name=encoder_name,
        cue_weight=cue_weight,
    )


# --------------------------------------------------------------------------------------------------
# The labelled set


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    """One row of ``corpora/roles/sentences.tsv``."""

    lang: str
    role: Role
    theme: str
    split: Literal["train", "test"]
    sentence: str


def read_labelled_sentences(path: Path) -> list[LabelledSentence]:
    """Read a ``lang  role  theme  split  sentence`` TSV file with a header line.

    ``theme`` groups a statement with its restatements in other languages; the split is by theme,
    so the translation of a test sentence is never a training sentence.
    """
    out: list[LabelledSentence] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 5 or parts[1] not in ROLES or parts[3] not in ("train", "test"):
            msg = f"{path}:{number}: expected lang, role, theme, train|test and a sentence"
            raise ValueError(msg)
        lang, role, theme, split, sentence = parts
        out.append(LabelledSentence(lang, role, theme, split, sentence))  # type: ignore[arg-type]
    return out


# --------------------------------------------------------------------------------------------------
# Sentences in, roles out


class RoleClassifier:
    """A :class:`RoleModel` with the encoder its vectors come from."""

    def __init__(self, model: RoleModel, encoder: Encoder) -> None:
        if encoder.dimension != model.dimension:
            msg = (
                f"role model expects {model.dimension}-d vectors from {model.encoder_name!r}; "
                f"encoder {encoder.name!r} gives {encoder.dimension}-d"
            )
            raise ValueError(msg)
        if encoder.name != model.encoder_name:
            logger.warning(
                "Role model fitted on %s is used with encoder %s", model.encoder_name, encoder.name
            )
        self.model = model
        self.encoder = encoder

    @classmethod
    def fit(
        cls, sentences: Sequence[str], roles: Sequence[str], encoder: Encoder, **kwargs: float
    ) -> RoleClassifier:
        """Encode labelled sentences with ``encoder`` and fit a model on them (see :func:`fit_role_model`)."""
        vectors = encoder.encode(sentences)
        model = fit_role_model(vectors, cue_features(sentences), roles, encoder_name=encoder.name, **kwargs)  # type: ignore[arg-type]
        return cls(model, encoder)

    def probabilities(self, sentences: Sequence[str]) -> FloatArray:
        """Role probabilities of each sentence, columns in :data:`ROLES` order."""
        return self.model.probabilities(self.encoder.encode(sentences), cue_features(sentences))

    def classify(self, sentences: Sequence[str]) -> list[RoleGuess]:
        """The most likely role of each sentence, with its probability."""
        return self.model.predict(self.encoder.encode(sentences), cue_features(sentences))


@cache
@cache
def shipped_model() -> RoleModel:
    """The role model shipped with the package, read once per process (it is immutable)."""
    return RoleModel.load()


_default: RoleClassifier | None = None
_default_lock = threading.Lock()


def default_classifier() -> RoleClassifier:
    """The shipped model with the encoder it was fitted on, loaded once per process."""
    global _default  # noqa: PLW0603 - one lazily loaded model per process, like the encoders
    with _default_lock:
        if _default is None:
            # The encoder loads only when the shipped classifier is first used.
            from matchmaker.embeddings.encoder import load_encoder  # noqa: PLC0415
            from matchmaker.settings import Settings  # noqa: PLC0415

            model = shipped_model()
            _default = RoleClassifier(model, load_encoder(Settings(), model.encoder_name))
        return _default


def classify(sentences: Sequence[str], *, classifier: RoleClassifier | None = None) -> list[RoleGuess]:
    """The role of each sentence (any language), with a confidence in [0.25, 1].

    Uses ``classifier`` or, by default, the shipped model and the multilingual encoder.
    """
    if len(sentences) == 0:
        return []
    return (classifier or default_classifier()).classify(sentences)


__all__ = [
    "CUE_NAMES",
    "FEATURE_VERSION",
    "ROLES",
    "LabelledSentence",
    "Role",
    "RoleClassifier",
    "RoleGuess",
    "RoleModel",
    "classify",
    "cue_features",
    "default_classifier",
    "fit_role_model",
    "read_labelled_sentences",
    "role_indices",
    "shipped_model",
]
