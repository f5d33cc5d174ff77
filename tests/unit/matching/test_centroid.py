"""The learned centre of a query's needs (``centroid``): the pure stages on hand-made arrays, the
shipped adapter, and the signal in the fusion only where the encoder has an adapter."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from candidates_support import hand_made_candidates
from matchmaker.embeddings.encoder import FloatArray
from matchmaker.embeddings.passages import Passage
from matchmaker.matching import signals
from matchmaker.matching.adapters import (
    ADAPTER_DIR,
    Adapter,
    adapter_for,
    adapter_for_vectors,
    adapter_slug,
    adapters_digest,
)
from matchmaker.matching.evidence import fused, need_signals
from matchmaker.matching.kinds import Candidates
from matchmaker.matching.needs import Needs
from matchmaker.matching.profiles import Profile
from matchmaker.matching.scoring import DEFAULT_CONFIG, EngineConfig, leave_one_out, profile
from matchmaker.settings import BUNDLED_MODEL


def _unit(x: FloatArray) -> FloatArray:
    out: FloatArray = (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)
    return out


def test_the_centre_counts_each_need_by_its_weight() -> None:
    vectors = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], np.float32)
    centre = signals.need_centre(vectors, np.array([1.0, 0.0, 1.0], np.float32))
    np.testing.assert_allclose(centre, _unit(np.array([1.0, 0.0, 1.0], np.float32)), atol=1e-7)
    # Background alone (every weight 0): no direction at all, not a division by zero.
    assert not signals.need_centre(vectors, np.zeros(3, np.float32)).any()


def test_each_candidate_is_read_by_its_best_passages() -> None:
    centre = np.array([1.0, 0.0], np.float32)
    vectors = _unit(np.array([[1, 0], [0, 1], [1, 1], [-1, 0], [1, 0.1]], np.float32))
    bounds = [(0, 3), (3, 5)]
    top = signals.centroid_topk(centre, vectors, bounds, k=2)
    np.testing.assert_allclose(top, [(1.0 + 2**-0.5) / 2, (-1.0 + float(vectors[4, 0])) / 2], atol=1e-6)
    # A candidate with fewer passages than k is read by the ones it has.
    assert signals.centroid_topk(centre, vectors, [(0, 1), (1, 2)], k=3).tolist() == [1.0, 0.0]


def test_an_adapter_maps_then_rescales() -> None:
    swap = Adapter("m", np.array([[0.0, 2.0], [2.0, 0.0]], np.float32), 0.0, 1.0)
    np.testing.assert_allclose(swap.apply(np.array([0.6, 0.8], np.float32)), [0.8, 0.6], atol=1e-7)


def _npy(matrix: FloatArray) -> bytes:
    out = io.BytesIO()
    np.save(out, matrix)
    return out.getvalue()


def _write(folder: Path, model: str, matrix: FloatArray, meta_model: str | None = None) -> None:
    slug = adapter_slug(model)
    np.save(folder / f"{slug}.npy", matrix)
    meta = {"model": meta_model or model, "lo": 0.1, "hi": 0.4}
    (folder / f"{slug}.json").write_text(json.dumps(meta), encoding="utf-8")


def test_an_adapter_is_used_only_for_vectors_of_its_dimension(tmp_path: Path) -> None:
    # Candidates scored whole and those outside a shortlist ask the same question, so a map of
    # another size leaves the signal out of both instead of one of them.
    _write(tmp_path, "org/encoder-f", np.eye(4, dtype=np.float32))
    assert adapter_for_vectors("org/encoder-f", 4, tmp_path) is not None
    assert adapter_for_vectors("org/encoder-f", 8, tmp_path) is None
    assert adapter_for_vectors("org/encoder-g", 4, tmp_path) is None


def test_an_adapter_is_found_only_for_the_encoder_it_was_fitted_for(tmp_path: Path) -> None:
    _write(tmp_path, "org/encoder-a", np.eye(4, dtype=np.float32))
    found = adapter_for("org/encoder-a", tmp_path)
    assert found is not None
    assert found.matrix.shape == (4, 4)
    assert (found.lo, found.hi) == (0.1, 0.4)
    assert adapter_for("org/encoder-b", tmp_path) is None
    assert adapter_for("", tmp_path) is None
    # A file whose own record names another model, or that is not a square map, is not used.
    _write(tmp_path, "org/encoder-c", np.eye(4, dtype=np.float32), meta_model="org/encoder-a")
    assert adapter_for("org/encoder-c", tmp_path) is None
    _write(tmp_path, "org/encoder-d", np.ones((4, 3), np.float32))
    assert adapter_for("org/encoder-d", tmp_path) is None


@pytest.mark.parametrize(
    ("matrix_bytes", "meta_text"),
    [
        (b"\x93NUMPY truncated", json.dumps({"model": "org/encoder-e", "lo": 0.1, "hi": 0.4})),
        (None, "{not json"),
        (None, json.dumps({"model": "org/encoder-e", "lo": 0.1})),
        (None, json.dumps({"model": "org/encoder-e", "lo": 0.5, "hi": 0.2})),
        (None, json.dumps({"model": "org/encoder-e", "lo": "low", "hi": 0.4})),
        (
            _npy(np.full((4, 4), np.nan, np.float32)),
            json.dumps({"model": "org/encoder-e", "lo": 0.1, "hi": 0.4}),
        ),
    ],
    ids=[
        "truncated-matrix",
        "unreadable-record",
        "record-without-hi",
        "empty-range",
        "range-not-a-number",
        "matrix-not-finite",
    ],
)
def test_a_damaged_adapter_is_left_out_and_said(
    tmp_path: Path, matrix_bytes: bytes | None, meta_text: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Matching goes on without the signal (as for an encoder that has none) and the log says why.
    _write(tmp_path, "org/encoder-e", np.eye(4, dtype=np.float32))
    slug = adapter_slug("org/encoder-e")
    if matrix_bytes is not None:
        (tmp_path / f"{slug}.npy").write_bytes(matrix_bytes)
    (tmp_path / f"{slug}.json").write_text(meta_text, encoding="utf-8")
    with caplog.at_level("WARNING", logger="matchmaker.matching.adapters"):
        assert adapter_for("org/encoder-e", tmp_path) is None
    assert "org/encoder-e" in caplog.text
    assert "left out" in caplog.text


def test_the_bundled_encoder_ships_its_adapter() -> None:
    shipped = adapter_for(BUNDLED_MODEL)
    assert shipped is not None
    assert shipped.matrix.shape == (384, 384)
    assert 0.0 <= shipped.lo < shipped.hi <= 1.0
    meta = json.loads((ADAPTER_DIR / f"{adapter_slug(BUNDLED_MODEL)}.json").read_text(encoding="utf-8"))
    assert meta["trained_on"].startswith("corpora/eval tuning half")
    # Stored relevance rows are keyed by the adapters' content.
    assert len(adapters_digest()) == 16
    assert adapters_digest(ADAPTER_DIR) != adapters_digest(ADAPTER_DIR / "missing")


def test_the_full_profile_weighs_the_centroid_and_leave_one_out_removes_it() -> None:
    assert profile("full").w_centroid > 0
    assert leave_one_out()["-centroid"].w_centroid == 0
    assert replace(
        leave_one_out()["-centroid"], w_centroid=profile("full").w_centroid, mode="full"
    ) == profile("full")
    for plain in ("base", "dense", "lexical", "multilingual"):
        assert profile(plain).w_centroid == 0


# --------------------------------------------------------------------------------------------------
# In the fusion


def _scene(model_name: str) -> tuple[Needs, Candidates]:
    rng = np.random.default_rng(7)
    dim, lengths = 384, [2, 3, 1, 4]
    vectors = _unit(rng.standard_normal((sum(lengths), dim)).astype(np.float32))
    cands = hand_made_candidates("provider", vectors, lengths, model_name=model_name)
    n = 3
    needs = Needs(
        passages=[Passage("city", "q", "summary", i, i + 1, "x") for i in range(n)],
        vectors=_unit(rng.standard_normal((n, dim)).astype(np.float32)),
        tags=np.zeros((n, 3), np.float32),
        weights=np.array([1.0, 0.3, 1.0], np.float32),
        profile=Profile("city", "q", "Q", "AL", "en", (), np.zeros(3, np.float32)),
        doc_id="q",
    )
    return needs, cands


def _relevance(needs: Needs, cands: Candidates, cfg: EngineConfig) -> FloatArray:
    q_vectors, q_tokens = needs.view(cfg)
    parts = need_signals(
        q_vectors,
        q_tokens,
        needs.tags,
        None,
        english=True,
        cands=cands,
        cfg=cfg,
        lexical_top=None,
        term_weights=np.ones(3, np.float32),
    )
    return fused(needs, cands, cfg, parts, term_weights=np.ones(3, np.float32)).relevance


@pytest.mark.parametrize("model_name", [BUNDLED_MODEL, "an-encoder-without-adapter"])
def test_the_centroid_enters_the_fusion_only_with_an_adapter(model_name: str) -> None:
    needs, cands = _scene(model_name)
    cfg = replace(DEFAULT_CONFIG, w_lexical=0.0, w_vocab=0.0, w_doc_tags=0.0, w_centroid=0.0)
    without = _relevance(needs, cands, cfg)
    with_it = _relevance(needs, cands, replace(cfg, w_centroid=0.5))
    if model_name == BUNDLED_MODEL:
        adapter = adapter_for(BUNDLED_MODEL)
        assert adapter is not None
        centre = adapter.apply(signals.need_centre(needs.vectors, needs.weights))
        expected = signals.linear_map(
            signals.centroid_topk(centre, cands.vectors, cands.bounds, cfg.doc_top_passages),
            adapter.lo,
            adapter.hi,
        )
        weights = cfg.document_signals
        share = 0.5 / (0.5 + sum(w for name, w in weights.items() if w > 0 and name != "centroid"))
        np.testing.assert_allclose(with_it, (1 - share) * without + share * expected, atol=1e-6)
    else:
        np.testing.assert_array_equal(with_it, without)
