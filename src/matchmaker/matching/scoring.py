"""Scoring profiles: every knob of the engine, read from one versioned file.

``scoring_profiles.json`` (packaged with the engine; ``corpora/eval/profiles.json`` points at it,
next to the labels it was chosen on) holds the ``full`` profile the service uses and named variants,
each ``full`` with a few knobs changed: ``base`` (the base model used plainly, whole-text cosine),
``dense``, ``lexical``. ``leave_one_out`` lists, per signal or adjuster, the change that turns it
off; :func:`leave_one_out` builds those variants for ``matchmaker eval --leave-one-out``.

A query's configuration is one :class:`EngineConfig`; nothing else in the engine reads a knob.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from matchmaker.errors import InvalidInputError
from matchmaker.matching.fit import DEFAULT_FIT, FitWeights
from matchmaker.wording import noun_for

logger = logging.getLogger(__name__)

Aggregation = Literal["max", "mean", "topk"]
LanguageRule = Literal["pair", "query"]
PROFILE_FILE = "scoring_profiles.json"
DEFAULT_PROFILE = "full"
#: The signals scored per need × candidate and per candidate; each is weighed by the knob ``w_`` and
#: its name (``dense``: ``w_dense``, see :attr:`EngineConfig.need_signals`).
NEED_SIGNALS = ("dense", "topk", "lexical", "vocab", "ml_dense")
DOCUMENT_SIGNALS = ("needs", "doc_dense", "doc_tags", "doc_topk", "ml_doc", "centroid")


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Every knob of the scoring. Built from a profile of :data:`PROFILE_FILE` (see :func:`profile`).

    Per need × candidate signals: ``w_dense`` (best passage), ``w_topk`` (mean of the
    ``top_passages`` best passages), ``w_lexical`` (BM25), ``w_vocab`` (tag overlap). Per candidate:
    ``w_needs`` (the need scores aggregated), ``w_doc_dense`` (whole-text cosine), ``w_doc_tags``
    (whole-text tag overlap), ``w_doc_topk`` and ``w_ml_doc`` (the need-weighted mean of each
    candidate's ``doc_top_passages`` best passages, with the main and the multilingual encoder),
    ``w_centroid`` (the query's need-weighted centre, mapped by the main encoder's learned adapter,
    against each candidate's ``doc_top_passages`` best passages; left out where the encoder has none).
    ``w_ml_dense`` is the multilingual best passage per need. ``language_aware_doc`` and
    ``language_aware_dense`` choose the encoder by the languages of each (query, candidate) pair:
    the multilingual ``ml_doc`` / ``ml_dense`` in place of ``doc_topk`` / ``dense`` where either
    side is not in English (``language_rule`` ``pair``) or where the query is not (``query``).
    ``use_roles`` weighs the asking passages by their role (``role_*``); ``strength_mentors`` makes
    cities whose strengths answer a need mentors. Adjusters: ``use_context``, ``use_mentors``,
    ``w_shared_providers``, ``case_obstacle_bonus``.
    """

    mode: str = DEFAULT_PROFILE
    aggregation: Aggregation = "max"
    top_k: int = 2
    w_dense: float = 0.5
    w_lexical: float = 0.5
    w_vocab: float = 0.1
    w_topk: float = 0.0
    top_passages: int = 3
    w_needs: float = 0.85
    w_doc_tags: float = 0.15
    w_doc_dense: float = 0.0
    doc_lo: float = 0.0
    doc_hi: float = 0.8
    obstacle_weight: float = 1.5
    dense_lo: float = 0.2
    dense_hi: float = 0.7
    lexical_floor: float = 4.0
    noise_weight: float = 0.6
    context_weight: float = 0.3
    network_state_rule: bool = True
    money_rule: bool = True
    cross_language: bool = True
    gloss_weight: float = 1.0
    need_baseline: float = 0.75
    baseline_min_candidates: int = 8
    use_context: bool = True
    use_mentors: bool = True
    mentor_weight: float = 1.0
    mentor_share: float = 0.75
    w_shared_providers: float = 0.5
    case_obstacle_bonus: float = 0.05
    clause_needs: bool = False
    # Each passage of an asking document read with this many neighbouring passages of its field on
    # each side, as a need of its own (0: off).
    need_window: int = 0
    # Passage roles (need, strength, context, background): a passage's weight as a need is its role
    # probabilities times these weights; they replace ``noise_weight`` and ``context_weight`` on the
    # asking side when ``use_roles`` is on.
    use_roles: bool = True
    role_need: float = 1.0
    role_strength: float = 0.3
    role_context: float = 0.3
    role_background: float = 0.3
    # City ↔ city: a city whose strength passages answer the asking city's needs is a mentor.
    strength_mentors: bool = True
    # The multilingual channel: best passage per need, and the whole-document passage signal.
    w_ml_dense: float = 0.0
    ml_lo: float = 0.8
    ml_hi: float = 0.95
    w_doc_topk: float = 0.0
    w_ml_doc: float = 0.0
    doc_top_passages: int = 3
    # The learned centre of the needs (``matching/adapters``): its weight among the per-candidate signals.
    w_centroid: float = 0.0
    # The encoder by the languages of the pair: where the query or the candidate is not in English,
    # the multilingual signal takes the place of the English-only one (``doc_topk`` → ``ml_doc``,
    # ``dense`` → ``ml_dense``), with the weight of the one it replaces.
    # ``language_rule``: ``pair`` (either side not in English) or ``query`` (the query not in
    # English: one ranking reads one encoder).
    language_aware_doc: bool = False
    language_aware_dense: bool = False
    # With ``language_aware_dense`` off: the share of ``dense`` read from ``ml_dense`` where the
    # language rule says so (a blend of the two encoders' best passages, same weight in all;
    # ``full`` reads half of each for queries not in English).
    language_dense_share: float = 0.0
    # The multilingual encoder rates two texts in the same language other than English alike
    # (``signals.SAME_LANGUAGE_BIAS``); with this on, that excess is taken off its best-passage and
    # top-passage cosines wherever a query and a candidate share such a language.
    ml_same_language_debias: bool = False
    language_rule: LanguageRule = "query"
    fit: FitWeights = DEFAULT_FIT

    def with_changes(self, name: str, changes: dict[str, Any]) -> EngineConfig:
        """This configuration with ``changes`` applied, named ``name``; unknown knobs are an error."""
        known = {f.name for f in fields(EngineConfig)} - {"mode", "fit"}
        unknown = sorted(set(changes) - known - {"comment"})
        if unknown:
            raise InvalidInputError(
                f"scoring profile {name!r}: unknown {noun_for(len(unknown), 'knob')}: {', '.join(unknown)}"
            )
        values = {k: v for k, v in changes.items() if k != "comment"}
        return replace(self, mode=name, **values)

    @property
    def need_signals(self) -> dict[str, float]:
        """Weights of the per-need signals."""
        return self._weights(NEED_SIGNALS)

    @property
    def document_signals(self) -> dict[str, float]:
        """Weights of the per-candidate signals."""
        return self._weights(DOCUMENT_SIGNALS)

    def _weights(self, signals: Sequence[str]) -> dict[str, float]:
        """Each of ``signals`` with its weight, the knob ``w_`` and its name, in the order given."""
        return {name: getattr(self, f"w_{name}") for name in signals}

    @property
    def role_vector(self) -> tuple[float, float, float, float]:
        """The weight of each role as a need, in the order of :data:`matchmaker.vocabulary.roles.ROLES`."""
        return (self.role_need, self.role_strength, self.role_context, self.role_background)


def _read(path: Path | None) -> dict[str, Any]:
    if path is not None:
        text = path.read_text(encoding="utf-8")
    else:
        text = resources.files("matchmaker.matching").joinpath(PROFILE_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    if data.get("version") != 1 or DEFAULT_PROFILE not in data.get("profiles", {}):
        raise InvalidInputError(f"{path or PROFILE_FILE}: not a version 1 scoring profile file with 'full'")
    return data


@cache
def _profiles(path: Path | None) -> tuple[dict[str, EngineConfig], dict[str, dict[str, Any]]]:
    data = _read(path)
    raw: dict[str, dict[str, Any]] = data["profiles"]
    full = EngineConfig().with_changes(DEFAULT_PROFILE, raw[DEFAULT_PROFILE])
    out = {DEFAULT_PROFILE: full}
    for name, changes in raw.items():
        if name != DEFAULT_PROFILE:
            out[name] = full.with_changes(name, changes)
    return out, dict(data.get("leave_one_out", {}))


def profile_names(path: Path | None = None) -> list[str]:
    """The names of the profiles of the file (the packaged one by default)."""
    return list(_profiles(path)[0])


def profile(name: str = DEFAULT_PROFILE, path: Path | None = None) -> EngineConfig:
    """One profile of the file (the packaged one by default)."""
    configs = _profiles(path)[0]
    if name in configs:
        return configs[name]
    if name.startswith("-"):
        variants = leave_one_out(path)
        if name in variants:
            return variants[name]
    known = ", ".join([*configs, *leave_one_out(path)])
    raise InvalidInputError(f"unknown scoring profile {name!r}; known: {known}")


def leave_one_out(path: Path | None = None) -> dict[str, EngineConfig]:
    """``-signal`` → the ``full`` profile with that signal or adjuster turned off."""
    configs, changes = _profiles(path)
    full = configs[DEFAULT_PROFILE]
    return {f"-{name}": full.with_changes(f"-{name}", change) for name, change in changes.items()}


DEFAULT_CONFIG = profile(DEFAULT_PROFILE)

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_PROFILE",
    "DOCUMENT_SIGNALS",
    "NEED_SIGNALS",
    "PROFILE_FILE",
    "Aggregation",
    "EngineConfig",
    "LanguageRule",
    "leave_one_out",
    "profile",
    "profile_names",
]
