"""Excel workbook of a report: one sheet per part, live formulas back to quantity × factor, charts.

Every number comes from the report model; every derived number is an Excel formula a reviewer can
follow and change: on the Lines sheet kgCO2e = quantity × factor (× distance or years), the Materials
rows and the Modules sheet sum the lines (SUMIFS), the Stages sheet its modules, the Summary its
stages (``xlsx_live``, ``xlsx_totals``). A formula carries its value too (the model's number, written
into the saved file by ``xlsx_cache``) for viewers that do not recalculate. Text from the model file
is untrusted: a string that Excel would read as a formula is stored as text (``xlsx_sheet._spec``).

The sheets are laid out and written by ``xlsx_sheet.Sheet``; the words are ``xlsx_words.WORDS``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from embodied.report.i18n import message, term
from embodied.report.localize import localized
from embodied.report.model import ELEMENT_KEYS
from embodied.report.records import ReportModel
from embodied.report.xlsx_cache import add_cached_values
from embodied.report.xlsx_live import Book, lines_sheet, material_keys, materials_sheet
from embodied.report.xlsx_sheet import KG, M2, NOTE_FONT, QTY, SHARE, TITLE_FONT, Sheet, quoted, sheet_name
from embodied.report.xlsx_totals import modules_sheet, stages_sheet, summary_totals
from embodied.report.xlsx_words import WORDS, kv, nd, section, word

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


def render(report: ReportModel, path: Path) -> None:
    """Write the workbook of `report` to `path` (one file; the caller moves it into place)."""
    report = localized(report)  # codes and the stages' sentences in the report's language
    wb = Workbook(write_only=True)
    wb.properties.title = report.title[:255]
    wb.properties.creator = f"embodied {report.fingerprint.tool_version}"
    wb.calculation.fullCalcOnLoad = True  # the cached values are for viewers; Excel recalculates
    names = {key: sheet_name(report.lang, *WORDS[key]) for key in SHEETS}
    book = Book(report, {key: quoted(name) for key, name in names.items()}, keys=material_keys(report))
    fills: dict[str, Callable[[Sheet], None]] = {
        "summary": lambda ws: _summary(ws, book),
        "plausibility": lambda ws: _plausibility(ws, report),
        "stages": lambda ws: stages_sheet(ws, book),
        "modules": lambda ws: modules_sheet(ws, book),
        "materials": lambda ws: materials_sheet(ws, book),
        "lines": lambda ws: lines_sheet(ws, book),
        "elements": lambda ws: _elements(ws, report),
        "issues": lambda ws: _issues(ws, report),
        "sources": lambda ws: _sources(ws, report),
        "settings": lambda ws: _settings(ws, report),
    }
    cached = []
    for key in SHEETS:  # the Summary first: it sets the floor area cell the per-m² formulas use
        sheet = Sheet(wb.create_sheet(names[key]))
        fills[key](sheet)
        sheet.write()
        cached.append(sheet.cached)
    wb.save(path)
    add_cached_values(path, cached)


# -- Sheets ------------------------------------------------------------------------------------------


def _summary(ws: Sheet, book: Book) -> None:
    r = book.r
    ws.put(1, 1, r.title, font=TITLE_FONT)
    ws.header(2, [word(r, k) for k in ("item", "value", "unit", "note")])
    p, cov, fp = r.project, r.coverage, r.fingerprint
    row = section(ws, 3, r.label("chapters", "overview"))
    row = kv(ws, row, r, word(r, "project"), p.name)
    for key in ("building_type", "climate_zone", "province", "model", "schema"):
        row = kv(ws, row, r, key, getattr(p, key))
    area, source = p.floor_area_m2, p.floor_area_source
    area_row, life_row = (row if area else None), row + 1  # the per-m² formulas refer to these cells
    book.area = f"{book.names['summary']}$B${area_row}" if area_row else None
    row = kv(ws, row, r, word(r, "floor_area"), area, "m²", fmt=M2, note=source)
    row = kv(ws, row, r, word(r, "design_life"), p.design_life_years, "a")
    row = section(ws, row + 1, r.label("chapters", "totals"))
    row = summary_totals(ws, book, row, area_row, life_row)
    row = section(ws, row + 1, word(r, "coverage"))
    verdict = word(r, "rule_met" if cov.rule_met else "rule_not_met")
    verdict += f"; {cov.share_text}"
    row = kv(ws, row, r, word(r, "coverage"), cov.mass_fraction_matched, "", fmt=SHARE, note=verdict)
    row = kv(ws, row, r, word(r, "required"), cov.required_share, "", fmt=SHARE)
    row = kv(ws, row, r, word(r, "mass_matched"), cov.matched_mass_kg, "kg", fmt=KG)
    row = kv(ws, row, r, word(r, "mass_total"), cov.total_mass_kg, "kg", fmt=KG)
    row = kv(ws, row, r, word(r, "unknown_mass"), ", ".join(cov.unknown_mass) or "—")
    u = r.uncertainty
    if u is not None:
        row = section(ws, row + 1, word(r, "uncertainty"))
        how = f"{u.ranges_file}; seed {u.seed}, {u.draws}"
        for key, value in (("P10", u.p10), ("P50", u.p50), ("P90", u.p90)):
            row = kv(ws, row, r, key, value, "kgCO2e", fmt=KG, note=how)
        for d in u.drivers:
            row = kv(
                ws, row, r, message(d.input, r.lang), d.share, "", fmt=SHARE, note=f"{d.level}, GSD {d.gsd}"
            )
    ws.put(row + 1, 4, word(r, "draft_notice"), font=NOTE_FONT)
    row = section(ws, row + 1, word(r, "tier"))
    yes_no: dict[Any, str] = {True: word(r, "yes"), False: word(r, "no")}
    for t in r.tiers:  # met None: undecided (threshold not public, input missing), said in the reason
        row = kv(ws, row, r, t.tier, yes_no.get(t.met), note=t.reason, blank="—")
    row = section(ws, row + 1, word(r, "gb55015"))
    g = r.gb55015
    tier, met, reason = (g.tier, g.met, g.reason) if g is not None else ("GB 55015", None, None)
    row = kv(ws, row, r, tier, yes_no.get(met), note=reason)
    row = section(ws, row + 1, word(r, "fingerprint"))
    for key in ("run_id", "tool_version", "data_version", "model_sha256", "created"):
        row = kv(ws, row, r, key, getattr(fp, key))
    ws.freeze("A3", f"A2:D{row - 1}")


def _elements(ws: Sheet, r: ReportModel) -> None:
    keys = list(ELEMENT_KEYS)
    heads = [word(r, k if k != "material" else "material_field") for k in keys]
    fmts = [QTY if k == "volume_m3" else None for k in keys]
    ws.table(heads, ([getattr(e, k) for k in keys] for e in r.elements), fmts)


def _plausibility(ws: Sheet, r: ReportModel) -> None:
    """The plausibility findings, implausible first, as on the report's first page."""
    keys = ("check", "title", "severity", "material_field", "kgco2e_affected", "message", "hint")
    heads = [word(r, k) for k in keys] + [word(r, "confirmation"), word(r, "global_id")]
    rows = [
        [
            f.check, f.title, word(r, f.severity), f.material, f.kgco2e_affected, f.message,
            f.hint, f.confirmation if f.confirmed else None, "; ".join(f.global_ids) or None,
        ]
        for f in r.plausibility
    ]  # fmt: skip
    ws.table(heads, rows, [None] * 4 + [KG])


def _issues(ws: Sheet, r: ReportModel) -> None:
    keys = ("category", "kind", "message", "global_id", "material_field", "ifc_classes", "elements_count")
    heads = [word(r, k) for k in (*keys, "volume_m3", "mass_kg", "suggestions", "note")]
    rows: list[list[Any]] = []
    for cat, issues in (("defects", r.defects), ("assumptions", r.assumptions), ("issues", r.issues)):
        rows += [[word(r, cat), i.kind, i.message, i.global_id] for i in issues]
    excluded = word(r, "excluded")
    rows += [[excluded, excluded, e.reason, None, None, e.ifc_class, e.count] for e in r.excluded]
    for u in r.unmatched:
        vol, mass = u.volume_m3, u.mass_kg
        note = nd(r, {word(r, "volume_m3"): vol, word(r, "mass_kg"): mass}) or None
        suggestions, unmatched = "; ".join(u.suggestions), word(r, "unmatched")
        row = [unmatched, unmatched, unmatched, None, u.material, u.ifc_classes]
        rows.append([*row, u.elements, vol, mass, suggestions, note])
    ws.table(heads, rows, [None] * 6 + ["0", QTY, KG])


def _sources(ws: Sheet, r: ReportModel) -> None:
    keys = ("id", "title", "publisher", "edition", "licence", "verification", "factors_used")
    rows = ([getattr(s, k) for k in keys] for s in r.sources)
    ws.table([word(r, k) for k in keys], rows, [None] * 6 + ["0"])


def _settings(ws: Sheet, r: ReportModel) -> None:
    ws.header(1, [word(r, k) for k in ("item", "value", "unit", "note")])
    row = section(ws, 2, word(r, "project"))
    for f in dataclasses.fields(r.project):
        row = kv(ws, row, r, f.name, getattr(r.project, f.name))
    row = section(ws, row + 1, word(r, "switches"))
    for s in r.switches:
        note = "; ".join(p for p in (s.note, f"effect_kgco2e: {s.effect_kgco2e}") if p)
        row = kv(ws, row, r, term(s.switch, "switch", r.lang), s.value, note=note)
    if not r.switches:
        row = kv(ws, row, r, "—", "—")
    row = section(ws, row + 1, word(r, "grid_factor"))
    if r.grid is not None:
        how = word(r, "default_by_location") if r.grid.default else word(r, "set_in_project")
        note = f"{how}; {r.grid.label}: {r.grid.note}"
        row = kv(ws, row, r, "grid_factor", r.grid.value, "kgCO2/kWh", note=note)
    row = section(ws, row + 1, word(r, "defaults_used"))
    for d in r.defaults_used:
        row = kv(ws, row, r, d.key, d.value, d.unit, note=d.source)
    if not r.defaults_used:
        row = kv(ws, row, r, "—", "—")
    row = section(ws, row + 1, word(r, "standards"))
    for st in r.standards:
        row = kv(ws, row, r, st.name, st.status)
    row = section(ws, row + 1, word(r, "fingerprint"))
    for f in dataclasses.fields(r.fingerprint):
        value = getattr(r.fingerprint, f.name)
        row = kv(ws, row, r, f.name, ", ".join(value) or "—" if isinstance(value, tuple) else value)
    row = kv(ws, row, r, "schema_version", r.schema_version)
    row = kv(ws, row, r, "lang", r.lang)
    ws.freeze("A2", f"A1:D{row - 1}")
