"""The shipped role model with the multilingual encoder, on sentences written for this test only.

The examples are the ones staff ran into: a completed retrofit read as a need, the size of a council
read as a need, a real security gap. They are not in corpora/roles, so this checks generalisation.
"""

from __future__ import annotations

import pytest

from matchmaker.vocabulary.roles import classify

pytestmark = pytest.mark.slow

CASES = [
    ("en", "The Kukës municipal council has 31 members.", "background"),
    (
        "en",
        "With EU funds the city completed the energy retrofit of 40 public buildings in 2018.",
        "strength",
    ),
    ("en", "Phishing emails reach our staff every week and nobody has time to watch the network.", "need"),
    ("tr", "Belediye meclisi 31 üyeden oluşmaktadır.", "background"),
    (
        "tr",
        "Personelimiz siber tehditleri izleyemiyor; bir güvenlik operasyon merkezine ihtiyacımız var.",
        "need",
    ),
    ("tr", "2018 yılında 40 kamu binasının enerji dönüşümünü AB fonlarıyla tamamladık.", "strength"),
    ("ru", "Серверы должны находиться на территории страны, а бюджет на ИТ очень ограничен.", "context"),
    ("ru", "Городской совет насчитывает 31 депутата.", "background"),
    ("fr", "Nous n'avons aucun outil pour suivre la consommation d'eau des bâtiments publics.", "need"),
    (
        "sq",
        "Bashkia ka mbi dhjetë vjet përvojë me sistemin e biletave elektronike dhe e ndan atë me të tjerët.",
        "strength",
    ),
    ("bs", "Podaci moraju ostati na serverima u zemlji, a plaćanje je moguće samo kao usluga.", "context"),
    ("sr", "Општина има 52.000 становника и 12 месних заједница.", "background"),
]


def test_roles_of_unseen_sentences_in_six_languages() -> None:
    guesses = classify([text for _, text, _ in CASES])
    wrong = [
        f"{lang}: {text!r} -> {g.role} ({g.confidence:.2f}), expected {role}"
        for (lang, text, role), g in zip(CASES, guesses, strict=True)
        if g.role != role
    ]
    # The model is right on about 83% of held-out sentences; allow one slip in twelve.
    assert len(wrong) <= 1, "\n".join(wrong)


def test_the_cases_from_the_issue_get_their_role() -> None:
    guesses = classify([CASES[0][1], CASES[1][1], CASES[2][1]])
    assert [g.role for g in guesses] == ["background", "strength", "need"]
