"""The line a process logs when it pins its BLAS pools counts threads in words: "1 thread", "2 threads"."""

from __future__ import annotations

import logging

import pytest

from matchmaker import threads


@pytest.mark.parametrize(("count", "words"), [(1, "1 thread"), (2, "2 threads")])
def test_the_pinned_pools_are_logged_with_the_count_in_words(
    count: int, words: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in threads._BLAS_ENV:  # the process's own pools are left as they are
        monkeypatch.setenv(name, "1")
    monkeypatch.setattr(threads, "_BLAS_MODULES", ())
    with caplog.at_level(logging.DEBUG, logger="matchmaker.threads"):
        threads.pin_blas_threads(count)
    assert [r.getMessage() for r in caplog.records if r.name == "matchmaker.threads"] == [
        f"BLAS pools limited to {words}"
    ]
