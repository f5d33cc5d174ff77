"""Words for people: a count with its noun, in the singular for one ("1 table", "2 tables")."""

from __future__ import annotations


def noun_for(n: int, noun: str, plural: str | None = None) -> str:
    """``noun`` in the plural (``plural``, or ``noun`` + "s") unless ``n`` is 1, e.g. for a list that
    follows it: ``f"missing required {noun_for(len(missing), 'field')}: a, b"``."""
    return noun if n == 1 else plural or noun + "s"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, the noun in the plural (``plural``, or ``noun`` + "s") unless ``n`` is 1."""
    return f"{n} {noun_for(n, noun, plural)}"


__all__ = ["counted", "noun_for"]
