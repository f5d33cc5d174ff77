"""Progress of long embedding runs: a bar on a terminal, a log line per batch elsewhere.

The services accept any :class:`Progress`; :func:`auto_progress` picks :class:`RichProgress` when
standard error is a terminal and :class:`LogProgress` otherwise (the server, CI, pipes).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class Progress(Protocol):
    """Receives the progress of one task at a time."""

    def start(self, label: str, total: int) -> None:
        """A task of ``total`` units begins."""
        ...

    def advance(self, n: int) -> None:
        """``n`` more units are done."""
        ...

    def finish(self) -> None:
        """The task ended (successfully or not)."""
        ...


class NullProgress:
    """Reports nothing."""

    def start(self, label: str, total: int) -> None:
        """Ignore."""

    def advance(self, n: int) -> None:
        """Ignore."""

    def finish(self) -> None:
        """Ignore."""


class LogProgress:
    """One INFO log line per batch, with the rate so far."""

    def __init__(self, log: logging.Logger | None = None) -> None:
        self._log = log or logger
        self._label = ""
        self._total = 0
        self._done = 0
        self._t0 = 0.0

    def start(self, label: str, total: int) -> None:
        """Remember the task."""
        self._label, self._total, self._done, self._t0 = label, total, 0, time.perf_counter()

    def advance(self, n: int) -> None:
        """Log the batch."""
        self._done += n
        elapsed = max(time.perf_counter() - self._t0, 1e-9)
        self._log.info("%s: %d/%d (%.0f/s)", self._label, self._done, self._total, self._done / elapsed)

    def finish(self) -> None:
        """Nothing to close."""


class RichProgress:
    """A rich progress bar on standard error."""

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None

    def start(self, label: str, total: int) -> None:
        """Open a bar."""
        from rich.console import Console  # noqa: PLC0415 - only when a bar is shown
        from rich.progress import (  # noqa: PLC0415 - only when a bar is shown
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichBar  # noqa: PLC0415 - only when a bar is shown

        self.finish()
        self._progress = RichBar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(label, total=total)

    def advance(self, n: int) -> None:
        """Move the bar."""
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def finish(self) -> None:
        """Close the bar."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def bars_allowed() -> bool:
    """Whether progress bars may be drawn: only when standard error is a terminal."""
    return sys.stderr.isatty()


def quiet_library_bars() -> None:
    """Keep the tqdm bars of huggingface_hub and transformers ("Loading weights") off non-terminals.

    Call before importing sentence-transformers: the libraries read the switch when they are imported.
    Already imported libraries are switched off directly. On a terminal nothing changes.
    """
    if bars_allowed():
        return
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    hub = sys.modules.get("huggingface_hub.utils")
    if hub is not None:
        hub.disable_progress_bars()
    transformers_logging = sys.modules.get("transformers.utils.logging")
    if transformers_logging is not None:
        transformers_logging.disable_progress_bar()


def auto_progress() -> Progress:
    """A bar on a terminal, log lines otherwise."""
    return RichProgress() if bars_allowed() else LogProgress()


__all__ = [
    "LogProgress",
    "NullProgress",
    "Progress",
    "RichProgress",
    "auto_progress",
    "bars_allowed",
    "quiet_library_bars",
]
