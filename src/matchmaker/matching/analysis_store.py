"""Where analyses and relevance rows are kept between processes: one SQLite file of blobs in the
host's cache directory (:data:`STORE_FILE`), open from first use until :meth:`AnalysisStore.close`.

Apart from :mod:`matchmaker.matching.analysis` on purpose: the keys of stored analyses carry a
fingerprint of the code that computes them, and how they are stored is not part of that.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from matchmaker.embeddings.cache import BlobCache, KeptOpen

logger = logging.getLogger(__name__)

STORE_FILE = "analysis-cache.sqlite3"


class AnalysisStore:
    """Profiles, passage facts and relevance rows on disk (:data:`STORE_FILE` in ``directory``), the
    file kept open from first use until :meth:`close`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._file = KeptOpen(lambda: BlobCache.in_dir(directory, STORE_FILE))

    def get(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored values among ``keys`` (none when the file cannot be read)."""
        if not keys:
            return {}
        try:
            return self._file.get().get_many(keys)
        except Exception:  # a damaged cache only costs time
            logger.warning("The analysis cache could not be read; analysing again", exc_info=True)
            self._file.close()
            return {}

    def put(self, items: Sequence[tuple[str, bytes]]) -> None:
        """Store values (a failure is logged: the cache only saves time)."""
        if not items:
            return
        try:
            self._file.get().put_many(items)
        except Exception:
            logger.warning("The analysis cache could not be written", exc_info=True)
            self._file.close()

    def close(self) -> None:
        """Close the file (it opens again on next use)."""
        self._file.close()


__all__ = ["STORE_FILE", "AnalysisStore"]
