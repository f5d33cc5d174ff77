"""Media types of the files the API and the console hand out: one home for both adapters.

The bare type is what an operation documents; the ``…_UTF8`` form is what a text response is given.
Litestar appends ``; charset=utf-8`` (the response's encoding) to every ``text/`` type itself, so the
``…_UTF8`` forms are the bare types: naming the charset here as well would send it twice
(``text/csv; charset=utf-8; charset=utf-8``).
"""

from __future__ import annotations

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
CSV_UTF8 = CSV
ICALENDAR = "text/calendar"
ICALENDAR_UTF8 = ICALENDAR
HTML = "text/html"
HTML_UTF8 = HTML

__all__ = ["CSV", "CSV_UTF8", "HTML", "HTML_UTF8", "ICALENDAR", "ICALENDAR_UTF8", "PDF", "XLSX"]
