"""What the engine derives from one document's text on its own, apart from every other document.

The statements of context among a document's passages (budget, business model, hosting,
connectivity, working languages) are told apart here: :func:`is_context_passage`.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from matchmaker.matching.profiles import needs_connection, term_ids
from matchmaker.vocabulary import Kind, find_language_mentions, tag_text

FloatArray = npt.NDArray[np.float32]

_CONTEXT_KINDS = frozenset({Kind.BUDGET, Kind.BUSINESS_MODEL, Kind.HOSTING, Kind.CONNECTIVITY})
#: Topic axes that a statement of context may carry without being a need (connectivity, money).
_CONTEXT_TOPICS = frozenset({"ict_connectivity", "funding", "business_model"})


#: A statement of how good the network is ("Good 4G coverage.", "Интернет в городе хороший.").
_NETWORK_STATE = re.compile(
    r"^(?=.*\b(?:internet|coverage|connectivity|connection|broadband|4g|lte|3g|5g|signal|интернет\w*|"
    r"связь|покрыти\w*|mbulim\w*|sinjal\w*|pokrivenost\w*|signal\w*|couverture|connexion|kapsama|"
    r"baglanti|bağlantı)\b)(?=.*\b(?:good|decent|reliable|stable|fast|strong|full|weak|poor|patchy|"
    r"unreliable|unstable|slow|хорош\w*|слаб\w*|нестабильн\w*|плох\w*|mirë|mire|dobët|dobet|dobra|"
    r"dobar|dobro|slab\w*|bonne?|faible|iyi|zayıf|zayif)\b)",
    re.IGNORECASE | re.DOTALL,
)


#: Words for a budget or money, in the programme's languages (folded forms included).
_BUDGET_WORD = re.compile(
    r"\b(?:budgets?|budget\w+|bud[zž]et\w*|бюджет\w*|буџет\w*|буджет\w*|b[uü]t[cç]e\w*|buxhet\w*|"
    r"funds?|fonds?|money|денег|деньги|средств\w*|sredstva)\b",
    re.IGNORECASE,
)
_MONEY_TOPICS = frozenset({"funding", "business_model"})


def is_context_passage(
    text: str, language: str, topic_tags: FloatArray, *, network_rule: bool = True, money_rule: bool = True
) -> bool:
    """Whether a passage states context (budget, business model, hosting, connectivity, languages)
    rather than a need or a capability: it names such a facet and no other topic firmly. A short
    statement of how good or bad the network is ("Good 4G coverage.") is context too, and so is a
    short statement about money that names no topic but funding ("Capital budget available.")."""
    return context_variants(text, language, topic_tags)[network_rule, money_rule]


def context_variants(text: str, language: str, topic_tags: FloatArray) -> dict[tuple[bool, bool], bool]:
    """:func:`is_context_passage` under each of the four settings of its two short-statement rules
    (``(network_rule, money_rule)`` → answer), reading the text once."""
    facet = bool(tag_text(text, language, kinds=_CONTEXT_KINDS, min_confidence=0.3))
    facet = facet or bool(find_language_mentions(text)) or bool(needs_connection(text))
    short = len(text.split()) <= 12
    network = short and bool(_NETWORK_STATE.search(text))
    axes = term_ids()
    firm = [axes[i] for i in np.flatnonzero(topic_tags >= 0.5)]
    only_context_topics = all(t in _CONTEXT_TOPICS for t in firm)
    # A short statement about money ("Capital budget available.") with no topic but funding.
    short_budget = short and bool(_BUDGET_WORD.search(text)) and all(t in _MONEY_TOPICS for t in firm)
    out: dict[tuple[bool, bool], bool] = {}
    for network_rule in (True, False):
        for money_rule in (True, False):
            if facet or (network_rule and network):
                out[network_rule, money_rule] = only_context_topics
            else:
                out[network_rule, money_rule] = money_rule and short_budget
    return out


__all__ = ["context_variants", "is_context_passage"]
