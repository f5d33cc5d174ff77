"""Tagging free text with vocabulary terms, and merging those tags with structured corpus fields.

Cues (see :mod:`matchmaker.vocabulary.terms` for their syntax) are filed once per set of language
groups into an index keyed by the first three letters of the cue's first word; tagging walks the word
starts of the folded text and tries only the cues filed under that word's first letters, so the cost
grows with the text, not with the size of the vocabulary. A cue's regex is compiled the first time it
is tried, so a process pays only for the cues its texts can match.

Confidence of a tag: each distinct cue that hit adds its weight (1.0 strong, 0.4 weak), repeats of the
same cue add a little (``0.3 * ln(count)``); the sum is divided by ``(words / 100) ** 0.35`` (at least 1) so
one passing mention in a long document counts less than in a two-line summary, and squashed with
``1 - exp(-x)`` into [0, 1].

Terms whose ``mapping`` sets ``negatable`` (a capital budget, cloud hosting, offline mode...) ignore a
hit that is negated: a negation word shortly before it (``no``, ``without``, ``нет``, ``pas de``,
``nuk ka``, ``nema``) or a Turkish/Russian-style negation right after it (``yok``, ``нет``).
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

from matchmaker.vocabulary.normalize import FoldedText, fold, fold_with_map
from matchmaker.vocabulary.terms import Kind, Term, cue_groups_for, load_vocabulary, related_languages

__all__ = [
    "STRUCTURED_FIELD_KINDS",
    "Span",
    "Tag",
    "compile_cues",
    "merge_tags",
    "resolve_label",
    "tag_folded",
    "tag_text",
]

logger = logging.getLogger(__name__)

STRONG_WEIGHT = 1.0
WEAK_WEIGHT = 0.4
DEFAULT_MIN_CONFIDENCE = 0.35  # one weak cue alone (0.33) never makes a tag

_SEP = r"[\W_]+"
_GAP = r"(?:[\W_]+\w+){0,3}?[\W_]+"
_AR_CLITIC = r"(?:[wfbk]?l{0,2})?"
_WORD = re.compile(r"\w+")
_CUE_TOKEN = re.compile(r"\.\.\.|\w+[*=]?")

# Corpus field name -> the kinds its labels belong to.
STRUCTURED_FIELD_KINDS: dict[str, tuple[Kind, ...]] = {
    "domains": (Kind.DOMAIN,),
    "priorities": (Kind.DOMAIN,),
    "obstacles": (Kind.OBSTACLE,),
    "challenges": (Kind.OBSTACLE,),
    "stages": (Kind.STAGE,),
    "maturity": (Kind.MATURITY,),
    "funding": (Kind.BUSINESS_MODEL, Kind.BUDGET),
    "business_models": (Kind.BUSINESS_MODEL,),
    "budget": (Kind.BUDGET,),
    "hosting": (Kind.HOSTING,),
    "climate": (Kind.CLIMATE,),
    "scale": (Kind.SCALE,),
}


class Span(NamedTuple):
    """A ``[start, end)`` character span in the original text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Tag:
    """A vocabulary term attached to a document, with the evidence for it."""

    term_id: str
    kind: Kind
    confidence: float
    spans: tuple[Span, ...] = ()
    source: str = "text"  # "text" (found by cues) or "structured" (from a corpus field)

    def evidence(self, text: str) -> list[str]:
        """The quoted evidence: the original-text substrings of :attr:`spans`."""
        return [text[s.start : s.end] for s in self.spans]


class _Cue:
    """One cue of a term; its regular expression is compiled the first time a text could match it."""

    __slots__ = ("_pattern", "key", "kind", "source", "term_id", "weight")

    def __init__(self, term_id: str, kind: Kind, weight: float, key: int, source: str) -> None:
        self.term_id = term_id
        self.kind = kind
        self.weight = weight
        self.key = key  # index of the cue, to count distinct cues
        self.source = source
        self._pattern: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled cue (shared by every set of language groups that uses it)."""
        pattern = self._pattern
        if pattern is None:
            pattern = self._pattern = _regex(self.source)
        return pattern


@dataclass(frozen=True, slots=True)
class _CueIndex:
    by_prefix: Mapping[str, tuple[_Cue, ...]]
    scan: tuple[_Cue, ...]  # regex cues, tried over the whole text
    arabic: tuple[_Cue, ...]  # Arabic cues, tried only when the text has Arabic script


def _cue_regex(cue: str, *, arabic: bool) -> tuple[str, str] | None:
    """Regex source for a cue and the index key of its first word (``""`` for scan-only cues)."""
    if cue.startswith("re:"):
        return cue[3:], ""
    tokens = _CUE_TOKEN.findall(fold(cue))
    parts: list[str] = []
    key = ""
    pending_sep = ""
    for tok in tokens:
        if tok == "...":
            pending_sep = _GAP
            continue
        forced_stem, forced_word = tok.endswith("*"), tok.endswith("=")
        word = tok.rstrip("*=")
        if not word:
            continue
        stem = forced_stem or (len(word) >= 4 and not forced_word)
        piece = re.escape(word) + (r"\w*" if stem else r"\b")
        if arabic:
            piece = _AR_CLITIC + piece
        if parts:
            parts.append(pending_sep or _SEP)
        else:
            key = word[:3]
        parts.append(piece)
        pending_sep = ""
    if not parts:
        return None
    return "".join(parts), key


@cache
def _cue_source(cue: str, *, arabic: bool) -> tuple[str, str] | None:
    """A cue's regex source and index key, shared by every set of language groups that uses it."""
    compiled = _cue_regex(cue, arabic=arabic)
    if compiled is None:
        return None
    source, key = compiled
    if arabic and not cue.startswith("re:"):
        source = r"\b" + source
    return source, key


@cache
def _regex(source: str) -> re.Pattern[str]:
    """A cue's compiled regex. Compiling every cue up front took most of the first tagging call; a
    text tries only the cues filed under its words' first letters, so most are never compiled."""
    return re.compile(source)


def compile_cues() -> int:
    """Compile every cue of the vocabulary, and the cue index of every language, now; how many cues.
    A server does this at start-up, so the first text that uses a cue (a record written later, say)
    does not wait for its compilation."""
    sources = {
        compiled[0]
        for term in load_vocabulary().terms
        for cue_map in (term.cues, term.weak_cues)
        for group, cues in cue_map.items()
        for cue in cues
        if (compiled := _cue_source(cue, arabic=group == "ar")) is not None
    }
    for source in sources:
        _regex(source)
    for language in (None, *related_languages()):
        _compile(cue_groups_for(language))
    return len(sources)


@cache
def _compile(groups: frozenset[str]) -> _CueIndex:
    by_prefix: dict[str, list[_Cue]] = defaultdict(list)
    scan: list[_Cue] = []
    arabic: list[_Cue] = []
    n = 0
    for term in load_vocabulary().terms:
        for cue_map, weight in ((term.cues, STRONG_WEIGHT), (term.weak_cues, WEAK_WEIGHT)):
            for group, cues in cue_map.items():
                if group not in groups:
                    continue
                for cue in cues:
                    compiled = _cue_source(cue, arabic=group == "ar")
                    if compiled is None:
                        logger.warning('empty cue "%s" for term %s', cue, term.id)
                        continue
                    source, key = compiled
                    entry = _Cue(term.id, term.kind, weight, n, source)
                    n += 1
                    if group == "ar":
                        arabic.append(entry)
                    elif key:
                        by_prefix[key].append(entry)
                    else:
                        scan.append(entry)
    logger.debug("compiled %d cues for groups %s", n, sorted(groups))
    return _CueIndex({k: tuple(v) for k, v in by_prefix.items()}, tuple(scan), tuple(arabic))


_NEG_BEFORE = re.compile(
    r"\b(?:no|not|non|without|cannot|lack\w*|net|bez|nema|nije|nuk|pa|sans|pas|aucun\w*|yok|l|ls|"
    r"otsutstv\w*|mungon|mungesa|zhoq|baikhgui)\b[\w\s,.'-]{0,24}$"
)
_NEG_AFTER = re.compile(
    r"^[\s,.'-]{0,3}(?:\w+\s){0,1}(?:yok\w*|bulunm\w*|mevcut degil|net|otsutstv\w*|mungon|nema|nedostaj\w*|"
    r"zhoq|baikhgui|not\b|is not|are not|was not|were not)"
)


def _negated(folded: str, start: int, end: int) -> bool:
    return bool(_NEG_BEFORE.search(folded[max(0, start - 40) : start])) or bool(
        _NEG_AFTER.match(folded[end : end + 30])
    )


_ARABIC = re.compile(r"[\u0600-\u06ff]")


def _hits(
    ft: FoldedText, index: _CueIndex, kinds: frozenset[Kind] | None
) -> dict[str, list[tuple[_Cue, int, int]]]:
    folded = ft.text
    found: dict[str, list[tuple[_Cue, int, int]]] = defaultdict(list)

    def keep(cue: _Cue) -> bool:
        return kinds is None or cue.kind in kinds

    for m in _WORD.finditer(folded):
        for cue in index.by_prefix.get(m.group()[:3], ()):
            if keep(cue):
                hit = cue.pattern.match(folded, m.start())
                if hit:
                    found[cue.term_id].append((cue, hit.start(), hit.end()))
    extra = index.scan + (index.arabic if _ARABIC.search(ft.original) else ())
    for cue in extra:
        if keep(cue):
            for hit in cue.pattern.finditer(folded):
                if hit.end() > hit.start():
                    found[cue.term_id].append((cue, hit.start(), hit.end()))
    return found


def _confidence(hits: Sequence[tuple[_Cue, int, int]], n_words: int) -> float:
    counts: dict[int, int] = defaultdict(int)
    weights: dict[int, float] = {}
    for cue, _, _ in hits:
        counts[cue.key] += 1
        weights[cue.key] = cue.weight
    score = sum(weights[k] * (1.0 + 0.3 * math.log(c)) for k, c in counts.items())
    norm = max(1.0, n_words / 100.0) ** 0.35
    return round(1.0 - math.exp(-score / norm), 3)


def _drop_nested(hits: list[tuple[_Cue, int, int]]) -> list[tuple[_Cue, int, int]]:
    """Drop a hit lying inside a longer hit of the same term, so one phrase is not counted twice."""
    hits = sorted(hits, key=lambda h: (h[1], -(h[2] - h[1])))
    kept: list[tuple[_Cue, int, int]] = []
    for h in hits:
        if any(k[1] <= h[1] and h[2] <= k[2] and k is not h for k in kept):
            continue
        kept.append(h)
    return kept


def _merge_spans(spans: Iterable[tuple[int, int]]) -> tuple[Span, ...]:
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return tuple(Span(s, e) for s, e in out)


def tag_folded(
    ft: FoldedText,
    language: str | None = None,
    *,
    kinds: Iterable[Kind] | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> list[Tag]:
    """Like :func:`tag_text` for text already folded with :func:`fold_with_map`."""
    kind_set = frozenset(kinds) if kinds is not None else None
    found = _hits(ft, _compile(cue_groups_for(language)), kind_set)
    n_words = sum(1 for _ in _WORD.finditer(ft.text))
    vocab = load_vocabulary()
    tags: list[Tag] = []
    for term_id, raw in found.items():
        term = vocab.get(term_id)
        assert term is not None
        if term.mapping.get("negatable"):
            raw = [h for h in raw if not _negated(ft.text, h[1], h[2])]
        hits = _drop_nested(raw)
        if not hits:
            continue
        conf = _confidence(hits, n_words)
        if conf < min_confidence:
            continue
        spans = _merge_spans(ft.to_original(s, e) for _, s, e in hits)
        tags.append(Tag(term_id, term.kind, conf, spans))
    tags.sort(key=lambda t: (-t.confidence, t.kind.value, t.term_id))
    return tags


def tag_text(
    text: str,
    language: str | None = None,
    *,
    kinds: Iterable[Kind] | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> list[Tag]:
    """Tag ``text`` with vocabulary terms found through their multilingual cues.

    ``language`` (ISO 639-1) narrows the cues tried to that language's group, its close relatives,
    English and language-neutral cues; ``None`` tries every language. ``kinds`` restricts the kinds
    of terms. Tags are sorted by confidence, best first; each carries the spans of its evidence in
    the original ``text``.
    """
    if not text or not text.strip():
        return []
    return tag_folded(fold_with_map(text), language, kinds=kinds, min_confidence=min_confidence)


def _choices(kinds: Sequence[Kind]) -> dict[str, Term]:
    choices: dict[str, Term] = {}
    for term in load_vocabulary().terms:
        if term.kind not in kinds:
            continue
        for name in (term.id.replace("_", " "), term.label, *term.aliases):
            choices.setdefault(fold(name), term)
    return choices


def resolve_label(label: str, kinds: Sequence[Kind] | None = None, *, cutoff: float = 85.0) -> Term | None:
    """Map a structured label (``"Mobility"``, ``"smart_mobility"``, ``"lack of budget"``) to a term.

    Tries the exact id, then label and aliases, then a fuzzy match (rapidfuzz) above ``cutoff``, then
    the cues of the vocabulary; returns None, with a log line, when nothing fits.
    """
    kinds = tuple(kinds) if kinds else tuple(Kind)
    key = label.strip()
    vocab = load_vocabulary()
    exact = vocab.get(key) or vocab.get(key.lower().replace(" ", "_").replace("-", "_"))
    if exact is not None and exact.kind in kinds:
        return exact
    choices = _choices(kinds)
    folded = " ".join(_WORD.findall(fold(key).replace("_", " ")))
    if folded in choices:
        return choices[folded]
    best = process.extractOne(folded, list(choices), scorer=fuzz.WRatio, score_cutoff=cutoff)
    if best is not None:
        return choices[best[0]]
    tags = tag_text(key, kinds=kinds, min_confidence=0.0)
    if tags:
        return load_vocabulary().get(tags[0].term_id)
    logger.info(
        'structured label "%s" matches no vocabulary term (%s); ignored',
        label,
        ", ".join(str(kind) for kind in kinds),
    )
    return None


def merge_tags(structured: Mapping[str, Sequence[str] | str], text_tags: Iterable[Tag]) -> list[Tag]:
    """Combine tags from structured corpus fields with tags found in the text.

    ``structured`` maps a corpus field (``domains``, ``priorities``, ``obstacles``, ``challenges``,
    ``stages``, ``maturity``, ``funding``...) to its labels. Each label is resolved with
    :func:`resolve_label` and becomes a tag of confidence 1.0 (``source="structured"``), keeping the
    text evidence spans when the text also found that term. Text tags for other terms are kept as
    they are. Unknown fields try every kind; unresolvable labels are logged and ignored.
    """
    by_id: dict[str, Tag] = {t.term_id: t for t in text_tags}
    merged: dict[str, Tag] = {}
    for field_name, labels in structured.items():
        kinds = STRUCTURED_FIELD_KINDS.get(field_name)
        if kinds is None:
            logger.debug('structured field "%s" has no fixed kind; trying every kind', field_name)
        for label in [labels] if isinstance(labels, str) else labels:
            if not label or not str(label).strip():
                continue
            term = resolve_label(str(label), kinds)
            if term is None:
                continue
            spans = by_id[term.id].spans if term.id in by_id else ()
            merged[term.id] = Tag(term.id, term.kind, 1.0, spans, source="structured")
    for tag in by_id.values():
        merged.setdefault(tag.term_id, tag)
    return sorted(merged.values(), key=lambda t: (-t.confidence, t.kind.value, t.term_id))
