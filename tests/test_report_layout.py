"""The PDF report's layout holds for long names and many rows (issue 18): no words drawn over each
other, nothing past the right margin, no page (but the last) left nearly empty, charts whose labels
fit and tell rows apart, one colour per stage.

Two models: the sample building, and a generated one with ~60-character Chinese material names,
~80-character English element names, long storey names and 152 elements (tests/layout_models.py).
Every page is kept as a PNG (and the PDF beside them) in build/test-artifacts/report-pages/<model>/,
with layout.txt giving each page's fill and findings: open them to see what a plan reviewer sees.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import layout_models
import pdf_layout
import pytest
from matplotlib.figure import Figure
from shared_models import REPO

from embodied.pipeline import Calculation, report_model, run_calculate
from embodied.report import charts, render_pdf
from embodied.report.records import ReportModel

pytestmark = pytest.mark.slow  # PDFs and a generated model: `make test-fast` leaves it out

ARTEFACTS = REPO / "build" / "test-artifacts" / "report-pages"
# the @page margins of templates/report/report.css, in mm
TOP_MM, RIGHT_MM, BOTTOM_MM, LEFT_MM = 20.0, 15.0, 18.0, 15.0
MIN_FILL = 0.25  # of a page's body, every page but the last
# expected page counts: the sample in its three editions (zh+en, zh, en), the long names bilingual
PAGES = {
    "sample": range(10, 27),
    "sample_zh": range(8, 27),
    "sample_en": range(8, 27),
    "long_names": range(18, 41),
}
LANG = {"sample_zh": "zh", "sample_en": "en"}


def require(found: bool, what: str) -> None:
    """Skip without the tool or font on a developer's machine; fail under CI, which installs them."""
    if found:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is missing (under CI, .ci/run installs it)")
    pytest.skip(f"{what} is missing: apt-get install fonts-noto-cjk poppler-utils")


@dataclass(frozen=True)
class Rendered:
    name: str
    report: ReportModel
    pdf: Path
    pages: list[pdf_layout.Page]
    pngs: list[Path]


@pytest.fixture(scope="module")
def long_names_calculation(tmp_path_factory: pytest.TempPathFactory) -> Calculation:
    path = layout_models.build(tmp_path_factory.mktemp("layout") / "long_names.ifc")
    return run_calculate(path)


@pytest.fixture(scope="module", params=sorted(PAGES))
def rendered(
    request: pytest.FixtureRequest,
    sample_calculation: Calculation,
    long_names_calculation: Calculation,
) -> Rendered:
    """The model's PDF (the sample in each edition), its words per page and its pages as PNGs, kept as
    artefacts."""
    require(render_pdf.cjk_font_available(), "a CJK font (fc-list :lang=zh)")
    tools = all(shutil.which(t) for t in ("pdftotext", "pdftoppm"))
    require(tools, "pdftotext and pdftoppm (poppler-utils)")
    name: str = request.param
    calc = long_names_calculation if name == "long_names" else sample_calculation
    report = report_model(calc, LANG.get(name, "zh+en"))
    folder = ARTEFACTS / name
    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / "report.pdf"
    render_pdf.render(report, pdf)
    found = Rendered(name, report, pdf, pdf_layout.pages(pdf), pdf_layout.render_pngs(pdf, folder))
    _write_summary(found, folder / "layout.txt")
    return found


def _write_summary(r: Rendered, path: Path) -> None:
    lines = [f"{r.name}: {len(r.pages)} pages ({r.pdf.name}); fill = how far down the body is inked"]
    for page, png in zip(r.pages, r.pngs, strict=True):
        fill = pdf_layout.filled(png, TOP_MM, BOTTOM_MM)
        overlaps = pdf_layout.overlaps(page)
        past = pdf_layout.past_margins(page, LEFT_MM, RIGHT_MM)
        lines.append(
            f"page {page.number:3d}  fill {fill:4.0%}  overlaps {len(overlaps)}  past margins {len(past)}"
        )
        lines += [f"    overlap {a} {b}" for a, b in overlaps] + [f"    past {w}" for w in past]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_page_count_and_pngs(rendered: Rendered) -> None:
    assert len(rendered.pages) in PAGES[rendered.name], len(rendered.pages)
    assert len(rendered.pngs) == len(rendered.pages)
    for png in rendered.pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000
    assert all(page.words for page in rendered.pages)  # text, not outlines: checks below see it


def test_no_words_drawn_over_each_other(rendered: Rendered) -> None:
    found = {page.number: pdf_layout.overlaps(page) for page in rendered.pages}
    found = {number: pairs for number, pairs in found.items() if pairs}
    shown = {number: [f"{a} / {b}" for a, b in pairs[:5]] for number, pairs in found.items()}
    assert not found, f"words overlap on pages {sorted(found)}: {shown} (see {rendered.pdf.parent})"


def test_nothing_past_the_margins(rendered: Rendered) -> None:
    found = {p.number: pdf_layout.past_margins(p, LEFT_MM, RIGHT_MM) for p in rendered.pages}
    found = {number: words for number, words in found.items() if words}
    shown = {number: [str(w) for w in words[:5]] for number, words in found.items()}
    assert not found, f"words past the margins on pages {sorted(found)}: {shown}"


def test_no_near_empty_page(rendered: Rendered) -> None:
    fills = [pdf_layout.filled(png, TOP_MM, BOTTOM_MM) for png in rendered.pngs]
    empty = {n: f"{f:.0%}" for n, f in enumerate(fills[:-1], start=1) if f < MIN_FILL}
    assert not empty, f"pages filled less than {MIN_FILL:.0%}: {empty} (see {rendered.pdf.parent})"


def test_global_ids_printed_whole(rendered: Rendered) -> None:
    """GlobalIds are printed whole, on one line (their column is sized for them)."""
    words = {w.text for page in rendered.pages for w in page.words}
    elements = rendered.report.elements
    assert elements and [e.global_id for e in elements if e.global_id not in words] == []


# -- charts ------------------------------------------------------------------------------------------


def test_hotspot_rows_of_one_material_are_told_apart(sample_calculation: Calculation) -> None:
    """The sample matches Q355 steel three times (beam, plate, member: different factors or classes):
    three bars, each labelled with what sets it apart, never three identical "Q355钢"."""
    report = report_model(sample_calculation, "zh+en")
    rows = report.hotspot_materials
    labels = charts.hotspot_labels(rows, report.materials)
    assert len(labels) == len(rows) and len(set(labels)) == len(labels)
    steel = [label for row, label in zip(rows, labels, strict=True) if row.name == "Q355钢"]
    assert len(steel) == 3 and {"Q355钢\n(IfcBeam)", "Q355钢\n(IfcPlate)", "Q355钢\n(IfcMember)"} == set(
        steel
    )
    single = [label for row, label in zip(rows, labels, strict=True) if row.name == "C30混凝土"]
    assert single == ["C30混凝土"]  # a name of one row is left as it is


def test_wrapped_labels_fit_their_lines() -> None:
    name = "C30混凝土（地下室底板及外墙用抗渗等级P8商品混凝土，掺粉煤灰与矿渣粉复合掺合料，泵送施工）"
    wrapped = charts.wrap_label(name)
    assert wrapped.endswith("…") and wrapped.count("\n") == charts.LABEL_LINES - 1
    assert all(charts.text_width(line) <= charts.LABEL_UNITS for line in wrapped.split("\n"))
    assert (
        charts.wrap_label("Beam 046 - Typical bay along gridline C/7")
        == "Beam 046 - Typical bay along\ngridline C/7"
    )
    assert charts.wrap_label("Q355钢") == "Q355钢"


def _sizes(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The heights (inches) of the figures charts.to_svg draws from now on."""
    heights: list[float] = []
    original = charts.to_svg

    def spy(draw: Callable[[Figure], None], name: str, height_in: float) -> str:
        heights.append(height_in)
        return original(draw, name, height_in)

    monkeypatch.setattr(charts, "to_svg", spy)
    return heights


@pytest.mark.parametrize("model", ["sample", "long_names"])
def test_chart_labels_fit_the_figure(
    model: str,
    sample_calculation: Calculation,
    long_names_calculation: Calculation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The layout leaves room for every tick label, axis title and legend. to_svg saves the tight box
    around all that is drawn, so nothing is ever cut off; that box is no larger than the figure
    (WIDTH_IN wide) when, and only when, nothing was drawn outside it — and no smaller than ~95 % of
    it, so that the chart's 8 pt text stays about 8 pt on the page."""
    report = report_model(sample_calculation if model == "sample" else long_names_calculation, "zh+en")
    heights = _sizes(monkeypatch)
    svgs = [
        charts.stages_modules(report, ("GB/T 51366 阶段 / stages", "EN 15978 模块 / modules"), "kgCO2e"),
        charts.top_materials(report, "kgCO2e（研究期内） / kgCO2e over the study period", "—"),
        charts.intensity(
            report, ("全过程 / Whole process", "运行 / Operation"), "kgCO2e/(m²·a)", "阈值未公开"
        ),
    ]
    assert len(heights) == len(svgs)
    for svg, height_in in zip(svgs, heights, strict=True):
        size = re.search(r'<svg [^>]*width="([\d.]+)pt" height="([\d.]+)pt"', svg)
        assert size is not None
        width, height = float(size.group(1)) / 72, float(size.group(2)) / 72
        found = re.search(r'aria-labelledby="([^"]+)"', svg)
        name = found.group(1) if found else svg[:60]
        assert 0.95 * charts.WIDTH_IN <= width <= charts.WIDTH_IN + 0.01, (name, width)
        assert 0.9 * height_in <= height <= height_in + 0.01, (name, height, height_in)


def test_one_colour_per_stage(sample_calculation: Calculation) -> None:
    """A module is drawn in its stage's colour; modules sharing a stage are hatched apart; the
    intensity chart's operation bar has the operation stage's colour."""
    report = report_model(sample_calculation, "zh+en")
    styles = charts.module_styles(report.modules)
    for m in report.modules:
        assert styles[m.key][0] == charts.STAGE_COLOURS[m.stage or ""], m.key
    drawn = [(m.stage, styles[m.key]) for m in report.modules if m.kgco2e]
    assert len(set(drawn)) == len(drawn)  # no two drawn modules look the same
    assert len(set(charts.STAGE_COLOURS.values())) == len(charts.STAGE_COLOURS)
    intensity = charts.intensity(report, ("whole", "operation"), "kgCO2e/(m²·a)", "not public")
    stages = charts.stages_modules(report, ("stages", "modules"), "kgCO2e")
    operation = charts.STAGE_COLOURS["operation"]
    assert operation in intensity and operation in stages
    assert charts.STAGE_COLOURS["transport"] not in intensity  # the old second-bar colour
