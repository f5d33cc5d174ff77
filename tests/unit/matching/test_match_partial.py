"""Instances that hold only some kinds, or nothing indexed yet: clear errors, the rest still works."""

from __future__ import annotations

from pathlib import Path

import pytest

from matchmaker.errors import IndexUnavailableError
from matchmaker.services import corpus as corpus_service
from matchmaker.services.indexing_hook import refresh_after_ingest
from matchmaker.services.matching import Matcher
from matchmaker.settings import Settings


@pytest.fixture
def cities_only(settings: Settings, tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    folder = tiny_corpus
    (folder / "providers.jsonl").unlink()
    (folder / "cases.jsonl").unlink()
    report = corpus_service.ingest_paths(settings, [folder], refresh_index=refresh_after_ingest)
    assert report.exit_code == 0
    return settings


def test_nothing_indexed_is_an_index_error(settings: Settings) -> None:
    with pytest.raises(IndexUnavailableError, match="index"):
        Matcher.for_settings(settings).providers_for_city("lumen")


def test_cities_without_providers_or_cases(cities_only: Settings) -> None:
    matcher = Matcher.for_settings(cities_only)
    with pytest.raises(IndexUnavailableError, match="provider"):
        matcher.providers_for_city("lumen")
    with pytest.raises(IndexUnavailableError, match="case"):
        matcher.cases_for_city("lumen")
    ids = [r.id for r in matcher.cities_for_city("lumen", top=10).results]
    assert sorted(ids) == ["kent", "rivo", "verde"]
