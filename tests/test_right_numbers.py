"""Numbers that were wrong before issue 15, each computed by hand: a per-m² product as a layer, and a
coverage share that may not be printed while part of the building has no known mass."""

from __future__ import annotations

from pathlib import Path

import modelkit as mk
import pytest

from embodied.pipeline import report_model, run_calculate
from embodied.report.render_json import document
from embodied.takeoff import TakeoffOptions


def test_a_per_m2_panel_layer_takes_the_wall_face(tmp_path: Path) -> None:
    """Wall 10 m × 3 m, C30 0.200 m + 铝塑复合板 0.004 m, no area quantity: the panel is 30 m² × 8.06 =
    241.8 kgCO2e (its volume 10 × 3 × 0.004 = 0.12 m³ / its thickness 0.004 m = 30 m²)."""
    model = mk.new_model("IFC4", "METRE")
    mk.add_wall(model, [("C30混凝土", 0.2), ("铝塑复合板", 0.004)], size=(10.0, 3.0))
    path = mk.save(model, tmp_path / "panel_wall.ifc", seed="panel")
    calc = run_calculate(path, TakeoffOptions())  # the volume from geometry; walls carry no area of their own
    [panel] = [m for m in calc.match.materials if m.material == "铝塑复合板"]
    assert panel.declared_unit == "m2" and panel.gwp_kgco2e_per_unit == 8.06
    assert panel.area_m2 == pytest.approx(30.0)
    assert panel.quantity == pytest.approx(30.0)
    assert "layer volume / layer thickness" in panel.note
    [line] = [x for x in calc.lifecycle.lines if x.material == "铝塑复合板" and x.module.value == "A1-A3"]
    assert line.kgco2e == pytest.approx(30.0 * 8.06)  # 241.8 kgCO2e


def test_coverage_is_never_100_percent_beside_unknown_mass(tmp_path: Path) -> None:
    """10 m³ of C30 (24 800 kg with its rebar) beside 100 m³ of an unknown material: no share."""
    model = mk.new_model("IFC4", "METRE")
    mk.add_box(model, "IfcWall", "C30混凝土", size=(10.0, 1.0, 1.0))
    mk.add_box(model, "IfcWall", "Xyloquartz 7", size=(10.0, 10.0, 1.0), position=(0.0, 5.0, 0.0))
    path = mk.save(model, tmp_path / "unknown.ifc", seed="unknown")
    calc = run_calculate(path, TakeoffOptions())
    coverage = calc.match.coverage
    # 10 m³ × 2400 kg/m³ = 24 000 kg of concrete, + its rebar estimate 10 m³ × 80 kg/m³ (IfcWall) = 800 kg
    assert coverage.matched_mass_kg == pytest.approx(10.0 * 2400.0 + 10.0 * 80.0)
    assert coverage.known_share == pytest.approx(1.0)  # only over the known mass: never printed as the share
    assert coverage.share is None and not coverage.rule_met
    assert coverage.unknown_volume_m3 == pytest.approx(100.0)
    assert coverage.share_text.startswith("cannot be established: 100.0 m³ of unmatched materials")
    doc = document(report_model(calc))
    assert doc["coverage"]["mass_fraction_matched"] is None
    assert doc["coverage"]["unknown_mass_volume_m3"] == pytest.approx(100.0)
    assert doc["coverage"]["rule_met"] is False
