"""Base quantities written by the authoring tool, converted to SI.

Read from the occurrence's ``IfcElementQuantity`` sets, then its type's (the occurrence wins). Sets
named ``Qto_<Class>BaseQuantities`` (IFC4 onwards) are preferred to the IFC2X3-era generic set
``BaseQuantities``. Any other set (a tool's own, ``ArchiCADQuantities``, ``Dimensions``, or an unnamed
one: Renga names all of its sets "") is read by its content, the names of its quantities
(``NetVolume``, ``GrossArea``, ``Length`` ...), and only for a kind of quantity (volume, area,
length, weight, count) that no named set gives: a named set always wins. Such a value is labelled
with its set (``(unnamed set).NetVolume``) and its volume is trusted less than a named set's (see
``element``: one that disagrees with the geometry gives way to it).

A quantity is read by its name where the name says its kind: a ``NetVolume`` written as an
``IfcQuantityArea`` is a volume, scaled by the volume unit (the area unit would make it 1000 times too
small in a millimetre project), and flagged. A quantity with no unit of its own is in the project's
unit of its kind (`project_scales`). Every value says which set and quantity it came from.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ifcopenshell.util.unit

from embodied.takeoff.index import STANDARD_RANKS, quantity_set_rank
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

UNNAMED_SET = "(unnamed set)"  # the label of a set whose Name is empty or missing

_KIND = {
    "IfcQuantityLength": "length",
    "IfcQuantityArea": "area",
    "IfcQuantityVolume": "volume",
    "IfcQuantityWeight": "mass",
    "IfcQuantityCount": "count",
}
# the kind a base-quantity name says, whatever entity it was written as
_KIND_BY_NAME = {
    **dict.fromkeys(VOLUME_NAMES, "volume"),
    **dict.fromkeys(AREA_NAMES, "area"),
    **dict.fromkeys(LENGTH_NAMES, "length"),
    **dict.fromkeys(WEIGHT_NAMES, "mass"),
}
# the IfcUnitEnum value a unit of each kind has (an IfcDerivedUnit: IfcDerivedUnitEnum, none here)
_UNIT_TYPE = {"length": "LENGTHUNIT", "area": "AREAUNIT", "volume": "VOLUMEUNIT", "mass": "MASSUNIT"}
_ENTITY = {v: k for k, v in _KIND.items()}
_WORD = {"length": "length", "area": "area", "volume": "volume", "mass": "weight"}


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float  # SI
    label: str  # "<set>.<name>", e.g. "Qto_WallBaseQuantities.NetVolume", "(unnamed set).NetVolume"
    standard: bool = True  # from a set named as base quantities; False: a set read by its content


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
    flagged: list[str] = field(default_factory=list)  # values used on an assumption (a problem each)

    def by_content(self, quantity: Quantity | None) -> bool:
        """Whether the value came from a set read by its content (not named as base quantities)."""
        return quantity is not None and quantity.standard is False


def _unit_scale(unit: Any, kind: str) -> float:
    scale = float(ifcopenshell.util.unit.get_unit_scale(unit))
    return scale / 1000.0 if kind == "mass" else scale  # ifcopenshell measures mass against the gram


def read(quantity_sets: Iterable[Any], project: dict[str, float]) -> BaseQuantities:
    """Base quantities in SI from an element's IfcElementQuantity sets, best-ranked first (the
    occurrence's, then its type's: see ModelIndex.quantity_sets); the first set that has a value wins,
    the named sets before any set read by its content (see the module docstring).
    Attributes are read by index (IfcElementQuantity: Name 2, Quantities 5; every
    IfcPhysicalSimpleQuantity: Name 0, Unit 2, value 3): this loop runs for every quantity of a model.
    `project` is `project_scales` of the model's units: a quantity with no unit of its own is in these."""
    result = BaseQuantities()
    # quantity name -> (SI value, set label), of the named sets and of the sets read by content
    named: dict[str, tuple[float, str]] = {}
    content: dict[str, tuple[float, str]] = {}
    counts: dict[bool, str] = {}  # the first count quantity's name, of the named sets (True) and the others
    wrong: dict[str, str] = {}  # "<set>.<name>" -> why: a quantity of another entity than its name says
    # (set, name, whether named as base quantities): those first, each group in the order given
    ranked = [(q, name, quantity_set_rank(name) in STANDARD_RANKS) for q in quantity_sets for name in (q[2],)]
    if len(ranked) > 1:
        ranked.sort(key=lambda item: not item[2])
    for qset, set_name, standard in ranked:
        label = set_name if isinstance(set_name, str) and set_name else UNNAMED_SET
        simple = named if standard else content
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
            said = _KIND_BY_NAME.get(name, kind)
            if said != kind:
                scale, whose = _scale_by_name(unit, said, project)
                wrong[f"{label}.{name}"] = (
                    f"{label}.{name} is written as an {cls}, not an {_ENTITY[said]}: read by its name, as a "
                    f"{_WORD[said]} in {whose} {_WORD[said]} unit"
                )
            else:
                scale = _unit_scale(unit, kind) if unit is not None and kind != "count" else project[kind]
            value = float(raw) * scale
            if kind != "count" and value <= 0:
                result.ignored.append(f"{label}.{name} = {value:g} is not positive: ignored")
                continue
            if not math.isfinite(value) or abs(value) > PLAUSIBLE_MAX:
                result.ignored.append(f"{label}.{name} = {value:g} is not a plausible quantity: ignored")
                continue
            simple[name] = (value, label)
            if standard not in counts and isinstance(name, str) and name[:5].lower() == "count":
                counts[standard] = name
    if named or content:
        result.volume = _best(named, content, VOLUME_NAMES)
        result.area = _best(named, content, AREA_NAMES)
        result.length = _best(named, content, LENGTH_NAMES)
        result.weight = _best(named, content, WEIGHT_NAMES)
        if counts:
            result.count = _first(named, (counts[True],)) if True in counts else None
            result.count = result.count or _first(content, (counts[False],), standard=False)
        used = (result.volume, result.area, result.length, result.weight, result.count)
        result.flagged += [wrong[q.label] for q in used if q is not None and q.label in wrong]
    return result


def _scale_by_name(unit: Any, kind: str, project: dict[str, float]) -> tuple[float, str]:
    """(SI per unit, whose unit) of a quantity read as `kind` by its name: its own unit if that is a
    unit of this kind, else the project's unit of this kind (a unit of the kind of the entity it was
    written as would scale a volume as an area)."""
    if unit is not None and getattr(unit, "UnitType", None) == _UNIT_TYPE[kind]:
        return _unit_scale(unit, kind), "its own"
    return project[kind], "the project's"


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


def _first(
    found: dict[str, tuple[float, str]], names: tuple[str, ...], standard: bool = True
) -> Quantity | None:
    for name in names:
        if name in found:
            value, set_name = found[name]
            return Quantity(value, f"{set_name}.{name}", standard)
    return None


def _best(
    named: dict[str, tuple[float, str]], content: dict[str, tuple[float, str]], names: tuple[str, ...]
) -> Quantity | None:
    """The first of `names` in the named sets, else in the sets read by content."""
    return _first(named, names) or _first(content, names, standard=False)
