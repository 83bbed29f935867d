"""The Excel report of examples/sample_building.ifc, opened again with openpyxl: formulas, charts, text."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from embodied.pipeline import Calculation
from embodied.report import render_xlsx
from embodied.report.model import ELEMENT_KEYS, build
from embodied.report.records import ReportModel

EVIL = '=HYPERLINK("http://evil")'
SHEETS_ZH_EN = [
    "汇总 Summary",
    "合理性检查 Plausibility",
    "阶段 Stages",
    "模块 Modules",
    "建材 Materials",
    "计算明细 Lines",
]
SHEETS_ZH_EN += ["构件 Elements", "问题 Issues", "数据来源 Sources", "设置 Settings"]


@pytest.fixture(scope="module")
def report(sample_calculation: Calculation) -> ReportModel:
    c = sample_calculation  # tests/conftest.py: the sample, calculated once per session
    return build(c.match, c.lifecycle, c.settings, c.database, lang="zh+en", mapping_sha256=c.mapping_sha256)


@pytest.fixture(scope="module")
def book(report: ReportModel, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    render_xlsx.render(report, path)
    return openpyxl.load_workbook(path)


def rows_by_first_cell(ws: Any) -> dict[Any, int]:
    return {ws.cell(row=r, column=1).value: r for r in range(ws.max_row, 0, -1)}


def header(ws: Any) -> dict[Any, int]:
    return {c.value: c.column for c in ws[1]}


def test_sheets_in_order_with_bilingual_names(book: Any) -> None:
    assert book.sheetnames == SHEETS_ZH_EN
    assert all(len(name) <= 31 for name in book.sheetnames)
    summary = book["汇总 Summary"]
    assert summary["A1"].value.startswith("建筑碳排放计算分析报告")
    assert summary.freeze_panes == "A3"
    texts = [c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("零碳建筑技术标准" in t for t in texts)  # the draft notice
    assert any("8df5" in t or len(t) == 64 for t in texts)  # a SHA-256 of the fingerprint


def test_totals_row_sums_and_charts(book: Any, report: ReportModel) -> None:
    ws = book["建材 Materials"]
    total = rows_by_first_cell(ws)[report.label("words", "total")]
    a13 = header(ws)["A1-A3 (kgCO2e)"]
    sums = [ws.cell(row=total, column=c).value for c in range(a13, a13 + 8)]
    assert all(isinstance(s, str) and s.startswith("=SUM(") for s in sums), sums
    assert sums[0] == f"=SUM({ws.cell(row=2, column=a13).column_letter}2:" + (
        f"{ws.cell(row=2, column=a13).column_letter}{total - 1})"
    )
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref
    for name in ("阶段 Stages", "模块 Modules", "建材 Materials"):
        assert book[name]._charts, name
    assert len(book["阶段 Stages"]._charts) == 2  # by stage, and stacked composition


def test_not_declared_is_empty_never_zero(book: Any, report: ReportModel) -> None:
    ws = book["建材 Materials"]
    cols = header(ws)
    row = rows_by_first_cell(ws)["C30混凝土"]
    assert ws.cell(row=row, column=cols["D (kgCO2e)"]).value is None
    note = ws.cell(row=row, column=ws.max_column).value
    assert "未申报 / not declared" in note and "D" in note
    unmatched = rows_by_first_cell(ws)["外墙涂料"]  # paint: no factor ships
    modules = [f"{k} (kgCO2e)" for k in ("A1-A3", "A4", "B4", "D")]
    assert all(ws.cell(row=unmatched, column=cols[k]).value is None for k in modules)
    stages = book["阶段 Stages"]
    demolition = rows_by_first_cell(stages)["demolition"]
    assert stages.cell(row=demolition, column=3).value is None
    assert "not declared" in stages.cell(row=demolition, column=6).value
    modules = book["模块 Modules"]
    d_row = rows_by_first_cell(modules)["D"]
    assert modules.cell(row=d_row, column=4).value is None
    cells = [c for row in modules.iter_rows() for c in row]
    assert any(isinstance(c.value, str) and "不计入任何合计" in c.value for c in cells)  # separate lines


def test_untrusted_text_is_stored_as_text(report: ReportModel, tmp_path: Path) -> None:
    c30 = next(m for m in report.materials if m.material == "C30混凝土")
    evil = dataclasses.replace(c30, material=EVIL, ifc_classes="+1+2", factor_name="@SUM(A1)", source="#REF!")
    adjusted = dataclasses.replace(c30, material="再生 C30", modules={**c30.modules, "A1-A3": 9000.0})
    unmatched = next(m for m in report.materials if m.factor_id is None)
    odd = dataclasses.replace(unmatched, material="-2+3", ifc_classes="\t=1")
    model = dataclasses.replace(report, materials=(*report.materials, evil, adjusted, odd))
    path = tmp_path / "evil.xlsx"
    render_xlsx.render(model, path)
    ws = openpyxl.load_workbook(path)["建材 Materials"]
    rows = rows_by_first_cell(ws)
    cell = ws.cell(row=rows[EVIL], column=1)
    assert cell.data_type == "s" and cell.value == EVIL
    for col, text in ((2, "+1+2"), (4, "@SUM(A1)"), (5, "#REF!")):
        assert ws.cell(row=rows[EVIL], column=col).data_type == "s"
        assert ws.cell(row=rows[EVIL], column=col).value == text
    assert ws.cell(row=rows["-2+3"], column=1).data_type == "s"
    assert ws.cell(row=rows["-2+3"], column=2).value == "\t=1"
    formulas = [c.value for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert not any("HYPERLINK" in f or "SUM(A1)" in f for f in formulas)
    # A1-A3 not the sum of its lines (adjusted): the model's value, and a note instead of a formula
    a13 = header(ws)["A1-A3 (kgCO2e)"]
    assert ws.cell(row=rows["再生 C30"], column=a13).value == 9000.0
    assert "not a formula" in ws.cell(row=rows["再生 C30"], column=ws.max_column).value


@pytest.mark.parametrize(("lang", "first", "chinese"), [("en", "Summary", False), ("zh", "汇总", True)])
def test_languages(report: ReportModel, tmp_path: Path, lang: str, first: str, chinese: bool) -> None:
    path = tmp_path / f"{lang}.xlsx"
    render_xlsx.render(dataclasses.replace(report, lang=lang), path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == first and len(book.sheetnames) == 10
    heads = [c.value for c in book.worksheets[4][1]]
    assert any(re.search(r"[\u4e00-\u9fff]", str(h)) for h in heads) is chinese
    cjk = [c.value for row in book.worksheets[4].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("混凝土" in t for t in cjk)  # material names from the model, whatever the language


def shown_width(cell: Any) -> int:
    """The rule the widths follow: the value as shown (a formula as "=formula cell", a float with one
    decimal and separators), wide characters counting twice."""
    v = cell.value
    text = "=formula cell" if cell.data_type == "f" else f"{v:,.1f}" if isinstance(v, float) else str(v)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_column_widths_fit_the_content(book: Any) -> None:
    """Widths are set before the rows of a write-only sheet: they must still fit all of its rows."""
    for ws in book.worksheets:
        widest: dict[str, int] = defaultdict(int)
        exact: dict[str, bool] = defaultdict(lambda: True)
        for cell in (c for row in ws.iter_rows() for c in row if c.value is not None):
            widest[cell.column_letter] = max(widest[cell.column_letter], shown_width(cell))
            if type(cell.value) is int:  # a float such as 3.0 reads back as 3: shown as 3.0 when written
                exact[cell.column_letter] = False
        assert widest, ws.title
        for letter, n in widest.items():
            width, fitted = ws.column_dimensions[letter].width, min(max(n + 2, 8), 60)
            assert width == fitted if exact[letter] else fitted <= width <= 60, (ws.title, letter)
    assert book["汇总 Summary"].column_dimensions["A"].width == 60  # the long title, capped
    materials = book["建材 Materials"]
    names = [c.value for c in materials["A"][1:] if isinstance(c.value, str) and "混凝土" in c.value]
    assert names and materials.column_dimensions["A"].width >= 2 * len(max(names, key=len))  # CJK: 2 each


def test_empty_cells_keep_their_number_format(book: Any) -> None:
    """A value not declared is an empty cell, still formatted like its column."""
    ws = book["建材 Materials"]
    row = rows_by_first_cell(ws)["C30混凝土"]
    d = ws.cell(row=row, column=header(ws)["D (kgCO2e)"])
    assert d.value is None and d.number_format == "#,##0.0"
    stages = book["阶段 Stages"]
    demolition = stages.cell(row=rows_by_first_cell(stages)["demolition"], column=3)
    assert demolition.value is None and demolition.number_format == "#,##0.0"


def test_long_tables_keep_text_formats_and_headers(report: ReportModel, tmp_path: Path) -> None:
    """The element and line tables (175 000 rows on a large model) are streamed: text stays text,
    numbers keep their format, the header its style, panes and filter cover every row."""
    evil = dataclasses.replace(report.elements[0], name=EVIL, storey="#REF!", material="-2+3", volume_m3=None)
    elements = (*report.elements * 40, evil)
    line = dataclasses.replace(report.lines[0], label="@SUM(A1)", material="+1")
    path = tmp_path / "long.xlsx"
    render_xlsx.render(dataclasses.replace(report, elements=elements, lines=(*report.lines, line)), path)
    book = openpyxl.load_workbook(path)
    ws = book["构件 Elements"]
    assert ws.max_row == len(elements) + 1 and ws.max_column == len(ELEMENT_KEYS)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:H{len(elements) + 1}"
    assert all(c.font.bold and c.fill.fgColor.rgb == "00DDEBF7" for c in ws[1])
    volume = list(ELEMENT_KEYS).index("volume_m3") + 1
    assert ws.cell(row=2, column=volume).number_format == "0.000"
    assert ws.cell(row=2, column=volume).value == pytest.approx(report.elements[0].volume_m3)
    last = [ws.cell(row=ws.max_row, column=list(ELEMENT_KEYS).index(k) + 1) for k in ("name", "storey")]
    assert [(c.value, c.data_type, c.quotePrefix) for c in last] == [(EVIL, "s", True), ("#REF!", "s", True)]
    assert ws.cell(row=ws.max_row, column=volume).value is None
    lines = book["计算明细 Lines"]
    texts = {c.value: c for c in lines[lines.max_row]}
    assert texts["@SUM(A1)"].data_type == "s" and texts["+1"].data_type == "s"
    # formulas only where the renderer puts them: quantity, factor (from Materials) and kgCO2e
    formulas = {c.column_letter for row in lines.iter_rows() for c in row if c.data_type == "f"}
    assert formulas == {"E", "H", "K"}
    assert all(c.data_type != "f" for c in lines[lines.max_row] if c.column_letter not in "EHK")
