"""Pieces of the matcher: regions, glossary, BM25 tokens, need splitting, context factors, metrics."""

from __future__ import annotations

import pytest

from matchmaker.db.models import CityPublic, ProviderPublic
from matchmaker.evaluation.metrics import ndcg_at_k, pairwise_loss, recall_at_k, reciprocal_rank
from matchmaker.matching.engine import split_needs
from matchmaker.matching.fit import CEILING, FLOOR, Factor, combine, provider_fit
from matchmaker.matching.glossary import gloss, gloss_entries
from matchmaker.matching.lexical import LexicalIndex, tokenize
from matchmaker.matching.profiles import city_profile, provider_profile
from matchmaker.matching.regions import region_group, serves, unread_regions


@pytest.mark.parametrize(
    ("regions", "country", "expected"),
    [
        (["Western Balkans"], "XK", True),
        (["Türkiye", "Caucasus"], "GE", True),
        (["Central Asia"], "AL", False),
        (["global"], "MN", True),
        (["MENA"], "TN", True),
        (["KZ"], "KZ", True),
        (["Kazakhstan"], "KZ", True),
        ([], "AL", None),
        # Country names as written in the programme's languages.
        (["Belgique", "France"], "BE", True),
        (["Suisse"], "CH", True),
        (["Almanya"], "DE", True),
        (["Казахстан"], "KZ", True),
        (["Bosna i Hercegovina"], "BA", True),
        (["Maroc"], "AL", False),
    ],
)
def test_regions_served_cover_countries(regions: list[str], country: str, expected: bool | None) -> None:
    assert serves(regions, country) is expected


def test_unread_regions_are_the_words_that_name_no_known_place() -> None:
    assert unread_regions(["Western Balkans", "Mars", "  ", "global", "Suisse", "DACH"]) == ["Mars", "DACH"]


@pytest.mark.parametrize(
    ("word", "same_as"),
    [
        ("Balkan", "Balkans"),
        ("the Balkans", "Balkans"),
        ("Balkan countries", "Balkans"),
        ("Western Balkan", "Western Balkans"),
        ("the Western Balkan region", "Western Balkans"),
        ("Central Asian", "Central Asia"),
        ("Central Asian countries", "Central Asia"),
        ("Caucasian", "Caucasus"),
        ("South Caucasian", "South Caucasus"),
        ("European", "Europe"),
        ("Eastern European", "Eastern Europe"),
        ("North African", "North Africa"),
        ("Middle Eastern", "Middle East"),
        ("Eurasian", "Eurasia"),
    ],
)
def test_a_region_word_reads_the_same_in_singular_plural_and_adjective_form(word: str, same_as: str) -> None:
    assert unread_regions([word]) == []
    covered = {code for code in ("AL", "GR", "XK", "KZ", "GE", "DE", "MD", "MA", "JO", "RU", "US", "BR")
               if serves([same_as], code)}  # fmt: skip
    assert covered
    assert {code for code in ("AL", "GR", "XK", "KZ", "GE", "DE", "MD", "MA", "JO", "RU", "US", "BR")
            if serves([word], code)} == covered  # fmt: skip


def test_an_abbreviation_is_read_as_written_and_other_places_stay_unread() -> None:
    assert serves(["the MENA region"], "TN") is True
    assert serves(["CIS countries"], "KZ") is True
    assert serves(["Mongolia"], "MN") is True
    words = ["Men", "Latin America", "North America", "Balkanized", "Mars"]
    assert unread_regions(words) == words


@pytest.mark.parametrize(
    ("word", "inside", "outside"),
    [
        ("Arab countries", {"JO", "MA", "EG"}, {"TR", "IL"}),
        ("the Arab world", {"TN", "LB"}, {"IR"}),
        ("Gulf states", {"AE", "SA", "QA"}, {"JO", "IR"}),
        ("GCC", {"KW", "OM", "BH"}, {"EG"}),
        ("Western Europe", {"FR", "DE", "NL"}, {"AL", "PL"}),
    ],
)
def test_more_region_words_providers_write_cover_their_countries(
    word: str, inside: set[str], outside: set[str]
) -> None:
    assert unread_regions([word]) == []
    assert all(serves([word], code) for code in inside)
    assert not any(serves([word], code) for code in outside)


def test_a_provider_serving_the_balkan_countries_fits_a_city_there() -> None:
    city = city_profile(_city("Floods in the old town.", country="AL"))
    provider = provider_profile(_provider("Flood warning sensors.", ["sq", "en"], ["Balkan countries"]))
    region = {f.name: f for f in provider_fit(city, provider)}["region"]
    assert region.multiplier == 1.0
    assert region.detail == "serves Albania"


def test_region_groups() -> None:
    assert region_group("AL") == region_group("XK") == "western_balkans"
    assert region_group("KG") == "central_asia"
    assert region_group("US") is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Адресный регистр и названия улиц", {"address", "register", "street"}),
        ("ndriçimi publik dhe rrugët pa emra", {"street lighting", "street"}),
        ("sokak aydınlatması ve elektrik faturası", {"street", "street lighting", "electricity", "bill"}),
        ("adressage des villes et dénomination des rues", {"address", "city", "name", "street"}),
    ],
)
def test_glossary_gives_english_words_for_other_languages(text: str, words: set[str]) -> None:
    glossed = gloss(text)
    assert all(word in glossed for word in words), glossed


def test_general_words_gloss_only_texts_in_their_own_language() -> None:
    # "osoblje" (staff) is a general word of the Bosnian/Croatian/Serbian table, not a topic word.
    assert "staff" in gloss("nedostaje osoblje", "bs").split()
    assert (
        gloss("nedostaje osoblje", "bs")
        == gloss("nedostaje osoblje", "sr")
        == gloss("nedostaje osoblje", "hr")
    )
    assert "staff" not in gloss("nedostaje osoblje", "tr").split()
    assert "staff" not in gloss("nedostaje osoblje").split()
    # A topic word keeps its topic gloss in every language; general words add to it.
    assert gloss("Не хватает персонала, жители жалуются.", "ru") == "staff citizens"
    assert {"budget", "lack", "residents"} <= set(
        gloss("Bütçe yetersiz, sakinler şikayet ediyor.", "tr").split()
    )


def test_glossary_ignores_what_it_does_not_know() -> None:
    assert gloss("") == ""
    assert gloss("qwertyuiop zxcvbnm") == ""


def test_tokens_are_folded_stemmed_and_free_of_stop_words() -> None:
    assert tokenize("Congestion at the İstanbul intersections") == ["conges", "istanb", "inters"]
    assert tokenize("пробки") == ["probki"]


def test_bm25_scores_the_text_that_shares_words_highest() -> None:
    index = LexicalIndex(["traffic congestion at intersections", "bus arrival app", "street lighting"])
    scores = index.scores("congested intersection")
    assert scores.argmax() == 0
    assert index.scores("nothing known").tolist() == [0.0, 0.0, 0.0]


def test_free_text_is_split_into_needs_at_sentences_and_semicolons() -> None:
    text = "passengers wait at stops without knowing when the bus comes; how did a city show arrival times"
    spans = split_needs(text)
    assert [text[a:b] for a, b in spans] == [
        "passengers wait at stops without knowing when the bus comes",
        "how did a city show arrival times",
    ]
    assert split_needs("   ") == []


def test_factors_multiply_and_are_clamped() -> None:
    assert combine([]) == 1.0
    assert combine([Factor("a", 0.8, ""), Factor("b", 0.5, "")]) == FLOOR
    assert combine([Factor("a", 1.1, ""), Factor("b", 1.1, "")]) == CEILING
    assert Factor("region", 0.8, "x").to_dict()["effect"] == "-20%"


def _city(summary: str, country: str = "AL", language: str = "en") -> CityPublic:
    return CityPublic(id="c", name="C", country=country, summary=summary, population=40000, language=language)


def _provider(description: str, languages: list[str], regions: list[str]) -> ProviderPublic:
    return ProviderPublic(
        id="p", name="P", country="TR", description=description, languages=languages, regions_served=regions
    )


def test_provider_fit_names_each_failed_check() -> None:
    city = city_profile(_city("Nuk ka buxhet për investime. Gjuha e punës: shqip.", language="sq"))
    provider = provider_profile(_provider("Turnkey systems, one-time purchase.", ["en"], ["Central Asia"]))
    factors = {f.name: f for f in provider_fit(city, provider)}
    assert factors["region"].multiplier < 1.0
    assert factors["language"].multiplier < 1.0
    assert factors["budget"].multiplier < 1.0


def test_provider_fit_rewards_an_offer_that_fits() -> None:
    city = city_profile(_city("No capital budget for new systems. Working languages Albanian and English."))
    provider = provider_profile(
        _provider("Offered as a subscription, monthly fee.", ["sq", "en"], ["Western Balkans"])
    )
    factors = {f.name: f for f in provider_fit(city, provider)}
    assert factors["region"].multiplier == 1.0
    assert factors["language"].multiplier == 1.0
    assert factors["budget"].multiplier > 1.0


def test_a_city_without_capital_budget_has_the_funding_obstacle() -> None:
    profile = city_profile(_city("The municipality has no capital budget to replace the lamps."))
    assert any(t.term_id == "funding" for t in profile.tags)


def test_ranking_metrics() -> None:
    grades = {"a": 3, "b": 2, "c": 1}
    assert ndcg_at_k(["a", "b", "c"], grades) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], grades) == 0.0
    assert ndcg_at_k(["c", "b", "a"], grades) < 1.0
    assert recall_at_k(["a", "x"], grades) == 0.5
    assert recall_at_k(["x"], {}) == 1.0
    assert reciprocal_rank(["x", "b"], grades) == 0.5
    assert reciprocal_rank(["x", "c"], grades) == 0.0


def test_pairwise_loss_weighs_each_wrongly_ordered_pair_by_the_grades_between_them() -> None:
    grades = {"a": 2, "b": 1}  # "x" is unjudged: grade 0
    assert pairwise_loss({"a": 0.9, "b": 0.5, "x": 0.1}, grades) == 0.0
    assert pairwise_loss({"a": 0.1, "b": 0.5, "x": 0.9}, grades) == 1.0
    # Only b and x swapped: one wrong pair of weight 1 out of a-b (1), a-x (2), b-x (1).
    assert pairwise_loss({"a": 0.9, "b": 0.1, "x": 0.5}, grades) == pytest.approx(1 / 4)
    # A tie counts half; a ranking of one grade only has no pair to order.
    assert pairwise_loss({"a": 0.5, "b": 0.5}, grades) == pytest.approx(0.5)
    assert pairwise_loss({"x": 0.5, "y": 0.2}, grades) == 0.0


def test_a_word_takes_the_gloss_of_the_longest_stem_it_starts_with() -> None:
    from matchmaker.matching import glossary

    topics = glossary._topics()
    _, prefixes, _ = topics
    nested = [
        (short, long)
        for long in prefixes
        for short in prefixes
        if long != short and long.startswith(short) and prefixes[long] != prefixes[short]
    ]
    assert nested, "the glossary has stems inside longer stems with another meaning"
    for short, long in nested:
        assert glossary._find(topics, long + "qz") == (prefixes[long],), (short, long)
        if not any(p.startswith(short) and p != short and (short + "q").startswith(p) for p in prefixes):
            assert glossary._find(topics, short + "q") == (prefixes[short],), (short, long)
    assert glossary._find(topics, "zzzz") == ()


@pytest.mark.parametrize(
    ("text", "language", "wrong"),
    [
        ("Elle demande un permis.", "fr", "manual"),  # French "she"
        ("Studenti i studentice", "bs", "cold"),  # students
        ("Студенты университета", "ru", "cold"),
        ("Sunt sigur că", "ro", "security"),  # sure
        ("Nu suntem siguri", "ro", "security"),
        ("Aylık toplantı yapılıyor", "tr", "heating"),  # meeting
        ("Sanat ve kültür merkezi", "tr", "health"),  # art
        ("Atık toplama", "tr", "wastewater"),  # waste
        ("Skoro svi građani", "bs", "ambulance"),  # almost
        ("Потребна е помош", "mk", "ambulance"),  # help
        ("Kvalitet usluga je loš", "bs", "air quality"),  # quality of any kind
        ("La qualité du service", "fr", "air quality"),
        ("La situation est grave", "fr", "women"),  # serious
        ("À une date fixe", "fr", "data"),  # a date
        ("Toată lumea știe", "ro", "river"),  # world
        ("Pretplata na uslugu", "bs", "loan"),  # subscription
        ("Prețul biletului", "ro", "loan"),  # price
        ("Starea drumurilor", "ro", "old"),  # state
        ("O carte despre oraș", "ro", "card"),  # book
        ("Su kaçakları azaldı", "tr", "illegal construction"),  # water leaks
        ("Problemi su veliki", "bs", "water"),  # "are", Turkish water
        ("On yıl önce", "tr", "front"),  # ten ("ön", front)
        ("هي مدينة كبيرة", "ar", "district"),  # she ("حي", district)
        ("جزء من المدينة", "ar", "security"),  # from ("أمن", security)
        ("Shumë qytetarë ankohen", "sq", "noise"),  # very (Russian "шум")
        ("Des méthodes techniques", "fr", "leak"),  # Russian "течь"
        ("Через год", "ru", "expensive"),  # in a year (French "chère")
        ("Сколько это стоит", "ru", "school"),  # how much (Bosnian "škola")
        ("Ekonomi büyüyor", "tr", "savings"),  # economy (Russian "экономия")
        ("Ekonomia lokale", "sq", "savings"),
        ("Экономика региона", "ru", "savings"),
        ("Sporteli i shërbimeve", "sq", "dispute"),  # counter (Russian "спор")
        ("Planına göre", "tr", "mountain"),  # its plan (Bosnian "planina")
        ("Kemi planin e ri", "sq", "mountain"),  # the plan
        ("Он приходит утром", "ru", "revenue"),  # comes (Macedonian "приход")
        ("Он хотел бы", "ru", "hotel"),  # wanted (Macedonian "хотел")
        ("Të zënë me punë", "sq", "women"),  # busy (Bosnian "žene")
        ("Već sada", "bs", "separate"),  # already (Albanian "veç")
        ("Në veri të vendit", "sq", "data"),  # north (Turkish "veri")
        ("Redovni sastanci", "bs", "queue"),  # regular
        ("Takım ödülü kazandı", "tr", "boiler"),  # won (Turkish "kazan")
        ("Eksiksiz bir rapor", "tr", "lack"),  # complete
        ("Bütçe ayrılamadı", "tr", "separate"),  # could not be allocated
        ("Ayrıca yeni bir plan", "tr", "separate"),  # also
        ("Grad leži u kotlini", "bs", "boiler"),  # valley
        ("Молодые люди уходят", "ru", "care"),  # leave (Russian "уход")
        ("Вниз по течению реки", "ru", "leak"),  # current
        ("Спор о границе", "ru", "slow"),  # dispute (Bosnian "spor")
        ("Spor salonu", "tr", "slow"),  # sport
        ("Spor salonu", "tr", "dispute"),  # sport (Russian "спор")
    ],
)
def test_a_word_is_not_glossed_as_a_word_of_another_language(text: str, language: str, wrong: str) -> None:
    assert f" {wrong} " not in f" {gloss(text, language)} "


@pytest.mark.parametrize(
    ("text", "language", "meant"),
    [
        ("Elle yapılıyor", "tr", "manual"),  # Turkish "by hand"
        ("Toplane rade", "bs", "heating"),
        ("Sănătatea publică", "ro", "health"),
        ("Siguria kibernetike", "sq", "security"),
        ("Grave dhe të rinj", "sq", "women"),  # Albanian "women"
        ("Date deschise", "ro", "data"),
        ("Lumi del", "sq", "river"),
        ("Un prêt de la banque", "fr", "loan"),
        ("Stare zgrade", "bs", "old"),
        ("La carte de transport", "fr", "card"),
        ("Su kaçakları azaldı", "tr", "leak"),
        ("La qualité du service", "fr", "quality"),
        ("Скорая помощь", "ru", "ambulance"),
        ("Уровень шума", "ru", "noise"),
        ("Течь в трубе", "ru", "leak"),
        ("Une énergie chère", "fr", "expensive"),
        ("Škola i vrtić", "bs", "school"),
        ("Экономия энергии", "ru", "savings"),
        ("Na planini", "bs", "mountain"),
        ("Приходи на општината", "mk", "revenue"),
        ("Нов хотел", "mk", "hotel"),
        ("Žene i djeca", "bs", "women"),
        ("Zyra veç e saj", "sq", "separate"),
        ("Veriler eksik", "tr", "data"),
        ("Redovi na šalterima", "bs", "queue"),
        ("Kazan dairesi", "tr", "boiler"),
        ("Kazanı değiştirildi", "tr", "boiler"),
        ("Zamjena kotla", "bs", "boiler"),
        ("Eksik veriler", "tr", "lack"),
        ("Eksiksiz bir rapor", "tr", "complete"),
        ("Ayrı bir ofis", "tr", "separate"),
        ("Уход за пожилыми", "ru", "care"),
        ("Уходу за детьми", "ru", "care"),
        ("Спор о границе", "ru", "dispute"),
        ("Спор околу имотот", "mk", "dispute"),
        ("Spor oko granice", "bs", "dispute"),
        ("Internet je spor", "bs", "slow"),
    ],
)
def test_a_word_keeps_its_gloss_in_its_own_language(text: str, language: str, meant: str) -> None:
    assert f" {meant} " in f" {gloss(text, language)} "


@pytest.mark.parametrize(
    ("text", "language", "meant", "wrong"),
    [
        ("Un appel d'offres a été lancé", "fr", "tender", ""),
        ("Deux appels d'offres", "fr", "tender", ""),
        ("Un appel à projets", "fr", "", "tender"),  # a call
        ("Les données sont en ligne", "fr", "online", ""),
        ("La ligne de bus", "fr", "bus", "online"),  # line
        ("Des économies d'énergie", "fr", "energy efficiency", ""),
        ("L'économie locale", "fr", "", "energy efficiency"),  # economy
        ("Le titre de transport", "fr", "ticket", ""),
        ("Le titre foncier", "fr", "", "ticket"),  # land title
        ("Les espaces verts", "fr", "green", ""),
        ("Les espaces publics", "fr", "", "green"),
        ("Fidye yazılımı saldırısı", "tr", "virus", ""),
        ("Yazılımın Türkçe olması önemli", "tr", "", "virus"),  # the software
        ("Hasar görebilirlik analizi", "tr", "vulnerability", ""),
        ("Deprem hasarı büyük", "tr", "earthquake", "vulnerability"),  # damage
        ("Çağrı merkezi kuruldu", "tr", "call centre", ""),
        ("Acil çağrı cihazları", "tr", "emergency", "call centre"),  # emergency call devices
        ("e-Devlet üzerinden", "tr", "e-services", ""),
    ],
)
def test_a_phrase_is_glossed_whole_and_its_words_alone_are_not(
    text: str, language: str, meant: str, wrong: str
) -> None:
    glossed = gloss_entries(text, language)
    assert not meant or meant in glossed, glossed
    assert not wrong or wrong not in glossed, glossed


@pytest.mark.parametrize(
    ("text", "language", "meant"),
    [
        ("Su kaçakları azaldı", "tr", "water"),
        ("Ağ altyapısı zayıf", "tr", "network"),
        ("Her ay ödeme", "tr", "month"),
    ],
)
def test_a_word_of_two_letters_is_glossed_in_its_own_language(text: str, language: str, meant: str) -> None:
    assert meant in gloss_entries(text, language)
    assert meant not in gloss_entries(text, "bs")
    assert meant not in gloss_entries(text)
