"""The floor area of every IfcSpace, for the building's floor area (`takeoff.area`).

Spaces are not taken off (they are not products to build), but their areas are the model's best
evidence of its floor area. Each space's area comes from the first of `AREA_SOURCES` it carries, a
quantity set or property set by name (as measured by the authoring tool: gross before net, measured
before planned); else from its body: the outline of a vertical extrusion (`profile_area_m2`), or the
top view of what the geometry kernel built (`mesh.footprint_area`, in the take-off's geometry
pass). Seen in the shared models: ``BaseQuantities`` GrossFloorArea/NetFloorArea (ArchiCAD, Revit
2015), ``Qto_SpaceBaseQuantities`` (Revit 2019), only ``GSA Space Areas.GSA BIM Area`` (Revit 2011,
2012: the room's area at its boundaries, a net area), nothing at all (AutoCAD Architecture: extrusions).

So that nothing is counted twice, a space is left out (and says why) when it is external; inside
another space that has an area; placed on the site, not in a building; not a room at all (an element
exported as an IfcSpace, typed by an IfcBeamType); an area of a Revit area scheme (an ``IfcGroup`` of
spaces drawn over the rooms: a scheme named gross is used instead of the rooms, the others never);
or, when the model has IFC4 ``GFA`` spaces (a storey's gross floor area), any other space.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import ifcopenshell.util.unit

from embodied.records import SpaceArea
from embodied.takeoff import geometry as geom
from embodied.takeoff.index import DAMAGE, MAX_DEPTH, ModelIndex
from embodied.takeoff.mesh import GeometryVolume
from embodied.takeoff.quantities import UNNAMED_SET
from embodied.units import UnitScales

ANY_SET = "*"  # any quantity set (read by its content, as quantities.read does for elements)
# (set name, quantity or property name, whether it is a gross floor area), in order of preference
AREA_SOURCES: tuple[tuple[str, str, bool], ...] = (
    ("Qto_SpaceBaseQuantities", "GrossFloorArea", True),
    ("BaseQuantities", "GrossFloorArea", True),
    (ANY_SET, "GrossFloorArea", True),
    ("Qto_SpaceBaseQuantities", "NetFloorArea", False),
    ("BaseQuantities", "NetFloorArea", False),
    (ANY_SET, "NetFloorArea", False),
    ("GSA Space Areas", "GSA BIM Area", False),  # Revit: the room's area at its boundaries
    ("PSet_Revit_Dimensions", "Area", False),  # Revit's room area, as a property (IFC2X3 exports)
    ("Dimensions", "Area", False),  # the same, in later Revit exports
    ("Pset_SpaceCommon", "GrossPlannedArea", True),  # planned (the brief), not measured
    ("Pset_SpaceCommon", "NetPlannedArea", False),
)
GROSS_SCHEME_WORDS = ("gross", "gfa", "建筑面积")  # an area scheme so named holds gross areas
PROFILE_SOURCE = "geometry: extrusion outline"
FOOTPRINT_SOURCE = "geometry footprint (top view)"
_UP = 0.999  # |z| of a unit direction this close to 1 is vertical


class SpaceReader:
    """The model's spaces, read before the geometry pass (`wanted`: those whose area only the kernel
    can give) and finished after it (`finish`)."""

    def __init__(self, file: Any, index: ModelIndex, units: UnitScales) -> None:
        self.index = index
        self.area_scale = units.area_m2
        self._entities = _spaces(file)
        self._schemes = _schemes(file)
        self._read: dict[int, tuple[float | None, str | None, bool | None]] = {}
        self.wanted: list[Any] = []  # spaces without an area in their sets nor an extruded outline
        for space in self._entities:
            try:
                found = self._area(space)
            except DAMAGE:
                found = (None, None, None)
            self._read[space.id()] = found
            if found[0] is None and getattr(space, "Representation", None) is not None:
                self.wanted.append(space)

    def finish(self, volumes: Mapping[int, GeometryVolume]) -> tuple[SpaceArea, ...]:
        """Every space with its area (the kernel's footprint where nothing else gave one) and, for
        those not to be added to the others, why."""
        records: dict[int, SpaceArea] = {}
        for space in self._entities:
            area, source, gross = self._read[space.id()]
            measured = volumes.get(space.id())
            if area is None and measured is not None and measured.footprint_m2:
                area, source, gross = measured.footprint_m2, FOOTPRINT_SOURCE, None
            global_id = space.GlobalId if isinstance(space.GlobalId, str) else f"#{space.id()}"
            name = space.Name if isinstance(space.Name, str) else None
            records[space.id()] = SpaceArea(global_id, name, self._storey(space.id()), area, source, gross)
        left_out = self._left_out(records)
        return tuple(
            _replace(records[s.id()], left_out.get(s.id()), self._gross_scheme(s.id()))
            for s in self._entities
        )

    # -- one space's area -----------------------------------------------------------------------
    def _area(self, space: Any) -> tuple[float | None, str | None, bool | None]:
        """(m², "<set>.<name>", gross) from the first of AREA_SOURCES the space carries, else from
        the outline of its vertical extrusion; (None, None, None) when neither gives one."""
        found: dict[tuple[str, str], tuple[float, str]] = {}  # (set, name) -> (m², set label)
        for qset in self.index.quantity_sets(space.id()):
            label = qset.Name if isinstance(qset.Name, str) and qset.Name else UNNAMED_SET
            for quantity in qset.Quantities or ():
                value = self._quantity(quantity)
                if value is not None:
                    found.setdefault((label, quantity.Name), (value, label))
                    found.setdefault((ANY_SET, quantity.Name), (value, label))
        for pset in _property_sets(space):
            for prop in getattr(pset, "HasProperties", None) or ():
                value = self._property(prop)
                if value is not None:
                    found.setdefault((str(pset.Name), prop.Name), (value, str(pset.Name)))
        for set_name, name, gross in AREA_SOURCES:
            if (set_name, name) in found:
                value, label = found[(set_name, name)]
                return value, f"{label}.{name}", gross
        outline = _extrusion_outline(space)
        return (outline, PROFILE_SOURCE, None) if outline else (None, None, None)

    def _quantity(self, quantity: Any) -> float | None:
        """An area quantity's value in m² (a quantity named as an area but written as another entity
        is read as an area too, in the project's area unit unless it has an area unit of its own)."""
        if not quantity.is_a("IfcPhysicalSimpleQuantity") or quantity.is_a("IfcQuantityCount"):
            return None
        raw, unit = quantity[3], quantity.Unit
        scale = self.area_scale
        if unit is not None and getattr(unit, "UnitType", None) == "AREAUNIT":
            scale = float(ifcopenshell.util.unit.get_unit_scale(unit))
        return _positive(raw, scale)

    def _property(self, prop: Any) -> float | None:
        if not prop.is_a("IfcPropertySingleValue") or prop.NominalValue is None:
            return None
        unit = prop.Unit
        scale = self.area_scale
        if unit is not None and getattr(unit, "UnitType", None) == "AREAUNIT":
            scale = float(ifcopenshell.util.unit.get_unit_scale(unit))
        return _positive(prop.NominalValue.wrappedValue, scale)

    def _storey(self, sid: int) -> str | None:
        current: int | None = sid
        for _ in range(MAX_DEPTH):
            if current is None:
                return None
            entity = self.index.file.by_id(current)
            if entity.is_a("IfcBuildingStorey"):
                return entity.Name if isinstance(entity.Name, str) else None
            current = self.index.whole_of.get(current)
        return None

    # -- which spaces are added up --------------------------------------------------------------
    def _left_out(self, records: dict[int, SpaceArea]) -> dict[int, str]:
        """Why each space that must not be added to the others is left out (see the module docstring)."""
        why: dict[int, str] = {}
        gfa = {s.id() for s in self._entities if _predefined(s, self.index) == "GFA"}
        for space in self._entities:
            sid = space.id()
            typed = self.index.element_type(sid)
            if typed is not None and not typed.is_a("IfcSpaceType"):
                why[sid] = f"not a room: typed by an {typed.is_a()} (an element exported as a space)"
            elif _external(space, self.index):
                why[sid] = "external space: outside the building's floor area"
            elif (whole := self._outside(sid)) is not None:
                why[sid] = f"on the {whole}, not in a building"
            elif gfa and sid not in gfa:
                why[sid] = "not a GFA space: the model's GFA spaces give the storeys' gross floor areas"
        schemes = {sid: name for sid, name in self._schemes.items() if sid not in why}
        if schemes:
            why |= self._other_schemes(schemes)
        for space in self._entities:  # inside another space that counts with an area
            sid = space.id()
            if sid not in why and (outer := self._counted_whole(sid, records, why)) is not None:
                why[sid] = f"inside another space: {outer}, whose area counts"
        return why

    def _other_schemes(self, schemes: dict[int, str]) -> dict[int, str]:
        """The spaces of the area schemes not used, or the rooms: a scheme named gross is used instead
        of the rooms; else the rooms, and no scheme; else (only schemes) the largest scheme."""
        names = sorted(set(schemes.values()))
        gross = [n for n in names if any(w in n.lower() for w in GROSS_SCHEME_WORDS)]
        rooms = [s.id() for s in self._entities if s.id() not in self._schemes]
        why: dict[int, str] = {}
        if gross:
            used: str | None = gross[0]
            for sid in rooms:
                why[sid] = f"a room: the gross area scheme {used!r} gives the floor area"
        elif rooms:
            used = None
        else:
            totals: dict[str, float] = defaultdict(float)
            for sid, name in schemes.items():
                totals[name] += self._read[sid][0] or 0.0
            used = max(names, key=lambda n: (totals[n], n))
        for sid, name in schemes.items():
            if name != used:
                what = f"the area scheme {used!r}" if used is not None else "the rooms"
                why[sid] = f"another area scheme: an area of {name!r}, drawn over {what}"
        return why

    def _gross_scheme(self, sid: int) -> bool:
        name = self._schemes.get(sid)
        return name is not None and any(w in name.lower() for w in GROSS_SCHEME_WORDS)

    def _outside(self, sid: int) -> str | None:
        """'site' when the space is placed (aggregated) on the site rather than in a building."""
        current = self.index.whole_of.get(sid)
        for _ in range(MAX_DEPTH):
            if current is None:
                return None
            entity = self.index.file.by_id(current)
            if entity.is_a("IfcBuilding") or entity.is_a("IfcBuildingStorey"):
                return None
            if entity.is_a("IfcSite"):
                return "site"
            current = self.index.whole_of.get(current)
        return None

    def _counted_whole(self, sid: int, records: dict[int, SpaceArea], why: dict[int, str]) -> str | None:
        """The name of the nearest space the space is a part of that counts with an area, if any."""
        current = self.index.whole_of.get(sid)
        for _ in range(MAX_DEPTH):
            if current is None or current not in records:
                return None
            outer = records[current]
            if outer.area_m2 and current not in why:
                return outer.name or outer.global_id
            current = self.index.whole_of.get(current)
        return None


def _replace(record: SpaceArea, left_out: str | None, gross_scheme: bool) -> SpaceArea:
    gross = True if gross_scheme and record.area_m2 else record.gross
    return SpaceArea(
        record.global_id, record.name, record.storey, record.area_m2, record.source, gross, left_out
    )


def _positive(raw: Any, scale: float) -> float | None:
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        return None
    value = float(raw) * scale
    return value if math.isfinite(value) and value > 0 else None


def _spaces(file: Any) -> list[Any]:
    try:
        return list(file.by_type("IfcSpace"))
    except RuntimeError:  # (every schema has IfcSpace; a damaged one may not)
        return []


def _schemes(file: Any) -> dict[int, str]:
    """Space step id -> name of the plain IfcGroup it is assigned to (Revit's area schemes; an IfcZone
    or IfcSystem is not a scheme)."""
    found: dict[int, str] = {}
    for rel in file.by_type("IfcRelAssignsToGroup"):
        try:
            group = rel.RelatingGroup
            if group is None or group.is_a() != "IfcGroup":
                continue
            for obj in rel.RelatedObjects or ():
                if obj.is_a("IfcSpace"):
                    found.setdefault(obj.id(), str(group.Name or f"#{group.id()}"))
        except DAMAGE:
            continue
    return found


def _property_sets(space: Any) -> Iterable[Any]:
    for rel in getattr(space, "IsDefinedBy", None) or ():
        if rel.is_a("IfcRelDefinesByProperties"):
            definition = rel.RelatingPropertyDefinition
            if definition is not None and definition.is_a("IfcPropertySet"):
                yield definition


def _predefined(space: Any, index: ModelIndex) -> str | None:
    own = getattr(space, "PredefinedType", None)
    if own not in (None, "NOTDEFINED", "USERDEFINED"):
        return str(own)
    typed = index.element_type(space.id())
    value = getattr(typed, "PredefinedType", None) if typed is not None else None
    return str(value) if value not in (None, "NOTDEFINED", "USERDEFINED") else None


def _external(space: Any, index: ModelIndex) -> bool:
    """IFC4: predefined type EXTERNAL; IFC2X3: InteriorOrExteriorSpace EXTERNAL."""
    return (
        _predefined(space, index) == "EXTERNAL"
        or getattr(space, "InteriorOrExteriorSpace", None) == "EXTERNAL"
    )


def _extrusion_outline(space: Any) -> float | None:
    """The area in m² of a body made of vertical extrusions only (Revit and AutoCAD spaces): the sum of
    their profiles' areas; None for any other body."""
    representation = getattr(space, "Representation", None)
    for shape in getattr(representation, "Representations", None) or ():
        if (shape.RepresentationIdentifier or "Body") != "Body":
            continue
        items = list(shape.Items or ())
        if not items or not all(_vertical_extrusion(i) for i in items):
            return None
        areas = [geom.profile_area_m2(i.SweptArea) for i in items]
        return sum(a for a in areas if a) if all(areas) else None
    return None


def kernel_candidates(file: Any) -> list[Any]:
    """The spaces whose area only the kernel could give, as far as a model read without its property
    and quantity sets can tell (takeoff.apart): those with a body that is not vertical extrusions."""
    found = []
    for space in _spaces(file):
        try:
            if getattr(space, "Representation", None) is not None and not _extrusions_only(space):
                found.append(space)
        except DAMAGE:
            continue
    return found


def _extrusions_only(space: Any) -> bool:
    for shape in space.Representation.Representations or ():
        if (shape.RepresentationIdentifier or "Body") == "Body":
            items = list(shape.Items or ())
            return bool(items) and all(_vertical_extrusion(i) for i in items)
    return False


def _vertical_extrusion(item: Any) -> bool:
    if not item.is_a("IfcExtrudedAreaSolid"):
        return False
    direction = [float(v) for v in item.ExtrudedDirection.DirectionRatios]
    axis = getattr(item.Position, "Axis", None) if item.Position is not None else None
    for ratios in (direction, [float(v) for v in axis.DirectionRatios] if axis is not None else [0, 0, 1]):
        length = math.sqrt(sum(v * v for v in ratios))
        if len(ratios) < 3 or not length or abs(ratios[2]) / length < _UP:
            return False
    return True
