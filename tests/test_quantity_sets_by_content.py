"""Quantity sets read by their content (unnamed and tool sets), quantities of the wrong entity read by
their name, and elements the geometry kernel does not build: on small models written in code."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import ifcopenshell
import modelkit as mk
import pytest

from embodied import takeoff
from embodied.reading import open_model
from embodied.records import ProblemKind, TakeoffResult, TakeoffRow, VolumeOrigin
from embodied.takeoff import geometry as geom
from embodied.takeoff import unbuilt
from embodied.takeoff.index import quantity_set_rank

REL = 1e-6
NO_GEOMETRY = takeoff.TakeoffOptions(use_geometry=False)


def take_off(model: Any, options: takeoff.TakeoffOptions | None = None) -> TakeoffResult:
    """Write the model, read it back as a user's file would be, and take it off."""
    with tempfile.TemporaryDirectory() as tmp:
        return takeoff.run(open_model(mk.save(model, Path(tmp) / "model.ifc")), options)


def row_of(result: TakeoffResult, name: str) -> TakeoffRow:
    [row] = [r for r in result.rows if r.name == name]
    return row


def renga_like() -> Any:
    """An IFC2X3 model in millimetres with no area or volume unit (as Renga writes them)."""
    model = mk.new_model("IFC2X3", "MILLIMETRE")
    mk.remove_units(model, "AREAUNIT", "VOLUMEUNIT")
    return model


def test_every_set_is_ranked_and_the_named_ones_first() -> None:
    """Qto_*BaseQuantities 0, BaseQuantities 1, any other name (also "" and None) 2."""
    assert quantity_set_rank("Qto_SlabBaseQuantities") == 0
    assert quantity_set_rank("BaseQuantities") == 1
    assert [quantity_set_rank(n) for n in ("", None, "ArchiCADQuantities", "Dimensions")] == [2, 2, 2, 2]


def test_unnamed_set_in_a_millimetre_model_without_volume_unit() -> None:
    """Slab 10 × 5 × 0.2 m = 10 m³ written as NetVolume 1.0e10 mm³ in an unnamed set: 10 m³ (mm³ is the
    cube of the length unit), its area NetArea 5.0e7 mm² = 50 m²; said to come from "(unnamed set)"."""
    model = renga_like()
    slab = mk.add_slab(model, "C30混凝土", size=(10.0, 5.0, 0.2), name="S")
    mk.add_raw_quantities(
        model, slab, "", [("IfcQuantityVolume", "NetVolume", 1.0e10), ("IfcQuantityArea", "NetArea", 5.0e7)]
    )
    result = take_off(model, NO_GEOMETRY)
    assert result.model.units.volume_m3 == pytest.approx(1e-9)  # (0.001 m)³
    assert "no volume unit declared: the cube of the length unit assumed" in {
        p.message for p in result.problems
    }
    row = row_of(result, "S")
    assert row.volume_m3 == pytest.approx(10.0 * 5.0 * 0.2, rel=REL)  # 1.0e10 mm³ × 1e-9 = 10 m³
    assert row.quantity_source == "base:(unnamed set).NetVolume"
    assert row.area_m2 == pytest.approx(10.0 * 5.0, rel=REL)  # 5.0e7 mm² × 1e-6 = 50 m²
    assert row.area_source == "base:(unnamed set).NetArea"
    assert "no geometry volume to check it against" in row.note


def test_unnamed_volume_that_agrees_with_geometry_is_used_and_checked() -> None:
    """With geometry: the unnamed set's 10 m³ against the solid's 10 m³: used, and kept as a check."""
    model = renga_like()
    slab = mk.add_slab(model, "C30混凝土", size=(10.0, 5.0, 0.2), name="S")
    mk.add_raw_quantities(model, slab, None, [("IfcQuantityVolume", "GrossVolume", 1.0e10)])
    result = take_off(model)
    row = row_of(result, "S")
    assert row.volume_origin is VolumeOrigin.BASE and row.quantity_source == "base:(unnamed set).GrossVolume"
    assert row.volume_m3 == pytest.approx(10.0, rel=REL)
    [check] = result.checks
    assert (check.base_quantity, check.geometry_volume_m3) == (
        "(unnamed set).GrossVolume",
        pytest.approx(10.0),
    )
    assert not result.disagreements


def test_unnamed_volume_that_disagrees_with_geometry_gives_way_and_is_listed() -> None:
    """An unnamed NetVolume of 2.0e10 mm³ = 20 m³ on a 10 m³ slab (+100 %): the geometry's 10 m³ is
    used, the pair is a listed disagreement and the note says why."""
    model = renga_like()
    slab = mk.add_slab(model, "C30混凝土", size=(10.0, 5.0, 0.2), name="S")
    mk.add_raw_quantities(model, slab, "", [("IfcQuantityVolume", "NetVolume", 2.0e10)])
    result = take_off(model)
    row = row_of(result, "S")
    assert row.volume_origin is VolumeOrigin.GEOMETRY
    assert row.volume_m3 == pytest.approx(10.0, rel=REL)
    [check] = result.disagreements
    assert check.base_volume_m3 == pytest.approx(20.0) and check.difference == pytest.approx(1.0)
    assert "geometry preferred to base:(unnamed set).NetVolume (20.0000 m³)" in row.note


def test_a_named_set_beats_a_tool_set_for_the_same_kind() -> None:
    """Qto_SlabBaseQuantities gives GrossVolume 10 m³, ArchiCADQuantities a NetVolume of 9 m³ and
    a Width: the named set's volume wins (though Net comes before Gross by name); the tool set gives
    the length only the named set lacks (Length 10 m in the named set: it wins too)."""
    model = mk.new_model("IFC4", "METRE")
    slab = mk.add_slab(model, "C30混凝土", size=(10.0, 5.0, 0.2), name="S")
    mk.add_quantities(model, slab, "Qto_SlabBaseQuantities", {"GrossVolume": 10.0, "Length": 10.0})
    mk.add_raw_quantities(
        model,
        slab,
        "ArchiCADQuantities",
        [("IfcQuantityVolume", "NetVolume", 9.0), ("IfcQuantityArea", "NetArea", 50.0)],
    )
    row = row_of(take_off(model, NO_GEOMETRY), "S")
    assert (
        row.volume_m3 == pytest.approx(10.0)
        and row.quantity_source == "base:Qto_SlabBaseQuantities.GrossVolume"
    )
    assert row.length_m == pytest.approx(10.0) and row.length_source == "base:Qto_SlabBaseQuantities.Length"
    assert row.area_m2 == pytest.approx(50.0) and row.area_source == "base:ArchiCADQuantities.NetArea"


def test_volume_written_as_an_area_is_read_by_its_name_and_flagged() -> None:
    """NetVolume 1.0e10 written as an IfcQuantityArea in a millimetre project: a volume, 1.0e10 mm³ =
    10 m³ (scaled as an area, mm² × 1e-6, it would be 10 000, a factor 1000 off), with a note and an
    assumption naming the element, the set and the quantity."""
    model = renga_like()
    slab = mk.add_slab(model, "C30混凝土", size=(10.0, 5.0, 0.2), name="S")
    mk.add_raw_quantities(model, slab, "", [("IfcQuantityArea", "NetVolume", 1.0e10)])
    result = take_off(model, NO_GEOMETRY)
    row = row_of(result, "S")
    assert row.volume_m3 == pytest.approx(10.0, rel=REL)
    text = (
        "(unnamed set).NetVolume is written as an IfcQuantityArea, not an IfcQuantityVolume: read by its "
        "name, as a volume in the project's volume unit"
    )
    assert text in row.note
    [problem] = [p for p in result.problems if p.message == text]
    assert problem.kind is ProblemKind.ASSUMPTION and problem.global_id == slab.GlobalId


def test_flagged_quantity_in_a_named_set_too() -> None:
    """A Qto_WallBaseQuantities.NetVolume written as an IfcQuantityLength (as an IFC2X3 file of the shared
    models does): 3.6 m³ read as a volume (metre project: same number), flagged."""
    model = mk.new_model("IFC4", "METRE")
    wall = mk.add_wall(model, [("C30混凝土", 0.2)], size=(6.0, 3.0), name="W")
    mk.add_raw_quantities(model, wall, "Qto_WallBaseQuantities", [("IfcQuantityLength", "NetVolume", 3.6)])
    result = take_off(model, NO_GEOMETRY)
    row = row_of(result, "W")
    assert row.volume_m3 == pytest.approx(6.0 * 3.0 * 0.2)  # 3.6 m³
    assert any("NetVolume is written as an IfcQuantityLength" in p.message for p in result.problems)


# -- elements the kernel does not build -----------------------------------------------------------------
def star_model(tmp: Path) -> Path:
    """Three 0.4 × 0.4 × 3 m columns (0.48 m³ each); the first's Name and the third's Tag written as a
    bare * (STEP's mark of a derived value) as Renga writes them, the second plain."""
    model = mk.new_model("IFC4", "METRE")
    first = mk.add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.4, 3.0), name="STAR")
    mk.add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.4, 3.0), name="plain", position=(2.0, 0.0, 0.0))
    third = mk.add_box(
        model, "IfcColumn", "C30混凝土", size=(0.4, 0.4, 3.0), name="tag", position=(4.0, 0.0, 0.0)
    )
    third.Tag = "STAR"
    path = mk.save(model, tmp / "stars.ifc")
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith((f"#{first.id()}=", f"#{third.id()}=")):
            line = line.replace("'STAR'", "*")
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_bare_star_in_name_is_found_by_position(tmp_path: Path) -> None:
    """The first column's Name (attribute 2) and the third's Tag (attribute 7) are bare *."""
    file = ifcopenshell.open(str(star_model(tmp_path)))
    first, plain, third = sorted(file.by_type("IfcColumn"), key=lambda e: e.id())
    assert (unbuilt.bare_stars(first), unbuilt.bare_stars(plain), unbuilt.bare_stars(third)) == (
        (2,),
        (),
        (7,),
    )
    assert first.Name is None  # (the parser reads it as unset; the kernel does not)


@pytest.mark.parametrize("threads", [1, 2])
def test_elements_with_a_bare_star_are_measured_after_the_repair(tmp_path: Path, threads: int) -> None:
    """ifcopenshell 0.9 refuses the column whose Name is * ("Requested type <string> does not match
    actual type <derived>"); on one thread its iterator then builds no column at all. Read as unset,
    each column gives 0.4 × 0.4 × 3 = 0.48 m³, and the repaired one says so."""
    file = ifcopenshell.open(str(star_model(tmp_path)))
    columns = sorted(file.by_type("IfcColumn"), key=lambda e: e.id())
    volumes = geom.volumes(file, columns, threads=threads)
    assert [volumes[c.id()].volume_m3 for c in columns] == [pytest.approx(0.4 * 0.4 * 3.0)] * 3
    assert volumes[columns[0].id()].note.startswith("Name written as * (the STEP mark of a derived value)")
    assert volumes[columns[1].id()].note == ""


def test_an_element_the_kernel_cannot_build_says_why(tmp_path: Path) -> None:
    """A column whose body is an extrusion of a profile of zero width: no volume, and the note gives
    the kernel's own message and what the body is made of (an IfcExtrudedAreaSolid)."""
    model = mk.new_model("IFC4", "METRE")
    column = mk.add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.4, 3.0), name="flat")
    [item] = column.Representation.Representations[0].Items
    item.SweptArea = model.createIfcRectangleProfileDef("AREA", None, None, 0.4, 0.0)
    file = ifcopenshell.open(str(mk.save(model, tmp_path / "flat.ifc")))
    [column] = file.by_type("IfcColumn")
    note = geom.volumes(file, [column], threads=2)[column.id()].note
    assert note.startswith(
        "no geometry: the geometry kernel could not build its body: Skipping zero sized profile"
    )
    assert "=IfcRectangleProfileDef(.AREA.,$,$,0.4,0.)" in note
    assert note.endswith("(body: IfcExtrudedAreaSolid)")
