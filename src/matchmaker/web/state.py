"""What the server loads once and shares between requests: the encoder, the matcher and the indexes.

:meth:`Runtime.start` runs in a worker thread from the app's lifespan. A model or an index that cannot be
loaded does not stop the server: ``/health`` still answers, ``/ready`` says what is missing, and the
matching endpoints answer 503 until an index exists (an upload or ``POST /api/v1/indexes/rebuild``
builds it; the matcher is then created on the next request).
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from typing import Any

from matchmaker.embeddings import KINDS, Encoder, load_encoder, read_manifest
from matchmaker.errors import IndexUnavailableError, MatchmakerError
from matchmaker.settings import Settings

logger = logging.getLogger(__name__)

MATCHING_MODULE = "matchmaker.services.matching"


def matcher_class() -> Any | None:
    """The matching engine's ``Matcher`` class, or ``None`` when it is not installed."""
    try:
        module = importlib.import_module(MATCHING_MODULE)
    except ImportError as exc:
        if exc.name != MATCHING_MODULE:
            raise
        return None
    return getattr(module, "Matcher", None)


class Runtime:
    """The loaded model and matcher of one server process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.encoder: Encoder | None = None
        self.matcher: Any | None = None
        self.model_problem = ""
        self.matcher_problem = ""
        self.load_seconds = 0.0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Load the encoder and, when the indexes exist, the matcher (blocking; run it in a thread)."""
        started = time.perf_counter()
        try:
            self.encoder = load_encoder(self.settings)
            self.model_problem = ""
        except MatchmakerError as exc:
            self.model_problem = exc.message
            logger.error("The embedding model could not be loaded: %s", exc.message)  # noqa: TRY400
        except Exception as exc:  # a broken model must not stop /health from answering
            self.model_problem = f"the embedding model could not be loaded ({type(exc).__name__})"
            logger.exception("The embedding model could not be loaded")
        if self.encoder is not None:
            try:
                matcher = self.get_matcher()
                if hasattr(matcher, "warm"):
                    matcher.warm()  # indexes and matching data now, not on the first request
            except MatchmakerError as exc:
                logger.warning("Matching is not available yet: %s", exc.message)
        self.load_seconds = time.perf_counter() - started
        logger.info("Server runtime loaded in %.1fs", self.load_seconds)

    def get_matcher(self) -> Any:
        """The shared matcher, created on first use; :class:`IndexUnavailableError` when it cannot be."""
        matcher = self.matcher
        if matcher is not None:
            return matcher
        if self.encoder is None:
            raise IndexUnavailableError(self.model_problem or "the embedding model is not loaded yet")
        cls = matcher_class()
        if cls is None:
            self.matcher_problem = "the matching engine is not installed in this build"
            raise IndexUnavailableError(self.matcher_problem)
        with self._lock:
            if self.matcher is None:
                try:
                    self.matcher = cls.for_settings(self.settings, encoder=self.encoder)
                    self.matcher_problem = ""
                except IndexUnavailableError as exc:
                    self.matcher_problem = exc.message
                    raise
            return self.matcher

    def reset_matcher(self) -> None:
        """Drop the matcher so the next request builds it from the newest indexes."""
        with self._lock:
            self.matcher = None

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Whether the model and every index are loaded, and the details."""
        indexes: dict[str, Any] = {}
        for kind in KINDS:
            manifest = read_manifest(self.settings.index_dir, kind)
            if manifest is None:
                indexes[kind] = {"present": False, "problem": "no index; ingest a corpus or rebuild"}
            elif self.encoder is not None and manifest.model_name != self.encoder.name:
                indexes[kind] = {"present": True, "problem": f"built with model {manifest.model_name!r}"}
            else:
                indexes[kind] = {
                    "present": True,
                    "documents": manifest.document_count,
                    "generation": manifest.generation,
                }
        problems = [f"{k}: {v['problem']}" for k, v in indexes.items() if v.get("problem")]
        if self.model_problem:
            problems.insert(0, f"model: {self.model_problem}")
        elif self.encoder is None:
            problems.insert(0, "model: still loading")
        if not problems and self.matcher is None:
            try:
                self.get_matcher()
            except MatchmakerError as exc:
                problems.append(f"matcher: {exc.message}")
        return not problems, {
            "model": self.encoder.name if self.encoder is not None else None,
            "indexes": indexes,
            "problems": problems,
        }


__all__ = ["MATCHING_MODULE", "Runtime", "matcher_class"]
