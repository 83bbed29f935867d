"""The park report's formats, each rendered from the one ``ParkReport``: JSON (the same top-level keys
as a building's report where they make sense, plus ``buildings[]``), an Excel workbook (summary,
buildings, modules by building, issues), one HTML page with a chart of each building's stages, and
the PDF that WeasyPrint prints from that page. All files of a run are moved into place together.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from embodied.errors import OutputError
from embodied.park.model import BuildingOutcome, ParkReport
from embodied.report.files import atomic_many
from embodied.resources import TEMPLATES

PARK_FORMATS = ("json", "xlsx", "html", "pdf")
SUFFIXES = {"json": ".json", "xlsx": ".xlsx", "html": ".html", "pdf": ".pdf"}
STEM = "park"  # OUTDIR/park.<format>
STYLESHEET = TEMPLATES / "report" / "report.css"
NOT_DECLARED_SHORT = "—"


# -- JSON --------------------------------------------------------------------------------------------


def _files(outcome: BuildingOutcome) -> list[str]:
    """The building's reports, relative to the park's own files (OUTDIR/buildings/<stem>.<format>)."""
    return [f"buildings/{Path(f).name}" for f in outcome.files]


def building_document(b: BuildingOutcome) -> dict[str, Any]:
    return {
        "name": b.name,
        "model": Path(b.model).name,
        "sha256": b.sha256,
        "status": b.status,
        "error": b.error,
        "error_type": b.error_type,
        "config_file": Path(b.config_file).name if b.config_file else None,
        "floor_area_m2": b.floor_area_m2,
        "floor_area_source": b.floor_area_source,
        "design_life_years": b.design_life_years,
        "totals": {
            "stages": dict(b.stages) if b.stages is not None else None,
            "modules": dict(b.modules) if b.modules is not None else None,
            "embodied_kgco2e": b.embodied_kgco2e,
            "total_kgco2e": b.total_kgco2e,
        },
        "intensity_kgco2e_per_m2": b.intensity_kgco2e_per_m2,
        "embodied_share": b.embodied_share,
        "operational_share": b.operational_share,
        "renewable_kwh": b.renewable_kwh,
        "onsite_renewable_kwh": b.onsite_renewable_kwh,
        "green_power_kwh": b.green_power_kwh,
        "electricity_kwh": b.electricity_kwh,
        "issues": b.issues,
        "unmatched": b.unmatched,
        "run_id": b.run_id,
        "report_files": _files(b),
    }


def document(report: ParkReport) -> dict[str, Any]:
    """The park's JSON: totals in kgCO2e over the buildings' study periods, energy per year; a stage or
    module no building declares is null, never 0."""
    ok = [b for b in report.buildings if b.ok]
    return {
        "schema_version": report.schema_version,
        "kind": "park",
        "title": report.title,
        "fingerprint": dataclasses.asdict(report.fingerprint),
        "project": {
            "name": report.name,
            "province": report.province,
            "buildings": len(report.buildings),
            "buildings_ok": len(ok),
            "buildings_failed": len(report.buildings) - len(ok),
            "floor_area_m2": report.floor_area_m2,
        },
        "totals": {
            "stages": {a.key: a.kgco2e for a in report.stages},
            "modules": {a.key: a.kgco2e for a in report.modules},
            "embodied_kgco2e": report.embodied_kgco2e,
            "total_kgco2e": report.total_kgco2e,
        },
        "intensity_kgco2e_per_m2": report.intensity_kgco2e_per_m2,
        "intensity_note": report.intensity_note,
        "shares": {"embodied": report.embodied_share, "operational": report.operational_share},
        "renewable": dataclasses.asdict(report.renewable),
        "stages": [dataclasses.asdict(a) for a in report.stages],
        "modules": [dataclasses.asdict(a) for a in report.modules],
        "buildings": [building_document(b) for b in report.buildings],
        "issues": [dataclasses.asdict(i) for i in report.issues],
    }


def render_json(report: ParkReport, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        json.dump(document(report), fh, ensure_ascii=False, indent=1, allow_nan=False)
        fh.write("\n")


# -- Excel -------------------------------------------------------------------------------------------

KG, M2, SHARE = "#,##0.0", "#,##0.00", "0.0%"


def render_xlsx(report: ParkReport, path: Path) -> None:
    """Sheets: park summary, buildings (one row each), modules by building, issues."""
    from openpyxl import Workbook

    from embodied.report.xlsx_sheet import HEAD_FONT, Sheet, sheet_name

    L = report.label
    wb = Workbook(write_only=True)
    wb.properties.title = report.title[:255]
    wb.properties.creator = f"embodied {report.fingerprint.tool_version}"

    def sheet(key: str) -> Sheet:
        node = report.labels.get("park", {}).get(key) or report.labels["words"][key]
        zh, en = node["zh"], node["en"]
        return Sheet(wb.create_sheet(sheet_name(report.lang, zh, en)))

    ws = sheet("summary")
    r = report.renewable
    facts: list[tuple[str, Any, str | None]] = [
        (L("summary"), report.name, None),
        (L("province"), report.province, None),
        (L("buildings"), len(report.buildings), None),
        (L("buildings_failed"), len(report.failed), None),
        (L("floor_area") + " m²", report.floor_area_m2, M2),
        (L("total") + " kgCO2e", report.total_kgco2e, KG),
        (L("embodied") + " kgCO2e", report.embodied_kgco2e, KG),
        (L("embodied_share"), report.embodied_share, SHARE),
        (L("operational_share"), report.operational_share, SHARE),
        (L("intensity"), report.intensity_kgco2e_per_m2, M2),
        ("", report.intensity_note, None),
        (L("renewable"), r.share, SHARE),
        (L("target"), r.target, SHARE),
        (L("result"), _verdict(report, r.met, r.share), None),
        ("", r.note, None),
        ("run_id", report.fingerprint.run_id, None),
        (L("created"), report.fingerprint.created, None),
    ]
    ws.table([L("item"), L("value")], ([k, v] for k, v, _ in facts))
    for row, (label, value, fmt) in enumerate(facts, 2):  # each value in its own format
        ws.row(row, [label, value], (None, fmt if value is not None else None))
    row = len(facts) + 3
    for title, amounts in ((L("by_stage"), report.stages), (L("by_module"), report.modules)):
        ws.header(row, (title, "kgCO2e", "kgCO2e/m²", L("share")))
        for a in amounts:
            row += 1
            ws.row(row, [a.label, a.kgco2e, a.per_m2, a.share], (None, KG, M2, SHARE))
        row += 2
    ws.write()

    ws = sheet("buildings")
    stage_keys = [a.key for a in report.stages]
    heads = [L("building"), L("model"), L("status"), L("error"), L("floor_area") + " m²"]
    heads += [a.label for a in report.stages]
    heads += [L("embodied") + " kgCO2e", L("total") + " kgCO2e", L("intensity"), L("embodied_share")]
    heads += [L("operational_share"), L("electricity_kwh"), L("renewable_kwh"), "run_id", L("report_files")]
    fmts = [None, None, None, None, M2, *([KG] * len(stage_keys)), KG, KG, M2, SHARE, SHARE, KG, KG]
    rows = [
        [b.name, Path(b.model).name, L(b.status), b.error, b.floor_area_m2]
        + [(b.stages or {}).get(k) for k in stage_keys]
        + [b.embodied_kgco2e, b.total_kgco2e, b.intensity_kgco2e_per_m2, b.embodied_share]
        + [b.operational_share, b.electricity_kwh, b.renewable_kwh, b.run_id, ", ".join(_files(b))]
        for b in report.buildings
    ]
    ws.table(heads, rows, fmts)
    ws.write()

    ws = sheet("modules_by_building")
    module_keys = [a.key for a in report.modules]
    rows = [[b.name, *((b.modules or {}).get(k) for k in module_keys)] for b in report.buildings if b.ok]
    total = [L("total"), *(a.kgco2e for a in report.modules)]
    last = ws.table([L("building"), *module_keys], [*rows, total], [None, *([KG] * len(module_keys))])
    for col, value in enumerate(total, 1):  # the total row in bold
        ws.put(last, col, value, KG if col > 1 else None, font=HEAD_FONT)
    ws.write()

    ws = sheet("issues")
    ws.table([L("kind"), L("message")], ([i.kind, i.message] for i in report.issues))
    ws.write()
    wb.save(path)


def _verdict(report: ParkReport, met: bool | None, share: float | None) -> str:
    if share is None:
        return report.label("not_computed")
    return report.label("undecided" if met is None else "met" if met else "not_met")


# -- HTML and PDF ------------------------------------------------------------------------------------


def stages_chart(report: ParkReport) -> str:
    """Horizontal bars, one per building that succeeded, stacked by GB/T 51366 stage (inline SVG)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from embodied.report.charts import short_number, stack_bar, stage_colour, to_svg
    from embodied.report.records import Amount

    ok = [b for b in report.buildings if b.ok]
    colours = {a.key: stage_colour(a.key) for a in report.stages}
    names = {a.key: a.label for a in report.stages}

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        if not ok:
            ax.set_axis_off()
            ax.text(0.5, 0.5, report.label("none"), ha="center", va="center", transform=ax.transAxes)
            return
        for y, b in enumerate(ok):
            stages = b.stages or {}
            stack_bar(ax, float(y), [Amount(k, names[k], stages.get(k), None, None) for k in names], colours)
        ax.set_yticks(list(range(len(ok))), [b.name for b in ok])
        ax.invert_yaxis()
        ax.set_xlabel(report.label("kgco2e"))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.xaxis.set_major_formatter(lambda v, _pos: short_number(v))
        ax.axvline(0.0, color="#333333", linewidth=0.6)
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        if unique:
            handles, labels = list(unique.values()), list(unique.keys())
            ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)

    return to_svg(draw, "chart-park-stages", max(1.8, 0.35 * len(ok) + 1.2))


def fmt(value: float | None, digits: int = 2) -> str:
    """A number for display, thousands separated; None is "—" (the page's legend says: not declared)."""
    if value is None:
        return NOT_DECLARED_SHORT
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def pct(value: float | None, digits: int = 1) -> str:
    return NOT_DECLARED_SHORT if value is None else f"{value:.{digits}%}".replace("%", " %")


@functools.lru_cache(maxsize=1)
def environment() -> Any:
    from embodied.report.render_html import page_environment

    return page_environment(fmt=fmt, pct=pct)


def html(report: ParkReport, *, for_print: bool = False, notices: Sequence[str] = ()) -> str:
    from markupsafe import Markup

    r = report.renewable
    page: str = (
        environment()
        .get_template("park/park.html")
        .render(
            report=report,
            L=report.label,
            for_print=for_print,
            notices=tuple(notices),
            css=Markup(STYLESHEET.read_text(encoding="utf-8")),
            chart=Markup(stages_chart(report)),  # matplotlib's SVG: it escapes the names it carries
            verdict=_verdict(report, r.met, r.share),
            verdict_class="ok" if r.met else "warn" if r.met is False else "",
            files={b.stem: _files(b) for b in report.buildings},
            html_lang="en" if report.lang == "en" else "zh-CN",
        )
    )
    return page


def render_html(report: ParkReport, path: Path) -> None:
    path.write_text(html(report), encoding="utf-8")


def render_pdf(report: ParkReport, path: Path) -> None:
    from embodied.report.render_pdf import cjk_font_available, write_pdf

    notices = [] if cjk_font_available() else [report.label("no_cjk_font")]
    write_pdf(html(report, for_print=True, notices=notices), TEMPLATES / "park", path, bool(notices))


RENDERERS: dict[str, Callable[[ParkReport, Path], None]] = {
    "json": render_json,
    "xlsx": render_xlsx,
    "html": render_html,
    "pdf": render_pdf,
}


def write_park(report: ParkReport, outdir: Path, formats: Sequence[str]) -> list[Path]:
    """Render every format to temporary files, then move them all into place (OUTDIR/park.<format>)."""
    targets = [outdir / f"{STEM}{SUFFIXES[f]}" for f in formats]
    try:
        with atomic_many(targets) as temporaries:
            for f, tmp in zip(formats, temporaries, strict=True):
                RENDERERS[f](report, tmp)
    except OSError as exc:
        where = exc.filename or outdir
        raise OutputError(f"{where}: the park reports cannot be written ({exc.strerror or exc})") from exc
    return targets
