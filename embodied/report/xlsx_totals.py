"""The totals of the workbook, each a formula back to the Lines sheet (``xlsx_live``):

    Modules!D   = SUMIFS(Lines!K, Lines!B, module, Lines!N, FALSE)   lines of the module, not separate;
                  only for a module the model counts (a module left out by a scope switch, not covered
                  or not declared is empty, with the model's note)
    Stages!C    = SUM(Modules!D of the stage's modules)   B4 and D are beside GB/T 51366: in no stage
    Stages!C total = SUM(the stages) (+ Modules!D of D when scope.include_module_d nets it in)
    Summary     stages = Stages!C; total = SUM(stages) (+ D); embodied = production + transport +
                construction + demolition; per m² = total / floor area; per m²·a = per m² / design life;
                operational per m²·a = operation / floor area / design life
    per m²      = kgCO2e / Summary floor area; share = kgCO2e / Stages total

A formula is written only where it gives the model's number (to its rounding); anywhere else the
model's number stands, as it did before. Operation (B6) is kgCO2 summed into the kgCO2e total, as
GB/T 51366 does: said in a note on the Summary and the Stages sheets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.utils import get_column_letter

from embodied.report.records import Amount, ReportModel
from embodied.report.xlsx_live import Book, close
from embodied.report.xlsx_sheet import HEAD_FONT, KG, M2, SHARE, Sheet, bar_chart
from embodied.report.xlsx_words import kv, nd, section, word

EMBODIED = ("production", "transport", "construction", "demolition")


def d_in_total(r: ReportModel) -> bool:
    """Module D netted into the total (scope.include_module_d)."""
    return any(s.switch == "include_module_d" and s.value for s in r.switches) and r.module("D") is not None


def module_rows(r: ReportModel) -> dict[str, int]:
    return {a.key: row for row, a in enumerate(r.modules, 2)}


def stages_total(book: Book) -> str:
    """The Stages sheet's total-in-scope cell."""
    return f"{book.names['stages']}$C${len(book.r.stages) + 2}"


def amount_rows(r: ReportModel, amounts: Sequence[Amount], stage_of: bool) -> list[list[Any]]:
    rows = []
    for a in amounts:
        gbt = a.stage if a.stage not in (None, "beside_gbt51366") else None
        stage = [(r.label("stages", gbt) if gbt else word(r, "beside"))] if stage_of else []
        note = a.note or nd(r, {word(r, "kgco2e"): a.kgco2e})
        if a.key in ("operation", "B6") and a.kgco2e is not None:
            note = "; ".join(p for p in (note, word(r, "operation_co2")) if p)
        rows.append([a.key, a.label, *stage, a.kgco2e, a.per_m2, a.share, note])
    return rows


def _per_m2_share(ws: Sheet, book: Book, row: int, col: int, a: Amount, total: str) -> None:
    """The per-m² and share (of the `total` cell) right of the kgCO2e cell in `col`."""
    value = f"{get_column_letter(col)}{row}"
    if a.kgco2e is not None and a.per_m2 is not None and book.area:
        ws.live(row, col + 1, f"={value}/{book.area}", a.per_m2, M2)
    if a.kgco2e is not None and a.share is not None:
        ws.live(row, col + 2, f"={value}/{total}", a.share, SHARE)


def stages_sheet(ws: Sheet, book: Book) -> None:
    r = book.r
    heads = [word(r, k) for k in ("key", "label", "kgco2e", "per_m2", "share", "note")]
    last = ws.table(heads, amount_rows(r, r.stages, False), [None, None, KG, M2, SHARE])
    rows, modules, tot = module_rows(r), book.names["modules"], last + 1
    for row, s in enumerate(r.stages, 2):
        mine = [a for a in r.modules if a.stage == s.key]  # the empty ones add nothing
        if s.kgco2e is not None and mine and close(sum(a.kgco2e or 0.0 for a in mine), s.kgco2e):
            refs = ",".join(f"{modules}$D${rows[a.key]}" for a in mine)
            ws.live(row, 3, f"=SUM({refs})", s.kgco2e, KG)
        _per_m2_share(ws, book, row, 3, s, f"$C${tot}")
    d = d_in_total(r)
    ws.row(
        tot,
        ["total", word(r, "total_scope"), r.total_kgco2e, r.intensity_kgco2e_per_m2],
        [None, None, KG, M2],
    )
    ws.put(tot, 2, word(r, "total_scope"), font=HEAD_FONT)
    stage_sum = sum(s.kgco2e or 0.0 for s in r.stages) + ((r.module("D") or 0.0) if d else 0.0)
    if r.total_kgco2e is not None and last >= 2 and close(stage_sum, r.total_kgco2e):
        plus_d = f"+{modules}$D${rows['D']}" if d else ""
        ws.live(tot, 3, f"=SUM(C2:C{last}){plus_d}", r.total_kgco2e, KG)
        if book.area and r.intensity_kgco2e_per_m2 is not None:
            ws.live(tot, 4, f"=C{tot}/{book.area}", r.intensity_kgco2e_per_m2, M2)
    if d:
        ws.put(tot, 6, word(r, "d_in_total"))
    if last < 2:
        return
    chart = bar_chart(word(r, "by_stage"))
    chart.add_data(ws.ref(min_col=3, min_row=1, max_row=last), titles_from_data=True)
    chart.set_categories(ws.ref(min_col=2, min_row=2, max_row=last))
    ws.chart(chart, "H2")
    stacked = bar_chart(word(r, "composition"), stacked=True)
    data = ws.ref(min_col=2, max_col=3, min_row=2, max_row=last)
    stacked.add_data(data, from_rows=True, titles_from_data=True)  # a series per stage
    ws.chart(stacked, "H20")


def modules_sheet(ws: Sheet, book: Book) -> None:
    r = book.r
    heads = [word(r, k) for k in ("key", "label", "stage", "kgco2e", "per_m2", "share", "note")]
    last = ws.table(heads, amount_rows(r, r.modules, True), [None, None, None, KG, M2, SHARE])
    kg, module, separate = book.lines("kgco2e"), book.lines("module"), book.lines("separate")
    for row, a in enumerate(r.modules, 2):
        own = [x.kgco2e for x in r.lines if x.module == a.key and not x.separate and x.kgco2e is not None]
        if a.kgco2e is not None and own and close(sum(own), a.kgco2e):
            ws.live(row, 4, f"=SUMIFS({kg},{module},$A{row},{separate},FALSE)", a.kgco2e, KG)
        elif a.kgco2e is not None:  # not the sum of its lines: the model's value, said so
            note = amount_rows(r, (a,), True)[0][-1]
            ws.put(row, 7, "; ".join(p for p in (note, word(r, "no_formula")) if p))
        _per_m2_share(ws, book, row, 4, a, stages_total(book))
    at, labels, rows = (1, 4, 2, 7), {a.key: a.label for a in r.modules}, module_rows(r)
    row = section(ws, last + 2, word(r, "beside"))
    for key, value in r.beside_gbt.items():
        row = kv(ws, row, r, key, value, f"{labels.get(key, key)} (kgCO2e)", fmt=KG, at=at)
        if value is not None and key in rows:
            ws.live(row - 1, 4, f"=D{rows[key]}", value, KG)
    row = section(ws, row + 1, f"{word(r, 'separate_lines')}: {word(r, 'not_summed')}")
    apart = [x.kgco2e for x in r.lines if x.separate and x.kgco2e is not None]
    for key, value in r.separate.items():
        unit = "kWh" if key.endswith("_kwh") else "kgCO2e" if key.endswith("_kgco2e") else "kgCO2"
        row = kv(ws, row, r, key, value, unit, fmt=KG, note=word(r, "not_summed"), at=at)
        if key == "green_power_kgco2" and value is not None and len(apart) == 1 and close(apart[0], value):
            ws.live(row - 1, 4, f"=SUMIFS({kg},{separate},TRUE)", value, KG)
    if last >= 2:
        chart = bar_chart(word(r, "by_module"))
        chart.add_data(ws.ref(min_col=4, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(ws.ref(min_col=1, min_row=2, max_row=last))
        ws.chart(chart, "I2")


def summary_totals(ws: Sheet, book: Book, row: int, area: int | None, life: int) -> int:
    """The totals of the Summary from `row`: total in scope, embodied, the stages, the intensities;
    `area` and `life` are the rows of the floor area (None: not known) and the design life. The next row."""
    r = book.r
    first = row + 2  # the stages, after the total and the embodied rows
    at = {s.key: first + i for i, s in enumerate(r.stages)}
    last = first + len(r.stages) - 1
    d = d_in_total(r)
    note = word(r, "d_in_total") if d else None
    row = kv(ws, row, r, word(r, "total_scope"), r.total_kgco2e, "kgCO2e", fmt=KG, note=note)
    stage_sum = sum(s.kgco2e or 0.0 for s in r.stages) + ((r.module("D") or 0.0) if d else 0.0)
    if r.total_kgco2e is not None and r.stages and close(stage_sum, r.total_kgco2e):
        plus_d = f"+{book.names['modules']}$D${module_rows(r)['D']}" if d else ""
        ws.live(row - 1, 2, f"=SUM(B{first}:B{last}){plus_d}", r.total_kgco2e, KG)
    total = row - 1
    row = kv(ws, row, r, word(r, "embodied"), r.embodied_kgco2e, "kgCO2e", fmt=KG)
    embodied = [s for s in r.stages if s.key in EMBODIED]  # an empty one adds nothing
    if r.embodied_kgco2e is not None and close(sum(s.kgco2e or 0.0 for s in embodied), r.embodied_kgco2e):
        ws.live(row - 1, 2, f"=SUM({','.join(f'B{at[s.key]}' for s in embodied)})", r.embodied_kgco2e, KG)
    for i, s in enumerate(r.stages):
        operation = s.key == "operation"
        unit, note = ("kgCO2", word(r, "operation_co2")) if operation else ("kgCO2e", None)
        row = kv(ws, row, r, s.label, s.kgco2e, unit, fmt=KG, note=note)
        if s.kgco2e is not None:
            ws.live(row - 1, 2, f"={book.names['stages']}$C${i + 2}", s.kgco2e, KG)
    m2 = row
    row = kv(ws, row, r, word(r, "intensity_m2"), r.intensity_kgco2e_per_m2, "kgCO2e/m²", fmt=M2)
    row = kv(ws, row, r, word(r, "intensity_m2a"), r.intensity_kgco2e_per_m2a, "kgCO2e/(m²·a)", fmt=M2)
    row = kv(ws, row, r, word(r, "operational"), r.operational_kgco2_per_m2a, "kgCO2/(m²·a)", fmt=M2)
    if area is None:
        return row
    if r.intensity_kgco2e_per_m2 is not None:
        ws.live(m2, 2, f"=B{total}/$B${area}", r.intensity_kgco2e_per_m2, M2)
    if r.intensity_kgco2e_per_m2a is not None:
        ws.live(m2 + 1, 2, f"=B{m2}/$B${life}", r.intensity_kgco2e_per_m2a, M2)
    if r.operational_kgco2_per_m2a is not None and r.stage("operation") is not None:
        ws.live(m2 + 2, 2, f"=B{at['operation']}/$B${area}/$B${life}", r.operational_kgco2_per_m2a, M2)
    return row
