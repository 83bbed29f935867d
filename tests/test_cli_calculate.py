"""`embodied calculate`: a small model worked by hand through the command, and one-line config errors."""

from __future__ import annotations

import json
from pathlib import Path

import modelkit
import pytest
from shared_models import REPO, embodied

pytestmark = pytest.mark.slow  # subprocesses, PDFs or generated models: `make test-fast` leaves it out

CONFIG = """
[building]
name = "Test"
gross_floor_area_m2 = 100.0
design_life_years = 50

[operation]
electricity_kwh = 10000
grid_factor = "national-2023"

[scope]
include_construction = false
"""


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One C30 column 0.4 x 0.5 x 3.0 m = 0.6 m³ at 2400 kg/m³ (1440 kg), with an embodied.toml beside it."""
    folder = tmp_path_factory.mktemp("calc")
    m = modelkit.new_model("IFC4", "METRE")
    modelkit.material(m, "C30混凝土", density=2400.0)
    modelkit.add_box(m, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0), name="KZ1")
    (folder / "embodied.toml").write_text(CONFIG, encoding="utf-8")
    return modelkit.save(m, folder / "column.ifc", seed="calc")


def test_calculate_by_hand(model: Path, tmp_path: Path) -> None:
    """A1-A3, A4 and B6 of the column, with embodied.toml found beside the model."""
    out = tmp_path / "lca.json"
    done = embodied("calculate", model, "-o", out, "--no-rebar-estimate")
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    modules = doc["totals"]["modules"]
    assert modules["A1-A3"] == pytest.approx(0.6 * 295)  # 177 kgCO2e
    # 1.44 t x 40 km x 0.129 = 7.4304 kgCO2e, 7.43 as the report rounds totals to 3 decimals
    assert modules["A4"] == pytest.approx(1.44 * 40 * 0.129, abs=5e-4)
    assert modules["B6"] == pytest.approx(10000 * 0.5306 * 50)  # 265 300 kgCO2 over 50 years
    assert modules["A5"] is None  # construction switched off: excluded, never 0
    stages = doc["totals"]["stages"]
    assert stages["production"] == pytest.approx(177.0) and stages["construction"] is None
    known = [v for v in stages.values() if v is not None]
    assert doc["totals"]["total_kgco2e"] == pytest.approx(sum(known))
    assert doc["intensity_kgco2e_per_m2"] == pytest.approx(sum(known) / 100.0)
    assert doc["input"]["config_file"] == "embodied.toml" and doc["input"]["config_sha256"]
    assert any(s["switch"] == "include_construction" for s in doc["scope"]["switches"])
    a13 = next(line for line in doc["lines"] if line["module"] == "A1-A3")
    assert "295" in a13["formula"] and a13["factor_id"] == "gbt51366:D:concrete_c30"
    assert "production" in done.stderr and "total" in done.stderr


def test_bad_config_is_one_line_with_file_and_line(model: Path, tmp_path: Path) -> None:
    """An unknown key in the project file: exit 2, one line naming file, line and key."""
    config = tmp_path / "bad.toml"
    config.write_text('[building]\nname = "x"\nfloor_area = 12\n', encoding="utf-8")
    done = embodied("calculate", model, "--config", config)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{config}:3: building.floor_area" in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_sample_with_its_example_config() -> None:
    """The sample building with examples/embodied.toml: stages add up to the total, floor area 192 m²."""
    done = embodied("calculate", REPO / "examples" / "sample_building.ifc", "-q")
    assert done.returncode == 0, done.stderr
    assert "module,stage,label" in done.stdout.splitlines()[0].lstrip("\ufeff")
