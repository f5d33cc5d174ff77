"""Sizes in upload messages read as people write them."""

from __future__ import annotations

import pytest

from matchmaker.web.media import readable_size


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (999, "999 bytes"),
        (1000, "1 KB"),
        (12_500, "12.5 KB"),
        (25_000_000, "25 MB"),
        (26_214_400, "26.2 MB"),
        (150_000_000, "150 MB"),
        (2_000_000_000, "2 GB"),
        (99_960, "100 KB"),
        (999_999, "1 MB"),
        (999_499, "999 KB"),
    ],
)
def test_sizes_read_in_the_largest_whole_unit(size: int, text: str) -> None:
    assert readable_size(size) == text
