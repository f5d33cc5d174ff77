"""Looking at PDFs as a reader would: poppler's ``pdftoppm`` renders pages, ``pdftotext`` reads the text.

Tests that need poppler-utils skip, saying so, when it is not installed (``make test`` installs it
where it can, like Chromium).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

#: A page counts as blank when no pixel is darker than this (0 black … 255 white).
BLANK_LEVEL = 200


def need_poppler() -> None:
    """Skip the test when poppler-utils is missing."""
    for tool in ("pdftoppm", "pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install poppler-utils; make test does it)")


def _write(data: bytes, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def pages(data: bytes, folder: Path) -> int:
    """The number of pages of a PDF."""
    path = _write(data, folder, "doc.pdf")
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def render(data: bytes, folder: Path, *, dpi: int = 40) -> list[Path]:
    """Every page as a PNG, in page order."""
    path = _write(data, folder, "doc.pdf")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.png"))


def blank(png: Path) -> bool:
    """Whether a rendered page has nothing dark on it."""
    with Image.open(png) as image:
        darkest, _ = image.convert("L").getextrema()
    return bool(darkest > BLANK_LEVEL)


def text(data: bytes, folder: Path) -> list[str]:
    """The text of each page."""
    path = _write(data, folder, "doc.pdf")
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True).stdout
    return out.decode("utf-8").split("\f")[: pages(data, folder)]


__all__ = ["blank", "need_poppler", "pages", "render", "text"]
