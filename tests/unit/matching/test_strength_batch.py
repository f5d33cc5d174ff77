"""The strength evidence of many cities computed together (one matrix product for their needs, the
best passages found in one pass) gives what one city at a time gave before: the same numbers, the
same mentors in the same order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from candidates_support import hand_made_candidates
from matchmaker.embeddings.encoder import FloatArray
from matchmaker.embeddings.fake import HashingEncoder
from matchmaker.embeddings.passages import KINDS, Passage
from matchmaker.matching.city_relations import need_similarities, role_answers
from matchmaker.matching.engine import Engine, SecondEncoder
from matchmaker.matching.kinds import NEED, STRENGTH, Candidates
from matchmaker.matching.needs import Needs
from matchmaker.matching.profiles import Profile
from matchmaker.matching.scoring import DEFAULT_CONFIG
from matchmaker.services.container import Services
from matchmaker.settings import Settings
from matchmaker.vocabulary.roles import CUE_NAMES, ROLES, RoleModel
from services_support import ingest
from strength_support import (
    assert_same,
    assert_same_evidence,
    assert_same_rankings,
    role_answers_before,
    strength_evidence_before,
)

DEMO = Path(__file__).resolve().parents[3] / "corpora" / "demo"


# --------------------------------------------------------------------------------------------------
# Hand-made data: small whole numbers, so that many cosines tie exactly (the first best need and
# passage must win as before), a city without passages, a query with one need and one with none.


def _vectors(rng: np.random.Generator, rows: int, dim: int, whole: bool) -> FloatArray:
    """Small whole numbers (``whole``: sums in any order are exact, so many cosines tie), or unit
    vectors (sums round: a product computed another way could differ in the last bit)."""
    if whole:
        return rng.integers(0, 3, size=(rows, dim)).astype(np.float32)
    out = rng.standard_normal((rows, dim)).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _hand_made(
    rng: np.random.Generator, lengths: list[int], need_counts: list[int], dim: int, *, whole: bool
) -> tuple[Candidates, list[Needs]]:
    total = sum(lengths)
    vectors = _vectors(rng, total, dim, whole)
    vectors[4] = vectors[3]  # equal passages, in one city and in two
    vectors[10] = vectors[3]
    ml_vectors = _vectors(rng, total, dim - 1, whole)
    roles = rng.choice(np.array([0.0, 0.25, 0.5, 1.0], np.float32), size=(total, 4))
    cities = hand_made_candidates("city", vectors, lengths, ml_vectors=ml_vectors, roles=roles)
    many = []
    for k, n in enumerate(need_counts):
        profile = Profile("city", f"q{k}", f"Q{k}", "AL", "en", (), np.zeros(dim, np.float32))
        many.append(
            Needs(
                passages=[Passage("city", f"q{k}", "summary", i, i + 1, "x") for i in range(n)],
                vectors=_vectors(rng, n, dim, whole),
                tags=np.zeros((n, 3), np.float32),
                weights=rng.choice(np.array([0.5, 1.0], np.float32), size=n),
                profile=profile,
                doc_id=f"q{k}",
                ml_vectors=_vectors(rng, n, dim - 1, whole),
            )
        )
    return cities, many


SMALL = {"lengths": [3, 1, 0, 4, 2, 5, 1, 3], "need_counts": [3, 1, 4, 0, 2, 6], "dim": 6, "whole": True}
# Products large enough to be computed together (a city with one need still alone).
LARGE = {
    "lengths": [3, 1, 0, 4, 2, 5, 1, 3] * 40,
    "need_counts": [3, 1, 12, 14, 6, 11],
    "dim": 128,
    "whole": False,
}


@pytest.mark.parametrize("w_ml_dense", [0.0, 0.25])
@pytest.mark.parametrize("data", [SMALL, LARGE], ids=["small-whole-numbers", "large-unit-vectors"])
def test_hand_made_cities_get_the_same_answers_as_one_at_a_time(
    w_ml_dense: float, data: dict[str, Any]
) -> None:
    # Cosines of whole numbers land anywhere: a range that maps them into (0, 1) keeps them apart.
    hi = 12.0 if data["whole"] else 1.0
    cfg = replace(DEFAULT_CONFIG, w_ml_dense=w_ml_dense, dense_lo=0.0, dense_hi=hi, ml_lo=0.0, ml_hi=hi)
    cities, many = _hand_made(np.random.default_rng(11), **data)
    sims = need_similarities(many, cities, cfg)
    for needs, cosines in zip(many, sims, strict=True):
        for role in (cities.roles[:, STRENGTH], cities.roles[:, NEED]):
            old = role_answers_before(needs, cities, role, cfg)
            assert_same(role_answers(needs, cities, role, cfg, cosines), old)
            assert_same(role_answers(needs, cities, role, cfg), old)
    # The cases the data was made for did happen: ties between passages, a city without passages.
    raw = (many[0].vectors @ cities.vectors.T).astype(np.float32)
    assert len(set(raw[0].tolist())) < raw.shape[1]
    assert any(b == a for a, b in cities.bounds)
    if not data["whole"]:  # and several queries shared one product
        assert sum(cosines[0].base is not None for cosines in sims) >= 2


# --------------------------------------------------------------------------------------------------
# The demo corpus, with both dense channels (hashing encoders).


@pytest.fixture(scope="module")
def demo_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    settings = Settings(
        home=tmp_path_factory.mktemp("demo") / "home",
        model_name="hashing-384",
        multilingual_model="hashing-384",
    )
    report = ingest(settings, [DEMO])
    assert report.exit_code == 0, report.rejections
    services = Services.build(settings)
    yield services
    services.close()


def test_every_demo_citys_strength_evidence_is_as_before(demo_services: Services) -> None:
    engine = demo_services.matching.matcher().engine()
    assert engine.config.strength_mentors
    assert engine.config.w_ml_dense > 0
    assert_same_evidence(engine)


def test_every_demo_citys_ranking_of_cities_is_as_before(demo_services: Services) -> None:
    assert_same_rankings(demo_services.matching.matcher().engine())


def _dated_sentences_state_strengths(demo_services: Services) -> Engine:
    """The demo's engine with a hand-made role model over the hashing vectors (which the shipped
    model cannot read): a sentence that names a year states a strength, any other one a need."""
    encoder = HashingEncoder(384)
    weights = np.zeros((len(ROLES), encoder.dimension + len(CUE_NAMES)), dtype=np.float32)
    weights[ROLES.index("strength"), encoder.dimension + CUE_NAMES.index("year")] = 6.0
    bias = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
    model = RoleModel(weights, bias, np.zeros(encoder.dimension, np.float32), encoder.name, cue_weight=1.0)
    matcher = demo_services.matching.matcher()
    return Engine(
        {k: matcher.store.get(k) for k in KINDS},
        demo_services.indexes.records(),
        second=SecondEncoder(encoder.name, encoder.encode, encoder.encode),
        role_model=model,
    )


def test_the_demo_mentors_by_a_strength_are_as_before(demo_services: Services) -> None:
    engine = _dated_sentences_state_strengths(demo_services)
    assert_same_evidence(engine)
    assert assert_same_rankings(engine) > 0  # cities that did what others need are found as before


def test_the_participants_page_suggestions_are_as_before(demo_services: Services) -> None:
    matcher = demo_services.matching.matcher()
    engine = matcher.engine()
    ids = list(engine.kind("city").ids)
    new = matcher.ranked_for_cities(ids, "city", top=5)
    for city_id in ids:
        before = engine.rank_cities_for_city(
            city_id, strengths=strength_evidence_before(engine, city_id, engine.config)
        ).top(5)
        assert [(s.id, s.relation) for s in new[city_id]] == [(i.doc_id, i.relation) for i in before]
