"""Detecting the language of summaries and short texts."""

import pytest

from matchmaker.vocabulary import PLAUSIBLE_LANGUAGES, detect_language, languages_compatible


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "The municipality faces severe traffic congestion and lacks a budget for smart city projects.",
            "en",
        ),
        ("Belediyemiz trafik sıkışıklığı yaşıyor ve akıllı şehir projeleri için bütçemiz bulunmuyor.", "tr"),
        ("Город испытывает серьезные проблемы с пробками, бюджета на проекты умного города нет.", "ru"),
        ("La commune souffre d'embouteillages et ne dispose pas de budget pour la ville intelligente.", "fr"),
        ("Bashkia përballet me trafik të rënduar dhe nuk ka buxhet për projekte të qytetit të zgjuar.", "sq"),
        ("Општината се соочува со сообраќаен метеж и нема буџет за проекти за паметен град.", "mk"),
        ("تعاني البلدية من ازدحام مروري شديد ولا توجد ميزانية لمشاريع المدينة الذكية.", "ar"),
        ("Қалада көлік кептелісі бар, ақылды қала жобаларына бюджет жоқ.", "kk"),
        ("Хотод замын түгжрэл ихтэй, ухаалаг хотын төсөл хэрэгжүүлэх төсөв байхгүй.", "mn"),
        ("Bələdiyyə nəqliyyat tıxacları ilə üzləşir və ağıllı şəhər layihələri üçün büdcə yoxdur.", "az"),
    ],
)
def test_typical_summaries(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_bosnian_croatian_serbian_latin_is_one_of_the_three() -> None:
    text = "Grad se suočava sa saobraćajnim gužvama i nema budžeta za projekte pametnog grada."
    assert detect_language(text) in {"bs", "hr", "sr"}


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Smart parking", "en"), ("Akıllı otopark", "tr"), ("Ақылды тұрақ", "kk"), ("مواقف ذكية", "ar"),
     ("Умная парковка", "ru")],
)  # fmt: skip
def test_short_texts_use_the_script_and_its_letters(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_text_without_letters_is_undetermined() -> None:
    assert detect_language("2024 — 45 000") == "und"
    assert detect_language("") == "und"


def test_only_plausible_languages_are_returned() -> None:
    assert detect_language("Die Stadt hat ein Verkehrsproblem und kein Budget.") in PLAUSIBLE_LANGUAGES
    assert detect_language("A cidade tem problemas de trânsito e não tem orçamento.") in PLAUSIBLE_LANGUAGES


def test_bosnian_croatian_montenegrin_serbian_count_as_one_language() -> None:
    assert languages_compatible("sr", "bs")
    assert languages_compatible("hr", "cnr")
    assert not languages_compatible("sr", "mk")
    assert not languages_compatible("tr", "az")
    assert languages_compatible("tr", "az", close=True)
