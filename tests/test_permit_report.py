"""The permit report a plan reviewer reads first: the cover's sign-off block from `[project]`, the
conclusion table with every headline figure, and the sources behind every number (issue 18)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import modelkit
import pytest

from embodied.errors import ConfigError
from embodied.pipeline import MatchOptions, run_report
from embodied.project import SignOff, load_settings
from embodied.report import render_html
from embodied.report.records import ReportModel

CONFIG = """
[project]
client = "某某置业有限公司"
designer = "某某设计研究院"
address = "北京市海淀区某路 1 号"
author = "张三"
checker = "李四"
issue_date = 2026-12-04

[building]
name = "Column"
gross_floor_area_m2 = 100.0
design_life_years = 50

[operation]
electricity_kwh = 10000
grid_factor = "national-2023"

[scope]
include_construction = false
"""


def write(folder: Path, text: str) -> Path:
    path = folder / "embodied.toml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_the_project_section_reads_names_and_a_date(tmp_path: Path) -> None:
    """A TOML date and its ISO text both give "2026-12-04"; keys left out stay None."""
    given = load_settings(write(tmp_path, CONFIG)).project
    assert given == SignOff(
        client="某某置业有限公司",
        designer="某某设计研究院",
        address="北京市海淀区某路 1 号",
        author="张三",
        checker="李四",
        issue_date="2026-12-04",
    )
    assert (
        load_settings(write(tmp_path, '[project]\nissue_date = "2026-12-04"\n')).project.issue_date
        == "2026-12-04"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('issue_date = "4.12.2026"', "project.issue_date: expected a date"),
        ("author = 12", "project.author: expected a string"),
        ('signer = "x"', "project.signer: unknown key"),
    ],
)
def test_a_bad_project_key_is_one_error_with_file_and_line(tmp_path: Path, line: str, expected: str) -> None:
    path = write(tmp_path, f"[project]\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert f"{path}:2: {expected}" in caught.value.one_line()


@pytest.fixture(scope="module")
def column_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One C30 column 0.4 × 0.5 × 3.0 m = 0.6 m³ (1440 kg), embodied.toml beside it."""
    folder = tmp_path_factory.mktemp("permit")
    write(folder, CONFIG)
    return modelkit.c30_column(folder / "column.ifc", seed="permit")


@pytest.fixture(scope="module")
def column(column_file: Path) -> ReportModel:
    return run_report(column_file, match_options=MatchOptions(rebar_estimate=False), lang="zh+en")


def test_the_headline_figures_by_hand(column: ReportModel) -> None:
    """A1-A3 0.6 × 295 = 177; A4 1.44 t × 40 km × 0.129 = 7.4304; construction off, demolition not
    declared: embodied 184.4304 kgCO2e, 1.844304 per m²; operation 10 000 kWh × 0.5306 = 5 306 kgCO2/a,
    53.06 per m²·a, 265 300 over 50 a; total 265 484.4304, 2 654.844 per m², 53.097 per m²·a."""
    assert column.embodied_kgco2e == pytest.approx(184.43, abs=1e-3)
    assert column.embodied_kgco2e_per_m2 == pytest.approx(1.8443, abs=1e-4)
    assert column.operational_kgco2_per_m2a == pytest.approx(53.06, abs=1e-4)
    assert column.total_kgco2e == pytest.approx(265_484.43, abs=1e-2)
    assert column.intensity_kgco2e_per_m2 == pytest.approx(2654.8443, abs=1e-4)
    assert column.intensity_kgco2e_per_m2a == pytest.approx(53.0969, abs=1e-4)


def test_the_sources_name_the_grid_factors_publication(column: ReportModel) -> None:
    """The grid factor drives the total (265 300 of 265 484 kgCO2e): its source is listed, with the
    App. D/E standard of the concrete and the lorry."""
    assert column.grid is not None and column.grid.factor_id == "mee_nbs:grid_2023:national"
    assert {s.id for s in column.sources} == {"gbt51366_2019", "mee_nbs_2023"}


def test_the_assumptions_that_move_the_total(column: ReportModel) -> None:
    """The A4 lines rest on the GB/T 51366 default distance: 7.4304 kgCO2e, 7.4304 / 265 484.4304."""
    [effect] = column.assumption_effects
    assert (effect.module, effect.reason, effect.lines) == ("A4", "default distance", 1)
    assert effect.kgco2e == pytest.approx(7.43, abs=1e-3)
    assert effect.share == pytest.approx(7.4304 / 265_484.4304, abs=1e-6)


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_cover_and_conclusion_in_the_page(column: ReportModel, tmp_path: Path) -> None:
    """The sign-off block shows every given name and a dash for the reviewer and approver; the
    conclusion table states the embodied intensity and the operational one."""
    path = tmp_path / "column.html"
    render_html.render(column, path)
    text = visible(path.read_text(encoding="utf-8"))
    for shown in (
        "某某置业有限公司",
        "某某设计研究院",
        "北京市海淀区某路 1 号",
        "张三",
        "李四",
        "2026-12-04",
    ):
        assert shown in text
    assert re.search(r"审核 / Reviewed by\s+审定 / Approved by", text)
    assert "盖章处 / Seal" in text and text.count("签字 / Signature") == 4
    conclusion = text[text.index("结论汇总") :]
    assert "1.84" in conclusion and "53.06 kgCO2/(m²·a)" in conclusion and "mee_nbs_2023" in conclusion


def test_nothing_is_invented_without_a_project_section(tmp_path: Path) -> None:
    """No [project]: every sign-off field is None in the model and a dash on the cover."""
    report = run_report(modelkit.c30_column(tmp_path / "bare.ifc", seed="bare"), lang="en")
    assert report.signoff == SignOff()
    path = tmp_path / "bare.html"
    render_html.render(report, path)
    html = path.read_text(encoding="utf-8")
    cover = html[html.index('class="data signoff"') : html.index('class="seal"')]
    # 4 facts + 4 names: a dash each; 4 signature cells left to sign
    assert cover.count("<td") == 12 and cover.count(">—<") == 8


def test_the_report_carries_the_uncertainty_range(column: ReportModel, column_file: Path) -> None:
    """The JSON's `uncertainty` has p10, p50, p90 (kgCO2e of the total) and drivers; the central value
    is the total, the grid factor (265 300 of 265 484 kgCO2e) drives the spread most; the same inputs
    give the same range (tests/test_uncertainty.py checks a case by hand)."""
    from embodied.report.render_json import document

    doc = document(column)["uncertainty"]
    assert {"p10", "p50", "p90", "drivers"} <= doc.keys()
    assert doc["p10"] < doc["p50"] < doc["p90"] and doc["central"] == pytest.approx(265_484.43, abs=0.1)
    assert doc["drivers"][0]["input"].startswith("factor mee_nbs:grid_2023:national")
    again = run_report(column_file, match_options=MatchOptions(rebar_estimate=False)).uncertainty
    assert again is not None and (again.p10, again.p90) == (doc["p10"], doc["p90"])
