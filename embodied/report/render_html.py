"""The HTML report: jinja2 templates in templates/report/ (a base page and one partial per chapter).

One self-contained file: the stylesheet and the charts (inline SVG) are in the page, nothing is
loaded from the network. Autoescape is on, so names from the model file (materials, elements) are
text, never markup; an undefined variable or an unknown label is an error, not an empty string.
The only markup marked safe is ours: the stylesheet and the SVG matplotlib writes (which escapes
the text it carries). The PDF (render_pdf) prints this same page with the ``@media print`` rules.

Labels come from templates/labels.yaml, then templates/report/labels.yaml (words only the HTML and
PDF pages print), picked by the report's language like every other format. Codes and the stages'
English sentences are put in the report's language by embodied.report.i18n through the filters
``term`` (a code of a group of templates/terms.yaml), ``terms`` (a ", "-list of codes), ``msg`` (a
sentence of templates/messages.yaml) and ``name`` (a material name: the tool's own in words);
``localized`` does the same to the records the shared macros of _table.html print (issues, lines,
amounts). In zh+en a sentence is its Chinese, then its English on a line of its own: markup of ours
around text that is escaped.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from embodied.report import charts, i18n
from embodied.report.records import Amount, Issue, Line, ReportModel, pick
from embodied.resources import TEMPLATES

PAGE_LABELS = TEMPLATES / "report" / "labels.yaml"
STYLESHEET = TEMPLATES / "report" / "report.css"
# (partial templates/report/_<key>.html, its heading in labels.yaml chapters)
CHAPTERS = (
    ("overview", "overview"),
    ("basis", "basis"),
    ("readiness", "readiness"),
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


def _words(value: str, lang: str, of: Callable[[str | None, str], str] | None = None) -> str | Markup:
    """A stage's sentence (or, `of` i18n.formula, a formula) in `lang`; in zh+en the Chinese, then
    the English on a line of its own."""
    first, second = i18n.pair(value, lang, of=of)
    if second is None:
        return first
    return Markup('{}<br><span class="en" lang="en">{}</span>').format(first, second)


@pass_context
def msg(context: Context, value: str | None) -> str | Markup:
    """A sentence of the stages (a note, a message, a reason) in the report's language; "—" if none."""
    if value is None or value == "":
        return "—"
    return _words(str(value), _report(context).lang)


@pass_context
def term(context: Context, value: str | None, group: str) -> str | Markup:
    """A code of the model (IFC class, province, unit, building type …) in words (templates/terms.yaml);
    a value the group does not know is taken for a sentence (templates/messages.yaml)."""
    if value is None or value == "":
        return "—"
    lang = _report(context).lang
    if i18n.known(str(value), group):
        return i18n.term(str(value), group, lang)
    return _words(str(value), lang)


@pass_context
def bilingual(context: Context, value: str | None) -> str:
    """A database's "中文 / English" name (a factor's) in the report's language."""
    return i18n.bilingual(value, _report(context).lang) or "—"


@pass_context
def terms(context: Context, value: str | None, group: str) -> str:
    """A ", "-separated list of codes ("IfcBeam, IfcColumn") in words."""
    if value is None or value == "":
        return "—"
    lang = _report(context).lang
    joiner = ", " if lang == "en" else "、"
    return joiner.join(i18n.term(v, group, lang) for v in str(value).split(", "))


def _label(value: str, lang: str, groups: tuple[str, ...] = ("material", "line_label")) -> str:
    """A name as the model gives it; the tool's own names and line labels in words."""
    group = next((g for g in groups if value in i18n.terms().get(g, {})), None)
    return i18n.term(value, group, lang) if group else value


@pass_context
def name(context: Context, value: str | None) -> str:
    """A material name: the model's as it is, the tool's own ("(rebar estimate: not modelled)") in words."""
    if value is None or value == "":
        return "—"
    return _label(str(value), _report(context).lang, ("material",))


@pass_context
def localized(context: Context, records: Iterable[Any]) -> list[Any]:
    """Issues, lines or amounts with their codes and sentences in the report's language, for the
    shared macros of templates/report/_table.html (which print the records' fields as they are)."""
    lang = _report(context).lang
    out: list[Any] = []
    for r in records:
        if isinstance(r, Issue):
            kind = i18n.term(r.kind, "issue_kind", lang)
            r = dataclasses.replace(r, kind=kind, message=_words(r.message, lang))
        elif isinstance(r, Line):
            r = dataclasses.replace(
                r,
                label=_label(r.label, lang),
                formula=_words(r.formula, lang, i18n.formula),
                note=_words(r.note, lang),
            )
        elif isinstance(r, Amount) and r.note:
            r = dataclasses.replace(r, note=_words(r.note, lang))
        out.append(r)
    return out


@pass_context
def source_title(context: Context, value: str | None) -> str:
    """A source's "中文 (English)" title in the report's language."""
    return i18n.title(value, _report(context).lang)


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
    return page_environment(
        fmt=fmt,
        pct=pct,
        text=text,
        term=term,
        terms=terms,
        msg=msg,
        name=name,
        bilingual=bilingual,
        localized=localized,
        source_title=source_title,
        verdict=verdict,
    )


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
        "classes": Markup(charts.top_classes(report, lb("html", "kgco2e"), lb("html", "no_data"))),
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
            readiness_names=frozenset(report.labels.get("readiness", {})),  # the shipped IDS's, in words
            html_lang="en" if report.lang == "en" else "zh-CN",
        )
    )


def render(report: ReportModel, path: Path) -> None:
    """Write the HTML report to `path` (one self-contained file)."""
    path.write_text(html(report), encoding="utf-8")
