"""Body representations that are invalid IFC but that the geometry kernel meshes anyway.

OpenCASCADE is forgiving: it meshes one lobe of a self-intersecting (bow-tie) profile and ignores a
clipping by a plane without a normal. The mesh is then a closed solid, and its volume a wrong number
with no word of warning. These checks read the representation items themselves, before the mesh is
trusted, and name what is wrong. They cover what the kernel silently repairs; what it refuses (a zero
area profile, a boolean of a solid with itself) already gives no mesh.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import shapely

ZERO = 1e-12  # a direction shorter than this has no direction


def body_problem(element: Any, seen: dict[int, str | None] | None = None) -> str | None:
    """What makes the element's body representation invalid, or None. `seen` caches the verdict per
    representation item (a mapped item is shared by many occurrences)."""
    seen = {} if seen is None else seen
    representation = getattr(element, "Representation", None)
    if representation is None:
        return None
    for shape in representation.Representations or ():
        if (shape.RepresentationIdentifier or "Body") != "Body":
            continue
        for item in shape.Items or ():
            problem = _item_problem(item, seen)
            if problem is not None:
                return problem
    return None


def _item_problem(item: Any, seen: dict[int, str | None]) -> str | None:
    key = item.id()
    if key in seen:
        return seen[key]
    seen[key] = None  # a cycle in a damaged file ends here
    problem = _check(item, seen)
    seen[key] = problem
    return problem


def _check(item: Any, seen: dict[int, str | None]) -> str | None:
    if item.is_a("IfcMappedItem"):
        source = item.MappingSource
        mapped = getattr(source, "MappedRepresentation", None) if source is not None else None
        for inner in (getattr(mapped, "Items", None) or ()) if mapped is not None else ():
            problem = _item_problem(inner, seen)
            if problem is not None:
                return problem
        return None
    if item.is_a("IfcBooleanResult"):
        for operand in (item.FirstOperand, item.SecondOperand):
            if operand is not None:
                problem = _item_problem(operand, seen)
                if problem is not None:
                    return problem
        return None
    if item.is_a("IfcHalfSpaceSolid"):
        surface = item.BaseSurface
        if surface is not None and surface.is_a("IfcPlane"):
            axis = getattr(surface.Position, "Axis", None) if surface.Position is not None else None
            if axis is not None and not _has_direction(axis):
                return "body geometry is invalid: a boolean clipping plane has no normal (zero direction)"
        return None
    if item.is_a("IfcSweptAreaSolid"):
        if item.is_a("IfcExtrudedAreaSolid") and not _has_direction(item.ExtrudedDirection):
            return "body geometry is invalid: an extrusion has no direction (zero vector)"
        return _profile_problem(item.SweptArea)
    return None


def _has_direction(direction: Any) -> bool:
    ratios = getattr(direction, "DirectionRatios", None)
    if not ratios:
        return False
    try:
        values = [float(v) for v in ratios]
    except (TypeError, ValueError):
        return False
    return all(math.isfinite(v) for v in values) and math.fsum(v * v for v in values) > ZERO


def _profile_problem(profile: Any) -> str | None:
    if profile is None or not profile.is_a("IfcArbitraryClosedProfileDef"):
        return None
    curves = [profile.OuterCurve]
    if profile.is_a("IfcArbitraryProfileDefWithVoids"):
        curves += list(profile.InnerCurves or ())
    for curve in curves:
        ring = _polyline_points(curve)
        if ring is None or len(ring) < 3:
            continue  # curved outlines are left to the kernel
        try:
            simple = shapely.LinearRing(ring).is_simple
        except (ValueError, shapely.errors.GEOSException):
            simple = False
        if not simple:
            name = profile.ProfileName or f"#{profile.id()}"
            return f"body geometry is invalid: its profile {name} crosses itself (self-intersecting)"
    return None


def _polyline_points(curve: Any) -> list[tuple[float, float]] | None:
    """The 2D vertices of a straight-segment outline (IfcPolyline, or an IfcIndexedPolyCurve of line
    segments only), the closing point dropped; None for any other curve."""
    if curve is None:
        return None
    if curve.is_a("IfcPolyline"):
        points = [tuple(p.Coordinates[:2]) for p in curve.Points or ()]
    elif curve.is_a("IfcIndexedPolyCurve"):
        coords = list(getattr(curve.Points, "CoordList", None) or ())
        segments = curve.Segments
        if segments:
            if any(not s.is_a("IfcLineIndex") for s in segments):
                return None
            order = list(_segment_indices(segments))
            points = [tuple(coords[i - 1][:2]) for i in order if 0 < i <= len(coords)]
        else:
            points = [tuple(c[:2]) for c in coords]
    else:
        return None
    try:
        ring = [(float(x), float(y)) for x, y in points]
    except (TypeError, ValueError):
        return None
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    # consecutive duplicates are harmless (the kernel welds them): drop them before the check
    return [p for i, p in enumerate(ring) if i == 0 or p != ring[i - 1]]


def _segment_indices(segments: Any) -> Iterator[int]:
    last = None
    for segment in segments:
        for index in segment.wrappedValue:
            if index != last:
                yield int(index)
            last = index
