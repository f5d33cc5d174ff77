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
    """A file or body size as people read it: ``830 bytes``, ``12.5 KB``, ``25 MB`` (powers of 1,000)."""
    if size < 1000:
        return f"{size} bytes"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value >= 100 or value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"  # pragma: no cover - every size of 1,000 or more has a unit above


__all__ = ["CSV", "HTML", "ICALENDAR", "PDF", "XLSX", "readable_size"]
