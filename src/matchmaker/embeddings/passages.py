"""Splitting records into passages that remember where they came from.

A :class:`Passage` is a sentence, a bullet item or a short window of a long sentence, with the
character offsets of that piece inside one field of one record. ``field_text(record, passage.field)
[passage.start:passage.end] == passage.text`` always holds, so a match can quote the exact need and
the exact capability that matched, and a user interface can highlight them.

Fields per kind (see :func:`document_fields`):

* city: ``summary`` and ``challenges:<i>`` (each entry of the challenges list);
* provider: ``description`` and ``solution:<i>`` whose text is ``title + "\\n" + description`` of the
  i-th solution. Solution passages are evidence of a concrete capability; their description passages
  carry the solution title as :attr:`Passage.context`;
* case: ``title`` and ``text``.

Splitting rules (:func:`split_spans`):

* lines are grouped into blocks; a blank line, a bullet (``-``, ``*``, ``•``, ``1.``, ``a)``...) or a
  heading starts a new block, so list items never run into each other;
* headings (short ALL-CAPS lines, Markdown ``#`` lines, short lines ending in ``:``) are not passages;
  they become the context of the passages under them;
* blocks are split into sentences at ``. ! ? … 。 ؟ ۔`` followed by a space and a character that is not
  a lower-case letter; common abbreviations (``e.g.``, ``Dr.``, ``vb.``, ``т.е.``) and initials don't
  split. Scripts without case (Arabic) split on the punctuation alone;
* sentences longer than ``max_chars`` become overlapping word windows; tiny fragments are merged into
  their neighbour;
* a field that yields nothing (a lone heading, say) becomes one passage of its stripped text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from matchmaker.db.models import KINDS, CasePublic, CityPublic, Kind, ProviderPublic, PublicRecord

#: Bumped whenever the splitting rules change; it is part of every corpus hash, so bundles built
#: with other rules are seen as stale.
SPLITTER_VERSION = 1

#: The record kinds and the public record union have one home, :mod:`matchmaker.db.models`.
DocKind = Kind
Record = PublicRecord

MAX_CHARS = 400
WINDOW_WORDS = 60
OVERLAP_WORDS = 12
MIN_WORDS = 3
MIN_CHARS = 25


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of one field of one record, with its offsets into that field's text."""

    kind: DocKind
    doc_id: str
    field: str
    start: int
    end: int
    text: str
    context: str = ""

    @property
    def embed_text(self) -> str:
        """What gets encoded: the text, led by its context (section heading or solution title)."""
        return f"{self.context}: {self.text}" if self.context else self.text

    @property
    def key(self) -> str:
        """Stable identity inside a corpus: ``kind/doc_id/field/start-end``."""
        return f"{self.kind}/{self.doc_id}/{self.field}/{self.start}-{self.end}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the kind is implied by the bundle)."""
        out: dict[str, Any] = {
            "doc_id": self.doc_id,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }
        if self.context:
            out["context"] = self.context
        return out

    @classmethod
    def from_dict(cls, kind: DocKind, data: dict[str, Any]) -> Passage:
        """Inverse of :meth:`to_dict`."""
        return cls(
            kind=kind,
            doc_id=str(data["doc_id"]),
            field=str(data["field"]),
            start=int(data["start"]),
            end=int(data["end"]),
            text=str(data["text"]),
            context=str(data.get("context", "")),
        )


@dataclass(frozen=True, slots=True)
class Span:
    """Offsets of a passage inside a text, and the heading it sits under."""

    start: int
    end: int
    context: str = ""


# --------------------------------------------------------------------------------------------------
# Splitting

_BULLET = re.compile(
    r"^[ \t]*(?:[-*+•·‣▪◦●○■□➢➤►✓✔–—]|\(?\d{1,3}[.)]|\(?[a-z][)])[ \t]+(?=\S)",
)
_MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(?P<title>.+?)[ \t#]*$")
_TERMINATOR = re.compile(r"[.!?…。！？؟۔]+[\"'”’»)\]]*(?=\s)")
_WORD = re.compile(r"\S+")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_ABBREVIATIONS = frozenset(
    " ".join(
        (
            "e.g i.e etc cf vs approx incl excl inc ltd co corp dept fig no nr nos st mr mrs ms dr prof",
            "jan feb mar apr jun jul aug sep sept oct nov dec mio mln bn ca al",
            "vb örn bkz sn yy doç",  # Turkish
            "т.е т.к т.д т.п г гг ул им ст стр млн млрд тыс руб др пр",  # Russian
            "bzw usw z.b u.a ggf",  # German
        )
    ).split()
)


def _is_heading(line: str) -> str | None:
    """The heading title if ``line`` is a heading, else ``None``."""
    stripped = line.strip()
    if not stripped:
        return None
    md = _MD_HEADING.match(stripped)
    if md:
        return md.group("title").strip()
    title = stripped.rstrip(":").strip()
    words = title.split()
    if not words or len(words) > 8 or len(_LETTER.findall(title)) < 2:
        return None
    if title[-1] in ".!?;,…":
        return None
    if title.isupper():
        return title
    if stripped.endswith(":") and len(words) <= 6:
        return title
    return None


def _blocks(text: str) -> Iterator[tuple[int, int, str | None, bool]]:
    """Yield ``(start, end, heading, is_bullet)`` blocks of lines; heading blocks have ``end == start``."""
    block_start: int | None = None
    block_end = 0
    block_bullet = False
    for match in re.finditer(r"[^\n]*", text):
        if match.start() > 0 and text[match.start() - 1] != "\n" and match.group() == "":
            continue  # finditer's empty match right after a non-empty one
        line = match.group()
        start, end = match.start(), match.end()
        if not line.strip():
            if block_start is not None:
                yield block_start, block_end, None, block_bullet
                block_start = None
            continue
        heading = _is_heading(line)
        if heading is not None:
            if block_start is not None:
                yield block_start, block_end, None, block_bullet
                block_start = None
            yield start, start, heading, False
            continue
        bullet = _BULLET.match(line)
        if bullet:
            if block_start is not None:
                yield block_start, block_end, None, block_bullet
            block_start, block_end, block_bullet = start + bullet.end(), end, True
            continue
        if block_start is None:
            block_start, block_end, block_bullet = start, end, False
        else:
            block_end = end  # a wrapped line continues the paragraph or bullet item
    if block_start is not None:
        yield block_start, block_end, None, block_bullet


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the ``.`` at ``dot`` ends an abbreviation or an initial rather than a sentence."""
    i = dot
    while i > 0 and not text[i - 1].isspace() and text[i - 1] not in "([\"'«“":
        i -= 1
    word = text[i:dot].casefold()
    if not word:
        return False
    if word in _ABBREVIATIONS:
        return True
    # Initials such as "J. Smith" or "U.S." — one letter, or letters separated by dots.
    return bool(re.fullmatch(r"(?:[^\W\d_]\.)*[^\W\d_]", word)) and len(word.replace(".", "")) <= 2


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` (whitespace trimmed)."""
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _TERMINATOR.finditer(text, start, end):
        cut = match.end()
        nxt = cut
        while nxt < end and text[nxt].isspace():
            nxt += 1
        if nxt >= end:
            break
        if text[nxt].islower():
            continue
        if (
            match.group()[0] == "."
            and len(match.group().rstrip("\"'”’»)]")) == 1
            and _is_abbreviation(text, match.start())
        ):
            continue
        spans.append((cursor, cut))
        cursor = nxt
    spans.append((cursor, end))
    return [s for s in (_trim(text, a, b) for a, b in spans) if s is not None]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _windows(
    text: str, start: int, end: int, *, max_chars: int, window_words: int, overlap: int
) -> list[tuple[int, int]]:
    """Overlapping word windows over a long span; words longer than ``max_chars`` are cut."""
    words: list[tuple[int, int]] = []
    for match in _WORD.finditer(text, start, end):
        a, b = match.span()
        while b - a > max_chars:  # unspaced scripts or junk: hard cut
            words.append((a, a + max_chars))
            a += max_chars
        words.append((a, b))
    if not words:
        return []
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        j = i
        while j + 1 < len(words) and j + 1 - i < window_words and words[j + 1][1] - words[i][0] <= max_chars:
            j += 1
        out.append((words[i][0], words[j][1]))
        if j == len(words) - 1:
            break
        i = max(i + 1, j + 1 - overlap)
    return out


def _tiny(text: str, start: int, end: int) -> bool:
    return end - start < MIN_CHARS and len(text[start:end].split()) < MIN_WORDS


def split_spans(
    text: str,
    *,
    max_chars: int = MAX_CHARS,
    window_words: int = WINDOW_WORDS,
    overlap_words: int = OVERLAP_WORDS,
) -> list[Span]:
    """Split ``text`` into passage spans; see the module docstring for the rules."""
    spans: list[Span] = []
    heading = ""
    for b_start, b_end, b_heading, _bullet in _blocks(text):
        if b_heading is not None:
            heading = b_heading
            continue
        pieces: list[tuple[int, int]] = []
        for s_start, s_end in _sentences(text, b_start, b_end):
            # A tiny fragment ("Yes.", "No budget.") joins its neighbour rather than stand alone.
            if pieces and (_tiny(text, s_start, s_end) or _tiny(text, *pieces[-1])):
                pieces[-1] = (pieces[-1][0], s_end)
            else:
                pieces.append((s_start, s_end))
        for p_start, p_end in pieces:
            if p_end - p_start > max_chars:
                for w_start, w_end in _windows(
                    text,
                    p_start,
                    p_end,
                    max_chars=max_chars,
                    window_words=window_words,
                    overlap=overlap_words,
                ):
                    spans.append(Span(w_start, w_end, heading))
            else:
                spans.append(Span(p_start, p_end, heading))
    if not spans:
        whole = _trim(text, 0, len(text))
        if whole is not None:
            if whole[1] - whole[0] > max_chars:
                spans = [
                    Span(a, b)
                    for a, b in _windows(
                        text, *whole, max_chars=max_chars, window_words=window_words, overlap=overlap_words
                    )
                ]
            else:
                spans = [Span(*whole)]
    return spans


# --------------------------------------------------------------------------------------------------
# Records → fields → passages


def record_kind(record: Record) -> DocKind:
    """The document kind of a public record."""
    if isinstance(record, CityPublic):
        return "city"
    if isinstance(record, ProviderPublic):
        return "provider"
    if isinstance(record, CasePublic):
        return "case"
    msg = f"not a city, provider or case record: {type(record).__name__}"
    raise TypeError(msg)


def document_fields(record: Record) -> list[tuple[str, str]]:
    """``(field, text)`` pairs of a record that get passages, in order."""
    if isinstance(record, CityPublic):
        fields = [("summary", record.summary)]
        fields += [(f"challenges:{i}", c) for i, c in enumerate(record.challenges)]
        return fields
    if isinstance(record, ProviderPublic):
        fields = [("description", record.description)]
        fields += [
            (f"solution:{i}", _solution_text(s.title, s.description)) for i, s in enumerate(record.solutions)
        ]
        return fields
    if isinstance(record, CasePublic):
        return [("title", record.title), ("text", record.text)]
    msg = f"not a city, provider or case record: {type(record).__name__}"
    raise TypeError(msg)


def _solution_text(title: str, description: str) -> str:
    return f"{title}\n{description}" if description else title


def field_text(record: Record, field: str) -> str:
    """The text a passage's offsets point into (``solution:<i>`` is ``title + "\\n" + description``)."""
    for name, text in document_fields(record):
        if name == field:
            return text
    msg = f"{record_kind(record)} {record.id} has no field {field!r}"
    raise KeyError(msg)


def _field_passages(kind: DocKind, doc_id: str, field: str, text: str) -> list[Passage]:
    if field.startswith("solution:"):
        # The title is a passage of its own and the context of every description passage.
        title, _, description = text.partition("\n")
        out: list[Passage] = []
        t = _trim(text, 0, len(title))
        if t is not None:
            out.append(Passage(kind, doc_id, field, t[0], t[1], text[t[0] : t[1]]))
        offset = len(title) + 1
        context = title.strip()
        for span in split_spans(description):
            a, b = span.start + offset, span.end + offset
            ctx = f"{context} — {span.context}" if span.context and context else (context or span.context)
            out.append(Passage(kind, doc_id, field, a, b, text[a:b], ctx))
        return out
    if field == "title":
        t = _trim(text, 0, len(text))
        return [] if t is None else [Passage(kind, doc_id, field, t[0], t[1], text[t[0] : t[1]])]
    return [
        Passage(kind, doc_id, field, s.start, s.end, text[s.start : s.end], s.context)
        for s in split_spans(text)
    ]


def record_passages(record: Record) -> list[Passage]:
    """Every passage of a record, in field order."""
    kind = record_kind(record)
    out: list[Passage] = []
    for field, text in document_fields(record):
        out.extend(_field_passages(kind, record.id, field, text))
    return out


def _digest(header: str, pairs: Iterable[tuple[str, str]], *, before: bytes, between: bytes) -> str:
    """SHA-256 of a header and ``pairs``, each pair framed by the separator bytes."""
    h = hashlib.sha256(header.encode())
    for first, second in pairs:
        h.update(before)
        h.update(first.encode())
        h.update(between)
        h.update(second.encode())
    return h.hexdigest()


def document_hash(record: Record) -> str:
    """Hash of what a record contributes to the index (its passage fields and the splitter version)."""
    header = f"v{SPLITTER_VERSION}\x00{record_kind(record)}\x00{record.id}"
    return _digest(header, document_fields(record), before=b"\x00\x01", between=b"\x00")


def record_hash(record: Record) -> str:
    """Hash of everything a record says (its public fields), text or not: its languages, regions or
    population change it where :func:`document_hash` stays the same."""
    return hashlib.sha256(record.model_dump_json().encode()).hexdigest()[:32]


def corpus_hash(doc_hashes: Iterable[tuple[str, str]]) -> str:
    """Hash of a whole corpus from ``(doc_id, document_hash)`` pairs, independent of their order."""
    return _digest(f"splitter-v{SPLITTER_VERSION}", sorted(doc_hashes), before=b"\x00", between=b"\x01")


def text_hash(text: str) -> str:
    """Content hash of one text to embed (the embedding-cache key, together with the model name)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def as_kind(value: str) -> DocKind:
    """Validate a kind name (``cities`` and friends are accepted too)."""
    plural = {"cities": "city", "providers": "provider", "cases": "case"}
    value = plural.get(value, value)
    if value not in KINDS:
        msg = f"unknown kind {value!r}; use one of {', '.join(KINDS)}"
        raise ValueError(msg)
    return value  # type: ignore[return-value]


__all__ = [
    "KINDS",
    "SPLITTER_VERSION",
    "DocKind",
    "Passage",
    "Record",
    "Span",
    "as_kind",
    "corpus_hash",
    "document_fields",
    "document_hash",
    "field_text",
    "record_hash",
    "record_kind",
    "record_passages",
    "split_spans",
    "text_hash",
]
