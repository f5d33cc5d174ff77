"""Turning a match explanation into something a person reads: the need, the passage, tags, context.

The matcher (:mod:`matchmaker.services.matching`) explains each result with a JSON object::

    {"summary": "...",
     "needs": [{"need": {"field", "start", "end", "text", "doc_id"},
                "match": {"field", "start", "end", "text", "doc_id"},
                "similarity": 0.41, "lexical": 0.98, "vocabulary": 0.47, "score": 0.65,
                "tags": ["Energy and buildings"]}, ...],
     "shared_tags": [{"term", "kind", "label", "confidence", "sources"}, ...],
     "context": [{"factor", "multiplier", "effect", "detail"}, ...],
     "relation": "mentor" | "comparable" | null,
     "mentor_case": {"id", "title", "score"}}

For each suggestion the console shows the summary line, then, on request, each need of the asking
record with the passage that answers it (the words both share highlighted), the shared tags, and the
context factors with how each moved the score. Keys it does not know are listed under "more details"
so nothing the matcher says is hidden from staff.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from matchmaker.matching.explain import on_topic
from matchmaker.services.matching import MatchResponse
from matchmaker.vocabulary import fold

_KNOWN = {
    *("summary", "needs", "shared_tags", "context", "relation", "mentor_case", "mentor_strength"),
    *("shared_providers", "relevance", "mode"),
    # A city pair's composition is stated by the summary, read as the reason.
    "composition",
}
_WORD = re.compile(r"\w+", re.UNICODE)
#: Words too common to be worth highlighting as evidence.
_COMMON = frozenset(
    {
        *("the", "and", "for", "with", "that", "this", "from", "have", "has", "are", "was", "were"),
        *("which", "their", "there", "these", "those", "they", "them", "into", "over", "under", "about"),
        *("more", "most", "many", "some", "such", "than", "then", "also", "only", "other", "been", "being"),
        *("will", "would", "could", "should", "our", "your", "its", "who", "whom", "what", "when", "where"),
        *("while", "each", "every", "both", "city", "cities", "municipality", "municipal"),
        *("municipalities", "public", "people", "need", "needs"),
    }
)


#: How the reasons introduce a passage of the asking record, by its role: a line that tells what the
#: city has or what it is weighs less than a need, and staff see which it was.
ROLE_HEADINGS: dict[str, str] = {
    "need": "The need, as stated",
    "strength": "A strength, as stated (what it already has or does)",
    "context": "Context, as stated (weighs less than a need)",
    "background": "Background, as stated (weighs little)",
}

#: A field of a list (``solution:0``) as staff read it (``solution 1``).
_LIST_FIELD = re.compile(r"^(\w+):(\d+)$")


def _source(field_name: str) -> str:
    found = _LIST_FIELD.match(field_name)
    return f"{found[1]} {int(found[2]) + 1}" if found else field_name


@dataclass(frozen=True, slots=True)
class Passage:
    """A quoted passage, where it comes from, the words to highlight in it, and (for a passage not
    written in English) its English gloss with the note that says what a gloss is."""

    text: str
    source: str = ""
    phrases: tuple[str, ...] = ()
    gloss: str = ""
    gloss_note: str = ""
    #: The passage's role on the asking side (need, strength, context, background); "" for a candidate's.
    role: str = ""

    @property
    def heading(self) -> str:
        """What the asking side's passage is, as the suggestion's reasons introduce it."""
        return ROLE_HEADINGS.get(self.role, ROLE_HEADINGS["need"])


@dataclass(frozen=True, slots=True)
class NeedMatch:
    """One need of the asking record and the passage of the suggestion that answers it."""

    need: Passage | None
    match: Passage | None
    tags: tuple[str, ...] = ()
    similarity: float | None = None
    #: Whether the two passages share a topic; without one the suggestion's passage is only the
    #: closest it has, not an answer to the need.
    on_topic: bool = True

    @property
    def match_heading(self) -> str:
        """How the suggestion's passage is introduced: an answer only when it is on the need's topic."""
        return "What answers it" if self.on_topic else "Closest passage (no topic in common)"

    @property
    def label(self) -> str:
        """``Need``, or the asking passage's other role (``Background``)."""
        role = self.need.role if self.need is not None else ""
        return role.capitalize() if role in ROLE_HEADINGS and role != "need" else "Need"


@dataclass(frozen=True, slots=True)
class ContextFactor:
    """One context check, with its effect on the score."""

    name: str
    detail: str
    effect: str = ""
    good: bool | None = None


@dataclass
class Suggestion:
    """One suggested record, ready for a template."""

    id: str
    kind: str
    name: str
    score: float
    relation: str = ""
    reason: str = ""
    needs: list[NeedMatch] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    context: list[ContextFactor] = field(default_factory=list)
    #: The city's case study closest to the need (id, title), whether or not it makes the city a mentor.
    mentor_case: tuple[str, str] | None = None
    #: Whether that case study is what makes the city a mentor (else it is shown as a related one).
    mentor_by_case: bool = False
    details: list[tuple[str, str]] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, Mapping):
        for key in ("label", "title", "text", "name", "term", "id"):
            if isinstance(value.get(key), str):
                return str(value[key])
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def shared_words(a: str, b: str) -> tuple[str, ...]:
    """Words of ``b`` (as written there) that also occur in ``a``, ignoring case, accents and short words."""
    folded_a = {fold(w) for w in _WORD.findall(a)}
    out: list[str] = []
    for word in _WORD.findall(b):
        key = fold(word)
        if len(key) >= 4 and key not in _COMMON and key in folded_a and word not in out:
            out.append(word)
    return tuple(out)


def _passage(value: Any, other: str = "") -> Passage | None:
    if isinstance(value, str) and value:
        return Passage(value, phrases=shared_words(other, value) if other else ())
    if not isinstance(value, Mapping):
        return None
    text = value.get("text")
    if not isinstance(text, str) or not text:
        return None
    return Passage(
        text,
        source=_source(_text(value.get("field"))),
        phrases=shared_words(other, text) if other else (),
        gloss=_text(value.get("gloss")),
        gloss_note=_text(value.get("gloss_note")),
        role=_text(value.get("role")),
    )


def _needs(value: Any) -> list[NeedMatch]:
    out: list[NeedMatch] = []
    if not isinstance(value, list):
        return out
    for item in value:
        if not isinstance(item, Mapping):
            continue
        need_text = _text(item.get("need", {}).get("text") if isinstance(item.get("need"), Mapping) else "")
        match_text = _text(
            item.get("match", {}).get("text") if isinstance(item.get("match"), Mapping) else ""
        )
        similarity = item.get("similarity")
        out.append(
            NeedMatch(
                need=_passage(item.get("need"), match_text),
                match=_passage(item.get("match"), need_text),
                tags=tuple(_text(t) for t in item.get("tags") or [] if _text(t)),
                similarity=float(similarity) if isinstance(similarity, int | float) else None,
                on_topic=on_topic(item),
            )
        )
    return out


def _tags(value: Any) -> list[str]:
    out: list[str] = []
    for item in value if isinstance(value, list) else []:
        label = _text(item)
        if label and label not in out:
            out.append(label)
    return out


def _effect_good(effect: str, multiplier: Any) -> bool | None:
    if isinstance(multiplier, int | float):
        if abs(float(multiplier) - 1.0) < 1e-9:
            return None
        return float(multiplier) > 1.0
    if effect.startswith("+") and effect.strip("+0%"):
        return True
    if effect.startswith("-"):
        return False
    return None


def _context(value: Any) -> list[ContextFactor]:
    out: list[ContextFactor] = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, Mapping):
            out.append(ContextFactor(name="", detail=_text(item)))
            continue
        effect = _text(item.get("effect"))
        out.append(
            ContextFactor(
                name=_text(item.get("factor") or item.get("name")),
                detail=_text(item.get("detail")),
                effect=effect,
                good=_effect_good(effect, item.get("multiplier")),
            )
        )
    return out


def _score(value: Any) -> float:
    score = value.get("score") if isinstance(value, Mapping) else None
    return float(score) if isinstance(score, int | float) else 0.0


def _mentor_strength(exp: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The strength of its summary that makes a city a mentor, when that (not its case study) is what
    its one-line reason gives, else None."""
    if exp.get("relation") != "mentor":
        return None
    case = exp.get("mentor_case")
    strength = exp.get("mentor_strength")
    if isinstance(strength, Mapping) and not (isinstance(case, Mapping) and _score(case) >= _score(strength)):
        return strength
    return None


def _mentor_evidence(exp: Mapping[str, Any]) -> list[NeedMatch]:
    """What makes a mentor, as its one-line reason says: the passage of its case study (or the strength
    of its summary) that answers a need, in place of the closest passage of its summary."""
    if exp.get("relation") != "mentor":
        return []
    strength = _mentor_strength(exp)
    if strength is not None:
        return _needs([{**strength, "similarity": None}])
    case = exp.get("mentor_case")
    if not isinstance(case, Mapping):
        return []
    title = _text(case.get("title"))
    found = [m for m in _needs(case.get("needs")) if m.match is not None and m.on_topic]
    source = f"case study “{title}”" if title else "case study"
    return [
        dataclasses.replace(m, match=dataclasses.replace(m.match, source=f"{source}, {m.match.source}"))
        for m in found
        if m.match is not None
    ]


def _with_mentor_evidence(needs: list[NeedMatch], mentor: list[NeedMatch]) -> list[NeedMatch]:
    """``needs`` with the mentor's evidence for a need in place of that need's summary passage."""
    if not mentor:
        return needs
    by_need = {m.need.text: m for m in mentor if m.need is not None}
    out = [by_need.pop(n.need.text, n) if n.need is not None else n for n in needs]
    return [*by_need.values(), *out]


def _shared_providers(value: Any, providers: Mapping[str, str]) -> list[ContextFactor]:
    """The providers suggested to both cities, by name (a line of the context factors)."""
    ids = value.get("ids") if isinstance(value, Mapping) else None
    if not isinstance(ids, list) or not ids:
        return []
    names = [providers.get(str(i), str(i)) for i in ids]
    return [ContextFactor(name="providers", detail="suggested for both: " + ", ".join(names))]


def readable(
    result_id: str,
    kind: str,
    name: str,
    score: float,
    explanation: Mapping[str, Any] | None,
    *,
    providers: Mapping[str, str] | None = None,
) -> Suggestion:
    """One result's explanation as a :class:`Suggestion` (``providers`` names providers by id)."""
    exp: Mapping[str, Any] = explanation or {}
    mentor = exp.get("mentor_case")
    mentor_case = None
    if isinstance(mentor, Mapping) and isinstance(mentor.get("id"), str):
        mentor_case = (str(mentor["id"]), _text(mentor.get("title")) or str(mentor["id"]))
    return Suggestion(
        id=result_id,
        kind=kind,
        name=name,
        score=score,
        relation=_text(exp.get("relation")),
        reason=_text(exp.get("summary")),
        needs=_with_mentor_evidence(_needs(exp.get("needs")), _mentor_evidence(exp)),
        tags=_tags(exp.get("shared_tags")),
        context=_context(exp.get("context"))
        + _shared_providers(exp.get("shared_providers"), providers or {}),
        mentor_case=mentor_case,
        mentor_by_case=exp.get("relation") == "mentor" and _mentor_strength(exp) is None,
        details=[(k.replace("_", " "), _text(v)) for k, v in exp.items() if k not in _KNOWN and _text(v)],
    )


def suggestions_from(
    response: MatchResponse, kind: str, names: Mapping[str, Mapping[str, str]]
) -> list[Suggestion]:
    """The results of a matcher response, readable, best first."""
    out: list[Suggestion] = []
    for result in response.results:
        name = result.name or names.get(kind, {}).get(result.id, result.id)
        providers = names.get("provider", {})
        out.append(
            readable(result.id, kind, str(name), float(result.score), result.explanation, providers=providers)
        )
    return out


__all__ = [
    "ContextFactor",
    "NeedMatch",
    "Passage",
    "Suggestion",
    "readable",
    "shared_words",
    "suggestions_from",
]
