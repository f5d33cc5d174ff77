"""Text written right to left (Ismailia's Arabic summary) runs right to left in the console, so its
full stops and ellipses sit where an Arabic reader expects them."""

from __future__ import annotations

import re
from collections.abc import Callable

from console_support import Client


def test_an_arabic_summary_and_its_excerpt_take_their_direction_from_the_text(
    ro_client: Client, ro_sign_in: Callable[[str], str]
) -> None:
    ro_sign_in("staff")
    page = ro_client.get("/cities/ismailia").text
    summary = re.search(r'<div class="prose" id="summary"[^>]*>(.*?)</div>', page, re.S)
    assert summary is not None
    paragraphs = re.findall(r"<p[^>]*>", summary.group(1))
    assert paragraphs
    assert all('dir="auto"' in p for p in paragraphs), paragraphs
    listing = ro_client.get("/cities", params={"q": "Ismailia"}).text
    excerpt = re.search(r'<p class="excerpt"[^>]*>\s*محافظة', listing)
    assert excerpt is not None
    assert 'dir="auto"' in excerpt.group(0)
