"""The HTML report: every chapter in zh + en, strict templates, escaped model text, no network."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from shared_models import REPO

from embodied.pipeline import Calculation, report_model
from embodied.report import charts, render_html
from embodied.report.model import load_labels
from embodied.report.records import ElementRow, Hotspot, MaterialRow, ReportModel

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


class Page(HTMLParser):
    """Start tags, attributes, text, and the text of each h2 of a page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.data: list[str] = []
        self.h2: list[str] = []
        self._in_h2 = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag == "h2":
            self._in_h2 = True
            self.h2.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        self.data.append(data)
        if self._in_h2:
            self.h2[-1] += data


@pytest.fixture(scope="module")
def calc(sample_calculation: Calculation) -> Calculation:
    return sample_calculation  # tests/conftest.py: the sample, calculated once per session


def _build(calc: Any, lang: str) -> ReportModel:
    return report_model(calc, lang)


@pytest.fixture(scope="module")
def report(calc: Any) -> ReportModel:
    return _build(calc, "zh+en")


@pytest.fixture(scope="module")
def page(report: ReportModel) -> str:
    return render_html.html(report)


def test_every_chapter_heading_in_zh_and_en(page: str) -> None:
    headings = Page(page).h2
    chapters = load_labels()["chapters"]
    assert len(chapters) == len(render_html.CHAPTERS) == 10  # with the model readiness check (issue 19)
    for key, names in chapters.items():
        assert any(names["zh"] in h and names["en"] in h for h in headings), key
    # the table of contents links every chapter
    for key, _ in render_html.CHAPTERS:
        assert f'href="#ch-{key}"' in page and f'id="ch-{key}"' in page


def test_english_report_is_english(calc: Any) -> None:
    headings = Page(render_html.html(_build(calc, "en"))).h2
    assert any("Project overview" in h for h in headings)
    assert not any("项目概况" in h for h in headings)


def test_no_undefined_or_raw_none(page: str) -> None:
    parsed = Page(page)
    text = " ".join(parsed.data)
    assert "Undefined" not in text and "undefined" not in text
    assert not any(chunk.strip() == "None" for chunk in parsed.data)
    assert "未申报 / not declared" in text  # demolition is not declared in the sample


def test_strict_undefined_raises(report: ReportModel) -> None:
    env = render_html.environment()
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ report.no_such_field }}").render(report=report)
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing_variable }}").render()
    # the real templates too: a project without a name is an error, not an empty cell
    project = {f.name: getattr(report.project, f.name) for f in dataclasses.fields(report.project)}
    del project["name"]
    with pytest.raises(jinja2.UndefinedError):
        render_html.html(dataclasses.replace(report, project=project))  # type: ignore[arg-type]


def test_unknown_label_raises(report: ReportModel) -> None:
    with pytest.raises(KeyError, match=r"no label html\.no_such_label"):
        render_html.label(report, "html", "no_such_label")
    assert render_html.label(report, "words", "total") == "合计 / Total"
    assert render_html.label(report, "html", "contents") == "目录 / Contents"


def test_page_labels_are_zh_and_en() -> None:
    """A comma in an unquoted YAML flow mapping splits a label: every node is {zh, en} or a string."""
    data = yaml.safe_load((REPO / "templates" / "report" / "labels.yaml").read_text(encoding="utf-8"))

    def leaves(node: Any, path: str) -> None:
        assert isinstance(node, dict | str), path
        if isinstance(node, dict) and ({"zh", "en"} & set(node)):
            assert set(node) == {"zh", "en"} and all(isinstance(v, str) for v in node.values()), path
        elif isinstance(node, dict):
            for key, value in node.items():
                leaves(value, f"{path}.{key}")

    leaves(data, "")


def test_fmt_filter(report: ReportModel) -> None:
    env = render_html.environment()

    def show(template: str, value: Any) -> str:
        return env.from_string(template).render(report=report, x=value)

    assert show("{{ x|fmt(1) }}", None) == "未申报 / not declared"
    assert show("{{ x|fmt(1, short=true) }}", None) == "—"
    assert show("{{ x|fmt(1) }}", 1234567.891) == "1,234,567.9"
    assert show("{{ x|fmt(1) }}", -0.01) == "0.0"
    assert show("{{ x|fmt(none) }}", 2340.0) == "2,340"
    assert show("{{ x|pct }}", 0.303522) == "30.4 %"


def _evil(report: ReportModel) -> ReportModel:
    row = MaterialRow(
        material=EVIL,
        ifc_classes="IfcWall",
        factor_id=None,
        factor_name=None,
        source=None,
        verification=None,
        data_type=None,
        method="none",
        confidence=None,
        quantity=None,
        unit=None,
        factor_value=None,
        volume_m3=1.0,
        mass_kg=None,
        modules={"A1-A3": 5000.0, "A4": None, "B4": None, "D": None},
        total_kgco2e=5000.0,
        share=0.1,
    )
    element = ElementRow("0evil", "IfcWall", EVIL, EVIL, EVIL, 1.0, "geometry", "")
    return dataclasses.replace(
        report,
        materials=(*report.materials, row),
        hotspot_materials=(Hotspot(EVIL, 5000.0, 0.1), *report.hotspot_materials[:9]),
        elements=(*report.elements, element),
    )


def test_script_material_is_escaped_in_tables_and_charts(report: ReportModel) -> None:
    page = render_html.html(_evil(report))
    parsed = Page(page)
    assert "script" not in parsed.tags
    assert "<script" not in page
    assert sum(EVIL in chunk for chunk in parsed.data) >= 3  # text, never markup (material, element rows)
    assert page.count(ESCAPED) >= 3
    chart = re.search(
        r'<svg class="chart"[^>]*aria-labelledby="chart-materials-caption".*?</svg>', page, re.S
    )
    assert chart is not None
    assert ESCAPED in chart.group(0)  # matplotlib writes the tick label's text escaped
    assert "<script" not in chart.group(0)


def test_no_network(page: str) -> None:
    parsed = Page(page)
    for name, value in parsed.attrs:
        if name in ("src", "href", "xlink:href", "srcset", "action", "data"):
            assert value is not None and not re.match(r"\s*(https?:)?//", value), (name, value)
    assert "link" not in parsed.tags and "script" not in parsed.tags and "img" not in parsed.tags
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(https?:)?//", page)


def test_charts_inline_unique_ids_and_deterministic(report: ReportModel, page: str) -> None:
    parsed = Page(page)
    assert parsed.tags.count("svg") == 4  # stages and modules, top materials, IFC classes, intensity
    ids = [value for name, value in parsed.attrs if name == "id"]
    assert len(ids) == len(set(ids))
    for reference in re.findall(r'(?:href="#|url\(#)([^")]+)', page):
        assert reference in ids, reference
    assert "<dc:date>" not in page and "<metadata>" not in page and "<?xml" not in page
    first = charts.top_materials(report, "kgCO2e", "none")
    assert first == charts.top_materials(report, "kgCO2e", "none")
    classes = charts.top_classes(report, "kgCO2e", "none")
    assert classes == charts.top_classes(report, "kgCO2e", "none")
    top = report.hotspot_classes[0]  # the largest class, labelled in words with its value and share
    assert f"({top.share:.1%})" in classes and "IfcSlab" in classes
    assert render_html.html(report) == page  # the same model renders the same page


def test_render_writes_one_file(report: ReportModel, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    render_html.render(report, out)
    assert list(tmp_path.iterdir()) == [out]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in text
    assert "建材生产" in text and report.fingerprint.run_id in text


def test_nothing_declared_still_renders(report: ReportModel) -> None:
    """No numbers, no hot spots, no tiers: every cell says "not declared", the charts say "no data"."""
    empty = [dataclasses.replace(a, kgco2e=None, per_m2=None, share=None) for a in report.stages]
    bare = dataclasses.replace(
        report,
        stages=tuple(empty),
        modules=tuple(dataclasses.replace(a, kgco2e=None, per_m2=None, share=None) for a in report.modules),
        total_kgco2e=None,
        embodied_kgco2e=None,
        intensity_kgco2e_per_m2=None,
        intensity_kgco2e_per_m2a=None,
        operational_kgco2_per_m2a=None,
        materials=(),
        hotspot_materials=(),
        hotspot_classes=(),
        elements=(),
        lines=(),
        unmatched=(),
        tiers=(),
        gb55015={"tier": "gb55015", "scope": "operation", "met": True, "reason": "-45 %", "verified": False},
    )
    parsed = Page(render_html.html(bare))
    text = " ".join(parsed.data)
    assert text.count("未申报 / not declared") > 20
    assert "满足 / met" in text and "-45 %" in text
    assert parsed.tags.count("svg") == 4  # stages and modules, top materials, IFC classes, intensity
