"""What several server processes share through the database: rate budgets and index generations."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from clock_support import RateClock
from matchmaker.db.engine import Database
from matchmaker.db.models import CityCreate
from matchmaker.embeddings.fake import HashingEncoder
from matchmaker.services.indexing import IndexService
from matchmaker.services.ratelimit import RateLimiter
from matchmaker.settings import Settings
from services_support import ingest, stored_records

DEMO_DIR = Path(__file__).resolve().parents[3] / "corpora" / "demo"


@pytest.mark.postgres
def test_two_limiters_on_one_postgresql_share_one_budget(
    pg_url: str, home: Path, rate_clock: RateClock
) -> None:
    settings = Settings(home=home, database_url=pg_url)
    first, second = Database(settings), Database(settings)
    try:
        a = RateLimiter.for_database(3, first)
        b = RateLimiter.for_database(3, second)
        assert a.shared
        assert [a.hit("user:1"), b.hit("user:1"), a.hit("user:1")] == [None, None, None]
        wait = b.hit("user:1")
        assert wait is not None
        assert 1 <= wait <= 60
        assert a.hit("user:2") is None  # another caller has a budget of its own
    finally:
        first.dispose()
        second.dispose()


def _assert_the_edit_is_live(services: Any) -> None:
    """The case index of ``services`` is fresh, its live bundle the newest recorded, with the edit in it."""
    [case_index] = services.indexes.status(["case"])
    assert case_index.stale is False
    bundle = services.indexes.index_store().get("case")
    assert bundle.generation == services.indexes.newest_generations()["case"]
    assert any("Tidal flooding." in p.text for p in bundle.passages)


@pytest.mark.postgres
def test_failures_counted_by_one_process_bound_the_others(
    pg_url: str, home: Path, rate_clock: RateClock
) -> None:
    settings = Settings(home=home, database_url=pg_url)
    first, second = Database(settings), Database(settings)
    try:
        a = RateLimiter.for_database(2, first)
        b = RateLimiter.for_database(2, second)
        assert b.wait("signin:addr:203.0.113.5") is None
        assert [a.hit("signin:addr:203.0.113.5"), a.hit("signin:addr:203.0.113.5")] == [None, None]
        wait = b.wait("signin:addr:203.0.113.5")
        assert wait is not None
        assert 1 <= wait <= 60
        assert b.wait("signin:addr:198.51.100.7") is None
    finally:
        first.dispose()
        second.dispose()


def test_sqlite_counts_in_memory(home: Path) -> None:
    database = Database(Settings(home=home))
    try:
        limiter = RateLimiter.for_database(1, database)
        assert not limiter.shared
        assert limiter.hit("k") is None
        assert limiter.hit("k") is not None
    finally:
        database.dispose()


def test_a_store_follows_the_generation_recorded_in_the_database(db_settings: Settings) -> None:
    encoder = HashingEncoder(dimension=64)
    report = ingest(db_settings, [DEMO_DIR], encoder=encoder)
    assert report.exit_code == 0
    database = Database(db_settings)
    try:
        indexes = IndexService(db_settings, database, encoder=encoder)
        newest = indexes.newest_generations()
        assert set(newest) == {"city", "provider", "case"}
        # A store that would not look at the CURRENT pointer again for an hour.
        store = indexes.index_store()
        store.check_interval = 3600.0
        before = store.get("city")
        assert before.generation == newest["city"]

        with stored_records(db_settings) as records:
            records.create(
                "city",
                CityCreate(id="ledger-town", name="Ledger Town", country="AL", summary="Flooded streets."),
            )
        indexes.refresh(["city"])
        recorded = indexes.newest_generations()["city"]
        assert recorded != before.generation

        store.follow(indexes.newest_generations, interval=0.0)
        after = store.get("city")
        assert after.generation == recorded
        assert "ledger-town" in after
    finally:
        database.dispose()


def test_corpus_hashes_are_kept_until_any_process_writes(
    db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readiness asks for the corpus hashes on every call: they are kept while nothing is written (no
    record is read) and recomputed after any write to the records (made elsewhere, not indexed), always
    equal to a fresh computation."""
    from matchmaker.db import repository
    from matchmaker.db.models import ProviderCreate
    from matchmaker.services import indexing

    reads: list[int] = []
    load_records = indexing.load_records

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return load_records(*args, **kwargs)

    monkeypatch.setattr(indexing, "load_records", counted)

    database = Database(db_settings)
    try:
        with database.unit_of_work(write=True) as session:
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
        server = IndexService(db_settings, database)

        def fresh() -> dict[str, str]:
            return IndexService(db_settings, database).corpus_hashes()

        seen = [server.corpus_hashes()]
        assert len(reads) == 1
        assert server.corpus_hashes() == seen[0]
        assert server.corpus_hashes() == seen[0]
        assert len(reads) == 1  # nothing written: nothing read again
        assert seen[0] == fresh()

        def changed(write: object) -> None:
            with database.unit_of_work(write=True) as session:
                write(session)  # type: ignore[operator]
            now = server.corpus_hashes()
            assert now == fresh()
            assert now != seen[-1]
            seen.append(now)

        changed(lambda s: repository.update_city(s, "kukes", {"summary": "Drought every summer."}))
        changed(
            lambda s: repository.update_provider(
                s, "acme", {"solutions": [{"title": "Drought alerts", "description": "Soil sensors."}]}
            )
        )
        changed(
            lambda s: repository.upsert_city(
                s, CityCreate(id="tirana", name="Tirana", country="AL", summary="Traffic.")
            )
        )
        changed(lambda s: repository.delete_record(s, "city", "tirana"))
        assert seen[-1] == seen[-3]  # the records are back to what they were before Tirana
        assert server.corpus_hashes() == seen[-1]
    finally:
        database.dispose()


def test_an_edit_made_while_a_rebuild_embeds_another_kind_stays_in_the_index(
    db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild of every kind embeds one kind after the other; a case edited (through another worker)
    while the cities are embedded is in the case index the rebuild then publishes, not undone by it."""
    from matchmaker.services import indexing
    from matchmaker.services.container import Services

    encoder = HashingEncoder(dimension=64)
    assert ingest(db_settings, [DEMO_DIR], encoder=encoder).exit_code == 0
    rebuilder = Services.build(db_settings, encoder=encoder)
    editor = Services.build(db_settings, encoder=encoder)
    build_bundle = indexing.build_bundle
    edited: list[str] = []

    def edit_a_case() -> None:
        with editor.database.unit_of_work(write=True) as session:
            case = editor.records(session).update("case", "case-antalya-signals", {"text": "Tidal flooding."})
            edited.append(str(case.model_dump()["text"]))

    def build_then_edit(kind: str, *args: Any, **kwargs: Any) -> Any:
        if kind == "city" and not edited:
            worker = threading.Thread(target=edit_a_case)  # another worker's request
            worker.start()
            worker.join(timeout=30)
        return build_bundle(kind, *args, **kwargs)

    monkeypatch.setattr(indexing, "build_bundle", build_then_edit)
    try:
        rebuilder.indexes.rebuild()
        assert edited == ["Tidal flooding."]
        _assert_the_edit_is_live(rebuilder)
    finally:
        rebuilder.close()
        editor.close()


@pytest.mark.postgres
def test_a_rebuild_published_between_an_edits_index_and_its_commit_does_not_undo_it(
    pg_url: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit publishes its kind's bundle, then commits. A rebuild on another worker that publishes in
    between read the records before the commit: the edit is indexed again on top of it."""
    from matchmaker.db import workers
    from matchmaker.services.container import Services

    settings = Settings(home=home, database_url=pg_url, model_name="hashing-64")
    encoder = HashingEncoder(dimension=64)
    assert ingest(settings, [DEMO_DIR], encoder=encoder).exit_code == 0
    rebuilder = Services.build(settings, encoder=encoder)
    editor = Services.build(settings, encoder=encoder)
    record_generation = workers.record_generation
    rebuilt: list[str] = []

    def rebuild_before_the_commit(session: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is threading.main_thread() and not rebuilt:
            rebuilt.append(kwargs["kind"])
            other = threading.Thread(target=lambda: rebuilder.indexes.rebuild(["case"]))  # another worker
            other.start()
            other.join(timeout=30)
        return record_generation(session, **kwargs)

    monkeypatch.setattr(workers, "record_generation", rebuild_before_the_commit)
    try:
        with editor.database.unit_of_work(write=True) as session:
            editor.records(session).update("case", "case-antalya-signals", {"text": "Tidal flooding."})
        assert rebuilt == ["case"]
        _assert_the_edit_is_live(rebuilder)
    finally:
        rebuilder.close()
        editor.close()


@pytest.mark.postgres
def test_a_rebuild_that_read_before_an_edits_commit_and_publishes_after_it_does_not_undo_it(
    pg_url: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild on another worker reads the records after an edit published its bundle but before the
    edit commits, and publishes once the edit has committed: the edit is indexed again on top of it."""
    from sqlalchemy import event

    from matchmaker.db import workers
    from matchmaker.services import indexing
    from matchmaker.services.container import Services

    settings = Settings(home=home, database_url=pg_url, model_name="hashing-64")
    encoder = HashingEncoder(dimension=64)
    assert ingest(settings, [DEMO_DIR], encoder=encoder).exit_code == 0
    rebuilder = Services.build(settings, encoder=encoder)
    editor = Services.build(settings, encoder=encoder)
    record_generation, load_records = workers.record_generation, indexing.load_records
    read, committed = threading.Event(), threading.Event()
    other = threading.Thread(target=lambda: rebuilder.indexes.rebuild(["case"]))  # another worker

    def rebuild_reads_before_the_commit(session: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is threading.main_thread() and other.ident is None:  # not started yet
            other.start()
            assert read.wait(timeout=30)
        return record_generation(session, **kwargs)

    def read_then_wait_for_the_commit(*args: Any, **kwargs: Any) -> Any:
        records = load_records(*args, **kwargs)
        if threading.current_thread() is other:
            read.set()
            assert committed.wait(timeout=30)
        return records

    monkeypatch.setattr(workers, "record_generation", rebuild_reads_before_the_commit)
    monkeypatch.setattr(indexing, "load_records", read_then_wait_for_the_commit)
    try:
        with editor.database.unit_of_work(write=True) as session:
            event.listen(session, "after_commit", lambda _: committed.set())
            editor.records(session).update("case", "case-antalya-signals", {"text": "Tidal flooding."})
        other.join(timeout=30)
        assert read.is_set()
        _assert_the_edit_is_live(rebuilder)
    finally:
        rebuilder.close()
        editor.close()
