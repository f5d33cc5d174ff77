"""Media types of the files the API and the console hand out: one home for both adapters.

The bare type is what an operation documents; the ``…_UTF8`` form is what a text response carries.
"""

from __future__ import annotations

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
CSV_UTF8 = f"{CSV}; charset=utf-8"
ICALENDAR = "text/calendar"
ICALENDAR_UTF8 = f"{ICALENDAR}; charset=utf-8"
HTML = "text/html"
HTML_UTF8 = f"{HTML}; charset=utf-8"

__all__ = ["CSV", "CSV_UTF8", "HTML", "HTML_UTF8", "ICALENDAR", "ICALENDAR_UTF8", "PDF", "XLSX"]
