"""What one kind of documents (cities, providers or case studies) holds for matching.

:class:`KindIndex` holds a kind's passage and whole-text vectors, tags, statements of context, roles,
English glosses and BM25 indexes, built once per index generation (rows of unchanged documents taken
from the index it replaces); :class:`Candidates` is how the signals read all of them or a few;
:class:`DocumentSet` is which documents a kind held, what an engine built after a write compares to
keep the relevance rows of unchanged documents. Passage roles (:func:`passage_roles`) and the second,
multilingual encoder (:class:`SecondEncoder`) live here too.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

from matchmaker.embeddings.bundle import BUILD_HINT, IndexBundle
from matchmaker.embeddings.encoder import FloatArray, normalize_rows
from matchmaker.embeddings.passages import DocKind, Passage
from matchmaker.matching.analysis import CONTEXT_RULES, Analyses
from matchmaker.matching.lexical import LexicalIndex
from matchmaker.matching.profiles import Profile, term_ids
from matchmaker.matching.ranking import copy_rows
from matchmaker.matching.scoring import EngineConfig
from matchmaker.vocabulary.roles import ROLES, RoleModel, cue_features

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------------
# The second, multilingual encoder and passage roles


@dataclass(frozen=True, slots=True)
class SecondEncoder:
    """The multilingual encoder as the engine sees it: ``stored`` embeds the passages of stored
    records (from the embedding cache, filled at index time), ``query`` embeds free-text queries."""

    name: str
    stored: Callable[[Sequence[str]], FloatArray]
    query: Callable[[Sequence[str]], FloatArray]


NEED, STRENGTH, CONTEXT, BACKGROUND = (ROLES.index(r) for r in ("need", "strength", "context", "background"))


def rule_roles(context: npt.NDArray[np.bool_], tags: FloatArray) -> FloatArray:
    """Roles from the engine's rules, when no role model fits the multilingual encoder: a statement
    of context is context, a passage without a domain or obstacle tag is background, the rest needs."""
    out = np.zeros((len(context), len(ROLES)), dtype=np.float32)
    untagged = tags.sum(axis=1) <= 0 if len(tags) else np.zeros(len(context), dtype=bool)
    out[:, NEED] = 1.0
    out[untagged, NEED] = 0.0
    out[untagged, BACKGROUND] = 1.0
    out[context] = 0.0
    out[context, CONTEXT] = 1.0
    return out


def passage_roles(
    texts: Sequence[str],
    ml_vectors: FloatArray | None,
    model: RoleModel | None,
    context: npt.NDArray[np.bool_],
    tags: FloatArray,
) -> FloatArray:
    """Role probabilities of passages (passages × roles): the role model over their multilingual
    vectors when it was fitted on that encoder, else :func:`rule_roles`."""
    if model is not None and ml_vectors is not None and ml_vectors.shape[1] == model.dimension and len(texts):
        return model.probabilities(ml_vectors, cue_features(texts))
    return rule_roles(context, tags)


# --------------------------------------------------------------------------------------------------
# Per-kind data


class KindIndex:
    """One kind's documents as the engine scores them: vectors, passages, tags and a BM25 index.

    What one document alone determines (tags, statements of context, glosses, tokens) comes from
    ``analyses``; with ``previous`` (this kind's index in the engine being replaced), the rows of
    documents whose content did not change are copied from it (multilingual vectors, roles,
    whole-text vectors, gloss blends) and only new or edited documents are computed.
    """

    def __init__(
        self,
        bundle: IndexBundle,
        profiles: Mapping[str, Profile],
        *,
        analyses: Analyses | None = None,
        previous: KindIndex | None = None,
        embed: Callable[[Sequence[str]], FloatArray] | None = None,
        second: SecondEncoder | None = None,
        role_model: RoleModel | None = None,
    ) -> None:
        entries = sorted(
            (e for e in bundle.documents.values() if e.doc_id in profiles and e.stop > e.start),
            key=lambda e: e.start,
        )
        missing = sorted(set(profiles) - {e.doc_id for e in entries})
        if missing:
            logger.warning(
                "%d %s records are not in the index yet (%s...); %s",
                len(missing),
                bundle.kind,
                ", ".join(missing[:3]),
                BUILD_HINT,
            )
        self.kind: DocKind = bundle.kind
        #: The encoder that made ``vectors``.
        self.model_name: str = bundle.manifest.model_name
        self.ids: list[str] = [e.doc_id for e in entries]
        self.pos: dict[str, int] = {d: i for i, d in enumerate(self.ids)}
        self.doc_hashes: list[str] = [e.doc_hash for e in entries]
        rows = np.concatenate([np.arange(e.start, e.stop) for e in entries]) if entries else np.zeros(0, int)
        whole = len(rows) == len(bundle.vectors) and bool(np.array_equal(rows, np.arange(len(rows))))
        # The bundle's own array when every row is used in order (the usual case): no copy.
        self.vectors: FloatArray = (
            np.ascontiguousarray(bundle.vectors, dtype=np.float32)
            if whole
            else np.ascontiguousarray(bundle.vectors[rows], dtype=np.float32)
        )
        self.passages: list[Passage] = [bundle.passages[int(r)] for r in rows]
        lengths = np.array([e.stop - e.start for e in entries], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if entries else lengths
        self.bounds = [(int(o), int(o + n)) for o, n in zip(self.offsets, lengths, strict=True)]
        self.row_doc = np.repeat(np.arange(len(entries)), lengths) if entries else np.zeros(0, int)
        self.profiles: list[Profile] = [profiles[d] for d in self.ids]
        axes = len(term_ids())
        self.doc_tags: FloatArray = (
            np.stack([p.vector for p in self.profiles]) if entries else np.zeros((0, axes), np.float32)
        )
        facts = (analyses or Analyses()).facts_of(
            [
                (h, prof.language, [p.text for p in self.passages[a:b]])
                for h, prof, (a, b) in zip(self.doc_hashes, self.profiles, self.bounds, strict=True)
            ]
        )
        self.passage_tags: FloatArray = (
            np.concatenate([f.tags for f in facts]) if entries else np.zeros((0, axes), np.float32)
        )
        # Which passages state context, with each of the two short-statement rules on or off.
        context_bits = np.concatenate([f.context for f in facts]) if entries else np.zeros(0, np.uint8)
        self._context: dict[tuple[bool, bool], npt.NDArray[np.bool_]] = {
            rules: (context_bits >> bit) & 1 == 1 for bit, rules in enumerate(CONTEXT_RULES)
        }
        self.context = self._context[True, True]
        self.glosses: list[str] = [g for f in facts for g in f.glosses]
        self.tokens: list[list[str]] = [t for f in facts for t in f.tokens]
        self.tokens_x: list[list[str]] = [t for f in facts for t in f.tokens_x]
        # Rows of unchanged documents in the index this one replaces (-1: compute).
        self._take_docs, self._take_rows = self._carried(previous)
        self._previous: KindIndex | None = previous
        # The multilingual view of every passage (cached at index time) and each passage's role.
        embed_texts = [p.embed_text for p in self.passages]
        self.ml_vectors: FloatArray | None = None
        if second is not None and self.passages:
            self.ml_vectors = self._rows(
                None if previous is None else previous.ml_vectors,
                lambda idx: normalize_rows(second.stored([embed_texts[i] for i in idx])),
            )
        ml_vectors = self.ml_vectors
        self.roles: FloatArray = self._rows(
            None if previous is None else previous.roles,
            lambda idx: passage_roles(
                [embed_texts[i] for i in idx],
                None if ml_vectors is None else ml_vectors[idx],
                role_model,
                self.context[idx],
                self.passage_tags[idx],
            ),
        )
        texts = [" ".join(p.text for p in self.passages[a:b]) for a, b in self.bounds]
        # Both BM25 indexes (by whether they read the English glosses) are made on first use: after
        # a write, a query that reads this kind's needs only (its providers, say) does not wait for
        # the kind's index to be built again.
        self._lexical: dict[bool, LexicalIndex] = {}
        self.generation = bundle.generation
        self._embed = embed
        self._texts = texts
        self._gloss_rows = [i for i, g in enumerate(self.glosses) if g]
        self._gloss_vectors: FloatArray | None = None
        self._blended: dict[float, FloatArray] = {}
        self._doc_vectors: FloatArray | None = None
        self._view_lock = threading.Lock()
        if previous is not None:
            # Views the replaced index had made are made now, from its rows; then it is let go.
            for weight in list(previous._blended):
                self.passage_vectors(True, weight)
            if previous._doc_vectors is not None:
                _ = self.doc_vectors
        self._previous = None

    def lexical(self, glosses: bool) -> LexicalIndex:
        """BM25 over the documents' own words; with ``glosses``, the cross-language view: over the
        documents' words with the English glosses of passages of documents not written in English
        (full engine only). Made on first use."""
        index = self._lexical.get(glosses)
        if index is None:
            with self._view_lock:
                index = self._lexical.get(glosses)
                if index is None:
                    tokens = self.tokens_x if glosses else self.tokens
                    index = LexicalIndex.from_tokens(_per_document(tokens, self.bounds))
                    self._lexical[glosses] = index
        return index

    def _carried(self, previous: KindIndex | None) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Per document and per passage row, the same document's row in ``previous`` when its
        content is unchanged, else -1."""
        docs = np.full(len(self.ids), -1, dtype=np.int64)
        rows = np.full(len(self.passages), -1, dtype=np.int64)
        if previous is None:
            return docs, rows
        for i, (doc_id, doc_hash) in enumerate(zip(self.ids, self.doc_hashes, strict=True)):
            j = previous.pos.get(doc_id)
            if j is None or previous.doc_hashes[j] != doc_hash:
                continue
            docs[i] = j
            a, b = self.bounds[i]
            pa, pb = previous.bounds[j]
            if pb - pa == b - a:
                rows[a:b] = np.arange(pa, pb)
        return docs, rows

    def _rows(
        self,
        previous: FloatArray | None,
        compute: Callable[[npt.NDArray[np.int64]], FloatArray],
        *,
        per_document: bool = False,
    ) -> FloatArray:
        """One row per passage (or per document): copied from ``previous`` where carried over,
        computed for the rest (``compute`` gets the indexes of the rows to make)."""
        take = self._take_docs if per_document else self._take_rows
        missing = np.flatnonzero(take < 0)
        if previous is None or len(missing) == len(take):
            return np.asarray(compute(np.arange(len(take))), dtype=np.float32)
        fresh = compute(missing) if len(missing) else None
        kept = take >= 0
        if len(previous) == len(take) and np.array_equal(take[kept], np.flatnonzero(kept)):
            out = previous.copy()  # the same layout: one copy, then the changed rows
        else:
            out = np.empty((len(take), previous.shape[1]), dtype=np.float32)
            copy_rows(out, previous, np.flatnonzero(kept), take[kept])
        if fresh is not None:
            out[missing] = fresh
        return out

    def passage_vectors(self, cross_language: bool, gloss_weight: float) -> FloatArray:
        """Passage vectors; with ``cross_language`` the embedding of each English gloss is blended in
        with ``gloss_weight`` (kept per weight once computed)."""
        if not cross_language or not self._gloss_rows or self._embed is None or gloss_weight == 0:
            return self.vectors
        cached = self._blended.get(gloss_weight)
        if cached is not None:
            return cached
        embed = self._embed
        with self._view_lock:
            cached = self._blended.get(gloss_weight)
            if cached is not None:
                return cached
            before = self._previous._blended.get(gloss_weight) if self._previous is not None else None

            blended = self._rows(
                before,
                lambda idx: blend_glosses(
                    self.vectors[idx], [self.glosses[i] for i in idx.tolist()], embed, gloss_weight
                ),
            )
            self._blended[gloss_weight] = blended
        return blended

    def candidates(self, cfg: EngineConfig, only: int | Sequence[int] | None = None) -> Candidates:
        """The documents as the signals read them under ``cfg``: all of them, or the documents ``only``
        (one index or several, in that order)."""
        vectors, lexical = self.view(cfg)
        context = self.context_mask(cfg)
        if only is None:
            return Candidates(
                self.kind,
                vectors,
                self.ml_vectors,
                self.offsets,
                self.bounds,
                context,
                self.roles,
                self.doc_tags,
                lambda: self.doc_vectors,
                lambda needs: (
                    np.stack([lexical.scores(t) for t in needs]).astype(np.float32)
                    if len(needs)
                    else np.zeros((0, len(self)), np.float32)
                ),
                english=self.english,
                languages=self.languages,
                model_name=self.model_name,
            )
        docs = [only] if isinstance(only, int) else list(only)
        ranges = [self.bounds[j] for j in docs]
        rows = np.concatenate([np.arange(a, b) for a, b in ranges]) if docs else np.zeros(0, np.int64)
        lengths = np.array([b - a for a, b in ranges], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if docs else lengths
        index = np.asarray(docs, dtype=np.int64)

        # Each document's BM25 weights are read when scores are first asked for (a caller holding
        # the scores of every document already replaces ``lexical`` and never reads them).
        read: list[dict[str, float]] = []

        def scores(needs: Sequence[list[str]]) -> FloatArray:
            if len(read) < len(docs):
                read[:] = [lexical.document_weights(j) for j in docs]
            weights = read
            return np.array(
                [[sum(w.get(t, 0.0) for t in tokens) for w in weights] for tokens in needs], dtype=np.float32
            ).reshape(len(needs), len(weights))

        return Candidates(
            self.kind,
            vectors[rows],
            None if self.ml_vectors is None else self.ml_vectors[rows],
            offsets,
            [(int(o), int(o + n)) for o, n in zip(offsets, lengths, strict=True)],
            context[rows],
            self.roles[rows],
            self.doc_tags[index],
            lambda: self.doc_vectors[index],
            scores,
            english=self.english[index],
            languages=self.languages[index],
            model_name=self.model_name,
        )

    @functools.cached_property
    def english(self) -> npt.NDArray[np.bool_]:
        """Whether each document is written in English (its profile's detected language)."""
        english: npt.NDArray[np.bool_] = self.languages == "en"
        return english

    @functools.cached_property
    def languages(self) -> npt.NDArray[np.str_]:
        """Each document's language (its profile's detected language, an ISO 639-1 code)."""
        return np.array([p.language for p in self.profiles], dtype=np.str_).reshape(len(self.profiles))

    def context_mask(self, cfg: EngineConfig) -> npt.NDArray[np.bool_]:
        """Which passages state context under ``cfg``'s rules."""
        return self._context[cfg.network_state_rule, cfg.money_rule]

    def view(self, cfg: EngineConfig) -> tuple[FloatArray, LexicalIndex]:
        """Passage vectors and BM25 index as ``cfg`` sees them (with or without the English glosses)."""
        if cfg.cross_language:
            return self.passage_vectors(True, cfg.gloss_weight), self.lexical(True)
        return self.vectors, self.lexical(False)

    @property
    def doc_vectors(self) -> FloatArray:
        """One unit vector per document: its whole text embedded as one unit (the normalised mean of
        its passage vectors when the engine has no model)."""
        if self._doc_vectors is not None:
            return self._doc_vectors
        with self._view_lock:
            if self._doc_vectors is None:
                embed = self._embed
                dimension = self.vectors.shape[1] if self.vectors.ndim == 2 else 0
                if embed is not None and self._texts:
                    before = self._previous._doc_vectors if self._previous is not None else None
                    vectors = self._rows(
                        before, lambda idx: embed([self._texts[i] for i in idx]), per_document=True
                    )
                elif self.bounds:
                    vectors = np.stack([self.vectors[a:b].mean(axis=0) for a, b in self.bounds])
                else:
                    vectors = np.zeros((0, dimension), np.float32)
                self._doc_vectors = normalize_rows(np.asarray(vectors, dtype=np.float32))
        return self._doc_vectors

    def __len__(self) -> int:
        return len(self.ids)

    def doc_rows(self, doc_id: str) -> tuple[int, int]:
        """Row range of a document's passages in :attr:`vectors`."""
        return self.bounds[self.pos[doc_id]]

    def max_by_doc(self, sims: FloatArray) -> FloatArray:
        """Per row of ``sims`` (n × passages), the best passage of every document (n × documents)."""
        if sims.shape[1] == 0:
            return np.zeros((sims.shape[0], 0), dtype=np.float32)
        out: FloatArray = np.maximum.reduceat(sims, self.offsets, axis=1)
        return out


@dataclass(frozen=True, slots=True)
class Candidates:
    """Candidates as the signals read them: every document of a kind, or one of them
    (:meth:`KindIndex.candidates`). Passage arrays are the view's (glosses blended or not)."""

    kind: DocKind
    vectors: FloatArray
    ml_vectors: FloatArray | None
    offsets: npt.NDArray[np.int64]
    bounds: list[tuple[int, int]]
    context: npt.NDArray[np.bool_]
    roles: FloatArray
    doc_tags: FloatArray
    #: The documents' whole-text vectors (made on first use).
    doc_vectors: Callable[[], FloatArray]
    #: Raw BM25 of each need's tokens against each document (needs × documents).
    lexical: Callable[[Sequence[list[str]]], FloatArray]
    #: Whether each document is written in English (``None``: unknown, taken as English).
    english: npt.NDArray[np.bool_] | None = None
    #: Each document's language (``None``: unknown).
    languages: npt.NDArray[np.str_] | None = None
    #: The encoder that made ``vectors`` (it chooses the learned adapter, :mod:`.adapters`).
    model_name: str = ""

    def __len__(self) -> int:
        return len(self.bounds)


def blend_glosses(
    vectors: FloatArray, glosses: Sequence[str], embed: Callable[[Sequence[str]], FloatArray], weight: float
) -> FloatArray:
    """Passage vectors with the embedding of their English gloss added (rows without a gloss unchanged)."""
    rows = [i for i, g in enumerate(glosses) if g]
    if not rows:
        return vectors
    extra = embed([glosses[i] for i in rows])
    out = np.array(vectors, dtype=np.float32, copy=True)
    out[rows] = normalize_rows(out[rows] + weight * extra)
    return out


@dataclass(frozen=True, slots=True)
class DocumentSet:
    """Which documents a kind held and with what content and profile: what carrying relevance rows
    from one engine to the next compares, without keeping the replaced kind's vectors and tokens."""

    ids: list[str]
    pos: dict[str, int]
    doc_hashes: list[str]
    profiles: list[Profile]
    #: Each document's first passage row.
    offsets: npt.NDArray[np.int64]

    @classmethod
    def of(cls, index: KindIndex) -> DocumentSet:
        """The documents of ``index``."""
        return cls(index.ids, index.pos, index.doc_hashes, index.profiles, index.offsets)


def same_document(a: KindIndex | DocumentSet, i: int, b: KindIndex | DocumentSet, j: int) -> bool:
    """Whether document ``i`` of ``a`` and document ``j`` of ``b`` are the same content and profile."""
    return a.ids[i] == b.ids[j] and a.doc_hashes[i] == b.doc_hashes[j] and a.profiles[i] is b.profiles[j]


def _per_document(tokens: Sequence[list[str]], bounds: Sequence[tuple[int, int]]) -> list[list[str]]:
    """Each document's tokens: the tokens of its passages in order."""
    return [list(chain.from_iterable(tokens[a:b])) for a, b in bounds]
