"""An element's length and area, each with where it came from, and the areas of its profiles.

Length: base ``Length``; else, for a linear member (beam, column, member, pile or any profile-set
element), the depth of its single body extrusion; else, for a wall, its axis polyline. Area: base
area; else the geometry's top-view footprint (slabs); else ``OverallWidth × OverallHeight`` (doors,
windows). A profile's area (for profile area × length) is read once per profile.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import ifcopenshell.util.representation
import ifcopenshell.util.shape

from embodied.takeoff import geometry as geom
from embodied.takeoff import quantities as qtys
from embodied.takeoff.mesh import GeometryVolume
from embodied.units import UnitScales

LINEAR_CLASSES = ("IfcBeam", "IfcColumn", "IfcMember", "IfcPile")


def _axis_length(element: Any) -> float | None:
    """Length of a wall's 'Axis' polyline (project units): the wall's run without base quantities."""
    if not element.is_a("IfcWall"):
        return None
    axis = ifcopenshell.util.representation.get_representation(element, "Plan", "Axis") or (
        ifcopenshell.util.representation.get_representation(element, "Model", "Axis")
    )
    if axis is None or len(axis.Items) != 1:
        return None
    curve = axis.Items[0]
    if curve.is_a("IfcPolyline"):
        points = [p.Coordinates for p in curve.Points]
    elif curve.is_a("IfcIndexedPolyCurve") and not curve.Segments:
        points = list(curve.Points.CoordList)
    else:
        return None
    total = sum(math.dist(a[:2], b[:2]) for a, b in itertools.pairwise(points))
    return total or None


class Dimensions:
    """The lengths and areas of the elements of a run (see the module docstring). `read(entity,
    attribute)` reads an attribute, None when the entity's class has none (`Identities.read`)."""

    def __init__(self, units: UnitScales, read: Callable[[Any, str], Any]) -> None:
        self.units = units
        self._read = read
        self._profile_areas: dict[int, float | None] = {}
        self._linear: dict[str, bool] = {}

    def is_linear(self, element: Any) -> bool:
        """Whether the element is of a linear class (LINEAR_CLASSES), read once per class."""
        cls = element.is_a()
        if cls not in self._linear:
            self._linear[cls] = any(element.is_a(c) for c in LINEAR_CLASSES)
        return self._linear[cls]

    def profile_area(self, profile: Any) -> float | None:
        """The area of a profile in m² (`geometry.profile_area_m2`), drawn once per profile."""
        if profile.id() not in self._profile_areas:
            self._profile_areas[profile.id()] = geom.profile_area_m2(profile)
        return self._profile_areas[profile.id()]

    def length(
        self, element: Any, base: qtys.BaseQuantities, linear: bool
    ) -> tuple[float | None, str | None]:
        """Base ``Length``; for a linear member (beam, column, member, pile or any profile-set
        element) else the depth of its single body extrusion. A wall's or slab's extrusion depth is
        its height or thickness, not a length, so it is never used for them."""
        if base.length is not None:
            return base.length.value, f"base:{base.length.label}"
        if not linear:
            axis = _axis_length(element)
            return (axis * self.units.length_m, "axis polyline length") if axis else (None, None)
        extrusions = ifcopenshell.util.shape.get_extrusions(element) or []
        if len(extrusions) == 1 and extrusions[0].Depth:
            return float(extrusions[0].Depth) * self.units.length_m, "body extrusion depth"
        return None, None

    def area(
        self, element: Any, base: qtys.BaseQuantities, geometry: GeometryVolume | None
    ) -> tuple[float | None, str | None]:
        """Base area, else the geometry's footprint, else OverallWidth × OverallHeight."""
        if base.area is not None:
            return base.area.value, f"base:{base.area.label}"
        if geometry is not None and geometry.footprint_m2:
            return geometry.footprint_m2, "geometry footprint (top view)"
        width = self._read(element, "OverallWidth")  # by index: most classes have none (no exception)
        height = self._read(element, "OverallHeight") if width else None
        if width and height:
            return float(width) * float(height) * self.units.length_m**2, "OverallWidth × OverallHeight"
        return None, None
