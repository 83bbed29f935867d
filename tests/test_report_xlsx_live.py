"""The Excel report's numbers are live formulas back to quantity × factor, and carry cached values.

Nothing here recalculates Excel, so ``Calc`` evaluates the few formulas the renderer writes: cell refs
(across sheets), ranges, + - * /, =, SUM, SUMIFS and IF. It reads the workbook as written (formulas),
lets a test change a cell, and recomputes; the cached values are read with ``data_only=True``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import modelkit as mk
import openpyxl
import pytest

from embodied.pipeline import Calculation, run_report
from embodied.report import render_xlsx
from embodied.report.model import build
from embodied.report.records import ReportModel, SwitchEffect
from embodied.report.xlsx_cache import with_values

TOKEN = re.compile(
    r"""\s*(?:(?P<str>"[^"]*")|(?P<name>SUMIFS|SUM|IF|TRUE|FALSE)(?![\w$])"""
    r"""|(?P<ref>(?:'(?P<sheet>(?:[^']|'')+)'!)?\$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>\d+)"""
    r"""(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>\d+))?)|(?P<num>\d+(?:\.\d+)?)|(?P<op><>|[-+*/(),=]))"""
)
NAMES = {"SUMIFS": "_sumifs", "SUM": "_sum", "IF": "_if", "TRUE": "True", "FALSE": "False"}


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class Calc:
    """The value of any cell of `book` (loaded with formulas), formulas evaluated as Excel would."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.memo: dict[tuple[str, str], Any] = {}

    def set(self, sheet: str, ref: str, value: Any) -> None:
        self.book[sheet][ref].value = value
        self.memo.clear()

    def __call__(self, sheet: str, ref: str) -> Any:
        if (sheet, ref) not in self.memo:
            cell = self.book[sheet][ref]
            formula = cell.data_type == "f"
            self.memo[(sheet, ref)] = self.formula(sheet, cell.value) if formula else cell.value
        return self.memo[(sheet, ref)]

    def formula(self, sheet: str, text: str) -> Any:
        assert text.startswith("="), text
        python, at = [], 1
        while at < len(text):
            t = TOKEN.match(text, at)
            assert t and t.end() > at, f"cannot read {text[at:]!r} in {text}"
            at = t.end()
            if t["ref"]:
                name = (t["sheet"] or "").replace("''", "'") or sheet
                first = f"{t['c1']}{t['r1']}"
                last = f"{t['c2']}{t['r2']}" if t["c2"] else None
                python.append(
                    f"_range({name!r}, {first!r}, {last!r})" if last else f"_cell({name!r}, {first!r})"
                )
            elif t["name"]:
                python.append(NAMES[t["name"]])
            elif t["op"]:
                python.append({"=": "==", "<>": "!="}.get(t["op"], t["op"]))
            else:
                python.append(t["str"] or t["num"])
        scope: dict[str, Callable[..., Any]] = {
            "_cell": lambda s, r: 0.0 if self(s, r) is None else self(s, r),  # a blank is 0 in arithmetic
            "_range": lambda s, a, b: [
                self(s, c.coordinate) for row in self.book[s][f"{a}:{b}"] for c in row
            ],
            "_sum": lambda *args: sum(
                v for a in args for v in (a if isinstance(a, list) else [a]) if _number(v)
            ),
            "_sumifs": _sumifs,
            "_if": lambda test, yes, no: yes if test else no,  # both sides evaluated: no 0 divisor here
        }
        return eval(" ".join(python), {"__builtins__": {}}, scope)


def _flat(arg: Any) -> list[Any]:
    return arg if isinstance(arg, list) else [arg]


def _sumifs(values: list[Any], *pairs: Any) -> float:
    def meets(v: Any, want: Any) -> bool:
        if isinstance(want, bool) or isinstance(v, bool):
            return v is want
        if isinstance(want, str):
            return isinstance(v, str) and v.lower() == want.lower()
        return _number(v) and v == want

    ranges, wants = pairs[0::2], pairs[1::2]
    keep = [all(meets(r[i], w) for r, w in zip(ranges, wants, strict=True)) for i in range(len(values))]
    return float(sum(v for v, k in zip(values, keep, strict=True) if k and _number(v)))


def rows_by(ws: Any, col: int = 1) -> dict[Any, int]:
    return {ws.cell(row=r, column=col).value: r for r in range(ws.max_row, 0, -1)}


def line_row(ws: Any, material: str, module: str) -> int:
    """The row of the Lines sheet of `material`'s `module` line."""
    [row] = [
        r for r in range(2, ws.max_row + 1) if (ws[f"C{r}"].value, ws[f"B{r}"].value) == (material, module)
    ]
    return row


def write(report: ReportModel, path: Path) -> tuple[Any, Any]:
    render_xlsx.render(report, path)
    return openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)


@pytest.fixture(scope="module")
def sample(sample_calculation: Calculation, tmp_path_factory: pytest.TempPathFactory) -> Any:
    c = sample_calculation
    report = build(
        c.match, c.lifecycle, c.settings, c.database, lang="zh+en", mapping_sha256=c.mapping_sha256
    )
    book, values = write(report, tmp_path_factory.mktemp("live") / "sample.xlsx")
    return report, book, values


def test_the_sample_totals_are_formulas_that_give_the_model_numbers(sample: Any) -> None:
    report, book, values = sample
    stages, summary, modules = book["阶段 Stages"], book["汇总 Summary"], book["模块 Modules"]
    row = rows_by(stages)
    production, total = f"C{row['production']}", f"C{row['total']}"
    assert stages[production].value == "=SUM('模块 Modules'!$D$2)"  # A1-A3, the only production module
    assert stages[total].value == f"=SUM(C2:C{row['total'] - 1})"
    a13 = modules[f"D{rows_by(modules)['A1-A3']}"].value
    assert a13.startswith("=SUMIFS('计算明细 Lines'!$K$2:$K$") and a13.endswith(",FALSE)")
    calc = Calc(book)
    # the sample: 50 439.911 + 3 830.272 + 3 840 + 456 316 (operation, B6) = 514 426.183 kgCO2e
    assert calc("阶段 Stages", total) == pytest.approx(514426.183, abs=0.01) == report.total_kgco2e
    assert calc("阶段 Stages", production) == pytest.approx(report.stage("production"), abs=0.01)
    s = rows_by(summary)
    assert calc("汇总 Summary", f"B{s['范围内合计 / Total in scope']}") == pytest.approx(514426.183, abs=0.01)
    # per m²: 514 426.183 / 192 m² = 2 679.303; per m²·a: / 50 a = 53.586
    per_m2 = f"B{s['单位建筑面积碳排放 / Emissions per m²']}"
    assert calc("汇总 Summary", per_m2) == pytest.approx(2679.303, abs=0.001)
    # cached values: what a viewer that does not recalculate shows
    assert values["阶段 Stages"][production].value == pytest.approx(report.stage("production"), abs=0.01)
    assert values["阶段 Stages"][total].value == pytest.approx(514426.183, abs=0.01)
    assert values["汇总 Summary"][per_m2].value == pytest.approx(2679.303, abs=0.001)
    assert book.calculation.fullCalcOnLoad  # Excel recalculates anyway


@pytest.mark.parametrize(
    "sheet", ["汇总 Summary", "阶段 Stages", "模块 Modules", "建材 Materials", "计算明细 Lines"]
)
def test_every_formula_has_its_value_cached(sample: Any, sheet: str) -> None:
    """Each formula cell carries a cached number, and the formula recomputes it (to 0.01 kgCO2e)."""
    _, book, values = sample
    calc, formulas = Calc(book), [c for row in book[sheet].iter_rows() for c in row if c.data_type == "f"]
    assert formulas
    for cell in formulas:
        cached = values[sheet][cell.coordinate].value
        assert isinstance(cached, float), (sheet, cell.coordinate, cell.value)
        assert calc(sheet, cell.coordinate) == pytest.approx(cached, abs=0.01, rel=1e-6), cell.value


def test_c30_runs_from_its_factor_to_the_materials_row(sample: Any) -> None:
    """The C30 A1-A3 line takes the Materials row's quantity and factor: 39.4752 m³ × 295 = 11 645.184."""
    report, book, _ = sample
    materials, lines = book["建材 Materials"], book["计算明细 Lines"]
    row = rows_by(materials)["C30混凝土"]
    heads = {c.value: c.column_letter for c in materials[1]}
    assert materials[f"{heads['A1-A3 (kgCO2e)']}{row}"].value.startswith("=SUMIFS(")
    [line] = [
        r
        for r in range(2, lines.max_row + 1)
        if lines[f"C{r}"].value == "C30混凝土" and lines[f"B{r}"].value == "A1-A3"
    ]
    assert (
        lines[f"H{line}"].value == f"='建材 Materials'!$L${row}"
        and lines[f"K{line}"].value == f"=E{line}*H{line}"
    )
    calc = Calc(book)
    assert calc("建材 Materials", f"{heads['A1-A3 (kgCO2e)']}{row}") == pytest.approx(11645.184)
    c30 = next(m for m in report.materials if m.material == "C30混凝土")
    assert calc(
        "建材 Materials", f"{heads['小计 A1-A3 + A4 (kgCO2e) / Subtotal A1-A3 + A4 (kgCO2e)']}{row}"
    ) == (
        pytest.approx(c30.total_kgco2e, abs=0.001)  # 11 645.184 + 94.74048 t × 40 km × 0.129 = 12 134.045
    )
    a4 = next(
        r
        for r in range(2, lines.max_row + 1)
        if lines[f"C{r}"].value == "C30混凝土" and lines[f"B{r}"].value == "A4"
    )
    assert (lines[f"I{a4}"].value, lines[f"J{a4}"].value, lines[f"K{a4}"].value) == (
        40,
        "km",
        f"=E{a4}*H{a4}*I{a4}",
    )


@pytest.fixture(scope="module")
def column(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One C30 column KZ1, 0.4 × 0.5 × 3.0 m = 0.6 m³ at 2400 kg/m³."""
    return mk.c30_column(tmp_path_factory.mktemp("column") / "c.ifc", seed="x")


def test_doubling_the_c30_factor_moves_production_and_the_total(column: Path, tmp_path: Path) -> None:
    report = run_report(column, lang="en")
    book, values = write(report, tmp_path / "c.xlsx")
    calc, at = Calc(book), rows_by(book["Stages"])
    production, transport, total = (f"C{at[k]}" for k in ("production", "transport", "total"))
    # A1-A3: C30 0.6 m³ × 295 = 177, rebar estimate 0.6 m³ × 180 kg/m³ = 0.108 t × 2340 = 252.72: 429.72
    # A4: 1.44 t × 40 km × 0.129 = 7.4304, rebar 0.108 t × 500 km × 0.129 = 6.966: 14.3964
    assert calc("Stages", production) == pytest.approx(429.72) == report.stage("production")
    assert calc("Stages", transport) == pytest.approx(14.3964)
    assert calc("Stages", total) == pytest.approx(444.1164) == pytest.approx(report.total_kgco2e, abs=1e-3)
    assert values["Stages"][total].value == pytest.approx(444.116)
    c30 = rows_by(book["Materials"])["C30混凝土"]
    assert book["Materials"][f"L{c30}"].value == 295
    calc.set("Materials", f"L{c30}", 590.0)  # the factor doubled: C30 A1-A3 177 -> 354
    assert calc("Materials", f"M{c30}") == pytest.approx(354.0)
    assert calc("Stages", production) == pytest.approx(606.72)  # 354 + 252.72
    assert calc("Stages", transport) == pytest.approx(14.3964)  # transport does not depend on it
    assert calc("Stages", total) == pytest.approx(444.1164 + 177.0)
    summary = rows_by(book["Summary"])
    assert calc("Summary", f"B{summary['Total in scope']}") == pytest.approx(621.1164)
    assert calc("Summary", f"B{summary[report.label('words', 'embodied')]}") == pytest.approx(621.1164)
    lines = book["Lines"]
    [line] = [
        r
        for r in range(2, lines.max_row + 1)
        if lines[f"C{r}"].value == "C30混凝土" and lines[f"B{r}"].value == "A1-A3"
    ]
    calc.set("Lines", f"H{line}", 295.0)  # or on the Lines sheet: back to 177
    assert calc("Stages", production) == pytest.approx(429.72)


def test_a_module_left_out_by_a_switch_is_not_summed(column: Path, tmp_path: Path) -> None:
    """include_transport = false: the A4 lines stay on the Lines sheet, with values, out of every total."""
    project = tmp_path / "embodied.toml"
    project.write_text(
        "[building]\ngross_floor_area_m2 = 100.0\n[operation]\nelectricity_kwh = 1000.0\n"
        "[scope]\ninclude_transport = false\n",
        encoding="utf-8",
    )
    report = run_report(column, lang="en", config_path=project)
    book, values = write(report, tmp_path / "c.xlsx")
    calc, modules, stages = Calc(book), rows_by(book["Modules"]), rows_by(book["Stages"])
    assert book["Modules"][f"D{modules['A4']}"].value is None
    assert "excluded by scope.include_transport = false" in book["Modules"][f"G{modules['A4']}"].value
    a4 = [r for r in range(2, book["Lines"].max_row + 1) if book["Lines"][f"B{r}"].value == "A4"]
    assert [round(calc("Lines", f"K{r}"), 4) for r in a4] == [7.4304, 6.966]  # computed, not counted
    assert book["Stages"][f"C{stages['transport']}"].value is None
    # 429.72 (A1-A3) + 1000 kWh/a × 0.5306 kgCO2/kWh × 50 a = 26 530 (B6) = 26 959.72
    assert calc("Stages", f"C{stages['total']}") == pytest.approx(26959.72) == report.total_kgco2e
    summary = rows_by(book["Summary"])
    assert calc("Summary", f"B{summary['Total in scope']}") == pytest.approx(26959.72)
    per_m2a = f"B{summary[report.label('words', 'intensity_m2a')]}"  # 26 959.72 / 100 m² / 50 a
    assert calc("Summary", per_m2a) == pytest.approx(5.391944) and values["Summary"][per_m2a].value == 5.3919
    operation = summary[next(s.label for s in report.stages if s.key == "operation")]
    assert book["Summary"][f"C{operation}"].value == "kgCO2"
    assert "summed into the kgCO2e total" in book["Summary"][f"D{operation}"].value
    assert "summed into the kgCO2e total" in book["Stages"][f"F{stages['operation']}"].value
    calc.set("Summary", "B10", 200.0)  # the floor area doubled: the intensity halves
    assert book["Summary"]["A10"].value == "Floor area"
    assert calc("Summary", per_m2a) == pytest.approx(2.695972)


def test_cached_values_go_into_formula_cells_only() -> None:
    xml = b'<row r="5"><c r="A5" t="inlineStr"><is><t>x</t></is></c><c r="B5" s="1"><f>A1*2</f><v /></c>'
    xml += b"<c r='C5'/><c r=\"D5\"><f>SUM(B5)</f><v/></c></row>"
    out = with_values(xml, {"B5": 3.5, "A5": 1.0, "D5": 1e-05})
    assert out == xml.replace(b"<v /></c>", b"<v>3.5</v></c>").replace(b"<v/>", b"<v>1e-05</v>")


def test_units_in_the_headers(sample: Any) -> None:
    _, book, _ = sample
    heads = [c.value for c in book["建材 Materials"][1]]
    assert {"A1-A3 (kgCO2e)", "A4 (kgCO2e)", "B4 (kgCO2e)", "D (kgCO2e)"} <= set(heads)
    assert "数量（单位见各行） / Quantity (unit per row)" in heads
    lines = [c.value for c in book["计算明细 Lines"][1]]
    assert any("kgCO2e" in h for h in lines if "因子" in h) and any(h.startswith("乘数") for h in lines)


def test_module_d_netted_into_the_total_is_added_to_the_stages(sample: Any, tmp_path: Path) -> None:
    """scope.include_module_d = true: total = Σ stages + D (a credit of -1 000 here, set by hand)."""
    report = sample[0]
    modules = tuple(dataclasses.replace(a, kgco2e=-1000.0) if a.key == "D" else a for a in report.modules)
    switch = SwitchEffect("include_module_d", True, -1000.0, "module D credit netted into the total")
    netted = dataclasses.replace(report, modules=modules, switches=(switch,), total_kgco2e=513426.183)
    book, values = write(netted, tmp_path / "d.xlsx")
    stages, d_row = rows_by(book["阶段 Stages"]), rows_by(book["模块 Modules"])["D"]
    total = f"C{stages['total']}"
    assert book["阶段 Stages"][total].value == f"=SUM(C2:C{stages['total'] - 1})+'模块 Modules'!$D${d_row}"
    assert Calc(book)("阶段 Stages", total) == pytest.approx(514426.183 - 1000.0, abs=0.01)
    assert values["阶段 Stages"][total].value == pytest.approx(513426.183)
    assert "include_module_d" in book["阶段 Stages"][f"F{stages['total']}"].value
    assert "not a formula" in book["模块 Modules"][f"G{d_row}"].value  # no D line to sum: the model's value
