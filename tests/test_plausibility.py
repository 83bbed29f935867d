"""Plausibility checks (material_db/checks.yaml) on small models whose answer is known by hand.

A check never changes a number: each test computes the expected numbers by hand and checks that the
finding names them, and that resolving it (mapping file, project file) marks it or removes its cause.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import modelkit as mk
import pytest
from shared_models import embodied

from embodied.errors import InputError
from embodied.factors import DEFAULT_ROOT
from embodied.pipeline import Calculation, run_calculate
from embodied.plausibility import Severity, check_rules, load_rules
from embodied.takeoff import TakeoffOptions

NO_GEOMETRY = TakeoffOptions(use_geometry=False)


def _save(model: Any, folder: Path, name: str) -> Path:
    return mk.save(model, folder / name, seed=name)


def _findings(calc: Calculation, check: str) -> list[Any]:
    assert calc.plausibility is not None
    return [f for f in calc.plausibility.findings if f.check == check]


@pytest.fixture(scope="module")
def aluminium_slab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10 × 10 × 0.3 m IfcSlab whose only material is "Aluminium" (a roofing sheet modelled as the slab)."""
    model = mk.new_model("IFC4", "METRE")
    mk.add_slab(model, "Aluminium", size=(10.0, 10.0, 0.3), quantities=True, name="Roof slab")
    return _save(model, tmp_path_factory.mktemp("alu"), "aluminium_slab.ifc")


def test_rules_load_and_every_database_density_is_in_its_range() -> None:
    """checks.yaml loads without a problem, and no density the database ships is outside its kind's range."""
    assert check_rules() == []
    rules = load_rules()
    with (DEFAULT_ROOT / "densities.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        found = rules.density_for(row["category"])
        if found is not None:
            band = found[1]
            assert band.low_kg_m3 <= float(row["density_kg_m3"]) <= band.high_kg_m3, row["category"]


def test_aluminium_slab_is_implausible_with_its_kgco2e(aluminium_slab: Path) -> None:
    """30 m³ of aluminium (0.3 m thick over 100 m²) is a block, not a sheet: implausible, with its kgCO2e."""
    calc = run_calculate(aluminium_slab, NO_GEOMETRY)
    [alu] = [m for m in calc.match.materials if m.material == "Aluminium"]
    # the numbers are left as they are: 30 m³ × 2700 kg/m³ = 81 000 kg = 81 t
    assert alu.mass_kg == pytest.approx(81_000.0)
    factor = alu.gwp_kgco2e_per_unit
    assert alu.declared_unit == "t" and factor is not None
    a1a3 = 81.0 * factor  # 81 t × 28 500 kgCO2e/t = 2 308 500 kgCO2e for the sheet factor
    a4 = 81.0 * 500.0 * 0.129  # 81 t × 500 km × 0.129 kgCO2e/(t·km) = 5 224.5 kgCO2e
    assert calc.lifecycle.modules["A1-A3"] == pytest.approx(a1a3)
    [finding] = _findings(calc, "material_thickness")
    assert finding.severity is Severity.IMPLAUSIBLE
    assert finding.material == "Aluminium"
    assert finding.kgco2e_affected == pytest.approx(a1a3 + a4)
    assert "0.3 m thick (volume 30 m³ / area 100 m²)" in finding.message
    assert len(finding.global_ids) == 1 and not finding.confirmed
    # the building's A1-A3 per m² over the slab's 100 m²: far beyond 3 000 kgCO2e/m²
    [intensity] = _findings(calc, "intensity_range")
    assert intensity.severity is Severity.IMPLAUSIBLE
    assert f"{a1a3 / 100.0:.1f}".rstrip("0").rstrip(".") in intensity.message
    [dominant] = _findings(calc, "dominant_material")
    assert dominant.severity is Severity.WARNING and "100%" in dominant.message
    assert calc.plausibility is not None and calc.plausibility.findings[0].severity is Severity.IMPLAUSIBLE


def test_report_strict_exits_3_on_the_aluminium_slab(aluminium_slab: Path, tmp_path: Path) -> None:
    """`report --strict` writes the report, lists the finding first in JSON and console, and exits 3."""
    out = tmp_path / "out"
    done = embodied("report", aluminium_slab, "-o", out, "--format", "json", "--strict", "--no-geometry")
    assert done.returncode == 3, done.stderr
    assert "IMPLAUSIBLE: material_thickness" in done.stderr
    assert "implausible finding(s) not confirmed" in done.stderr
    doc = json.loads((out / "aluminium_slab.json").read_text(encoding="utf-8"))
    first = doc["plausibility"][0]
    assert set(first) >= {"check", "severity", "message", "material", "global_ids", "kgco2e_affected"}
    assert {(f["check"], f["severity"]) for f in doc["plausibility"]} >= {
        ("material_thickness", "implausible"),
        ("intensity_range", "implausible"),
    }
    assert doc["plausibility_summary"]["open_implausible"] == 2
    done = embodied("report", aluminium_slab, "-o", out, "--format", "json", "--no-geometry")
    assert done.returncode == 0  # without --strict a finding never fails the run


def test_confirmations_mark_findings_and_let_strict_pass(aluminium_slab: Path, tmp_path: Path) -> None:
    """Confirmed in the mapping file (material) and the project file (building): listed, marked."""
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(
        "material,factor_id,confirm,note\nAluminium,,material_thickness;dominant_material,solid cast block\n",
        encoding="utf-8",
    )
    config = tmp_path / "embodied.toml"
    config.write_text(
        '[plausibility]\nconfirm = ["intensity_range"]\nnote = "a test block"\n', encoding="utf-8"
    )
    calc = run_calculate(aluminium_slab, NO_GEOMETRY, mapping_path=mapping, config_path=config)
    assert calc.plausibility is not None
    assert all(f.confirmed for f in calc.plausibility.findings)
    [thickness] = _findings(calc, "material_thickness")
    assert thickness.confirmation == f"{mapping}:2: solid cast block"
    [intensity] = _findings(calc, "intensity_range")
    assert intensity.confirmation == "embodied.toml [plausibility]: a test block"
    assert calc.plausibility.open_implausible == ()
    out = tmp_path / "out"
    args = ("--format", "json", "--strict", "--no-geometry", "--mapping", mapping, "--config", config)
    done = embodied("report", aluminium_slab, "-o", out, *args)
    assert done.returncode == 0, done.stderr


def test_a_confirmation_of_an_unknown_check_is_an_error(aluminium_slab: Path, tmp_path: Path) -> None:
    """A typo in confirm names the file and line: exit 2, nothing confirmed silently."""
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("material,factor_id,confirm\nAluminium,,material_thicknes\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"mapping.csv:2: confirm names unknown plausibility check"):
        run_calculate(aluminium_slab, NO_GEOMETRY, mapping_path=mapping)


@pytest.fixture(scope="module")
def stud_wall(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 10 × 3 m wall: C30 0.200 m + "Metal - Stud Layer" 0.100 m (studs, air), mapped to steel."""
    folder = tmp_path_factory.mktemp("stud")
    model = mk.new_model("IFC4", "METRE")
    mk.add_wall(model, [("C30混凝土", 0.2), ("Metal - Stud Layer", 0.1)], size=(10.0, 3.0), quantities=True)
    path = _save(model, folder, "stud_wall.ifc")
    mapping = folder / "mapping.csv"
    mapping.write_text(
        "material,factor_id\nMetal - Stud Layer,gbt51366:D:steel_hr_small_section\n", encoding="utf-8"
    )
    return path, mapping


def test_a_stud_layer_mapped_to_steel_is_implausible_until_its_fill_fraction_is_set(
    stud_wall: tuple[Path, Path], tmp_path: Path
) -> None:
    """0.1 m of solid steel in a wall (23.55 t) is implausible; at fill_fraction 0.12 it is 0.012 m: none."""
    path, mapping = stud_wall
    calc = run_calculate(path, NO_GEOMETRY, mapping_path=mapping)
    [finding] = _findings(calc, "material_thickness")
    # layer volume 10 × 3 × 0.1 = 3 m³; × 7850 kg/m³ = 23 550 kg of steel
    [stud] = [m for m in calc.match.materials if m.material == "Metal - Stud Layer"]
    assert stud.mass_kg == pytest.approx(23_550.0)
    assert finding.severity is Severity.IMPLAUSIBLE and "layer 0.1 m" in finding.message
    filled = tmp_path / "mapping.csv"
    filled.write_text(
        "material,factor_id,fill_fraction,note\n"
        "Metal - Stud Layer,gbt51366:D:steel_hr_small_section,0.12,studs at 600 mm\n",
        encoding="utf-8",
    )
    calc = run_calculate(path, NO_GEOMETRY, mapping_path=filled)
    [stud] = [m for m in calc.match.materials if m.material == "Metal - Stud Layer"]
    # 3 m³ × 0.12 = 0.36 m³ of steel × 7850 kg/m³ = 2 826 kg; as a layer: 0.1 m × 0.12 = 0.012 m < 0.02 m
    assert stud.volume_m3 == pytest.approx(0.36)
    assert stud.mass_kg == pytest.approx(2_826.0)
    assert _findings(calc, "material_thickness") == []


def test_insulation_denser_than_its_kind_is_implausible(tmp_path: Path) -> None:
    """Rock wool given 2000 kg/m³ in the model: above 300 × 1.5 = 450, so implausible (a typing error)."""
    model = mk.new_model("IFC4", "METRE")
    mk.material(model, "岩棉板", density=2000.0)
    mk.add_wall(model, [("C30混凝土", 0.2), ("岩棉板", 0.1)], size=(10.0, 3.0), quantities=True)
    calc = run_calculate(_save(model, tmp_path, "dense.ifc"), NO_GEOMETRY)
    [finding] = _findings(calc, "density_range")
    assert finding.severity is Severity.IMPLAUSIBLE and finding.material == "岩棉板"
    assert "density 2000 kg/m³ (from the model)" in finding.message
    # 10 × 3 × 0.1 = 3 m³ × 2000 = 6 000 kg = 6 t × 1 980 kgCO2e/t (rock-wool board) + 6 t × 500 km × 0.129
    assert finding.kgco2e_affected == pytest.approx(6.0 * 1980.0 + 6.0 * 500.0 * 0.129)


def test_a_volume_in_the_wrong_unit_is_an_implausible_thickness(tmp_path: Path) -> None:
    """A 10 × 10 m slab whose NetVolume says 30 000 m³ (mm³-like error) is 300 m thick: implausible."""
    model = mk.new_model("IFC4", "METRE")
    mk.add_slab(model, "C30混凝土", size=(10.0, 10.0, 0.3), quantities={"NetVolume": 30_000.0})
    calc = run_calculate(_save(model, tmp_path, "thick.ifc"), NO_GEOMETRY)
    [finding] = _findings(calc, "element_thickness")
    assert finding.severity is Severity.IMPLAUSIBLE
    assert "300 m (30000 m³ / 100 m²" in finding.message


def test_an_element_far_above_its_class_median_is_listed(tmp_path: Path) -> None:
    """Six 0.48 m³ columns and one of 300 m³: 300 / 0.48 = 625 × the median, above 20: a warning (never
    implausible by itself: a class may mix sizes for good reasons)."""
    model = mk.new_model("IFC4", "METRE")
    for i in range(6):
        mk.add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.4, 3.0), position=(i * 5.0, 0.0, 0.0))
    big = mk.add_box(model, "IfcColumn", "C30混凝土", size=(10.0, 10.0, 3.0), position=(50.0, 0.0, 0.0))
    calc = run_calculate(_save(model, tmp_path, "outlier.ifc"), TakeoffOptions())
    [finding] = _findings(calc, "element_volume_outlier")
    assert finding.severity is Severity.WARNING and finding.global_ids == (big.GlobalId,)
    assert "median volume of the model's 7 IfcColumn (0.48 m³)" in finding.message


def test_floor_area_far_from_the_slabs_is_a_warning(tmp_path: Path) -> None:
    """A project floor area of 1 000 m² against one 100 m² floor slab: 90 % apart, over 30 %."""
    model = mk.new_model("IFC4", "METRE")
    mk.add_slab(model, "C30混凝土", size=(10.0, 10.0, 0.2), quantities=True)
    path = _save(model, tmp_path, "area.ifc")
    (tmp_path / "embodied.toml").write_text("[building]\ngross_floor_area_m2 = 1000\n", encoding="utf-8")
    calc = run_calculate(path, NO_GEOMETRY)
    found = _findings(calc, "floor_area_consistency")
    assert found and all(f.severity is Severity.WARNING for f in found)
    assert "differs by 90% from the sum of 1 floor slabs (IfcSlab FLOOR/BASESLAB), 100 m²" in found[0].message


def test_unknown_floor_area_is_said_with_the_key_to_set(tmp_path: Path) -> None:
    """A model without floor slabs: no intensity, and the finding names building.gross_floor_area_m2."""
    model = mk.new_model("IFC4", "METRE")
    mk.add_wall(model, [("C30混凝土", 0.2)], size=(10.0, 3.0), quantities=True)
    path = _save(model, tmp_path, "walls.ifc")
    calc = run_calculate(path, NO_GEOMETRY)
    [finding] = _findings(calc, "intensity_range")
    assert finding.severity is Severity.WARNING and "floor area unknown" in finding.message
    assert "building.gross_floor_area_m2" in finding.hint
    done = embodied("report", path, "-o", tmp_path / "out", "--format", "json", "--no-geometry")
    assert "floor area unknown" in done.stderr and "building.gross_floor_area_m2" in done.stderr
