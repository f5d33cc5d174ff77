"""A tiny corpus ingested into a private home with the hashing encoder, and a matcher over it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from matchmaker.services.container import Services
from matchmaker.services.matching import Matcher
from matchmaker.settings import Settings
from services_support import ingest

CITIES: list[dict[str, Any]] = [
    {
        "id": "lumen",
        "name": "Lumen",
        "country": "AL",
        "population": 40000,
        "language": "en",
        "summary": (
            "Lumen is a small mountain town.\n"
            "- Street lighting uses old sodium lamps and the electricity bill for lighting is very high.\n"
            "- The municipality has no capital budget to replace the lamps.\n"
            "Working languages Albanian and English."
        ),
        "focal_point": {
            "name": "Secret Person",
            "email": "secret.person@lumen.example.org",
            "phone": "+355 1",
        },
    },
    {
        "id": "verde",
        "name": "Verde",
        "country": "ME",
        "population": 60000,
        "language": "en",
        "summary": (
            "Verde is a coastal town.\n"
            "- Public lighting is outdated and street lamps waste electricity.\n"
            "- Garbage trucks follow the same routes for years and bins overflow in summer."
        ),
    },
    {
        "id": "rivo",
        "name": "Rivo",
        "country": "RS",
        "population": 30000,
        "language": "en",
        "summary": (
            "Rivo sits on a river.\n"
            "- The river floods every spring and residents are warned too late.\n"
            "- The town had no money for an early warning system."
        ),
    },
    {
        "id": "kent",
        "name": "Kent Belediyesi",
        "country": "TR",
        "population": 80000,
        "language": "tr",
        "summary": "Sokak aydınlatması eski lambalarla yapılıyor ve elektrik faturası çok yüksek. Bütçe yok.",
    },
]

PROVIDERS: list[dict[str, Any]] = [
    {
        "id": "prov-brightway",
        "name": "Brightway Lighting",
        "country": "TR",
        "description": (
            "LED street lighting replacement financed from the electricity savings "
            "(energy performance contract)."
        ),
        "languages": ["en", "sq", "tr"],
        "regions_served": ["Western Balkans", "Türkiye"],
        "solutions": [
            {
                "title": "LED street lights",
                "description": "Replace old lamps, cut the lighting electricity bill.",
                "domains": ["energy_buildings"],
                "deployed_in": ["Verde"],
            }
        ],
    },
    {
        "id": "prov-farlight",
        "name": "Farlight",
        "country": "US",
        "description": "LED street lighting and lamp replacement for large cities. Purchased up front.",
        "languages": ["en"],
        "regions_served": ["North America"],
        "solutions": [{"title": "Street lamps", "description": "LED lamps for street lighting."}],
    },
    {
        "id": "prov-binroute",
        "name": "BinRoute",
        "country": "LT",
        "description": "Waste collection route optimisation for garbage trucks, with fill sensors in bins.",
        "languages": ["en"],
        "regions_served": ["global"],
        "solutions": [{"title": "Route planner", "description": "Garbage truck routes and bin sensors."}],
    },
    {
        "id": "prov-floodwatch",
        "name": "FloodWatch",
        "country": "RS",
        "description": "River flood early warning: water level sensors and SMS alerts to residents.",
        "languages": ["en", "sr"],
        "regions_served": ["Western Balkans"],
        "solutions": [{"title": "Flood alerts", "description": "Early warning of river floods by SMS."}],
    },
    {
        "id": "prov-taxcloud",
        "name": "TaxCloud",
        "country": "DE",
        "description": "Property tax billing software for municipal finance departments.",
        "languages": ["en", "de"],
        "regions_served": ["global"],
    },
]

CASES: list[dict[str, Any]] = [
    {
        "id": "case-verde-led",
        "title": "Verde: LED street lighting without a capital budget",
        "city": "Verde",
        "country": "ME",
        "text": "Verde replaced its old street lamps with LED lights. The town had no capital budget, so an "
        "energy performance contract repaid the investment from electricity savings.",
        "obstacles": ["funding"],
        "domains": ["energy_buildings"],
        "city_id": "verde",
    },
    {
        "id": "case-rivo-flood",
        "title": "Rivo: river flood warnings by SMS",
        "city": "Rivo",
        "country": "RS",
        "text": "Rivo installed water level sensors on the river and warns residents of floods by SMS.",
        "obstacles": ["funding"],
        "domains": ["safety_disaster"],
    },
    {
        "id": "case-port-bins",
        "title": "Port: smarter garbage collection routes",
        "city": "Port",
        "country": "HR",
        "text": "Port optimised garbage truck routes with fill sensors in bins, so bins no longer overflow.",
        "domains": ["utilities_infrastructure"],
    },
]


def write_corpus(folder: Path, cities: list[dict[str, Any]] = CITIES) -> Path:
    """Write the tiny corpus as JSON Lines files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("cities", cities), ("providers", PROVIDERS), ("cases", CASES)):
        (folder / f"{name}.jsonl").write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
        )
    return folder


@pytest.fixture
def settings(home: Path) -> Settings:
    """This test's settings: its private home and the hashing encoder."""
    return Settings(home=home, model_name="hashing-64")


@pytest.fixture(scope="session")
def _template_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny corpus ingested and indexed once per session; tests get a copy."""
    home = tmp_path_factory.mktemp("matching-template") / "home"
    folder = write_corpus(tmp_path_factory.mktemp("matching-corpus"))
    settings = Settings(home=home, model_name="hashing-64")
    report = ingest(settings, [folder])  # the container is closed, so the copy is complete
    assert report.exit_code == 0, report.rejections
    return home


@pytest.fixture
def loaded(settings: Settings, _template_home: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The tiny corpus stored and indexed in this test's own home (a copy of the session template)."""
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", "hashing-64")
    shutil.copytree(_template_home, settings.home, dirs_exist_ok=True)
    return settings


@pytest.fixture
def loaded_services(loaded: Settings) -> Iterator[Services]:
    """The service container over :func:`loaded` (built after the copy), closed after the test."""
    services = Services.build(loaded)
    yield services
    services.close()


@pytest.fixture
def matcher(loaded_services: Services) -> Matcher:
    return loaded_services.matching.matcher()


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """The tiny corpus written as JSON Lines files into a fresh folder."""
    return write_corpus(tmp_path / "corpus")
