"""The API over the real bundled model: loaded once at start-up, ready, and answering queries (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar.testing import TestClient
from web_support import DEMO_DIR

from matchmaker.settings import BUNDLED_MODEL, Settings
from matchmaker.web import create_app
from services_support import add_user, ingest

SLICE = {
    "cities": {"kukes", "ferizaj", "shkoder", "osh"},
    "providers": {
        "prov-adresa-lab",
        "prov-lumicity",
        "prov-enerko-esco",
        "prov-kentiz-ulasim",
        "prov-busradar",
    },
    "cases": {"case-ferizaj-addresses", "case-tuzla-led", "case-bursa-bus-info", "case-osh-waste-routes"},
}


@pytest.mark.slow
def test_real_model_serves_matches(tmp_path: Path, home: Path) -> None:
    folder = tmp_path / "slice"
    folder.mkdir()
    for name, wanted in SLICE.items():
        lines = (DEMO_DIR / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.strip() and json.loads(line)["id"] in wanted]
        (folder / f"{name}.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    settings = Settings(home=home)
    assert settings.model_name == BUNDLED_MODEL
    report = ingest(settings, [folder])
    assert report.exit_code == 0, report.rejections
    city = {"Authorization": f"Bearer {add_user(settings, 'city', 'kukes').token}"}

    with TestClient(create_app(settings)) as client:
        runtime = client.app.state.services.matching
        encoder = runtime.indexes.encoder_if_loaded()
        assert encoder is not None  # loaded by the lifespan, before the first request
        assert runtime._matcher is not None
        ready = client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["model"] == BUNDLED_MODEL

        providers = client.get("/api/v1/match/providers?top=3", headers=city).json()
        assert providers["query"] == "kukes"
        assert len(providers["results"]) == 3
        assert all(item["explanation"] for item in providers["results"])
        found = client.get(
            "/api/v1/search/cases?q=houses%20without%20street%20numbers&top=2", headers=city
        ).json()
        assert found["results"][0]["id"] == "case-ferizaj-addresses"
        assert client.app.state.services.indexes.encoder_if_loaded() is encoder  # the same model served both
