"""Bundles describe themselves, refuse other settings, switch atomically and hot-reload."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from matchmaker.embeddings.builder import build_bundle
from matchmaker.embeddings.bundle import (
    BundleWriter,
    IndexBundle,
    IndexStore,
    current_generation,
    load_bundle,
)
from matchmaker.embeddings.fake import HashingEncoder
from matchmaker.embeddings.passages import DocKind, Record
from matchmaker.errors import IndexDamagedError, IndexUnavailableError


def make_bundle(
    kind: DocKind, records: list[Record], encoder: HashingEncoder, exact_max: int = 1000
) -> IndexBundle:
    bundle, _ = build_bundle(
        kind,
        records,
        model_name=encoder.name,
        encoder=encoder,
        cache=None,
        previous=None,
        exact_max=exact_max,
    )
    assert bundle is not None
    return bundle


def publish(index_dir: Path, bundle: IndexBundle) -> IndexBundle:
    with BundleWriter(index_dir, bundle.kind) as writer:
        return writer.publish(bundle)


def test_bundle_round_trips_with_manifest(tmp_path: Path, encoder: HashingEncoder, corpus) -> None:
    bundle = make_bundle("provider", corpus["provider"], encoder)
    published = publish(tmp_path, bundle)
    loaded = load_bundle(tmp_path, "provider", model_name=encoder.name, dimension=encoder.dimension)
    assert loaded.passages == bundle.passages
    np.testing.assert_array_equal(loaded.vectors, bundle.vectors)
    manifest = json.loads((published.path / "manifest.json").read_text())  # type: ignore[operator]
    for key in (
        "model_name",
        "dimension",
        "normalized",
        "passage_count",
        "document_count",
        "corpus_hash",
        "built_at",
        "format_version",
        "index_type",
        "generation",
        "files",
    ):
        assert key in manifest
    assert manifest["model_name"] == encoder.name
    assert manifest["dimension"] == 64
    assert manifest["document_count"] == 2
    assert manifest["passage_count"] == len(bundle.passages)


def test_search_finds_the_obvious_passage_and_skips_excluded(
    tmp_path: Path, encoder: HashingEncoder, corpus
) -> None:
    bundle = make_bundle("provider", corpus["provider"], encoder)
    query = encoder.encode(["flooding sensors alerts"])
    hit = bundle.search(query, k=1)[0][0]
    assert hit.passage.doc_id == "acme"
    assert hit.passage.field == "solution:1"
    docs = bundle.search_documents(query, k=5)[0]
    assert [d.doc_id for d in docs] == ["acme", "lumen"]
    assert docs[0].score >= docs[1].score
    assert [d.doc_id for d in bundle.search_documents(query, k=5, exclude={"acme"})[0]] == ["lumen"]
    assert all(h.passage.doc_id != "acme" for h in bundle.search(query, k=10, exclude={"acme"})[0])


def test_an_exact_index_is_made_on_first_search_not_when_built_or_published(
    tmp_path: Path, encoder: HashingEncoder, corpus
) -> None:
    """A small kind keeps one copy of its vectors: an exact search index (a second copy) is made on
    its first search, in a bundle just built as in one read from disk."""
    bundle = make_bundle("provider", corpus["provider"], encoder)
    assert bundle.manifest.index_type == "flat"
    assert bundle.built_index is None
    published = publish(tmp_path, bundle)
    assert published.built_index is None
    assert not (published.path / "index.faiss").exists()  # type: ignore[operator]
    query = encoder.encode(["flooding sensors alerts"])
    assert published.search(query, k=1)[0][0].passage.doc_id == "acme"
    assert published.built_index is not None
    loaded = load_bundle(tmp_path, "provider", model_name=encoder.name, dimension=encoder.dimension)
    assert loaded.built_index is None
    assert loaded.search(query, k=1)[0][0].passage == published.search(query, k=1)[0][0].passage


def test_document_vectors_match_document_passages(encoder: HashingEncoder, corpus) -> None:
    bundle = make_bundle("city", corpus["city"], encoder)
    passages = bundle.document_passages("kukes")
    vectors = bundle.document_vectors("kukes")
    assert len(passages) == len(vectors) > 2
    np.testing.assert_allclose(vectors, encoder.encode([p.embed_text for p in passages]), rtol=1e-5)
    assert bundle.document_passages("nowhere") == []
    assert bundle.document_vectors("nowhere").shape[0] == 0


def test_missing_bundle_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailableError, match="matchmaker index build"):
        load_bundle(tmp_path, "city")


@pytest.mark.parametrize(("model", "dimension"), [("another-model", None), (None, 384)])
def test_mismatched_model_or_dimension_is_refused(
    tmp_path: Path, encoder: HashingEncoder, corpus, model: str | None, dimension: int | None
) -> None:
    publish(tmp_path, make_bundle("city", corpus["city"], encoder))
    with pytest.raises(IndexUnavailableError, match="matchmaker index build"):
        load_bundle(tmp_path, "city", model_name=model or encoder.name, dimension=dimension)


def test_another_model_name_says_which_model_the_index_was_built_with(
    tmp_path: Path, encoder: HashingEncoder, corpus
) -> None:
    """A mistyped MATCHMAKER_MODEL_NAME is told how to go back, not only to rebuild every index."""
    publish(tmp_path, make_bundle("city", corpus["city"], encoder))
    with pytest.raises(IndexUnavailableError) as refused:
        load_bundle(tmp_path, "city", model_name="nosuch")
    assert f"set MATCHMAKER_MODEL_NAME={encoder.name} as it was" in refused.value.message
    assert "matchmaker index build" in refused.value.message


def test_truncated_file_is_refused(tmp_path: Path, encoder: HashingEncoder, corpus) -> None:
    published = publish(tmp_path, make_bundle("city", corpus["city"], encoder))
    assert published.path is not None
    vectors = published.path / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-8])
    with pytest.raises(IndexUnavailableError, match="matchmaker index build"):
        load_bundle(tmp_path, "city", model_name=encoder.name)


def test_crash_mid_build_leaves_previous_bundle_live(
    tmp_path: Path, encoder: HashingEncoder, corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = publish(tmp_path, make_bundle("provider", corpus["provider"], encoder))
    second = make_bundle("provider", corpus["provider"][:1], encoder)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", crash)
    with pytest.raises(OSError, match="disk full"), BundleWriter(tmp_path, "provider") as writer:
        writer.publish(second)
    monkeypatch.undo()
    loaded = load_bundle(tmp_path, "provider", model_name=encoder.name)
    assert loaded.generation == first.generation
    assert len(loaded.documents) == 2
    # A leftover of a killed writer (no cleanup ran) is removed by the next publish.
    leftover = tmp_path / "provider" / ".tmp-gkilled"
    leftover.mkdir()
    (leftover / "vectors.npy").write_bytes(b"half")
    third = publish(tmp_path, second)
    assert not leftover.exists()
    assert load_bundle(tmp_path, "provider").generation == third.generation


def test_old_generations_are_collected(tmp_path: Path, encoder: HashingEncoder, corpus) -> None:
    bundle = make_bundle("case", corpus["case"], encoder)
    for _ in range(6):
        last = publish(tmp_path, bundle)
    generations = sorted(p.name for p in (tmp_path / "case").iterdir() if p.name.startswith("g"))
    assert len(generations) == 3
    assert generations[-1] == last.generation
    assert current_generation(tmp_path, "case") == last.generation


def test_store_swaps_in_a_new_generation_without_restart(
    tmp_path: Path, encoder: HashingEncoder, corpus
) -> None:
    publish(tmp_path, make_bundle("provider", corpus["provider"][:1], encoder))
    store = IndexStore(tmp_path, model_name=encoder.name, dimension=encoder.dimension)
    held = store.get("provider")
    assert held.doc_ids == ["acme"]
    assert store.get("provider") is held, "no reload when nothing changed"
    publish(tmp_path, make_bundle("provider", corpus["provider"], encoder))
    fresh = store.get("provider")
    assert sorted(fresh.doc_ids) == ["acme", "lumen"]
    # A request that still holds the old bundle keeps working.
    assert held.search(encoder.encode(["open data"]), k=1)[0][0].passage.doc_id == "acme"


def test_store_keeps_serving_when_new_generation_does_not_fit(
    tmp_path: Path, encoder: HashingEncoder, corpus
) -> None:
    publish(tmp_path, make_bundle("city", corpus["city"], encoder))
    store = IndexStore(tmp_path, model_name=encoder.name, dimension=encoder.dimension)
    before = store.get("city")
    other = HashingEncoder(32, name="other-model")
    publish(tmp_path, make_bundle("city", corpus["city"], other))
    assert store.get("city") is before
    fresh_store = IndexStore(tmp_path, model_name=encoder.name, dimension=encoder.dimension)
    with pytest.raises(IndexUnavailableError, match="matchmaker index build"):
        fresh_store.get("city")


def test_readers_never_see_half_a_bundle_during_swaps(
    tmp_path: Path, encoder: HashingEncoder, corpus
) -> None:
    small = make_bundle("provider", corpus["provider"][:1], encoder)
    large = make_bundle("provider", corpus["provider"], encoder)
    publish(tmp_path, small)
    store = IndexStore(tmp_path, model_name=encoder.name, dimension=encoder.dimension)
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()
    query = encoder.encode(["street lighting"])

    def reader() -> None:
        while not stop.is_set():
            try:
                bundle = store.get("provider")
                assert len(bundle.passages) == len(bundle.vectors) == bundle.manifest.passage_count
                assert bundle.search(query, k=3)[0]
                direct = load_bundle(tmp_path, "provider", model_name=encoder.name)
                seen.add(len(direct.documents))
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(30):
        publish(tmp_path, large if i % 2 else small)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert seen <= {1, 2}
    assert seen


def test_a_generation_collected_while_it_is_verified_is_not_reported_as_damaged(
    tmp_path: Path, encoder: HashingEncoder, corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reader resolves CURRENT; before it has verified the files, writers publish and collect that
    # generation, so a file is gone. The reader loads the new live generation instead of refusing.
    publish(tmp_path, make_bundle("provider", corpus["provider"][:1], encoder))
    real_read = IndexBundle.read
    calls: list[Path] = []

    def read_while_replaced(directory: Path, **kwargs: object) -> IndexBundle:
        calls.append(directory)
        if len(calls) == 1:
            publish(tmp_path, make_bundle("provider", corpus["provider"], encoder))
            raise IndexDamagedError(f"index bundle {directory}: documents.json is missing")
        return real_read(directory, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(IndexBundle, "read", read_while_replaced)
    bundle = load_bundle(tmp_path, "provider", model_name=encoder.name)
    assert sorted(bundle.doc_ids) == ["acme", "lumen"]
    assert len(calls) == 2
