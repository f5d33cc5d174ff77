"""A slice of the demo corpus indexed once with the real bundled model, for the matching tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from matchmaker.embeddings.encoder import Encoder, load_encoder
from matchmaker.services.container import Services
from matchmaker.services.matching import Matcher
from matchmaker.settings import Settings
from services_support import ingest

DEMO = Path(__file__).resolve().parents[3] / "corpora" / "demo"

SLICE = {
    "cities": {"kukes", "kamez", "shkoder", "podgorica", "osh", "ferizaj", "karaganda"},
    "providers": {
        "prov-adresa-lab", "prov-geoatlas", "prov-lumicity", "prov-enerko-esco", "prov-balkan-esco",
        "prov-kentiz-ulasim", "prov-busradar", "prov-parkpal", "prov-taxgrid", "prov-cybershield",
        "prov-steppe-gis", "prov-atlas-releves", "prov-eleje-sistem", "prov-visitflow", "prov-gridheat",
    },
    "cases": {
        "case-ferizaj-addresses", "case-izmir-leaks", "case-yangiobod-water", "case-bursa-bus-info",
        "case-tuzla-led", "case-kayseri-card", "case-pendik-ransomware", "case-osh-waste-routes",
    },
}  # fmt: skip


@pytest.fixture(scope="session")
def real_encoder(tmp_path_factory: pytest.TempPathFactory) -> Encoder:
    """The default encoder of the settings (the bundled MiniLM), loaded once per session."""
    return load_encoder(Settings(home=tmp_path_factory.mktemp("encoder-home")))


@pytest.fixture(scope="session")
def demo_slice_settings(tmp_path_factory: pytest.TempPathFactory, real_encoder: Encoder) -> Settings:
    """A home with a slice of the demo corpus stored and indexed with the real model."""
    folder = tmp_path_factory.mktemp("demo-slice")
    for name, wanted in SLICE.items():
        lines = (DEMO / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.strip() and json.loads(line)["id"] in wanted]
        (folder / f"{name}.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    settings = Settings(home=tmp_path_factory.mktemp("home"), model_name=real_encoder.name)
    report = ingest(settings, [folder], encoder=real_encoder)
    assert report.exit_code == 0, report.rejections
    return settings


@pytest.fixture(scope="session")
def demo_slice_services(demo_slice_settings: Settings, real_encoder: Encoder) -> Iterator[Services]:
    """The service container over :func:`demo_slice_settings`, sharing the loaded model."""
    services = Services.build(demo_slice_settings, encoder=real_encoder)
    yield services
    services.close()


@pytest.fixture(scope="session")
def real_matcher(demo_slice_services: Services) -> Matcher:
    return demo_slice_services.matching.matcher()
