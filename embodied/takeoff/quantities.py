"""Base quantities written by the authoring tool, converted to SI.

Read from the occurrence's ``IfcElementQuantity`` sets, then its type's (the occurrence wins). Sets
named ``Qto_<Class>BaseQuantities`` (IFC4 onwards) are preferred to the IFC2X3-era generic set
``BaseQuantities``; tool-specific sets (``ArchiCADQuantities`` ...) have no agreed meaning and are
not used. Every value says which set and quantity it came from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import ifcopenshell.util.element
import ifcopenshell.util.unit

from embodied.units import UnitScales

PLAUSIBLE_MAX = 1e9  # SI: no element has a billion m, m², m³ or kg; larger is a damaged value
VOLUME_NAMES = ("NetVolume", "GrossVolume")
AREA_NAMES = (
    "NetSideArea",
    "GrossSideArea",
    "NetArea",
    "GrossArea",
    "Area",
    "NetSurfaceArea",
    "GrossSurfaceArea",
    "OuterSurfaceArea",
    "NetFootprintArea",
    "GrossFootprintArea",
    "CrossSectionArea",
)
LENGTH_NAMES = ("Length", "NetLength", "GrossLength")
WEIGHT_NAMES = ("NetWeight", "GrossWeight", "Weight")

_KIND = {
    "IfcQuantityLength": ("length", "LengthValue"),
    "IfcQuantityArea": ("area", "AreaValue"),
    "IfcQuantityVolume": ("volume", "VolumeValue"),
    "IfcQuantityWeight": ("mass", "WeightValue"),
    "IfcQuantityCount": ("count", "CountValue"),
}


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float  # SI
    label: str  # "<set>.<name>", e.g. "Qto_WallBaseQuantities.NetVolume"


@dataclass(slots=True)
class BaseQuantities:
    volume: Quantity | None = None
    area: Quantity | None = None
    length: Quantity | None = None
    weight: Quantity | None = None
    count: Quantity | None = None
    # per-constituent/layer complex quantities: name -> {quantity name: SI value}
    complex: dict[str, dict[str, float]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # values seen and not used, with why


def _set_rank(name: str | None) -> int | None:
    """0 for Qto_*BaseQuantities, 1 for BaseQuantities; None for sets we do not read."""
    if not name:
        return None
    if name.startswith("Qto_") and name.endswith("BaseQuantities"):
        return 0
    if name == "BaseQuantities":
        return 1
    return None


def _quantity_sets(element: Any) -> list[Any]:
    """IfcElementQuantity sets of the occurrence, then of its type, best-ranked first."""
    found: list[tuple[int, int, Any]] = []
    for rel in getattr(element, "IsDefinedBy", None) or ():
        if rel.is_a("IfcRelDefinesByProperties"):
            pdef = rel.RelatingPropertyDefinition
            if pdef.is_a("IfcElementQuantity") and (rank := _set_rank(pdef.Name)) is not None:
                found.append((0, rank, pdef))
    element_type = ifcopenshell.util.element.get_type(element)
    for pdef in getattr(element_type, "HasPropertySets", None) or ():
        if pdef.is_a("IfcElementQuantity") and (rank := _set_rank(pdef.Name)) is not None:
            found.append((1, rank, pdef))
    found.sort(key=lambda item: (item[0], item[1]))
    return [pdef for _, _, pdef in found]


def _si_value(quantity: Any, units: UnitScales) -> tuple[str, float] | None:
    kind_attr = _KIND.get(quantity.is_a())
    if kind_attr is None:
        return None
    kind, attr = kind_attr
    raw = getattr(quantity, attr, None)
    if raw is None:
        return None
    unit = getattr(quantity, "Unit", None)
    if unit is not None and kind != "count":
        scale = ifcopenshell.util.unit.get_unit_scale(unit)
        if kind == "mass":
            scale /= 1000.0  # ifcopenshell measures mass against the gram
    else:
        scale = units.for_quantity(kind)
    return kind, float(raw) * scale


def read(element: Any, units: UnitScales) -> BaseQuantities:
    """The element's base quantities in SI; the first set (by rank) that has a value wins."""
    result = BaseQuantities()
    simple: dict[str, Quantity] = {}
    for qset in _quantity_sets(element):
        for quantity in qset.Quantities or ():
            if quantity.is_a("IfcPhysicalComplexQuantity"):
                parts = result.complex.setdefault(quantity.Name, {})
                for sub in quantity.HasQuantities or ():
                    si = _si_value(sub, units)
                    if si is not None:
                        parts.setdefault(sub.Name, si[1])
                continue
            si = _si_value(quantity, units)
            if si is None or quantity.Name in simple:
                continue
            kind, value = si
            label = f"{qset.Name}.{quantity.Name}"
            if kind != "count" and value <= 0:
                result.ignored.append(f"{label} = {value:g} is not positive: ignored")
                continue
            if not math.isfinite(value) or abs(value) > PLAUSIBLE_MAX:
                result.ignored.append(f"{label} = {value:g} is not a plausible quantity: ignored")
                continue
            simple[quantity.Name] = Quantity(value, label)
    result.volume = _first(simple, VOLUME_NAMES)
    result.area = _first(simple, AREA_NAMES)
    result.length = _first(simple, LENGTH_NAMES)
    result.weight = _first(simple, WEIGHT_NAMES)
    counts = [q for n, q in simple.items() if n.lower().startswith("count")]
    result.count = counts[0] if counts else None
    return result


def _first(found: dict[str, Quantity], names: tuple[str, ...]) -> Quantity | None:
    for name in names:
        if name in found:
            return found[name]
    return None
