"""The life cycle per element: a material's lines shared among its elements, summing exactly."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import modelkit
import pytest

from embodied.lifecycle.by_element import by_element
from embodied.pipeline import MatchOptions, run_calculate


def test_two_columns_share_by_volume(tmp_path: Path) -> None:
    """Columns of 0.6 m³ (0.4 × 0.5 × 3.0) and 0.2 m³ (0.2 × 0.5 × 2.0) of C30 (295 kgCO2e/m³):
    A1-A3 177 and 59 kgCO2e; A4 by mass, 1.44 t and 0.48 t × 40 km × 0.129 = 7.4304 and 2.4768."""
    m = modelkit.new_model("IFC4", "METRE")
    modelkit.material(m, "C30混凝土", density=2400.0)
    modelkit.add_box(m, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0), name="big")
    modelkit.add_box(
        m, "IfcColumn", "C30混凝土", size=(0.2, 0.5, 2.0), name="small", position=(3.0, 0.0, 0.0)
    )
    calc = run_calculate(
        modelkit.save(m, tmp_path / "two.ifc", seed="two"), match_options=MatchOptions(rebar_estimate=False)
    )
    names = {r.global_id: r.name for r in calc.match.takeoff.rows}
    found = {names[gid]: e for gid, e in by_element(calc.match, calc.lifecycle).items()}
    assert found["big"].a1_a3 == pytest.approx(177.0) and found["small"].a1_a3 == pytest.approx(59.0)
    assert found["big"].a4 == pytest.approx(7.4304) and found["small"].a4 == pytest.approx(2.4768)
    assert found["big"].total_kgco2e == pytest.approx(184.4304)
    assert found["big"].factor_ids == ("gbt51366:D:concrete_c30",) and found["big"].methods == ("grade",)


def test_the_elements_add_up_to_the_materials() -> None:
    """On the sample: per module, the elements' parts sum to the materials' lines (to 1e-6)."""
    calc = run_calculate(Path(__file__).resolve().parents[1] / "examples" / "sample_building.ifc")
    parts: dict[str, float] = defaultdict(float)
    for element in by_element(calc.match, calc.lifecycle).values():
        for module, kgco2e in element.modules.items():
            parts[module] += kgco2e
    lines: dict[str, float] = defaultdict(float)
    for line in calc.lifecycle.lines:
        if line.material_index is not None and line.kgco2e is not None and not line.separate:
            lines[line.module.value] += line.kgco2e
    assert parts.keys() == lines.keys()
    for module, kgco2e in lines.items():
        assert parts[module] == pytest.approx(kgco2e, abs=1e-6), module
