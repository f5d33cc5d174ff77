"""Small hand-made scheduling problems shared by the scheduling tests."""

from __future__ import annotations

from typing import Any

import pytest


def make(
    n_slots: int = 2,
    tables: int = 2,
    cities: tuple[str, ...] = ("c1", "c2"),
    providers: tuple[str, ...] = ("p1", "p2"),
    **extra: Any,
) -> dict[str, Any]:
    """A problem dict with every participant available everywhere unless ``extra`` says otherwise."""
    slots = [
        {"id": f"s{k + 1}", "start": f"2038-03-02T{9 + k:02d}:00", "end": f"2038-03-02T{9 + k:02d}:20"}
        for k in range(n_slots)
    ]
    people = [{"id": c, "side": "city"} for c in cities] + [{"id": p, "side": "provider"} for p in providers]
    data: dict[str, Any] = {"slots": slots, "tables": tables, "participants": people}
    data.update(extra)
    return data


@pytest.fixture
def problem_dict() -> dict[str, Any]:
    """Two cities, two providers, two slots, two tables, all pairs scored."""
    return make(
        scores=[
            {"a": "c1", "b": "p1", "score": 0.9},
            {"a": "c1", "b": "p2", "score": 0.5},
            {"a": "c2", "b": "p1", "score": 0.6},
            {"a": "c2", "b": "p2", "score": 0.4},
        ]
    )


@pytest.fixture
def make_problem() -> Any:
    """The :func:`make` builder, for tests that need their own problem."""
    return make
