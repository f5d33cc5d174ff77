"""The one-line reason participants read in requests, agendas and exports."""

from __future__ import annotations

from matchmaker.services.matching import readable_reason


def _explanation(need: dict[str, str], match: dict[str, str]) -> dict[str, object]:
    return {"needs": [{"need": need, "match": match}], "shared_tags": []}


def test_a_quote_not_in_english_carries_its_english_gloss() -> None:
    line = readable_reason(
        _explanation(
            {
                "text": "Kırsal kesimdeki sokakların çoğunun resmî bir adı yok.",
                "gloss": "need — rural street name",
            },
            {"text": "Street addressing for small municipalities."},
        ),
        city="Kukës",
        other="Adresa Lab",
    )
    assert line == (
        "Kukës needs “Kırsal kesimdeki sokakların çoğunun resmî bir adı yok.” [en gloss: need — rural street"
        " name] ↔ Adresa Lab: “Street addressing for small municipalities.”"
    )


def test_english_quotes_stay_as_they_are() -> None:
    line = readable_reason(
        _explanation({"text": "Most streets have no names."}, {"text": "Street addressing."}),
        city="Kukës",
        other="Adresa Lab",
    )
    assert line == "Kukës needs “Most streets have no names.” ↔ Adresa Lab: “Street addressing.”"
