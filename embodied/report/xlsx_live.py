"""The two sheets every number of the workbook goes back to: Lines (quantity × factor per line) and
Materials (a row per material, its modules summed over its lines).

    Lines!K     = E × H (× I)     quantity × factor (× the distance or years of the formula), when that
                                  gives the model's kgCO2e; else the model's value and a note (column Q)
    Lines!E, H  = Materials!J, L  of a material's A1-A3 line: its quantity and factor are the Materials
                                  row's, so a factor changed there moves the line and every total
    Materials!M:P = SUMIFS(Lines!K, Lines!P, key, Lines!B, module)   key: the row's material_index
    Materials!Q = SUM(M:N) (A1-A3 + A4), R = its share, totals row = SUM of each column

``xlsx_totals`` sums Lines!K by module (Modules), the modules by stage (Stages), the stages (Summary).
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from embodied.report.records import DefaultGrade, Line, MaterialRow, ReportModel
from embodied.report.xlsx_sheet import HEAD_FONT, KG, QTY, SHARE, Sheet, bar_chart
from embodied.report.xlsx_words import nd, word

MODULE_KEYS = ("A1-A3", "A4", "B4", "D")
MAT_HEADS = (
    *("material", "ifc_classes", "factor_id", "factor_name", "source", "verification", "data_type"),
    *("method", "confidence", "quantity", "unit", "factor_value"),
)
MAT_NAMES = (*MAT_HEADS, *MODULE_KEYS, "subtotal", "share", "mass", "volume", "key", "note")
MAT = {name: get_column_letter(i) for i, name in enumerate(MAT_NAMES, 1)}
MAT_FMTS = [None] * 8 + ["0.00", QTY, None, "General"]
LINE_KEYS = ("stage", "module", "material", "label", "quantity", "unit", "factor_id", "factor_value")
LINE_TAIL = ("kgco2e", "formula", "flagged", "separate", "note")
LINE_NAMES = (*LINE_KEYS, "multiplier", "multiplier_unit", *LINE_TAIL, "material_index")  # then the rest
LINE = {name: get_column_letter(i) for i, name in enumerate(LINE_NAMES, 1)}
TIMES = re.compile(r"× (\d+(?:\.\d+)?) ([^\s×=()/]+)")  # "× 40 km", "× 50 a" in a line's formula


@dataclass
class Book:
    """What the sheets refer to across the workbook: the sheets' names (quoted for a formula), the
    Summary's floor area cell (set when the Summary is laid out), the Lines columns, the Materials keys."""

    r: ReportModel
    names: dict[str, str]  # sheet key -> "'阶段 Stages'!"
    area: str | None = None  # "'汇总 Summary'!$B$10" when the floor area is known
    keys: list[int | None] = field(default_factory=list)  # material_index of each Materials row

    def lines(self, name: str) -> str:
        """A column of the Lines table, absolute: `'计算明细 Lines'!$K$2:$K$40`."""
        last = max(len(self.r.lines) + 1, 2)
        return f"{self.names['lines']}${LINE[name]}$2:${LINE[name]}${last}"


def close(value: float, model: float) -> bool:
    """`value` is the model's number up to its rounding: the model rounds each total to 3 decimals, so a
    sum of rounded parts may miss the rounded whole by a few units of the last one."""
    return abs(value - model) <= 5e-3 + 1e-9 * abs(model)


def material_keys(r: ReportModel) -> list[int | None]:
    """The material_index of each Materials row: the lines of one index summed per module give the row's
    modules (rounded as the model rounds them); a name may have several rows (one per IFC class)."""
    sums: dict[int, dict[str, float]] = {}
    free: dict[str | None, list[int]] = defaultdict(list)
    for line in r.lines:
        if line.material_index is None:
            continue
        if line.material_index not in sums:
            free[line.material].append(line.material_index)
        mine = sums.setdefault(line.material_index, {})
        if line.kgco2e is not None and not line.separate:
            mine[line.module] = mine.get(line.module, 0.0) + line.kgco2e
    keys: list[int | None] = []
    for m in r.materials:
        row = {k: m.modules.get(k) for k in MODULE_KEYS}
        same = (
            i for i in free.get(m.material, []) if {k: _round(sums[i].get(k)) for k in MODULE_KEYS} == row
        )
        found = next(same, None)
        if found is not None:
            free[m.material].remove(found)
        keys.append(found)
    return keys


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def formula_ok(m: MaterialRow, kgco2e: float | None) -> bool:
    """`kgco2e` is the row's quantity × factor (up to the model's rounding of the quantity)."""
    qty, factor = m.quantity, m.factor_value
    if kgco2e is None or qty is None or factor is None:
        return False
    return abs(qty * factor - kgco2e) <= max(1e-6 * abs(kgco2e), 5e-4 + 5e-7 * abs(factor))


def multiplier(line: Line) -> tuple[float, str] | None:
    """What makes quantity × factor the line's kgCO2e: (1, "") or a distance or period named in the
    formula ("× 40 km", "× 50 a"); None when nothing does (recycled content, replacements …)."""
    q, f, kg = line.quantity, line.factor_value, line.kgco2e
    if q is None or f is None or kg is None:
        return None
    for n, unit in ((1.0, ""), *((float(n), u) for n, u in TIMES.findall(line.formula))):
        if abs(q * f * n - kg) <= max(1e-9 * abs(kg), 1e-9):
            return n, unit
    return None


def lines_sheet(ws: Sheet, book: Book) -> None:
    r = book.r
    rest = [f.name for f in dataclasses.fields(Line) if f.name not in LINE_NAMES]
    extra = ["material_index", *rest]
    names = (*LINE_KEYS, "multiplier", "multiplier_unit", *LINE_TAIL, *extra)
    words = {"material": "material_field", "quantity": "qty_row", "factor_value": "line_factor"}
    words["material_index"] = "line_key"
    heads = [word(r, words.get(k, k)) for k in names] + [word(r, "sheet_note")]
    fmts = [None, None, None, None, QTY, None, None, "General", "General", None, KG]
    times = [multiplier(line) for line in r.lines]
    rows = (
        [
            *(getattr(line, k) for k in LINE_KEYS),
            *(by if by and by[1] else (None, None)),
            *(getattr(line, k) for k in (*LINE_TAIL, *extra)),
            _line_note(r, line, by),
        ]
        for line, by in zip(r.lines, times, strict=True)
    )
    ws.table(heads, rows, fmts)
    at = {name: i for i, name in enumerate(names, 1)}
    mat_row = {key: row for row, key in enumerate(book.keys, 2) if key is not None}
    q, f, n = LINE["quantity"], LINE["factor_value"], LINE["multiplier"]
    for row, (line, by) in enumerate(zip(r.lines, times, strict=True), 2):
        if by is None:
            continue
        if line.module == "A1-A3" and not by[1] and line.material_index in mat_row:
            m_row = mat_row[line.material_index]
            m = r.materials[m_row - 2]
            if formula_ok(m, line.kgco2e):  # the Materials row's quantity and factor: change them there
                ref = f"={book.names['materials']}$"
                ws.live(row, at["quantity"], f"{ref}{MAT['quantity']}${m_row}", m.quantity, QTY)
                ws.live(row, at["factor_value"], f"{ref}{MAT['factor_value']}${m_row}", m.factor_value)
        product = f"={q}{row}*{f}{row}" + (f"*{n}{row}" if by[1] else "")
        ws.live(row, at["kgco2e"], product, line.kgco2e, KG)


def _line_note(r: ReportModel, line: Line, by: tuple[float, str] | None) -> str | None:
    if line.kgco2e is None:
        return nd(r, {word(r, "kgco2e"): None})
    return word(r, "line_value") if by is None else None


def materials_sheet(ws: Sheet, book: Book) -> None:
    r = book.r
    words = {"quantity": "qty_row", "factor_value": "factor_row"}
    heads = [word(r, words.get(k, k)) for k in MAT_HEADS] + [f"{k} (kgCO2e)" for k in MODULE_KEYS]
    heads += [word(r, k) for k in ("subtotal", "share", "mass_kg", "volume_m3", "line_key", "note")]
    ws.header(1, heads)
    col = {name: i for i, name in enumerate(MAT_NAMES, 1)}
    first, last = 2, len(r.materials) + 1
    tot = last + 1
    L = MAT
    subtotals = sum(m.total_kgco2e or 0.0 for m in r.materials)
    for row, (m, key) in enumerate(zip(r.materials, book.keys, strict=True), first):
        ws.row(row, [getattr(m, k) for k in MAT_HEADS], MAT_FMTS)
        summed = key is not None
        for module in MODULE_KEYS:
            value = m.modules.get(module)
            if summed and value is not None:
                lines = f"{book.lines('kgco2e')},{book.lines('material_index')},${L['key']}{row}"
                ws.live(row, col[module], f'=SUMIFS({lines},{book.lines("module")},"{module}")', value, KG)
            else:
                ws.put(row, col[module], value, KG)
        if m.total_kgco2e is not None:
            ws.live(row, col["subtotal"], f"=SUM({L['A1-A3']}{row}:{L['A4']}{row})", m.total_kgco2e, KG)
            share = f'=IF(${L["subtotal"]}${tot}=0,"",{L["subtotal"]}{row}/${L["subtotal"]}${tot})'
            ws.live(row, col["share"], share, m.total_kgco2e / subtotals if subtotals else None, SHARE)
        ws.put(row, col["mass"], m.mass_kg, KG)
        ws.put(row, col["volume"], m.volume_m3, QTY)
        ws.put(row, col["key"], key)
        values = {word(r, "quantity"): m.quantity, word(r, "factor"): m.factor_value}
        values |= dict(m.modules) | {word(r, "mass_kg"): m.mass_kg}
        unsummed = not summed and any(v is not None for v in m.modules.values())
        basis = f"{word(r, 'mass_basis')}: {m.mass_basis}" if m.mass_flagged and m.mass_basis else None
        assumed = _default_note(r, m.default) if m.default else None
        no_formula = word(r, "no_formula") if unsummed else None
        extra = "; ".join(p for p in (assumed, no_formula, basis) if p) or None
        ws.put(row, col["note"], nd(r, values, extra))
    ws.freeze("B2", f"A1:{get_column_letter(len(heads))}{max(last, 2)}")
    if last < first:
        return
    ws.put(tot, 1, word(r, "total"), font=HEAD_FONT)
    for name in (*MODULE_KEYS, "subtotal", "share", "mass", "volume"):
        fmt = {"share": SHARE, "volume": QTY}.get(name, KG)
        column = [_cell(m, name) for m in r.materials]
        cached = sum(v for v in column if v is not None) if name != "share" else (1.0 if subtotals else None)
        ws.live(tot, col[name], f"=SUM({L[name]}{first}:{L[name]}{last})", cached, fmt)
    ws.put(tot + 1, 1, word(r, "model_totals"))
    for module in MODULE_KEYS:
        ws.put(tot + 1, col[module], r.module(module), KG)
    top = sum(1 for m in r.materials[:10] if m.total_kgco2e is not None)
    if top:
        chart = bar_chart(word(r, "top10"), kind="bar")
        chart.add_data(ws.ref(min_col=col["subtotal"], min_row=1, max_row=top + 1), titles_from_data=True)
        chart.set_categories(ws.ref(min_col=1, min_row=2, max_row=top + 1))
        chart.x_axis.scaling.orientation = "maxMin"  # largest on top
        ws.chart(chart, f"A{tot + 4}")


def _cell(m: MaterialRow, key: str) -> float | None:
    """The value of a Materials column of `m` (a module, the subtotal, the mass or the volume)."""
    names = {"subtotal": "total_kgco2e", "mass": "mass_kg", "volume": "volume_m3"}
    return m.modules.get(key) if key in MODULE_KEYS else getattr(m, names.get(key, key), None)


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
        f"{word(r, 'default_assumed')} {default.grade}"
        + "".join(f"; {s}" for s in steps)
        + (" kgCO2e" if steps else "")
    )
