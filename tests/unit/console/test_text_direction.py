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


def test_the_edit_form_shows_an_arabic_summary_right_to_left(
    ro_client: Client, ro_sign_in: Callable[[str], str]
) -> None:
    """Staff correcting Ismailia's summary see it run right to left in the text box, as on the page."""
    ro_sign_in("staff")
    form = ro_client.get("/cities/ismailia/edit").text
    summary = re.search(r'<textarea id="f-summary"[^>]*>\s*محافظة', form)
    assert summary is not None
    assert 'dir="auto"' in summary.group(0)
    name = re.search(r'<input id="f-name"[^>]*>', form)
    assert name is not None
    assert 'dir="auto"' in name.group(0)
