"""Excel workbook of a report: one sheet per part, live quantity × factor formulas, native charts.

Every number comes from the report model; the only arithmetic is in Excel formulas a reviewer can follow
and change (A1-A3 = quantity × factor, row totals, column sums, shares). Text from the model file is
untrusted: a string that Excel would read as a formula is stored as text (``_spec``).

The sheets are laid out and written by ``xlsx_sheet.Sheet``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart
from openpyxl.utils import get_column_letter

from embodied.report.model import ELEMENT_KEYS
from embodied.report.records import DefaultGrade, Line, MaterialRow, ReportModel, pick
from embodied.report.xlsx_sheet import (
    HEAD_FONT,
    KG,
    M2,
    NOTE_FONT,
    QTY,
    SHARE,
    TITLE_FONT,
    Sheet,
    sheet_name,
)

SHEETS = (
    "summary",
    "plausibility",
    "stages",
    "modules",
    "materials",
    "lines",
    "elements",
    "issues",
    "sources",
    "settings",
)
# Words of the workbook not in templates/labels.yaml (words there take precedence): key|zh|en.
_TABLE = """
summary|汇总|Summary ; plausibility|合理性检查|Plausibility ; stages|阶段|Stages ; modules|模块|Modules
materials|建材|Materials ; lines|计算明细|Lines ; elements|构件|Elements ; issues|问题|Issues
sources|数据来源|Sources
mass_basis|质量依据（假设）|Mass from (assumption) ; grid_factor|电网排放因子|Grid emission factor
default_assumed|未注明等级，默认取|no grade named, assumed
defaults_used|采用的默认值（项目文件未设定）|Defaults taken (not set in the project file)
default_by_location|按所在地默认选取|default by location ; set_in_project|项目文件设定|set in the project file
settings|设置|Settings ; item|条目|Item ; value|数值|Value ; note|注|Note ; key|代号|Key ; label|名称|Label
stage|GB/T 51366 阶段|GB/T 51366 stage ; module|模块|Module ; kgco2e|碳排放 kgCO2e|Emissions kgCO2e
per_m2|单位面积 kgCO2e/m²|kgCO2e per m² ; ifc_classes|IFC 类别|IFC classes ; factor_id|因子编号|Factor id
factor_name|因子名称|Factor name ; data_type|数据类型|Data type ; method|匹配方法|Match method
confidence|置信度|Confidence ; factor_value|因子 kgCO2e/单位|Factor kgCO2e/unit
subtotal|小计 A1-A3 + A4|Subtotal A1-A3 + A4 ; mass_kg|质量 kg|Mass kg ; volume_m3|体积 m³|Volume m³
formula|计算式|Formula ; flagged|假设/估算|Assumption/estimate ; separate|单列|Separate
global_id|GlobalId|GlobalId ; ifc_class|IFC 类|IFC class ; name|名称|Name ; storey|楼层|Storey
quantity_source|工程量来源|Quantity source ; material_field|建材|Material ; category|类别|Category
kind|类型|Kind ; message|说明|Message ; elements_count|构件数|Elements
suggestions|建议因子|Suggested factors ; id|编号|Id ; title|标题|Title ; publisher|发布者|Publisher
edition|版本|Edition ; licence|许可|Licence ; factors_used|使用因子数|Factors used
beside|GB/T 51366 之外（不计入阶段合计）|Beside GB/T 51366 (not in the stage totals)
separate_lines|单独列示|Separate lines
not_summed|单独列示，不计入任何合计|reported on their own line, never summed into a total
model_totals|模型模块合计（对照）|Module totals of the model (for comparison) ; yes|是|yes ; no|否|no
top10|前十建材 A1-A3 + A4|Top 10 materials, A1-A3 + A4 ; by_stage|各阶段碳排放|Emissions by stage
composition|阶段构成|Composition by stage ; by_module|各模块碳排放|Emissions by module
project|项目|Project ; switches|范围开关|Scope switches ; standards|标准|Standards ; status|状态|Status
total_scope|范围内合计|Total in scope ; operational|运行碳排放强度 kgCO2/(m²·a)|Operational kgCO2/(m²·a)
mass_matched|已匹配质量 kg|Matched mass kg ; mass_total|总质量 kg|Total mass kg
required|要求比例|Required share ; unknown_mass|质量未知的建材|Materials of unknown mass
check|检查|Check ; severity|等级|Severity ; kgco2e_affected|涉及 kgCO2e|kgCO2e affected
hint|处理方式|How to resolve ; confirmation|确认|Confirmation
"""
WORDS: dict[str, tuple[str, str]] = {
    key.strip(): (zh.strip(), en.strip())
    for key, zh, en in (item.split("|") for item in _TABLE.replace("\n", ";").split(";") if item.strip())
}
WORDS["no_formula"] = (
    "A1-A3 ≠ 数量 × 因子（再生料调整，或同名建材合并计算）：填模型数值，不用公式",
    "A1-A3 ≠ quantity × factor (recycled content, or same-name lines combined): model value, not a formula",
)


def render(report: ReportModel, path: Path) -> None:
    """Write the workbook of `report` to `path` (one file; the caller moves it into place)."""
    wb = Workbook(write_only=True)
    wb.properties.title = report.title[:255]
    wb.properties.creator = f"embodied {report.fingerprint.tool_version}"
    wb.calculation.fullCalcOnLoad = True
    fills = (
        _summary,
        _plausibility,
        _stages,
        _modules,
        _materials,
        _lines,
        _elements,
        _issues,
        _sources,
        _settings,
    )
    for key, fill in zip(SHEETS, fills, strict=True):
        sheet = Sheet(wb.create_sheet(sheet_name(report.lang, *WORDS[key])))
        fill(sheet, report)
        sheet.write()
    wb.save(path)


def _w(report: ReportModel, key: str) -> str:
    zh, en = WORDS.get(key, (key, key))
    return pick(report.labels.get("words", {}).get(key) or {"zh": zh, "en": en}, report.lang)


# -- Sheets ------------------------------------------------------------------------------------------


def _nd(report: ReportModel, values: dict[str, Any], extra: str | None = None) -> str:
    """The note of a row: which of `values` are not declared, then `extra`."""
    missing = ", ".join(name for name, v in values.items() if v is None)
    return "; ".join(p for p in (missing and f"{_w(report, 'not_declared')}: {missing}", extra) if p)


def _kv(ws: Sheet, row: int, r: ReportModel, label: str, value: Any, unit: str = "", **kw: Any) -> int:
    """One item row: label, value, unit, note (in the columns `at`); the next row."""
    fmt, note, at = kw.get("fmt"), kw.get("note") or "", kw.get("at", (1, 2, 3, 4))
    if value is None:
        note = "; ".join(p for p in (kw.get("blank", f"—; {_w(r, 'not_declared')}"), note) if p)
    for col, item in zip(at, (label, value, unit, note), strict=True):
        ws.put(row, col, item, fmt if item is value else None)
    return row + 1


def _section(ws: Sheet, row: int, title: str) -> int:
    ws.put(row, 1, title, font=HEAD_FONT)
    return row + 1


def _summary(ws: Sheet, r: ReportModel) -> None:
    ws.put(1, 1, r.title, font=TITLE_FONT)
    ws.header(2, [_w(r, k) for k in ("item", "value", "unit", "note")])
    p, cov, fp = r.project, r.coverage, r.fingerprint
    row = _section(ws, 3, r.label("chapters", "overview"))
    row = _kv(ws, row, r, _w(r, "project"), p.name)
    for key in ("building_type", "climate_zone", "province", "model", "schema"):
        row = _kv(ws, row, r, key, getattr(p, key))
    area, source = p.floor_area_m2, p.floor_area_source
    row = _kv(ws, row, r, _w(r, "floor_area"), area, "m²", fmt=M2, note=source)
    row = _kv(ws, row, r, _w(r, "design_life"), p.design_life_years, "a")
    row = _section(ws, row + 1, r.label("chapters", "totals"))
    row = _kv(ws, row, r, _w(r, "total_scope"), r.total_kgco2e, "kgCO2e", fmt=KG)
    row = _kv(ws, row, r, _w(r, "embodied"), r.embodied_kgco2e, "kgCO2e", fmt=KG)
    for s in r.stages:
        row = _kv(ws, row, r, s.label, s.kgco2e, "kgCO2e", fmt=KG)
    row = _kv(ws, row, r, _w(r, "intensity_m2"), r.intensity_kgco2e_per_m2, "kgCO2e/m²", fmt=M2)
    row = _kv(ws, row, r, _w(r, "intensity_m2a"), r.intensity_kgco2e_per_m2a, "kgCO2e/(m²·a)", fmt=M2)
    row = _kv(ws, row, r, _w(r, "operational"), r.operational_kgco2_per_m2a, "kgCO2/(m²·a)", fmt=M2)
    row = _section(ws, row + 1, _w(r, "coverage"))
    verdict = _w(r, "rule_met" if cov.rule_met else "rule_not_met")
    verdict += f"; {cov.share_text}"
    row = _kv(ws, row, r, _w(r, "coverage"), cov.mass_fraction_matched, "", fmt=SHARE, note=verdict)
    row = _kv(ws, row, r, _w(r, "required"), cov.required_share, "", fmt=SHARE)
    row = _kv(ws, row, r, _w(r, "mass_matched"), cov.matched_mass_kg, "kg", fmt=KG)
    row = _kv(ws, row, r, _w(r, "mass_total"), cov.total_mass_kg, "kg", fmt=KG)
    row = _kv(ws, row, r, _w(r, "unknown_mass"), ", ".join(cov.unknown_mass) or "—")
    ws.put(row + 1, 4, _w(r, "draft_notice"), font=NOTE_FONT)
    row = _section(ws, row + 1, _w(r, "tier"))
    yes_no: dict[Any, str] = {True: _w(r, "yes"), False: _w(r, "no")}
    for t in r.tiers:  # met None: undecided (threshold not public, input missing), said in the reason
        row = _kv(ws, row, r, t.tier, yes_no.get(t.met), note=t.reason, blank="—")
    row = _section(ws, row + 1, _w(r, "gb55015"))
    g = r.gb55015
    tier, met, reason = (g.tier, g.met, g.reason) if g is not None else ("GB 55015", None, None)
    row = _kv(ws, row, r, tier, yes_no.get(met), note=reason)
    row = _section(ws, row + 1, _w(r, "fingerprint"))
    for key in ("run_id", "tool_version", "data_version", "model_sha256", "created"):
        row = _kv(ws, row, r, key, getattr(fp, key))
    ws.freeze("A3", f"A2:D{row - 1}")


def _amount_rows(r: ReportModel, amounts: Sequence[Any], stage_of: bool) -> list[list[Any]]:
    rows = []
    for a in amounts:
        gbt = a.stage if a.stage not in (None, "beside_gbt51366") else None
        stage = [(r.label("stages", gbt) if gbt else _w(r, "beside"))] if stage_of else []
        note = a.note or _nd(r, {_w(r, "kgco2e"): a.kgco2e})
        rows.append([a.key, a.label, *stage, a.kgco2e, a.per_m2, a.share, note])
    return rows


def _default_note(r: ReportModel, default: DefaultGrade) -> str:
    """ "no grade named, assumed C30; C35 +2250.0; C25 -2250.0 kgCO2e" for a material matched by default."""
    steps = [
        f"{grade} {kg:+.1f}"
        for grade, kg in (
            (default.step_up_grade, default.step_up_kgco2e),
            (default.step_down_grade, default.step_down_kgco2e),
        )
        if kg is not None
    ]
    return (
        f"{_w(r, 'default_assumed')} {default.grade}"
        + "".join(f"; {s}" for s in steps)
        + (" kgCO2e" if steps else "")
    )


def _bar(title: str, kind: str = "col", stacked: bool = False) -> BarChart:
    chart = BarChart()
    chart.type, chart.title, chart.height, chart.width = kind, title, 8, 16
    chart.y_axis.title, chart.x_axis.delete, chart.y_axis.delete = "kgCO2e", False, False
    if stacked:
        chart.grouping, chart.overlap = "stacked", 100
    else:
        chart.legend = None  # one series
    return chart


def _stages(ws: Sheet, r: ReportModel) -> None:
    heads = [_w(r, k) for k in ("key", "label", "kgco2e", "per_m2", "share", "note")]
    last = ws.table(heads, _amount_rows(r, r.stages, False), [None, None, KG, M2, SHARE])
    total = ["total", _w(r, "total_scope"), r.total_kgco2e, r.intensity_kgco2e_per_m2]
    ws.row(last + 1, total, [None, None, KG, M2])
    ws.put(last + 1, 2, total[1], font=HEAD_FONT)
    if last < 2:
        return
    chart = _bar(_w(r, "by_stage"))
    chart.add_data(ws.ref(min_col=3, min_row=1, max_row=last), titles_from_data=True)
    chart.set_categories(ws.ref(min_col=2, min_row=2, max_row=last))
    ws.chart(chart, "H2")
    stacked = _bar(_w(r, "composition"), stacked=True)
    rows = ws.ref(min_col=2, max_col=3, min_row=2, max_row=last)
    stacked.add_data(rows, from_rows=True, titles_from_data=True)  # a series per stage
    ws.chart(stacked, "H20")


def _modules(ws: Sheet, r: ReportModel) -> None:
    heads = [_w(r, k) for k in ("key", "label", "stage", "kgco2e", "per_m2", "share", "note")]
    last = ws.table(heads, _amount_rows(r, r.modules, True), [None, None, None, KG, M2, SHARE])
    at, labels = (1, 4, 2, 7), {a.key: a.label for a in r.modules}  # Key, kgCO2e, Label, Note columns
    row = _section(ws, last + 2, _w(r, "beside"))
    for key, value in r.beside_gbt.items():
        row = _kv(ws, row, r, key, value, f"{labels.get(key, key)} (kgCO2e)", fmt=KG, at=at)
    row = _section(ws, row + 1, f"{_w(r, 'separate_lines')}: {_w(r, 'not_summed')}")
    for key, value in r.separate.items():
        unit = "kWh" if key.endswith("_kwh") else "kgCO2e" if key.endswith("_kgco2e") else "kgCO2"
        row = _kv(ws, row, r, key, value, unit, fmt=KG, note=_w(r, "not_summed"), at=at)
    if last >= 2:
        chart = _bar(_w(r, "by_module"))
        chart.add_data(ws.ref(min_col=4, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(ws.ref(min_col=1, min_row=2, max_row=last))
        ws.chart(chart, "I2")


MAT_HEADS = (
    *("material", "ifc_classes", "factor_id", "factor_name", "source", "verification", "data_type"),
    *("method", "confidence", "quantity", "unit", "factor_value"),
)
MODULE_KEYS = ("A1-A3", "A4", "B4", "D")
MAT_FMTS = [None] * 8 + ["0.00", QTY, None, "General"]


def formula_ok(m: MaterialRow) -> bool:
    """A1-A3 of the row is quantity × factor (up to the model's rounding): no adjustment in between."""
    a13, qty, factor = m.modules.get("A1-A3"), m.quantity, m.factor_value
    if a13 is None or qty is None or factor is None:
        return False
    return abs(qty * factor - a13) <= max(1e-6 * abs(a13), 5e-4 + 5e-7 * abs(factor))


def _materials(ws: Sheet, r: ReportModel) -> None:
    heads = [_w(r, k) for k in MAT_HEADS] + list(MODULE_KEYS)
    heads += [_w(r, k) for k in ("subtotal", "share", "mass_kg", "volume_m3", "note")]
    ws.header(1, heads)
    names = (*MAT_HEADS, *MODULE_KEYS, "subtotal", "share", "mass", "volume", "note")
    col = {name: i for i, name in enumerate(names, 1)}
    L = {k: get_column_letter(i) for k, i in col.items()}
    first, last = 2, len(r.materials) + 1
    tot = last + 1
    for row, m in enumerate(r.materials, first):
        ws.row(row, [getattr(m, k) for k in MAT_HEADS], MAT_FMTS)
        product = formula_ok(m)
        for key in MODULE_KEYS:
            if key == "A1-A3" and product:
                ws.put(row, col[key], f"={L['quantity']}{row}*{L['factor_value']}{row}", KG, live=True)
            else:
                ws.put(row, col[key], m.modules.get(key), KG)
        if m.total_kgco2e is not None:
            ws.put(row, col["subtotal"], f"=SUM({L['A1-A3']}{row}:{L['A4']}{row})", KG, live=True)
            share = f'=IF(${L["subtotal"]}${tot}=0,"",{L["subtotal"]}{row}/${L["subtotal"]}${tot})'
            ws.put(row, col["share"], share, SHARE, live=True)
        ws.put(row, col["mass"], m.mass_kg, KG)
        ws.put(row, col["volume"], m.volume_m3, QTY)
        values = {_w(r, "quantity"): m.quantity, _w(r, "factor"): m.factor_value}
        values |= dict(m.modules) | {_w(r, "mass_kg"): m.mass_kg}
        no_formula = _w(r, "no_formula") if m.modules.get("A1-A3") is not None and not product else None
        basis = f"{_w(r, 'mass_basis')}: {m.mass_basis}" if m.mass_flagged and m.mass_basis else None
        assumed = _default_note(r, m.default) if m.default else None
        extra = "; ".join(p for p in (assumed, no_formula, basis) if p) or None
        ws.put(row, col["note"], _nd(r, values, extra))
    ws.freeze("B2", f"A1:{get_column_letter(len(heads))}{max(last, 2)}")
    if last < first:
        return
    ws.put(tot, 1, _w(r, "total"), font=HEAD_FONT)
    for key in (*MODULE_KEYS, "subtotal", "share", "mass", "volume"):
        fmt = {"share": SHARE, "volume": QTY}.get(key, KG)
        ws.put(tot, col[key], f"=SUM({L[key]}{first}:{L[key]}{last})", fmt, live=True)
    ws.put(tot + 1, 1, _w(r, "model_totals"))
    by_key = {a.key: a.kgco2e for a in r.modules}
    for key in MODULE_KEYS:
        ws.put(tot + 1, col[key], by_key.get(key), KG)
    top = sum(1 for m in r.materials[:10] if m.total_kgco2e is not None)
    if top:
        chart = _bar(_w(r, "top10"), kind="bar")
        values = ws.ref(min_col=col["subtotal"], min_row=1, max_row=top + 1)
        chart.add_data(values, titles_from_data=True)
        chart.set_categories(ws.ref(min_col=1, min_row=2, max_row=top + 1))
        chart.x_axis.scaling.orientation = "maxMin"  # largest on top
        ws.chart(chart, f"A{tot + 4}")


LINE_KEYS = ("stage", "module", "material", "label", "quantity", "unit", "factor_id", "factor_value")
LINE_TAIL = ("kgco2e", "formula", "flagged", "separate", "note")


def _lines(ws: Sheet, r: ReportModel) -> None:
    extra = [f.name for f in dataclasses.fields(Line) if f.name not in (*LINE_KEYS, *LINE_TAIL)]
    keys = (*LINE_KEYS, *LINE_TAIL, *extra)
    heads = [_w(r, k if k != "material" else "material_field") for k in keys] + [_w(r, "not_declared")]
    fmts = [None, None, None, None, QTY, None, None, "General", KG]
    nd = [_nd(r, {_w(r, "kgco2e"): line.kgco2e}) or None for line in r.lines]
    rows = ([*(getattr(line, k) for k in keys), n] for line, n in zip(r.lines, nd, strict=True))
    ws.table(heads, rows, fmts)


def _elements(ws: Sheet, r: ReportModel) -> None:
    keys = list(ELEMENT_KEYS)
    heads = [_w(r, k if k != "material" else "material_field") for k in keys]
    fmts = [QTY if k == "volume_m3" else None for k in keys]
    ws.table(heads, ([getattr(e, k) for k in keys] for e in r.elements), fmts)


def _plausibility(ws: Sheet, r: ReportModel) -> None:
    """The plausibility findings, implausible first, as on the report's first page."""
    keys = ("check", "title", "severity", "material_field", "kgco2e_affected", "message", "hint")
    heads = [_w(r, k) for k in keys] + [_w(r, "confirmation"), _w(r, "global_id")]
    rows = [
        [
            f.check, f.title, _w(r, f.severity), f.material, f.kgco2e_affected, f.message,
            f.hint, f.confirmation if f.confirmed else None, "; ".join(f.global_ids) or None,
        ]
        for f in r.plausibility
    ]  # fmt: skip
    ws.table(heads, rows, [None] * 4 + [KG])


def _issues(ws: Sheet, r: ReportModel) -> None:
    keys = ("category", "kind", "message", "global_id", "material_field", "ifc_classes", "elements_count")
    heads = [_w(r, k) for k in (*keys, "volume_m3", "mass_kg", "suggestions", "note")]
    rows: list[list[Any]] = []
    for cat, issues in (("defects", r.defects), ("assumptions", r.assumptions), ("issues", r.issues)):
        rows += [[_w(r, cat), i.kind, i.message, i.global_id] for i in issues]
    excluded = _w(r, "excluded")
    rows += [[excluded, "excluded", e.reason, None, None, e.ifc_class, e.count] for e in r.excluded]
    for u in r.unmatched:
        vol, mass = u.volume_m3, u.mass_kg
        note = _nd(r, {_w(r, "volume_m3"): vol, _w(r, "mass_kg"): mass}) or None
        suggestions, unmatched = "; ".join(u.suggestions), _w(r, "unmatched")
        row = [unmatched, "unmatched", unmatched, None, u.material, u.ifc_classes]
        rows.append([*row, u.elements, vol, mass, suggestions, note])
    ws.table(heads, rows, [None] * 6 + ["0", QTY, KG])


def _sources(ws: Sheet, r: ReportModel) -> None:
    keys = ("id", "title", "publisher", "edition", "licence", "verification", "factors_used")
    rows = ([getattr(s, k) for k in keys] for s in r.sources)
    ws.table([_w(r, k) for k in keys], rows, [None] * 6 + ["0"])


def _settings(ws: Sheet, r: ReportModel) -> None:
    ws.header(1, [_w(r, k) for k in ("item", "value", "unit", "note")])
    row = _section(ws, 2, _w(r, "project"))
    for f in dataclasses.fields(r.project):
        row = _kv(ws, row, r, f.name, getattr(r.project, f.name))
    row = _section(ws, row + 1, _w(r, "switches"))
    for s in r.switches:
        note = "; ".join(p for p in (s.note, f"effect_kgco2e: {s.effect_kgco2e}") if p)
        row = _kv(ws, row, r, s.switch, s.value, note=note)
    if not r.switches:
        row = _kv(ws, row, r, "—", "—")
    row = _section(ws, row + 1, _w(r, "grid_factor"))
    if r.grid is not None:
        how = _w(r, "default_by_location") if r.grid.default else _w(r, "set_in_project")
        note = f"{how}; {r.grid.label}: {r.grid.note}"
        row = _kv(ws, row, r, "grid_factor", r.grid.value, "kgCO2/kWh", note=note)
    row = _section(ws, row + 1, _w(r, "defaults_used"))
    for d in r.defaults_used:
        row = _kv(ws, row, r, d.key, d.value, d.unit, note=d.source)
    if not r.defaults_used:
        row = _kv(ws, row, r, "—", "—")
    row = _section(ws, row + 1, _w(r, "standards"))
    for st in r.standards:
        row = _kv(ws, row, r, st.name, st.status)
    row = _section(ws, row + 1, _w(r, "fingerprint"))
    for f in dataclasses.fields(r.fingerprint):
        value = getattr(r.fingerprint, f.name)
        row = _kv(ws, row, r, f.name, ", ".join(value) or "—" if isinstance(value, tuple) else value)
    row = _kv(ws, row, r, "schema_version", r.schema_version)
    row = _kv(ws, row, r, "lang", r.lang)
    ws.freeze("A2", f"A1:D{row - 1}")
