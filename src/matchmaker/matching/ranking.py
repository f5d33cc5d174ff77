"""Results over arrays: :class:`Ranking` scores every candidate of a query at once and makes
:class:`Scored` objects (score, factors, reasons) only for the candidates shown;
:class:`RelevanceRows` keeps a cities × candidates relevance matrix with each row's :class:`Norms`, so
a changed candidate can be scored alone against the same yardstick.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.encoder import FloatArray
from matchmaker.matching.fit import Factor, combine

#: Rows of a relevance matrix copied at a time when it is carried to the next engine.
_COPY_ROWS = 256

#: Decimals of a score as results show it; results are ordered by the score as shown.
SCORE_DECIMALS = 6


def shown_score(score: float) -> float:
    """A score as results show it: in [0, 1], to :data:`SCORE_DECIMALS` decimals."""
    return round(min(1.0, max(0.0, score)), SCORE_DECIMALS)


@dataclass(slots=True)
class Scored:
    """One candidate's score and what explains it."""

    doc_id: str
    score: float
    relevance: float
    factors: list[Factor] = field(default_factory=list)
    relation: str | None = None
    mentor_case: str | None = None
    mentor_score: float = 0.0
    shared_providers: float | None = None
    #: City ↔ city: (asking need, candidate passage row, score) of the candidate's strength that answers it.
    mentor_strength: tuple[int, int, float] | None = None


class Ranking:
    """Every candidate of one query scored, as an array; :class:`Scored` objects (with their
    factors and reasons) are made only for the candidates shown or asked about.

    ``make(i)`` builds candidate ``i``'s object, whose score equals ``scores[i]``; ``keep`` leaves
    candidates out (the asking city itself, its own case studies).
    """

    def __init__(
        self,
        ids: Sequence[str],
        scores: npt.NDArray[np.float64],
        make: Callable[[int], Scored],
        keep: npt.NDArray[np.bool_] | None = None,
    ) -> None:
        self.ids = ids
        self.scores = scores
        self._make = make
        self._keep = keep
        self._pos: dict[str, int] | None = None

    def item_at(self, i: int) -> Scored:
        """Candidate ``i``'s scored object."""
        return self._make(i)

    def position(self, doc_id: str) -> int | None:
        """A candidate's row, or ``None`` when it is not ranked here."""
        if self._pos is None:
            self._pos = {d: i for i, d in enumerate(self.ids)}
        i = self._pos.get(doc_id)
        if i is None or (self._keep is not None and not self._keep[i]):
            return None
        return i

    def item(self, doc_id: str) -> Scored | None:
        """A candidate's scored object, or ``None`` when it is not ranked here."""
        i = self.position(doc_id)
        return None if i is None else self._make(i)

    def top(self, n: int | None, *, include: Iterable[str] = ()) -> list[Scored]:
        """The ``n`` best candidates (all with ``None``), best first, ties broken by id; candidates in
        ``include`` are added wherever they rank (to be adjusted and ranked again by the caller)."""
        valid = np.flatnonzero(self._keep) if self._keep is not None else np.arange(len(self.ids))
        if n is not None and 0 < n < len(valid):
            values = self.scores[valid]
            kth = np.partition(values, len(values) - n)[len(values) - n]
            # A margin keeps every candidate that could be shown tied with the n-th.
            chosen = set(valid[values >= kth - 10.0**-SCORE_DECIMALS].tolist())
        else:
            chosen = set(valid.tolist())
        included = set(include)
        for doc_id in included:
            i = self.position(doc_id)
            if i is not None:
                chosen.add(i)
        ranked_items = ranked(self._make(i) for i in chosen)
        if n is None:
            return ranked_items
        extra = [s for s in ranked_items[n:] if s.doc_id in included]
        return ranked_items[:n] + extra

    def all(self) -> list[Scored]:
        """Every candidate, best first."""
        return self.top(None)


@dataclass(frozen=True, slots=True)
class Norms:
    """What one query's per-need scores are measured against, over all candidates of a kind: the
    BM25 divisor and the baseline subtracted. Kept with a relevance row, so a changed candidate can
    be scored alone against the same yardstick."""

    lexical_top: FloatArray
    baseline: FloatArray


class RelevanceRows:
    """A cities × candidates relevance matrix, maintained across writes.

    Rows are filled one city at a time, each with its :class:`Norms`. After a write, the next
    engine's rows are :meth:`carried`: unchanged cities keep their rows, unchanged candidates their
    columns, and a changed candidate's column is marked stale in every row. A stale entry is scored
    again when its row is next read, that candidate alone against the row's own norms. Versions
    say what is stale: a row is fresh as of :attr:`row_version`, a column changed at
    :attr:`col_version`, so staleness carries over any number of writes.
    """

    def __init__(self, cities: int, candidates: int, version: int = 0) -> None:
        self.matrix: FloatArray = np.zeros((cities, candidates), dtype=np.float32)
        self.known = np.zeros(cities, dtype=bool)
        self.norms: list[Norms | None] = [None] * cities
        #: This matrix's version: one more than the matrix it was carried from.
        self.version = version
        self.row_version = np.full(cities, -1, dtype=np.int64)
        self.col_version = np.zeros(candidates, dtype=np.int64)
        #: Held while rows are brought up to date (one chunk of rows at a time).
        self.lock = threading.Lock()

    def put(self, i: int, row: FloatArray, norms: Norms | None = None) -> None:
        """Set city ``i``'s whole row (fresh)."""
        self.matrix[i] = row
        self.known[i] = True
        self.norms[i] = norms
        self.row_version[i] = self.version

    def put_columns(self, i: int, columns: Sequence[int], values: FloatArray) -> None:
        """Set the stale ``columns`` of city ``i``'s row, which is then fresh."""
        self.matrix[i, list(columns)] = values
        self.row_version[i] = self.version

    def missing(self) -> list[int]:
        """Cities whose row is not known yet."""
        return np.flatnonzero(~self.known).tolist()

    def stale_columns(self, i: int) -> list[int]:
        """The candidates whose entry in city ``i``'s known row is stale."""
        return np.flatnonzero(self.col_version > self.row_version[i]).tolist()

    def stale_rows(self, column: int | None = None) -> list[int]:
        """Known rows with a stale entry (in ``column``, or in any column)."""
        newest = int(self.col_version.max(initial=-1)) if column is None else int(self.col_version[column])
        return np.flatnonzero(self.known & (self.row_version < newest)).tolist()

    def carried(self, row_of: npt.NDArray[np.int64], column_of: npt.NDArray[np.int64]) -> RelevanceRows:
        """These rows for the next engine. ``row_of[i]`` is new city ``i``'s row here, ``column_of[j]``
        new candidate ``j``'s column here, -1 where the document is new or changed: such a city has
        no row, such a candidate's column is stale in every row."""
        out = RelevanceRows(len(row_of), len(column_of), self.version + 1)
        rows = np.flatnonzero(row_of >= 0)
        rows = rows[self.known[row_of[rows]]]
        columns = np.flatnonzero(column_of >= 0)
        if len(column_of) == self.matrix.shape[1] and np.array_equal(column_of[columns], columns):
            # The usual write: every kept candidate at its place. Whole rows are copied; the changed
            # candidates' entries are stale, and set to 0 until they are scored.
            copy_rows(out.matrix, self.matrix, rows, row_of[rows])
            out.matrix[:, np.flatnonzero(column_of < 0)] = 0.0
        else:
            for start in range(0, len(rows) if len(columns) else 0, _COPY_ROWS):
                block = rows[start : start + _COPY_ROWS]  # a block at a time: a bounded temporary
                out.matrix[np.ix_(block, columns)] = self.matrix[np.ix_(row_of[block], column_of[columns])]
        out.known[rows] = True
        out.row_version[rows] = self.row_version[row_of[rows]]
        out.col_version[:] = out.version
        out.col_version[columns] = self.col_version[column_of[columns]]
        for i, old in zip(rows.tolist(), row_of[rows].tolist(), strict=True):
            out.norms[i] = self.norms[old]
        return out


def top_indices(values: npt.NDArray[np.floating[Any]], k: int) -> npt.NDArray[np.intp]:
    """The indices of the ``k`` largest ``values``, largest first, ties broken by index: what
    ``np.argsort(-values, kind="stable")[:k]`` gives, without sorting every value."""
    n = len(values)
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    negated = -np.asarray(values)
    if k >= n or not np.isfinite(negated).all():
        return np.argsort(negated, kind="stable")[:k]
    kth = negated[np.argpartition(negated, k - 1)[:k]].max()
    tied_or_better = np.flatnonzero(negated <= kth)  # every value that could be in the top k
    order = tied_or_better[np.lexsort((tied_or_better, negated[tied_or_better]))]
    return order[:k]


def adjusted(score: float, factors: Sequence[Factor]) -> float:
    """A score times the product of its adjusters' factors (clamped as :func:`~.fit.combine` does),
    kept in [0, 1]."""
    value = score * combine(list(factors)) if factors else score
    return min(1.0, max(0.0, value))


def ranked(items: Iterable[Scored]) -> list[Scored]:
    """Best first by the score as shown; ties broken by id so that the order is deterministic."""
    return sorted(items, key=lambda s: (-shown_score(s.score), s.doc_id))


#: More runs than this and a gather (in blocks of ``_COPY_ROWS``) is faster than copying run by run.
_MAX_RUNS = 64


def copy_rows(
    out: FloatArray, source: FloatArray, to: npt.NDArray[np.int64], src: npt.NDArray[np.int64]
) -> None:
    """``out[to] = source[src]``, with each run of rows that step by one on both sides copied as one
    slice: after a write, the rows kept from the arrays it replaces are a few long runs (those before
    and after the written document), and block copies cost a third of a gather. Many short runs are
    gathered a block of rows at a time, so no temporary is larger than a block."""
    if len(to) == 0:
        return
    breaks = np.flatnonzero((np.diff(to) != 1) | (np.diff(src) != 1)) + 1
    if len(breaks) >= _MAX_RUNS:
        for start in range(0, len(to), _COPY_ROWS):
            block = slice(start, start + _COPY_ROWS)
            out[to[block]] = source[src[block]]
        return
    for a, b in zip(np.r_[0, breaks].tolist(), np.r_[breaks, len(to)].tolist(), strict=True):
        out[to[a] : to[a] + (b - a)] = source[src[a] : src[a] + (b - a)]
