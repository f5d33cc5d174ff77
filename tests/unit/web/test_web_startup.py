"""Start-up: `/health` answers while the model loads; `/ready` says "loading" until it is loaded."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from litestar.testing import TestClient

from matchmaker.embeddings.encoder import Encoder
from matchmaker.errors import ConfigurationError
from matchmaker.services import indexing
from matchmaker.services.container import Services
from matchmaker.settings import Settings
from matchmaker.web import create_app

RECORDS = {
    "cities": {"id": "kukes", "name": "Kukës", "country": "AL", "summary": "Floods and no open data."},
    "providers": {"id": "acme", "name": "Acme", "country": "AL", "description": "Flood sensors."},
    "cases": {"id": "c1", "title": "Sensors", "city": "Tirana", "country": "AL", "text": "River sensors."},
}


def _seed(settings: Settings, folder: Path) -> None:
    folder.mkdir()
    for name, record in RECORDS.items():
        (folder / f"{name}.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    services = Services.build(settings)
    try:
        assert services.corpus.ingest_paths([folder]).exit_code == 0
    finally:
        services.close()


def test_health_answers_and_ready_says_loading_until_the_model_is_loaded(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(home=home, model_name="hashing-64")
    _seed(settings, tmp_path / "corpus")

    release = threading.Event()
    real_load = indexing.load_encoder

    def slow_load(settings: Settings) -> Encoder:
        assert release.wait(30), "the test never released the model"
        return real_load(settings)

    monkeypatch.setattr(indexing, "load_encoder", slow_load)
    app = create_app(settings, load_in_background=True)
    with TestClient(app) as client:
        # The lifespan returned although the model is still loading: the process serves.
        assert client.get("/health").status_code == 200
        loading = client.get("/ready")
        assert loading.status_code == 503
        assert loading.json()["status"] == "loading"

        release.set()
        assert app.state.services.matching.wait_until_loaded(30)
        ready = client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready"


def test_without_background_loading_start_up_waits_for_the_model(home: Path) -> None:
    settings = Settings(home=home, model_name="hashing-64")
    with TestClient(create_app(settings)) as client:
        assert client.app.state.services.indexes.encoder_if_loaded() is not None
        assert client.get("/ready").json()["status"] == "not_ready"  # no corpus ingested yet


def test_an_app_given_started_services_loads_the_model_once(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(home=home, model_name="hashing-64")
    _seed(settings, tmp_path / "corpus")
    loads: list[str] = []
    real_load = indexing.load_encoder

    def counted_load(settings: Settings) -> Encoder:
        loads.append(settings.model_name)
        return real_load(settings)

    monkeypatch.setattr(indexing, "load_encoder", counted_load)
    services = Services.build(settings)
    try:
        first = services.matching.start_in_background()
        with TestClient(create_app(services=services, load_in_background=True)) as client:
            assert services.matching.start_in_background() is first
            assert services.matching.wait_until_loaded(30)
            assert client.get("/ready").status_code == 200
        assert loads == ["hashing-64"]
    finally:
        services.close()


def test_the_server_does_not_start_with_a_pdf_font_it_cannot_use(tmp_path: Path, home: Path) -> None:
    """An operator learns at start-up that the named font is wrong, not from PDFs in the fallback font."""
    missing = tmp_path / "fonts" / "Agenda.ttf"
    refused = f"MATCHMAKER_PDF_FONT cannot be used: {missing} does not exist"
    with pytest.raises(ConfigurationError, match=refused):
        create_app(Settings(home=home, model_name="hashing-64", pdf_font=missing))
