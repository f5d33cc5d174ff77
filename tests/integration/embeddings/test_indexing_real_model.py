"""With the real model: a tiny database is indexed, searched, and refreshed without re-embedding."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from matchmaker.db import repository
from matchmaker.db.engine import Database
from matchmaker.db.models import CaseCreate, CityCreate, ProviderCreate
from matchmaker.embeddings import IndexStore
from matchmaker.embeddings.encoder import Encoder
from matchmaker.embeddings.progress import NullProgress
from matchmaker.services.indexing import IndexService
from matchmaker.settings import BUNDLED_MODEL, Settings

pytestmark = pytest.mark.slow

CITIES = [
    CityCreate(
        id="kukes",
        name="Kukës",
        country="AL",
        summary="Kukës is a small city in northern Albania. The river floods the lower districts every "
        "spring and residents get no warning. The municipality has no open data portal.",
        challenges=["Flood risk in the lower districts", "Old diesel bus fleet"],
    ),
    CityCreate(
        id="osh",
        name="Osh",
        country="KG",
        summary="Osh has heavy traffic congestion in the centre. Street lighting is old and consumes a lot "
        "of energy.",
    ),
]
PROVIDERS = [
    ProviderCreate(
        id="hydrowatch",
        name="HydroWatch",
        country="TR",
        description="HydroWatch is a start-up from İzmir.",
        solutions=[
            {
                "title": "Flood early warning system",
                "description": "River level sensors send SMS alerts to residents before a flood. "
                "Deployed in Edirne.",
            }
        ],
    ),
    ProviderCreate(
        id="lumen",
        name="Lumen",
        country="TR",
        description="Lumen replaces street lights with LED luminaires under energy-performance contracts.",
    ),
    ProviderCreate(
        id="datagov",
        name="DataGov",
        country="TR",
        description="We publish municipal datasets through an open data portal built on CKAN.",
    ),
]
CASES = [
    CaseCreate(
        id="valladolid-lighting",
        title="Smart street lighting in Valladolid",
        city="Valladolid",
        country="ES",
        text="The city replaced 20,000 street lights with LED. Energy use fell by 40 percent.",
    )
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    """This test's database, holding the records above."""
    database = Database(settings)
    with database.unit_of_work() as session:
        for city in CITIES:
            repository.upsert_city(session, city)
        for provider in PROVIDERS:
            repository.upsert_provider(session, provider)
        for case in CASES:
            repository.upsert_case(session, case)
    yield database
    database.dispose()


@pytest.fixture
def indexes(settings: Settings, database: Database, real_encoder: Encoder) -> IndexService:
    """The index service over the database above, sharing the loaded model."""
    return IndexService(settings, database, encoder=real_encoder)


def test_bundled_model_loads_offline(real_encoder: Encoder) -> None:
    assert real_encoder.name == BUNDLED_MODEL
    assert real_encoder.dimension == 384
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    vectors = real_encoder.encode(["flooding", "flooding", "open data"])
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-5)


def test_build_search_and_noop_refresh(
    settings: Settings, real_encoder: Encoder, indexes: IndexService
) -> None:
    report = indexes.rebuild(progress=NullProgress())
    assert {k.kind: k.documents for k in report.kinds} == {"city": 2, "provider": 3, "case": 1}

    store = IndexStore.for_settings(settings, real_encoder)
    providers = store.get("provider")
    query = real_encoder.encode(["warn residents before the river floods"])
    best = providers.search(query, k=1)[0][0]
    assert best.passage.doc_id == "hydrowatch"
    assert best.passage.field == "solution:0"

    # Each need passage of Kukës finds the provider whose capability answers it.
    city = store.get("city")
    passages = city.document_passages("kukes")
    hits = providers.search_documents(city.document_vectors("kukes"), k=1)
    by_text = {p.text: h[0].doc_id for p, h in zip(passages, hits, strict=True)}
    assert by_text["The municipality has no open data portal."] == "datagov"
    assert by_text["Flood risk in the lower districts"] == "hydrowatch"

    cases = store.get("case").search_documents(real_encoder.encode(["old energy hungry street lights"]), k=1)
    assert cases[0][0].doc_id == "valladolid-lighting"

    again = indexes.refresh(progress=NullProgress())
    assert again.embedded == 0
    assert not again.changed
    assert all(s.stale is False for s in indexes.status())


def test_editing_one_record_reembeds_only_new_text(database: Database, indexes: IndexService) -> None:
    indexes.rebuild(progress=NullProgress())
    with database.unit_of_work() as session:
        changed = CITIES[1].model_copy(
            update={"summary": CITIES[1].summary + " Air quality is poor in winter."}
        )
        repository.upsert_city(session, changed)
    report = indexes.refresh(progress=NullProgress())
    by_kind = {k.kind: k for k in report.kinds}
    assert by_kind["city"].embedded == 1
    assert by_kind["provider"].embedded == 0
    assert by_kind["case"].embedded == 0


def test_cli_build_and_status(
    settings: Settings, database: Database, real_encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHMAKER_HOME", str(settings.home))
    from matchmaker.cli import app

    runner = CliRunner()
    built = runner.invoke(app, ["index", "build", "--json"])
    assert built.exit_code == 0, built.output
    report = json.loads(built.stdout.strip().splitlines()[-1])
    assert sum(k["documents"] for k in report["kinds"]) == 6
    status = runner.invoke(app, ["index", "status", "--json"])
    assert status.exit_code == 0, status.output
    lines = [json.loads(line) for line in status.stdout.splitlines()]
    assert all(line["present"] and line["stale"] is False for line in lines)
    assert {line["manifest"]["model_name"] for line in lines} == {BUNDLED_MODEL}


def test_unknown_model_fails_fast_without_downloading() -> None:
    from matchmaker.embeddings.encoder import SentenceTransformerEncoder
    from matchmaker.errors import IndexUnavailableError

    with pytest.raises(IndexUnavailableError, match="without network access") as refused:
        SentenceTransformerEncoder("no-such-org/no-such-model")
    # One line an operator can act on, not the library's advice to check the internet connection.
    assert "\n" not in refused.value.message
    assert "it is not a local directory, nor a model in the local cache" in refused.value.message
    assert "huggingface.co" not in refused.value.message
