"""The report says on what basis its numbers stand: why each module without a total has none, which
defaults the project file left to the method file, which grid factor was taken and how, and which
masses rest on an assumed density. Each number below is worked out by hand in its test."""

from __future__ import annotations

from pathlib import Path

import modelkit as mk
import openpyxl
import pytest

from embodied.pipeline import Calculation, report_model, run_calculate
from embodied.report import render_html, render_xlsx
from embodied.report.render_json import document
from embodied.takeoff import TakeoffOptions

PROJECT = """\
[building]
name = "basis"
province = "内蒙古"
gross_floor_area_m2 = 100.0

[operation]
electricity_kwh = 1000.0
"""


@pytest.fixture(scope="module")
def calc(tmp_path_factory: pytest.TempPathFactory) -> Calculation:
    """A 10 × 1 × 1 m C30 wall in 内蒙古, 1000 kWh/a of electricity, no design life, no grid factor."""
    folder = tmp_path_factory.mktemp("basis")
    model = mk.new_model("IFC4", "METRE")
    mk.add_box(model, "IfcWall", "C30混凝土", size=(10.0, 1.0, 1.0))
    path = mk.save(model, folder / "basis.ifc", seed="basis")
    config = folder / "embodied.toml"
    config.write_text(PROJECT, encoding="utf-8")
    return run_calculate(path, TakeoffOptions(), config_path=config)


def test_defaults_and_grid_are_in_the_json(calc: Calculation) -> None:
    """B6 = 1000 kWh/a × 0.6479 kgCO2/kWh (内蒙古 2023) × 50 a (the method file's design life) = 32 395."""
    doc = document(report_model(calc))
    assert doc["totals"]["modules"]["B6"] == pytest.approx(1000 * 0.6479 * 50) == 32_395
    grid = doc["grid"]
    assert (grid["value"], grid["factor_id"], grid["default"]) == (
        0.6479,
        "mee_nbs:grid_2023:inner_mongolia",
        True,
    )
    used = {d["key"]: d for d in doc["defaults_used"]}
    assert used["building.design_life_years"]["value"] == 50
    assert used["building.design_life_years"]["unit"] == "a"
    assert used["operation.grid_factor"]["value"] == 0.6479
    # A4 of the concrete took the method file's 40 km (no [transport] in the project file)
    assert used["transport.concrete_km"]["value"] == 40


def test_every_module_without_a_total_says_why(calc: Calculation) -> None:
    doc = document(report_model(calc))
    modules = {m["key"]: m for m in doc["modules"]}
    empty = [key for key, m in modules.items() if m["kgco2e"] is None]
    assert empty and all(modules[key]["note"] for key in empty)
    assert modules["B2"]["note"].startswith("not covered by GB/T 51366-2019 (maintenance")
    assert modules["B1"]["note"].startswith("not declared: no refrigerant data")
    assert modules["A1-A3"]["note"] is None  # a module with a total carries no note
    stages = {s["key"]: s for s in doc["stages"]}
    assert stages["demolition"]["kgco2e"] is None
    assert stages["demolition"]["note"].startswith("C1: not declared")


def test_the_html_shows_the_notes_the_defaults_and_the_grid(calc: Calculation, tmp_path: Path) -> None:
    report = report_model(calc, lang="en")
    path = tmp_path / "basis.html"
    render_html.render(report, path)
    html = path.read_text(encoding="utf-8")
    assert "not covered by GB/T 51366-2019 (maintenance" in html
    assert "building.design_life_years" in html and "transport.concrete_km" in html
    assert "0.6479 kgCO2/kWh" in html and "mee_nbs:grid_2023:inner_mongolia" in html
    assert "chosen by the building&#39;s location" in html or "chosen by the building's location" in html


def test_the_workbook_shows_the_notes_the_defaults_and_the_grid(calc: Calculation, tmp_path: Path) -> None:
    report = report_model(calc, lang="en")
    path = tmp_path / "basis.xlsx"
    render_xlsx.render(report, path)
    book = openpyxl.load_workbook(path)
    modules = {row[0]: row for row in book["Modules"].iter_rows(values_only=True) if row[0]}
    assert str(modules["B2"][6]).startswith("not covered by GB/T 51366-2019 (maintenance")
    settings = {row[0]: row for row in book["Settings"].iter_rows(values_only=True) if row[0]}
    assert settings["grid_factor"][1] == 0.6479
    assert settings["building.design_life_years"][1:3] == (50, "a")
    assert settings["transport.concrete_km"][1:3] == (40, "km")


def test_a_mass_from_an_assumed_density_is_flagged(calc: Calculation, tmp_path: Path) -> None:
    """The wall has no density in the model: its 10 m³ × 2400 kg/m³ = 24 000 kg come from the database."""
    report = report_model(calc, lang="en")
    [row] = [m for m in report.materials if m.material == "C30混凝土"]
    assert row.mass_basis == "database" and row.mass_flagged
    path = tmp_path / "mass.xlsx"
    render_xlsx.render(report, path)
    sheet = openpyxl.load_workbook(path)["Materials"]
    rows = list(sheet.iter_rows(values_only=True))
    [line] = [r for r in rows if r[0] == "C30混凝土"]
    assert "Mass from (assumption): database" in str(line[-1])
    html = tmp_path / "mass.html"
    render_html.render(report, html)
    assert "database density" in html.read_text(encoding="utf-8")


def test_the_calculate_json_carries_the_same_basis(calc: Calculation) -> None:
    """`embodied calculate -o x.json` writes the report's JSON: module notes, grid, defaults."""
    from embodied.report.tables import calculation_document

    data = calculation_document(report_model(calc)).data
    notes = {m["key"]: m["note"] for m in data["modules"]}
    assert notes["B2"].startswith("not covered by GB/T 51366-2019")
    assert notes["A1-A3"] is None
    assert data["grid"]["value"] == 0.6479
    keys = {d["key"] for d in data["defaults_used"]}
    assert keys >= {"building.design_life_years", "operation.grid_factor"}


def test_a_defaulted_grade_shows_with_its_effect(tmp_path: Path) -> None:
    """100 m³ of 混凝土 (no grade): C30 assumed, 100 × 295 = 29 500 kgCO2e; one grade up, C35 (317.5):
    100 × (317.5 − 295) = +2 250; one down, C25 (272.5): −2 250. In the JSON, HTML and workbook."""
    model = mk.new_model("IFC4", "METRE")
    mk.add_box(model, "IfcWall", "混凝土", size=(10.0, 1.0, 10.0))
    path = mk.save(model, tmp_path / "ungraded.ifc", seed="ungraded")
    calc = run_calculate(path, TakeoffOptions(), config_path=None)
    report = report_model(calc, lang="en")
    [row] = [m for m in report.materials if m.material == "混凝土"]
    assert row.method == "default" and row.modules["A1-A3"] == pytest.approx(29_500.0)
    assert row.default is not None and row.default.grade == "C30"
    assert row.default.step_up_kgco2e == pytest.approx(2_250.0)
    assert row.default.step_down_kgco2e == pytest.approx(-2_250.0)
    html = tmp_path / "ungraded.html"
    render_html.render(report, html)
    assert "no grade named, assumed C30; C35 +2250.0; C25 -2250.0 kgCO2e" in html.read_text(encoding="utf-8")
    book = tmp_path / "ungraded.xlsx"
    render_xlsx.render(report, book)
    rows = list(openpyxl.load_workbook(book)["Materials"].iter_rows(values_only=True))
    [line] = [r for r in rows if r[0] == "混凝土"]
    assert "no grade named, assumed C30; C35 +2250.0; C25 -2250.0 kgCO2e" in str(line[-1])
    doc = document(report)
    assert next(m for m in doc["materials"] if m["material"] == "混凝土")["default"]["grade"] == "C30"
