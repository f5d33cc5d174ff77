"""Loading the real model prints no progress bars when standard error is not a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
from matchmaker.settings import Settings
from matchmaker.embeddings.encoder import load_encoder
encoder = load_encoder(Settings())
print(encoder.encode(["street lighting", "flood warning"]).shape)
"""


@pytest.mark.slow
def test_model_loading_draws_no_bars_into_a_pipe(home: Path) -> None:
    env = {**os.environ, "MATCHMAKER_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
    env.pop("MATCHMAKER_MODEL_NAME", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=False, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(2, 384)"
    assert "Loading weights" not in done.stderr
    assert "it/s" not in done.stderr
    assert "\r" not in done.stderr
