"""The ISO 639-1 codes a record's language is checked against are pycountry's two-letter codes."""

from __future__ import annotations

import pycountry
import pytest

from matchmaker.db.languages import ISO_639_1
from matchmaker.db.models import check_language


def test_the_codes_are_the_two_letter_codes_of_pycountry() -> None:
    assert {lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")} == ISO_639_1


@pytest.mark.parametrize(("value", "code"), [("sq", "sq"), (" EN ", "en"), ("Sh", "sh")])
def test_a_known_code_is_accepted_lower_cased(value: str, code: str) -> None:
    assert check_language(value) == code


@pytest.mark.parametrize("value", ["xx", "eng", "e", "", "qq"])
def test_an_unknown_code_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not an ISO 639-1 code"):
        check_language(value)
