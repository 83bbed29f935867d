"""The readiness requirements IDS 1.0 cannot state, checked in Python with the same result shape
(``Requirement``, ``source="python"``) as the IDS's.

- ``quantity-or-body``: a load-bearing element has a Body shape representation or a quantity set
  (IfcElementQuantity): the take-off needs one or the other for a volume. IDS has no OR between
  requirements and cannot look at a representation's identifier. A whole made of parts (a roof of
  slabs, a stair of flights: IfcRelAggregates) passes when each of its physical parts does, since
  the take-off measures the parts.
- ``material-wholes``: a roof or stair has a material (its own or its type's) or is made of physical
  parts (IfcRelAggregates) that each have one: exporters write a roof as a whole aggregating slabs,
  the whole carrying no material, and the take-off takes off the parts. IDS cannot say "or its
  parts", so the shipped IDS's ``material`` leaves IfcRoof and IfcStair to this check.
- ``material-names``: every material of a load-bearing element (its own or its type's) has a name,
  not empty and not ``*``. A material facet passes when *any* name of the element's materials
  matches, so IDS cannot require all of them to be named.
- ``element-stars``: no attribute of a load-bearing element is written as a bare ``*`` where its
  schema derives nothing (Renga writes ``*`` for Name): the geometry kernel does not build such an
  element (embodied.takeoff.unbuilt). IDS reads values, not how the file writes them.

Load-bearing: the classes of ``LOAD_BEARING`` and their subclasses (IfcWallStandardCase ...), the
same elements as the shipped IDS lists (tests/test_check.py keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import ifcopenshell.util.element

from embodied.check import Requirement
from embodied.takeoff.unbuilt import bare_stars

LOAD_BEARING = (
    "IfcWall",
    "IfcSlab",
    "IfcColumn",
    "IfcBeam",
    "IfcFooting",
    "IfcPile",
    "IfcRoof",
    "IfcStair",
    "IfcMember",
    "IfcPlate",
)
WHOLES = ("IfcRoof", "IfcStair")  # often wholes of parts: their material is checked here, not in the IDS
BODY_IDENTIFIERS = frozenset({"Body", "Facetation"})  # Facetation: IFC2X3 exporters' tessellated body


def load_bearing(file: Any) -> tuple[Any, ...]:
    """The model's load-bearing elements, in file order, each once."""
    found: dict[int, Any] = {}
    for ifc_class in LOAD_BEARING:
        try:
            elements = file.by_type(ifc_class)
        except RuntimeError:  # not in this schema
            continue
        found.update((e.id(), e) for e in elements)
    return tuple(found[k] for k in sorted(found))


def has_body(element: Any) -> bool:
    """Whether the element has a Body shape representation."""
    shape = getattr(element, "Representation", None)
    for rep in getattr(shape, "Representations", None) or ():
        if rep.RepresentationIdentifier in BODY_IDENTIFIERS and rep.Items:
            return True
    return False


def has_quantities(element: Any) -> bool:
    """Whether the element has a quantity set (IfcElementQuantity) holding at least one quantity."""
    for rel in getattr(element, "IsDefinedBy", None) or ():
        if not rel.is_a("IfcRelDefinesByProperties"):
            continue
        definition = rel.RelatingPropertyDefinition
        if definition.is_a("IfcElementQuantity") and definition.Quantities:
            return True
    return False


def physical_parts(element: Any) -> tuple[Any, ...]:
    """The element's aggregated parts that are physical elements (openings and other features left out)."""
    parts: list[Any] = []
    for rel in getattr(element, "IsDecomposedBy", None) or ():
        if rel.is_a("IfcRelAggregates"):
            parts.extend(
                p for p in rel.RelatedObjects if p.is_a("IfcElement") and not p.is_a("IfcFeatureElement")
            )
    return tuple(parts)


def measurable(element: Any) -> bool:
    """A body or quantities on the element, or on every one of its physical parts."""
    if has_body(element) or has_quantities(element):
        return True
    parts = physical_parts(element)
    return bool(parts) and all(measurable(p) for p in parts)


def bad_material_names(element: Any) -> tuple[str, ...]:
    """The names of the element's materials (own or type's) that are unset, empty or ``*``."""
    bad = []
    for material in ifcopenshell.util.element.get_materials(element) or ():
        if material is None:  # a layer without material (an air gap): allowed
            continue
        name = material.Name
        if name is None or not str(name).strip() or str(name).strip() == "*":
            bad.append("" if name is None else str(name))
    return tuple(bad)


def has_material(element: Any) -> bool:
    """Whether a material is associated with the element or its type."""
    return ifcopenshell.util.element.get_material(element, should_skip_usage=True) is not None


def whole_has_material(element: Any) -> bool:
    """A material on the element (or its type), or on every one of its physical parts."""
    if has_material(element):
        return True
    parts = physical_parts(element)
    return bool(parts) and all(whole_has_material(p) for p in parts)


def _requirement(
    name: str, description: str, elements: Iterable[Any], fails: Callable[[Any], bool]
) -> Requirement:
    applicable = list(elements)
    failed = sorted({str(e.GlobalId) for e in applicable if _safely(fails, e, failed=True)})
    return Requirement(
        name=name,
        description=description,
        passed=not failed,
        applicable=len(applicable),
        failed_global_ids=tuple(failed),
        source="python",
    )


def _safely(test: Callable[[Any], bool], element: Any, *, failed: bool) -> bool:
    """`test(element)`, or `failed` when the element cannot be read (a damaged model: a dangling
    reference, a material set without its materials): such an element fails the requirement."""
    try:
        return test(element)
    except (AttributeError, RuntimeError, TypeError, ValueError, IndexError):
        return failed


def run_python_checks(file: Any) -> tuple[Requirement, ...]:
    """The Python requirements on an opened model (ifcopenshell file), in the order of the module
    docstring."""
    elements = load_bearing(file)
    return (
        _requirement(
            "quantity-or-body",
            "Every load-bearing element has a Body representation or a quantity set (a whole made of "
            "parts: each of its parts has): without either the take-off finds no volume.",
            elements,
            lambda e: not measurable(e),
        ),
        _requirement(
            "material-wholes",
            "Every roof and stair has a material, on itself, its type or each of its parts: without "
            "one it gets no emission factor.",
            [e for e in elements if any(e.is_a(c) for c in WHOLES)],
            lambda e: not whole_has_material(e),
        ),
        _requirement(
            "material-names",
            "Every material of a load-bearing element has a name, not empty and not '*': a nameless "
            "material matches no emission factor.",
            [e for e in elements if _safely(has_material, e, failed=False)],
            lambda e: bool(bad_material_names(e)),
        ),
        _requirement(
            "element-stars",
            "No attribute of a load-bearing element is written as a bare '*' (as Renga writes Name): "
            "the geometry kernel does not build such an element.",
            elements,
            lambda e: bool(bare_stars(e)),
        ),
    )


__all__ = ["LOAD_BEARING", "WHOLES", "load_bearing", "run_python_checks"]
