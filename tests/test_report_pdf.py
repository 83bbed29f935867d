"""The PDF report (WeasyPrint): Chinese and English text, A4 pages with numbers, the no-font notice.

Chinese needs a CJK font known to fontconfig: without one these tests skip with the reason on a
developer's machine and fail under CI (``CI=true``), where .ci/run installs fonts-noto-cjk.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from embodied.pipeline import Calculation
from embodied.report import render_pdf
from embodied.report.model import build, load_labels
from embodied.report.records import ReportModel

pytestmark = pytest.mark.slow  # subprocesses, PDFs or generated models: `make test-fast` leaves it out

UNDER_CI = os.environ.get("CI", "").lower() == "true"
A4_PT = (595.28, 841.89)


def compact(text: str) -> str:
    """Text without white space (and without the NULs pypdf leaves when it decodes a run of missing
    glyphs as UTF-16, as it does on a machine with no CJK font at all)."""
    return re.sub(r"[\s\x00]+", "", text)


def require(found: bool, what: str) -> None:
    if found:
        return
    if UNDER_CI:
        pytest.fail(f"{what} is missing (under CI, .ci/run installs it)")
    pytest.skip(f"{what} is missing: apt-get install fonts-noto-cjk poppler-utils")


@pytest.fixture(scope="module")
def report(sample_calculation: Calculation) -> ReportModel:
    c = sample_calculation  # tests/conftest.py: the sample, calculated once per session
    return build(c.match, c.lifecycle, c.settings, c.database, lang="zh+en", mapping_sha256=c.mapping_sha256)


@pytest.fixture(scope="module")
def pdf(report: ReportModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    require(render_pdf.cjk_font_available(), "a CJK font (fc-list :lang=zh)")
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    render_pdf.render(report, path)
    return path


def test_chinese_and_english_chapters(pdf: Path) -> None:
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 3
    text = compact("".join(page.extract_text() for page in reader.pages))
    assert "建材生产" in text and "Materialproduction" in text
    for key, names in load_labels()["chapters"].items():
        assert compact(names["zh"]) in text, key
        assert compact(names["en"]) in text, key
    assert "未安装中文字体" not in text  # no notice when the font is there


def test_a4_page_numbers_and_contents(pdf: Path) -> None:
    reader = PdfReader(pdf)
    pages = len(reader.pages)
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_PT, abs=0.5)
    first = reader.pages[0].extract_text()
    assert f"1/{pages}" in compact(first)  # footer
    assert "盖章处/Seal" in compact(first)  # the cover, with its sign-off block, is a page of its own
    # the table of contents (page 2) gives each chapter's page: "1  项目概况 / Project overview ..... 2"
    contents = reader.pages[1].extract_text()
    listed = {int(no): int(page) for no, page in re.findall(r"(?m)^(\d+)\s.*?\.{3,}\s*(\d+)\s*$", contents)}
    assert sorted(listed) == list(range(1, 11)), contents
    assert [listed[no] for no in range(1, 11)] == sorted(listed.values())  # in page order
    overview, appendix = listed[1] - 1, listed[10] - 1
    assert "1项目概况/Projectoverview" in compact(reader.pages[overview].extract_text())
    assert "10附录" in compact(reader.pages[appendix].extract_text())


def test_first_page_renders_to_png(pdf: Path, tmp_path: Path) -> None:
    tool = shutil.which("pdftoppm")
    require(tool is not None, "pdftoppm (poppler-utils)")
    assert tool is not None
    subprocess.run([tool, "-r", "30", "-f", "1", "-l", "1", "-png", pdf, tmp_path / "p"], check=True)
    (png,) = tmp_path.glob("p*.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000


def test_notice_when_no_cjk_font(
    report: ReportModel, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No CJK font: the PDF says so at the top, and pdf_warnings gives the caller the same sentence."""
    monkeypatch.setattr(render_pdf, "cjk_font_available", lambda: False)
    notice = load_labels()["words"]["no_cjk_font"]
    assert render_pdf.pdf_warnings(report) == [f"{notice['zh']} / {notice['en']}"]
    small = dataclasses.replace(report, elements=report.elements[:3], lines=report.lines[:3], issues=())
    path = tmp_path / "nofont.pdf"
    render_pdf.render(small, path)
    first = compact(PdfReader(path).pages[0].extract_text())
    assert compact(notice["en"]) in first


def test_font_check_without_fc_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert render_pdf.cjk_font_available() is False
