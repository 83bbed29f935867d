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

from dataclasses import dataclass
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
    if not isinstance(value, (int, float)) or value <= 0:
        return None, f"model gives MassDensity {value!r} for {material.Name!r}: ignored"
    return float(value) * units.mass_density_kg_m3, ""


def _part(material: Any, units: UnitScales, **kw: Any) -> MaterialPart:
    density, note = _density(material, units)
    name = material.Name if material is not None else None
    return MaterialPart(material=name, density_kg_m3=density, density_note=note, **kw)


def resolve(element: Any, units: UnitScales) -> MaterialResolution:
    direct = ifcopenshell.util.element.get_material(element, should_inherit=False)
    associated = direct or ifcopenshell.util.element.get_material(element)
    if associated is None:
        return NONE
    source = "occurrence" if direct is not None else "type"
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
                    thickness_m=float(layer.LayerThickness or 0.0) * units.length_m,
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


def _equal(n: int, what: str) -> Split:
    return Split(
        shares=tuple(1.0 / n for _ in range(n)),
        method=SplitMethod.EQUAL,
        detail=tuple(f"equal split 1/{n}" for _ in range(n)),
        assumption=f"{what}: volume split equally among {n} materials (assumption)",
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
    if parts[0].thickness_m is not None:
        total = sum(p.thickness_m or 0.0 for p in parts)
        if total <= 0:
            return _equal(n, "layer set with zero total thickness")
        return Split(
            shares=tuple((p.thickness_m or 0.0) / total for p in parts),
            method=SplitMethod.LAYER_THICKNESS,
            detail=tuple(
                f"layer {p.index}/{n} by thickness {p.thickness_m or 0.0:.4f}/{total:.4f} m" for p in parts
            ),
        )
    if parts[0].profile is not None:
        if profile_areas and all(a for a in profile_areas):
            total = sum(a or 0.0 for a in profile_areas)
            return Split(
                shares=tuple((a or 0.0) / total for a in profile_areas),
                method=SplitMethod.PROFILE_AREA,
                detail=tuple(
                    f"profile {p.index}/{n} by area {a or 0.0:.6f}/{total:.6f} m²"
                    for p, a in zip(parts, profile_areas, strict=True)
                ),
            )
        return _equal(n, "profile set whose profile areas could not be computed")
    if resolution.kind == "IfcMaterialConstituentSet" or parts[0].fraction is not None:
        fractions = [p.fraction for p in parts]
        if all(f is not None and f >= 0 for f in fractions) and sum(f or 0.0 for f in fractions) > 0:
            total = sum(f or 0.0 for f in fractions)
            rescaled = None
            if abs(total - 1.0) > 1e-6:
                rescaled = f"constituent Fractions sum to {total:g}, not 1: rescaled to 1 (assumption)"
            return Split(
                shares=tuple((f or 0.0) / total for f in fractions),
                method=SplitMethod.FRACTION,
                detail=tuple(f"constituent {p.index}/{n} by Fraction {p.fraction:g}" for p in parts),
                assumption=rescaled,
            )
        by_quantity = _constituent_quantities(parts, complex_quantities)
        if by_quantity is not None:
            return by_quantity
        return _equal(n, "constituent set without Fraction or per-constituent quantities")
    return _equal(n, "material list (IFC gives no proportions)")


def _constituent_quantities(
    parts: tuple[MaterialPart, ...], complex_quantities: dict[str, dict[str, float]]
) -> Split | None:
    """Shares from per-constituent volumes, else widths, in the element's quantity sets."""
    n = len(parts)
    for key, unit in (("NetVolume", "m³"), ("GrossVolume", "m³"), ("Width", "m")):
        values = [complex_quantities.get(p.label or "", {}).get(key) for p in parts]
        if all(v is not None and v > 0 for v in values):
            total = sum(v or 0.0 for v in values)
            return Split(
                shares=tuple((v or 0.0) / total for v in values),
                method=SplitMethod.CONSTITUENT_QUANTITY,
                detail=tuple(
                    f"constituent {p.index}/{n} by {key} {v or 0.0:.4f}/{total:.4f} {unit}"
                    for p, v in zip(parts, values, strict=True)
                ),
            )
    return None
