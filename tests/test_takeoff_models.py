"""The take-off stage on models built in code with tests/modelkit.py, against numbers worked by hand.

Every model here is made of boxes and straight-sided extruded profiles, so the geometry kernel's
volumes are exact up to floating point and every comparison uses rel=1e-6.
"""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import modelkit as mk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embodied import takeoff
from embodied.reading import open_model
from embodied.records import ProblemKind, SplitMethod, TakeoffResult, TakeoffRow, VolumeOrigin

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "sample_building.ifc"
REL = 1e-6

PLASTER, AAC, ROCKWOOL = ("水泥砂浆", 0.02), ("加气混凝土砌块", 0.2), ("岩棉板", 0.08)
HN300 = mk.IShape(depth=0.3, width=0.15, web=0.0065, flange=0.009, name="HN300×150")
HN400 = mk.IShape(depth=0.4, width=0.2, web=0.008, flange=0.013, name="HN400×200")
GLAZED = [mk.Constituent("铝合金型材", 0.3, "Framing"), mk.Constituent("中空玻璃", 0.7, "Glazing")]


def take_off(model: Any) -> TakeoffResult:
    """Write the model, read it back as a user's file would be, and take it off."""
    with tempfile.TemporaryDirectory() as tmp:
        return takeoff.run(open_model(mk.save(model, Path(tmp) / "model.ifc")))


def rows_of(result: TakeoffResult, name: str) -> list[TakeoffRow]:
    rows = [r for r in result.rows if r.name == name]
    assert rows, f"no row for {name!r}"
    return rows


def volume_of(result: TakeoffResult, name: str) -> float:
    return sum(r.volume_m3 or 0.0 for r in rows_of(result, name))


def layered_wall(model: Any, layers: Sequence[mk.Layer], name: str = "W1") -> Any:
    """A 5 m × 3 m wall with a 1.2 m × 1.5 m opening 1 m along it, 0.9 m up."""
    wall = mk.add_wall(model, layers, size=(5.0, 3.0), name=name)
    mk.add_opening(model, wall, size=(1.2, 1.5), at=(1.0, 0.9))
    return wall


def test_layered_wall_with_opening_gives_net_volume_per_layer() -> None:
    """Each layer of a wall with an opening gets the net geometry volume × its thickness share."""
    model = mk.new_model()
    layered_wall(model, [PLASTER, AAC, ROCKWOOL])
    rows = rows_of(take_off(model), "W1")
    net_area = 5.0 * 3.0 - 1.2 * 1.5  # 13.2 m²
    assert [r.material for r in rows] == ["水泥砂浆", "加气混凝土砌块", "岩棉板"]
    assert [r.volume_m3 for r in rows] == [
        pytest.approx(0.02 * net_area, rel=REL),  # 0.264 m³
        pytest.approx(0.2 * net_area, rel=REL),  # 2.64 m³
        pytest.approx(0.08 * net_area, rel=REL),  # 1.056 m³
    ]
    assert sum(r.volume_m3 or 0.0 for r in rows) == pytest.approx(0.3 * net_area, rel=REL)
    for index, (row, thickness) in enumerate(zip(rows, (0.02, 0.2, 0.08), strict=True), start=1):
        assert row.layer_index == index
        assert row.share == pytest.approx(thickness / 0.3, rel=REL)
        assert row.layer_thickness_m == pytest.approx(thickness, rel=REL)
        assert row.split_method is SplitMethod.LAYER_THICKNESS
        assert row.volume_origin is VolumeOrigin.GEOMETRY
        assert row.quantity_source.startswith("geometry")
        assert f"layer {index}/3" in row.quantity_source
        assert row.material_kind == "IfcMaterialLayerSetUsage"


def test_slab_without_base_quantities_is_measured_from_geometry() -> None:
    """A slab with no quantity set takes its volume from the body solid."""
    model = mk.new_model()
    mk.add_slab(model, "C30混凝土", size=(6.0, 4.0, 0.2), name="S1")
    result = take_off(model)
    (row,) = rows_of(result, "S1")
    assert row.volume_m3 == pytest.approx(6.0 * 4.0 * 0.2, rel=REL)  # 4.8 m³
    assert row.quantity_source.startswith("geometry")
    assert row.volume_origin is VolumeOrigin.GEOMETRY
    assert result.checks == ()


def test_slab_base_quantities_are_preferred_and_checked_against_geometry() -> None:
    """A slab's Qto NetVolume is used, and a check against its geometry is recorded."""
    model = mk.new_model()
    mk.add_slab(model, "C30混凝土", size=(6.0, 4.0, 0.2), name="S1", quantities=True)
    result = take_off(model)
    (row,) = rows_of(result, "S1")
    assert row.volume_m3 == pytest.approx(6.0 * 4.0 * 0.2, rel=REL)
    assert row.quantity_source == "base:Qto_SlabBaseQuantities.NetVolume"
    assert row.volume_origin is VolumeOrigin.BASE
    assert row.area_m2 == pytest.approx(6.0 * 4.0, rel=REL)  # NetArea
    (check,) = result.checks
    assert check.base_quantity == "Qto_SlabBaseQuantities.NetVolume"
    assert check.difference == pytest.approx(0.0, abs=1e-9)
    assert result.disagreements == ()


def test_wrong_base_net_volume_is_used_but_listed_as_a_disagreement() -> None:
    """A NetVolume 10 % above the geometry is a disagreement; one 4 % above is within tolerance."""
    model = mk.new_model()
    true_volume = 6.0 * 4.0 * 0.2  # 4.8 m³
    mk.add_slab(
        model, "C30混凝土", size=(6.0, 4.0, 0.2), name="S+10", quantities={"NetVolume": true_volume * 1.10}
    )
    mk.add_slab(
        model, "C30混凝土", size=(6.0, 4.0, 0.2), name="S+4", quantities={"NetVolume": true_volume * 1.04}
    )
    result = take_off(model)
    assert volume_of(result, "S+10") == pytest.approx(5.28, rel=REL)  # 4.8 × 1.10: the base value wins
    (wrong,) = result.disagreements
    assert wrong.name == "S+10"
    assert wrong.base_volume_m3 == pytest.approx(5.28, rel=REL)
    assert wrong.geometry_volume_m3 == pytest.approx(4.8, rel=REL)
    assert wrong.difference == pytest.approx(0.10, rel=REL)
    assert "disagreement" in rows_of(result, "S+10")[0].note
    assert "disagreement" not in rows_of(result, "S+4")[0].note
    assert result.summary()["quantity_disagreements"] == 1


def test_concrete_columns_take_their_whole_volume() -> None:
    """Rectangular C30 columns get width × depth × height and a single material row each."""
    model = mk.new_model()
    mk.add_column(model, "C30混凝土", size=(0.4, 0.4, 3.0), name="KZ1")
    mk.add_column(model, "C30混凝土", size=(0.3, 0.5, 3.6), name="KZ2", position=(4.0, 0.0, 0.0))
    result = take_off(model)
    (kz1,), (kz2,) = rows_of(result, "KZ1"), rows_of(result, "KZ2")
    assert kz1.volume_m3 == pytest.approx(0.4 * 0.4 * 3.0, rel=REL)  # 0.48 m³
    assert kz2.volume_m3 == pytest.approx(0.3 * 0.5 * 3.6, rel=REL)  # 0.54 m³
    for row, height in ((kz1, 3.0), (kz2, 3.6)):
        assert (row.material, row.material_kind, row.share) == ("C30混凝土", "IfcMaterial", 1.0)
        assert row.split_method is SplitMethod.WHOLE
        assert row.length_m == pytest.approx(height, rel=REL)  # the extrusion depth


@pytest.mark.parametrize(
    ("shape", "length", "area"),
    [
        (HN300, 6.0, 2 * 0.15 * 0.009 + (0.3 - 2 * 0.009) * 0.0065),  # 0.004533 m²
        (HN400, 4.5, 2 * 0.2 * 0.013 + (0.4 - 2 * 0.013) * 0.008),  # 0.008192 m²
    ],
)
def test_steel_beam_volume_is_profile_area_times_length(shape: mk.IShape, length: float, area: float) -> None:
    """An I-beam with a profile set gets profile area × length, cross-checked by its geometry."""
    model = mk.new_model()
    mk.add_beam(model, "Q355钢", shape, length=length, name="GL1")
    result = take_off(model)
    (row,) = rows_of(result, "GL1")
    assert row.volume_m3 == pytest.approx(area * length, rel=REL)
    assert row.quantity_source.startswith("profile")
    assert row.volume_origin is VolumeOrigin.PROFILE
    assert (row.material, row.material_kind) == ("Q355钢", "IfcMaterialProfileSetUsage")
    assert row.length_m == pytest.approx(length, rel=REL)
    (check,) = result.checks
    assert check.geometry_volume_m3 == pytest.approx(area * length, rel=REL)


def test_constituent_set_without_fractions_is_an_equal_split_and_an_assumption() -> None:
    """Two constituents without Fraction share a 1 m³ box half and half, flagged as an assumption."""
    model = mk.new_model()
    box = mk.add_box(
        model,
        "IfcBuildingElementProxy",
        [mk.Constituent("A料"), mk.Constituent("B料")],
        size=(1.0, 1.0, 1.0),
        name="P",
    )
    result = take_off(model)
    rows = rows_of(result, "P")
    assert [r.volume_m3 for r in rows] == [pytest.approx(0.5, rel=REL)] * 2  # 1 × 1 × 1 / 2
    assert all(r.split_method is SplitMethod.EQUAL for r in rows)
    assert all("assumption" in r.note for r in rows)
    assert result.elements_with(ProblemKind.ASSUMPTION) == (box.GlobalId,)


def test_constituent_set_with_fractions_splits_by_fraction() -> None:
    """A window's frame and glass constituents get 30 % and 70 % of its volume, with no assumption."""
    model = mk.new_model()
    wall = mk.add_wall(model, [AAC], size=(4.0, 3.0), name="W")
    mk.add_window(model, wall, GLAZED, size=(1.2, 1.5), at=(1.0, 0.9), name="C1")
    result = take_off(model)
    frame, glass = rows_of(result, "C1")
    window = 1.2 * 1.5 * 0.08  # 0.144 m³: the kit's windows are 8 cm deep
    assert (frame.material, glass.material) == ("铝合金型材", "中空玻璃")
    assert frame.volume_m3 == pytest.approx(0.3 * window, rel=REL)  # 0.0432 m³
    assert glass.volume_m3 == pytest.approx(0.7 * window, rel=REL)  # 0.1008 m³
    assert frame.split_method is glass.split_method is SplitMethod.FRACTION
    assert frame.area_m2 == pytest.approx(1.2 * 1.5, rel=REL)  # OverallWidth × OverallHeight
    assert volume_of(result, "W") == pytest.approx(0.2 * (4.0 * 3.0 - 1.2 * 1.5), rel=REL)  # 2.04 m³
    assert result.elements_with(ProblemKind.ASSUMPTION) == ()


def test_material_on_the_type_is_used_for_occurrences_without_their_own() -> None:
    """Columns and walls typed by a type carrying the material get it with material_source 'type'."""
    model = mk.new_model()
    column_type = mk.add_type(model, "IfcColumnType", "KZ-300", "C40混凝土")
    wall_type = mk.add_type(model, "IfcWallType", "内墙-240", [PLASTER, AAC, PLASTER])
    mk.add_column(model, None, size=(0.3, 0.3, 3.0), element_type=column_type, name="KZ")
    mk.add_wall(model, None, size=(4.0, 3.0), element_type=wall_type, name="NQ", position=(2.0, 0.0, 0.0))
    result = take_off(model)
    (column,) = rows_of(result, "KZ")
    assert (column.material, column.material_source, column.type_name) == ("C40混凝土", "type", "KZ-300")
    assert column.volume_m3 == pytest.approx(0.3 * 0.3 * 3.0, rel=REL)
    wall = rows_of(result, "NQ")
    assert [r.material_source for r in wall] == ["type"] * 3
    expected = [t * 4.0 * 3.0 for t in (0.02, 0.2, 0.02)]  # 0.24, 2.4, 0.24 m³
    assert [r.volume_m3 for r in wall] == [pytest.approx(v, rel=REL) for v in expected]
    assert result.elements_with(ProblemKind.NO_MATERIAL) == ()


def small_building(length_unit: mk.LengthUnit) -> Any:
    """One of each: layered wall with opening and window, slab (with base quantities), column, beam."""
    model = mk.new_model("IFC4", length_unit)
    mk.material(model, "C30混凝土", density=2400.0)
    wall = layered_wall(model, [PLASTER, AAC, ROCKWOOL])
    mk.add_window(model, wall, GLAZED, size=(1.2, 1.5), at=(1.0, 0.9), name="C1")
    mk.add_slab(
        model, "C30混凝土", size=(6.0, 4.0, 0.2), position=(0.0, 0.0, 3.0), name="S1", quantities=True
    )
    mk.add_column(model, "C30混凝土", size=(0.4, 0.4, 3.0), position=(5.5, 2.0, 0.0), name="KZ1")
    mk.add_beam(model, "Q355钢", HN300, length=6.0, position=(0.0, 2.0, 2.85), name="GL1")
    return model


@pytest.mark.parametrize("length_unit", ["MILLIMETRE", "METRE", "FOOT"])
def test_same_building_in_mm_m_and_ft_gives_the_same_si_volumes(length_unit: mk.LengthUnit) -> None:
    """The same building in millimetres, metres and feet gives the same SI volumes and masses."""
    result = take_off(small_building(length_unit))
    net_wall = 5.0 * 3.0 - 1.2 * 1.5  # 13.2 m²
    expected = {
        ("W1", "水泥砂浆"): 0.02 * net_wall,
        ("W1", "加气混凝土砌块"): 0.2 * net_wall,
        ("W1", "岩棉板"): 0.08 * net_wall,
        ("C1", "铝合金型材"): 0.3 * 1.2 * 1.5 * 0.08,
        ("C1", "中空玻璃"): 0.7 * 1.2 * 1.5 * 0.08,
        ("S1", "C30混凝土"): 6.0 * 4.0 * 0.2,  # from Qto (in ft³ for the foot model)
        ("KZ1", "C30混凝土"): 0.4 * 0.4 * 3.0,
        ("GL1", "Q355钢"): (2 * 0.15 * 0.009 + (0.3 - 2 * 0.009) * 0.0065) * 6.0,
    }
    got = {(r.name, r.material): r.volume_m3 for r in result.rows}
    assert got == {key: pytest.approx(value, rel=REL) for key, value in expected.items()}
    assert volume_of(result, "KZ1") * 2400.0 == pytest.approx(rows_of(result, "KZ1")[0].mass_kg, rel=REL)
    assert result.disagreements == ()
    assert [p for p in result.problems if p.kind is ProblemKind.UNITS] == []


@pytest.mark.parametrize("schema", ["IFC2X3", "IFC4", "IFC4X3"])
def test_wall_and_slab_in_each_schema(schema: mk.Schema) -> None:
    """A layered wall with an opening and a slab with base quantities come out alike in every schema."""
    model = mk.new_model(schema, "MILLIMETRE")
    layered_wall(model, [PLASTER, AAC])
    mk.add_slab(
        model, "C30混凝土", size=(6.0, 4.0, 0.2), position=(0.0, 0.0, 3.0), name="S1", quantities=True
    )
    result = take_off(model)
    assert result.model.schema == schema
    net_wall = 5.0 * 3.0 - 1.2 * 1.5
    assert [r.volume_m3 for r in rows_of(result, "W1")] == [
        pytest.approx(0.02 * net_wall, rel=REL),  # 0.264 m³
        pytest.approx(0.2 * net_wall, rel=REL),  # 2.64 m³
    ]
    (slab,) = rows_of(result, "S1")
    assert slab.volume_m3 == pytest.approx(4.8, rel=REL)
    assert slab.quantity_source == "base:Qto_SlabBaseQuantities.NetVolume"
    assert [e.ifc_class for e in result.excluded] == ["IfcOpeningElement"]


def test_modelkit_refuses_profile_and_constituent_sets_in_ifc2x3() -> None:
    """IFC2X3 has no profile or constituent sets: the kit says so instead of writing a bad file."""
    model = mk.new_model("IFC2X3")
    with pytest.raises(ValueError, match="IfcMaterialProfileSet"):
        mk.add_beam(model, "Q355钢", HN300, length=6.0)
    with pytest.raises(ValueError, match="IfcMaterialConstituentSet"):
        mk.add_box(model, "IfcWindow", GLAZED, size=(1.0, 0.1, 1.0))


def test_assembly_and_roof_are_listed_once_and_their_parts_counted() -> None:
    """Wholes get a 'parts' row without volume, so the volume total is the parts' sum only."""
    model = mk.new_model()
    plate = mk.add_box(
        model, "IfcPlate", "Q355钢", size=(2.4, 1.2, 0.01), name="雨棚板", position=(0.0, 0.0, 2.6)
    )
    arms = [
        mk.add_box(
            model, "IfcMember", "Q355钢", size=(0.1, 1.2, 0.1), name=f"挑梁{i}", position=(x, 0.0, 2.5)
        )
        for i, x in enumerate((0.1, 2.2), start=1)
    ]
    assembly = mk.add_aggregate(model, "IfcElementAssembly", [plate, *arms], name="雨棚")
    roof_slab = mk.add_slab(model, "C30混凝土", size=(6.0, 4.0, 0.12), name="屋面板", predefined_type="ROOF")
    mk.add_aggregate(model, "IfcRoof", [roof_slab], name="屋面")
    result = take_off(model)
    parts = 2.4 * 1.2 * 0.01 + 2 * (0.1 * 1.2 * 0.1) + 6.0 * 4.0 * 0.12  # 0.0288 + 0.024 + 2.88 m³
    assert sum(r.volume_m3 or 0.0 for r in result.rows) == pytest.approx(parts, rel=REL)
    for whole, ifc_class in (("雨棚", "IfcElementAssembly"), ("屋面", "IfcRoof")):
        (row,) = rows_of(result, whole)
        assert (row.ifc_class, row.quantity_source, row.volume_m3) == (ifc_class, "parts", None)
        assert row.volume_origin is VolumeOrigin.PARTS
    assert "3 parts" in rows_of(result, "雨棚")[0].note
    assert {r.storey for r in result.rows} == {"Level 1"}  # parts reach their storey through the whole
    assert result.element_ids.count(assembly.GlobalId) == 1


def test_element_without_material_is_kept_with_a_problem() -> None:
    """An element with no material still gets a row with its volume, and a no_material problem."""
    model = mk.new_model()
    plinth = mk.add_box(model, "IfcBuildingElementProxy", None, size=(1.0, 2.0, 3.0), name="设备基础")
    result = take_off(model)
    (row,) = rows_of(result, "设备基础")
    assert (row.material, row.material_kind, row.share) == (None, None, None)
    assert row.volume_m3 == pytest.approx(1.0 * 2.0 * 3.0, rel=REL)
    assert "no material" in row.note
    assert result.elements_with(ProblemKind.NO_MATERIAL) == (plinth.GlobalId,)
    assert result.summary()["elements_without_material"] == 1


@pytest.mark.parametrize("schema", ["IFC2X3", "IFC4"])
def test_mass_is_volume_times_model_density(schema: mk.Schema) -> None:
    """Mass is volume × MassDensity where the model gives a density, and None where it does not."""
    model = mk.new_model(schema)
    mk.material(model, "C30混凝土", density=2400.0)
    mk.material(model, "加气混凝土砌块", density=625.0)
    mk.add_column(model, "C30混凝土", size=(0.4, 0.4, 3.0), name="KZ1")
    mk.add_wall(model, [PLASTER, AAC], size=(4.0, 3.0), name="W", position=(1.0, 0.0, 0.0))
    result = take_off(model)
    (column,) = rows_of(result, "KZ1")
    assert column.mass_kg == pytest.approx(0.4 * 0.4 * 3.0 * 2400.0, rel=REL)  # 1152 kg
    assert (column.density_kg_m3, column.mass_source) == (2400.0, "volume × model MassDensity")
    plaster, block = rows_of(result, "W")
    assert block.mass_kg == pytest.approx(0.2 * 4.0 * 3.0 * 625.0, rel=REL)  # 2.4 m³ → 1500 kg
    assert (plaster.mass_kg, plaster.density_kg_m3) == (None, None)
    assert "no density in the model" in plaster.note
    densities = [p for p in result.problems if p.kind is ProblemKind.DENSITY]
    assert [p.message.split("'")[1] for p in densities] == ["水泥砂浆"]  # once per material, never a 0 kg


def test_steel_beam_mass_from_density() -> None:
    """A Q355 beam at 7850 kg/m³ weighs its profile volume × 7850."""
    model = mk.new_model()
    mk.material(model, "Q355钢", density=7850.0)
    mk.add_beam(model, "Q355钢", HN300, length=6.0, name="GL1")
    (row,) = rows_of(take_off(model), "GL1")
    assert row.mass_kg == pytest.approx(HN300.area_m2 * 6.0 * 7850.0, rel=REL)  # 0.027198 m³ → 213.5 kg


def test_sample_building_opens_and_every_row_has_a_quantity_or_a_note() -> None:
    """The committed sample reads cleanly: every row has a volume or says why not."""
    result = takeoff.run(open_model(SAMPLE))
    assert result.model.schema == "IFC4"
    assert result.model.units.length_m == 0.001
    assert all(r.volume_m3 is not None or r.note for r in result.rows)
    assert result.summary()["elements_without_quantity"] == 0
    assert result.disagreements == ()
    assert {r.storey for r in result.rows} == {"一层", "二层"}
    assert volume_of(result, "二层楼板") == pytest.approx(12.0 * 8.0 * 0.12, rel=REL)  # base NetVolume
    assert volume_of(result, "一层地面") == pytest.approx(12.0 * 8.0 * 0.15, rel=REL)  # geometry
    assert result.elements_with(ProblemKind.NO_MATERIAL) == ()  # every element has its material


def test_sample_building_is_what_its_script_writes(tmp_path: Path) -> None:
    """examples/sample_building.ifc is regenerated by examples/make_sample.py, never edited by hand."""
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "examples" / "make_sample.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    fresh = script.write(tmp_path / SAMPLE.name)
    assert fresh.read_bytes() == SAMPLE.read_bytes(), "run: python examples/make_sample.py"


def test_length_of_walls_and_slabs_without_base_quantities() -> None:
    """Without base quantities, a wall's length is its run and a slab's is not its thickness."""
    model = mk.new_model()
    mk.add_wall(model, [AAC], size=(5.0, 3.0), name="W")
    mk.add_slab(model, "C30混凝土", size=(6.0, 4.0, 0.2), name="S", position=(0.0, 1.0, 0.0))
    result = take_off(model)
    assert rows_of(result, "W")[0].length_m == pytest.approx(5.0, rel=REL)  # from its axis polyline
    assert rows_of(result, "S")[0].length_m in (
        None,
        pytest.approx(6.0, rel=REL),
    )  # never its 0.2 m thickness


def test_constituent_with_zero_fraction_gets_no_volume() -> None:
    """Fractions 1.0 and 0.0 give the whole volume to the first constituent and none to the second."""
    model = mk.new_model()
    mk.add_box(
        model,
        "IfcBuildingElementProxy",
        [mk.Constituent("A料", 1.0), mk.Constituent("B料", 0.0)],
        size=(1.0, 1.0, 1.0),
        name="P",
    )
    first, second = rows_of(take_off(model), "P")
    assert first.volume_m3 == pytest.approx(1.0, rel=REL)
    assert second.volume_m3 == pytest.approx(0.0, abs=1e-12)
    assert first.split_method is SplitMethod.FRACTION


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=0.001, max_value=0.5), min_size=1, max_size=5))
def test_layer_volumes_sum_to_the_wall_and_follow_thickness(thicknesses: list[float]) -> None:
    """For any layer thicknesses, layer volumes add up to the wall's and are proportional to thickness."""
    model = mk.new_model("IFC4", "METRE")
    mk.add_wall(model, [(f"材料{i}", t) for i, t in enumerate(thicknesses)], size=(4.0, 3.0), name="W")
    rows = rows_of(take_off(model), "W")
    total = sum(thicknesses)
    element = 4.0 * 3.0 * total  # the wall's volume, m³
    assert sum(r.volume_m3 or 0.0 for r in rows) == pytest.approx(element, rel=REL)
    for row, thickness in zip(rows, thicknesses, strict=True):
        assert row.volume_m3 == pytest.approx(element * thickness / total, rel=REL)
        assert row.share == pytest.approx(thickness / total, rel=REL)


def test_floor_area_of_the_sample_is_its_two_floor_slabs() -> None:
    """Floor area = the FLOOR slabs: 12 m x 8 m x 2 storeys = 192 m², roof slabs left out."""
    from embodied.takeoff.area import floor_area

    area, how = floor_area(takeoff.run(open_model(SAMPLE)))
    assert area == pytest.approx(12.0 * 8.0 * 2, rel=REL)
    assert "1 by base quantity, 1 by geometry footprint" in how


def test_slab_area_from_geometry_footprint() -> None:
    """A slab without base quantities gets its top-view area from geometry: 6 m x 4 m = 24 m²."""
    model = mk.new_model()
    mk.add_slab(model, "C30混凝土", size=(6.0, 4.0, 0.2), name="S")
    (slab,) = rows_of(take_off(model), "S")
    assert slab.area_m2 == pytest.approx(6.0 * 4.0, rel=REL)
    assert slab.area_source == "geometry footprint (top view)"
