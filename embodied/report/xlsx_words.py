"""The words of the Excel report (zh|en; labels.yaml's words take precedence) and the item rows of its
key-value sheets (label, value, unit, note). ``render_xlsx`` re-exports ``WORDS``."""

from __future__ import annotations

from typing import Any

from embodied.report.records import ReportModel, pick
from embodied.report.xlsx_sheet import HEAD_FONT, Sheet

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
subtotal|小计 A1-A3 + A4 (kgCO2e)|Subtotal A1-A3 + A4 (kgCO2e) ; mass_kg|质量 kg|Mass kg
volume_m3|体积 m³|Volume m³
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
qty_row|数量（单位见各行）|Quantity (unit per row)
factor_row|因子 kgCO2e/单位（单位见各行）|Factor kgCO2e per unit (unit per row)
line_factor|因子（kgCO2e/单位，见计算式）|Factor (kgCO2e per unit, see the formula)
multiplier|乘数（距离 km、年限 a）|Multiplier (distance km, years a)
multiplier_unit|乘数单位|Multiplier unit
line_key|计算明细键 (material_index)|Lines key (material_index) ; sheet_note|表内说明|Workbook note
uncertainty|不确定性范围（P10–P90）|Uncertainty range (P10–P90)
"""
WORDS: dict[str, tuple[str, str]] = {
    key.strip(): (zh.strip(), en.strip())
    for key, zh, en in (item.split("|") for item in _TABLE.replace("\n", ";").split(";") if item.strip())
}
WORDS["no_formula"] = (
    "本行数值不等于计算明细各行之和（已调整或不对应）：填模型数值，不用公式",
    "not the sum of its lines on the Lines sheet (adjusted, or not matched to them): "
    "model value, not a formula",
)
WORDS["line_value"] = (
    "kgCO2e ≠ 数量 × 因子（× 乘数）（见计算式）：填模型数值，不用公式",
    "kgCO2e ≠ quantity × factor (× multiplier) (see the formula): model value, not a formula",
)
WORDS["operation_co2"] = (
    "运行阶段为 kgCO2（电网因子仅含 CO2），按 GB/T 51366 计入 kgCO2e 总量",
    "operation is kgCO2 (grid factors are CO2 only), summed into the kgCO2e total as GB/T 51366 does",
)
WORDS["d_in_total"] = (
    "含 D 模块（scope.include_module_d = true）",
    "includes module D (scope.include_module_d = true)",
)


def word(report: ReportModel, key: str) -> str:
    """A word of the workbook in the report's language(s): labels.yaml's, else ``WORDS``'."""
    zh, en = WORDS.get(key, (key, key))
    return pick(report.labels.get("words", {}).get(key) or {"zh": zh, "en": en}, report.lang)


def nd(report: ReportModel, values: dict[str, Any], extra: str | None = None) -> str:
    """The note of a row: which of `values` are not declared, then `extra`."""
    missing = ", ".join(name for name, v in values.items() if v is None)
    return "; ".join(p for p in (missing and f"{word(report, 'not_declared')}: {missing}", extra) if p)


def kv(ws: Sheet, row: int, r: ReportModel, label: str, value: Any, unit: str = "", **kw: Any) -> int:
    """One item row: label, value, unit, note (in the columns `at`); the next row."""
    fmt, note, at = kw.get("fmt"), kw.get("note") or "", kw.get("at", (1, 2, 3, 4))
    if value is None:
        note = "; ".join(p for p in (kw.get("blank", f"—; {word(r, 'not_declared')}"), note) if p)
    for col, item in zip(at, (label, value, unit, note), strict=True):
        ws.put(row, col, item, fmt if item is value else None)
    return row + 1


def section(ws: Sheet, row: int, title: str) -> int:
    ws.put(row, 1, title, font=HEAD_FONT)
    return row + 1
