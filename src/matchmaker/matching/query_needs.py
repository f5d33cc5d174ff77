"""How the engine reads a query's needs (:class:`~.needs.Needs`): the passages of a stored document,
with (``clause_needs``) the clauses of long passages and (``need_window``) each passage read with its
neighbours as needs of their own, and the needs of a
free-text query, encoded, glossed, tagged and given roles as the documents' passages are.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from matchmaker.embeddings.encoder import Encoder, FloatArray, normalize_rows
from matchmaker.embeddings.passages import Passage
from matchmaker.matching import signals
from matchmaker.matching.analysis import passage_facts
from matchmaker.matching.kinds import KindIndex, SecondEncoder, blend_glosses, passage_roles
from matchmaker.matching.needs import Needs, need_weights, split_clauses, split_needs, window_spans
from matchmaker.matching.profiles import query_profile
from matchmaker.matching.scoring import EngineConfig
from matchmaker.vocabulary.roles import RoleModel

#: Needs added to a document: the row each copies its weight and role from, its quote and the text
#: that is encoded.
_Addition = tuple[list[int], list[Passage], list[str]]
#: What is kept of them: parent rows, quotes, vectors, glossed vectors, glosses, tags, tokens and
#: tokens with the glosses' words.
_Tokens = tuple[list[str], ...]
_Added = tuple[
    list[int], list[Passage], FloatArray, FloatArray, tuple[str, ...], FloatArray, _Tokens, _Tokens
]


class NeedsReader:
    """The needs of queries, for one engine: ``embed`` encodes the needs added to a document (clauses,
    passages read with their neighbours; none: no added needs), ``second`` and ``role_model`` give a
    free-text query its multilingual vectors and roles; the added needs of each document are kept
    (``lock``: the engine's cache lock)."""

    def __init__(
        self,
        *,
        embed: Callable[[Sequence[str]], FloatArray] | None,
        second: SecondEncoder | None,
        role_model: RoleModel | None,
        lock: threading.Lock,
    ) -> None:
        self._embed = embed
        self._second = second
        self._role_model = role_model
        self._added: dict[str, _Added] = {}
        self._lock = lock

    def of_document(self, index: KindIndex, doc_id: str, cfg: EngineConfig) -> Needs:
        """The needs of a stored document of ``index``: its passages, (``need_window``) each read with
        its neighbours, and (``clause_needs``) the clauses of passages that hold several, weighted as
        ``cfg`` says."""
        a, b = index.doc_rows(doc_id)
        j = index.pos[doc_id]
        tags = index.passage_tags[a:b]
        roles = index.roles[a:b]
        weights = need_weights(tags, index.context_mask(cfg)[a:b], roles, cfg)
        needs = Needs(
            index.passages[a:b],
            index.vectors[a:b],
            tags,
            weights,
            index.profiles[j],
            doc_id,
            index.passage_vectors(cfg.cross_language, cfg.gloss_weight)[a:b],
            tuple(index.glosses[a:b]),
            tuple(index.tokens[a:b]),
            tuple(index.tokens_x[a:b]),
            index.doc_vectors[j] if cfg.w_doc_dense > 0 else None,
            roles,
            index.ml_vectors[a:b] if index.ml_vectors is not None else None,
        )
        base, content = needs, f"{doc_id}\t{index.doc_hashes[j]}"
        if cfg.need_window > 0:
            width = cfg.need_window
            needs = self._extended(needs, f"windows{width}\t{content}", cfg, lambda: _windows(base, width))
        if cfg.clause_needs:
            needs = self._extended(needs, f"clauses\t{content}", cfg, lambda: _clauses(base))
        return needs

    def _extended(
        self, needs: Needs, key: str, cfg: EngineConfig, addition: Callable[[], _Addition]
    ) -> Needs:
        """``needs`` with the needs ``addition`` makes, each quoted as its passage and weighted and given
        a role as its parent row; made and encoded once per ``key`` and gloss weight."""
        if self._embed is None:
            return needs
        key = f"{key}\t{cfg.gloss_weight}"
        cached = self._added.get(key)
        if cached is None:
            parents, passages, texts = addition()
            facts = passage_facts(texts, needs.profile.language)
            vectors = self._embed(texts) if texts else needs.vectors[:0]
            vectors_x = blend_glosses(vectors, facts.glosses, self._embed, cfg.gloss_weight)
            cached = (
                parents,
                passages,
                vectors,
                vectors_x,
                facts.glosses,
                facts.tags,
                facts.tokens,
                facts.tokens_x,
            )
            with self._lock:
                self._added[key] = cached
        parents, passages, vectors, vectors_x, glosses, tags, tokens, tokens_x = cached
        if not parents:
            return needs
        assert needs.vectors_x is not None
        ml = needs.ml_vectors
        return Needs(
            [*needs.passages, *passages],
            np.concatenate([needs.vectors, vectors]),
            np.concatenate([needs.tags, tags]),
            np.concatenate([needs.weights, needs.weights[parents]]),
            needs.profile,
            needs.doc_id,
            np.concatenate([needs.vectors_x, vectors_x]),
            needs.glosses + glosses,
            needs.tokens + tokens,
            needs.tokens_x + tokens_x,
            needs.doc_vector,
            None if needs.roles is None else np.concatenate([needs.roles, needs.roles[parents]]),
            # An added need reads the multilingual view of its parent passage.
            None if ml is None else np.concatenate([ml, ml[parents]]),
        )

    def of_text(self, text: str, encoder: Encoder, cfg: EngineConfig) -> Needs:
        """The needs of a free-text query, encoded with ``encoder``."""
        profile = query_profile(text)
        spans = split_needs(text)
        passages = [Passage("case", "", "query", a, b, text[a:b]) for a, b in spans]
        if len(passages) > 1:
            passages.append(Passage("case", "", "query", *(_strip_span(text)), text.strip()))
        texts = [p.text for p in passages]
        facts = passage_facts(texts, profile.language)
        glosses, tags = facts.glosses, facts.tags
        vectors = encoder.encode(texts)
        vectors_x = blend_glosses(vectors, glosses, encoder.encode, cfg.gloss_weight)
        ml_vectors = (
            normalize_rows(self._second.query(texts)) if self._second is not None and passages else None
        )
        context = facts.context_mask(network_rule=True, money_rule=True)
        roles = passage_roles(texts, ml_vectors, self._role_model, context, tags)
        # A free-text query states what is sought: without roles every passage counts fully.
        weights = (
            signals.role_weights(roles, np.asarray(cfg.role_vector, dtype=np.float32))
            if cfg.use_roles
            else np.ones(len(passages), dtype=np.float32)
        )
        tokens, tokens_x = facts.tokens, facts.tokens_x
        # The whole text as one unit (the last passage is the whole text when there are several).
        doc_vector = normalize_rows(np.asarray(vectors[-1:], dtype=np.float32))[0] if passages else None
        return Needs(
            passages,
            vectors,
            tags,
            weights,
            profile,
            "",
            vectors_x,
            glosses,
            tokens,
            tokens_x,
            doc_vector,
            roles,
            ml_vectors,
        )


def _clauses(needs: Needs) -> _Addition:
    """The clauses of long need passages ("buses come in groups; nobody knows when")."""
    parents: list[int] = []
    clauses: list[Passage] = []
    for i, p in enumerate(needs.passages):
        spans = split_clauses(p.text)
        if len(spans) < 2:
            continue
        for s0, s1 in spans:
            clauses.append(replace(p, start=p.start + s0, end=p.start + s1, text=p.text[s0:s1]))
            parents.append(i)
    return parents, clauses, [c.text for c in clauses]


def _windows(needs: Needs, width: int) -> _Addition:
    """Each passage read with its ``width`` neighbours of the same field on each side, quoted as the
    passage itself: "We have no measurements, only a wall thermometer." says what is missing only
    beside the sentence before it."""
    spans = window_spans([p.field for p in needs.passages], width)
    parents = [i for i, (a, b) in enumerate(spans) if b - a > 1]
    texts = [" ".join(p.text for p in needs.passages[spans[i][0] : spans[i][1]]) for i in parents]
    return parents, [needs.passages[i] for i in parents], texts


def _strip_span(text: str) -> tuple[int, int]:
    lead = len(text) - len(text.lstrip())
    return lead, lead + len(text.strip())
