"""Which half of a labelled set a query belongs to: ``split.tsv`` next to the judgements.

Each line is ``qid<TAB>tune`` or ``qid<TAB>heldout`` (lines starting with ``#`` are comments). The qids
are city ids for the city query kinds and free-text query ids for ``text_case``. Settings are chosen
on the ``tune`` half only; the ``heldout`` half measures how those choices generalise. A split file
covers queries only: every document stays a candidate whatever half its own id is in.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal, get_args

from matchmaker.errors import InvalidInputError

logger = logging.getLogger(__name__)

Split = Literal["all", "tune", "heldout"]
SPLITS: tuple[Split, ...] = get_args(Split)
SPLIT_FILE = "split.tsv"


def label_lines(path: Path) -> list[str]:
    """The lines of a file of a labelled set (UTF-8; a byte-order mark before the first line is not
    part of it). A file that cannot be read is an :class:`InvalidInputError` naming it and what to do."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read file: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        msg = f"{path}: not valid UTF-8 (first bad byte on line {line}); save the file as UTF-8"
        raise InvalidInputError(msg) from exc
    return text.splitlines()


def read_split(path: Path) -> dict[str, Split]:
    """``qid → tune|heldout`` from a split file; a malformed line is an error naming it."""
    out: dict[str, Split] = {}
    for n, line in enumerate(label_lines(path), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) != 2 or parts[1] not in ("tune", "heldout"):
            raise InvalidInputError(f"{path}:{n}: expected qid<TAB>tune|heldout")
        qid, half = parts
        if qid in out and out[qid] != half:
            raise InvalidInputError(f"{path}:{n}: {qid} is in both halves")
        out[qid] = "tune" if half == "tune" else "heldout"
    return out


def queries_in(labels_dir: Path, split: Split) -> frozenset[str] | None:
    """The qids of ``split`` in ``labels_dir``, or ``None`` for ``all`` (every query counts).

    Raises :class:`InvalidInputError` when a half is asked for and the folder has no split file.
    """
    if split == "all":
        return None
    path = labels_dir / SPLIT_FILE
    if not path.is_file():
        raise InvalidInputError(f"{labels_dir} has no {SPLIT_FILE}; only --split all is possible there")
    chosen = frozenset(q for q, half in read_split(path).items() if half == split)
    logger.info("split %s: %d queries", split, len(chosen))
    return chosen


__all__ = ["SPLITS", "SPLIT_FILE", "Split", "label_lines", "queries_in", "read_split"]
