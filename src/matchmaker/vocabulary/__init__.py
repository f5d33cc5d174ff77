"""The controlled vocabulary: domains, obstacles, pathway stages, maturity and context facets.

- :mod:`~matchmaker.vocabulary.terms` loads the terms (``terms.json``) with definitions and cues.
- :mod:`~matchmaker.vocabulary.normalize` folds text (casefold, diacritics, transliteration) with an
  index map back to original offsets.
- :mod:`~matchmaker.vocabulary.tagger` tags text with terms and merges structured fields.
- :mod:`~matchmaker.vocabulary.context` extracts a city's context and a provider's offer.
- :mod:`~matchmaker.vocabulary.language` detects the language of a text.
"""

from matchmaker.vocabulary.context import (
    CityContext,
    LanguageMention,
    OfferContext,
    PopulationMention,
    ScaleInfo,
    extract_context,
    extract_offer,
    find_language_mentions,
    find_populations,
    scale_for_population,
)
from matchmaker.vocabulary.language import (
    PLAUSIBLE_LANGUAGES,
    detect_language,
    detect_language_scored,
    languages_compatible,
)
from matchmaker.vocabulary.normalize import FoldedText, fold, fold_with_map
from matchmaker.vocabulary.tagger import Span, Tag, merge_tags, resolve_label, tag_folded, tag_text
from matchmaker.vocabulary.terms import Kind, Term, Vocabulary, get_term, load_vocabulary, terms_of_kind

__all__ = [
    "PLAUSIBLE_LANGUAGES",
    "CityContext",
    "FoldedText",
    "Kind",
    "LanguageMention",
    "OfferContext",
    "PopulationMention",
    "ScaleInfo",
    "Span",
    "Tag",
    "Term",
    "Vocabulary",
    "detect_language",
    "detect_language_scored",
    "extract_context",
    "extract_offer",
    "find_language_mentions",
    "find_populations",
    "fold",
    "fold_with_map",
    "get_term",
    "languages_compatible",
    "load_vocabulary",
    "merge_tags",
    "resolve_label",
    "scale_for_population",
    "tag_folded",
    "tag_text",
    "terms_of_kind",
]
