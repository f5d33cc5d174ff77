"""The maintained relevance matrices of an engine: ``R[c, d]``, how well candidate ``d`` (a provider,
a city, a case study) answers city ``c``'s needs, kept per target kind and configuration.

A matrix is filled one city row at a time: a row is read from the analysis store or computed (and
stored), as each city's evidence is computed or as :meth:`RelevanceMatrices.matrix` fills the rest.
An engine built after a write carries the city → provider and city ↔ city matrices of the engine it
replaces (:meth:`~.ranking.RelevanceRows.carried`): unchanged cities keep their rows, unchanged
candidates their columns, and a changed candidate's column is stale until it is scored again, alone,
against each row's :class:`~.ranking.Norms`. Rows against case studies are not carried: they are
read from the store.

The scoring itself is the engine's: every method that reads or fills a row takes the engine whose
matrices these are (they never hold it, so a replaced engine is freed by reference counting).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.encoder import FloatArray
from matchmaker.embeddings.passages import DocKind
from matchmaker.matching.adapters import adapters_digest
from matchmaker.matching.kinds import Candidates, DocumentSet, KindIndex, same_document
from matchmaker.matching.needs import Needs
from matchmaker.matching.ranking import Norms, RelevanceRows
from matchmaker.matching.scoring import EngineConfig

if TYPE_CHECKING:
    from matchmaker.matching.engine import Engine

#: A relevance matrix of a replaced engine, with the cities and candidates it was made of.
Carried = tuple[RelevanceRows, DocumentSet, DocumentSet]

#: How many rows of a maintained matrix are brought up to date under one hold of its lock: missing
#: rows (each computed whole) and stale ones (scored together, a few candidates each).
_MISSING_PER_CHUNK = 4
_STALE_PER_CHUNK = 16


class RelevanceMatrices:
    """The relevance matrices of one engine, per (target kind, configuration), with what it carries
    from the engine it replaced.

    ``matrices`` holds the matrices made so far; ``row_digests`` the store-key digest of each
    (target kind, configuration). ``made_of``: the documents of each kind of the engine before,
    which everything carried was made of. ``lock`` is the engine's cache lock.
    """

    def __init__(
        self,
        config: EngineConfig,
        previous: RelevanceMatrices | None,
        made_of: Mapping[DocKind, DocumentSet],
        *,
        encoders: str,
        lock: threading.Lock,
    ) -> None:
        self.matrices: dict[tuple[DocKind, EngineConfig], RelevanceRows] = {}
        self.row_digests: dict[tuple[DocKind, EngineConfig], str] = {}
        #: What made the vectors (model names, the second encoder, the role model): part of a row's key.
        self.encoders = encoders
        self._lock = lock
        # The maintained matrices of the engine this one replaces (rows to carry over), with which
        # documents they were made of: not the replaced kinds themselves, so those are freed. A
        # matrix of the engine's own configuration that engine never made is carried from further
        # back, as it had it to carry. Rows against cases are not carried: they are read from the
        # store.
        self._carry: dict[tuple[DocKind, EngineConfig], Carried] = {}
        if previous is not None:
            self._carry.update({k: v for k, v in previous._carry.items() if k[1] == config})
            for key, rows in previous.matrices.items():
                if key[0] in ("provider", "city"):
                    self._carry[key] = (rows, made_of["city"], made_of[key[0]])
        # Where each document of a kind stood in a set of documents before (``positions_from``).
        self._positions: dict[tuple[int, DocKind], tuple[DocumentSet, npt.NDArray[np.int64]]] = {}

    def rows_of(self, engine: Engine, target_kind: DocKind, cfg: EngineConfig) -> RelevanceRows:
        """The matrix against ``target_kind`` under ``cfg``: the one made, the one carried over, or
        a new one with no row known."""
        key = (target_kind, cfg)
        rows = self.matrices.get(key)
        if rows is None:
            with self._lock:
                rows = self.matrices.get(key)
                if rows is None:
                    rows = self._carried_rows(engine, target_kind, cfg) or RelevanceRows(
                        len(engine.kind("city")), len(engine.kind(target_kind))
                    )
                    self.matrices[key] = rows
        return rows

    def positions_from(self, engine: Engine, before: DocumentSet, kind: DocKind) -> npt.NDArray[np.int64]:
        """Each document of ``kind`` here: its position in ``before``, -1 where it is new or changed
        (computed once per set of documents)."""
        key = (id(before), kind)
        hit = self._positions.get(key)
        if hit is not None and hit[0] is before:
            return hit[1]
        positions = _positions_in(before, engine.kind(kind))
        self._positions[key] = (before, positions)
        return positions

    def _carried_rows(self, engine: Engine, target_kind: DocKind, cfg: EngineConfig) -> RelevanceRows | None:
        """The replaced engine's rows against ``target_kind``, carried over
        (:meth:`RelevanceRows.carried`): unchanged cities keep their rows, unchanged candidates
        their columns, and a changed candidate's column is stale until a row is read. ``None``
        when there is nothing to carry or the change is a bulk one (rows are computed again)."""
        carried = self._carry.pop((target_kind, cfg), None)  # the replaced matrix is freed after
        if carried is None:
            return None
        old, old_cities, old_target = carried
        target = engine.kind(target_kind)
        column_of = self.positions_from(engine, old_target, target_kind)
        if int((column_of < 0).sum()) > stale_limit(len(target)):
            return None
        return old.carried(self.positions_from(engine, old_cities, "city"), column_of)

    def row(
        self, engine: Engine, target_kind: DocKind, city_id: str, cfg: EngineConfig
    ) -> tuple[FloatArray, Norms | None]:
        """City ``city_id``'s row of the relevance matrix against ``target_kind`` and its norms
        (read from the store, or computed, when not known yet)."""
        update = self._update(engine, target_kind, cfg)
        rows = update.rows
        i = engine.kind("city").pos[city_id]
        if not rows.known[i] or rows.stale_columns(i):
            update.up_to_date([i])
        return rows.matrix[i], rows.norms[i]

    def column(self, engine: Engine, target_kind: DocKind, j: int, cfg: EngineConfig) -> FloatArray:
        """Candidate ``j``'s column of the relevance matrix against ``target_kind``: every city's
        row made known, and fresh where its entry for ``j`` is stale."""
        update = self._update(engine, target_kind, cfg)
        rows = update.rows
        update.up_to_date(rows.missing() + rows.stale_rows(j))
        return rows.matrix[:, j]

    def matrix(
        self,
        engine: Engine,
        target_kind: DocKind,
        cfg: EngineConfig,
        *,
        pause: Callable[[], None] | None = None,
    ) -> FloatArray:
        """The whole matrix against ``target_kind``: rows of cities not asked about yet read or
        computed, stale entries scored again; rows carried from the engine this one replaced
        (unchanged cities, unchanged candidates) are not computed again."""
        update = self._update(engine, target_kind, cfg)
        rows = update.rows
        update.up_to_date(rows.missing() + rows.stale_rows(), pause=pause)
        return rows.matrix

    def _update(self, engine: Engine, target_kind: DocKind, cfg: EngineConfig) -> _Update:
        return _Update(self, engine, self.rows_of(engine, target_kind, cfg), target_kind, cfg)

    def row_key(self, engine: Engine, target_kind: DocKind, cfg: EngineConfig, i: int) -> str:
        """The store key of city ``i``'s relevance row against ``target_kind`` under ``cfg``: the
        configuration, the candidates (generation and profiles), the city's content and profile,
        the encoders that made the vectors and the code that scores (:func:`scoring_fingerprint`)."""
        cities = engine.kind("city")
        digest = self.row_digests.get((target_kind, cfg))
        if digest is None:
            target = engine.kind(target_kind)
            h = hashlib.sha256(repr(cfg).encode())
            h.update(f"{target.generation}\x00{self.encoders}\x00{scoring_fingerprint()}".encode())
            for doc_id in target.ids:
                h.update(engine.analyses.profile_keys.get((target_kind, doc_id), doc_id).encode())
            if engine.shortlists(target):
                h.update(repr(engine.shortlist).encode())
            digest = self.row_digests[(target_kind, cfg)] = h.hexdigest()[:24]
        city_id = cities.ids[i]
        profile_key = engine.analyses.profile_keys.get(("city", city_id), city_id)
        return f"rel2:{digest}:{cities.doc_hashes[i]}:{profile_key}"


@dataclass(frozen=True, slots=True)
class _Update:
    """Bringing one matrix of ``matrices`` up to date: ``rows``, against ``target_kind`` under
    ``cfg``, scored by ``engine``. Made for one call of the matrices, so it holds the engine no
    longer than that call."""

    matrices: RelevanceMatrices
    engine: Engine
    rows: RelevanceRows
    target_kind: DocKind
    cfg: EngineConfig

    def up_to_date(self, which: list[int], *, pause: Callable[[], None] | None = None) -> None:
        """Make the rows ``which`` known and fresh: a missing row read from the store or computed,
        stale entries scored again (:meth:`freshen`). The work goes in chunks, each under the
        matrix's lock: a query and the background freshening after a write share it instead of
        doing it twice, and a query that needs one row waits for one chunk at most. Stale rows,
        scored together, go in larger chunks than missing ones, computed one by one."""
        rows = self.rows
        stale = [i for i in which if rows.known[i]]
        missing = [i for i in which if not rows.known[i]]
        if missing:  # stored rows are read at once; only the others are computed, chunk by chunk
            with rows.lock:
                missing = self.read([i for i in missing if not rows.known[i]])
        views: dict[tuple[int, ...], Candidates] = {}
        chunks = [
            (missing[a : a + _MISSING_PER_CHUNK], True) for a in range(0, len(missing), _MISSING_PER_CHUNK)
        ]
        chunks += [(stale[a : a + _STALE_PER_CHUNK], False) for a in range(0, len(stale), _STALE_PER_CHUNK)]
        for chunk, fill in chunks:
            if pause is not None:
                pause()
            with rows.lock:
                if fill:
                    chunk = [i for i in chunk if not rows.known[i]]  # another thread may have filled it
                    if chunk:
                        self.compute(chunk)
                else:
                    self.freshen(chunk, views=views)

    def freshen(self, which: list[int], *, views: dict[tuple[int, ...], Candidates] | None = None) -> None:
        """Score again the stale entries of the known rows ``which``: each row's changed candidates
        alone, against the row's own :class:`Norms`; rows stale in the same candidates (a changed
        document's column) together (:meth:`Engine.relevance_for_many`). A row with too many stale
        entries, or whose norms do not fit, is computed again whole."""
        engine, rows, cfg = self.engine, self.rows, self.cfg
        target = engine.kind(self.target_kind)
        cities = engine.kind("city")
        whole: list[int] = []
        alike: dict[tuple[int, ...], list[tuple[int, Needs, Norms]]] = {}
        for i in which:
            columns = rows.stale_columns(i)
            if not columns:
                continue
            norms = rows.norms[i]
            if norms is None or len(columns) > stale_limit(len(target)):
                whole.append(i)
                continue
            needs = engine.needs_of("city", cities.ids[i], cfg)
            if len(norms.baseline) != len(needs.passages):
                whole.append(i)
                continue
            alike.setdefault(tuple(columns), []).append((i, needs, norms))
        views = {} if views is None else views  # the changed candidates' views, kept across chunks
        for stale, members in alike.items():
            view = views.get(stale)
            if view is None:
                view = views[stale] = target.candidates(cfg, list(stale))
            if len(members) == 1:
                _, needs, norms = members[0]
                values = engine.evidence(needs, view, cfg, norms=norms).relevance[None, :]
            else:
                values = engine.relevance_for_many([(n, m) for _, n, m in members], view, cfg)
            for (i, _, _), row in zip(members, values, strict=True):
                rows.put_columns(i, stale, row)
        if whole:
            self.fill(whole)

    def fill(self, missing: list[int]) -> None:
        """Read the rows of cities ``missing`` from the store, or compute (and store) them."""
        left = self.read(missing)
        if left:
            self.compute(left)

    def read(self, missing: list[int]) -> list[int]:
        """Read the rows of cities ``missing`` from the store (one read for all); those not stored."""
        store = self.engine.analyses.store
        if store is None or not missing:
            return list(missing)
        target = self.engine.kind(self.target_kind)
        keys = {i: self._key(i) for i in missing}
        stored = store.get(list(keys.values()))
        left: list[int] = []
        for i, key in keys.items():
            blob = stored.get(key)
            if blob is not None and (len(blob) // 4 - len(target)) % 2 == 0 and len(blob) >= 4 * len(target):
                values = np.frombuffer(blob, dtype=np.float32)
                n = (len(values) - len(target)) // 2
                tail = values[len(target) :]
                self.rows.put(i, values[: len(target)], Norms(tail[:n].copy(), tail[n:].copy()))
            else:
                left.append(i)
        return left

    def compute(self, missing: list[int]) -> None:
        """Compute the rows of cities ``missing`` and store them."""
        engine, cfg = self.engine, self.cfg
        cities = engine.kind("city")
        target = engine.kind(self.target_kind)
        store = engine.analyses.store
        fresh: list[tuple[str, bytes]] = []
        for i in missing:
            needs = engine.needs_of("city", cities.ids[i], cfg)
            relevance, norms = engine.relevance_of(needs, target, cfg)
            self.rows.put(i, relevance, norms)
            packed = np.concatenate([relevance, norms.lexical_top, norms.baseline]).astype(np.float32)
            fresh.append((self._key(i), packed.tobytes()))
        if fresh and store is not None:
            store.put(fresh)

    def _key(self, i: int) -> str:
        return self.matrices.row_key(self.engine, self.target_kind, self.cfg, i)


@cache
def scoring_fingerprint() -> str:
    """A hash of the matching package's code: stored rows computed by other code are not read (an
    upgrade recomputes them once, where the configuration alone would not tell them apart)."""
    digest = hashlib.sha256(b"rows")
    digest.update(adapters_digest().encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def stale_limit(candidates: int) -> int:
    """How many changed candidates a carried row takes scored alone; beyond, it is computed again."""
    return max(8, candidates // 20)


def _positions_in(before: DocumentSet, now: KindIndex) -> npt.NDArray[np.int64]:
    """Each document of ``now``'s position in ``before``, -1 where it is new or changed."""
    return np.array(
        [
            jo if (jo := before.pos.get(d, -1)) >= 0 and same_document(before, jo, now, j) else -1
            for j, d in enumerate(now.ids)
        ],
        dtype=np.int64,
    )
