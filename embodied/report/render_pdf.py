"""The PDF report: the HTML page printed by WeasyPrint with the stylesheet's ``@media print`` rules.

A4, header and footer, page numbers, a table of contents with page numbers. Chinese text needs a CJK
font known to fontconfig (.ci/run installs fonts-noto-cjk; on Debian/Ubuntu ``apt-get install
fonts-noto-cjk``). Without one the PDF says so at the top (label ``no_cjk_font``) instead of silently
printing empty boxes, and ``pdf_warnings`` gives the same sentence for the caller to show.
"""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

from embodied.report.records import ReportModel
from embodied.report.render_html import html, label
from embodied.resources import TEMPLATES


def cjk_font_available() -> bool:
    """True when fontconfig knows a font covering Chinese (``fc-list :lang=zh`` lists one)."""
    try:
        done = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and bool(done.stdout.strip())


def pdf_warnings(report: ReportModel) -> list[str]:
    """What the caller should tell the user about the PDF of `report` (empty when all is well)."""
    return [] if cjk_font_available() else [label(report, "words", "no_cjk_font")]


def render(report: ReportModel, path: Path) -> None:
    """Write the PDF report to `path`; the notices of ``pdf_warnings`` are printed at its top."""

    notices = pdf_warnings(report)
    write_pdf(html(report, for_print=True, notices=notices), TEMPLATES / "report", path, bool(notices))


def write_pdf(page: str, base: Path, path: Path, missing_glyphs: bool) -> None:
    """The HTML `page` (its files relative to `base`) as a PDF at `path`, WeasyPrint's chatter kept
    off the terminal (see _Quiet)."""
    from weasyprint import HTML

    logger = logging.getLogger("weasyprint")
    quiet = _Quiet(missing_glyphs=missing_glyphs)
    logger.addFilter(quiet)
    try:
        HTML(string=page, base_url=str(base)).write_pdf(path)
    finally:
        logger.removeFilter(quiet)


class _Quiet(logging.Filter):
    """Drops WeasyPrint's "Ignored `fill: …`, unknown property" lines (the HTML cascade reads the
    style attributes of the inline SVG charts and does not know SVG properties; the SVG renderer
    does and draws them) and, when the no-CJK-font notice is in the PDF, its one line per string of
    missing glyphs. Every other message (our own CSS, fonts) passes."""

    def __init__(self, *, missing_glyphs: bool) -> None:
        super().__init__()
        self.missing_glyphs = missing_glyphs

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if re.match(r"Ignored `(fill|stroke)[a-z-]*:", message):
            return False
        return not (self.missing_glyphs and message.startswith(".notdef glyph rendered"))
