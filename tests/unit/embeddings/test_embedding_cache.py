"""The embedding cache spares the encoder every text it has seen, for the same model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matchmaker.embeddings.cache import BlobCache, EmbeddingCache, KeptOpen, embed_texts
from matchmaker.embeddings.fake import HashingEncoder
from matchmaker.matching.analysis import STORE_FILE, AnalysisStore


def test_second_pass_embeds_nothing(tmp_path: Path, encoder: HashingEncoder) -> None:
    texts = ["flooding in the old town", "no open data portal", "flooding in the old town"]
    with EmbeddingCache(tmp_path / "cache.sqlite3") as cache:
        first, stats1 = embed_texts(texts, model_name=encoder.name, encoder=encoder, cache=cache)
        assert (stats1.embedded, stats1.reused) == (2, 1), "duplicates are encoded once"
        second, stats2 = embed_texts(texts, model_name=encoder.name, encoder=encoder, cache=cache)
        assert (stats2.embedded, stats2.reused) == (0, 3)
    assert encoder.texts_encoded == 2
    np.testing.assert_allclose(first, second)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)


def test_cache_survives_reopening_and_is_keyed_by_model(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    a = HashingEncoder(32, name="model-a")
    with EmbeddingCache(path) as cache:
        embed_texts(["street lighting"], model_name=a.name, encoder=a, cache=cache)
    with EmbeddingCache(path) as cache:
        _, stats = embed_texts(["street lighting"], model_name=a.name, encoder=a, cache=cache)
        assert stats.embedded == 0
        b = HashingEncoder(32, name="model-b")
        _, stats = embed_texts(["street lighting"], model_name=b.name, encoder=b, cache=cache)
        assert stats.embedded == 1
        assert cache.count() == 2
        assert cache.count("model-a") == 1


def test_encoder_is_loaded_only_on_a_miss(tmp_path: Path, encoder: HashingEncoder) -> None:
    loads: list[int] = []

    def factory() -> HashingEncoder:
        loads.append(1)
        return encoder

    with EmbeddingCache(tmp_path / "c.sqlite3") as cache:
        embed_texts(["a text"], model_name=encoder.name, encoder=factory, cache=cache)
        embed_texts(["a text"], model_name=encoder.name, encoder=factory, cache=cache)
    assert len(loads) == 1


def test_encoder_of_another_model_is_refused(tmp_path: Path, encoder: HashingEncoder) -> None:
    with EmbeddingCache(tmp_path / "c.sqlite3") as cache, pytest.raises(ValueError, match="does not match"):
        embed_texts(["x"], model_name="other-model", encoder=encoder, cache=cache)


def test_progress_sees_every_batch(tmp_path: Path, encoder: HashingEncoder) -> None:
    class Recorder:
        def __init__(self) -> None:
            self.events: list[tuple[str, int]] = []

        def start(self, label: str, total: int) -> None:
            self.events.append(("start", total))

        def advance(self, n: int) -> None:
            self.events.append(("advance", n))

        def finish(self) -> None:
            self.events.append(("finish", 0))

    recorder = Recorder()
    texts = [f"text number {i}" for i in range(10)]
    embed_texts(texts, model_name=encoder.name, encoder=encoder, cache=None, batch_size=4, progress=recorder)
    assert recorder.events == [("start", 10), ("advance", 4), ("advance", 4), ("advance", 2), ("finish", 0)]


def test_a_kept_open_cache_file_is_opened_once_and_again_after_close(tmp_path: Path) -> None:
    opened: list[BlobCache] = []

    def open_file() -> BlobCache:
        opened.append(BlobCache.in_dir(tmp_path, "kept.sqlite3"))
        return opened[-1]

    kept = KeptOpen(open_file)
    kept.get().put_many([("a", b"1")])
    assert kept.get().get_many(["a"]) == {"a": b"1"}
    assert len(opened) == 1
    kept.close()
    kept.close()  # closing twice is harmless
    assert kept.get().get_many(["a"]) == {"a": b"1"}  # opened again, the value was stored
    assert len(opened) == 2
    kept.close()


def test_the_analysis_store_reads_what_it_wrote_and_survives_a_damaged_file(tmp_path: Path) -> None:
    store = AnalysisStore(tmp_path)
    store.put([("k", b"v")])
    assert store.get(["k", "missing"]) == {"k": b"v"}
    store.close()
    (tmp_path / STORE_FILE).write_bytes(b"this is not a database" * 100)
    damaged = AnalysisStore(tmp_path)
    assert damaged.get(["k"]) == {}  # a damaged cache only costs time
    damaged.put([("k", b"v")])  # logged, not raised
    damaged.close()


@pytest.mark.parametrize("make", [EmbeddingCache, BlobCache])
def test_a_damaged_cache_file_is_set_aside_and_started_anew(
    tmp_path: Path, make: type[EmbeddingCache] | type[BlobCache]
) -> None:
    """A cache file that is no longer a database (a disk that filled up, a copy cut short) ended every
    ingest, edit and index build in "unexpected failure (DatabaseError: file is not a database)"."""
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"not a database, not even close " * 100)
    with make(path) as cache:
        if isinstance(cache, EmbeddingCache):
            cache.put_many("model", [("k", np.ones(2, dtype=np.float32))])
            assert cache.count() == 1
        else:
            cache.put_many([("k", b"v")])
            assert cache.get_many(["k"]) == {"k": b"v"}
    assert (tmp_path / "cache.sqlite3.damaged").read_bytes().startswith(b"not a database")
