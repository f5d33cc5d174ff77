"""Context of a city (what constrains a match) and of an offer (what a provider can fit), from free text.

:func:`extract_context` reads a city's current-situation summary: its budget situation, hosting
constraint, connectivity, legacy systems, climate, scale (from the population field, else from a
population figure in the text, else from scale words) and the working languages it mentions.
:func:`extract_offer` reads a provider profile or solution text: business models, hosting options,
offline capability, integration, climates it has proven itself in, the scales of its deployments and its
languages. Every extracted item keeps the spans of its evidence in the original text.

Population figures are read in the forms summaries use: ``population of 45,000``, ``1.2 million
inhabitants``, ``45 000 жителей``, ``45.000 nüfus``, ``nüfusu 45 bin``, ``1,2 млн человек``, ``47 mijë
banorë``, ``56.000 stanovnika``. A number counts only when a population word is next to it, so budgets
and areas are not taken for populations.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from matchmaker.vocabulary.language import detect_language
from matchmaker.vocabulary.normalize import FoldedText, fold, fold_with_map
from matchmaker.vocabulary.tagger import (
    Span,
    Tag,
    _cue_regex,  # shared cue syntax
    resolve_label,
    tag_folded,
)
from matchmaker.vocabulary.terms import Kind, load_vocabulary

__all__ = [
    "CityContext",
    "LanguageMention",
    "OfferContext",
    "PopulationMention",
    "ScaleInfo",
    "extract_context",
    "extract_offer",
    "find_language_mentions",
    "find_populations",
    "scale_for_population",
]

logger = logging.getLogger(__name__)

_CONTEXT_KINDS = frozenset(k for k in Kind if k.is_context)


def _mentions(tags: Iterable[Tag], term_id: str) -> bool:
    """Whether one of ``tags`` is the term ``term_id``."""
    return any(t.term_id == term_id for t in tags)


@dataclass(frozen=True, slots=True)
class PopulationMention:
    """A population figure found in text (or given by a field, then without span)."""

    value: int
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class ScaleInfo:
    """A scale class (``scale_small`` ... ``scale_national``) and where it came from."""

    term_id: str
    source: str  # "field", "text" (a population figure), "cue" (scale words) or "deployment"
    population: int | None = None
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class LanguageMention:
    """A working language (ISO 639-1) named in the text or given in a structured field."""

    code: str
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class CityContext:
    """What a city's summary says about the context a match must fit."""

    language: str
    budget: tuple[Tag, ...] = ()
    hosting: tuple[Tag, ...] = ()
    connectivity: tuple[Tag, ...] = ()
    legacy: tuple[Tag, ...] = ()
    climate: tuple[Tag, ...] = ()
    scale: ScaleInfo | None = None
    languages: tuple[LanguageMention, ...] = ()

    @property
    def needs_opex(self) -> bool:
        """The city states it has no capital budget and must pay from operating budget."""
        return _mentions(self.budget, "budget_no_capex")

    @property
    def on_premises_required(self) -> bool:
        """Data must stay on the city's own servers or in-country."""
        return _mentions(self.hosting, "hosting_on_premises")

    @property
    def poor_connectivity(self) -> bool:
        """The city reports weak or missing connectivity."""
        return _mentions(self.connectivity, "connectivity_poor")

    @property
    def has_legacy_systems(self) -> bool:
        """The city mentions legacy systems a solution must live with."""
        return _mentions(self.legacy, "legacy_systems")

    @property
    def acceptable_business_models(self) -> frozenset[str]:
        """Business-model term ids that fit the stated budget situation (all of them when none stated).

        With no capital budget, outright purchase (``bm_capex``) is not acceptable.
        """
        vocab = load_vocabulary()
        everything = frozenset(t.id for t in vocab.of_kind(Kind.BUSINESS_MODEL))
        if not self.budget:
            return everything
        allowed: set[str] = set()
        for tag in self.budget:
            term = vocab.get(tag.term_id)
            if term is not None:
                allowed.update(term.mapping.get("compatible_business_models", ()))
        if self.needs_opex:
            allowed.discard("bm_capex")
        return frozenset(allowed) or everything


@dataclass(frozen=True, slots=True)
class OfferContext:
    """What a provider's text says about the contexts its offer fits."""

    language: str
    business_models: tuple[Tag, ...] = ()
    hosting: tuple[Tag, ...] = ()
    offline: tuple[Tag, ...] = ()
    integration: tuple[Tag, ...] = ()
    climate: tuple[Tag, ...] = ()
    scales: tuple[ScaleInfo, ...] = ()
    languages: tuple[LanguageMention, ...] = ()

    @property
    def business_model_ids(self) -> frozenset[str]:
        """Ids of the business models offered."""
        return frozenset(t.term_id for t in self.business_models)

    @property
    def offers_on_premises(self) -> bool:
        """The provider can deploy on the customer's premises / in-country."""
        return _mentions(self.hosting, "hosting_on_premises")

    @property
    def cloud_hosted(self) -> bool:
        """The offer is hosted in the cloud."""
        return _mentions(self.hosting, "hosting_cloud")

    @property
    def offline_capable(self) -> bool:
        """The solution works offline or over low-bandwidth links."""
        return _mentions(self.offline, "offline_capable")

    @property
    def scale_ids(self) -> frozenset[str]:
        """Scale classes the provider has served."""
        return frozenset(s.term_id for s in self.scales)


# --- population -------------------------------------------------------------------------------------

_POP_WORDS = (
    "population", "populations", "inhabitant", "inhabitants", "residents", "people", "citizens", "nüfus",
    "nüfusu", "nüfuslu", "sakin", "kişi", "население", "населения", "жителей", "жителя", "жители",
    "человек", "чел", "habitants", "popullsi", "popullsia", "popullsinë", "banorë", "banore", "stanovnika",
    "stanovništva", "stanovnici", "становника", "становништва", "жители", "жителите", "жителі",
    "نسمة", "سكان", "السكان", "тұрғын", "тұрғыны", "тургун", "калкы", "калкы", "хүн ам", "хүн амтай",
    "əhali", "əhalisi", "sakinləri", "populacij", "stanovnik", "популациј", "становник",
)  # fmt: skip
_MULTIPLIERS: dict[str, int] = {
    **dict.fromkeys(("million", "millions", "mln", "mio", "milyon", "milion", "miliona", "milioni", "mn",
                     "milyoni"), 1_000_000),
    **dict.fromkeys(("thousand", "k", "bin", "tys", "tysyach", "tysiach", "mije", "hiljada", "hiljade",
                     "tisuca", "tisuce", "iljadi", "myng", "ming", "miang", "myanga", "lf", "alf"), 1_000),
}  # fmt: skip
_MULT_RE = "|".join(sorted((re.escape(m) for m in _MULTIPLIERS), key=len, reverse=True))
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:([ .,'])\d{3})(?:\2\d{3})*|\d+(?:[.,]\d+)?)(?:\s*(" + _MULT_RE + r")\b\.?)?"
)


_DIGIT = re.compile(r"\d")
_STOP = re.compile(r"[\d.;]")
_RANGE = re.compile(r"^\s*(?:-|to|and|or|a|do|ile|ve|do|i|et|dhe|deri|ne|bis)\s*$")


@cache
def _pop_word_re() -> re.Pattern[str]:
    words = sorted({re.escape(fold(w)) for w in _POP_WORDS}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(words) + r")\w*")


def _parse_number(digits: str, sep: str | None, mult: str | None) -> int | None:
    # with a separator it is thousands grouping (45,000 / 45.000 / 45 000), else a decimal (1,2 млн)
    value = float(digits.replace(sep, "")) if sep else float(digits.replace(",", "."))
    if mult:
        value *= _MULTIPLIERS[mult.rstrip(".")]
    return round(value) if value >= 1 else None


def _populations(ft: FoldedText) -> list[PopulationMention]:
    text = ft.text
    words = [(m.start(), m.end()) for m in _pop_word_re().finditer(text)]
    if not words:
        return []
    numbers = list(_NUMBER.finditer(text))
    accepted: list[bool] = []
    for m in numbers:
        # The population word comes right after the number (45 000 жителей) or shortly before it
        # (population of 45,000; nüfusu 45.000; население составляет 1,2 млн).
        after = any(0 <= ws - m.end() <= 12 and not _DIGIT.search(text[m.end() : ws]) for ws, _ in words)
        before = any(0 <= m.start() - we <= 30 and not _STOP.search(text[we : m.start()]) for _, we in words)
        accepted.append(after or before)
    # the lower end of a range ("from 20,000 to 2 million inhabitants") counts too
    values = [_parse_number(m.group(1), m.group(2), m.group(3)) for m in numbers]
    for i in range(len(numbers) - 1, 0, -1):
        low, high = values[i - 1], values[i]
        if (
            accepted[i]
            and not accepted[i - 1]
            and low is not None
            and high is not None
            and low < high
            and _RANGE.match(text[numbers[i - 1].end() : numbers[i].start()])
        ):
            accepted[i - 1] = True
    found: list[PopulationMention] = []
    for m, ok, value in zip(numbers, accepted, values, strict=True):
        if ok and value is not None and value >= 100:
            found.append(PopulationMention(value, Span(*ft.to_original(m.start(), m.end()))))
    return found


def find_populations(text: str) -> list[PopulationMention]:
    """Population figures stated in ``text``, in order of appearance, with their spans."""
    return _populations(fold_with_map(text))


def scale_for_population(population: int) -> str:
    """The scale class id for a population: small < 50k ≤ medium < 300k ≤ large < 1M ≤ metro."""
    if population < 50_000:
        return "scale_small"
    if population < 300_000:
        return "scale_medium"
    if population < 1_000_000:
        return "scale_large"
    return "scale_metro"


# --- languages mentioned ----------------------------------------------------------------------------


@cache
def _language_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:

    out: list[tuple[str, re.Pattern[str]]] = []
    for code, names in load_vocabulary().language_names.items():
        sources = [r for r in (_cue_regex(n, arabic=False) for n in names) if r is not None]
        out.append((code, re.compile(r"\b(?:" + "|".join(s for s, _ in sources) + ")")))
    return tuple(out)


def _language_mentions(ft: FoldedText) -> list[LanguageMention]:
    out: list[LanguageMention] = []
    for code, pattern in _language_patterns():
        spans = tuple(Span(*ft.to_original(m.start(), m.end())) for m in pattern.finditer(ft.text))
        if spans:
            out.append(LanguageMention(code, spans))
    out.sort(key=lambda m: m.spans[0].start)
    return out


def find_language_mentions(text: str) -> list[LanguageMention]:
    """Languages named in ``text`` (``"English"``, ``"Türkçe"``, ``"русский"``, ``"shqip"``...)."""
    return _language_mentions(fold_with_map(text))


# --- extraction -------------------------------------------------------------------------------------


def _of(tags: Iterable[Tag], *kinds: Kind, ids: Sequence[str] | None = None) -> tuple[Tag, ...]:
    return tuple(t for t in tags if t.kind in kinds and (ids is None or t.term_id in ids))


def _cue_scale(tags: Sequence[Tag]) -> ScaleInfo | None:
    scale_tags = _of(tags, Kind.SCALE)
    if not scale_tags:
        return None
    best = scale_tags[0]
    return ScaleInfo(best.term_id, "cue", None, best.spans)


def extract_context(text: str, *, population: int | None = None, language: str | None = None) -> CityContext:
    """Extract the context facets of a city summary (budget, hosting, connectivity, legacy, climate,
    scale, working languages), each with its evidence spans.

    ``population`` (the corpus field) decides the scale when given; otherwise a population figure
    in the text, otherwise scale words (``small municipality``, ``büyükşehir``). ``language`` is the
    summary's ISO 639-1 code; it is detected when missing.
    """
    lang = language or detect_language(text)
    ft = fold_with_map(text)
    tags = tag_folded(ft, lang, kinds=_CONTEXT_KINDS) if text.strip() else []
    scale: ScaleInfo | None
    if population is not None and population > 0:
        scale = ScaleInfo(scale_for_population(population), "field", population)
    else:
        pops = _populations(ft)
        if pops:
            first = pops[0]
            spans = (first.span,) if first.span else ()
            scale = ScaleInfo(scale_for_population(first.value), "text", first.value, spans)
        else:
            scale = _cue_scale(tags)
    return CityContext(
        language=lang,
        budget=_of(tags, Kind.BUDGET),
        hosting=_of(tags, Kind.HOSTING, ids=("hosting_on_premises",)),
        connectivity=_of(tags, Kind.CONNECTIVITY, ids=("connectivity_poor",)),
        legacy=_of(tags, Kind.INTEGRATION, ids=("legacy_systems",)),
        climate=_of(tags, Kind.CLIMATE),
        scale=scale,
        languages=tuple(_language_mentions(ft)),
    )


def extract_offer(
    text: str,
    *,
    languages: Sequence[str] | None = None,
    business_models: Sequence[str] | None = None,
    deployed_populations: Sequence[int] | None = None,
    language: str | None = None,
) -> OfferContext:
    """Extract what a provider profile or solution text offers: business models, hosting options,
    offline capability, integration, proven climates, scales served and languages.

    Structured inputs take precedence and are merged in: ``languages`` (ISO 639-1 codes from the
    profile), ``business_models`` (labels, resolved to terms with confidence 1.0), and
    ``deployed_populations`` (populations of the cities in its ``deployed_in`` references, looked up
    by the caller) which add the scales served.
    """
    lang = language or detect_language(text)
    ft = fold_with_map(text)
    tags = tag_folded(ft, lang, kinds=_CONTEXT_KINDS) if text.strip() else []

    models = {t.term_id: t for t in _of(tags, Kind.BUSINESS_MODEL)}
    for label in business_models or ():
        term = resolve_label(label, (Kind.BUSINESS_MODEL,))
        if term is not None:
            spans = models[term.id].spans if term.id in models else ()
            models[term.id] = Tag(term.id, term.kind, 1.0, spans, source="structured")

    scales: dict[str, ScaleInfo] = {}
    for pop in deployed_populations or ():
        if pop and pop > 0:
            scales.setdefault(
                scale_for_population(pop), ScaleInfo(scale_for_population(pop), "deployment", pop)
            )
    for mention in _populations(ft):
        sid = scale_for_population(mention.value)
        scales.setdefault(sid, ScaleInfo(sid, "text", mention.value, (mention.span,) if mention.span else ()))
    for tag in _of(tags, Kind.SCALE):
        scales.setdefault(tag.term_id, ScaleInfo(tag.term_id, "cue", None, tag.spans))

    mentioned = {m.code: m for m in _language_mentions(ft)}
    for code in languages or ():
        code = code.strip().lower()
        if code and code not in mentioned:
            mentioned[code] = LanguageMention(code)

    return OfferContext(
        language=lang,
        business_models=tuple(sorted(models.values(), key=lambda t: (-t.confidence, t.term_id))),
        hosting=_of(tags, Kind.HOSTING),
        offline=_of(tags, Kind.CONNECTIVITY, ids=("offline_capable",)),
        integration=_of(tags, Kind.INTEGRATION, ids=("integration_open",)),
        climate=_of(tags, Kind.CLIMATE),
        scales=tuple(scales.values()),
        languages=tuple(mentioned.values()),
    )
