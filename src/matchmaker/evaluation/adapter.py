"""A linear query adapter fitted on graded judgements, for the engine's ``centroid`` signal.

Each query is one point (the centre of its needs, :func:`matchmaker.matching.signals.need_centre`)
and each candidate a set of passage vectors; the signal is the mean cosine of the candidate's
``top`` best passages to the query's point mapped by ``W`` (:func:`centroid_scores`). ``W`` starts
at the identity and is fitted (:func:`fit_adapter`) with a pairwise loss: within a query, every pair
of candidates with different grades counts by the difference of their gains (``2**grade - 1``, as
nDCG counts them), each query weighing the same, plus an L2 penalty on ``W - I``.
:func:`cross_validate` chooses the penalty: queries are split into folds by group (a city's queries of
every kind stay together), each fold scored by nDCG@10 of the signal alone on the queries left out.

``corpora/tools/learn_adapter.py`` reads the queries from the engine and writes the fitted matrix
that :mod:`matchmaker.matching.adapters` loads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch

from matchmaker.embeddings.encoder import normalize_rows
from matchmaker.evaluation.metrics import K, ndcg_at_k
from matchmaker.matching import signals

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class AdapterQuery:
    """One graded query: its point before the adapter, its candidates' passage vectors (one matrix of
    unit rows per candidate, in the order of ``ids``), the grades (unlisted: 0), its kind and its
    group for cross-validation."""

    qid: str
    kind: str
    group: str
    centre: Matrix
    ids: Sequence[str]
    passages: Sequence[Matrix]
    grades: Mapping[str, int]


#: The signal reads each candidate's ``TOP`` best passages; the fit's defaults.
TOP = 3
EPOCHS = 60
RATE = 0.01
SHARPNESS = 20.0


def centroid_scores(w: Matrix | None, query: AdapterQuery, top: int = TOP) -> list[float]:
    """Each candidate's signal: the mean cosine of its ``top`` best passages to the query's point mapped
    by ``w`` (``None``: the identity), as the engine reads it (:func:`signals.centroid_topk`)."""
    point = query.centre if w is None else normalize_rows(w @ query.centre)[0]
    lengths = np.array([len(p) for p in query.passages], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    bounds = [(int(a), int(a + n)) for a, n in zip(starts, lengths, strict=True)]
    vectors = np.concatenate([*query.passages, np.zeros((0, len(point)), np.float32)]).astype(np.float32)
    return [float(x) for x in signals.centroid_topk(point, vectors, bounds, top)]


def signal_ndcg(queries: Sequence[AdapterQuery], w: Matrix | None, k: int = K) -> dict[str, float]:
    """nDCG@k of the signal alone, the mean per query kind."""
    per: dict[str, list[float]] = {}
    for q in queries:
        scores = centroid_scores(w, q)
        order = [q.ids[i] for i in np.argsort(-np.asarray(scores), kind="stable")]
        per.setdefault(q.kind, []).append(ndcg_at_k(order, q.grades, k))
    return {kind: float(np.mean(values)) for kind, values in per.items()}


def fit_adapter(
    queries: Sequence[AdapterQuery],
    penalty: float,
    *,
    epochs: int = EPOCHS,
    rate: float = RATE,
    top: int = TOP,
    sharpness: float = SHARPNESS,
) -> Matrix:
    """``W`` fitted on ``queries`` (deterministic: full batches, a fixed seed)."""
    torch.manual_seed(0)
    dim = int(queries[0].centre.shape[0]) if queries else 0
    delta = torch.zeros(dim, dim, requires_grad=True)
    optimiser = torch.optim.Adam([delta], lr=rate)
    batches = []
    for q in queries:
        keep = [i for i, p in enumerate(q.passages) if len(p)]
        gains = torch.tensor([2.0 ** q.grades.get(q.ids[i], 0) - 1 for i in keep])
        order = (gains[:, None] - gains[None, :]).clamp(min=0)
        if float(order.sum()) > 0:
            passages = [torch.from_numpy(np.ascontiguousarray(q.passages[i])) for i in keep]
            batches.append((torch.from_numpy(np.ascontiguousarray(q.centre)), passages, order))
    eye = torch.eye(dim)
    for _ in range(epochs if batches else 0):
        optimiser.zero_grad()
        loss = torch.zeros(())
        for centre, passages, order in batches:
            point = (eye + delta) @ centre
            point = point / point.norm()
            s = torch.stack([torch.topk(p @ point, min(top, len(p))).values.mean() for p in passages])
            wrong = torch.nn.functional.softplus(-(s[:, None] - s[None, :]) * sharpness)
            loss = loss + (order * wrong).sum() / order.sum()
        loss = loss / len(batches) + penalty * (delta**2).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
    fitted: Matrix = (eye + delta).detach().numpy().astype(np.float32)
    return fitted


def folds_of(groups: Sequence[str], folds: int, seed: int = 0) -> list[list[str]]:
    """The distinct ``groups`` dealt into ``folds`` folds after a seeded shuffle."""
    units = [str(u) for u in np.random.default_rng(seed).permutation(sorted(set(groups)))]
    return [units[i::folds] for i in range(folds)]


def in_groups(queries: Sequence[AdapterQuery], groups: Sequence[str]) -> list[AdapterQuery]:
    """The queries of ``groups``."""
    keep = set(groups)
    return [q for q in queries if q.group in keep]


def cross_validate(
    queries: Sequence[AdapterQuery], penalties: Sequence[float], folds: Sequence[Sequence[str]]
) -> dict[float, dict[str, float]]:
    """Per penalty, nDCG@10 of the signal per kind on each fold's queries with ``W`` fitted on the
    other folds, the mean over folds."""
    out: dict[float, dict[str, float]] = {}
    for penalty in penalties:
        per: dict[str, list[float]] = {}
        for left_out in folds:
            rest = [g for fold in folds if fold is not left_out for g in fold]
            w = fit_adapter(in_groups(queries, rest), penalty)
            for kind, value in signal_ndcg(in_groups(queries, left_out), w).items():
                per.setdefault(kind, []).append(value)
        out[penalty] = {kind: float(np.mean(values)) for kind, values in per.items()}
    return out
