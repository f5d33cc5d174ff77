"""Reading corpus files (JSON Lines or CSV) into raw records, line by line, without trusting them.

A file yields :class:`RawLine` items: either a parsed ``dict`` or the one-line reason why that line could
not be parsed. Problems that make the whole file unreadable (unknown kind, not UTF-8, a JSON array, a CSV
without its required columns, an empty file) raise :class:`UnreadableFileError`.

Lines are read with a bounded buffer, so a 50 MB line is rejected without being held in memory whole.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import logging
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from matchmaker.db.models import PLURALS, Kind
from matchmaker.errors import InvalidInputError
from matchmaker.wording import noun_for

logger = logging.getLogger(__name__)

#: The plural words that name a kind in a file name (``2027-providers.csv``).
FILE_KINDS: dict[str, Kind] = PLURALS
SUFFIXES = (".jsonl", ".csv")

REQUIRED: dict[Kind, tuple[str, ...]] = {
    "city": ("id", "name", "country", "summary"),
    "provider": ("id", "name", "country", "description"),
    "case": ("id", "title", "city", "country", "text"),
}
#: Fields that hold lists; in CSV they are separated by ``;``.
LIST_FIELDS: dict[Kind, frozenset[str]] = {
    "city": frozenset({"priorities", "challenges"}),
    "provider": frozenset({"languages", "regions_served"}),
    "case": frozenset({"domains", "obstacles", "stages", "outcomes", "providers"}),
}
#: The parser's bound on one CSV cell: more than any file may hold (a C long on every platform), since
#: rows are bounded by ``max_line_bytes`` as a whole.
_CSV_CELL_LIMIT = 2**31 - 1
#: The most digits a number in a record may have (Python's limit on converting text to an integer).
_MAX_DIGITS = sys.get_int_max_str_digits()


def field_key(name: str) -> str:
    """A field name as compared with the known ones: lower case, ``_`` between words."""
    return re.sub(r"[\s-]+", "_", name.strip()).lower()


def written_otherwise(missing: Sequence[str], given: Sequence[str], what: str) -> str:
    """A hint for required names that ``given`` holds written otherwise (``ID``, ``Summary``, ``Country ``):
    `` (given as 'ID', 'Summary': column names are lower case)``, or nothing."""
    keys = {field_key(name): name for name in given if isinstance(name, str)}
    found = [keys[name] for name in missing if name in keys and keys[name] != name]
    if not found:
        return ""
    return f" (given as {', '.join(map(repr, found))}: {what} names are lower case, with _ between words)"


class UnreadableFileError(InvalidInputError):
    """The whole file cannot be read as a corpus file."""


@dataclass(frozen=True, slots=True)
class RawLine:
    """One line of a corpus file: a parsed record or the reason it could not be parsed."""

    line: int
    record: dict[str, Any] | None
    error: str | None = None


_NAME_TOKENS = re.compile(r"[^a-z0-9]+")
_NOT_CORPUS = "not a corpus file: the name must end in .jsonl or .csv (e.g. cities.jsonl, cases-2027.csv)"


#: How the command line lets people give the kind of a file whose name does not say it.
KIND_OPTION = "--kind city|provider|case"


def kind_of(path: Path, *, kind_option: bool = True) -> Kind:
    """The record kind named by a corpus file name.

    The name must end in ``.jsonl`` or ``.csv``. The kind is read from the end of the name before the
    suffix (``cities.jsonl``, ``focal_cities.jsonl``, ``2027-providers.csv``) or, failing that, from the
    one kind word among its parts (``cities-2027.csv``). A name that says no kind, or more than one,
    raises :class:`UnreadableFileError` with the reason; it suggests :data:`KIND_OPTION` only with
    ``kind_option`` (where the kind can be given: the command line, not an upload).
    """
    name = path.name.lower()
    suffix = next((s for s in SUFFIXES if name.endswith(s)), None)
    if suffix is None:
        raise UnreadableFileError(_NOT_CORPUS)
    base = name[: -len(suffix)]
    for word, kind in FILE_KINDS.items():
        if base.endswith(word):
            return kind
    named = {FILE_KINDS[t] for t in _NAME_TOKENS.split(base) if t in FILE_KINDS}
    if len(named) == 1:
        return named.pop()
    give = f" or give {KIND_OPTION}" if kind_option else ""
    if named:
        raise UnreadableFileError(f"the file name names more than one record kind; rename it{give}")
    raise UnreadableFileError(
        "cannot tell the record kind from the file name; end the name in cities, providers or cases "
        f"(e.g. focal_cities.jsonl, 2027-providers.csv){give}"
    )


#: The longest name an uploaded file may have, in bytes of UTF-8: what a file system holds in one name
#: (NAME_MAX), since an upload is saved under its own name and read as ``matchmaker ingest`` reads files.
FILE_NAME_MAX_BYTES = 255


def file_name_too_long(name: str | None = None) -> str:
    """Why an uploaded file's name is refused as too long, with the limit in words a person can act on,
    and the name's length when it is known (a form reader may stop before the name is read whole)."""
    measured = ""
    if name is not None:
        size = len(name.encode("utf-8", "replace"))
        measured = f" ({len(name):,} characters" + (f", {size:,} bytes)" if size != len(name) else ")")
    return (
        f"the file name is too long{measured}; the limit is {FILE_NAME_MAX_BYTES} bytes"
        f" ({FILE_NAME_MAX_BYTES} plain letters and digits; an accented or non-Latin letter takes 2 to 4"
        " of them); rename the file"
    )


def upload_kind(name: str, *, named: bool = False) -> Kind:
    """The record kind an uploaded file's ``name`` says (as :func:`kind_of`, with no ``--kind`` to
    give), after checking that the name is short enough to save the file under it; a longer name
    raises :class:`UnreadableFileError` with its length and the limit. With ``named`` (one upload of
    several files) a name that says no kind is refused with the name before the reason."""
    if len(name.encode("utf-8", "replace")) > FILE_NAME_MAX_BYTES:
        raise UnreadableFileError(file_name_too_long(name))
    try:
        return kind_of(Path(name), kind_option=False)
    except UnreadableFileError as exc:
        if not named:
            raise
        raise UnreadableFileError(f"{name}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file inside a folder that ingest did not read, and why."""

    path: Path
    reason: str


@dataclass(frozen=True, slots=True)
class Discovery:
    """The corpus files found under some paths, and the files of those folders that were skipped."""

    files: list[Path]
    skipped: list[SkippedFile]


def discover_with_skips(paths: list[Path], kind: Kind | None = None) -> Discovery:
    """Expand folders into the corpus files they hold (cities, then providers, then cases).

    Paths named directly are kept as given (a missing one is reported when it is read). Inside a folder,
    every file that is not read is listed with the reason; a hidden file or folder (``.git``, the
    ``._cities.jsonl`` a Mac leaves on a USB stick) is not read, and a hidden folder is listed once,
    not with every file in it. With ``kind`` every ``.jsonl`` or ``.csv`` file is read as that kind.
    """
    found: list[Path] = []
    skipped: list[SkippedFile] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        for inner in _folder_entries(path, skipped):
            if inner.name.startswith("."):
                what = "folder" if inner.is_dir() else "file"
                skipped.append(SkippedFile(inner, f"a hidden {what}; name it directly to read it"))
                continue
            if not inner.is_file():
                continue
            reason = _skip_reason(inner, kind)
            if reason is None:
                found.append(inner)
            else:
                skipped.append(SkippedFile(inner, reason))
    order = {"city": 0, "provider": 1, "case": 2}
    found.sort(key=lambda p: (order.get(kind or _kind_or_none(p) or "", 3), str(p)))
    return Discovery(_once_each(found), skipped)


def _folder_entries(folder: Path, unreadable: list[SkippedFile]) -> list[Path]:
    """The files under ``folder`` and the hidden folders in it, sorted, without going into a hidden
    folder (a ``.git`` holds thousands of files, each of which was listed as skipped). A folder that
    cannot be listed is added to ``unreadable`` with the reason."""

    def cannot_list(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else folder
        unreadable.append(SkippedFile(where, f"cannot read folder: {exc.strerror or exc}"))

    entries: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=cannot_list):
        here = Path(root)
        entries.extend(here / name for name in dirs if name.startswith("."))
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        entries.extend(here / name for name in names)
    return sorted(entries)


def _once_each(paths: list[Path]) -> list[Path]:
    """``paths`` with each file once, however it was named (a folder and a file in it, ``./x`` and
    ``x``): a file read twice counted its records twice and warned that each replaced itself."""
    seen: set[Path] = set()
    once: list[Path] = []
    for path in paths:
        try:
            key = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop: read (and reported) as named
            key = path
        if key not in seen:
            seen.add(key)
            once.append(path)
    return once


def discover(paths: list[Path], kind: Kind | None = None) -> list[Path]:
    """Expand folders into the corpus files they hold (cities, then providers, then cases)."""
    return discover_with_skips(paths, kind).files


def _skip_reason(path: Path, kind: Kind | None) -> str | None:
    if kind is not None:
        if path.name.lower().endswith(SUFFIXES):
            return None
        return _NOT_CORPUS
    try:
        kind_of(path)
    except UnreadableFileError as exc:
        return exc.message
    return None


def _kind_or_none(path: Path) -> Kind | None:
    try:
        return kind_of(path)
    except UnreadableFileError:
        return None


def _bounded_lines(stream: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, bytes) pairs; ``None`` for a line longer than ``max_bytes``."""
    number = 0
    while True:
        chunk = stream.readline(max_bytes + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) > max_bytes and not chunk.endswith(b"\n"):
            # Skip the rest of the oversized line without keeping it.
            while True:
                rest = stream.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, chunk


def _check_encoding_head(head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFileError("file is not UTF-8 (it looks like UTF-16); save it as UTF-8")
    if b"\x00" in head[:4096]:
        raise UnreadableFileError("file is not UTF-8 text (it contains NUL bytes)")


_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def strings_in(value: Any) -> Iterator[str]:
    """Every string in ``value``, a string or a JSON-like nest of dicts, lists and tuples."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings are skipped; no parsing)."""
    text = _STRING.sub(b"", _ESCAPE.sub(b"", body))
    depth = deepest = 0
    for byte in text.translate(None, _NOT_BRACKET):
        if byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class _Fields(dict[str, Any]):
    """A JSON object as parsed, with the fields it names more than once and how often."""

    twice: dict[str, int]


def _fields(pairs: list[tuple[str, Any]]) -> _Fields:
    obj = _Fields(pairs)
    counts = Counter(name for name, _ in pairs)  # in the order the names first appear
    obj.twice = {name: n for name, n in counts.items() if n > 1}
    return obj


def repeated_fields(body: bytes) -> list[tuple[str, int]]:
    """The fields a JSON text names more than once in one object, each with its path
    (``solutions[0].title``) and count, in the order they appear; none for text that is not JSON
    (the app refuses that itself)."""
    try:
        value = json.loads(body, object_pairs_hook=_fields)
    except (ValueError, RecursionError):
        return []
    found: list[tuple[str, int]] = []

    def walk(item: Any, path: str) -> None:
        if isinstance(item, _Fields):
            found.extend((f"{path}.{name}" if path else name, n) for name, n in item.twice.items())
            for name, child in item.items():
                walk(child, f"{path}.{name}" if path else name)
        elif isinstance(item, list):
            for index, child in enumerate(item):
                walk(child, f"{path}[{index}]")

    walk(value, "")
    return found


class _FieldsOnce:
    """An ``object_pairs_hook`` that builds each object as :func:`json.loads` does (a plain ``dict``,
    the last value of a field named twice) and notes whether any object of the text named a field
    more than once, so a line is parsed once; :func:`repeated_fields` reads which fields only for a
    line that did."""

    __slots__ = ("repeated",)

    def __init__(self) -> None:
        self.repeated = False

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) < len(pairs):
            self.repeated = True
        return obj


def _too_deep(max_depth: int | None, *texts: bytes) -> str | None:
    """Why a record is refused when one of its JSON ``texts`` nests deeper than ``max_depth`` (None: no
    limit): past a few hundred levels the parser's recursion fails, and a stored record that deep
    fails every page that serialises it."""
    if max_depth is not None and any(json_depth(t) > max_depth for t in texts):
        return f"the record is nested more than {max_depth} levels deep"
    return None


#: The byte-order mark some editors write at the start of a UTF-8 file.
_BOM = b"\xef\xbb\xbf"
#: What a line of a JSON Lines file may hold around its text and still be blank (a BOM, white space).
_BLANK = _BOM + b" \t\r"


def _decode(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return text.removeprefix("\ufeff")


def _utf8_reason(exc: UnicodeDecodeError) -> str:
    return f"line is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at column {exc.start + 1})"


def read_jsonl(path: Path, max_line_bytes: int, max_depth: int | None = None) -> Iterator[RawLine]:
    """Parse a JSON Lines file; each line is one JSON object (nested at most ``max_depth`` levels)."""
    with path.open("rb") as stream:
        head = stream.read(8192)
        _check_encoding_head(head)
        if not head.removeprefix(_BOM).strip():
            raise UnreadableFileError("file is empty")
        if head.lstrip(_BLANK + b"\n").startswith(b"[") and b"\n" in head.strip():
            raise UnreadableFileError(
                "file holds a JSON array; JSON Lines needs one object per line (convert with: jq -c '.[]')"
            )
        first = next((line.strip(_BLANK) for line in head.splitlines() if line.strip(_BLANK)), b"")
        if first == b"{":
            # A JSON formatter's output (an editor's, jq's, json.dumps with an indent): read line by
            # line, every line of it was rejected as broken JSON and counted as a record.
            raise UnreadableFileError(
                "file holds JSON written over several lines; JSON Lines needs each object on one line"
                " (convert with: jq -c .)"
            )
        stream.seek(0)
        written = False
        for number, raw in _bounded_lines(stream, max_line_bytes):
            if raw is not None and not raw.removeprefix(_BOM).strip():
                continue
            written = True
            if raw is None:
                yield RawLine(number, None, f"line is longer than {max_line_bytes} bytes")
                continue
            try:
                text = _decode(raw)
            except UnicodeDecodeError as exc:
                yield RawLine(number, None, _utf8_reason(exc))
                continue
            if too_deep := _too_deep(max_depth, raw):
                yield RawLine(number, None, too_deep)
                continue
            fields = _FieldsOnce()
            try:
                value = json.loads(text, object_pairs_hook=fields)
            except json.JSONDecodeError as exc:
                # Some of the parser's messages end in "at" ("Invalid control character at").
                what = exc.msg.removesuffix(" at")
                yield RawLine(number, None, f"not valid JSON: {what} at column {exc.colno}")
                continue
            except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
                yield RawLine(number, None, f"not valid JSON: a number has more than {_MAX_DIGITS} digits")
                continue
            if not isinstance(value, dict):
                kind = "array" if isinstance(value, list) else type(value).__name__
                yield RawLine(number, None, f"expected a JSON object, found a JSON {kind}")
                continue
            if fields.repeated and (repeated := repeated_fields(raw)):
                yield RawLine(number, None, _repeated_reason(repeated))
                continue
            yield RawLine(number, value)
        if not written:  # blank lines alone: the file's reason, not a file read with nothing in it
            raise UnreadableFileError("file is empty")


def _written_list(text: str) -> list[Any] | None:
    """A list cell written as a list (``["a", "b"]``, as a JSON Lines file converted to CSV gives it,
    or ``['a', 'b']`` as Python tools write one), or None for a cell of ``;``-separated items."""
    if not (text.startswith("[") and text.endswith("]")):
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(value, list):
            return value
    return None


def _csv_cell(kind: Kind, key: str, value: str) -> Any:
    text = value.strip()
    if key in LIST_FIELDS[kind]:
        # Split at ";", a list written whole would become one item holding its brackets and quotes.
        written = _written_list(text)
        if written is not None:
            return written
        return [part.strip() for part in text.split(";") if part.strip()]
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except ValueError:  # not JSON, or a number too long to convert: the text as written
            return text
    # A number is read as validation reads one in a JSON Lines file, so "47,000" gets the same answer in
    # both formats (a comma or a point between digits is a decimal mark in many locales).
    return text


def _csv_record(kind: Kind, row: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, value in row.items():
        if key is None or value is None or not str(value).strip():
            continue
        name = key.strip()
        if "." in name:  # focal_point.email and the like
            outer, inner = name.split(".", 1)
            nested.setdefault(outer, {})[inner] = value.strip()
            continue
        record[name] = _csv_cell(kind, name, value)
    for outer, columns in nested.items():
        given = record.get(outer)
        if given is None:
            record[outer] = columns
        elif not isinstance(given, dict):
            # One of the two would be dropped without a word.
            raise _RowError(f"{outer}: given as a column and as {outer}.* columns; give it one way")
        else:
            twice = [key for key in columns if key in given and given[key] != columns[key]]
            if twice:
                raise _RowError("; ".join(f"{outer}.{key}: given 2 times; give it once" for key in twice))
            record[outer] = given | columns
    return record


class _RowError(ValueError):
    """Why one CSV row cannot be read as a record (the rest of the file is read)."""


#: A spreadsheet's first line that names the cell separator (``sep=;``), before the header.
_SEP_LINE = re.compile(r"sep=([^\r\n])(?:\r\n|\r|\n)", re.IGNORECASE)

#: Cell separators of CSV files, in the order they are tried: commas, then the semicolons that
#: spreadsheets write where the comma is the decimal mark (French, Turkish, Russian... settings), then tabs.
CSV_DELIMITERS = (",", ";", "\t")


def _delimiter(text: str, kind: Kind) -> str:
    """The separator whose header row names every required column of ``kind`` (a comma when none does,
    so the error names what is missing as written)."""
    for delimiter in CSV_DELIMITERS:
        # The header row as the parser reads it: lines may end in "\r" alone (older Mac spreadsheets),
        # which a split at "\n" left in one piece and the parser then refused.
        try:
            first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        if all(col in {h.strip() for h in first} for col in REQUIRED[kind]):
            return delimiter
    return ","


def read_csv(path: Path, kind: Kind, max_line_bytes: int, max_depth: int | None = None) -> Iterator[RawLine]:
    """Parse a CSV file with a header row; list fields are separated by ``;``. Cells are separated by
    commas, or by semicolons or tabs when the header is written so (as spreadsheets in many locales
    save CSV); a list field is then quoted like any cell that holds the separator. A cell holding
    JSON nests at most ``max_depth`` levels."""
    with path.open("rb") as stream:
        head = stream.read(8192)
        _check_encoding_head(head)
        if not head.removeprefix(_BOM).strip():
            raise UnreadableFileError("file is empty")
        stream.seek(0)
        data = stream.read()
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFileError(f"file is not valid UTF-8 (first bad byte on line {line})") from exc
    # The file is in memory already, so the parser's own bound on a cell protects nothing; a row over
    # the limit is refused below with its line, as a long JSON line is, and the rows after it are read
    # (the parser's error ended the file there, and they were lost without a word).
    csv.field_size_limit(_CSV_CELL_LIMIT)
    # A first line "sep=;" names the separator (spreadsheets write it, and read it, to open the file
    # right in any locale); read as the header, it made every required column missing.
    above = 0
    if sep := _SEP_LINE.match(text):
        text, delimiter, above = text[sep.end() :], sep.group(1), 1
    else:
        delimiter = _delimiter(text, kind)
    unclosed = _unclosed_quote(text, delimiter)
    if unclosed is not None:
        unclosed += above
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    # Every column without a name gets a key of its own: under one shared key "", a row kept only the
    # last of their cells, and a value under an earlier one was lost without a word.
    reader.fieldnames = [
        name if name.strip() else f"{_UNNAMED}{n}" for n, name in enumerate(reader.fieldnames or [], start=1)
    ]
    missing = [col for col in REQUIRED[kind] if col not in header]
    if missing:
        raise UnreadableFileError(
            f"CSV lacks required {noun_for(len(missing), 'column')}: {', '.join(missing)}"
            + written_otherwise(missing, header, "column")
        )
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        # A row keeps one cell per name: the other would be dropped without a word.
        names = ", ".join(repr(h) for h in twice)
        raise UnreadableFileError(f"the header names the column {names} twice")
    previous_end = 1 + above
    while True:
        try:
            row = next(reader)
        except StopIteration:
            if previous_end == 1 + above:
                # Reported as the file's reason, not as a file read with nothing in it.
                raise UnreadableFileError("the file has a header row but no records") from None
            return
        except csv.Error as exc:
            yield RawLine(previous_end + 1, None, f"CSV error: {exc}; the rows after it were not read")
            return
        number = previous_end + 1
        previous_end = reader.line_num + above
        if number == unclosed and previous_end > number:
            # The parser read every line after it into that cell, and the record was stored with them.
            yield RawLine(
                number,
                None,
                'a cell opened with " on this line is never closed, so the rest of the file was read into'
                ' it; close the quote (write a " inside a quoted cell as "")',
            )
            return
        if None in row:
            yield RawLine(number, None, "row has more cells than the header")
            continue
        if _row_bytes(row) > max_line_bytes:
            yield RawLine(number, None, f"row is longer than {max_line_bytes} bytes")
            continue
        if unnamed := _unnamed_columns(reader.fieldnames or [], row):
            # Kept, it would be a field with no name.
            yield RawLine(number, None, _unnamed_reason(unnamed))
            continue
        if too_deep := _too_deep(max_depth, *(v.encode() for v in row.values() if v)):
            yield RawLine(number, None, too_deep)
            continue
        if repeated := _repeated_in_cells(row):
            yield RawLine(number, None, _repeated_reason(repeated))
            continue
        try:
            record = _csv_record(kind, row)
        except _RowError as exc:
            yield RawLine(number, None, str(exc))
            continue
        yield RawLine(number, record)


def _unclosed_quote(text: str, delimiter: str) -> int | None:
    """The line (from 1) where a quoted cell opens that no quote closes before the end of ``text``, or
    None. The lenient parser ends such a cell at the end of the file, rows and all; the strict one
    says so (and stops at other slips it is strict about: then no line is named)."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for _row in rows:
            start = rows.line_num + 1
    except csv.Error as exc:
        return start if "unexpected end of data" in str(exc) else None
    return None


#: The start of the key a column whose header cell is empty has in a row (its number follows).
_UNNAMED = "\x00unnamed column "


def _unnamed_columns(names: Sequence[str], row: dict[str, str]) -> list[int]:
    """The columns (from 1) whose header cell is empty and whose cell in ``row`` is not."""
    return [
        n
        for n, name in enumerate(names, start=1)
        if (not name.strip() or name.startswith(_UNNAMED)) and (row.get(name) or "").strip()
    ]


def _unnamed_reason(columns: list[int]) -> str:
    """Why a row with values under columns the header leaves without a name is refused, naming each."""
    if len(columns) == 1:
        return (
            f"a value is given in column {columns[0]}, which the header leaves without a name;"
            " name that column"
        )
    numbers = ", ".join(str(n) for n in columns[:-1]) + f" and {columns[-1]}"
    return (
        f"values are given in columns {numbers}, which the header leaves without a name; name those columns"
    )


def _row_bytes(row: dict[str, str]) -> int:
    """The bytes of a row's cells in UTF-8, with one separator between each two."""
    return sum(len(value.encode("utf-8")) for value in row.values() if value) + len(row) - 1


def _repeated_in_cells(row: dict[str, str]) -> list[tuple[str, int]]:
    """The keys a cell holding JSON names more than once in one object, with the cell's column before
    each path (``maturity.energy``)."""
    found: list[tuple[str, int]] = []
    for key, value in row.items():
        text = (value or "").strip()
        if key is None or not text.startswith(("[", "{")):
            continue
        column = key.strip()
        for path, n in repeated_fields(text.encode()):
            found.append((f"{column}{path}" if path.startswith("[") else f"{column}.{path}", n))
    return found


def _repeated_reason(repeated: list[tuple[str, int]]) -> str:
    # The parser keeps the last value of a field named twice and drops the other.
    return "; ".join(f"{name}: given {n} times; give it once" for name, n in repeated)


def read_file(
    path: Path, max_line_bytes: int, kind: Kind | None = None, *, max_depth: int | None = None
) -> tuple[Kind, Iterator[RawLine]]:
    """The kind of a corpus file (from its name unless ``kind`` is given) and an iterator over its lines;
    a record nested more than ``max_depth`` levels deep is refused (None: no limit)."""
    if not path.exists():
        raise UnreadableFileError("no such file")
    if not path.is_file():
        raise UnreadableFileError("not a regular file")
    kind = kind or kind_of(path)
    if path.suffix.lower() == ".csv":
        return kind, read_csv(path, kind, max_line_bytes, max_depth)
    return kind, read_jsonl(path, max_line_bytes, max_depth)
