"""Instances that hold only some kinds, or nothing indexed yet: clear errors, the rest still works."""

from __future__ import annotations

from pathlib import Path

import pytest

from matchmaker.errors import IndexUnavailableError
from matchmaker.settings import Settings
from services_support import ingest, services_for


@pytest.fixture
def cities_only(settings: Settings, tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    folder = tiny_corpus
    (folder / "providers.jsonl").unlink()
    (folder / "cases.jsonl").unlink()
    report = ingest(settings, [folder])
    assert report.exit_code == 0
    return settings


def test_nothing_indexed_is_an_index_error(settings: Settings) -> None:
    with services_for(settings) as services, pytest.raises(IndexUnavailableError, match="index"):
        services.matching.matcher().providers_for_city("lumen")


def test_cities_without_providers_or_cases(cities_only: Settings) -> None:
    with services_for(cities_only) as services:
        matcher = services.matching.matcher()
        with pytest.raises(IndexUnavailableError, match="provider"):
            matcher.providers_for_city("lumen")
        with pytest.raises(IndexUnavailableError, match="case"):
            matcher.cases_for_city("lumen")
        ids = [r.id for r in matcher.cities_for_city("lumen", top=10).results]
        assert sorted(ids) == ["kent", "rivo", "verde"]
