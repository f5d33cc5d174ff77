"""Fixtures for the embedding unit tests: a hashing encoder, a private home, a tiny corpus."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from matchmaker.db.models import CasePublic, CityPublic, ProviderPublic, SolutionPublic
from matchmaker.embeddings.fake import HashingEncoder
from matchmaker.embeddings.passages import DocKind, Record
from matchmaker.settings import Settings


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder(dimension=64)


@pytest.fixture
def settings(tmp_path: Path, encoder: HashingEncoder) -> Settings:
    return Settings(home=tmp_path / "home", model_name=encoder.name)


def _make_city(city_id: str, summary: str, challenges: list[str] | None = None) -> CityPublic:
    return CityPublic(
        id=city_id, name=city_id.title(), country="AL", summary=summary, challenges=challenges or []
    )


def _make_provider(
    provider_id: str, description: str, solutions: tuple[tuple[str, str], ...] | list[tuple[str, str]] = ()
) -> ProviderPublic:
    return ProviderPublic(
        id=provider_id,
        name=provider_id.title(),
        country="TR",
        description=description,
        solutions=[SolutionPublic(title=t, description=d) for t, d in solutions],
    )


def _make_case(case_id: str, title: str, text: str) -> CasePublic:
    return CasePublic(id=case_id, title=title, city="Valladolid", country="ES", text=text)


@pytest.fixture
def make_city() -> Callable[..., CityPublic]:
    return _make_city


@pytest.fixture
def make_provider() -> Callable[..., ProviderPublic]:
    return _make_provider


@pytest.fixture
def make_case() -> Callable[..., CasePublic]:
    return _make_case


@pytest.fixture
def corpus() -> dict[DocKind, list[Record]]:
    return {
        "city": [
            _make_city(
                "kukes",
                "Kukës is a small city in northern Albania. Flooding hits the old town every spring. "
                "There is no open data portal.",
                ["Traffic congestion in the centre", "No budget for capital expenditure"],
            ),
            _make_city("osh", "Ош — второй по величине город Кыргызстана. Уличное освещение устарело."),
        ],
        "provider": [
            _make_provider(
                "acme",
                "Acme builds software for municipalities.",
                [
                    (
                        "Open data portal",
                        "A CKAN portal that publishes municipal datasets. Deployed in Antalya.",
                    ),
                    ("Flood early warning", "River level sensors and SMS alerts for flooding."),
                ],
            ),
            _make_provider("lumen", "Lumen replaces street lighting with LED under ESCO contracts."),
        ],
        "case": [
            _make_case(
                "valladolid-lighting",
                "Smart street lighting in Valladolid",
                "The city replaced 20,000 street lights with LED. Energy use fell by 40%.",
            )
        ],
    }
