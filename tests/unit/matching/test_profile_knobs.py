"""A scoring profile that names knobs the engine does not have is refused, the knobs named and counted."""

from __future__ import annotations

import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.matching.scoring import DEFAULT_CONFIG


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"no_such": 1}, "scoring profile 'x': unknown knob: no_such"),
        ({"no_such": 1, "other": 2}, "scoring profile 'x': unknown knobs: no_such, other"),
    ],
)
def test_unknown_knobs_are_named_and_counted_right(changes: dict[str, int], expected: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        DEFAULT_CONFIG.with_changes("x", changes)
    assert info.value.message == expected
