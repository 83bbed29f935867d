"""`embodied compare`: consecutive differences explained by cause, summing exactly (hand-checked)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import modelkit
import pytest
import typer
from typer.testing import CliRunner

from embodied.cli.common import run_options
from embodied.cli.compare import CompareArgs, compare, run_compare
from embodied.compare import Cause, VariantSpec, compare_calculations
from embodied.pipeline import MatchOptions, run_calculate

SAMPLE = Path(__file__).resolve().parents[1] / "examples"
NO_REBAR = MatchOptions(rebar_estimate=False)


def walls(path: Path, *, grade: str = "C30", second: bool = True, seed: str = "walls") -> Path:
    """Two C30 walls of 0.2 × 3 × 4 = 2.4 m³ (density 2400 kg/m³); `second=False` leaves out the second."""
    m = modelkit.new_model("IFC4", "METRE")
    name = f"{grade}混凝土"
    modelkit.material(m, name, density=2400.0)
    modelkit.add_box(m, "IfcWall", name, size=(0.2, 3.0, 4.0), name="W1")
    if second:
        modelkit.add_box(m, "IfcWall", name, size=(0.2, 3.0, 4.0), name="W2", position=(5.0, 0.0, 0.0))
    return modelkit.save(m, path, seed=seed)


def ids(calc: object) -> dict[str, str]:
    return {r.name: r.global_id for r in calc.match.takeoff.rows}  # type: ignore[attr-defined]


def compared(*calcs: object):  # type: ignore[no-untyped-def]
    specs = [VariantSpec(chr(65 + i), Path(f"m{i}.ifc")) for i in range(len(calcs))]
    return compare_calculations(specs, calcs)  # type: ignore[arg-type]


def test_a_wall_removed(tmp_path: Path) -> None:
    """W2 gone: −(A1-A3 + A4) of W2. A1-A3: 2.4 m³ × 295 kgCO2e/m³ (C30) = 708;
    A4: 2.4 m³ × 2.4 t/m³ = 5.76 t × 40 km × 0.129 kgCO2e/(t·km) = 29.7216; together −737.7216."""
    a = run_calculate(walls(tmp_path / "a.ifc"), match_options=NO_REBAR)
    b = run_calculate(walls(tmp_path / "b.ifc", second=False), match_options=NO_REBAR)
    assert ids(a)["W1"] == ids(b)["W1"]
    result = compared(a, b)
    step = result.steps[0]
    assert result.variants[0].total_kgco2e == a.lifecycle.total_kgco2e
    assert step.difference_kgco2e == pytest.approx(-737.7216, abs=1e-6)
    assert {line.cause for line in step.causes} == {Cause.REMOVED}
    assert {line.global_id for line in step.causes} == {ids(a)["W2"]}
    by_module = {line.module: line.kgco2e for line in step.causes}
    assert by_module["A1-A3"] == pytest.approx(-708.0, abs=1e-6)
    assert by_module["A4"] == pytest.approx(-29.7216, abs=1e-6)
    assert sum(line.kgco2e for line in step.causes) == pytest.approx(-737.7216, abs=1e-6)


def test_paired_by_shape_when_global_ids_differ(tmp_path: Path) -> None:
    """Another seed: no GlobalId in common; W1 pairs by class + type + storey + volume, so the step is
    still one wall removed (−737.7216) and no wall added."""
    a = run_calculate(walls(tmp_path / "a.ifc"), match_options=NO_REBAR)
    b = run_calculate(walls(tmp_path / "b.ifc", second=False, seed="other"), match_options=NO_REBAR)
    assert not set(ids(a).values()) & set(ids(b).values())
    step = compared(a, b).steps[0]
    assert step.paired_by_shape == 1
    assert {line.cause for line in step.causes} == {Cause.REMOVED}
    assert sum(line.kgco2e for line in step.causes) == pytest.approx(-737.7216, abs=1e-6)


def test_concrete_grade_raised(tmp_path: Path) -> None:
    """C30 (gbt51366:D:concrete_c30, 295) → C40 (derived:concrete_c40, 340) on the same two walls, same
    GlobalIds: "material changed" (another material, another factor id), 2 × 2.4 m³ × (340 − 295) =
    +216 kgCO2e in A1-A3; A4 unchanged (same density, same concrete distance): no A4 cause."""
    a = run_calculate(walls(tmp_path / "a.ifc"), match_options=NO_REBAR)
    b = run_calculate(walls(tmp_path / "b.ifc", grade="C40"), match_options=NO_REBAR)
    assert ids(a) == ids(b)
    step = compared(a, b).steps[0]
    assert {line.cause for line in step.causes} == {Cause.MATERIAL}
    assert {line.module for line in step.causes} == {"A1-A3"}
    assert step.difference_kgco2e == pytest.approx(216.0, abs=1e-6)
    per_wall = {}
    for line in step.causes:
        per_wall[line.global_id] = per_wall.get(line.global_id, 0.0) + line.kgco2e
    assert per_wall == {gid: pytest.approx(108.0, abs=1e-6) for gid in ids(a).values()}
    assert sum(line.kgco2e for line in step.causes) == pytest.approx(216.0, abs=1e-6)


def test_design_life_and_grid_are_settings(tmp_path: Path) -> None:
    """One model, two project files: 10 000 kWh/a at 0.5 kgCO2/kWh for 50 a = 250 000 kgCO2 (B6) and
    at 0.6 for 60 a = 360 000: +110 000, all "setting changed" in B6 (operation)."""
    model = walls(tmp_path / "m.ifc")
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    body = (
        "[building]\ndesign_life_years = {life}\ngross_floor_area_m2 = 100\n"
        "[operation]\nelectricity_kwh = 10000\ngrid_factor = {grid}\n"
    )
    first.write_text(body.format(life=50, grid=0.5), encoding="utf-8")
    second.write_text(body.format(life=60, grid=0.6), encoding="utf-8")
    a = run_calculate(model, config_path=first, match_options=NO_REBAR)
    b = run_calculate(model, config_path=second, match_options=NO_REBAR)
    assert a.lifecycle.modules["B6"] == pytest.approx(250_000.0)
    step = compared(a, b).steps[0]
    assert {(line.cause, line.module, line.stage) for line in step.causes} == {
        (Cause.SETTING, "B6", "operation")
    }
    assert sum(line.kgco2e for line in step.causes) == pytest.approx(110_000.0, abs=1e-6)
    assert step.difference_kgco2e == pytest.approx(110_000.0, abs=1e-6)


def test_sample_against_a_variant_sums_exactly(tmp_path: Path) -> None:
    """The sample against a variant (longer life, farther concrete, other mapping of nothing): three
    variants, each step's causes summing to its difference to 1e-6, the totals each variant's own."""
    config = (SAMPLE / "embodied.toml").read_text(encoding="utf-8")
    longer = tmp_path / "b.toml"
    longer.write_text(
        config.replace("design_life_years = 50 ", "design_life_years = 70 ").replace(
            "concrete_km = 40 ", "concrete_km = 60 "
        ),
        encoding="utf-8",
    )
    model = SAMPLE / "sample_building.ifc"
    calcs = [
        run_calculate(model, config_path=SAMPLE / "embodied.toml"),
        run_calculate(model, config_path=longer),
        run_calculate(model, config_path=longer, match_options=NO_REBAR),
    ]
    result = compared(*calcs)
    for variant, calc in zip(result.variants, calcs, strict=True):
        assert variant.total_kgco2e == calc.lifecycle.total_kgco2e
    for step, (x, y) in zip(result.steps, itertools.pairwise(calcs), strict=True):
        difference = y.lifecycle.total_kgco2e - x.lifecycle.total_kgco2e
        assert sum(line.kgco2e for line in step.causes) == pytest.approx(difference, abs=1e-6)
    assert {line.cause for line in result.steps[0].causes} == {Cause.SETTING}
    assert any(line.module == "A4" and line.global_id for line in result.steps[0].causes)
    assert any(line.cause is Cause.REMOVED or line.cause is Cause.MATERIAL for line in result.steps[1].causes)


def app() -> typer.Typer:
    throwaway = typer.Typer()
    throwaway.command()(compare)
    return throwaway


def test_json_contract_and_files(tmp_path: Path) -> None:
    a, b = walls(tmp_path / "a.ifc"), walls(tmp_path / "b.ifc", second=False)
    out = tmp_path / "out"
    done = CliRunner().invoke(
        app(),
        [
            str(a),
            str(b),
            "--no-rebar-estimate",
            "--no-cache",
            "-o",
            str(out),
            "--format",
            "json,csv,xlsx,html",
        ],
    )
    assert done.exit_code == 0, done.output
    data = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert data["totals"][1] - data["totals"][0] == pytest.approx(-737.7216, abs=1e-6)
    assert len(data["totals"]) == 2
    for cause in data["causes"]:
        assert {"cause", "stage", "material", "global_id", "kgco2e"} <= cause.keys()
    assert {c["cause"] for c in data["causes"]} == {"element removed"}
    assert (out / "compare.csv").read_text(encoding="utf-8-sig").startswith("step,cause,stage")
    assert "<svg" in (out / "compare.html").read_text(encoding="utf-8")
    assert (out / "compare.xlsx").stat().st_size > 0
    assert "A→B: -737.7 kgCO2e" in done.output


@pytest.mark.parametrize(
    "argv",
    [
        ["{a}"],
        ["{a}", "{a}", "--config", "{t}", "--config", "{t}", "--config", "{t}"],
        ["{a}", "{a}", "--format", "docx"],
        ["{a}", "{missing}"],
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, argv: list[str]) -> None:
    a = walls(tmp_path / "a.ifc")
    toml = tmp_path / "t.toml"
    toml.write_text("", encoding="utf-8")
    args = [s.format(a=a, t=toml, missing=tmp_path / "none.ifc") for s in argv]
    done = CliRunner().invoke(app(), args)
    assert done.exit_code == 2, done.output
    assert done.output.strip().startswith("embodied: error:") and len(done.output.strip().splitlines()) == 1


def test_options_record(tmp_path: Path) -> None:
    a = walls(tmp_path / "a.ifc")
    args = CompareArgs((a, a), (), (), (), None, "json", run_options(no_rebar_estimate=True, quiet=True))
    result = run_compare(args)
    assert result.steps[0].causes == () and result.steps[0].difference_kgco2e == 0.0


def test_a_thicker_wall_is_a_quantity_change(tmp_path: Path) -> None:
    """W2 0.2 → 0.25 m thick, same GlobalIds: +0.6 m³ (0.05 × 3 × 4). A1-A3: 0.6 × 295 = 177;
    A4: 0.6 m³ × 2.4 t/m³ × 40 km × 0.129 = 7.4304; both "quantity changed" of W2, no factor effect."""
    a = run_calculate(walls(tmp_path / "a.ifc"), match_options=NO_REBAR)
    m = modelkit.new_model("IFC4", "METRE")
    modelkit.material(m, "C30混凝土", density=2400.0)
    modelkit.add_box(m, "IfcWall", "C30混凝土", size=(0.2, 3.0, 4.0), name="W1")
    modelkit.add_box(m, "IfcWall", "C30混凝土", size=(0.25, 3.0, 4.0), name="W2", position=(5.0, 0.0, 0.0))
    b = run_calculate(modelkit.save(m, tmp_path / "b.ifc", seed="walls"), match_options=NO_REBAR)
    assert ids(a) == ids(b)
    step = compared(a, b).steps[0]
    assert {(line.cause, line.global_id) for line in step.causes} == {(Cause.QUANTITY, ids(a)["W2"])}
    by_module = {line.module: line.kgco2e for line in step.causes}
    assert by_module == {"A1-A3": pytest.approx(177.0, abs=1e-6), "A4": pytest.approx(7.4304, abs=1e-6)}
    assert step.difference_kgco2e == pytest.approx(184.4304, abs=1e-6)


def test_another_factor_value_is_a_factor_change(tmp_path: Path) -> None:
    """The same model against a database whose concrete reads 5 kgCO2e/m³ more (another data version:
    C30 300 instead of 295, C50 390, the grades derived from them +5 too, as their recipe checks):
    "factor changed" in A1-A3, 2 walls × 2.4 m³ × (300 − 295) = +24; A4 unchanged."""
    import csv
    import shutil

    database = tmp_path / "db"
    shutil.copytree(SAMPLE.parent / "material_db", database)
    for name, ids_ in (
        ("gbt51366_2019.csv", ("concrete_c30", "concrete_c50")),
        ("derived.csv", ("concrete_c",)),
    ):
        table = database / "factors" / name
        with table.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            if any(row["factor_id"].split(":")[-1].startswith(i) for i in ids_):
                row["gwp_kgco2e_per_unit"] = f"{float(row['gwp_kgco2e_per_unit']) + 5:g}"
        with table.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    model = walls(tmp_path / "m.ifc")
    a = run_calculate(model, match_options=NO_REBAR)
    b = run_calculate(model, match_options=NO_REBAR, database=database)
    step = compared(a, b).steps[0]
    assert {(line.cause, line.module) for line in step.causes} == {(Cause.FACTOR, "A1-A3")}
    assert sum(line.kgco2e for line in step.causes) == pytest.approx(24.0, abs=1e-6)
    assert step.difference_kgco2e == pytest.approx(24.0, abs=1e-6)
