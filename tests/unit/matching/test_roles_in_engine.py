"""Passage roles in the engine: weights of needs, mentors by strength, roles and glosses in explanations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from matchmaker.embeddings.fake import HashingEncoder
from matchmaker.embeddings.passages import KINDS
from matchmaker.matching.engine import Engine, SecondEncoder, need_weights, rule_roles
from matchmaker.matching.explain import explanation, in_sentence
from matchmaker.matching.glossary import readable_gloss
from matchmaker.matching.scoring import DEFAULT_CONFIG, profile
from matchmaker.services.container import Services
from matchmaker.services.matching import Matcher
from matchmaker.vocabulary.roles import CUE_NAMES, ROLES, RoleModel


def test_rule_roles_tell_context_and_background_from_needs() -> None:
    context = np.array([False, False, True])
    tags = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    roles = rule_roles(context, tags)
    assert [ROLES[int(k)] for k in roles.argmax(axis=1)] == ["need", "background", "context"]
    np.testing.assert_allclose(roles.sum(axis=1), 1.0)


def test_need_weights_follow_roles_or_the_rules_as_the_profile_says() -> None:
    tags = np.array([[1.0], [0.0], [1.0]], dtype=np.float32)
    context = np.array([False, False, True])
    roles = np.array([[0.1, 0.9, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]], dtype=np.float32)
    cfg = DEFAULT_CONFIG.with_changes("t", {"role_strength": 0.2, "role_context": 0.3})
    np.testing.assert_allclose(need_weights(tags, context, roles, cfg), [0.28, 1.0, 0.3], rtol=1e-6)
    rules = cfg.with_changes("rules", {"use_roles": False, "noise_weight": 0.6, "context_weight": 0.3})
    np.testing.assert_allclose(need_weights(tags, context, roles, rules), [1.0, 0.6, 0.3], rtol=1e-6)


def test_a_gloss_always_says_something_readable() -> None:
    assert readable_gloss("street lighting", "need", ["energy and buildings"]) == (
        "need · energy and buildings — street lighting"
    )
    assert readable_gloss("", "need", ["waste collection", "route planning"]) == (
        "need · waste collection, route planning"
    )
    assert readable_gloss("", "background", []) == "background"
    assert readable_gloss("lamp", None, []) == "lamp"
    assert readable_gloss("public public transport route", "need", []) == "need — public transport route"


def test_a_topic_in_a_gloss_keeps_its_acronyms() -> None:
    assert in_sentence("Data platforms and GIS") == "data platforms and GIS"
    assert in_sentence("ICT infrastructure and connectivity") == "ICT infrastructure and connectivity"
    assert in_sentence("Waste collection") == "waste collection"
    assert in_sentence("") == ""


def test_every_quote_names_its_role_and_a_foreign_quote_without_glossary_words_still_has_a_gloss(
    matcher: Matcher,
) -> None:
    top = matcher.providers_for_city("lumen", top=1).results[0]
    need = top.explanation["needs"][0]["need"]
    assert need["role"] in ROLES
    assert 0.0 < need["role_confidence"] <= 1.0
    # Every quote of a Turkish city gets a gloss (role, topics, glossary words) and the note saying
    # what it is; a quote without glossary words is covered by test_a_gloss_always_says_something_readable.
    engine = matcher.engine()
    needs = engine.needs_of("city", "kent")
    cases = engine.kind("case")
    ev = engine.evidence(needs, cases)
    item = engine.cases_for_city("kent")[0]
    exp = explanation(engine, needs, cases, ev, item=item, cfg=engine.config, what="case")
    for match in exp["needs"]:
        assert match["need"]["gloss"]
        assert match["need"]["gloss_note"].startswith("English gloss")


STRENGTH = "In 2019 Harbor already optimised its garbage truck routes with bin sensors; others study it."
HARBOR = {
    "id": "harbor",
    "name": "Harbor",
    "country": "HR",
    "population": 50000,
    "language": "en",
    "summary": ("- " + STRENGTH + "\n- The river floods every spring and residents are warned too late."),
}


def _year_means_strength(encoder: HashingEncoder) -> RoleModel:
    """A hand-made role model: a sentence naming a year states a strength, any other one a need."""
    weights = np.zeros((len(ROLES), encoder.dimension + len(CUE_NAMES)), dtype=np.float32)
    weights[ROLES.index("strength"), encoder.dimension + CUE_NAMES.index("year")] = 6.0
    bias = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
    mean = np.zeros(encoder.dimension, dtype=np.float32)
    return RoleModel(weights, bias, mean, encoder.name, cue_weight=1.0)


def test_a_city_that_already_solved_the_need_is_a_mentor_not_a_comparable_city(
    loaded_services: Services, tmp_path: Path
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "cities.jsonl").write_text(json.dumps(HARBOR) + "\n", encoding="utf-8")
    loaded_services.corpus.ingest_paths([extra])
    matcher = loaded_services.matching.matcher()
    encoder = HashingEncoder(48)
    model = _year_means_strength(encoder)
    engine = Engine(
        {k: matcher.store.get(k) for k in KINDS},
        loaded_services.indexes.records(),
        second=SecondEncoder(encoder.name, encoder.encode, encoder.encode),
        role_model=model,
    )
    cfg = profile("full")
    results = {s.doc_id: s for s in engine.cities_for_city("verde", cfg)}
    harbor = results["harbor"]
    assert harbor.relation == "mentor"
    assert harbor.mentor_strength is not None
    needs = engine.needs_of("city", "verde", cfg)
    exp = explanation(engine, needs, engine.kind("city"), engine.city_evidence("verde", "city", cfg)[1],
                      item=harbor, cfg=cfg, what="city")  # fmt: skip
    assert exp["mentor_strength"]["match"]["role"] == "strength"
    assert "garbage truck routes" in exp["mentor_strength"]["match"]["text"]
    assert "garbage" in exp["mentor_strength"]["need"]["text"].lower()
    assert exp["summary"].startswith("Mentor: its strength")
    # Without strength mentors the same city is only comparable.
    plain = {
        s.doc_id: s
        for s in engine.cities_for_city("verde", cfg.with_changes("x", {"strength_mentors": False}))
    }
    assert plain["harbor"].relation == "comparable"
