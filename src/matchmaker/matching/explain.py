"""Explanations: why a candidate was suggested, in JSON-safe form.

An explanation names the needs that matched (the need passage and the candidate's passage, both
quoted with their field and character offsets, with their cosine similarity and the lexical and
vocabulary evidence), the vocabulary tags the two documents share, the context factors with their
effect on the score, and a one-line summary. It quotes public text only: summaries, challenges,
provider descriptions and solutions, case studies and the query itself; never a focal point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.passages import DocKind, Passage
from matchmaker.matching.analysis import TAG_CONFIDENCE, TAG_KINDS
from matchmaker.matching.engine import Engine, EngineConfig, Evidence, KindIndex, Needs, Scored
from matchmaker.matching.fit import combine
from matchmaker.matching.glossary import GLOSS_NOTE, gloss_entries, readable_gloss
from matchmaker.matching.profiles import Profile, tag_vector, term_ids
from matchmaker.vocabulary import Kind, detect_language_scored, load_vocabulary, tag_text
from matchmaker.vocabulary.language import language_label
from matchmaker.vocabulary.roles import ROLES

#: Needs quoted per result.
NEEDS_SHOWN = 2
#: Characters of a passage quoted in the one-line summary.
SUMMARY_CHARS = 90
#: How the summary names a candidate (the ``what`` of :func:`explanation`), by its kind: a provider by
#: the capability it offers.
CANDIDATE_WORDS: Mapping[DocKind, str] = {"provider": "capability", "city": "city", "case": "case"}


def _passage(
    p: Passage,
    *,
    roles: npt.NDArray[np.float32] | None = None,
    language: str = "en",
    tags: npt.NDArray[np.float32] | None = None,
) -> dict[str, Any]:
    """A quoted passage: field, offsets and text; its role and the role's probability; and, when it is
    not in English, an English gloss (glossary words, role and topics) labelled as such."""
    out: dict[str, Any] = {"field": p.field, "start": p.start, "end": p.end, "text": p.text}
    if p.doc_id:
        out["doc_id"] = p.doc_id
    role: str | None = None
    if roles is not None and len(roles):
        k = int(np.argmax(roles))
        role = ROLES[k]
        out["role"] = role
        out["role_confidence"] = round(float(roles[k]), 3)
    if language != "en" and not written_in_english(p.text):
        # A passage not written in English carries an English gloss, so staff can read the quote; an
        # English passage of a document in another language (a solution described in English in an
        # Albanian profile) is read as it is.
        # A search is glossed without a role: the words typed are what is searched for.
        said_as = None if p.field == "query" else role
        glossed = gloss_entries(p.text, language)
        # A passage its own language's cues do not tag (Romanian has none) is named by the topics its
        # gloss names outright (a weak hint alone, "street" or "citizens", names none).
        topics = _topics(tags) or _topics(gloss_row(glossed), least=SHOWN_GLOSS_TOPIC)
        text = readable_gloss(" ".join(glossed), said_as, topics)
        if not text:
            # A quote with no role (a candidate's), no topic and no glossary word still says what it
            # is when it is plainly in another language, rather than standing bare as if staff could
            # read it; a product name ("EcoBin") is left as it is.
            written, confidence = detect_language_scored(p.text)
            if written != "en" and confidence >= ENGLISH_CONFIDENCE:
                text = unglossed(written)
        if text:
            out["gloss"] = text
            out["gloss_note"] = GLOSS_NOTE
    return out


def unglossed(language: str) -> str:
    """The gloss of a passage in ``language`` of which the glossary knows no word."""
    name = language_label(language) if language.strip() else ""
    # A code that names no language ("und": the identifier could not tell) is not shown as a name.
    written = f"{name} text" if name and name != language else "Text in a language not identified"
    return f"{written}; no key word of it is in the glossary"


#: How sure the language identifier must be that a passage is English for it to go without a gloss
#: (short text it cannot place is reported as English with less confidence than this).
ENGLISH_CONFIDENCE = 0.75


def written_in_english(text: str) -> bool:
    """Whether ``text`` itself is confidently English, whatever its document's language."""
    lang, confidence = detect_language_scored(text)
    return lang == "en" and confidence >= ENGLISH_CONFIDENCE


#: How sure a topic read from a passage's gloss must be to be named in the gloss shown: above one
#: weak cue alone (:data:`matchmaker.vocabulary.tagger.WEAK_WEIGHT` gives 0.33).
SHOWN_GLOSS_TOPIC = 0.35


def _topics(tags: npt.NDArray[np.float32] | None, limit: int = 3, *, least: float = 0.0) -> list[str]:
    """English names of a passage's strongest domain and obstacle tags (of confidence above ``least``)."""
    if tags is None or not len(tags):
        return []
    vocab = load_vocabulary()
    axes = _axes()
    order = [int(i) for i in np.argsort(-tags, kind="stable")[:limit] if tags[int(i)] > least]
    return [in_sentence(term.label if (term := vocab.get(axes[i])) else axes[i]) for i in order]


def in_sentence(label: str) -> str:
    """A vocabulary label as it reads inside a sentence: its first letter lowered, acronyms kept
    (``Data platforms and GIS`` → ``data platforms and GIS``, ``ICT infrastructure`` unchanged)."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return label
    return label[:1].lower() + label[1:]


def quoted(passage: Mapping[str, Any], limit: int, *, gloss_limit: int | None = None) -> str:
    """A passage in quotes, cut to ``limit`` characters, with its English gloss in brackets when it
    has one (cut to ``gloss_limit``, by default ``limit``)."""
    text = f"“{shortened(passage['text'], limit)}”"
    if passage.get("gloss"):
        text += f" [en gloss: {shortened(passage['gloss'], gloss_limit or limit)}]"
    return text


def shortened(text: str, limit: int = SUMMARY_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def shared_tags(a: Profile, b: Profile) -> list[dict[str, Any]]:
    """Domain, obstacle and stage tags both documents carry, strongest first."""
    vocab = load_vocabulary()
    theirs = {t.term_id: t for t in b.tags}
    out: list[dict[str, Any]] = []
    for tag in a.tags:
        other = theirs.get(tag.term_id)
        if other is None or tag.kind not in (Kind.DOMAIN, Kind.OBSTACLE, Kind.STAGE):
            continue
        term = vocab.get(tag.term_id)
        out.append(
            {
                "term": tag.term_id,
                "kind": tag.kind.value,
                "label": term.label if term else tag.term_id,
                "confidence": round(min(tag.confidence, other.confidence), 3),
                "sources": sorted({tag.source, other.source}),
            }
        )
    out.sort(key=lambda t: (t["kind"] != "obstacle", -t["confidence"], t["term"]))
    return out


def need_matches(
    needs: Needs,
    target: KindIndex,
    ev: Evidence,
    j: int,
    limit: int = NEEDS_SHOWN,
    *,
    column: int | None = None,
) -> list[dict[str, Any]]:
    """The best-matching needs of the query for candidate ``j``, each with its best passage.

    ``ev`` holds every candidate (column ``j``) or, with ``column``, that candidate's own evidence.
    """
    c = j if column is None else column
    if not needs.passages or c >= ev.combined.shape[1]:
        return []
    a, b = target.bounds[j]
    q_vectors, _ = needs.view(ev.config)
    t_vectors, _ = target.view(ev.config)
    order = np.argsort(-(ev.combined[:, c] * needs.weights), kind="stable")[:limit]
    vocab = load_vocabulary()
    use_ml = needs.ml_vectors is not None and target.ml_vectors is not None and ev.ml_dense is not None
    out: list[dict[str, Any]] = []
    for i in order.tolist():
        sims = t_vectors[a:b] @ q_vectors[i]
        pick = sims
        if use_ml and i < len(needs.ml_vectors):  # type: ignore[arg-type]
            # The quoted passage is the one both encoders agree on best.
            pick = sims + target.ml_vectors[a:b] @ needs.ml_vectors[i]  # type: ignore[index]
        k = int(np.argmax(pick)) if b > a else 0
        need_tags = {term for term, v in zip(_axes(), needs.tags[i].tolist(), strict=True) if v > 0}
        if i < len(needs.glosses) and needs.glosses[i]:
            # A need not in English is read through its English gloss as well, where its own words
            # name fewer topics: "sokak isimleri yok" is about street names, "sokak lambaları eski;
            # bütçe yok" about street lighting as well as funding.
            need_tags |= gloss_topics(gloss_entries(needs.passages[i].text, needs.profile.language))
        cand_tags = {term for term, v in zip(_axes(), target.doc_tags[j].tolist(), strict=True) if v > 0}
        quoted_tags = (
            {term for term, v in zip(_axes(), target.passage_tags[a + k].tolist(), strict=True) if v > 0}
            if b > a
            else set()
        )
        if b > a and target.glosses[a + k]:
            # The quoted passage is read through its gloss as well, as the need is.
            language = target.profiles[int(target.row_doc[a + k])].language
            quoted_tags |= gloss_topics(gloss_entries(target.passages[a + k].text, language))
        # The quoted passage itself is on the need's topic; a passage with no topic of its own is
        # judged by the whole candidate. A need on a domain (street lighting) is answered on that
        # domain, not by any passage that also names its obstacle (funding).
        topical = bool(need_tags & (quoted_tags or cand_tags))
        need_domains = need_tags & _domains()
        if topical and need_domains:
            topical = bool(need_domains & ((quoted_tags & _domains()) or cand_tags))
        out.append(
            {
                "need": need_passage(needs, i),
                "match": candidate_passage(target, a + k) if b > a else None,
                "similarity": round(float(sims[k]), 3) if b > a else 0.0,
                "lexical": round(float(ev.lexical[i, c]), 3),
                "vocabulary": round(float(ev.vocab[i, c]), 3),
                "score": round(float(ev.combined[i, c]), 3),
                "tags": sorted(
                    (vocab.get(t).label if vocab.get(t) else t)  # type: ignore[union-attr]
                    for t in need_tags & cand_tags
                ),
                "on_topic": topical,
            }
        )
    return out


@lru_cache(maxsize=4096)
def gloss_topics(glossed: tuple[str, ...]) -> frozenset[str]:
    """The domains and obstacles an English gloss names, tagged as the passages' own topics are."""
    return frozenset(term for term, v in zip(_axes(), gloss_row(glossed).tolist(), strict=True) if v > 0)


@lru_cache(maxsize=4096)
def gloss_row(glossed: tuple[str, ...]) -> npt.NDArray[np.float32]:
    """The tag row of an English gloss (the domains and obstacles it names, with their confidence).

    The gloss is read in its entries' order and in the reverse order: a language that puts the head
    of a phrase first gives its English words in that order ("colectarea deșeurilor" is glossed
    "collection waste", "collecte des déchets" too), and an English cue names the phrase the other
    way round ("waste collection"). Entries are kept whole ("street lighting" stays as it is)."""
    rows = [
        tag_vector(tag_text(" ".join(entries), "en", kinds=TAG_KINDS, min_confidence=TAG_CONFIDENCE))
        for entries in (glossed, glossed[::-1])
    ]
    row: npt.NDArray[np.float32] = np.maximum(rows[0], rows[1])
    return row


def on_topic(evidence: Mapping[str, Any]) -> bool:
    """Whether a need and the passage quoted against it share a topic (a domain or obstacle): the
    passage's own topics, or the whole candidate's when the passage has none. Without one the passage
    is only the closest the other side has, not an answer to the need (a water-loss need against a
    building-insulation passage of a provider that also does water), and setting the two side by side
    would say it is. Evidence that does not say is taken as it is."""
    if "on_topic" in evidence:
        return bool(evidence["on_topic"])
    return "tags" not in evidence or bool(evidence["tags"])


def need_passage(needs: Needs, i: int) -> dict[str, Any]:
    """The asking side's passage ``i`` quoted, with its role and (not in English) its gloss."""
    return _passage(
        needs.passages[i],
        roles=needs.roles[i] if needs.roles is not None and i < len(needs.roles) else None,
        language=needs.profile.language,
        tags=needs.tags[i] if i < len(needs.tags) else None,
    )


def candidate_passage(target: KindIndex, row: int) -> dict[str, Any]:
    """A candidate's passage (``row`` of its kind index) quoted, with its role and gloss."""
    language = target.profiles[int(target.row_doc[row])].language
    return _passage(
        target.passages[row],
        roles=target.roles[row] if target.kind == "city" else None,
        language=language,
        tags=target.passage_tags[row],
    )


def _axes() -> tuple[str, ...]:
    return term_ids()


@lru_cache(maxsize=1)
def _domains() -> frozenset[str]:
    """The domain axes of tag vectors."""
    return frozenset(t.id for t in load_vocabulary().of_kind(Kind.DOMAIN))


@lru_cache(maxsize=1)
def _domain_labels() -> frozenset[str]:
    """The names of the domains, as an evidence's ``tags`` give them."""
    return frozenset(t.label for t in load_vocabulary().of_kind(Kind.DOMAIN))


def on_a_domain(evidence: Mapping[str, Any]) -> bool:
    """Whether a need and the passage quoted against it share a domain (street lighting, waste...),
    not only an obstacle that most summaries name (funding)."""
    return any(label in _domain_labels() for label in evidence.get("tags") or [])


@dataclass(frozen=True)
class MentorCases:
    """The evidence of some case studies for a stored city's needs, one column per case (what a
    mentor's reason quotes), scored once for every result of a list."""

    needs: Needs
    evidence: Evidence
    columns: Mapping[str, int]


def mentor_case_evidence(
    engine: Engine, needs: Needs, items: Sequence[Scored], cfg: EngineConfig
) -> MentorCases | None:
    """The evidence of the mentor cases of ``items`` for the asking city's needs, in one pass over
    the cases (each case's column against the norms of the city's case row, as when scored alone);
    ``None`` for a free-text query or when no item has a mentor case."""
    wanted = [i.mentor_case for i in items if i.mentor_case is not None]
    if not needs.doc_id or not wanted:
        return None
    case = engine.kind("case")
    ids = list(dict.fromkeys(d for d in wanted if d in case.pos))
    if not ids:
        return None
    case_needs = engine.needs_of("city", needs.doc_id, cfg)
    evidence = engine.candidate_evidence(case_needs, "case", ids, cfg)
    return MentorCases(case_needs, evidence, {doc_id: c for c, doc_id in enumerate(ids)})


def explanation(
    engine: Engine,
    needs: Needs,
    target: KindIndex,
    ev: Evidence,
    *,
    item: Scored,
    cfg: EngineConfig,
    what: str,
    column: int | None = None,
    mentor_cases: MentorCases | None = None,
) -> dict[str, Any]:
    """The explanation of one result (``what`` names the candidate kind in the summary); ``ev``
    holds every candidate, or with ``column`` this candidate's own evidence. ``mentor_cases`` is the
    evidence of the shown results' mentor cases (:func:`mentor_case_evidence`), computed once for a
    whole list; without it a mentor's case is scored for this result alone."""
    j = target.pos[item.doc_id]
    candidate = target.profiles[j]
    matches = need_matches(needs, target, ev, j, column=column)
    tags = shared_tags(needs.profile, candidate)
    factors = [f.to_dict() for f in item.factors]
    out: dict[str, Any] = {
        "summary": "",
        "needs": matches,
        "shared_tags": tags,
        "context": factors,
        "relevance": round(item.relevance, 4),
        "mode": cfg.mode,
    }
    if item.relation is not None:
        out["relation"] = item.relation
    if item.mentor_case is not None:
        out["mentor_case"] = {"id": item.mentor_case, "score": round(item.mentor_score, 4)}
        case = engine.kind("case")
        if item.mentor_case in case.pos:
            out["mentor_case"]["title"] = case.profiles[case.pos[item.mentor_case]].name
            cases = (
                mentor_cases if mentor_cases is not None else mentor_case_evidence(engine, needs, [item], cfg)
            )
            if cases is not None and item.mentor_case in cases.columns:
                j_case = case.pos[item.mentor_case]
                column = cases.columns[item.mentor_case]
                out["mentor_case"]["needs"] = need_matches(
                    cases.needs, case, cases.evidence, j_case, 1, column=column
                )
    if item.mentor_strength is not None:
        need_i, row, score = item.mentor_strength
        out["mentor_strength"] = {
            "need": need_passage(needs, need_i) if need_i < len(needs.passages) else None,
            "match": candidate_passage(target, row),
            "score": round(score, 4),
        }
    if item.shared_providers is not None and needs.doc_id:
        out["shared_providers"] = {
            "similarity": round(item.shared_providers, 4),
            "ids": engine.shared_provider_ids(needs.doc_id, item.doc_id, cfg),
        }
    if item.relation is not None:
        out["composition"] = composition(item, cfg)
    out["summary"] = _summary(
        item,
        matches,
        tags,
        factors,
        what=what,
        mentor_case=out.get("mentor_case"),
        mentor_strength=out.get("mentor_strength"),
        composed=out.get("composition"),
    )
    return out


#: The name of the factor that adds earlier meetings' ratings to a score (not a context multiplier).
FEEDBACK_FACTOR = "feedback"


def composition(item: Scored, cfg: EngineConfig) -> dict[str, Any]:
    """How a city ↔ city score is made, part by part, so that it can be checked from the reasons.

    The comparable part is the two cities' relevance times the context multiplier (the context
    effects apply to it alone); a mentor's case study replaces it when it scores higher; the shared
    providers are then blended in with their weight, the result kept in [0, 1], and earlier meetings'
    ratings added (``feedback``). Each part has its ``share`` of the score and its ``value``;
    ``score`` is what they add up to (the result's score, before it is rounded for display).
    """
    context = [f for f in item.factors if f.name != FEEDBACK_FACTOR]
    multiplier = combine(context) if context else 1.0
    comparable = item.relevance * multiplier
    base: dict[str, Any] = {
        "part": "comparable",
        "relevance": round(item.relevance, 4),
        "context_multiplier": round(multiplier, 4),
        "context": [f"{f.name} {f.to_dict()['effect']}" for f in context if f.multiplier != 1.0],
        "value": round(comparable, 4),
    }
    value = comparable
    if item.mentor_case is not None and item.mentor_score > comparable:
        base = {
            "part": "mentor case",
            "case": item.mentor_case,
            "value": round(item.mentor_score, 4),
            "instead_of": base,
        }
        value = item.mentor_score
    weight = cfg.w_shared_providers if item.shared_providers is not None else 0.0
    base["share"] = round(1.0 - weight, 4)
    parts = [base]
    score = (1.0 - weight) * value
    if item.shared_providers is not None:
        parts.append(
            {"part": "shared providers", "share": round(weight, 4), "value": round(item.shared_providers, 4)}
        )
        score += weight * item.shared_providers
    score = min(1.0, max(0.0, score))
    out: dict[str, Any] = {"parts": parts}
    changes = [float(getattr(f, "change", 0.0)) for f in item.factors if f.name == FEEDBACK_FACTOR]
    if changes:
        out["feedback"] = round(sum(changes), 4)
        score = min(1.0, max(0.0, score + sum(changes)))
    out["score"] = round(score, 4)
    return out


#: How the summary names the part of a city ↔ city score its case study gives, when the city is no
#: mentor (its case study scored higher than the comparable part, but overcame none of the asking
#: city's obstacles, or not by enough): "mentor case" beside "Comparable city" said both at once.
CASE_PART_OF_A_COMPARABLE_CITY = "its case study"


def _composed_text(composed: Mapping[str, Any], relation: str | None = None) -> str:
    """``score 0.48 = 85% × comparable 0.45 (relevance 0.53, context −15%: region −15%) + 15% × shared
    providers 0.70``: the parts of :func:`composition` as one line of the summary (of a city whose
    ``relation`` is comparable or mentor)."""
    terms: list[str] = []
    for part in composed["parts"]:
        name = part["part"]
        if name == "mentor case" and relation != "mentor":
            name = CASE_PART_OF_A_COMPARABLE_CITY
        text = f"{part['share'] * 100:.0f}% × {name} {part['value']:.2f}"
        if part["part"] == "comparable" and part["context"]:
            effect = (part["context_multiplier"] - 1.0) * 100
            text += (
                f" (relevance {part['relevance']:.2f}, context {effect:+.0f}%: {', '.join(part['context'])})"
            )
        terms.append(text)
    line = f"score {composed['score']:.2f} = " + " + ".join(terms)
    if "feedback" in composed:
        line += f" {composed['feedback']:+.2f} feedback"
    return line


def _mentor_part(
    item: Scored, mentor_case: dict[str, Any] | None, mentor_strength: dict[str, Any] | None = None
) -> str:
    if item.relation != "mentor":
        return ""
    if mentor_strength and not (mentor_case and item.mentor_score >= mentor_strength["score"]):
        text = f"Mentor: its strength {quoted(mentor_strength['match'], 70)}"
        if mentor_strength.get("need"):
            text += f" answers the need {quoted(mentor_strength['need'], 60)}"
        return text
    if not mentor_case:
        return ""
    text = f"Mentor: its case study “{shortened(str(mentor_case.get('title', mentor_case['id'])), 70)}”"
    case_needs = mentor_case.get("needs") or []
    if case_needs and case_needs[0]["match"] is not None and on_topic(case_needs[0]):
        text += f" answers the need {quoted(case_needs[0]['need'], 60)}"
    return text


def _asking_label(passage: Mapping[str, Any]) -> str:
    """How the summary introduces the asking passage: a stored record's by its role (``need``,
    ``context``...), a free-text search's as the search it is, never as a 'strength' of the person
    searching."""
    if passage.get("field") == "query":
        return "search"
    return str(passage.get("role", "need"))


def _summary(
    item: Scored,
    matches: list[dict[str, Any]],
    tags: list[dict[str, Any]],
    factors: list[dict[str, Any]],
    *,
    what: str,
    mentor_case: dict[str, Any] | None = None,
    mentor_strength: dict[str, Any] | None = None,
    composed: Mapping[str, Any] | None = None,
) -> str:
    parts: list[str] = []
    mentor = _mentor_part(item, mentor_case, mentor_strength)
    if mentor:
        parts.append(mentor)
    elif item.relation == "comparable":
        parts.append("Comparable city")
    answered = next((m for m in matches if m["match"] is not None and on_topic(m)), None)
    if answered is not None and not mentor:
        m = answered
        parts.append(
            f"{_asking_label(m['need'])} {quoted(m['need'], 60)} ↔ {what} {quoted(m['match'], 70)} "
            f"(similarity {m['similarity']:.2f})"
        )
    if tags:
        parts.append("shared: " + ", ".join(t["label"] for t in tags[:3]))
    elif answered is None and not mentor and matches:
        # No need shares a topic with the candidate: the score rests on the texts as a whole.
        parts.append("similar overall description")
    if item.shared_providers is not None and item.shared_providers >= 0.6:
        parts.append("the same providers answer both")
    adjusted = [f for f in factors if f["multiplier"] != 1.0]
    if composed is not None:
        # City ↔ city: the context applies to the comparable part alone, so it is stated there, with
        # the other parts and their shares, and the score adds up from the summary.
        parts.append(_composed_text(composed, item.relation))
    elif adjusted:
        parts.append("context: " + ", ".join(f"{f['factor']} {f['effect']}" for f in adjusted))
    return "; ".join(parts) if parts else "weak match"


__all__ = [
    "CANDIDATE_WORDS",
    "FEEDBACK_FACTOR",
    "candidate_passage",
    "composition",
    "explanation",
    "in_sentence",
    "need_matches",
    "need_passage",
    "on_a_domain",
    "on_topic",
    "quoted",
    "shared_tags",
    "shortened",
]
