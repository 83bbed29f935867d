"""Build small IFC models in code, on top of ``ifcopenshell.api``: for the tests and the sample.

Callers speak SI (m, m², m³, kg, kg/m³); the kit converts to the model's units, so the same calls
build the same building in millimetres, metres or feet. A material spec is a name (IfcMaterial),
(name, thickness) layers (IfcMaterialLayerSet, as a usage on occurrences), ``Constituent``s
(IfcMaterialConstituentSet) or None. Elements sit relative to their storey; a wall runs along its
local x, layer 1 at y = 0 and the next ones along +y; slabs and boxes span x and y from their
position, columns are centred on it, beams run along x from it, web vertical. IFC2X3 has no
profile or constituent sets: asking for either there raises ``ValueError``.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

import ifcopenshell
import ifcopenshell.api.aggregate
import ifcopenshell.api.context
import ifcopenshell.api.feature
import ifcopenshell.api.geometry
import ifcopenshell.api.material
import ifcopenshell.api.owner
import ifcopenshell.api.project
import ifcopenshell.api.pset
import ifcopenshell.api.root
import ifcopenshell.api.spatial
import ifcopenshell.api.type
import ifcopenshell.api.unit
import ifcopenshell.guid
import ifcopenshell.util.element
import ifcopenshell.util.representation
import ifcopenshell.util.unit

Schema = Literal["IFC2X3", "IFC4", "IFC4X3"]
LengthUnit = Literal["MILLIMETRE", "METRE", "FOOT"]
Layer = tuple[str, float]  # (material name, thickness in m)
XY = tuple[float, float]
XYZ = tuple[float, float, float]
Quantities = bool | Mapping[str, float]  # True: the helper's computed set; a mapping overrides/extends it
TIMESTAMP = "2024-01-01T00:00:00+08:00"  # written into every file, so that files are reproducible
_EPOCH = 1704038400  # the same instant, for the owner histories IFC2X3 requires
_WHOLES = {"IfcElementAssembly": "USERDEFINED", "IfcRoof": "FLAT_ROOF"}  # default predefined types


@dataclass(frozen=True, slots=True)
class Constituent:
    """One part of an IfcMaterialConstituentSet; ``fraction`` None leaves Fraction unset."""

    material: str
    fraction: float | None = None
    name: str | None = None


MaterialSpec = str | Sequence[Layer] | Sequence[Constituent] | None


@dataclass(frozen=True, slots=True)
class IShape:
    """A symmetric I-section without fillets, in m (written as an IfcIShapeProfileDef)."""

    depth: float  # overall depth h
    width: float  # flange width b
    web: float  # web thickness tw
    flange: float  # flange thickness tf
    name: str | None = None

    @property
    def area_m2(self) -> float:
        """2·b·tf + (h − 2·tf)·tw, exact since there are no fillets."""
        return 2 * self.width * self.flange + (self.depth - 2 * self.flange) * self.web


class Where(TypedDict, total=False):
    """Keywords the element helpers take (add_opening excepted)."""

    position: XYZ  # m, from the storey's origin (windows and doors: from the host wall's)
    angle_deg: float  # turn about z
    storey: Any  # default: the first storey (windows and doors: the host wall's)
    name: str | None
    element_type: Any  # type the element; with no material of its own it inherits the type's
    quantities: Quantities  # write the helper's computed Qto_*BaseQuantities (not add_box)
    predefined_type: str | None  # e.g. ROOF for a slab


# -- model, units, spatial structure ---------------------------------------------------------------
def new_model(
    schema: Schema = "IFC4", length_unit: LengthUnit = "MILLIMETRE", *, project: str = "Test project"
) -> ifcopenshell.file:
    """A file with a project, units, a Model/Body context, a site, a building and a storey 'Level 1'
    at z = 0. Millimetre and metre models measure areas in m² and volumes in m³ (as most exporters
    do); foot models use the conversion-based foot, square foot and cubic foot."""
    model = ifcopenshell.api.project.create_file(version=schema)
    model.header.file_name.originating_system = "embodied modelkit"
    if schema == "IFC2X3":  # owner histories are mandatory: the API needs a user and an application
        person = ifcopenshell.api.owner.add_person(model, identification="modelkit", family_name="Kit")
        org = ifcopenshell.api.owner.add_organisation(model, identification="embodied", name="embodied")
        ifcopenshell.api.owner.add_person_and_organisation(model, person=person, organisation=org)
        ifcopenshell.api.owner.add_application(model, application_developer=org)
    proj = ifcopenshell.api.root.create_entity(model, ifc_class="IfcProject", name=project)
    if length_unit == "FOOT":
        add = ifcopenshell.api.unit.add_conversion_based_unit
        units = [add(model, name=n) for n in ("foot", "square foot", "cubic foot")]
    else:
        prefix = "MILLI" if length_unit == "MILLIMETRE" else None
        units = [ifcopenshell.api.unit.add_si_unit(model, unit_type="LENGTHUNIT", prefix=prefix)]
        units += [ifcopenshell.api.unit.add_si_unit(model, unit_type=t) for t in ("AREAUNIT", "VOLUMEUNIT")]
    ifcopenshell.api.unit.assign_unit(model, units=units)
    parent = ifcopenshell.api.context.add_context(model, context_type="Model")
    ifcopenshell.api.context.add_context(
        model, context_type="Model", context_identifier="Body", target_view="MODEL_VIEW", parent=parent
    )
    plan = ifcopenshell.api.context.add_context(model, context_type="Plan")
    ifcopenshell.api.context.add_context(
        model, context_type="Plan", context_identifier="Axis", target_view="GRAPH_VIEW", parent=plan
    )
    site = _spatial(model, "IfcSite", "Site", proj, None)
    _spatial(model, "IfcBuilding", "Building", site, site.ObjectPlacement)
    add_storey(model, "Level 1", 0.0)
    return model


def _spatial(model: Any, ifc_class: str, name: str, parent: Any, rel_to: Any, z: float = 0.0) -> Any:
    element = ifcopenshell.api.root.create_entity(model, ifc_class=ifc_class, name=name)
    element.ObjectPlacement = _placement(model, (0.0, 0.0, z), rel_to)
    ifcopenshell.api.aggregate.assign_object(model, products=[element], relating_object=parent)
    return element


def add_storey(model: Any, name: str, elevation: float) -> Any:
    """A building storey of the first building, at `elevation` m."""
    building = model.by_type("IfcBuilding")[0]
    storey = _spatial(model, "IfcBuildingStorey", name, building, building.ObjectPlacement, elevation)
    storey.Elevation = to_length(model, elevation)
    return storey


def to_length(model: Any, metres: float) -> float:
    """A length in m, in the model's length unit."""
    return metres / ifcopenshell.util.unit.calculate_unit_scale(model)


def body_context(model: Any) -> Any:
    return ifcopenshell.util.representation.get_context(model, "Model", "Body", "MODEL_VIEW")


def _placement(model: Any, position: XYZ, rel_to: Any, angle_deg: float = 0.0) -> Any:
    angle = math.radians(angle_deg)
    axes = model.createIfcAxis2Placement3D(
        model.createIfcCartesianPoint([to_length(model, float(c)) for c in position]),
        model.createIfcDirection((0.0, 0.0, 1.0)),
        model.createIfcDirection((math.cos(angle), math.sin(angle), 0.0)),
    )
    return model.createIfcLocalPlacement(rel_to, axes)


# -- materials and quantities ----------------------------------------------------------------------
def material(model: Any, name: str, *, density: float | None = None) -> Any:
    """The IfcMaterial called `name` (created on first use). A `density` in kg/m³ is written as
    Pset_MaterialCommon.MassDensity (IFC4 onwards) or IfcGeneralMaterialProperties (IFC2X3)."""
    mat = next((m for m in model.by_type("IfcMaterial") if m.Name == name), None)
    mat = mat or ifcopenshell.api.material.add_material(model, name=name)
    if density is not None and model.schema == "IFC2X3":
        model.createIfcGeneralMaterialProperties(mat, None, None, float(density))
    elif density is not None:
        found = ifcopenshell.util.element.get_pset(mat, "Pset_MaterialCommon")
        add = ifcopenshell.api.pset.add_pset
        pset = model.by_id(found["id"]) if found else add(model, product=mat, name="Pset_MaterialCommon")
        ifcopenshell.api.pset.edit_pset(model, pset=pset, properties={"MassDensity": float(density)})
    return mat


def assign(model: Any, element: Any, spec: MaterialSpec, set_name: str | None = None) -> None:
    """Associate the material `spec` with an element or an element type (see the module docstring)."""
    if spec is None:
        return
    products, api = [element], ifcopenshell.api.material
    if isinstance(spec, str):
        api.assign_material(model, products=products, material=material(model, spec))
        return
    constituents = [c for c in spec if isinstance(c, Constituent)]
    if constituents:
        if model.schema == "IFC2X3":
            raise ValueError("IFC2X3 has no IfcMaterialConstituentSet: use an IFC4 or IFC4X3 model")
        names = "+".join(c.material for c in constituents)
        mset = api.add_material_set(model, name=set_name or names, set_type="IfcMaterialConstituentSet")
        for c in constituents:
            mat = material(model, c.material)
            part = api.add_constituent(model, constituent_set=mset, material=mat, name=c.name)
            if c.fraction is not None:
                part.Fraction = float(c.fraction)
        api.assign_material(model, products=products, type="IfcMaterialConstituentSet", material=mset)
        return
    layers = [c for c in spec if isinstance(c, tuple)]
    names = "+".join(m for m, _ in layers)
    mset = api.add_material_set(model, name=set_name or names, set_type="IfcMaterialLayerSet")
    for name, thickness in layers:
        layer = api.add_layer(model, layer_set=mset, material=material(model, name))
        layer.LayerThickness = to_length(model, thickness)
    if element.is_a("IfcTypeObject"):
        api.assign_material(model, products=products, type="IfcMaterialLayerSet", material=mset)
    else:
        api.assign_material(model, products=products, type="IfcMaterialLayerSetUsage", material=mset)


def add_quantities(model: Any, element: Any, name: str, values: Mapping[str, float]) -> Any:
    """An IfcElementQuantity `name` holding `values` (SI), its kind by name: '…Volume' m³, '…Area'
    m², '…Weight' kg (IFC's default mass unit, which the kit never changes), else a length in m."""
    calc, converted = ifcopenshell.util.unit.calculate_unit_scale, dict[str, Any]()
    for key, value in values.items():
        if "Volume" in key or "Area" in key:
            scale = calc(model, "VOLUMEUNIT" if "Volume" in key else "AREAUNIT")
        else:
            scale = 1.0 if "Weight" in key else calc(model)
        converted[key] = float(value) / scale
    qto = ifcopenshell.api.pset.add_qto(model, product=element, name=name)
    ifcopenshell.api.pset.edit_qto(model, qto=qto, properties=converted)
    return qto


# -- elements ---------------------------------------------------------------------------------------
Qto = tuple[str, dict[str, float]] | None  # (set name, the helper's computed SI values)


def _build(model: Any, cls: str, body: Any, spec: MaterialSpec, qto: Qto, **kw: Any) -> Any:
    """Create, place (relative to `host`, else the storey), contain, type, add material, quantities."""
    name, kind = kw.get("name"), kw.get("predefined_type")
    element: Any = ifcopenshell.api.root.create_entity(model, ifc_class=cls, name=name, predefined_type=kind)
    storey = kw.get("storey") or model.by_type("IfcBuildingStorey")[0]
    position, angle = kw.get("position", (0.0, 0.0, 0.0)), kw.get("angle_deg", 0.0)
    element.ObjectPlacement = _placement(model, position, (kw.get("host") or storey).ObjectPlacement, angle)
    if body is not None:
        ifcopenshell.api.geometry.assign_representation(model, product=element, representation=body)
    if not element.is_a("IfcFeatureElement"):
        ifcopenshell.api.spatial.assign_container(model, products=[element], relating_structure=storey)
    if (element_type := kw.get("element_type")) is not None:
        ifcopenshell.api.type.assign_type(model, related_objects=[element], relating_type=element_type)
        # the API gives a typed occurrence a layer/profile set usage: removed, the type's material is meant
        if ifcopenshell.util.element.get_material(element, should_inherit=False) is not None:
            ifcopenshell.api.material.unassign_material(model, products=[element])
    assign(model, element, spec, name)
    wanted = kw.get("quantities", False)
    if wanted and qto is not None:
        add_quantities(model, element, qto[0], qto[1] if wanted is True else {**qto[1], **wanted})
    return element


def _box(model: Any, x: float, y: float, z: float, y_offset: float = 0.0) -> Any:
    """An extruded rectangle [0, x] × [y_offset, y_offset + y] × [0, z], in m."""
    return ifcopenshell.api.geometry.add_wall_representation(
        model, context=body_context(model), length=x, height=z, thickness=y, offset=y_offset
    )


def add_type(model: Any, ifc_class: str, name: str, spec: MaterialSpec) -> Any:
    """An element type (IfcWallType, IfcColumnType, …) carrying the material (layers: a layer set)."""
    element_type = ifcopenshell.api.root.create_entity(model, ifc_class=ifc_class, name=name)
    assign(model, element_type, spec, name)
    return element_type


def wall_thickness(model: Any, wall: Any) -> float | None:
    """Total thickness in m of the layer set of a wall (its own or its type's) or of a wall type."""
    mat = ifcopenshell.util.element.get_material(wall)
    mset = getattr(mat, "ForLayerSet", mat)
    if mset is None or not mset.is_a("IfcMaterialLayerSet"):
        return None
    scale = ifcopenshell.util.unit.calculate_unit_scale(model)
    return sum(float(layer.LayerThickness) for layer in mset.MaterialLayers) * scale


def add_wall(model: Any, layers: Sequence[Layer] | None, *, size: XY, **kw: Unpack[Where]) -> Any:
    """A layered wall of `size` (length, height) m (layers None: its `element_type`'s layers).
    Qto_WallBaseQuantities: Length, Height, Width, GrossSideArea, GrossVolume (and NetVolume only
    if given in `quantities`: the kit does not subtract openings)."""
    length, height = size
    element_type = kw.get("element_type")
    thickness = sum(t for _, t in layers) if layers else element_type and wall_thickness(model, element_type)
    if not thickness:
        raise ValueError("add_wall needs layers or a layered element_type (add_box makes other walls)")
    qto = {"Length": length, "Height": height, "Width": thickness, "GrossSideArea": length * height}
    qto |= {"GrossVolume": length * height * thickness}
    body = _box(model, length, thickness, height)
    wall = _build(model, "IfcWall", body, layers, ("Qto_WallBaseQuantities", qto), **kw)
    context = ifcopenshell.util.representation.get_context(model, "Plan", "Axis", "GRAPH_VIEW")
    assert context is not None, "new_model makes the Plan/Axis context"
    axis = ifcopenshell.api.geometry.add_axis_representation(
        model,
        context=context,
        axis=((0.0, 0.0), (length, 0.0)),  # the API takes metres
    )
    ifcopenshell.api.geometry.assign_representation(model, product=wall, representation=axis)
    return wall


def add_opening(model: Any, wall: Any, *, size: XY, at: XY) -> Any:
    """An IfcOpeningElement through `wall` (5 cm spare each side), of `size` (width, height) m, `at`
    (distance along the wall, sill height) m."""
    body = _box(model, size[0], (wall_thickness(model, wall) or 1.0) + 0.1, size[1], y_offset=-0.05)
    where = {"host": wall, "position": (at[0], 0.0, at[1]), "predefined_type": "OPENING"}
    opening = _build(model, "IfcOpeningElement", body, None, None, **where)
    ifcopenshell.api.feature.add_feature(model, feature=opening, element=wall)
    return opening


def _filling(
    model: Any, ifc_class: str, wall: Any, spec: MaterialSpec, size: XY, at: XY, depth: float, kw: Any
) -> Any:
    """An opening in `wall` filled by a `depth`-thick box centred in the wall's thickness."""
    opening = add_opening(model, wall, size=size, at=at)
    y = ((wall_thickness(model, wall) or depth) - depth) / 2
    kw.setdefault("storey", ifcopenshell.util.element.get_container(wall))
    kw |= {"host": wall, "position": (at[0], y, at[1])}
    filling = _build(model, ifc_class, _box(model, size[0], depth, size[1]), spec, None, **kw)
    filling.OverallWidth, filling.OverallHeight = to_length(model, size[0]), to_length(model, size[1])
    ifcopenshell.api.feature.add_filling(model, opening=opening, element=filling)
    return filling


def add_window(model: Any, wall: Any, spec: MaterialSpec, *, size: XY, at: XY, **kw: Unpack[Where]) -> Any:
    """An 8 cm thick IfcWindow of `size` (width, height) m `at` (distance along the wall, sill height)
    in an opening of `wall`, with OverallWidth and OverallHeight."""
    return _filling(model, "IfcWindow", wall, spec, size, at, 0.08, kw)


def add_door(model: Any, wall: Any, spec: MaterialSpec, *, size: XY, at: float, **kw: Unpack[Where]) -> Any:
    """A 5 cm thick IfcDoor of `size` (width, height) m `at` m along `wall`, in an opening from its base."""
    return _filling(model, "IfcDoor", wall, spec, size, (at, 0.0), 0.05, kw)


def add_slab(model: Any, spec: MaterialSpec, *, size: XYZ, **kw: Unpack[Where]) -> Any:
    """A slab (FLOOR unless told) of `size` (x, y, thickness) m up from its position. Its
    Qto_SlabBaseQuantities: Width, Length, Perimeter, Gross/NetArea, Gross/NetVolume."""
    x, y, t = size
    outline = [(0.0, 0.0), (x, 0.0), (x, y), (0.0, y), (0.0, 0.0)]
    body = ifcopenshell.api.geometry.add_slab_representation(
        model, context=body_context(model), depth=t, polyline=outline
    )
    qto = {"Width": t, "Length": max(x, y), "Perimeter": 2 * (x + y), "GrossArea": x * y, "NetArea": x * y}
    kw.setdefault("predefined_type", "FLOOR")
    qto |= {"GrossVolume": x * y * t, "NetVolume": x * y * t}
    return _build(model, "IfcSlab", body, spec, ("Qto_SlabBaseQuantities", qto), **kw)


def _member(model: Any, cls: str, spec: MaterialSpec, sec: Any, length: float, area: float, kw: Any) -> Any:
    """A profile extruded `length` (beams: along local x, web vertical; columns: up)."""
    axes = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)) if cls == "IfcBeam" else (None, None)
    body = ifcopenshell.api.geometry.add_profile_representation(
        model, body_context(model), sec, depth=length, cardinal_point=None, placement_zx_axes=axes
    )
    v = area * length
    qto = {"Length": length, "CrossSectionArea": area, "GrossVolume": v, "NetVolume": v}
    kw.setdefault("predefined_type", cls[3:].upper())
    return _build(model, cls, body, spec, (f"Qto_{cls[3:]}BaseQuantities", qto), **kw)


def add_column(model: Any, spec: MaterialSpec, *, size: XYZ, **kw: Unpack[Where]) -> Any:
    """A column of `size` (x, y, height) m centred on its position (spec None: the material of its
    `element_type`). Qto_ColumnBaseQuantities: Length, CrossSectionArea, GrossVolume, NetVolume."""
    x, y, height = size
    rectangle = profile(model, "IfcRectangleProfileDef", None, x, y)
    return _member(model, "IfcColumn", spec, rectangle, height, x * y, kw)


def profile(model: Any, ifc_class: str, name: str | None, *dims: float | None) -> Any:
    """A parameterised profile centred on the origin; `dims` in m, as the class orders them
    (IfcIShapeProfileDef: width, depth, web, flange, fillet radius None)."""
    origin = model.createIfcAxis2Placement2D(model.createIfcCartesianPoint((0.0, 0.0)), None)
    values = [None if d is None else to_length(model, d) for d in dims]
    return model.create_entity(ifc_class, "AREA", name, origin, *values)


def add_beam(model: Any, material_name: str, shape: IShape, *, length: float, **kw: Unpack[Where]) -> Any:
    """A beam of `shape` and `length` m with an IfcMaterialProfileSetUsage (IFC4 onwards).
    Qto_BeamBaseQuantities: Length, CrossSectionArea, GrossVolume, NetVolume."""
    if model.schema == "IFC2X3":
        raise ValueError("IFC2X3 has no IfcMaterialProfileSet: use an IFC4 or IFC4X3 model")
    s = shape
    section = profile(model, "IfcIShapeProfileDef", s.name, s.width, s.depth, s.web, s.flange, None)
    beam = _member(model, "IfcBeam", None, section, length, shape.area_m2, kw)
    mat, api = material(model, material_name), ifcopenshell.api.material
    mset = api.add_material_set(model, name=shape.name or material_name, set_type="IfcMaterialProfileSet")
    api.add_profile(model, profile_set=mset, material=mat, profile=section, name=shape.name)
    api.assign_material(model, products=[beam], type="IfcMaterialProfileSetUsage", material=mset)
    return beam


def add_box(model: Any, ifc_class: str, spec: MaterialSpec, *, size: XYZ, **kw: Unpack[Where]) -> Any:
    """Any element as a box of `size` (x, y, z) m from its position (quantities: `add_quantities`)."""
    return _build(model, ifc_class, _box(model, *size), spec, None, **kw)


def add_aggregate(model: Any, ifc_class: str, parts: Sequence[Any], **kw: Unpack[Where]) -> Any:
    """A whole with no body (IfcElementAssembly, IfcRoof aggregating ROOF slabs, …) aggregating
    `parts`, in the storey of the first: the parts leave the storey and are reached through it."""
    kw.setdefault("storey", ifcopenshell.util.element.get_container(parts[0]))
    kw.setdefault("predefined_type", _WHOLES.get(ifc_class))
    whole = _build(model, ifc_class, None, None, None, **kw)
    for part in parts:  # one by one: the API re-places a batch in set order, which varies by run
        ifcopenshell.api.aggregate.assign_object(model, products=[part], relating_object=whole)
    return whole


# -- saving -----------------------------------------------------------------------------------------
def save(model: Any, path: str | Path, *, seed: str | None = None) -> Path:
    """Write with a fixed time stamp and dates; with `seed`, with GlobalIds derived from it, so that
    the same model gives the same bytes."""
    path = Path(path)
    if seed is not None:
        namespace = uuid.uuid5(uuid.NAMESPACE_URL, "embodied-modelkit")
        for i, entity in enumerate(sorted(model.by_type("IfcRoot"), key=lambda e: e.id())):
            entity.GlobalId = ifcopenshell.guid.compress(uuid.uuid5(namespace, f"{seed}/{i}").hex)
        for entity in [*model.by_type("IfcRelationship"), *model.by_type("IfcUnitAssignment")]:
            for attribute in ("Units", "RelatedObjects", "RelatedElements", "RelatedDefinitions"):
                value = getattr(entity, attribute, None)  # the API fills these from Python sets
                if isinstance(value, tuple) and not entity.is_a("IfcRelNests"):  # nests are ordered
                    setattr(entity, attribute, sorted(value, key=lambda e: e.id()))
    for history in model.by_type("IfcOwnerHistory"):
        history.CreationDate = history.LastModifiedDate = _EPOCH
    model.header.file_name.name = path.name
    model.header.file_name.time_stamp = TIMESTAMP
    path.parent.mkdir(parents=True, exist_ok=True)
    model.write(str(path))
    return path


# -- quantity sets by content, spaces (issue 16) -----------------------------------------------------
RawQuantity = tuple[str, str, float]  # (IFC class such as IfcQuantityVolume, name, value in file units)


def remove_units(model: Any, *unit_types: str) -> None:
    """Take the project's units of these types (e.g. AREAUNIT, VOLUMEUNIT) out of its unit assignment,
    as exporters that declare a length unit only do (Renga: millimetre, no area or volume unit)."""
    units = [u for u in model.by_type("IfcNamedUnit") if getattr(u, "UnitType", None) in unit_types]
    if units:
        ifcopenshell.api.unit.unassign_unit(model, units=units)


def add_raw_quantities(model: Any, product: Any, name: str | None, quantities: Sequence[RawQuantity]) -> Any:
    """An IfcElementQuantity named `name` (None and "" as given: unnamed sets) on `product`, holding
    `quantities` as written: each of the IFC class given, its value in the file's units, no unit of
    its own. Unlike `add_quantities` nothing is converted or inferred: for sets as exporters write them."""
    qto = ifcopenshell.api.pset.add_qto(model, product=product, name="Unnamed")
    qto.Name = name
    qto.Quantities = [model.create_entity(c, key, None, None, float(v)) for c, key, v in quantities]
    return qto


def add_space(
    model: Any,
    *,
    size: XYZ,
    name: str | None = None,
    parent: Any = None,
    position: XYZ = (0.0, 0.0, 0.0),
    predefined_type: str | None = None,
) -> Any:
    """An IfcSpace of `size` (x, y, height) m, an extruded rectangle from `position`, aggregated into
    `parent` (default: the first storey; another space nests it, the site puts it outside the
    building). `predefined_type` is IFC4's (INTERNAL, EXTERNAL, GFA ...) or, in IFC2X3, written as
    InteriorOrExteriorSpace (INTERNAL, EXTERNAL)."""
    parent = parent if parent is not None else model.by_type("IfcBuildingStorey")[0]
    space: Any = ifcopenshell.api.root.create_entity(model, ifc_class="IfcSpace", name=name)
    space.ObjectPlacement = _placement(model, position, parent.ObjectPlacement)
    ifcopenshell.api.aggregate.assign_object(model, products=[space], relating_object=parent)
    x, y, height = size
    outline = [(0.0, 0.0), (x, 0.0), (x, y), (0.0, y), (0.0, 0.0)]
    body = ifcopenshell.api.geometry.add_slab_representation(
        model, context=body_context(model), depth=height, polyline=outline
    )
    ifcopenshell.api.geometry.assign_representation(model, product=space, representation=body)
    if predefined_type is not None and model.schema == "IFC2X3":
        space.InteriorOrExteriorSpace = predefined_type
    elif predefined_type is not None:
        space.PredefinedType = predefined_type
    return space


def add_properties(model: Any, product: Any, pset_name: str, values: Mapping[str, float]) -> Any:
    """A property set `pset_name` on `product` with `values` as they are (file units); a standard
    set's template gives their measure types (Pset_SpaceCommon.GrossPlannedArea: IfcAreaMeasure)."""
    pset = ifcopenshell.api.pset.add_pset(model, product=product, name=pset_name)
    ifcopenshell.api.pset.edit_pset(model, pset=pset, properties={k: float(v) for k, v in values.items()})
    return pset


def add_group(model: Any, name: str, products: Sequence[Any]) -> Any:
    """A plain IfcGroup `name` holding `products`: how Revit exports an area scheme's areas."""
    import ifcopenshell.api.group as group_api

    group = group_api.add_group(model, name=name)
    group_api.assign_group(model, products=list(products), group=group)
    return group


def c30_column(path: Path, seed: str) -> Path:
    """The tests' hand-checkable model: one C30 column KZ1, 0.4 × 0.5 × 3.0 m = 0.6 m³ at 2400 kg/m³
    (1440 kg), saved at `path`."""
    model = new_model("IFC4", "METRE")
    material(model, "C30混凝土", density=2400.0)
    add_box(model, "IfcColumn", "C30混凝土", size=(0.4, 0.5, 3.0), name="KZ1")
    return save(model, path, seed=seed)
