"""What relates one city to another beyond the text of each: how alike their provider rankings are
(shared providers) and how well a city's strengths answer another's needs (a mentor), kept per
configuration and carried from the engine before a write where the cities did not change.

Both read the engine's maintained relevance matrices and its prepared kinds: every method that
computes takes the engine whose relations these are (they never hold it, so a replaced engine is
freed by reference counting).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.encoder import FloatArray
from matchmaker.embeddings.passages import DocKind
from matchmaker.matching import signals
from matchmaker.matching.bounded import SizedCache, newest
from matchmaker.matching.kinds import NEED, STRENGTH, Candidates, DocumentSet, KindIndex, same_document
from matchmaker.matching.maintained import stale_limit
from matchmaker.matching.needs import Needs
from matchmaker.matching.ranking import copy_rows, top_indices
from matchmaker.matching.scoring import EngineConfig

if TYPE_CHECKING:
    from matchmaker.matching.engine import Engine

_EPS = 1e-6
_T = TypeVar("_T")
#: Strength evidence of more queries than the engine's ``keep`` is kept while all of it holds no more
#: than this (28 bytes a city each: every city of an event of 500 cities in 7 MiB, of 1,000 in 27
#: MiB), so a page that reads every city's strengths (an event's participants) computes them once.
STRENGTH_BYTES = 32 * 1024 * 1024
#: Rows of the provider relevance matrix centred at a time (a bounded temporary, not the matrix's size).
_CENTRE_ROWS = 256
#: Entries (needs × passages) of the cosines computed at once for the strength evidence of several
#: cities (16 MiB of float32 a channel: 500 cities' needs against 4,000 passages in eight runs).
_BLOCK_ENTRIES = 4 * 1024 * 1024
#: Multiply-adds under which one query's cosines are a product of their own (:func:`need_similarities`).
_TOGETHER_MIN = 1 << 20


@dataclass(frozen=True, slots=True)
class StrengthEvidence:
    """City ↔ city: how well each city's strengths (what it did, has, is known for) answer one city's
    needs. ``scores`` per city in [0, 1]; ``need`` and ``passage`` locate the best pair (the asking
    need's index, the answering passage's row in the city index); ``strength`` is that passage's
    probability of stating a strength."""

    scores: FloatArray
    need: npt.NDArray[np.int64]
    passage: npt.NDArray[np.int64]
    strength: FloatArray
    #: The same score for the passages each city states as needs: a city whose strengths answer
    #: better than its own needs did it already (a mentor); otherwise it shares the need (comparable).
    alike: FloatArray

    @property
    def nbytes(self) -> int:
        """The memory its arrays hold."""
        return sum(a.nbytes for a in (self.scores, self.need, self.passage, self.strength, self.alike))


class CityRelations:
    """The shared-provider rows and the strength evidence of one engine, with what it carries from
    the engine it replaced.

    ``made_of``: the documents of each kind of the engine before, which everything carried was made
    of. ``lock`` is the engine's cache lock; ``keep`` how many strength evidences are kept at least
    (more while they hold no more than :data:`STRENGTH_BYTES`).
    """

    def __init__(
        self,
        config: EngineConfig,
        previous: CityRelations | None,
        made_of: Mapping[DocKind, DocumentSet],
        *,
        lock: threading.Lock,
        keep: int,
    ) -> None:
        self.lock = lock
        #: Each city's provider relevance row less its mean, at unit length, per configuration.
        self.shared: dict[EngineConfig, FloatArray] = {}
        # The centred provider rows of the engine this one replaces, with the cities and providers
        # they were made of: a city whose row did not change keeps its centred row.
        self._shared_before: dict[EngineConfig, tuple[FloatArray, DocumentSet, DocumentSet]] = {}
        if previous is not None and {"city", "provider"} <= set(made_of):
            sides = (made_of["city"], made_of["provider"])
            self._shared_before = {k: (v, *sides) for k, v in previous.shared.items() if k == config}
        #: The strength evidence of the newest (city, configuration) queries: ``keep`` of them, more
        #: while they hold no more than :data:`STRENGTH_BYTES`.
        self.strengths: SizedCache[tuple[str, EngineConfig], StrengthEvidence] = SizedCache(
            keep=keep, limit=STRENGTH_BYTES, size=lambda value: value.nbytes
        )
        # The strength evidence of the engine this one replaces, with the cities it was made of: a
        # city that did not change keeps its evidence, the written cities' entries scored anew.
        # Evidence that engine had carried and not read yet is carried on, with the cities it was
        # made of; the newest are kept as the cache keeps them.
        self._strengths_before: dict[tuple[str, EngineConfig], tuple[StrengthEvidence, DocumentSet]] = {}
        if previous is not None and "city" in made_of:
            handed = dict(previous._strengths_before)
            with previous.lock:  # queries may still be adding to it
                strengths = list(previous.strengths.items())
            handed.update({k: (v, made_of["city"]) for k, v in strengths if k[1] == config})
            newest = _newest(list(handed.items()), keep, lambda item: item[1][0].nbytes)
            self._strengths_before = dict(newest)

    def shared_providers_row(self, engine: Engine, i: int, cfg: EngineConfig) -> FloatArray:
        """``S[i, b]`` in [0, 1] for every city b: how alike the provider rankings of cities i and b
        are (the centred cosine of their provider relevance rows, mapped from [-1, 1] to [0, 1])."""
        cities = engine.kind("city")
        if "provider" not in engine.bundles or not len(cities):
            return np.full(len(cities), 0.5, dtype=np.float32)
        centred = self.centred_provider_rows(engine, cfg)
        out: FloatArray = (0.5 * (centred @ centred[i] + 1.0)).astype(np.float32)
        return out

    def centred_provider_rows(self, engine: Engine, cfg: EngineConfig) -> FloatArray:
        """Each city's provider relevance row less its mean, at unit length (cached per
        configuration). After a write that changed no provider, a city whose row was carried
        unchanged keeps its centred row from the engine before; the others are centred now."""
        cached = self.shared.get(cfg)
        if cached is not None:
            return cached
        matrix = engine.relevance_matrix("provider", cfg)
        rows = np.empty_like(matrix)
        todo = np.arange(len(matrix))
        before = self._shared_before.pop(cfg, None)
        if before is not None:
            old, old_cities, old_providers = before
            providers = engine.kind("provider")
            positions_from = engine.maintained.positions_from
            if len(old_providers.ids) == len(providers) and np.array_equal(
                positions_from(engine, old_providers, "provider"), np.arange(len(providers))
            ):
                row_of = positions_from(engine, old_cities, "city")
                kept = row_of >= 0
                copy_rows(rows, old, np.flatnonzero(kept), row_of[kept])
                todo = np.flatnonzero(~kept)
        for start in range(0, len(todo), _CENTRE_ROWS):  # a block at a time: a bounded temporary
            block = todo[start : start + _CENTRE_ROWS]
            part = matrix[block]
            part -= part.mean(axis=1, keepdims=True)
            part /= np.maximum(np.linalg.norm(part, axis=1, keepdims=True), _EPS)
            rows[block] = part
        with self.lock:
            self.shared[cfg] = rows
        return rows

    def strength_evidence(self, engine: Engine, city_id: str, cfg: EngineConfig) -> StrengthEvidence:
        """How well every city's strength passages answer ``city_id``'s needs (cached per configuration).

        Per need and city: the best passage, each passage's cosine counted by its probability of
        stating a strength (:func:`~.signals.strength_answers`), mapped like the dense signal, with
        the multilingual channel fused in as the profile says; then the need-weighted best need.
        """
        return self.strength_evidences(engine, [city_id], cfg)[0]

    def strength_evidences(
        self, engine: Engine, city_ids: Sequence[str], cfg: EngineConfig
    ) -> list[StrengthEvidence]:
        """:meth:`strength_evidence` of each of ``city_ids``, in order. Those neither kept nor carried
        are computed together: the needs of several cities against every city's passages in one
        matrix product (:func:`need_similarities`), the numbers of one city at a time up to float32
        rounding."""
        found: dict[str, StrengthEvidence] = {}
        with self.lock:
            for city_id in city_ids:
                hit = self.strengths.get((city_id, cfg))
                if hit is not None:
                    found[city_id] = hit
        cities = engine.kind("city")
        strength = cities.roles[:, STRENGTH]
        todo: list[tuple[str, Needs]] = []
        for city_id in dict.fromkeys(city_ids):
            if city_id in found:
                continue
            needs = engine.needs_of("city", city_id, cfg)
            carried = self._carried_strengths(engine, needs, cities, (city_id, cfg))
            if carried is None:
                todo.append((city_id, needs))
            else:
                found[city_id] = self._kept(city_id, cfg, carried, strength)
        if todo:
            view = cities.candidates(cfg)
            for block in _blocks(todo, len(view.vectors)):
                sims = need_similarities([needs for _, needs in block], view, cfg)
                for (city_id, needs), cosines in zip(block, sims, strict=True):
                    scores, best_need, passage = role_answers(needs, view, strength, cfg, cosines)
                    alike, _, _ = role_answers(needs, view, cities.roles[:, NEED], cfg, cosines)
                    value = StrengthEvidence(scores, best_need, passage, np.zeros(0, np.float32), alike)
                    found[city_id] = self._kept(city_id, cfg, value, strength)
        return [found[city_id] for city_id in city_ids]

    def _kept(
        self, city_id: str, cfg: EngineConfig, value: StrengthEvidence, strength: FloatArray
    ) -> StrengthEvidence:
        """``value`` with each best passage's strength probability, kept in the cache."""
        value = replace(
            value,
            strength=(
                strength[value.passage].astype(np.float32)
                if len(strength)
                else np.zeros(len(value.scores), np.float32)
            ),
        )
        with self.lock:
            self.strengths.put((city_id, cfg), value)
        return value

    def _carried_strengths(
        self, engine: Engine, needs: Needs, cities: KindIndex, key: tuple[str, EngineConfig]
    ) -> StrengthEvidence | None:
        """The replaced engine's strength evidence for an unchanged city, carried over: unchanged
        cities keep their entries (passage rows moved to where they are now), written ones are scored
        alone; ``None`` when there is none or the change is a bulk one. ``strength`` is left to the
        caller."""
        carried = self._strengths_before.pop(key, None)
        if carried is None:
            return None
        before, old = carried
        city_id, cfg = key
        io = old.pos.get(city_id)
        if io is None or not same_document(old, io, cities, cities.pos[city_id]):
            return None
        row_of = engine.maintained.positions_from(engine, old, "city")
        changed = np.flatnonzero(row_of < 0)
        if len(changed) > stale_limit(len(cities)):
            return None
        kept = np.flatnonzero(row_of >= 0)
        starts, old_starts = cities.offsets, old.offsets
        scores = np.zeros(len(cities), np.float32)
        alike = np.zeros(len(cities), np.float32)
        best_need = np.zeros(len(cities), np.int64)
        passage = np.zeros(len(cities), np.int64)
        was = row_of[kept]
        scores[kept], alike[kept], best_need[kept] = before.scores[was], before.alike[was], before.need[was]
        passage[kept] = np.where(
            before.passage[was] >= old_starts[was], before.passage[was] - old_starts[was], 0
        )
        passage[kept] += starts[kept]
        if len(changed):
            view = cities.candidates(cfg, changed.tolist())
            s, n, p = role_answers(needs, view, view.roles[:, STRENGTH], cfg)
            a, _, _ = role_answers(needs, view, view.roles[:, NEED], cfg)
            scores[changed], alike[changed], best_need[changed] = s, a, n
            passage[changed] = starts[changed] + (p - view.offsets)
        return StrengthEvidence(scores, best_need, passage, np.zeros(0, np.float32), alike)


def _newest(items: list[_T], keep: int, size: Callable[[_T], int]) -> list[_T]:
    """The newest of ``items`` (oldest first) that the strength cache keeps: at least ``keep``, and
    more while they hold no more than :data:`STRENGTH_BYTES`."""
    return newest(items, keep, STRENGTH_BYTES, size)


def _ml_vectors(needs: Needs, cities: Candidates, cfg: EngineConfig) -> tuple[FloatArray, FloatArray] | None:
    """The multilingual vectors of the needs and of the passages, when the profile reads them."""
    if cfg.w_ml_dense > 0 and needs.ml_vectors is not None and cities.ml_vectors is not None:
        return needs.ml_vectors, cities.ml_vectors
    return None


def _blocks(todo: list[tuple[str, Needs]], passages: int) -> Iterator[list[tuple[str, Needs]]]:
    """``todo`` cut into runs of cities whose needs, times ``passages``, stay within
    :data:`_BLOCK_ENTRIES` (at least one city a run)."""
    block: list[tuple[str, Needs]] = []
    rows = 0
    for item in todo:
        n = len(item[1].passages)
        if block and (rows + n) * passages > _BLOCK_ENTRIES:
            yield block
            block, rows = [], 0
        block.append(item)
        rows += n
    if block:
        yield block


def need_similarities(
    many: Sequence[Needs], cities: Candidates, cfg: EngineConfig
) -> list[tuple[FloatArray, FloatArray | None]]:
    """Per ``Needs`` of ``many``: the cosine of each of its needs with every passage of ``cities``
    (needs × passages), and the multilingual channel's where :func:`role_answers` reads it (else
    ``None``): the numbers of :func:`role_answers`'s own products.

    The needs of large products share one matrix product, whose rows are bit for bit those of one
    product per query, without packing the passage matrix again for each. A query with one need, or
    whose product has fewer than :data:`_TOGETHER_MIN` multiply-adds, gets a product of its own as
    before: BLAS computes those with other kernels (matrix × vector, small matrices), which round
    the last bit differently.
    """
    dense = [needs.view(cfg)[0] for needs in many]
    raw = _products(dense, cities.vectors)
    with_ml = {k: pair for k, needs in enumerate(many) if (pair := _ml_vectors(needs, cities, cfg))}
    ml: list[FloatArray | None] = [None] * len(many)
    if with_ml and cities.ml_vectors is not None:
        products = _products([pair[0] for pair in with_ml.values()], cities.ml_vectors)
        for k, product in zip(with_ml, products, strict=True):
            ml[k] = product
    return list(zip(raw, ml, strict=True))


def _products(queries: Sequence[FloatArray], passages: FloatArray) -> list[FloatArray]:
    """``(q @ passages.T).astype(float32)`` for each ``q`` of ``queries``: the large ones from one
    product of them stacked, the others each alone."""
    alone = [len(q) < 2 or len(q) * passages.shape[0] * passages.shape[1] < _TOGETHER_MIN for q in queries]
    large = [q for q, own in zip(queries, alone, strict=True) if not own]
    stacked = (np.concatenate(large) @ passages.T).astype(np.float32) if large else None
    out: list[FloatArray] = []
    first = 0
    for q, own in zip(queries, alone, strict=True):
        if own or stacked is None:
            out.append((q @ passages.T).astype(np.float32))
        else:
            out.append(stacked[first : first + len(q)])
            first += len(q)
    return out


def role_answers(
    needs: Needs,
    cities: Candidates,
    role: FloatArray,
    cfg: EngineConfig,
    sims: tuple[FloatArray, FloatArray | None] | None = None,
) -> tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per city: how well its passages of one role (``role``: each passage's probability) answer
    the needs, as the best need-weighted fused dense score; with the best need and passage.
    ``sims``: the needs' cosines of :func:`need_similarities`, when computed already."""
    raw, ml = sims if sims is not None else (None, None)
    t_vectors = cities.vectors
    n, d = len(needs.passages), len(cities)
    if not n or not len(role):
        return np.zeros(d, np.float32), np.zeros(d, np.int64), np.zeros(d, np.int64)
    if raw is None:
        raw = (needs.view(cfg)[0] @ t_vectors.T).astype(np.float32)
    per_need = {
        "dense": signals.linear_map(
            signals.strength_answers(raw, role, cities.offsets), cfg.dense_lo, cfg.dense_hi
        )
    }
    ml_pair = _ml_vectors(needs, cities, cfg)
    if ml_pair is not None:
        if ml is None:
            ml = (ml_pair[0] @ ml_pair[1].T).astype(np.float32)
        per_need["ml_dense"] = signals.linear_map(
            signals.strength_answers(ml, role, cities.offsets), cfg.ml_lo, cfg.ml_hi
        )
        raw = raw + ml
    fused = signals.fuse(per_need, {"dense": cfg.w_dense, "ml_dense": cfg.w_ml_dense})
    weighted = fused * needs.weights[:, None]
    best_need = weighted.argmax(axis=0).astype(np.int64)
    passage = _best_passages(raw * role[None, :], best_need, cities.offsets)
    return np.clip(weighted.max(axis=0), 0.0, 1.0).astype(np.float32), best_need, passage


def _best_passages(
    counted: FloatArray, row: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Per document ``j``: the passage of the largest value on row ``row[j]`` of ``counted`` (the
    first of equal ones, a NaN first of all, as ``np.argmax``); 0 for a document without passages.
    ``offsets``: each document's first passage, the documents' passages laid end to end (as every
    :class:`~.kinds.Candidates` has them). One pass over all the passages."""
    lengths = np.diff(offsets, append=counted.shape[1])
    out = np.zeros(len(offsets), np.int64)
    some = np.flatnonzero(lengths > 0)
    if not len(some):
        return out
    columns = np.arange(counted.shape[1])
    values = counted[row[np.repeat(np.arange(len(offsets)), lengths)], columns]
    firsts = offsets[some]
    best = np.maximum.reduceat(values, firsts)
    is_best = (values == np.repeat(best, lengths[some])) | np.isnan(values)
    out[some] = np.minimum.reduceat(np.where(is_best, columns, len(columns)), firsts)
    return out


def shared_provider_ids(engine: Engine, a: str, b: str, cfg: EngineConfig, k: int = 10) -> list[str]:
    """Providers in the top ``k`` of both cities (for explanations)."""
    providers = engine.kind("provider")
    top_a = top_indices(engine.relevance_row("provider", a, cfg)[0], k)
    top_b = set(top_indices(engine.relevance_row("provider", b, cfg)[0], k).tolist())
    return [providers.ids[j] for j in top_a.tolist() if j in top_b]
