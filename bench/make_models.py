"""Write synthetic Revit-like IFC4 grid models of N elements for the benchmark.

    .venv/bin/python bench/make_models.py 1000 10000 100000 [--out bench/models]

writes ``grid_1k.ifc``, ``grid_10k.ifc``, ``grid_100k.ifc`` (N elements each; a count that is not a
multiple of 1000 keeps its digits: ``grid_2500.ifc``). The content imitates a Revit export:

- IFC4, millimetres, areas in m² and volumes in m³; one owner history; a Model context with a Body
  subcontext; project, site, building and one storey per 2 000 elements (at most 50);
- a repeating mix of walls (IfcWall, IfcMaterialLayerSetUsage of 2-3 layers, usages shared), slabs
  (IfcSlab, layer set usage), columns (IfcColumn, one IfcMaterial, rectangle profile) and beams
  (IfcBeam, I-shape profile, steel); one wall in four is typed (IfcWallType + IfcRelDefinesByType)
  and carries its material on the type only;
- every element has its own local placement and one closed IfcExtrudedAreaSolid 'Body';
- base quantities (Qto_<Class>BaseQuantities), one IfcRelDefinesByProperties per element, plus a
  Pset_<Class>Common; about 3 % have no base quantities (geometry fallback) and 0.1 % no material;
- materials associated many elements at once (one IfcRelAssociatesMaterial per material or usage),
  with Chinese names the shipped database matches (C30混凝土, 混凝土砖, Q355钢, M10水泥砂浆, 岩棉板; a
  rare 加气混凝土砌块 partition, 0.5 %, has no factor in the database and stays unmatched).

Built with ``file.create_entity`` directly (ifcopenshell.api is far too slow for 100k elements).
Deterministic: GlobalIds come from a seeded generator, the header has a fixed time stamp. The
base-quantity volumes equal the extruded solids' volumes exactly.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.guid

DEFAULT_OUT = Path(__file__).resolve().parent / "models"
TIMESTAMP = 1704038400  # 2024-01-01T00:00:00+08:00
ELEMENTS_PER_STOREY = 2000
MAX_STOREYS = 50
STOREY_HEIGHT_MM = 3000.0
CELL_MM = 8000.0  # each element sits in its own 8 m × 8 m cell of its storey's grid
NO_QUANTITY_EVERY = 33  # ~3 % without base quantities
NO_MATERIAL_EVERY = 1000  # 0.1 % without material
# One cycle of 20 elements: 8 walls, 3 slabs, 5 columns, 4 beams.
CYCLE = "WWSCBWWCSWBCWWSCBWCB"

# Layer sets (material, thickness mm); the name is Revit's type name.
WALL_SETS: dict[str, list[tuple[str, float]]] = {
    "Basic Wall:混凝土砖墙 240": [("M10水泥砂浆", 20.0), ("混凝土砖", 200.0), ("M10水泥砂浆", 20.0)],
    "Basic Wall:C30混凝土外墙 270": [("C30混凝土", 200.0), ("岩棉板", 50.0), ("M10水泥砂浆", 20.0)],
}
# The shipped database has no factor for aerated concrete block (GB/T 51366 App. D has no such row),
# so this wall type is rare (0.5 % of the elements): the report lists it as unmatched, as it would be.
RARE_WALL_SET = "Basic Wall:加气混凝土砌块隔墙 220"
RARE_WALL_LAYERS = [("加气混凝土砌块", 200.0), ("M10水泥砂浆", 20.0)]
RARE_EVERY = 200
TYPED_WALL_SET = "Basic Wall:C30混凝土剪力墙 220 (typed)"
TYPED_WALL_LAYERS = [("C30混凝土", 200.0), ("M10水泥砂浆", 20.0)]
SLAB_SET = "Floor:C30混凝土楼板 150"
SLAB_LAYERS = [("C30混凝土", 120.0), ("M10水泥砂浆", 30.0)]
COLUMN_MATERIAL = "C30混凝土"
BEAM_MATERIAL = "Q355钢"


@dataclass(frozen=True, slots=True)
class IShape:
    depth: float
    width: float
    web: float
    flange: float

    @property
    def area_mm2(self) -> float:
        return 2 * self.width * self.flange + (self.depth - 2 * self.flange) * self.web

    @property
    def perimeter_mm(self) -> float:
        return 2 * self.depth + 4 * self.width - 2 * self.web


BEAM_PROFILE = IShape(400.0, 200.0, 10.0, 16.0)


def model_name(n: int) -> str:
    return f"grid_{n // 1000}k.ifc" if n % 1000 == 0 else f"grid_{n}.ifc"


class Builder:
    """Creates the entities; keeps the shared ones (directions, contexts, materials)."""

    def __init__(self, n: int, seed: int) -> None:
        self.f = ifcopenshell.file(schema="IFC4")
        self.rng = random.Random(seed * 1_000_003 + n)
        self.n = n
        c = self.f.create_entity
        self.c = c
        self.z = c("IfcDirection", (0.0, 0.0, 1.0))
        self.x = c("IfcDirection", (1.0, 0.0, 0.0))
        self.y = c("IfcDirection", (0.0, 1.0, 0.0))
        self.origin = c("IfcCartesianPoint", (0.0, 0.0, 0.0))
        self.origin2d = c("IfcCartesianPoint", (0.0, 0.0))
        self.wcs = c("IfcAxis2Placement3D", self.origin, None, None)
        person = c("IfcPerson", None, "Bench", "Generator")
        org = c("IfcOrganization", None, "embodied", None)
        pao = c("IfcPersonAndOrganization", person, org)
        app = c("IfcApplication", org, "1.0", "embodied bench/make_models.py", "embodied-bench")
        self.history = c("IfcOwnerHistory", pao, app, None, "NOCHANGE", None, None, None, TIMESTAMP)

    def guid(self) -> str:
        return ifcopenshell.guid.compress(uuid.UUID(int=self.rng.getrandbits(128)).hex)

    def root(self, ifc_class: str, *args: Any, **kw: Any) -> Any:
        return self.c(ifc_class, self.guid(), self.history, *args, **kw)

    def placement(self, xyz: tuple[float, float, float], rel_to: Any) -> Any:
        point = self.c("IfcCartesianPoint", xyz)
        return self.c("IfcLocalPlacement", rel_to, self.c("IfcAxis2Placement3D", point, None, None))

    def project(self) -> tuple[Any, Any]:
        c = self.c
        units = [
            c("IfcSIUnit", None, "LENGTHUNIT", "MILLI", "METRE"),
            c("IfcSIUnit", None, "AREAUNIT", None, "SQUARE_METRE"),
            c("IfcSIUnit", None, "VOLUMEUNIT", None, "CUBIC_METRE"),
            c("IfcSIUnit", None, "PLANEANGLEUNIT", None, "RADIAN"),
            c("IfcSIUnit", None, "MASSUNIT", "KILO", "GRAM"),
            c("IfcSIUnit", None, "TIMEUNIT", None, "SECOND"),
        ]
        north = c("IfcDirection", (0.0, 1.0))
        context = c("IfcGeometricRepresentationContext", None, "Model", 3, 0.01, self.wcs, north)
        self.body = c(
            "IfcGeometricRepresentationSubContext", "Body", "Model", None, None, None, None, context, None,
            "MODEL_VIEW", None,
        )  # fmt: skip
        project = self.root(
            "IfcProject", f"Grid {self.n}", None, None, None, "Project Status", [context],
            c("IfcUnitAssignment", units),
        )  # fmt: skip
        site_place = self.placement((0.0, 0.0, 0.0), None)
        site = self.root("IfcSite", "Default", None, None, site_place, None, None, "ELEMENT")
        build_place = self.placement((0.0, 0.0, 0.0), site_place)
        building = self.root("IfcBuilding", "Bench building", None, None, build_place, None, None, "ELEMENT")
        self.root("IfcRelAggregates", None, None, project, [site])
        self.root("IfcRelAggregates", None, None, site, [building])
        return building, build_place

    def extruded(self, profile: Any, depth: float, position: Any = None, direction: Any = None) -> Any:
        solid = self.c("IfcExtrudedAreaSolid", profile, position, direction or self.z, depth)
        rep = self.c("IfcShapeRepresentation", self.body, "Body", "SweptSolid", [solid])
        return self.c("IfcProductDefinitionShape", None, None, [rep])

    def rectangle(self, x: float, y: float, cx: float, cy: float) -> Any:
        centre = self.c("IfcAxis2Placement2D", self.c("IfcCartesianPoint", (cx, cy)), None)
        return self.c("IfcRectangleProfileDef", "AREA", None, centre, x, y)

    def quantities(self, owner: Any, qset: str, values: list[tuple[str, str, float]]) -> None:
        kinds = {"L": ("IfcQuantityLength", "LengthValue"), "A": ("IfcQuantityArea", "AreaValue")}
        kinds["V"] = ("IfcQuantityVolume", "VolumeValue")
        qs = []
        for kind, name, value in values:
            cls, attr = kinds[kind]
            qs.append(self.c(cls, Name=name, **{attr: value}))
        eq = self.root("IfcElementQuantity", qset, None, "RevitBQ", qs)
        self.root("IfcRelDefinesByProperties", None, None, [owner], eq)

    def common_pset(self, owner: Any, name: str, reference: str, external: bool) -> None:
        props = [
            self.c("IfcPropertySingleValue", "Reference", None, self.c("IfcIdentifier", reference), None),
            self.c("IfcPropertySingleValue", "IsExternal", None, self.c("IfcBoolean", external), None),
        ]
        pset = self.root("IfcPropertySet", name, None, props)
        self.root("IfcRelDefinesByProperties", None, None, [owner], pset)

    def layer_set(self, name: str, layers: list[tuple[str, float]], materials: dict[str, Any]) -> Any:
        made = [self.c("IfcMaterialLayer", materials[m], t, None, m, None, None, None) for m, t in layers]
        return self.c("IfcMaterialLayerSet", made, name, None)


def build(n: int, seed: int = 20261130) -> ifcopenshell.file:
    b = Builder(n, seed)
    c = b.c
    building, build_place = b.project()
    wall_sets = {**WALL_SETS, RARE_WALL_SET: RARE_WALL_LAYERS}
    names = {m for layers in wall_sets.values() for m, _ in layers}
    names |= {m for m, _ in TYPED_WALL_LAYERS + SLAB_LAYERS} | {COLUMN_MATERIAL, BEAM_MATERIAL}
    materials = {m: c("IfcMaterial", m, None, None) for m in sorted(names)}
    wall_usages = {
        name: c("IfcMaterialLayerSetUsage", b.layer_set(name, layers, materials), "AXIS2", "POSITIVE", 0.0)
        for name, layers in wall_sets.items()
    }
    slab_usage = c(
        "IfcMaterialLayerSetUsage", b.layer_set(SLAB_SET, SLAB_LAYERS, materials), "AXIS3", "POSITIVE", 0.0
    )
    wall_type = b.root("IfcWallType", TYPED_WALL_SET, None, None, None, None, "1", None, "STANDARD")
    type_set = b.layer_set(TYPED_WALL_SET, TYPED_WALL_LAYERS, materials)
    b.root("IfcRelAssociatesMaterial", None, None, [wall_type], type_set)
    beam_profile = c(
        "IfcIShapeProfileDef", "AREA", "HW400x200", None, BEAM_PROFILE.width, BEAM_PROFILE.depth,
        BEAM_PROFILE.web, BEAM_PROFILE.flange, None, None, None,
    )  # fmt: skip
    beam_axis = c("IfcAxis2Placement3D", b.origin, b.x, b.y)  # profile x = global y, extrusion along x
    column_profile = b.rectangle(400.0, 400.0, 0.0, 0.0)  # shared, as Revit shares a family's profile

    storeys: list[tuple[Any, Any]] = []
    n_storeys = min(MAX_STOREYS, max(1, math.ceil(n / ELEMENTS_PER_STOREY)))
    for k in range(n_storeys):
        place = b.placement((0.0, 0.0, k * STOREY_HEIGHT_MM), build_place)
        storey = b.root(
            "IfcBuildingStorey",
            f"Level {k + 1}",
            None,
            None,
            place,
            None,
            None,
            "ELEMENT",
            k * STOREY_HEIGHT_MM,
        )
        storeys.append((storey, place))
    b.root("IfcRelAggregates", None, None, building, [s for s, _ in storeys])

    per_storey = math.ceil(n / n_storeys)
    columns_in_row = math.ceil(math.sqrt(per_storey))
    contained: list[list[Any]] = [[] for _ in storeys]
    by_material: dict[int, list[Any]] = {}  # id of material/usage -> elements
    material_of: dict[int, Any] = {}
    typed: list[Any] = []
    wall_names = list(WALL_SETS)
    h = STOREY_HEIGHT_MM

    for i in range(n):
        k = min(i // per_storey, n_storeys - 1)
        storey, splace = storeys[k]
        j = i - k * per_storey
        x0, y0 = (j % columns_in_row) * CELL_MM, (j // columns_in_row) * CELL_MM
        kind = CYCLE[i % len(CYCLE)]
        place = b.placement((x0, y0, 0.0), splace)
        with_qto = i % NO_QUANTITY_EVERY != 5
        with_material = i % NO_MATERIAL_EVERY != NO_MATERIAL_EVERY - 1
        tag = str(100000 + i)
        if kind == "W":
            length = 3000.0 + (i % 5) * 1000.0
            is_typed = with_material and (i // len(CYCLE)) % 4 == 0
            if is_typed:
                set_name, layers = TYPED_WALL_SET, TYPED_WALL_LAYERS
            else:
                rare = i % RARE_EVERY == 37  # a wall of the cycle, never a typed one
                set_name = RARE_WALL_SET if rare else wall_names[(i + i // len(CYCLE)) % len(wall_names)]
                layers = wall_sets[set_name]
            t = sum(th for _, th in layers)
            shape = b.extruded(b.rectangle(length, t, length / 2, t / 2), h)
            element = b.root("IfcWall", f"{set_name}:{tag}", None, set_name, place, shape, tag, "STANDARD")
            if is_typed:
                typed.append(element)
            elif with_material:
                usage = wall_usages[set_name]
                by_material.setdefault(usage.id(), []).append(element)
                material_of[usage.id()] = usage
            side = length * h / 1e6
            qto = [("L", "Length", length), ("L", "Height", h), ("L", "Width", t)]
            qto += [("A", "GrossSideArea", side), ("A", "NetSideArea", side)]
            qto += [("V", "GrossVolume", side * t / 1000), ("V", "NetVolume", side * t / 1000)]
            qset, pset = "Qto_WallBaseQuantities", "Pset_WallCommon"
        elif kind == "S":
            w, d = 6000.0, 6000.0 + (i % 3) * 1000.0
            t = sum(th for _, th in SLAB_LAYERS)
            shape = b.extruded(b.rectangle(w, d, w / 2, d / 2), t)
            element = b.root("IfcSlab", f"{SLAB_SET}:{tag}", None, SLAB_SET, place, shape, tag, "FLOOR")
            if with_material:
                by_material.setdefault(slab_usage.id(), []).append(element)
                material_of[slab_usage.id()] = slab_usage
            area = w * d / 1e6
            qto = [("L", "Width", t), ("L", "Perimeter", 2 * (w + d)), ("A", "GrossArea", area)]
            qto += [("A", "NetArea", area), ("V", "GrossVolume", area * t / 1000)]
            qto += [("V", "NetVolume", area * t / 1000)]
            qset, pset = "Qto_SlabBaseQuantities", "Pset_SlabCommon"
        elif kind == "C":
            shape = b.extruded(column_profile, h)
            name = f"M_Concrete-Rectangular-Column:400 x 400mm:{tag}"
            element = b.root("IfcColumn", name, None, "400 x 400mm", place, shape, tag, "COLUMN")
            if with_material:
                by_material.setdefault(materials[COLUMN_MATERIAL].id(), []).append(element)
                material_of[materials[COLUMN_MATERIAL].id()] = materials[COLUMN_MATERIAL]
            qto = [
                ("L", "Length", h),
                ("A", "CrossSectionArea", 0.16),
                ("A", "OuterSurfaceArea", 1.6 * h / 1000),
            ]
            qto += [("V", "GrossVolume", 0.16 * h / 1000), ("V", "NetVolume", 0.16 * h / 1000)]
            qset, pset = "Qto_ColumnBaseQuantities", "Pset_ColumnCommon"
        else:
            length = 6000.0 + (i % 4) * 500.0
            place = b.placement((x0, y0, h - BEAM_PROFILE.depth / 2), splace)
            shape = b.extruded(beam_profile, length, beam_axis)
            element = b.root(
                "IfcBeam", f"M_W-Wide Flange:HW400x200:{tag}", None, "HW400x200", place, shape, tag, "BEAM"
            )
            if with_material:
                by_material.setdefault(materials[BEAM_MATERIAL].id(), []).append(element)
                material_of[materials[BEAM_MATERIAL].id()] = materials[BEAM_MATERIAL]
            section = BEAM_PROFILE.area_mm2 / 1e6
            outer = BEAM_PROFILE.perimeter_mm * length / 1e6
            qto = [
                ("L", "Length", length),
                ("A", "CrossSectionArea", section),
                ("A", "OuterSurfaceArea", outer),
            ]
            qto += [
                ("V", "GrossVolume", section * length / 1000),
                ("V", "NetVolume", section * length / 1000),
            ]
            qset, pset = "Qto_BeamBaseQuantities", "Pset_BeamCommon"
        contained[k].append(element)
        if with_qto:
            b.quantities(element, qset, qto)
        b.common_pset(element, pset, element.ObjectType, kind == "W" and i % 2 == 0)

    for (storey, _), elements in zip(storeys, contained, strict=True):
        b.root("IfcRelContainedInSpatialStructure", None, None, elements, storey)
    for key, elements in by_material.items():
        b.root("IfcRelAssociatesMaterial", None, None, elements, material_of[key])
    if typed:
        b.root("IfcRelDefinesByType", None, None, typed, wall_type)
    return b.f


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("counts", nargs="+", type=int, metavar="N", help="element count of a model")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder (default: bench/models)")
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for n in args.counts:
        if n < 1:
            print(f"element count must be positive, not {n}", file=sys.stderr)
            return 2
        t0 = time.perf_counter()
        model = build(n, args.seed)
        path = args.out / model_name(n)
        model.header.file_name.name = path.name
        model.header.file_name.time_stamp = "2024-01-01T00:00:00+08:00"
        model.header.file_name.originating_system = (
            "embodied bench/make_models.py (Revit-like synthetic grid)"
        )
        model.header.file_name.preprocessor_version = f"IfcOpenShell {ifcopenshell.version}"
        model.write(str(path))
        seconds = time.perf_counter() - t0
        size = path.stat().st_size / 1e6
        print(f"{path}: {n} elements, {size:.1f} MB, {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
