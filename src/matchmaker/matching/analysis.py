"""What the engine derives from one document on its own: its profile and its passage facts.

Building an engine used to mean reading every text again: tagging, language detection, context
extraction, English glosses, BM25 tokens. None of it depends on another document's text, so it is
computed once per document content and kept:

* in memory, handed from one engine to the next (:class:`Analyses`): after a write, a new engine
  computes only the changed record;
* on disk, in ``analysis-cache.sqlite3`` in the host's cache directory
  (:class:`~matchmaker.matching.analysis_store.AnalysisStore`): an ingest or a rebuild fills it, so a
  process starting over stored indexes reads instead of computing.

Keys are content hashes together with a fingerprint of the code and vocabulary that compute them
(:func:`fingerprint`): an upgrade reads nothing stale. Values are JSON, never pickles.

The statements of context among a document's passages (budget, business model, hosting,
connectivity, working languages) are told apart here too: :func:`is_context_passage`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import ConfigDict, TypeAdapter

from matchmaker.db.models import CasePublic, CityPublic, ProviderPublic
from matchmaker.embeddings.encoder import FloatArray
from matchmaker.embeddings.passages import DocKind, Record, record_hash, record_kind
from matchmaker.matching.analysis_store import STORE_FILE, AnalysisStore
from matchmaker.matching.glossary import gloss
from matchmaker.matching.lexical import tokenize
from matchmaker.matching.profiles import (
    Profile,
    case_profile,
    city_lookups,
    city_profile,
    deployed_populations,
    mentor_of,
    needs_connection,
    provider_profile,
    tag_vector,
    term_ids,
)
from matchmaker.vocabulary import Kind, find_language_mentions, tag_text

logger = logging.getLogger(__name__)

T = TypeVar("T")
In = TypeVar("In")

#: Bump when what is derived changes in a way the source fingerprint cannot see.
ANALYSIS_VERSION = 1
#: Tag kinds of passage tags, and their least confidence.
TAG_KINDS = (Kind.DOMAIN, Kind.OBSTACLE)
TAG_CONFIDENCE = 0.3
#: The four settings of the two short-statement rules of :func:`context_variants`, one bit each.
CONTEXT_RULES: tuple[tuple[bool, bool], ...] = ((True, True), (True, False), (False, True), (False, False))

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


# --------------------------------------------------------------------------------------------------
# Passage facts


@dataclass(frozen=True, slots=True)
class PassageFacts:
    """One document's passages as the engine reads them, from their text and language alone."""

    #: Domain and obstacle tags of each passage (passages × tag axes).
    tags: FloatArray
    #: Per passage, bit ``i`` set when it states context under :data:`CONTEXT_RULES` ``[i]``.
    context: npt.NDArray[np.uint8]
    #: The English gloss of each passage ("" in English documents).
    glosses: tuple[str, ...]
    #: BM25 tokens of each passage, and with its gloss's tokens added.
    tokens: tuple[list[str], ...]
    tokens_x: tuple[list[str], ...]

    def __len__(self) -> int:
        return len(self.glosses)

    def context_mask(self, network_rule: bool, money_rule: bool) -> npt.NDArray[np.bool_]:
        """Which passages state context with the two rules set so."""
        bit = CONTEXT_RULES.index((network_rule, money_rule))
        out: npt.NDArray[np.bool_] = (self.context >> bit) & 1 == 1
        return out

    def to_bytes(self) -> bytes:
        """Compressed JSON (tags stored sparse)."""
        rows, axes = np.nonzero(self.tags)
        payload = {
            "n": len(self),
            "tags": [
                [int(r), int(a), round(float(self.tags[r, a]), 6)] for r, a in zip(rows, axes, strict=True)
            ],
            "context": self.context.tolist(),
            "glosses": list(self.glosses),
            "tokens": list(self.tokens),
            "tokens_x": [x if x != t else None for t, x in zip(self.tokens, self.tokens_x, strict=True)],
        }
        return zlib.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(), 1)

    @classmethod
    def from_bytes(cls, blob: bytes) -> PassageFacts:
        """The inverse of :meth:`to_bytes`."""
        data = json.loads(zlib.decompress(blob))
        tags = np.zeros((int(data["n"]), len(term_ids())), dtype=np.float32)
        for r, a, v in data["tags"]:
            tags[r, a] = v
        tokens = tuple(_interned(t) for t in data["tokens"])
        return cls(
            tags,
            np.asarray(data["context"], dtype=np.uint8),
            tuple(data["glosses"]),
            tokens,
            tuple(t if x is None else _interned(x) for t, x in zip(tokens, data["tokens_x"], strict=True)),
        )


def passage_facts(texts: Sequence[str], language: str) -> PassageFacts:
    """The facts of one document's passages (``texts``), written in ``language``."""
    axes = len(term_ids())
    tags = (
        np.stack(
            [tag_vector(tag_text(t, language, kinds=TAG_KINDS, min_confidence=TAG_CONFIDENCE)) for t in texts]
        )
        if texts
        else np.zeros((0, axes), dtype=np.float32)
    )
    context = np.zeros(len(texts), dtype=np.uint8)
    for i, (text, row) in enumerate(zip(texts, tags, strict=True)):
        variants = context_variants(text, language, row)
        context[i] = sum(1 << bit for bit, rules in enumerate(CONTEXT_RULES) if variants[rules])
    glosses = tuple(gloss(t, language) if language != "en" else "" for t in texts)
    tokens = tuple(_interned(tokenize(t)) for t in texts)
    tokens_x = tuple(t + _interned(tokenize(g)) if g else t for t, g in zip(tokens, glosses, strict=True))
    return PassageFacts(tags.astype(np.float32), context, glosses, tokens, tokens_x)


def _interned(tokens: list[str]) -> list[str]:
    """Tokens as shared strings: a corpus repeats a few thousand words over its passages."""
    return [sys.intern(t) for t in tokens]


# --------------------------------------------------------------------------------------------------
# Profiles as JSON

# Profiles are frozen dataclasses holding one numpy array (the tag vector, rebuilt from the tags).
Profile.__pydantic_config__ = ConfigDict(arbitrary_types_allowed=True)  # type: ignore[attr-defined]


@cache
def _profile_adapter() -> TypeAdapter[Profile]:
    return TypeAdapter(Profile)


def profile_to_bytes(profile: Profile) -> bytes:
    """A profile as compressed JSON (without its tag vector, which its tags determine)."""
    return zlib.compress(_profile_adapter().dump_json(profile, exclude={"vector"}), 1)


def profile_from_bytes(blob: bytes) -> Profile:
    """The inverse of :func:`profile_to_bytes`."""
    data: dict[str, Any] = json.loads(zlib.decompress(blob))
    data["vector"] = np.zeros(0, dtype=np.float32)
    profile = _profile_adapter().validate_python(data)
    values = {f.name: getattr(profile, f.name) for f in fields(profile)}
    values["vector"] = tag_vector(profile.tags)
    return Profile(**values)


# --------------------------------------------------------------------------------------------------
# Keys, the store and the in-memory hand-over


@cache
def fingerprint() -> str:
    """A hash of the code and data that compute analyses: the vocabulary package, the profile,
    gloss, tokenizer and context rules, and :data:`ANALYSIS_VERSION`."""
    digest = hashlib.sha256(f"analysis-v{ANALYSIS_VERSION}".encode())
    vocabulary = resources.files("matchmaker.vocabulary")
    sources = sorted(
        (p for p in vocabulary.iterdir() if p.name.endswith((".py", ".json"))), key=lambda p: p.name
    )
    here = Path(__file__).parent
    for path in [*sources, *(here / n for n in ("analysis.py", "profiles.py", "glossary.py", "lexical.py"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def facts_key(doc_hash: str, language: str) -> str:
    """The key of a document's passage facts: its content hash (the bundle's) and language."""
    return f"facts:{fingerprint()}:{language}:{doc_hash}"


class Analyses:
    """The analyses an engine uses, by key: what it computed, read, or took from the engine before.

    ``previous`` is the analyses of the engine this one replaces; only keys still in use are kept,
    so memory follows the live corpus.
    """

    def __init__(self, store: AnalysisStore | None = None, previous: Analyses | None = None) -> None:
        self.store = store
        self._previous = previous
        self.profiles: dict[str, Profile] = {}
        #: The key of each record's profile, by (kind, id): what its content and lookups were.
        self.profile_keys: dict[tuple[DocKind, str], str] = {}
        self.facts: dict[str, PassageFacts] = {}
        # Content hashes of the record objects seen (the object is kept, so its id stays its own).
        self._record_hashes: dict[int, tuple[Record, str]] = {}
        # The profile key of each record object seen, and the city lookups the keys were made with:
        # while the lookups are the same, a record object handed over keeps its key.
        self._profile_keys_of: dict[int, tuple[Record, DocKind, str]] = {}
        self._lookups: tuple[dict[str, int], dict[tuple[str, str], str]] | None = None
        self.computed = 0
        self.read = 0

    def _content_key(self, record: Record) -> str:
        """A record's content hash; a record object handed over from the engine before keeps its hash."""
        known = self._record_hashes.get(id(record))
        if known is None and self._previous is not None:
            known = self._previous._record_hashes.get(id(record))
        if known is not None and known[0] is record:
            self._record_hashes[id(record)] = known
            return known[1]
        digest = record_hash(record)
        self._record_hashes[id(record)] = (record, digest)
        return digest

    def release_previous(self) -> None:
        """Forget the analyses handed over (once every kind is prepared)."""
        self._previous = None

    def profiles_of(self, records: Mapping[DocKind, Sequence[Record]]) -> dict[DocKind, dict[str, Profile]]:
        """Profiles of every record, per kind, as :func:`~.profiles.build_profiles` makes them."""
        populations, city_ids = city_lookups(records)
        previous = self._previous
        handed = (
            previous._profile_keys_of
            if previous is not None and previous._lookups == (populations, city_ids)
            else {}
        )
        self._lookups = (populations, city_ids)
        keyed: list[tuple[str, DocKind, Record]] = []
        for kind, recs in records.items():
            for rec in recs:
                known = handed.get(id(rec))
                if known is not None and known[0] is rec and known[1] == kind:
                    key = known[2]  # the same object under the same lookups: the same key
                elif record_kind(rec) != kind:
                    continue
                else:
                    if isinstance(rec, ProviderPublic):
                        extra = ",".join(map(str, deployed_populations(rec, populations)))
                    elif isinstance(rec, CasePublic):
                        extra = mentor_of(rec, city_ids) or ""
                    else:
                        extra = ""
                    key = f"profile:{fingerprint()}:{kind}:{self._content_key(rec)}:{extra}"
                self._profile_keys_of[id(rec)] = (rec, kind, key)
                keyed.append((key, kind, rec))

        def compute(rec: Record) -> Profile:
            if isinstance(rec, CityPublic):
                return city_profile(rec)
            if isinstance(rec, ProviderPublic):
                return provider_profile(rec, populations)
            assert isinstance(rec, CasePublic)
            return case_profile(rec, city_ids)

        found = self._resolve(
            {key: rec for key, _, rec in keyed},
            self.profiles,
            None if self._previous is None else self._previous.profiles,
            compute=compute,
            decode=profile_from_bytes,
            encode=profile_to_bytes,
        )
        out: dict[DocKind, dict[str, Profile]] = {"city": {}, "provider": {}, "case": {}}
        for key, kind, rec in keyed:
            out[kind][rec.id] = found[key]
            self.profile_keys[kind, rec.id] = key
        return out

    def facts_of(self, documents: Sequence[tuple[str, str, Sequence[str]]]) -> list[PassageFacts]:
        """Passage facts of documents given as ``(content hash, language, passage texts)``, in order."""
        keyed = [(facts_key(h, lang), (lang, texts)) for h, lang, texts in documents]
        found = self._resolve(
            dict(keyed),
            self.facts,
            None if self._previous is None else self._previous.facts,
            compute=lambda item: passage_facts(item[1], item[0]),
            decode=PassageFacts.from_bytes,
            encode=PassageFacts.to_bytes,
        )
        return [found[k] for k, _ in keyed]

    def _resolve(
        self,
        inputs: Mapping[str, In],
        mine: dict[str, T],
        previous: Mapping[str, T] | None,
        *,
        compute: Callable[[In], T],
        decode: Callable[[bytes], T],
        encode: Callable[[T], bytes],
    ) -> dict[str, T]:
        """Each key's value: kept here, handed over, stored on disk, or computed (then stored)."""
        out: dict[str, T] = {}
        missing: list[str] = []
        for key in inputs:
            known = mine.get(key)
            if known is None and previous is not None:
                known = previous.get(key)
            if known is None:
                missing.append(key)
            else:
                out[key] = known
        stored = self.store.get(missing) if self.store is not None else {}
        fresh: list[tuple[str, bytes]] = []
        for key in missing:
            blob = stored.get(key)
            value: T | None = None
            if blob is not None:
                try:
                    value = decode(blob)
                    self.read += 1
                except (ValueError, KeyError, TypeError, zlib.error):
                    value = None
            if value is None:
                value = compute(inputs[key])
                self.computed += 1
                fresh.append((key, encode(value)))
            out[key] = value
        mine.update(out)
        if fresh and self.store is not None:
            self.store.put(fresh)
        return out


__all__ = [
    "ANALYSIS_VERSION",
    "CONTEXT_RULES",
    "STORE_FILE",
    "TAG_CONFIDENCE",
    "TAG_KINDS",
    "Analyses",
    "AnalysisStore",
    "PassageFacts",
    "context_variants",
    "facts_key",
    "fingerprint",
    "is_context_passage",
    "passage_facts",
    "profile_from_bytes",
    "profile_to_bytes",
]
