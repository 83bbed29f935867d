"""The model's relationships, read once, in bulk, by attribute index.

Asking each element for its type, material, quantity sets, container and classification through its
inverse attributes (what ``ifcopenshell.util.element`` does) costs several times the parse of the
file on a model of 100 000 elements. Every one of these relationships is an ``IfcRel...`` entity
naming its relating and related objects, so one pass over each relationship class fills a dictionary
keyed by element step id, and the take-off then looks things up instead of walking the graph.

The answers are those of the ``ifcopenshell.util.element`` helpers the take-off used before (first
relationship wins, the occurrence before its type); ``tests/test_index.py`` checks them against those
helpers on every shared model. A relationship the parser could not read as the schema says (a damaged
file) is skipped and named in ``damage``: what it related is then taken off without it, and says so
through the usual problems (no material, no quantity).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

# What a damaged entity raises when read as the schema says it should be.
DAMAGE = (AttributeError, TypeError, ValueError, IndexError, RuntimeError)

# (relationship class, relating attribute, related attribute); related may be one entity or a list
_RELATIONS = {
    "type": ("IfcRelDefinesByType", "RelatingType", "RelatedObjects"),
    "properties": ("IfcRelDefinesByProperties", "RelatingPropertyDefinition", "RelatedObjects"),
    "material": ("IfcRelAssociatesMaterial", "RelatingMaterial", "RelatedObjects"),
    "classification": ("IfcRelAssociatesClassification", "RelatingClassification", "RelatedObjects"),
    "contained": ("IfcRelContainedInSpatialStructure", "RelatingStructure", "RelatedElements"),
    "aggregate": ("IfcRelAggregates", "RelatingObject", "RelatedObjects"),
    "nest": ("IfcRelNests", "RelatingObject", "RelatedObjects"),
    "fills": ("IfcRelFillsElement", "RelatingOpeningElement", "RelatedBuildingElement"),
    "voids": ("IfcRelVoidsElement", "RelatingBuildingElement", "RelatedOpeningElement"),
    "adheres": ("IfcRelAdheresToElement", "RelatingElement", "RelatedSurfaceFeatures"),
}
MAX_DEPTH = 64  # a malformed model may loop: every walk up the tree stops here


def quantity_set_rank(name: Any) -> int | None:
    """0 for Qto_*BaseQuantities, 1 for BaseQuantities; None for sets the take-off does not read."""
    if not isinstance(name, str) or not name:
        return None
    if name.startswith("Qto_") and name.endswith("BaseQuantities"):
        return 0
    if name == "BaseQuantities":
        return 1
    return None


class ModelIndex:
    """Relationship lookups by element step id (see the module docstring)."""

    def __init__(self, file: Any) -> None:
        self.file = file
        self.damage: list[str] = []
        self.type_of: dict[int, Any] = {}
        self.material_of: dict[int, Any] = {}
        self.classifications_of: dict[int, list[Any]] = {}
        self.quantity_sets_of: dict[int, list[tuple[int, Any]]] = {}  # (rank, IfcElementQuantity)
        self.container_of: dict[int, Any] = {}
        self.parent_of: dict[int, Any] = {}  # besides containment: whole, host, nest, void ...
        self.whole_of: dict[int, Any] = {}  # IfcRelAggregates only
        self.parts_of: dict[int, list[Any]] = {}  # IfcRelAggregates: whole -> parts, in file order
        self.hosts_with_openings: set[int] = set()
        self._storeys: dict[int, str | None] = {}
        self._type_sets: dict[int, list[tuple[int, Any]]] = {}
        self._read()

    # -- the one pass ---------------------------------------------------------------------------
    def _pairs(self, key: str) -> Iterator[tuple[Any, Any]]:
        """(relating, related object) of every readable relationship of one kind, in file order."""
        cls, relating_name, related_name = _RELATIONS[key]
        try:
            relations = self.file.by_type(cls)
        except RuntimeError:  # the class is not in this schema (IfcRelAdheresToElement before 4X3)
            return
        relating_at = related_at = -1
        for rel in relations:
            try:
                if relating_at < 0:
                    relating_at = rel.get_argument_index(relating_name)
                    related_at = rel.get_argument_index(related_name)
                relating = rel.get_argument(relating_at)
                related = rel.get_argument(related_at)
                objects: Iterable[Any] = related if isinstance(related, tuple) else (related,)
                for obj in objects:
                    if obj is not None and relating is not None:
                        yield relating, obj.id()
            except DAMAGE as error:
                self.damage.append(f"{cls} #{rel.id()} could not be read ({type(error).__name__}: {error})")

    def _read(self) -> None:
        for relating, oid in self._pairs("type"):
            self.type_of.setdefault(oid, relating)
        for relating, oid in self._pairs("material"):
            self.material_of.setdefault(oid, relating)
        for relating, oid in self._pairs("classification"):
            self.classifications_of.setdefault(oid, []).append(relating)
        for relating, oid in self._pairs("properties"):
            if relating.is_a() == "IfcElementQuantity" or relating.is_a("IfcElementQuantity"):
                rank = quantity_set_rank(relating.Name)
                if rank is not None:
                    self.quantity_sets_of.setdefault(oid, []).append((rank, relating))
        for relating, oid in self._pairs("contained"):
            self.container_of.setdefault(oid, relating)
        for relating, oid in self._pairs("aggregate"):
            self.whole_of.setdefault(oid, relating)
            self.parts_of.setdefault(relating.id(), []).append(self.file.by_id(oid))
        # an element's parent, as ifcopenshell.util.element.get_parent orders them
        parents: dict[int, Any] = {}
        for key in ("nest", "fills", "voids", "adheres"):
            for relating, oid in self._pairs(key):
                parents.setdefault(oid, relating)
                if key == "voids":
                    self.hosts_with_openings.add(relating.id())
        for oid, whole in self.whole_of.items():
            self.parent_of[oid] = whole
        for oid, parent in parents.items():
            self.parent_of.setdefault(oid, parent)

    # -- lookups --------------------------------------------------------------------------------
    def element_type(self, element: Any) -> Any:
        return self.type_of.get(element.id())

    def material(self, element: Any) -> tuple[Any, str | None]:
        """The associated material definition and where it is: "occurrence", "type" or None."""
        found = self.material_of.get(element.id())
        if found is not None:
            return found, "occurrence"
        element_type = self.type_of.get(element.id())
        if element_type is not None:
            found = self.material_of.get(element_type.id())
            if found is not None:
                return found, "type"
        return None, None

    def quantity_sets(self, element: Any) -> list[Any]:
        """IfcElementQuantity sets of the occurrence, then of its type, best-ranked first."""
        own = self.quantity_sets_of.get(element.id(), ())
        element_type = self.type_of.get(element.id())
        typed = self._sets_of_type(element_type) if element_type is not None else ()
        if not typed and len(own) == 1:
            return [own[0][1]]
        ranked = [(0, rank, q) for rank, q in own] + [(1, rank, q) for rank, q in typed]
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [q for _, _, q in ranked]

    def _sets_of_type(self, element_type: Any) -> list[tuple[int, Any]]:
        key = element_type.id()
        if key not in self._type_sets:
            found = []
            for pdef in getattr(element_type, "HasPropertySets", None) or ():
                if pdef.is_a("IfcElementQuantity") and (rank := quantity_set_rank(pdef.Name)) is not None:
                    found.append((rank, pdef))
            self._type_sets[key] = found
        return self._type_sets[key]

    def classifications(self, element: Any) -> list[Any]:
        """Classification references of the element, those of its type first; an occurrence's
        reference replaces its type's of the same classification system (as
        ifcopenshell.util.classification.get_references does)."""
        own = self.classifications_of.get(element.id(), [])
        element_type = self.type_of.get(element.id())
        inherited = self.classifications_of.get(element_type.id(), []) if element_type is not None else []
        if not inherited:
            return own
        systems = {_system(r) for r in own}
        return [r for r in inherited if _system(r) not in systems] + own

    def has_openings(self, element: Any) -> bool:
        return element.id() in self.hosts_with_openings

    def storey_name(self, element: Any) -> str | None:
        """Name of the storey holding the element: its container (directly, or that of the whole,
        host or nest it belongs to), walked up the spatial aggregation to an IfcBuildingStorey."""
        current: Any = element
        for _ in range(MAX_DEPTH):
            container = self.container_of.get(current.id())
            if container is not None:
                return self._storey_of_structure(container)
            current = self.parent_of.get(current.id())
            if current is None:
                return None
        return None

    def _storey_of_structure(self, structure: Any) -> str | None:
        key = structure.id()
        if key not in self._storeys:
            spatial: Any = structure
            for _ in range(MAX_DEPTH):
                if spatial is None or spatial.is_a("IfcBuildingStorey"):
                    break
                spatial = self.whole_of.get(spatial.id())
            name = spatial.Name if spatial is not None else None
            self._storeys[key] = name if isinstance(name, str) else None
        return self._storeys[key]


def _system(reference: Any) -> int | None:
    """Step id of the IfcClassification a reference belongs to (None when it names none)."""
    current = reference
    for _ in range(MAX_DEPTH):
        if current is None:
            return None
        if current.is_a("IfcClassification"):
            return int(current.id())
        current = getattr(current, "ReferencedSource", None)
    return None
