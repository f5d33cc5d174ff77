"""Media types of the files the API and the console hand out: one home for both adapters.

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

__all__ = ["CSV", "HTML", "ICALENDAR", "PDF", "XLSX"]
