"""The strength evidence of many cities computed together, on the real models: the same numbers and
the same mentors by a strength as one city at a time."""

from __future__ import annotations

from matchmaker.services.matching import Matcher
from strength_support import assert_same_evidence, assert_same_rankings


def test_the_demo_slices_strength_evidence_and_rankings_are_as_before(real_matcher: Matcher) -> None:
    engine = real_matcher.engine()
    assert_same_evidence(engine)
    assert_same_rankings(engine)
