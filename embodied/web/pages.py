"""The pages of `embodied serve`, rendered with the report's own jinja2 environment (its filters format
every number and translate every code as the report does), from templates/web/. A fragment of a page
(the summary, the mapping editor, the charts, an element's lines) is one template each, so that the
page replaces it after an edit without reloading.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from rapidfuzz import fuzz

from embodied import __version__
from embodied.report import i18n
from embodied.report.records import Line, MaterialRow, ReportModel, pick
from embodied.report.render_html import environment, label
from embodied.resources import TEMPLATES

WEB = TEMPLATES / "web"
LANGS = ("zh+en", "zh", "en")
ORDER = {"unmatched": 0, "default": 1}  # the mapping editor shows these first


@functools.cache
def web_labels() -> Mapping[str, Any]:
    with (WEB / "labels.yaml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return data if isinstance(data, dict) else {}


def labeller(lang: str, report: ReportModel | None = None) -> Any:
    """L(key) for the page: the web's own labels (templates/web/labels.yaml), else the report's."""

    def lb(*path: str) -> str:
        node: Any = web_labels()
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if node:
            return pick(node, lang)
        if report is None:
            raise KeyError(f"no label {'.'.join(path)} in templates/web/labels.yaml")
        return label(report, *path)

    return lb


def render(template: str, lang: str, report: ReportModel | None = None, **context: Any) -> str:
    return (
        environment()
        .get_template(f"web/{template}")
        .render(
            L=labeller(lang, report), lang=lang, langs=LANGS, report=report, version=__version__, **context
        )
    )


@dataclass(frozen=True, slots=True)
class EditorRow:
    """A row of the mapping editor: a material of the report, how it is matched, and what to offer."""

    index: int  # its position in report.materials (the page's handle)
    row: MaterialRow
    status: str  # "unmatched", "default" or the match method
    suggestions: tuple[str, ...]
    elements: int


def editor_rows(report: ReportModel) -> list[EditorRow]:
    """The materials, unmatched and defaulted ones first, then by their share of the total."""
    suggestions = {u.material: u.suggestions for u in report.unmatched}
    counts: dict[str, int] = {}
    for element in report.elements:
        if element.material is not None:
            counts[element.material] = counts.get(element.material, 0) + 1
    rows = []
    for index, row in enumerate(report.materials):
        status = (
            "unmatched" if row.factor_id is None else ("default" if row.method == "default" else row.method)
        )
        rows.append(
            EditorRow(index, row, status, suggestions.get(row.material, ()), counts.get(row.material, 0))
        )
    return sorted(rows, key=lambda r: (ORDER.get(r.status, 2), -(r.row.total_kgco2e or 0.0), r.row.material))


def material_elements(report: ReportModel, material: str) -> list[str]:
    """The GlobalIds of the elements a material is in (the report's element table)."""
    return sorted({e.global_id for e in report.elements if e.material == material})


@dataclass(frozen=True, slots=True)
class ElementLine:
    line: Line
    share: float  # of the material line that falls to the element
    kgco2e: float | None  # the element's part


def element_lines(report: ReportModel, parts: Mapping[int, float]) -> list[ElementLine]:
    """The report's lines of an element's materials, each with the element's share of it."""
    found = []
    for line in report.lines:
        share = parts.get(line.material_index) if line.material_index is not None else None
        if share:
            part = None if line.kgco2e is None else line.kgco2e * share
            found.append(ElementLine(line, share, part))
    return found


def search_factors(database: Any, text: str, module: str = "A1-A3") -> list[Any]:
    """The factors of `module` for the query `text` (Chinese or English, id or name): those containing
    it first, best first by rapidfuzz's score; when none contains it, the closest names. No query:
    every factor, by category."""
    candidates = [f for f in database.factors.values() if f.module == module]
    if not text:
        return sorted(candidates, key=lambda f: (f.pack != "default", f.category, f.factor_id))
    containing = {f.factor_id for f in database.search(text)}

    def score(f: Any, scorer: Any = fuzz.ratio) -> float:
        return float(max(scorer(text, s) for s in (f.factor_id.rsplit(":", 1)[-1], f.name_zh, f.name_en)))

    found = sorted(
        (f for f in candidates if f.factor_id in containing), key=lambda f: (-score(f), f.factor_id)
    )
    if found:  # the closest (shortest) name containing the query first: "C30" finds C30 concrete first
        return found
    close = sorted(candidates, key=lambda f: (-score(f, fuzz.WRatio), f.factor_id))
    return [f for f in close[:30] if score(f, fuzz.WRatio) >= 50]


def factor_rows(factors: Iterable[Any], lang: str, limit: int = 60) -> list[dict[str, Any]]:
    """The database's factors as the page's searchable list shows them."""
    out = []
    for f in list(factors)[:limit]:
        out.append(
            {
                "id": f.factor_id,
                "name": i18n.bilingual(f"{f.name_zh} / {f.name_en}", lang) or f.factor_id,
                "name_zh": f.name_zh,
                "name_en": f.name_en,
                "unit": f.declared_unit,
                "gwp": f.gwp_kgco2e_per_unit,
                "category": f.category,
                "source": f.source_id,
                "verification": f.verification,
                "data_type": f.data_type,
            }
        )
    return out


def language(value: str | None, default: str = "zh+en") -> str:
    return value if value in LANGS else default
