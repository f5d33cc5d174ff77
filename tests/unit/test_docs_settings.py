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


SRC = Path(__file__).resolve().parents[2] / "src"


def _settings_table(text: str) -> set[str]:
    """The variables the rows of the guide's "Every setting" table name (a family's tails included)."""
    section = text.split("\n## Every setting\n", 1)[1].split("\n## ", 1)[0]
    named: set[str] = set()
    for row in section.splitlines():
        if not row.startswith("| `MATCHMAKER_"):
            continue
        first = row.split("|")[1]
        head = re.findall(r"`MATCHMAKER_([A-Z_]+)`", first)
        named |= set(head)
        for tail in re.findall(r"`(_[A-Z_]+)`", first):  # `MATCHMAKER_SHORTLIST_PER_NEED`, `_SAMPLE`
            family = next(h for h in head if "_" in h).split("_", 1)[0]
            named.add(family + tail)
    return named


def test_the_settings_table_lists_every_variable_the_code_reads() -> None:
    """Each variable an operator can set has its row in the table: the typed settings and any read from
    the environment where it is used."""
    table = _settings_table(DEPLOY.read_text(encoding="utf-8"))
    read = {name.upper() for name in Settings.model_fields}
    for path in SRC.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"(?:environ\.get|getenv)\(\s*\"MATCHMAKER_([A-Z_]+)\"", source))
    missing = sorted(f"MATCHMAKER_{name}" for name in read - table)
    assert not missing, f"the settings table of docs/deploy.md has no row for {', '.join(missing)}"
