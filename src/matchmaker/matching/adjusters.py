"""What multiplies a candidate's relevance into its score: the context fit (:mod:`.fit`) of a city
and a provider or another city, and the asking city's obstacles a case study overcame.

Each comes twice: as the :class:`~.fit.Factor` list of one pair (an adjuster, for the candidates
shown and their explanations) and as arrays over every candidate (for ranking). The context-fit
tables of an engine are kept per kind and fit weights in :class:`ContextFit`, made again after a
write from the tables of the engine before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.passages import DocKind, Record
from matchmaker.matching.fit import (
    CEILING,
    CITY_CHECKS,
    FLOOR,
    PROVIDER_CHECKS,
    Check,
    Factor,
    FitTable,
    FitWeights,
    city_fit,
    provider_fit,
    reference_factor,
)
from matchmaker.matching.kinds import KindIndex
from matchmaker.matching.names import normalize_name
from matchmaker.matching.profiles import Profile, obstacle_mask, term_ids
from matchmaker.matching.scoring import EngineConfig


class ContextFit:
    """The context fit of one engine: the countries of each provider's references, and the tables
    of every city against every candidate of a kind, per fit weights.

    ``previous``: the context fit of the engine this one replaces; a table made again after a write
    keeps the classes of an unchanged kind whole and computes the keys of the written document only,
    and the multipliers per check and pair of keys are shared. ``lock`` is the engine's cache lock.
    """

    def __init__(
        self,
        references: dict[str, list[str]],
        previous: ContextFit | None,
        *,
        lock: threading.Lock,
    ) -> None:
        #: Countries of each provider's references that name a known city or case study.
        self.references = references
        self.tables: dict[tuple[DocKind, FitWeights], FitTable] = {}
        # The context-fit tables of the engine before: a table made again after a write keeps the
        # classes of an unchanged kind whole and computes the keys of the written document only.
        self._before: dict[tuple[DocKind, FitWeights], FitTable] = (
            dict(previous.tables) if previous is not None else {}
        )
        # Context-fit multipliers per check and pair of keys, shared with the engine before.
        self._memo: dict[tuple[str, Hashable, Hashable, FitWeights], float] = (
            previous._memo if previous is not None else {}
        )
        self._lock = lock

    def table(
        self, kind: DocKind, cfg: EngineConfig, kinds: Callable[[DocKind], KindIndex]
    ) -> FitTable | None:
        """The context fit of every city against every candidate of ``kind`` (providers or cities)
        as arrays, the prepared kinds read from ``kinds``; ``None`` when ``use_context`` is off."""
        if not cfg.use_context:
            return None
        key = (kind, cfg.fit)
        table = self.tables.get(key)
        if table is None:
            cities = kinds("city")
            if kind == "city":
                checks: tuple[Check, ...] = CITY_CHECKS
            else:
                refs = self.references
                checks = (
                    *PROVIDER_CHECKS,
                    Check(
                        "references",
                        lambda c, p, w: reference_factor(c, refs.get(p.doc_id, []), w),
                        lambda c: c.country,
                        lambda p: tuple(refs.get(p.doc_id, ())),
                        keys_of_profile=False,
                    ),
                )
            table = FitTable(
                checks,
                cities.profiles,
                kinds(kind).profiles,
                cfg.fit,
                memo=self._memo,
                previous=self._before.pop(key, None),
            )
            with self._lock:
                self.tables[key] = table
        return table

    def factors(self, query: Profile, candidate: Profile, cfg: EngineConfig) -> list[Factor]:
        """Context fit: city ↔ provider (language, region, scale, budget, hosting, connectivity,
        climate, references) or city ↔ city (region group, scale class); none when ``use_context`` is off."""
        if not cfg.use_context:
            return []
        if candidate.kind == "city":
            return city_fit(query, candidate, cfg.fit)
        # Made for the candidates shown only; ranking reads the multipliers from :meth:`table`.
        factors = provider_fit(query, candidate, cfg.fit)
        ref = reference_factor(query, self.references.get(candidate.doc_id, []), cfg.fit)
        if ref is not None:
            factors.append(ref)
        return factors


def resolve_references(
    records: Mapping[DocKind, Mapping[str, Record]], profiles: Mapping[DocKind, Mapping[str, Profile]]
) -> dict[str, list[str]]:
    """Countries of each provider's references, where the reference names a known city or case."""
    known: dict[str, str] = {}
    for rec in records.get("case", {}).values():
        known.setdefault(normalize_name(getattr(rec, "city", "")), rec.country)
    for rec in records.get("city", {}).values():
        known[normalize_name(getattr(rec, "name", ""))] = rec.country
    out: dict[str, list[str]] = {}
    for pid, prof in profiles.get("provider", {}).items():
        out[pid] = [known[n] for n in (normalize_name(r) for r in prof.references) if n in known]
    return out


def obstacle_factors(
    query: Profile, candidate: Profile, cfg: EngineConfig, labels: Mapping[str, str]
) -> list[Factor]:
    """The asking city's obstacles a case study overcame (``1 + case_obstacle_bonus × share``),
    named by their ``labels``."""
    q_obs = query.vector * obstacle_mask()
    q_mass = float(q_obs.sum())
    if q_mass <= 0:
        return []
    shared = np.minimum(q_obs, candidate.vector)
    overlap = float(shared.sum()) / q_mass
    if overlap <= 0:
        return []
    names = [labels[term_ids()[i]] for i in np.flatnonzero(shared > 0)]
    return [Factor("obstacle", 1.0 + cfg.case_obstacle_bonus * overlap, f"overcame {', '.join(names)}")]


def obstacle_overlap(query: Profile, cases: KindIndex) -> npt.NDArray[np.float64]:
    """Per case study, the share of the query's obstacles it overcame (0 when none)."""
    q_obs = query.vector * obstacle_mask()
    q_mass = float(q_obs.sum())
    if q_mass <= 0 or not len(cases):
        return np.zeros(len(cases), dtype=np.float64)
    shared = np.minimum(q_obs[None, :], cases.doc_tags).sum(axis=1).astype(np.float64)
    out: npt.NDArray[np.float64] = shared / q_mass
    return out


def obstacle_multipliers(query: Profile, cases: KindIndex, cfg: EngineConfig) -> npt.NDArray[np.float64]:
    """:func:`obstacle_factors`' multiplier for every case study at once (1.0 where none)."""
    overlap = obstacle_overlap(query, cases)
    out = np.ones(len(cases), dtype=np.float64)
    hit = overlap > 0
    out[hit] = np.clip(1.0 + cfg.case_obstacle_bonus * overlap[hit], FLOOR, CEILING)
    return out
