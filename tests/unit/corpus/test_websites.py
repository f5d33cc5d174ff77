"""A provider's website is an http or https address; anything else is refused with the field named."""

from __future__ import annotations

import pytest

from matchmaker.db.models import check_website


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("https://kartlink.example.md", "https://kartlink.example.md"),
        ("http://city.example.org/path?q=1", "http://city.example.org/path?q=1"),
        ("  www.example.com  ", "https://www.example.com"),
        ("example.com:8080/about", "https://example.com:8080/about"),
        ("https://belediye.örnek.tr", "https://belediye.örnek.tr"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_a_web_address_is_kept_and_a_bare_host_gets_https(value: str | None, stored: str | None) -> None:
    assert check_website(value) == stored


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html;base64,PGI+",
        "vbscript:msgbox",
        "ftp://files.example.com",
        "mailto:office@example.com",
        "https://",
        "https:///path",
        "http://exa mple.com",
        "not a website",
        "https://" + "a" * 600 + ".com",
    ],
)
def test_anything_else_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="website"):
        check_website(value)
