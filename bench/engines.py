"""The measured programs of the benchmark that are not `embodied` commands; bench/run.py starts each in
a fresh process:

    .venv/bin/python bench/engines.py ENGINE MODEL

ENGINE is one of
  count           (not timed) how many elements embodied counts and how many have a body
  plain_iterator  one multi-core ifcopenshell.geom.iterator pass over those elements, with embodied's
                  geometry settings, every shape's vertices and faces pulled into numpy and its volume
                  summed: the least a geometry take-off must do (the reference of the 1.1x target);
                  as many kernel threads as cores, as ifcopenshell's documentation runs it
  plain_iterator_workers  the same pass with as many kernel threads as embodied runs (`kernel_threads`:
                  more than cores, because the iterator's coordinating thread polls without sleeping),
                  so that embodied's own overhead over the kernel shows apart from the thread count
  ifc5d           ifc5d.qto.quantify with the shipped IFC4 (or IFC4X3) rules cut down to the volumes
  ifclca          IfcLCA-Py: discover the materials, map them (auto-map; what stays unmapped to KBOB
                  Concrete C30/37, so every element is visited), run the base-quantity analysis

Prints one JSON object on the last line of stdout (counts, so that runs can be checked for doing the
same work). Chatter of the engines goes to stderr.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import sys
from typing import Any

# Copied from embodied.takeoff.geometry (_settings, SOLID_DEFLECTION) rather than imported, so that the
# reference pass does not pay for importing embodied; run.py checks that the two still agree.
SETTINGS = {
    "weld-vertices": True,
    "reorient-shells": False,
    "mesher-angular-deflection": 0.1,
    "mesher-linear-deflection": 0.0005,
}
# embodied.takeoff.geometry.WORKERS_PER_CORE, EXTRA_WORKERS_MAX (run.py checks these too)
WORKERS_PER_CORE, EXTRA_WORKERS_MAX = 4, 8


def kernel_threads(cores: int) -> int:
    """embodied.takeoff.geometry.kernel_threads, copied."""
    return 1 if cores <= 1 else min(cores * WORKERS_PER_CORE, cores + EXTRA_WORKERS_MAX)


# embodied.takeoff.select.EXCLUDED_CLASSES
EXCLUDED = ("IfcFeatureElement", "IfcVirtualElement", "IfcGeographicElement")


def _counted(file: Any) -> list[Any]:
    """IfcElements embodied takes off: not features, virtual or geographic elements."""
    out = []
    for element in file.by_type("IfcElement"):
        excluded = False
        for cls in EXCLUDED:
            with contextlib.suppress(RuntimeError):  # class absent from this schema
                if element.is_a(cls):
                    excluded = True
                    break
        if not excluded:
            out.append(element)
    return out


def _with_body(elements: list[Any]) -> list[Any]:
    return [e for e in elements if e.Representation is not None]


def count(path: str) -> dict[str, Any]:
    import ifcopenshell

    file = ifcopenshell.open(path)
    counted = _counted(file)
    return {"elements": len(counted), "with_representation": len(_with_body(counted)), "schema": file.schema}


def plain_iterator(path: str, threads: int = 0) -> dict[str, Any]:
    import ifcopenshell
    import ifcopenshell.geom
    import ifcopenshell.util.shape
    import numpy as np

    file = ifcopenshell.open(path)
    include = _with_body(_counted(file))
    settings = ifcopenshell.geom.settings()
    for key, value in SETTINGS.items():
        settings.set(key, value)
    shapes, total = 0, 0.0
    if include:
        iterator = ifcopenshell.geom.iterator(
            settings, file, threads or multiprocessing.cpu_count(), include=include
        )
        if iterator.initialize():
            while True:
                geometry = iterator.get().geometry
                verts = ifcopenshell.util.shape.get_vertices(geometry)
                faces = ifcopenshell.util.shape.get_faces(geometry)
                if len(faces):
                    p = verts[faces]
                    total += float(np.einsum("ij,ij->i", p[:, 0], np.cross(p[:, 1], p[:, 2])).sum()) / 6.0
                shapes += 1
                if not iterator.next():
                    break
    return {
        "included": len(include),
        "shapes": shapes,
        "not_built": len(include) - shapes,
        "volume_m3": total,
    }


def plain_iterator_workers(path: str) -> dict[str, Any]:
    return plain_iterator(path, kernel_threads(multiprocessing.cpu_count()))


def ifc5d(path: str) -> dict[str, Any]:
    import ifc5d.qto
    import ifcopenshell

    file = ifcopenshell.open(path)
    include = _with_body(_counted(file))
    name = "IFC4X3QtoBaseQuantities" if file.schema.startswith("IFC4X3") else "IFC4QtoBaseQuantities"
    rules = ifc5d.qto.rules[name]  # type: ignore[index]
    volumes: dict[str, Any] = {}
    for calculator, queries in rules["calculators"].items():
        kept: dict[str, Any] = {}
        for query, qtos in queries.items():
            sets = {q: {k: f for k, f in qs.items() if "Volume" in k and f} for q, qs in qtos.items()}
            sets = {q: qs for q, qs in sets.items() if qs}
            if sets:
                kept[query] = sets
        volumes[calculator] = kept
    with contextlib.redirect_stdout(sys.stderr):
        results = ifc5d.qto.quantify(file, set(include), {"calculators": volumes})
    quantified = sum(1 for qsets in results.values() if any(qsets.values()))
    return {"rules": name, "included": len(include), "quantified": quantified}


def ifclca(path: str) -> dict[str, Any]:
    import ifcopenshell
    from IfcLCA import IfcLCA, KBOBReader

    file = ifcopenshell.open(path)
    with contextlib.redirect_stdout(sys.stderr):
        lca = IfcLCA(file, KBOBReader())
        mapped, unmapped = lca.auto_map_materials()
        for name in unmapped:
            lca.map_material(name, "KBOB_CONCRETE_C30_37")
        totals = lca.run_analysis()
    return {
        "materials": len(mapped) + len(unmapped),
        "auto_mapped": len(mapped),
        "gwp_kgco2e": round(sum(totals.values()), 1),
    }


ENGINES = {
    "count": count,
    "plain_iterator": plain_iterator,
    "plain_iterator_workers": plain_iterator_workers,
    "ifc5d": ifc5d,
    "ifclca": ifclca,
}


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ENGINES:
        print(f"usage: engines.py {{{','.join(ENGINES)}}} MODEL", file=sys.stderr)
        return 2
    print(json.dumps(ENGINES[sys.argv[1]](sys.argv[2])), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
