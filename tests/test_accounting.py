"""The accounting invariant, on models built in code and on every model of ../shared/ifc.

- every IfcElement of the model is a take-off row, or of a class left out with a reason;
- the report lists every row's element; a row without a volume says why;
- the report's totals add up: the stages to the total, each module to the sum of its lines, each
  material's A1-A3 and A4 to its subtotal; every number is finite;
- an element whose geometry fails is listed with a reason, and the run goes on.

The real models reuse the take-offs tests/test_realmodels.py caches (one take-off per model per session).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import ifcopenshell
import modelkit as mk
import pytest
from fuzz import fuzz_pipeline as fz
from shared_models import manifest
from test_realmodels import _taken as realmodel_takeoff

from embodied import factors, lifecycle, matching
from embodied.pipeline import run_calculate
from embodied.project import ProjectSettings
from embodied.records import MatchResult, ProblemKind, TakeoffResult, VolumeOrigin
from embodied.report.model import build
from embodied.report.render_json import document
from embodied.takeoff import TakeoffOptions
from embodied.takeoff.area import floor_area
from embodied.takeoff.select import EXCLUDED_CLASSES

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample_building.ifc"
ENTRIES = [e for e in manifest() if "unsupported-schema" not in e["path"]]
PLASTER, AAC = ("水泥砂浆", 0.02), ("加气混凝土砌块", 0.2)
HN300 = mk.IShape(depth=0.3, width=0.15, web=0.0065, flange=0.009, name="HN300×150")


# -- the checks ------------------------------------------------------------------------------------
def excluded_reason(element: Any) -> str | None:
    for ifc_class, reason in EXCLUDED_CLASSES.items():
        try:
            if element.is_a(ifc_class):
                return reason
        except RuntimeError:  # the class is not in this schema
            continue
    return None


def assert_every_element_accounted(file: Any, result: TakeoffResult) -> None:
    """Each IfcElement is a row (once per element, its parts as rows) or in an excluded class with a
    reason; no row is anything else; the excluded counts add up per class."""
    rows = set(result.element_ids)
    left_out: dict[str, int] = {}
    for element in file.by_type("IfcElement"):
        reason = excluded_reason(element)
        if reason is None:
            assert element.GlobalId in rows, (
                f"{element.is_a()} {element.GlobalId} is neither counted nor listed"
            )
        else:
            assert element.GlobalId not in rows, (
                f"{element.is_a()} {element.GlobalId} is both left out and a row"
            )
            left_out[element.is_a()] = left_out.get(element.is_a(), 0) + 1
    assert {e.ifc_class: e.count for e in result.excluded} == left_out
    assert all(e.reason for e in result.excluded)
    elements = {e.GlobalId for e in file.by_type("IfcElement")}
    assert rows <= elements, f"rows of no IfcElement: {sorted(rows - elements)[:5]}"


def assert_rows_explained(result: TakeoffResult) -> None:
    """A row without a volume has a note and a no_quantity problem; one without material a problem."""
    no_quantity = set(result.elements_with(ProblemKind.NO_QUANTITY))
    no_material = set(result.elements_with(ProblemKind.NO_MATERIAL))
    for row in result.rows:
        if row.volume_origin is VolumeOrigin.PARTS:
            assert "decomposed" in row.note
            continue
        if row.volume_m3 is None:
            assert row.note, row
            assert row.global_id in no_quantity, row
        if row.material_kind is None:
            assert row.global_id in no_material, row


def assert_report_adds_up(doc: dict[str, Any], result: TakeoffResult) -> None:
    """The report's numbers are finite and its totals add up; it lists every take-off row."""
    json.dumps(doc, allow_nan=False)  # NaN or infinity would raise here
    assert fz.report_problems(doc) == []
    assert [e["global_id"] for e in doc["elements"]] == [r.global_id for r in result.rows]
    assert doc["project"]["elements"] == len(result.element_ids)
    noted = {e["global_id"] for e in doc["elements"] if e["note"]}
    assert {e["global_id"] for e in doc["elements"] if e["volume_m3"] is None} <= noted
    materials = [m for m in doc["materials"] if m["modules"]["A1-A3"] is not None]
    a1a3 = doc["totals"]["modules"]["A1-A3"]
    if a1a3 is not None:  # every A1-A3 line belongs to a material row
        assert fz._close(a1a3, sum(m["modules"]["A1-A3"] for m in materials), len(materials))


def report_of(
    match: MatchResult, result: TakeoffResult, db: Any, settings: ProjectSettings
) -> dict[str, Any]:
    life = lifecycle.calculate(match, db, settings, floor_area=floor_area(result))
    return document(build(match, life, settings, db))


@cache
def database() -> Any:
    return factors.load()


# -- models built in code --------------------------------------------------------------------------
def _walls(model: Any) -> None:
    wall = mk.add_wall(model, [PLASTER, AAC, PLASTER], size=(5.0, 3.0), name="W1")
    mk.add_window(model, wall, "断桥铝合金窗", size=(1.2, 1.5), at=(1.0, 0.9), name="Win")
    mk.add_door(model, wall, "木门", size=(0.9, 2.1), at=3.5, name="Door")
    mk.add_opening(model, wall, size=(0.3, 0.3), at=(2.5, 2.5))


def _slabs(model: Any) -> None:
    mk.material(model, "C30混凝土", density=2400.0)
    mk.add_slab(model, "C30混凝土", size=(6.0, 4.0, 0.2), name="S1", quantities=True)
    mk.add_slab(model, "C30混凝土", size=(6.0, 4.0, 0.2), name="S2", quantities={"NetVolume": 4.8 * 1.1})
    mk.add_slab(model, "C30混凝土", size=(6.0, 4.0, 0.2), name="S3")


def _frame(model: Any) -> None:
    mk.add_beam(model, "Q355钢", HN300, length=6.0, name="B1")
    mk.add_beam(model, "Q355钢", HN300, length=4.0, name="B2", quantities=True)
    mix = [mk.Constituent("C40混凝土", 0.97), mk.Constituent("HRB400钢筋", 0.03)]
    mk.add_column(model, mix, size=(0.4, 0.4, 3.0), name="C1")


def _wholes(model: Any) -> None:
    slabs = [
        mk.add_slab(model, "C30混凝土", size=(3.0, 4.0, 0.15), name=f"R{i}", predefined_type="ROOF")
        for i in (1, 2)
    ]
    mk.add_aggregate(model, "IfcRoof", slabs, name="Roof")
    columns = [
        mk.add_column(model, "Q235钢", size=(0.2, 0.2, 3.0), name=f"AC{i}", position=(i, 0.0, 0.0))
        for i in (1, 2, 3)
    ]
    mk.add_aggregate(model, "IfcElementAssembly", columns, name="Truss")


def _typed_and_bare(model: Any) -> None:
    column_type = mk.add_type(model, "IfcColumnType", "CT1", "C30混凝土")
    mk.add_column(model, None, size=(0.5, 0.5, 3.0), name="Typed", element_type=column_type)
    mk.add_box(model, "IfcBuildingElementProxy", None, size=(1.0, 1.0, 1.0), name="NoMaterial")
    bare = mk.add_box(model, "IfcColumn", "C30混凝土", size=(0.3, 0.3, 3.0), name="NoGeometry")
    bare.Representation = None


def _left_out(model: Any) -> None:
    mk.add_box(model, "IfcVirtualElement", None, size=(1.0, 1.0, 1.0), name="Virtual")
    if model.schema != "IFC2X3":
        mk.add_box(model, "IfcGeographicElement", None, size=(5.0, 5.0, 0.1), name="Terrain")


def polyline_profile(model: Any, points: list[tuple[float, float]]) -> Any:
    curve = model.createIfcPolyline([model.createIfcCartesianPoint(p) for p in points])
    return model.createIfcArbitraryClosedProfileDef("AREA", None, curve)


def broken_column(model: Any, name: str, x: float) -> Any:
    """A 0.4 × 0.5 × 3 m column (metre model) whose body the test then breaks."""
    return mk.add_box(
        model, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0), name=name, position=(x, 5.0, 0.0)
    )


def _broken_geometry(model: Any) -> None:
    """Bodies the kernel cannot make a solid of: a zero-area profile, a zero-width rectangle, a
    boolean of a solid with itself."""
    zero = broken_column(model, "ZeroArea", 0.0)
    outline = polyline_profile(model, [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (0.0, 0.0)])
    zero.Representation.Representations[0].Items[0].SweptArea = outline
    flat = broken_column(model, "ZeroRectangle", 1.0)
    flat.Representation.Representations[0].Items[0].SweptArea = model.createIfcRectangleProfileDef(
        "AREA", None, None, 0.0, 0.5
    )
    itself = broken_column(model, "SelfBoolean", 2.0)
    representation = itself.Representation.Representations[0]
    solid = representation.Items[0]
    representation.Items = (model.createIfcBooleanResult("DIFFERENCE", solid, solid),)


BROKEN = ("ZeroArea", "ZeroRectangle", "SelfBoolean")
PIECES: dict[str, Callable[[Any], None]] = {
    "walls": _walls,
    "slabs": _slabs,
    "frame": _frame,
    "wholes": _wholes,
    "typed_and_bare": _typed_and_bare,
    "left_out": _left_out,
}
MODELS: dict[str, tuple[mk.Schema, mk.LengthUnit, tuple[str, ...]]] = {
    "ifc4_mm_walls_slabs": ("IFC4", "MILLIMETRE", ("walls", "slabs")),
    "ifc4_m_frame_wholes": ("IFC4", "METRE", ("frame", "wholes")),
    "ifc4_m_everything": ("IFC4", "METRE", tuple(PIECES)),
    "ifc2x3_ft_walls_slabs_bare": ("IFC2X3", "FOOT", ("walls", "slabs", "typed_and_bare", "left_out")),
    "ifc4x3_mm_wholes_bare": ("IFC4X3", "MILLIMETRE", ("wholes", "typed_and_bare", "left_out")),
    "ifc4_m_broken_geometry": ("IFC4", "METRE", ("slabs", "_broken")),
}


@cache
def generated(name: str) -> Path:
    schema, unit, pieces = MODELS[name]
    model = mk.new_model(schema, unit, project=name)
    for piece in pieces:
        (_broken_geometry if piece == "_broken" else PIECES[piece])(model)
    return mk.save(model, Path(tempfile.mkdtemp(prefix="accounting-")) / f"{name}.ifc", seed=name)


@pytest.mark.parametrize("name", ["sample_building", *sorted(MODELS)])
def test_generated_model_accounts_for_every_element_and_adds_up(name: str) -> None:
    """The whole pipeline on a model built in code (the sample with its embodied.toml, so that every
    module is computed): every element accounted for, every total a sum."""
    path = SAMPLE if name == "sample_building" else generated(name)
    calc = run_calculate(path, TakeoffOptions(threads=1))
    result = calc.match.takeoff
    assert_every_element_accounted(ifcopenshell.open(str(path)), result)
    assert_rows_explained(result)
    doc = document(build(calc.match, calc.lifecycle, calc.settings, calc.database))
    assert_report_adds_up(doc, result)


def test_broken_geometry_is_listed_with_a_reason_and_the_run_goes_on() -> None:
    """Each element whose body the kernel cannot make a solid of is a row without volume, with the
    reason in its note, in a no_quantity problem and in the report's defects; the others are measured."""
    calc = run_calculate(generated("ifc4_m_broken_geometry"), TakeoffOptions(threads=1))
    result = calc.match.takeoff
    by_name = {r.name: r for r in result.rows}
    problems = {p.global_id: p.message for p in result.problems if p.kind is ProblemKind.NO_QUANTITY}
    doc = document(build(calc.match, calc.lifecycle, calc.settings, calc.database))
    defects = {d["global_id"]: d["message"] for d in doc["defects"]}
    for name in BROKEN:
        row = by_name[name]
        assert row.volume_m3 is None and row.volume_origin is VolumeOrigin.NONE
        assert "geometry" in row.note, row.note
        assert problems[row.global_id] in row.note
        assert row.global_id in defects
    # the slabs next to them are measured as usual: S3 from its geometry, 6 × 4 × 0.2 m
    assert by_name["S3"].volume_m3 == pytest.approx(4.8, rel=1e-6)
    assert doc["totals"]["modules"]["A1-A3"] > 0


def _column_with(name: str, breaking: Callable[[Any, Any], None]) -> TakeoffResult:
    model = mk.new_model("IFC4", "METRE")
    mk.add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0), name="Good")
    breaking(model, broken_column(model, name, 2.0))
    path = mk.save(model, Path(tempfile.mkdtemp(prefix="accounting-")) / "m.ifc", seed=name)
    return run_calculate(path, TakeoffOptions(threads=1)).match.takeoff


def _bow_tie(model: Any, column: Any) -> None:
    outline = polyline_profile(model, [(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)])
    column.Representation.Representations[0].Items[0].SweptArea = outline


def _clip_by_plane_without_normal(model: Any, column: Any) -> None:
    representation = column.Representation.Representations[0]
    origin = model.createIfcCartesianPoint((0.0, 0.0, 1.0))
    plane = model.createIfcPlane(
        model.createIfcAxis2Placement3D(origin, model.createIfcDirection((0.0, 0.0, 0.0)), None)
    )
    half = model.createIfcHalfSpaceSolid(plane, False)
    representation.Items = (
        model.createIfcBooleanClippingResult("DIFFERENCE", representation.Items[0], half),
    )


def test_self_intersecting_profile_is_listed() -> None:
    """A bow-tie profile is no valid area: its column must be listed, not measured as if it were one."""
    result = _column_with("BowTie", _bow_tie)
    (row,) = [r for r in result.rows if r.name == "BowTie"]
    assert row.volume_m3 is None and "geometry" in row.note, (row.volume_m3, row.note)


def test_invalid_boolean_is_listed() -> None:
    """A boolean clipping whose half space has no normal is invalid: its element must say so."""
    result = _column_with("BadClip", _clip_by_plane_without_normal)
    (row,) = [r for r in result.rows if r.name == "BadClip"]
    assert row.volume_m3 is None or "geometry" in row.note, (row.volume_m3, row.note)


def test_report_lists_the_classes_left_out() -> None:
    """The report accounts for every IfcElement: the classes left out appear in it with their reason."""
    path = generated("ifc4x3_mm_wholes_bare")
    calc = run_calculate(path, TakeoffOptions(threads=1))
    excluded = calc.match.takeoff.excluded
    assert excluded
    text = json.dumps(document(build(calc.match, calc.lifecycle, calc.settings, calc.database)))
    for entry in excluded:
        assert entry.ifc_class in text and json.dumps(entry.reason)[1:-1] in text


# -- the models of ../shared/ifc -------------------------------------------------------------------
@pytest.mark.realmodels
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_real_model_accounts_for_every_element_and_adds_up(entry: dict[str, Any]) -> None:
    """Each shared model, matched and calculated with the default settings, accounts for every
    element and its report adds up."""
    from shared_models import SHARED_IFC, require

    require(SHARED_IFC / entry["path"])
    model, result = realmodel_takeoff(entry["path"])
    assert_every_element_accounted(model.file, result)
    assert_rows_explained(result)
    db = database()
    match = matching.run(result, db)
    doc = report_of(match, result, db, ProjectSettings())
    assert_report_adds_up(doc, result)
