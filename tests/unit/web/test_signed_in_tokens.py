"""The tokens a process saw sign someone in lately (SignedIn): known for a while, then forgotten."""

from __future__ import annotations

from matchmaker.services.ratelimit import SignedIn


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_is_known_for_its_while_and_then_forgotten() -> None:
    clock = _Clock()
    signed_in = SignedIn(60.0, clock=clock)
    signed_in.add("mm_good")
    assert "mm_good" in signed_in
    assert "mm_goo" not in signed_in
    assert "mm_other" not in signed_in
    clock.now += 59.0
    assert "mm_good" in signed_in
    signed_in.add("mm_good")  # signing in again starts its while again
    clock.now += 59.0
    assert "mm_good" in signed_in
    clock.now += 1.0
    assert "mm_good" not in signed_in
