"""An element's material parts, and how its volume is shared among them.

Resolves ``IfcMaterial``, ``IfcMaterialLayerSet(Usage)``, ``IfcMaterialProfileSet(Usage)`` (IFC4+),
``IfcMaterialConstituentSet``, ``IfcMaterialList`` and the single layer/profile/constituent that IFC4
allows to be associated directly, on the occurrence or, failing that, on its type.

Shares (fractions of the element volume, summing to 1):

- layers: thickness / total thickness;
- profiles: profile area / total profile area;
- constituents: ``Fraction`` when every constituent has one; else the per-constituent volumes or
  widths of the element's quantity set (Revit writes these as ``IfcPhysicalComplexQuantity`` named
  after each constituent); else an equal split, flagged as an assumption;
- material lists: an equal split, flagged as an assumption (IFC gives lists no proportions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import ifcopenshell.util.element

from embodied.records import SplitMethod
from embodied.units import UnitScales


@dataclass(frozen=True, slots=True)
class MaterialPart:
    material: str | None  # the IfcMaterial's name; None for a layer without material (e.g. air gap)
    index: int | None  # 1-based position in its set
    label: str | None  # layer / profile / constituent name when the set names it
    thickness_m: float | None = None
    profile: Any = None  # IfcProfileDef, for profile-set parts
    fraction: float | None = None  # IfcMaterialConstituent.Fraction
    density_kg_m3: float | None = None
    density_note: str = ""
    category: str | None = None  # IfcMaterial.Category (IFC4 onwards)


@dataclass(frozen=True, slots=True)
class MaterialResolution:
    kind: str | None  # IFC class of what is associated, e.g. IfcMaterialLayerSetUsage
    set_name: str | None
    source: str | None  # "occurrence" or "type"
    parts: tuple[MaterialPart, ...]


@dataclass(frozen=True, slots=True)
class Split:
    shares: tuple[float, ...]
    method: SplitMethod
    detail: tuple[str, ...]  # per part, for the quantity_source tag
    assumption: str | None = None


NONE = MaterialResolution(kind=None, set_name=None, source=None, parts=())


def _density(material: Any, units: UnitScales) -> tuple[float | None, str]:
    """Pset_MaterialCommon.MassDensity (IFC4) or IfcGeneralMaterialProperties (IFC2X3), in kg/m³."""
    if material is None:
        return None, ""
    value = ifcopenshell.util.element.get_pset(material, "Pset_MaterialCommon", "MassDensity")
    if value is None:
        for props in getattr(material, "HasProperties", None) or ():
            if props.is_a("IfcGeneralMaterialProperties") and props.MassDensity is not None:
                value = props.MassDensity
    if value is None and material.file.schema == "IFC2X3":
        for props in material.file.by_type("IfcGeneralMaterialProperties"):
            if props.Material == material and props.MassDensity is not None:
                value = props.MassDensity
    if value is None:
        return None, ""
    density = float(value) * units.mass_density_kg_m3 if isinstance(value, (int, float)) else math.nan
    if not 0 < density < 30000:  # kg/m³; osmium, the densest element, is 22 590
        return None, f"model gives MassDensity {value!r} for {material.Name!r}: ignored"
    return density, ""


def _thickness(value: Any, units: UnitScales) -> float | None:
    """A layer's thickness in m; None when the file gives none the parser could read (it is required)."""
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value) * units.length_m


def _part(material: Any, units: UnitScales, **kw: Any) -> MaterialPart:
    density, note = _density(material, units)
    # a damaged file can put anything in these attributes: only text is a name
    name = material.Name if material is not None and isinstance(material.Name, str) else None
    category = getattr(material, "Category", None) if material is not None else None
    category = category if isinstance(category, str) else None
    return MaterialPart(material=name, density_kg_m3=density, density_note=note, category=category, **kw)


def resolve(associated: Any, source: str | None, units: UnitScales) -> MaterialResolution:
    """The parts of a material association (`associated` is the RelatingMaterial found on the
    element, `source` says whether on the "occurrence" or its "type"; see ModelIndex.material).
    Depends on nothing else, so the take-off resolves each association once."""
    if associated is None:
        return NONE
    kind = associated.is_a()
    definition = associated
    if kind in ("IfcMaterialLayerSetUsage",):
        definition = associated.ForLayerSet
    elif kind.startswith("IfcMaterialProfileSetUsage"):
        definition = associated.ForProfileSet
    dkind = definition.is_a()
    parts: list[MaterialPart] = []
    set_name: str | None = None
    if dkind == "IfcMaterial":
        parts.append(_part(definition, units, index=None, label=None))
    elif dkind == "IfcMaterialLayerSet":
        set_name = definition.LayerSetName
        for i, layer in enumerate(definition.MaterialLayers, start=1):
            parts.append(
                _part(
                    layer.Material,
                    units,
                    index=i,
                    label=getattr(layer, "Name", None),
                    thickness_m=_thickness(layer.LayerThickness, units),
                )
            )
    elif dkind == "IfcMaterialProfileSet":
        set_name = definition.Name
        for i, mp in enumerate(definition.MaterialProfiles, start=1):
            parts.append(_part(mp.Material, units, index=i, label=mp.Name, profile=mp.Profile))
    elif dkind == "IfcMaterialConstituentSet":
        set_name = definition.Name
        for i, c in enumerate(definition.MaterialConstituents or (), start=1):
            parts.append(_part(c.Material, units, index=i, label=c.Name, fraction=c.Fraction))
    elif dkind == "IfcMaterialList":
        for i, material in enumerate(definition.Materials, start=1):
            parts.append(_part(material, units, index=i, label=None))
    elif dkind in ("IfcMaterialLayer", "IfcMaterialProfile", "IfcMaterialConstituent"):
        parts.append(_part(definition.Material, units, index=None, label=getattr(definition, "Name", None)))
    if not parts:
        return MaterialResolution(kind=kind, set_name=set_name, source=source, parts=())
    return MaterialResolution(kind=kind, set_name=set_name, source=source, parts=tuple(parts))


LAYER_KINDS = ("IfcMaterialLayerSet", "IfcMaterialLayerSetUsage")


def _bad_thicknesses(parts: tuple[MaterialPart, ...]) -> str:
    """Why a layer set cannot be shared by thickness: the layers without a valid thickness, else a
    zero total."""
    bad = [
        f"layer {p.index} ({p.material}) "
        + ("has no valid thickness" if p.thickness_m is None else f"is {p.thickness_m:g} m thick: negative")
        for p in parts
        if p.thickness_m is None or p.thickness_m < 0
    ]
    return "layer set: " + "; ".join(bad) if bad else "layer set with zero total thickness"


def _equal(n: int, what: str) -> Split:
    return Split(
        shares=tuple(1.0 / n for _ in range(n)),
        method=SplitMethod.EQUAL,
        detail=tuple(f"equal split 1/{n}" for _ in range(n)),
        assumption=f"{what}: volume split equally among {n} materials (assumption)",
    )


def _proportional(
    parts: tuple[MaterialPart, ...],
    values: list[float | None],
    method: SplitMethod,
    kind: str,
    what: str,
    unit: str = "",
    digits: int = 4,
) -> Split | None:
    """Shares proportional to `values`; None unless all are known, none is negative and their
    total is positive. The detail reads e.g. 'layer 2/3 by thickness 0.2000/0.3000 m'."""
    if any(v is None or v < 0 for v in values):
        return None
    known = [v or 0.0 for v in values]
    total = sum(known)
    if total <= 0:
        return None
    n = len(parts)
    suffix = f" {unit}" if unit else ""
    return Split(
        shares=tuple(v / total for v in known),
        method=method,
        detail=tuple(
            f"{kind} {p.index}/{n} by {what} {v:.{digits}f}/{total:.{digits}f}{suffix}"
            for p, v in zip(parts, known, strict=True)
        ),
    )


def split(
    resolution: MaterialResolution,
    complex_quantities: dict[str, dict[str, float]],
    profile_areas: tuple[float | None, ...] = (),
) -> Split:
    """Shares of the element's volume for each part of `resolution` (see the module docstring)."""
    parts = resolution.parts
    n = len(parts)
    if n == 0:
        return Split(shares=(), method=SplitMethod.WHOLE, detail=())
    if n == 1:
        return Split(shares=(1.0,), method=SplitMethod.WHOLE, detail=("",))
    if resolution.kind in LAYER_KINDS or parts[0].thickness_m is not None:
        thicknesses = [p.thickness_m for p in parts]
        by_thickness = _proportional(
            parts, thicknesses, SplitMethod.LAYER_THICKNESS, "layer", "thickness", "m"
        )
        return by_thickness or _equal(n, _bad_thicknesses(parts))
    if parts[0].profile is not None:
        areas: list[float | None] = (
            list(profile_areas) if profile_areas and all(profile_areas) else [None] * n
        )
        by_area = _proportional(parts, areas, SplitMethod.PROFILE_AREA, "profile", "area", "m²", 6)
        return by_area or _equal(n, "profile set whose profile areas could not be computed")
    if resolution.kind == "IfcMaterialConstituentSet" or parts[0].fraction is not None:
        fractions = [p.fraction for p in parts]
        by_fraction = _proportional(parts, fractions, SplitMethod.FRACTION, "constituent", "Fraction")
        given = [f for f in fractions if f is not None]
        if by_fraction is None and len(given) == n:  # every Fraction given, and none usable
            why = "a negative Fraction" if min(given) < 0 else f"Fractions summing to {sum(given):g}"
            return _equal(n, f"constituent set with {why} ({', '.join(f'{f:g}' for f in given)})")
        if by_fraction is not None:
            total = sum(f or 0.0 for f in fractions)
            if abs(total - 1.0) > 1e-6:
                rescaled = f"constituent Fractions sum to {total:g}, not 1: rescaled to 1 (assumption)"
                by_fraction = replace(by_fraction, assumption=rescaled)
            return by_fraction
        for key, unit in (("NetVolume", "m³"), ("GrossVolume", "m³"), ("Width", "m")):
            # per-constituent quantities (Revit: IfcPhysicalComplexQuantity named after each one)
            values = [complex_quantities.get(p.label or "", {}).get(key) for p in parts]
            if all(values):
                by_quantity = _proportional(
                    parts, values, SplitMethod.CONSTITUENT_QUANTITY, "constituent", key, unit
                )
                if by_quantity is not None:
                    return by_quantity
        return _equal(n, "constituent set without Fraction or per-constituent quantities")
    return _equal(n, "material list (IFC gives no proportions)")
