"""The comparison as a standalone HTML page (templates/compare/compare.html.j2) with one waterfall
chart per step — from the earlier variant's total, through each (cause, stage) sum, to the later
one's, a bar in its stage's colour — and the same page printed to PDF by WeasyPrint."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from matplotlib.figure import Figure

from embodied.compare.document import cause_row, summary_rows
from embodied.compare.records import Comparison, Step
from embodied.report.charts import WHOLE_COLOUR, short_number, stage_colour, to_svg
from embodied.report.render_pdf import cjk_font_available, write_pdf
from embodied.resources import TEMPLATES

FOLDER = TEMPLATES / "compare"


def waterfall(step: Step, start: float, index: int) -> str:
    """From `start` (the earlier total) by each (cause, stage) sum to the later total."""
    parts = list(step.by_cause().items())
    labels = [step.before] + [f"{cause}\n({stage})" for (cause, stage), _ in parts] + [step.after]

    def draw(fig: Figure) -> None:
        ax = fig.subplots()
        ax.bar(0, start, color=WHOLE_COLOUR, width=0.6)
        level = start
        for i, ((_cause, stage), kg) in enumerate(parts, start=1):
            ax.bar(i, kg, bottom=level, color=stage_colour(stage), width=0.6)
            ax.text(i, level + max(kg, 0.0), f"{kg:+,.1f}", ha="center", va="bottom", fontsize=7)
            level += kg
        ax.bar(len(parts) + 1, level, color=WHOLE_COLOUR, width=0.6)
        for x, value in ((0, start), (len(parts) + 1, level)):
            ax.text(x, value, short_number(value), ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(labels)), labels, fontsize=7)
        levels = [start, level, *(start + sum(kg for _, kg in parts[:i]) for i in range(1, len(parts) + 1))]
        low, high = min(levels), max(levels)
        span = high - low
        axis = "kgCO2e"
        if span and low > 0 and span < 0.2 * high:  # small changes on a large total: zoom in
            ax.set_ylim(max(0.0, low - span), high + 0.5 * span)
            axis = "kgCO2e (axis not from 0)"
        ax.set_ylabel(axis)
        ax.yaxis.set_major_formatter(lambda v, _pos: short_number(v))

    return to_svg(draw, f"chart-waterfall-{index}", 3.2)


PAGE_CAUSES = 40  # the largest causes of a step on the page; the files list every cause


def html(comparison: Comparison, *, notices: tuple[str, ...] = ()) -> str:
    env = Environment(loader=FileSystemLoader(FOLDER), autoescape=True, undefined=StrictUndefined)
    totals = {v.label: v.total_kgco2e for v in comparison.variants}
    steps = [
        {
            "name": f"{s.before} → {s.after}",
            "difference": s.difference_kgco2e,
            "chart": waterfall(s, totals[s.before], i),
            "rows": [r for r in summary_rows(comparison) if r["step"] == f"{s.before}->{s.after}"],
            "causes": sorted((cause_row(c) for c in s.causes), key=lambda r: -abs(r["kgco2e"]))[:PAGE_CAUSES],
            "count": len(s.causes),
        }
        for i, s in enumerate(comparison.steps)
    ]
    return env.get_template("compare.html.j2").render(
        variants=comparison.variants, steps=steps, notices=notices
    )


def write_pdf_page(comparison: Comparison, path: Path) -> None:
    missing = not cjk_font_available()
    notices = ("No CJK font: Chinese text may show as boxes (install fonts-noto-cjk).",) if missing else ()
    write_pdf(html(comparison, notices=notices), FOLDER, path, missing)
