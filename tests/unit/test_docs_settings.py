"""docs/deploy.md names every setting an operator can give."""

from __future__ import annotations

import re
from pathlib import Path

from matchmaker.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def test_every_setting_is_in_the_deployment_guide() -> None:
    text = DEPLOY.read_text(encoding="utf-8")
    named = set(re.findall(r"`MATCHMAKER_([A-Z_]+)`", text))
    # `MATCHMAKER_SHORTLIST_PER_NEED`, `_LEXICAL_PER_NEED` names a family in one row.
    for family, tails in re.findall(r"`MATCHMAKER_([A-Z]+)_[A-Z_]+`((?:, `_[A-Z_]+`)+)", text):
        named |= {family + tail for tail in re.findall(r"`(_[A-Z_]+)`", tails)}
    missing = [f"MATCHMAKER_{name.upper()}" for name in Settings.model_fields if name.upper() not in named]
    assert not missing, f"docs/deploy.md does not name {', '.join(missing)}"
