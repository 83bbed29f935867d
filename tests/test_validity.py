"""Invalid body representations that the kernel would mesh anyway are named (takeoff.validity)."""

from __future__ import annotations

from typing import Any

import ifcopenshell
import pytest

from embodied.takeoff.validity import body_problem

SQUARE = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
BOW_TIE = [(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)]


def _element(f: Any, profile: Any, direction: tuple[float, float, float] = (0.0, 0.0, 1.0)) -> Any:
    solid = f.createIfcExtrudedAreaSolid(profile, None, f.createIfcDirection(direction), 3.0)
    shape = f.createIfcShapeRepresentation(None, "Body", "SweptSolid", [solid])
    return f.createIfcColumn(
        ifcopenshell.guid.new(), Representation=f.createIfcProductDefinitionShape(None, None, [shape])
    )


def _polyline(f: Any, points: list[tuple[float, float]]) -> Any:
    return f.createIfcPolyline([f.createIfcCartesianPoint(p) for p in [*points, points[0]]])


def _indexed(f: Any, points: list[tuple[float, float]], segments: bool) -> Any:
    coords = f.createIfcCartesianPointList2D(points)
    n = len(points)
    lines = [f.create_entity("IfcLineIndex", [*range(1, n + 1), 1])] if segments else None
    return f.createIfcIndexedPolyCurve(coords, lines, False)


@pytest.mark.parametrize("segments", [True, False])
def test_indexed_outline_crossing_itself_is_named(segments: bool) -> None:
    f = ifcopenshell.file(schema="IFC4")
    good = _element(f, f.createIfcArbitraryClosedProfileDef("AREA", "sq", _indexed(f, SQUARE, segments)))
    bad = _element(f, f.createIfcArbitraryClosedProfileDef("AREA", "bt", _indexed(f, BOW_TIE, segments)))
    assert body_problem(good) is None
    assert "profile bt crosses itself" in (body_problem(bad) or "")


def test_void_crossing_itself_and_zero_extrusion_are_named() -> None:
    f = ifcopenshell.file(schema="IFC4")
    holed = f.createIfcArbitraryProfileDefWithVoids(
        "AREA",
        "holed",
        _polyline(f, [(0, 0), (4, 0), (4, 4), (0, 4)]),
        [_polyline(f, [(1, 1), (2, 2), (2, 1), (1, 2)])],
    )
    assert "crosses itself" in (body_problem(_element(f, holed)) or "")
    square = f.createIfcArbitraryClosedProfileDef("AREA", None, _polyline(f, SQUARE))
    assert body_problem(_element(f, square)) is None
    assert "no direction" in (body_problem(_element(f, square, (0.0, 0.0, 0.0))) or "")


def test_mapped_item_is_checked_once_and_shared() -> None:
    """A mapped representation shared by occurrences is looked at once (the cache holds its verdict)."""
    f = ifcopenshell.file(schema="IFC4")
    bad = _element(f, f.createIfcArbitraryClosedProfileDef("AREA", "bt", _polyline(f, BOW_TIE)))
    source = f.createIfcRepresentationMap(
        f.createIfcAxis2Placement3D(f.createIfcCartesianPoint((0.0, 0.0, 0.0))),
        bad.Representation.Representations[0],
    )
    operator = f.createIfcCartesianTransformationOperator3D(
        None, None, f.createIfcCartesianPoint((0.0, 0.0, 0.0))
    )
    seen: dict[int, str | None] = {}
    for _ in range(2):
        item = f.createIfcMappedItem(source, operator)
        shape = f.createIfcShapeRepresentation(None, "Body", "MappedRepresentation", [item])
        column = f.createIfcColumn(
            ifcopenshell.guid.new(), Representation=f.createIfcProductDefinitionShape(None, None, [shape])
        )
        assert "crosses itself" in (body_problem(column, seen) or "")
    solid = bad.Representation.Representations[0].Items[0]
    assert seen[solid.id()] is not None
