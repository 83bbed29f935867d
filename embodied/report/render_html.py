"""The HTML report: jinja2 templates in templates/report/ (a base page and one partial per chapter).

One self-contained file: the stylesheet and the charts (inline SVG) are in the page, nothing is
loaded from the network. Autoescape is on, so names from the model file (materials, elements) are
text, never markup; an undefined variable or an unknown label is an error, not an empty string.
The only markup marked safe is ours: the stylesheet and the SVG matplotlib writes (which escapes
the text it carries). The PDF (render_pdf) prints this same page with the ``@media print`` rules.

Labels come from templates/labels.yaml, then templates/report/labels.yaml (words only the HTML and
PDF pages print), picked by the report's language like every other format.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from embodied.report import charts
from embodied.report.records import ReportModel, pick
from embodied.resources import TEMPLATES

PAGE_LABELS = TEMPLATES / "report" / "labels.yaml"
STYLESHEET = TEMPLATES / "report" / "report.css"
# (partial templates/report/_<key>.html, its heading in labels.yaml chapters)
CHAPTERS = (
    ("overview", "overview"),
    ("basis", "basis"),
    ("boundary", "boundary"),
    ("materials", "materials"),
    ("construction_demolition", "construction"),
    ("operation", "operation"),
    ("totals", "totals"),
    ("conclusions", "conclusions"),
    ("appendix", "appendix"),
)
NOT_DECLARED_SHORT = "—"
PRINT_ELEMENT_ROWS = 400  # the PDF lists this many elements; the HTML page lists them all


@functools.lru_cache(maxsize=1)
def page_labels() -> Mapping[str, Any]:
    with PAGE_LABELS.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data if isinstance(data, dict) else {}


def label(report: ReportModel, *path: str) -> str:
    """The label at `path` in the report's labels, else in the page labels; unknown paths are errors."""
    for labels in (report.labels, page_labels()):
        node: Any = labels
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if node:
            return pick(node, report.lang)
    raise KeyError(f"no label {'.'.join(path)} in templates/labels.yaml or templates/report/labels.yaml")


def _report(context: Context) -> ReportModel:
    report = context["report"]
    assert isinstance(report, ReportModel)
    return report


@pass_context
def fmt(context: Context, value: float | None, digits: int | None = 2, short: bool = False) -> str:
    """A number for display (thousands separated, `digits` decimals; None: as the factor gives it).
    None is "not declared", never 0; `short`: "—" in dense tables, whose legend says what it means."""
    if value is None:
        return NOT_DECLARED_SHORT if short else label(_report(context), "words", "not_declared")
    if digits is None:
        return f"{value:,.6g}"
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


@pass_context
def pct(context: Context, value: float | None, digits: int = 1, short: bool = False) -> str:
    if value is None:
        return NOT_DECLARED_SHORT if short else label(_report(context), "words", "not_declared")
    return f"{value:.{digits}%}".replace("%", " %")


def text(value: Any) -> Any:
    """A string of the model, or a dash when there is none."""
    return "—" if value is None or value == "" else value


@pass_context
def term(context: Context, value: str | None, group: str) -> str:
    """A key of the model (building type, tier …) in words, or the key itself when there are none."""
    if value is None:
        return "—"
    node = page_labels().get("terms", {}).get(group, {}).get(value)
    return pick(node, _report(context).lang) if node else value


@pass_context
def verdict(context: Context, met: bool | None) -> str:
    key = "undecided" if met is None else "met" if met else "not_met"
    return label(_report(context), "html", key)


def page_environment(**filters: Any) -> Environment:
    """A jinja2 environment over templates/ (autoescape: names from the model are text, never markup;
    StrictUndefined: a missing value is an error, not an empty cell) with these filters."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(filters)
    return env


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    """The jinja2 environment of the report pages."""
    return page_environment(fmt=fmt, pct=pct, text=text, term=term, verdict=verdict)


def chart_markup(report: ReportModel) -> dict[str, Markup]:
    """The charts as SVG markup. Safe to mark: matplotlib writes them and escapes the model's text."""

    def lb(*path: str) -> str:
        return label(report, *path)

    return {
        "stages": Markup(
            charts.stages_modules(
                report, (lb("html", "bar_stages"), lb("html", "bar_modules")), lb("html", "kgco2e")
            )
        ),
        "materials": Markup(charts.top_materials(report, lb("html", "kgco2e"), lb("html", "no_data"))),
        "intensity": Markup(
            charts.intensity(
                report,
                (lb("html", "intensity_whole"), lb("html", "intensity_operation")),
                lb("html", "per_m2a"),
                lb("html", "threshold_not_public"),
            )
        ),
    }


def html(report: ReportModel, *, for_print: bool = False, notices: Sequence[str] = ()) -> str:
    """The report page. `for_print`: the variant the PDF prints (element table cut at
    PRINT_ELEMENT_ROWS rows, saying so); `notices`: warnings shown at the top (the PDF's font notice)."""

    def lb(*path: str) -> str:
        return label(report, *path)

    return (
        environment()
        .get_template("report/base.html")
        .render(
            report=report,
            L=lb,
            for_print=for_print,
            notices=tuple(notices),
            css=Markup(STYLESHEET.read_text(encoding="utf-8")),
            charts=chart_markup(report),
            chapters=tuple({"key": key, "title": lb("chapters", heading)} for key, heading in CHAPTERS),
            element_rows=PRINT_ELEMENT_ROWS if for_print else len(report.elements),
            html_lang="en" if report.lang == "en" else "zh-CN",
        )
    )


def render(report: ReportModel, path: Path) -> None:
    """Write the HTML report to `path` (one self-contained file)."""
    path.write_text(html(report), encoding="utf-8")
