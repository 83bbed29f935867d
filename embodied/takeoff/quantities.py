"""Base quantities written by the authoring tool, converted to SI.

Read from the occurrence's ``IfcElementQuantity`` sets, then its type's (the occurrence wins). Sets
named ``Qto_<Class>BaseQuantities`` (IFC4 onwards) are preferred to the IFC2X3-era generic set
``BaseQuantities``; tool-specific sets (``ArchiCADQuantities`` ...) have no agreed meaning and are
not used. Every value says which set and quantity it came from.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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
    "IfcQuantityLength": "length",
    "IfcQuantityArea": "area",
    "IfcQuantityVolume": "volume",
    "IfcQuantityWeight": "mass",
    "IfcQuantityCount": "count",
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


def _unit_scale(unit: Any, kind: str) -> float:
    scale = float(ifcopenshell.util.unit.get_unit_scale(unit))
    return scale / 1000.0 if kind == "mass" else scale  # ifcopenshell measures mass against the gram


def read(quantity_sets: Iterable[Any], project: dict[str, float]) -> BaseQuantities:
    """Base quantities in SI from an element's IfcElementQuantity sets, best-ranked first (the
    occurrence's, then its type's: see ModelIndex.quantity_sets); the first set that has a value wins.
    Attributes are read by index (IfcElementQuantity: Name 2, Quantities 5; every
    IfcPhysicalSimpleQuantity: Name 0, Unit 2, value 3): this loop runs for every quantity of a model.
    `project` is `project_scales` of the model's units: a quantity with no unit of its own is in these."""
    result = BaseQuantities()
    simple: dict[str, tuple[float, str]] = {}  # quantity name -> (SI value, set name)
    first_count: str | None = None
    for qset in quantity_sets:
        set_name = qset.get_argument(2)
        for quantity in qset.get_argument(5) or ():
            cls = quantity.is_a()
            kind = _KIND.get(cls)
            if kind is None:
                if cls == "IfcPhysicalComplexQuantity":
                    parts = result.complex.setdefault(quantity.get_argument(0), {})
                    for sub in quantity.HasQuantities or ():
                        si = _si_value(sub, sub.is_a(), project)
                        if si is not None:
                            parts.setdefault(sub.get_argument(0), si[1])
                continue
            name = quantity.get_argument(0)
            if name in simple:
                continue
            raw = quantity.get_argument(3)  # _si_value, inlined: this is the innermost loop of a take-off
            if raw is None:
                continue
            unit = quantity.get_argument(2)
            value = float(raw) * (
                _unit_scale(unit, kind) if unit is not None and kind != "count" else project[kind]
            )
            if kind != "count" and value <= 0:
                result.ignored.append(f"{set_name}.{name} = {value:g} is not positive: ignored")
                continue
            if not math.isfinite(value) or abs(value) > PLAUSIBLE_MAX:
                result.ignored.append(f"{set_name}.{name} = {value:g} is not a plausible quantity: ignored")
                continue
            simple[name] = (value, set_name)
            if first_count is None and isinstance(name, str) and name[:5].lower() == "count":
                first_count = name
    if simple:
        result.volume = _first(simple, VOLUME_NAMES)
        result.area = _first(simple, AREA_NAMES)
        result.length = _first(simple, LENGTH_NAMES)
        result.weight = _first(simple, WEIGHT_NAMES)
        result.count = _first(simple, (first_count,)) if first_count is not None else None
    return result


def project_scales(units: UnitScales) -> dict[str, float]:
    """SI per project unit, by kind of quantity."""
    return {
        "length": units.length_m,
        "area": units.area_m2,
        "volume": units.volume_m3,
        "mass": units.mass_kg,
        "count": 1.0,
    }


def _si_value(quantity: Any, cls: str, project: dict[str, float]) -> tuple[str, float] | None:
    kind = _KIND.get(cls)
    if kind is None:
        return None
    raw = quantity.get_argument(3)
    if raw is None:
        return None
    unit = quantity.get_argument(2)
    scale = _unit_scale(unit, kind) if unit is not None and kind != "count" else project[kind]
    return kind, float(raw) * scale


def _first(found: dict[str, tuple[float, str]], names: tuple[str, ...]) -> Quantity | None:
    for name in names:
        if name in found:
            value, set_name = found[name]
            return Quantity(value, f"{set_name}.{name}")
    return None
