"""Where the console sends people after signing in: only ever a path on this site."""

from __future__ import annotations

import pytest

from matchmaker.web.console.session import safe_next, signin_location


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "/"),
        ("", "/"),
        ("/cities?country=TR", "/cities?country=TR"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("cities", "/"),
    ],
)
def test_safe_next(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_signin_location_keeps_the_way_back() -> None:
    assert signin_location("/") == "/signin"
    assert signin_location("/cities/kukes") == "/signin?next=/cities/kukes"
    assert signin_location("https://evil.example") == "/signin"
