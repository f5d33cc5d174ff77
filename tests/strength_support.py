"""The strength evidence as it was computed before it was computed for many cities together (one
city's needs against every city's passages in a product of their own, each city's best passage found
one city at a time), and the comparisons the tests of the new computation make against it."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from matchmaker.embeddings.encoder import FloatArray
from matchmaker.matching import signals
from matchmaker.matching.city_relations import StrengthEvidence
from matchmaker.matching.engine import Engine
from matchmaker.matching.kinds import NEED, STRENGTH, Candidates
from matchmaker.matching.needs import Needs
from matchmaker.matching.scoring import EngineConfig

#: How far a batched float32 product may be from one city's own: OpenBLAS picks its kernels by CPU
#: (DYNAMIC_ARCH), and a kernel may sum a product of another shape in another order, which moves a
#: cosine by a few units of float32 rounding (up to 2e-7 measured on an AMD EPYC). Far below any
#: difference between two candidates that the rankings read.
FLOAT32_ATOL = 1e-6


# The computation before: one city's needs against every city's passages, a product of their own,
# and each city's best passage found one city at a time.
def _mapped(
    sims: FloatArray, role: FloatArray, offsets: npt.NDArray[np.int64], lo: float, hi: float
) -> FloatArray:
    return signals.linear_map(signals.strength_answers(sims, role, offsets), lo, hi)


def role_answers_before(
    needs: Needs, cities: Candidates, role: FloatArray, cfg: EngineConfig
) -> tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    q_vectors, _ = needs.view(cfg)
    t_vectors = cities.vectors
    n, d = len(needs.passages), len(cities)
    if not n or not len(role):
        return np.zeros(d, np.float32), np.zeros(d, np.int64), np.zeros(d, np.int64)
    raw = (q_vectors @ t_vectors.T).astype(np.float32)
    per_need = {"dense": _mapped(raw, role, cities.offsets, cfg.dense_lo, cfg.dense_hi)}
    if cfg.w_ml_dense > 0 and needs.ml_vectors is not None and cities.ml_vectors is not None:
        ml = (needs.ml_vectors @ cities.ml_vectors.T).astype(np.float32)
        per_need["ml_dense"] = _mapped(ml, role, cities.offsets, cfg.ml_lo, cfg.ml_hi)
        raw = raw + ml
    fused = signals.fuse(per_need, {"dense": cfg.w_dense, "ml_dense": cfg.w_ml_dense})
    weighted = fused * needs.weights[:, None]
    best_need = weighted.argmax(axis=0).astype(np.int64)
    counted = raw * role[None, :]
    passage = np.array(
        [
            a + int(np.argmax(counted[best_need[j], a:b])) if b > a else 0
            for j, (a, b) in enumerate(cities.bounds)
        ],
        dtype=np.int64,
    )
    return np.clip(weighted.max(axis=0), 0.0, 1.0).astype(np.float32), best_need, passage


def strength_evidence_before(engine: Engine, city_id: str, cfg: EngineConfig) -> StrengthEvidence:
    cities = engine.kind("city")
    needs = engine.needs_of("city", city_id, cfg)
    view = cities.candidates(cfg)
    strength = cities.roles[:, STRENGTH]
    scores, best_need, passage = role_answers_before(needs, view, strength, cfg)
    alike, _, _ = role_answers_before(needs, view, cities.roles[:, NEED], cfg)
    return StrengthEvidence(scores, best_need, passage, strength[passage].astype(np.float32), alike)


def assert_same(
    new: tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64]],
    old: tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64]],
) -> None:
    np.testing.assert_allclose(new[0], old[0], rtol=0, atol=FLOAT32_ATOL)
    np.testing.assert_array_equal(new[1], old[1])
    np.testing.assert_array_equal(new[2], old[2])


def assert_same_rankings(engine: Engine) -> int:
    """Every city's ranking of the other cities, its strength evidence computed with the others'
    (:meth:`Engine.rank_cities_for_cities`), is the one the evidence computed before gives: the same
    cities in the same order, the same relations and strength mentors, scores within FLOAT32_ATOL. Returns
    how many results are mentors by a strength."""
    cfg = engine.config
    ids = list(engine.kind("city").ids)
    mentors_by_strength = 0
    for city_id, ranking in engine.rank_cities_for_cities(ids):
        before = engine.rank_cities_for_city(
            city_id, strengths=strength_evidence_before(engine, city_id, cfg)
        )
        new_items, old_items = ranking.top(len(ids)), before.top(len(ids))
        assert [(i.doc_id, i.relation, i.mentor_strength is not None) for i in new_items] == [
            (i.doc_id, i.relation, i.mentor_strength is not None) for i in old_items
        ]
        np.testing.assert_allclose(
            [i.score for i in new_items], [i.score for i in old_items], rtol=0, atol=FLOAT32_ATOL
        )
        for new, old in zip(new_items, old_items, strict=True):
            if new.mentor_strength is not None and old.mentor_strength is not None:
                assert new.mentor_strength[:2] == old.mentor_strength[:2]
                assert new.mentor_strength[2] == pytest.approx(old.mentor_strength[2], abs=FLOAT32_ATOL)
                mentors_by_strength += 1
    return mentors_by_strength


def assert_same_evidence(engine: Engine) -> None:
    """Every city's strength evidence computed together equals the one computed before."""
    cfg = engine.config
    ids = list(engine.kind("city").ids)
    for city_id, new in zip(ids, engine.relations.strength_evidences(engine, ids, cfg), strict=True):
        old = strength_evidence_before(engine, city_id, cfg)
        assert_same((new.scores, new.need, new.passage), (old.scores, old.need, old.passage))
        np.testing.assert_allclose(new.alike, old.alike, rtol=0, atol=FLOAT32_ATOL)
        np.testing.assert_array_equal(new.strength, old.strength)
