"""The indexing service: first build, no-op refresh, single-record edits, status, and the database."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pytest
from sqlmodel import Session

from matchmaker.db.engine import Database
from matchmaker.db.models import CaseCreate, CityCreate, ProviderCreate
from matchmaker.embeddings.bundle import IndexBundle, IndexStore, current_generation, load_bundle
from matchmaker.embeddings.encoder import Encoder
from matchmaker.embeddings.fake import HashingEncoder
from matchmaker.embeddings.passages import KINDS, DocKind, Record, as_kind
from matchmaker.embeddings.progress import NullProgress
from matchmaker.services.indexing import IndexService, index_records, index_status
from matchmaker.settings import Settings

QUIET = NullProgress()


def loader_for(corpus: dict[DocKind, list[Record]]):
    def load(kinds: Sequence[DocKind]) -> dict[DocKind, list[Record]]:
        return {k: list(corpus[k]) for k in kinds}

    return load


class CorpusIndexes(IndexService):
    """The index service with its records read from an in-memory corpus instead of the database."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        corpus: dict[DocKind, list[Record]],
        *,
        encoder: Encoder | None = None,
    ) -> None:
        super().__init__(settings, database, encoder=encoder)
        self.corpus = corpus

    def records(
        self, kinds: Iterable[str] | None = None, *, session: Session | None = None
    ) -> dict[DocKind, list[Record]]:
        wanted = KINDS if kinds is None else {as_kind(k) for k in kinds}
        return loader_for(self.corpus)([k for k in KINDS if k in wanted])


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    """This test's database (empty: the index services below read the in-memory corpus)."""
    database = Database(settings)
    yield database
    database.dispose()


@pytest.fixture
def indexes_over(settings: Settings, database: Database):
    """An index service over an in-memory corpus, with a given encoder (or the lazily loaded model)."""

    def make(corpus: dict[DocKind, list[Record]], encoder: Encoder | None = None) -> CorpusIndexes:
        return CorpusIndexes(settings, database, corpus, encoder=encoder)

    return make


def test_first_build_then_noop_refresh_embeds_nothing(
    settings: Settings, encoder: HashingEncoder, corpus, indexes_over
) -> None:
    first = index_records(settings, corpus, encoder=encoder, progress=QUIET)
    assert first.embedded > 0
    assert {k.kind: k.documents for k in first.kinds} == {"city": 2, "provider": 2, "case": 1}
    encoded = encoder.texts_encoded
    again = indexes_over(corpus, encoder).refresh(progress=QUIET)
    assert again.embedded == 0
    assert not again.changed
    assert encoder.texts_encoded == encoded
    assert all(k.reused == k.passages for k in again.kinds)


def test_noop_refresh_does_not_load_the_model(
    settings: Settings, encoder: HashingEncoder, corpus, indexes_over, monkeypatch
) -> None:
    index_records(settings, corpus, encoder=encoder, progress=QUIET)

    def no_model(_settings: Settings) -> HashingEncoder:
        raise AssertionError("the model must not be loaded for a no-op refresh")

    monkeypatch.setattr("matchmaker.services.indexing.load_encoder", no_model)
    report = indexes_over(corpus).refresh(progress=QUIET)
    assert report.embedded == 0


def test_editing_one_record_reembeds_only_its_changed_passages(
    settings: Settings, encoder: HashingEncoder, corpus, indexes_over, make_city
) -> None:
    index_records(settings, corpus, encoder=encoder, progress=QUIET)
    kukes = corpus["city"][0]
    edited = make_city("kukes", kukes.summary + " Wildfires threaten the forests.", kukes.challenges)
    corpus["city"][0] = edited
    report = indexes_over(corpus, encoder).refresh(progress=QUIET)
    by_kind = {k.kind: k for k in report.kinds}
    assert by_kind["city"].embedded == 1, "only the new sentence is encoded"
    assert by_kind["provider"].changed is False
    assert by_kind["case"].changed is False
    bundle = load_bundle(settings.index_dir, "city", model_name=encoder.name)
    assert any("Wildfires" in p.text for p in bundle.document_passages("kukes"))
    assert bundle.document_passages("osh"), "unchanged documents are kept"


def test_a_refresh_hands_its_store_the_new_generation_and_reads_no_bundle_back(
    settings: Settings, encoder: HashingEncoder, corpus, indexes_over, make_city, monkeypatch
) -> None:
    index_records(settings, corpus, encoder=encoder, progress=QUIET)
    indexes = indexes_over(corpus, encoder)
    store = indexes.index_store()
    before = store.get("city")
    reads: list[str] = []
    original = IndexBundle.read

    def counted(directory, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(directory.name)
        return original(directory, **kwargs)

    monkeypatch.setattr(IndexBundle, "read", counted)
    kukes = corpus["city"][0]
    corpus["city"][0] = make_city(
        "kukes", kukes.summary + " Wildfires threaten the forests.", kukes.challenges
    )
    indexes.refresh(["city"], progress=QUIET)
    after = store.get("city")
    assert after.generation > before.generation
    assert reads == [], "the refresh started from the held bundle and the store took the published one"
    assert after.generation == current_generation(settings.index_dir, "city")
    assert any("Wildfires" in p.text for p in after.document_passages("kukes"))


def test_a_store_takes_an_offered_bundle_only_when_it_is_the_live_generation(
    settings: Settings, encoder: HashingEncoder, corpus
) -> None:
    index_records(settings, corpus, encoder=encoder, progress=QUIET)
    old = load_bundle(settings.index_dir, "city", model_name=encoder.name)
    index_records(settings, corpus, encoder=encoder, progress=QUIET, rebuild=True)
    store = IndexStore(settings.index_dir, model_name=encoder.name)
    assert store.offer(old) is False, "an older generation than the live one is refused"
    new = load_bundle(settings.index_dir, "city", model_name=encoder.name)
    other = IndexStore(settings.index_dir, model_name="another-model")
    assert other.offer(new) is False, "a bundle of another model is refused"
    assert store.offer(new) is True
    assert store.offer(new) is False, "the same generation is not taken twice"
    assert store.get("city") is new


def test_removed_and_added_documents(
    settings: Settings, encoder: HashingEncoder, corpus, indexes_over, make_provider
) -> None:
    index_records(settings, corpus, encoder=encoder, progress=QUIET)
    corpus["provider"] = [corpus["provider"][1], make_provider("newco", "Parking sensors for city centres.")]
    report = indexes_over(corpus, encoder).refresh(["providers"], progress=QUIET)
    assert [k.kind for k in report.kinds] == ["provider"]
    bundle = load_bundle(settings.index_dir, "provider", model_name=encoder.name)
    assert sorted(bundle.doc_ids) == ["lumen", "newco"]
    assert all(p.doc_id != "acme" for p in bundle.passages)


def test_rebuild_publishes_even_when_nothing_changed(
    settings: Settings, encoder: HashingEncoder, corpus, indexes_over
) -> None:
    index_records(settings, corpus, encoder=encoder, progress=QUIET)
    store = IndexStore.for_settings(settings, encoder)
    before = store.get("case").generation
    report = indexes_over(corpus, encoder).rebuild(progress=QUIET)
    assert report.changed
    assert report.embedded == 0, "the cache still spares the encoder"
    assert store.get("case").generation != before


def test_status_reports_missing_current_and_stale(
    settings: Settings, encoder: HashingEncoder, corpus, make_case
) -> None:
    load = loader_for(corpus)
    assert all(not s.present and s.stale for s in index_status(settings, loader=load))
    index_records(settings, corpus, encoder=encoder, progress=QUIET)
    statuses = {s.kind: s for s in index_status(settings, loader=load)}
    assert all(s.present and s.stale is False for s in statuses.values())
    assert statuses["provider"].manifest["document_count"] == 2
    corpus["case"].append(make_case("new-case", "Bike sharing", "A bike sharing scheme with 500 bikes."))
    statuses = {s.kind: s for s in index_status(settings, loader=load)}
    assert statuses["case"].stale is True
    assert statuses["city"].stale is False


def test_status_flags_a_bundle_of_another_model(settings: Settings, encoder: HashingEncoder, corpus) -> None:
    index_records(settings, corpus, encoder=encoder, progress=QUIET)
    other = settings.model_copy(update={"model_name": "some/other-model"})
    status = index_status(other, loader=loader_for(corpus))[0]
    assert status.stale is True
    assert "other-model" in status.problem


def test_above_the_threshold_the_index_is_hnsw(tmp_path, encoder: HashingEncoder, make_case) -> None:
    settings = Settings(home=tmp_path, model_name=encoder.name, exact_index_max=50)
    cases = [
        make_case(f"c{i}", f"Case {i}", f"Project {i} improved district {i % 17} lighting.")
        for i in range(120)
    ]
    report = index_records(settings, {"case": cases}, encoder=encoder, progress=QUIET)
    assert report.kinds[0].index_type == "hnsw"
    bundle = load_bundle(settings.index_dir, "case", model_name=encoder.name)
    assert bundle.manifest.index_params["recall_at_10"] >= 0.95


def test_build_from_the_database(tmp_path, encoder: HashingEncoder) -> None:
    from matchmaker.db import repository

    settings = Settings(home=tmp_path, model_name=encoder.name)
    database = Database(settings)
    with database.unit_of_work() as session:
        repository.upsert_city(
            session, CityCreate(id="kukes", name="Kukës", country="AL", summary="Flooding every spring.")
        )
        repository.upsert_provider(
            session,
            ProviderCreate(
                id="acme",
                name="Acme",
                country="TR",
                description="Software.",
                solutions=[{"title": "Flood early warning", "description": "River sensors."}],
            ),
        )
        repository.upsert_case(
            session,
            CaseCreate(id="c1", title="Lighting", city="Valladolid", country="ES", text="LED street lights."),
        )
    indexes = IndexService(settings, database, encoder=encoder)
    try:
        report = indexes.rebuild(progress=QUIET)
        assert {k.kind: k.documents for k in report.kinds} == {"city": 1, "provider": 1, "case": 1}
        assert indexes.refresh(progress=QUIET).embedded == 0
        assert all(s.stale is False for s in indexes.status())
    finally:
        database.dispose()


def _database_with_cities(settings: Settings, summaries: dict[str, str]) -> Database:
    """A database holding one city per id, with its summary (the caller disposes of it)."""
    from matchmaker.db import repository

    database = Database(settings)
    with database.unit_of_work() as session:
        for city_id, summary in summaries.items():
            repository.upsert_city(
                session, CityCreate(id=city_id, name=city_id, country="AL", summary=summary)
            )
    return database


def _whole_kind_reads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The kinds the index service reads whole from now on, one list per read."""
    from matchmaker.services import indexing

    read: list[list[str]] = []
    original = indexing.load_records

    def counted(session: Session, kinds: Sequence[DocKind]) -> dict[DocKind, list[Record]]:
        read.append(list(kinds))
        return original(session, kinds)

    monkeypatch.setattr(indexing, "load_records", counted)
    return read


def test_writes_index_what_they_wrote_and_the_bundle_matches_the_database(
    tmp_path, encoder: HashingEncoder, monkeypatch
) -> None:
    from matchmaker.services.records import RecordService

    settings = Settings(home=tmp_path, model_name=encoder.name)
    database = _database_with_cities(
        settings, {"kukes": "Flooding every spring.", "osh": "Waste collection is late."}
    )
    indexes = IndexService(settings, database, encoder=encoder)
    try:
        indexes.rebuild(progress=QUIET)
        read = _whole_kind_reads(monkeypatch)
        with database.unit_of_work(write=True) as session:
            records = RecordService(session, lambda: indexes)
            records.update("city", "kukes", {"summary": "Flooding every spring. Wildfires in summer."})
            records.create("city", CityCreate(id="tepe", name="Tepe", country="TR", summary="Phishing."))
            records.delete("city", "osh")
        assert read == [], "a write reads the records it wrote, not the whole kind"
        monkeypatch.undo()
        bundle = load_bundle(settings.index_dir, "city", model_name=encoder.name)
        assert sorted(bundle.doc_ids) == ["kukes", "tepe"]
        assert any("Wildfires" in p.text for p in bundle.document_passages("kukes"))
        assert all(s.stale is False for s in indexes.status()), "the bundle's corpus hash is the database's"
    finally:
        database.dispose()


@pytest.mark.parametrize("kind", ["cities", "city"])
def test_kind_names_accept_plurals(
    settings: Settings, encoder: HashingEncoder, corpus, indexes_over, kind: str
) -> None:
    report = indexes_over(corpus, encoder).refresh([kind], progress=QUIET)
    assert [k.kind for k in report.kinds] == ["city"]


def test_a_build_puts_the_multilingual_vectors_in_the_cache_once(
    settings: Settings, encoder: HashingEncoder, corpus
) -> None:
    from matchmaker.embeddings.cache import EmbeddingCache

    second = settings.model_copy(update={"multilingual_model": "hashing-24"})
    first = index_records(second, corpus, encoder=encoder, progress=QUIET)
    assert sum(k.multilingual_embedded for k in first.kinds) > 0
    with EmbeddingCache.in_dir(second.index_dir) as cache:
        stored = cache.count("hashing-24")
    passages = {p.embed_text for kind in KINDS for p in load_bundle(second.index_dir, kind).passages}
    assert stored == len(passages)
    again = index_records(second, corpus, encoder=encoder, progress=QUIET)
    assert sum(k.multilingual_embedded for k in again.kinds) == 0  # an unchanged corpus encodes nothing


def test_after_an_edit_only_the_edited_documents_passages_go_to_the_multilingual_encoder(
    settings: Settings, encoder: HashingEncoder, corpus, make_city, monkeypatch
) -> None:
    from matchmaker.embeddings import builder

    second = settings.model_copy(update={"multilingual_model": "hashing-24"})
    index_records(second, corpus, encoder=encoder, progress=QUIET)
    looked_at: list[list[str]] = []
    original = builder.embed_texts

    def counted(texts, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("model_name") == "hashing-24":
            looked_at.append(list(texts))
        return original(texts, **kwargs)

    monkeypatch.setattr(builder, "embed_texts", counted)
    kukes = corpus["city"][0]
    corpus["city"][0] = make_city(
        "kukes", kukes.summary + " Wildfires threaten the forests.", kukes.challenges
    )
    report = index_records(second, {"city": corpus["city"]}, encoder=encoder, progress=QUIET)
    edited = [p.embed_text for p in load_bundle(second.index_dir, "city").document_passages("kukes")]
    assert looked_at == [edited], "the unchanged city's passages are not looked up again"
    assert report.kinds[0].multilingual_embedded == 1, "only the new sentence is encoded"


def test_a_write_reads_the_whole_kind_when_the_live_bundle_cannot_serve(
    settings: Settings, encoder: HashingEncoder, corpus
) -> None:
    from matchmaker.services.indexing import WrittenRecords

    everything = corpus["city"]
    change = WrittenRecords((everything[0],), frozenset(r.id for r in everything), lambda: everything)
    assert change.against(None) == (everything, None), "no live bundle yet"
    index_records(settings, {"city": everything[:1]}, encoder=encoder, progress=QUIET)
    partial = load_bundle(settings.index_dir, "city", model_name=encoder.name)
    assert change.against(partial) == (everything, None), "the live bundle lacks a document"
    index_records(settings, {"city": everything}, encoder=encoder, progress=QUIET)
    full = load_bundle(settings.index_dir, "city", model_name=encoder.name)
    records, unchanged = change.against(full)
    assert records == (everything[0],)
    assert unchanged == {r.id: full.documents[r.id].doc_hash for r in everything[1:]}


def test_the_status_reads_again_only_the_kinds_written_since_it_last_looked(
    tmp_path, encoder: HashingEncoder, monkeypatch
) -> None:
    from matchmaker.db import repository

    settings = Settings(home=tmp_path, model_name=encoder.name)
    database = _database_with_cities(settings, {"kukes": "Floods."})
    indexes = IndexService(settings, database, encoder=encoder)
    try:
        indexes.rebuild(progress=QUIET)
        assert {s.kind: (s.stale, s.documents_in_db) for s in indexes.status()} == {
            "city": (False, 1),
            "provider": (False, 0),
            "case": (False, 0),
        }
        read = _whole_kind_reads(monkeypatch)
        assert all(s.stale is False for s in indexes.status())
        assert read == [], "nothing was written: nothing is read"
        with database.unit_of_work() as session:  # a write that did not refresh the index
            repository.upsert_city(session, CityCreate(id="osh", name="Osh", country="KG", summary="Waste."))
        statuses = {s.kind: s for s in indexes.status()}
        assert read == [["city"]]
        assert statuses["city"].stale is True
        assert statuses["city"].documents_in_db == 2
    finally:
        database.dispose()
