"""Folding text for matching, and mapping folded offsets back to the original text."""

import pytest

from matchmaker.vocabulary import fold, fold_with_map


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("İSTANBUL ılık", "istanbul ilik"),
        ("Şehir Çevre Güvenliği", "sehir cevre guvenligi"),
        ("Kukësit banorë", "kukesit banore"),
        ("пробки щит", "probki shchit"),
        ("Građani грађани", "gradjani gradjani"),
        ("Қалада", "qalada"),
        ("Straße", "strasse"),
        ("éclairage", "eclairage"),
    ],
)
def test_fold_casefolds_strips_diacritics_and_transliterates(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_of_ascii_is_lowercase() -> None:
    assert fold("Smart City KPI") == "smart city kpi"


def test_span_in_folded_text_maps_back_to_original_characters() -> None:
    text = "Город «Щучинск»: пробки"
    ft = fold_with_map(text)
    start = ft.text.index("probki")
    s, e = ft.to_original(start, start + len("probki"))
    assert text[s:e] == "пробки"
    start = ft.text.index("shchuchinsk")
    s, e = ft.to_original(start, start + len("shchuchinsk"))
    assert text[s:e] == "Щучинск"


def test_combining_marks_do_not_break_offsets() -> None:
    text = "Bu\u0308tc\u0327e yok"  # decomposed ü and ç
    ft = fold_with_map(text)
    assert ft.text == "butce yok"
    start = ft.text.index("yok")
    s, e = ft.to_original(start, start + 3)
    assert text[s:e] == "yok"
