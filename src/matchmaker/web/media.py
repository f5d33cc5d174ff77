"""Media types of the files the API and the console hand out, and how sizes are told: one home for
both adapters.

A text response is given the bare type: Litestar appends ``; charset=utf-8`` (the response's
encoding) to every ``text/`` type itself, so naming the charset here as well would send it twice
(``text/csv; charset=utf-8; charset=utf-8``).
"""

from __future__ import annotations

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
ICALENDAR = "text/calendar"
HTML = "text/html"


def readable_size(size: int) -> str:
    """A file or body size as people read it: ``830 bytes``, ``12.5 KB``, ``25 MB`` (powers of 1,000),
    rounded first, so 999,999 bytes is ``1 MB``, not ``1000 KB``."""
    if size < 1000:
        return "1 byte" if size == 1 else f"{size} bytes"
    value = float(size)
    for unit in _UNITS:
        value /= 1000
        text = f"{value:.1f}"
        if float(text) >= 100 or text.endswith(".0"):
            text = f"{value:.0f}"
        if float(text) < 1000 or unit == _UNITS[-1]:
            return f"{text} {unit}"
    raise AssertionError  # pragma: no cover - the last unit always returns


_UNITS = ("KB", "MB", "GB", "TB")


__all__ = ["CSV", "HTML", "ICALENDAR", "PDF", "XLSX", "readable_size"]
