"""Layout checks of a rendered PDF, for tests/test_report_layout.py: words placed on each page as
poppler sees them (``pdftotext -bbox-layout``), the pages as PNG images (``pdftoppm``), and what a
reviewer notices on paper: words drawn over each other, text running past the right margin, pages
left nearly empty.

Coordinates are PDF points from the page's top left corner. A word's box is its font's ascent to
descent, so boxes of consecutive lines touch or overlap by a fraction of a point: an overlap counts
only when it is more than ``OVERLAP_X_PT`` wide and more than ``OVERLAP_Y_SHARE`` of the lower box's
height high, which two words of one line or of two lines drawn into each other always are.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

MM = 72 / 25.4  # points per millimetre
OVERLAP_X_PT = 1.0
OVERLAP_Y_SHARE = 0.35
INK_BELOW = 240  # a pixel with a channel darker than this is ink (the light table bands count)


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def __str__(self) -> str:
        return f"{self.text!r}@({self.x0:.1f},{self.y0:.1f}-{self.x1:.1f},{self.y1:.1f})"


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # from 1
    width: float
    height: float
    words: tuple[Word, ...]


def pages(pdf: Path) -> list[Page]:
    """The words of every page of `pdf` with their boxes (``pdftotext -bbox-layout``)."""
    done = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True, timeout=300
    )
    root = ET.fromstring(done.stdout)
    found = []
    for number, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page"), start=1):
        words = tuple(
            Word(w.text.strip(), *(float(w.attrib[k]) for k in ("xMin", "yMin", "xMax", "yMax")))
            for w in page.iter("{http://www.w3.org/1999/xhtml}word")
            if w.text and w.text.strip()
        )
        found.append(Page(number, float(page.attrib["width"]), float(page.attrib["height"]), words))
    return found


def overlaps(page: Page) -> list[tuple[Word, Word]]:
    """The pairs of words of `page` drawn over each other (beyond the tolerances above)."""
    ordered = sorted(page.words, key=lambda w: w.y0)
    found = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.y0 >= a.y1:
                break
            high = min(a.y1, b.y1) - b.y0
            wide = min(a.x1, b.x1) - max(a.x0, b.x0)
            lower = min(a.y1 - a.y0, b.y1 - b.y0)
            if wide > OVERLAP_X_PT and high > OVERLAP_Y_SHARE * lower:
                found.append((a, b))
    return found


def past_margins(page: Page, left_mm: float, right_mm: float, tolerance_pt: float = 1.0) -> list[Word]:
    """The words of `page` that start left of its left margin or end right of its right margin."""
    low, high = left_mm * MM - tolerance_pt, page.width - right_mm * MM + tolerance_pt
    return [w for w in page.words if w.x0 < low or w.x1 > high]


def render_pngs(pdf: Path, folder: Path, dpi: int = 60) -> list[Path]:
    """Every page of `pdf` as ``page-NN.png`` in `folder` (emptied of earlier pages first)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(folder / "page")], check=True, timeout=300
    )
    return sorted(folder.glob("page-*.png"))


def filled(png: Path, top_mm: float, bottom_mm: float) -> float:
    """How far down its body (between the top and bottom page margins) a page is inked: 0 for an
    empty body, 1 when something is printed at the foot of the body. The running header and footer
    sit in the margins and do not count."""
    from PIL import Image

    with Image.open(png) as image:
        rgb = image.convert("RGB")
        width, height = rgb.size
        scale = height / (297 * MM)  # pixels per point of an A4 page
        top, bottom = round(top_mm * MM * scale), round(height - bottom_mm * MM * scale)
        body = rgb.crop((0, top, width, bottom))
        ink = body.point(lambda v: 255 if v < INK_BELOW else 0).convert("L")
        box = ink.getbbox()  # of the non-zero (inked) pixels
    return 0.0 if box is None else box[3] / (bottom - top)
